// Where the time goes: run a command of our CLI under `node --cpu-prof` and print the top
// functions by self time and the self time per source directory (sim/, runtime/tracev2/,
// formats/v1/...), as the README's "where the time goes" shows them.
//
//   npm run build && npx tsx bench/profile.ts [--top N] [--rounds R] -- run --go 1.23 --duration 5s -o /tmp/x
//
// The arguments after `--` go to `node build/lib/cli.js`. With --rounds R the command is
// profiled R times and each function's share is the median of its shares (a shared machine
// makes single profiles noisy). Shares are of the sampled time of the thread that did the work
// (the main thread; a sweep's workers write profiles of their own, which are summed).
// Who may touch: the bench owner.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median } from './proc.ts';

const CLI = fileURLToPath(new URL('../build/lib/cli.js', import.meta.url));

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileShares {
  /** Sampled ms of the profiled threads. */
  totalMs: number;
  /** function (dir/file:line) → share of the sampled time. */
  functions: Map<string, number>;
  /** directory (sim, runtime/tracev2, (gc), (node)) → share. */
  dirs: Map<string, number>;
}

/** The place a frame belongs to: its directory under build/lib, or what V8 calls it. */
function dirOf(url: string, fn: string): string {
  const m = /build\/lib\/(.*)\/[^/]+\.js$/.exec(url);
  if (m) return m[1];
  if (/build\/lib\/[^/]+\.js$/.test(url)) return '(lib root)';
  if (url.startsWith('wasm://')) return '(wasm core)';
  if (fn === '(garbage collector)') return '(gc)';
  if (fn === '(idle)' || fn === '(program)') return '(idle/program)';
  return '(node: start-up, I/O)';
}

/** Self time per function and per directory over the profiles in `dir`. */
export function readProfiles(dir: string): ProfileShares {
  const fns = new Map<string, number>();
  const dirs = new Map<string, number>();
  let total = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.cpuprofile'))) {
    const p = JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    for (let i = 0; i < p.samples.length; i++) {
      const cf = byId.get(p.samples[i])!.callFrame;
      const dt = p.timeDeltas[i] ?? 0;
      if (cf.functionName === '(idle)') continue; // a worker's or the main thread's waiting
      const where = cf.url ? `${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber + 1}` : '';
      const key = `${cf.functionName || '(anonymous)'} ${where}`.trim();
      fns.set(key, (fns.get(key) ?? 0) + dt);
      const d = dirOf(cf.url, cf.functionName);
      dirs.set(d, (dirs.get(d) ?? 0) + dt);
      total += dt;
    }
  }
  const share = (m: Map<string, number>) => new Map([...m].map(([k, v]) => [k, v / total]));
  return { totalMs: total / 1000, functions: share(fns), dirs: share(dirs) };
}

/** Profile `node build/lib/cli.js ...args` `rounds` times; median shares. */
export function profileCli(args: string[], rounds = 1): ProfileShares {
  const runs: ProfileShares[] = [];
  for (let i = 0; i < rounds; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'gts-prof-'));
    try {
      const r = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, CLI, ...args], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
      if (r.status !== 0) throw new Error(`gotracesim ${args.join(' ')}: exit ${r.status}: ${r.stderr.trim().split('\n').pop()}`);
      runs.push(readProfiles(dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const med = (pick: (p: ProfileShares) => Map<string, number>) => {
    const keys = new Set(runs.flatMap((p) => [...pick(p).keys()]));
    return new Map([...keys].map((k) => [k, median(runs.map((p) => pick(p).get(k) ?? 0))]));
  };
  return { totalMs: median(runs.map((p) => p.totalMs)), functions: med((p) => p.functions), dirs: med((p) => p.dirs) };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** Markdown: the top functions and the directories. */
export function profileMarkdown(p: ProfileShares, top = 15): string {
  const fns = [...p.functions].sort((a, b) => b[1] - a[1]).slice(0, top);
  const dirs = [...p.dirs].sort((a, b) => b[1] - a[1]).filter(([, v]) => v >= 0.005);
  return [
    `| self time | function |`,
    `|---:|---|`,
    ...fns.map(([k, v]) => `| ${pct(v)} | \`${k}\` |`),
    '',
    `| self time | where |`,
    `|---:|---|`,
    ...dirs.map(([k, v]) => `| ${pct(v)} | ${k} |`),
  ].join('\n');
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const args = process.argv.slice(2);
  const sep = args.indexOf('--');
  if (sep < 0) {
    console.error('usage: npx tsx bench/profile.ts [--top N] [--rounds R] -- CLI ARGS...');
    process.exit(2);
  }
  const own = args.slice(0, sep);
  const opt = (k: string) => {
    const i = own.indexOf(k);
    return i >= 0 ? Number(own[i + 1]) : undefined;
  };
  const p = profileCli(args.slice(sep + 1), opt('--rounds') ?? 1);
  console.log(`gotracesim ${args.slice(sep + 1).join(' ')}: ${p.totalMs.toFixed(0)} ms sampled (median of ${opt('--rounds') ?? 1}), node ${process.version}\n`);
  console.log(profileMarkdown(p, opt('--top') ?? 15));
}

// The goals of issue 13, each measured against its anchor in the same run, whole process:
// `npm run bench` (suite `goals`), or standalone:
//
//   npx tsx bench/goals.ts [--runs N] [--only GROUP] [--readme]
//
// Every row: what, the measured figure, the anchor's figure (real Go measured now, or none),
// the ratio as the goal states it, the goal, met or not. Written to bench/results/goals.json;
// `--readme` rewrites the table between the goals markers of README.md from that file (no
// measuring). Timed commands run one at a time, each `runs` times (default 3): medians of wall
// seconds (CPU seconds kept beside them in the JSON); peak RSS is the largest of the runs.
// Needs `npm run build` (our CLI is node build/lib/cli.js) and Go 1.19 and 1.23 (anchors and
// inputs: bench/goals-inputs.ts). A row whose measurement fails says so (met: false) and the
// others go on.
// Who may touch: the bench owner.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { goschedOnce, hostileInputs, parse119, realTrace, sweepGrid, validator123, type GoschedRun } from './goals-inputs.ts';
import { median, ok, runProc, timeInterleaved, timeProc, type ProcRun, type Timed } from './proc.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CLI = join(ROOT, 'build/lib/cli.js');
const NODE = process.execPath;
const RESULTS = join(ROOT, 'bench/results/goals.json');
const README = join(ROOT, 'README.md');
const MB = 1 << 20;

export interface GoalRow {
  what: string;
  /** The measured figure, as a person reads it. */
  measured: string;
  value: number;
  unit: string;
  /** The anchor's figure, or '—' when the goal has none. */
  anchor: string;
  anchor_value: number | null;
  /** The ratio the goal bounds (null when the goal is a bound of its own). */
  ratio: number | null;
  goal: string;
  met: boolean;
  /** CPU seconds, sample times, and what else explains the figure. */
  detail?: Record<string, unknown>;
  note?: string;
}

const f2 = (x: number) => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2)) : 'n/a');
const sec = (t: Timed | { wall: number }) => `${f2(t.wall)} s`;
const mevs = (x: number) => `${f2(x / 1e6)} M events/s`;
const times = (t: Timed) => ({ wall_s: t.walls.map((w) => +w.toFixed(3)), cpu_s: +t.cpu.toFixed(3), peak_rss_mb: Math.round(t.rssMb) });

/** ratio ≥ at least. */
function atLeast(ratio: number, at: number): { ratio: number; goal: string; met: boolean } {
  return { ratio: +ratio.toFixed(2), goal: `≥ ${at}×`, met: ratio >= at };
}
function atMost(ratio: number, at: number): { ratio: number; goal: string; met: boolean } {
  return { ratio: +ratio.toFixed(2), goal: `≤ ${at}×`, met: ratio <= at };
}

const cli = (args: string[], nodeFlags: string[] = []) => [...nodeFlags, CLI, ...args];

/** events/s of `gotracesim run` (default scenario, 5 s, both formats) against the Gosched
 *  anchor, the three interleaved round by round. */
function runRows(n: number, work: string): GoalRow[] {
  const anchor: GoschedRun[] = [];
  const runs: Record<string, ProcRun[]> = { '1.19': [], '1.23': [] };
  for (let i = 0; i < n; i++) {
    anchor.push(goschedOnce('1s'));
    for (const go of ['1.19', '1.23']) {
      const r = runProc(NODE, cli(['run', '--go', go, '--duration', '5s', '-o', join(work, `run-${go}`), '--no-progress']));
      ok(`run --go ${go}`)(r);
      runs[go].push(r);
    }
  }
  const anchorEps = median(anchor.map((x) => x.eventsPerS));
  const anchorCpuEps = median(anchor.map((x) => x.eventsPerCpuS));
  const rows: GoalRow[] = [];
  for (const go of ['1.19', '1.23']) {
    const out = join(work, `run-${go}`);
    const rs = runs[go];
    const t: Timed = { wall: median(rs.map((r) => r.wall)), cpu: median(rs.map((r) => r.cpu)), rssMb: Math.max(...rs.map((r) => r.rssMb)), runs: rs, walls: rs.map((r) => r.wall) };
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const events = Object.values(summary.trace.events as Record<string, number>).reduce((a, b) => a + b, 0);
    const eps = events / t.wall;
    rows.push({
      what: `trace events per second, whole \`gotracesim run\`, default scenario 5 s, go${go} format`,
      measured: `${mevs(eps)} (${(events / 1e6).toFixed(2)} M events in ${sec(t)})`,
      value: Math.round(eps),
      unit: 'events/s',
      anchor: `Go 1.23 Gosched loop, GOMAXPROCS=1: ${mevs(anchorEps)}`,
      anchor_value: Math.round(anchorEps),
      ...atLeast(eps / anchorEps, 3),
      detail: {
        events,
        trace_bytes: statSync(join(out, 'trace.out')).size,
        ...times(t),
        events_per_cpu_s: Math.round(events / t.cpu),
        cpu_ratio: +(events / t.cpu / anchorCpuEps).toFixed(2),
        anchor_runs: anchor,
      },
    });
  }
  return rows;
}

/** Simulated seconds per wall second, no trace (the API in one process, start-up included). */
function simSpeedRow(n: number): GoalRow {
  const simS = 10;
  const script = `import { simulate } from ${JSON.stringify(pathToFileURL(join(ROOT, 'build/lib/runtime/simulate.js')).href)};
import { DEFAULT_SCENARIO } from ${JSON.stringify(pathToFileURL(join(ROOT, 'build/lib/scenario/default-scenario.js')).href)};
simulate(DEFAULT_SCENARIO, { overrides: { duration: '${simS}s' }, trace: false });`;
  const t = timeProc(n, NODE, ['--input-type=module', '-e', script], {}, ok('simulate without trace'));
  const x = simS / t.wall;
  return {
    what: 'simulated seconds per wall second, default scenario, no trace',
    measured: `${f2(x)} (${simS} s simulated in ${sec(t)})`,
    value: +x.toFixed(2),
    unit: 'simulated s / wall s',
    anchor: 'real time (1 s per s)',
    anchor_value: 1,
    ...atLeast(x, 100),
    detail: times(t),
  };
}

/** validate, whole process: ours against Go's parser or validator on the same real trace. */
function validateRow(n: number, what: string, file: string, goCmd: string, goArgs: string[], stdin: boolean, anchorName: string, goal: number): GoalRow {
  const mb = statSync(file).size / MB;
  const [ours, go] = timeInterleaved(n, [
    { cmd: NODE, args: cli(['validate', file]), check: ok(`validate ${file}`) },
    { cmd: goCmd, args: goArgs, opts: stdin ? { stdinFile: file, quiet: true } : { quiet: true }, check: ok(anchorName) },
  ]);
  return {
    what,
    measured: `${sec(ours)} (${f2(mb / ours.wall)} MB/s)`,
    value: +ours.wall.toFixed(3),
    unit: 's',
    anchor: `${anchorName}: ${sec(go)} (${f2(mb / go.wall)} MB/s)`,
    anchor_value: +go.wall.toFixed(3),
    ...atLeast(go.wall / ours.wall, goal),
    detail: { input_mb: +mb.toFixed(1), ours: times(ours), go: times(go), cpu_ratio: +(go.cpu / ours.cpu).toFixed(2) },
  };
}

/** readTrace event by event under a 256 MB heap, streaming the file. */
function readTraceRow(n: number, label: string, file: string): GoalRow {
  const script = `import { createReadStream } from 'node:fs';
import { readTrace } from ${JSON.stringify(pathToFileURL(join(ROOT, 'build/lib/index.js')).href)};
let n = 0;
for await (const e of readTrace(createReadStream(process.argv[1], { highWaterMark: 1 << 20 }))) n++;
console.log(n);`;
  const t = timeProc(Math.min(n, 2), NODE, ['--max-old-space-size=256', '--input-type=module', '-e', script, file]);
  const done = t.runs.every((r) => r.status === 0);
  const why = t.runs.find((r) => r.status !== 0);
  return {
    what: `\`readTrace\` event by event, ${label} (${f2(statSync(file).size / MB)} MB), \`--max-old-space-size=256\``,
    measured: done ? `completes: ${Number(t.runs[0].stdout.trim()).toLocaleString('en-US')} events, ${sec(t)}, peak RSS ${Math.round(t.rssMb)} MB` : `fails (exit ${why!.status}${/heap out of memory/i.test(why!.stderr) ? ', JS heap out of memory' : ''}) after ${f2(why!.wall)} s, peak RSS ${Math.round(t.rssMb)} MB`,
    value: done ? 1 : 0,
    unit: 'completes',
    anchor: '—',
    anchor_value: null,
    ratio: null,
    goal: 'completes under a 256 MB heap',
    met: done,
    detail: times(t),
  };
}

/** The RSS every hostile input must stay under (the input itself is 32 MB). */
export const HOSTILE_RSS_MB = 512;

/** validate, dump and export of a hostile input: each a one-line TraceError (exit 1), RSS bounded. */
function hostileRow(name: string, file: string, work: string): GoalRow {
  const cmds: [string, string[]][] = [
    ['validate', ['validate', file]],
    ['dump', ['dump', file]],
    ['export', ['export', '--chrome', file, '-o', join(work, 'hostile.json')]],
  ];
  const seen: Record<string, unknown> = {};
  let met = true;
  let rss = 0;
  let msg = '';
  for (const [cmd, args] of cmds) {
    const r: ProcRun = runProc(NODE, cli(args));
    const text = (r.stdout + r.stderr).trim();
    const oneLine = text !== '' && text.split('\n').length === 1;
    const good = r.status === 1 && oneLine && r.rssMb <= HOSTILE_RSS_MB;
    met &&= good;
    rss = Math.max(rss, r.rssMb);
    msg ||= text.split('\n')[0].replace(file, 'FILE').slice(0, 120);
    seen[cmd] = { status: r.status, wall_s: +r.wall.toFixed(2), peak_rss_mb: Math.round(r.rssMb), first_line: text.split('\n')[0].slice(0, 200) };
  }
  return {
    what: `hostile size: ${name} (validate, dump, export)`,
    measured: `${met ? 'TraceError' : 'NOT a clean TraceError'}, peak RSS ${Math.round(rss)} MB`,
    value: Math.round(rss),
    unit: 'MB peak RSS',
    anchor: '—',
    anchor_value: null,
    ratio: null,
    goal: `a TraceError, RSS ≤ ${HOSTILE_RSS_MB} MB`,
    met,
    note: msg,
    detail: seen,
  };
}

/** export --chrome against validate of the same file: time ratio, and output size. */
function exportRows(n: number, label: string, file: string, work: string, sizeGoal: boolean): GoalRow[] {
  const out = join(work, 'export.json');
  let outBytes = 0;
  const [ex, va] = timeInterleaved(n, [
    {
      cmd: NODE,
      args: cli(['export', '--chrome', file, '-o', out]),
      check: (r) => {
        ok(`export ${file}`)(r);
        outBytes = statSync(out).size;
        rmSync(out, { force: true });
      },
    },
    { cmd: NODE, args: cli(['validate', file]), check: ok(`validate ${file}`) },
  ]);
  const inBytes = statSync(file).size;
  const rows: GoalRow[] = [
    {
      what: `\`export --chrome\` time, ${label}`,
      measured: `${sec(ex)} (${f2(inBytes / MB / ex.wall)} MB/s of trace)`,
      value: +ex.wall.toFixed(3),
      unit: 's',
      anchor: `validate of the same file: ${sec(va)}`,
      anchor_value: +va.wall.toFixed(3),
      ...atMost(ex.wall / va.wall, 3),
      detail: { input_mb: +(inBytes / MB).toFixed(1), export: times(ex), validate: times(va), cpu_ratio: +(ex.cpu / va.cpu).toFixed(2) },
    },
  ];
  if (sizeGoal) {
    const r = outBytes / inBytes;
    rows.push({
      what: `\`export --chrome\` output size, ${label}`,
      measured: `${f2(outBytes / MB)} MB of JSON for ${f2(inBytes / MB)} MB of trace`,
      value: outBytes,
      unit: 'bytes',
      anchor: 'the trace file',
      anchor_value: inBytes,
      ...atMost(r, 8),
    });
  }
  return rows;
}

/** report of a 20 s default run: peak RSS. */
function reportRow(work: string): GoalRow {
  const dir = join(work, 'run-20s');
  ok('run --duration 20s')(runProc(NODE, cli(['run', '--duration', '20s', '-o', dir, '--no-progress'])));
  const r = runProc(NODE, cli(['report', dir, '-o', join(work, 'report.html')]));
  const done = r.status === 0;
  return {
    what: '`report` of a 20 s default run',
    measured: `${done ? '' : `fails (exit ${r.status}), `}peak RSS ${Math.round(r.rssMb)} MB, ${f2(r.wall)} s`,
    value: Math.round(r.rssMb),
    unit: 'MB peak RSS',
    anchor: '—',
    anchor_value: null,
    ratio: null,
    goal: '≤ 1 GB RSS',
    met: done && r.rssMb <= 1024,
    detail: { trace_mb: +(statSync(join(dir, 'trace.out')).size / MB).toFixed(1), wall_s: +r.wall.toFixed(2), cpu_s: +r.cpu.toFixed(2), status: r.status },
  };
}

/** 48 traced runs with 2 workers against 1, whole `gotracesim sweep` processes. */
function sweepRow(n: number, work: string): GoalRow {
  const grid = sweepGrid();
  const sweepArgs = (jobs: number) => (i: number) => cli(['sweep', grid, '-o', join(work, `sweep-${jobs}-${i}`), '--jobs', String(jobs), '--no-progress', '--force']);
  const [one, two] = timeInterleaved(n, [1, 2].map((jobs) => ({ cmd: NODE, args: sweepArgs(jobs), opts: { quiet: true }, check: ok(`sweep --jobs ${jobs}`) })));
  const t: Record<number, Timed> = { 1: one, 2: two };
  return {
    what: 'sweep of 48 traced runs, 2 workers',
    measured: `${sec(t[2])} (CPU ${f2(t[2].cpu)} s)`,
    value: +t[2].wall.toFixed(3),
    unit: 's',
    anchor: `the same sweep, 1 worker: ${sec(t[1])} (CPU ${f2(t[1].cpu)} s)`,
    anchor_value: +t[1].wall.toFixed(3),
    ...atMost(t[2].wall / t[1].wall, 0.6),
    detail: { one: times(t[1]), two: times(t[2]), cpu_growth: +(t[2].cpu / t[1].cpu).toFixed(2) },
  };
}

/** Run `f`; a failure becomes a row that says so. */
function guard(what: string, f: () => GoalRow | GoalRow[]): GoalRow[] {
  try {
    const r = f();
    return Array.isArray(r) ? r : [r];
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0].slice(0, 300);
    console.error(`goals: ${what}: ${msg}`);
    return [{ what, measured: 'not measured', value: NaN, unit: '', anchor: '—', anchor_value: null, ratio: null, goal: '', met: false, note: msg }];
  }
}

export interface GoalsOptions {
  runs?: number;
  /** Only the groups whose key contains this (case-insensitive): events per second, simulated
   *  seconds, validate, readtrace, hostile, export, report, sweep. */
  only?: string;
  log?: (s: string) => void;
}

export async function goalsBench(opts: GoalsOptions = {}): Promise<GoalRow[]> {
  const n = opts.runs ?? 3;
  const log = opts.log ?? ((s: string) => console.error(s));
  const want = (w: string) => !opts.only || w.toLowerCase().includes(opts.only.toLowerCase());
  const work = mkdtempSync(join(tmpdir(), 'gts-goals-'));
  const rows: GoalRow[] = [];
  try {
    if (want('events per second')) {
      log('goals: the Gosched anchor and `run` (5 s, go1.19 and Go 1.23)');
      rows.push(
        ...guard('trace events per second', () => runRows(n, work)),
      );
    }
    if (want('simulated seconds')) {
      log('goals: simulation speed without a trace');
      rows.push(...guard('simulated seconds per wall second', () => simSpeedRow(n)));
    }
    if (want('validate')) {
      log('goals: validate against Go 1.19 internal/trace.Parse and Go 1.23 gotracevalidate');
      rows.push(
        ...guard('`validate`, real go1.19 trace', () => {
          const file = realTrace('1.19', 15.5);
          return validateRow(n, `\`validate\` whole process, ${f2(statSync(file).size / MB)} MB real go1.19 trace`, file, parse119(), [file], false, 'Go 1.19 internal/trace.Parse', 25);
        }),
        ...guard('`validate`, real Go 1.23 trace', () => {
          const file = realTrace('1.23', 51);
          return validateRow(n, `\`validate\` whole process, ${f2(statSync(file).size / MB)} MB real Go 1.23 trace`, file, validator123(), [], true, 'Go 1.23 gotracevalidate', 5);
        }),
      );
    }
    if (want('readtrace')) {
      log('goals: readTrace under a 256 MB heap');
      rows.push(
        ...guard('`readTrace`, v2', () => readTraceRow(n, 'real Go 1.23 trace', realTrace('1.23', 51))),
        ...guard('`readTrace`, v1', () => readTraceRow(n, 'real go1.19 trace', realTrace('1.19', 15.5))),
      );
    }
    if (want('hostile')) {
      log('goals: hostile sizes');
      for (const h of hostileInputs()) rows.push(...guard(`hostile size: ${h.name}`, () => hostileRow(h.name, h.file, work)));
    }
    if (want('export')) {
      log('goals: export --chrome');
      for (const go of ['1.19', '1.23']) {
        rows.push(
          ...guard(`export, default scenario 5 s go${go}`, () => {
            const dir = join(work, `run-${go}`);
            const file = join(dir, 'trace.out');
            try {
              statSync(file);
            } catch {
              ok(`run --go ${go}`)(runProc(NODE, cli(['run', '--go', go, '--duration', '5s', '-o', dir, '--no-progress'])));
            }
            return exportRows(n, `default scenario 5 s, go${go} trace`, file, work, true);
          }),
        );
      }
      rows.push(...guard('export, real Go 1.23 trace', () => exportRows(n, `${f2(statSync(realTrace('1.23', 51)).size / MB)} MB real Go 1.23 trace`, realTrace('1.23', 51), work, true)));
    }
    if (want('report')) {
      log('goals: report of a 20 s run');
      rows.push(...guard('`report` of a 20 s default run', () => reportRow(work)));
    }
    if (want('sweep')) {
      log('goals: sweep of 48 traced runs, 1 and 2 workers');
      rows.push(...guard('sweep of 48 traced runs, 2 workers', () => sweepRow(n, work)));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

/** Write goals.json; `merge`: replace only the rows measured now (by `what`), keep the rest. */
export function writeGoals(rows: GoalRow[], merge = false): void {
  let all = rows;
  if (merge) {
    let old: GoalRow[] = [];
    try {
      old = JSON.parse(readFileSync(RESULTS, 'utf8')) as GoalRow[];
    } catch {
      // no earlier results
    }
    const fresh = new Map(rows.map((r) => [r.what, r]));
    all = old.map((r) => fresh.get(r.what) ?? r);
    for (const r of rows) if (!old.some((o) => o.what === r.what)) all.push(r);
  }
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, JSON.stringify(all, null, 2) + '\n');
}

/** The goals table in Markdown: what, measured, anchor, ratio, goal, met. */
export function goalsMarkdown(rows: GoalRow[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const lines = ['| what | measured | anchor, same run | ratio | goal | met? |', '|---|---|---|---:|---|---|'];
  for (const r of rows) lines.push(`| ${esc(r.what)} | ${esc(r.measured)} | ${esc(r.anchor)} | ${r.ratio === null ? '—' : `${f2(r.ratio)}×`} | ${esc(r.goal)} | ${r.met ? 'yes' : '**no**'} |`);
  return lines.join('\n');
}

const BEGIN = '<!-- goals:begin (bench/goals.ts --readme writes this table from bench/results/goals.json) -->';
const END = '<!-- goals:end -->';

/** Replace the table between the goals markers of README.md with goals.json's. */
export function writeReadmeTable(): void {
  const rows = JSON.parse(readFileSync(RESULTS, 'utf8')) as GoalRow[];
  const readme = readFileSync(README, 'utf8');
  const a = readme.indexOf(BEGIN);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no goals markers (${BEGIN} ... ${END})`);
  writeFileSync(README, readme.slice(0, a + BEGIN.length) + '\n' + goalsMarkdown(rows) + '\n' + readme.slice(b));
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const args = process.argv.slice(2);
  const opt = (k: string) => {
    const i = args.indexOf(k);
    return i >= 0 ? args[i + 1] : undefined;
  };
  if (args.includes('--readme')) {
    writeReadmeTable();
  } else {
    const only = opt('--only');
    const rows = await goalsBench({ runs: opt('--runs') ? Number(opt('--runs')) : undefined, only });
    console.log(`\nissue 13 goals (bench/results/goals.json), medians of whole processes, node ${process.version}`);
    console.log(goalsMarkdown(rows));
    writeGoals(rows, only !== undefined);
  }
}

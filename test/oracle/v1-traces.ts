// go 1.5–1.21 traces for the oracle tests: Go's canned traces read from GOROOT at test time
// (never copied into the repository), fresh traces from test/go/tracegen built with Go 1.19
// and 1.21, and Go 1.23's `go tool trace -d=1` (its reader's events, v1 traces converted by its
// oldtrace) as text.
// Users: test/oracle-readers-v1.test.ts (the v1 reader against Go 1.19/1.21 `-d`) and
// test/oracle-model-v1.test.ts (the v1 model against Go 1.23 `-d=1`).
// Who may touch: the v1 format owner.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { goBuildAsync, scratchDirFor, scratchFile, toolchain, type OracleRelease, type Toolchain } from './go.ts';
import { readV1Header } from '../../bindings/formats/v1/index.ts';

export const TRACEGEN = fileURLToPath(new URL('../go/tracegen/main.go', import.meta.url));
/** tracegen's workloads (its -workload values) that the oracle tests run. */
export const WORKLOADS = ['spin', 'pingpong', 'syscall', 'alloc', 'gomaxprocs', 'gc', 'annot'] as const;
export type Workload = (typeof WORKLOADS)[number];

export const read = (path: string): Uint8Array => new Uint8Array(readFileSync(path));

export interface Canned {
  /** Directory label and file name, e.g. "go1.19/stress_1_5_good". */
  label: string;
  path: string;
  version: number;
}

/** Go's canned v1 traces under a GOROOT directory (empty when that Go is not installed). */
function canned(release: OracleRelease, rel: string, label: string): Canned[] {
  const dir = join(toolchain(release)?.goroot ?? `/usr/lib/go-${release}`, rel);
  if (!existsSync(dir)) return [];
  const out: Canned[] = [];
  for (const f of readdirSync(dir).sort()) {
    const path = join(dir, f);
    let version: number;
    try {
      version = readV1Header(new Uint8Array(readFileSync(path).subarray(0, 16)));
    } catch {
      continue; // not a v1 trace (the tests' version checks notice a missing one)
    }
    out.push({ label: `${label}/${f}`, path, version });
  }
  return out;
}

/** Go 1.19's internal/trace/testdata (go 1.5 – 1.19) and Go 1.23's oldtrace testdata (1.11 – 1.21). */
export const CANNED: readonly Canned[] = [
  ...canned('1.19', 'src/internal/trace/testdata', 'go1.19'),
  ...canned('1.23', 'src/internal/trace/internal/oldtrace/testdata', 'go1.23-oldtrace'),
];

export function cannedNamed(label: string): Canned {
  const c = CANNED.find((x) => x.label === label);
  if (!c) throw new Error(`canned trace ${label} not found`);
  return c;
}

const tracegens = new Map<OracleRelease, Promise<string>>();

/**
 * tracegen built with `release`, once per test process (a promise of the binary's path). Call
 * it for every release a file needs before awaiting any (in beforeAll): the builds then run
 * side by side, so a cold build cache costs one build's time.
 */
export function tracegen(release: OracleRelease): Promise<string> {
  let p = tracegens.get(release);
  if (p === undefined) {
    const tc = toolchain(release);
    if (!tc) throw new Error(`tracegen needs Go ${release}`);
    const bin = join(scratchDirFor(`tracegen-${release}`), 'tracegen');
    p = goBuildAsync(tc, TRACEGEN, bin).then(() => bin);
    p.catch(() => {}); // reported by the tests that await it
    tracegens.set(release, p);
  }
  return p;
}

/** Run one tracegen workload for `dur` (a Go duration) into `file`; its trace bytes. */
export function runTracegen(bin: string, workload: Workload, file: string, dur: string): Uint8Array {
  const r = spawnSync(bin, ['-workload', workload, '-o', file, '-dur', dur], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`tracegen -workload ${workload}: exit ${r.status}: ${r.stderr}`);
  return read(file);
}

/** Deterministic mutants of a trace: bit flips, truncations, byte stomps (header kept). */
export function mutants(src: Uint8Array, count: number, seed: number): Uint8Array[] {
  let x = seed >>> 0 || 1;
  const rnd = (n: number): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  const out: Uint8Array[] = [];
  for (let k = 0; k < count; k++) {
    let b = new Uint8Array(src);
    switch (k % 3) {
      case 0:
        for (let j = 0; j <= rnd(3); j++) b[16 + rnd(b.length - 16)] ^= 1 << rnd(8);
        break;
      case 1:
        b = b.slice(0, 16 + rnd(b.length - 16));
        break;
      default:
        for (let j = 0; j <= rnd(2); j++) b[16 + rnd(b.length - 16)] = rnd(256);
    }
    out.push(b);
  }
  return out;
}

export interface GoModelDump {
  /** '' when Go's reader read the whole trace; otherwise the first line of what it said. */
  error: string;
  /** Every event's Event.String(), one record each (a record spans lines when it has stacks). */
  events: string[];
}

/**
 * `go tool trace -d=1` (Go 1.22+): every event Go's trace.Reader hands out, printed with
 * fmt.Println(ev.String()); for a go 1.11–1.21 trace, the events of Go's oldtrace conversion.
 * Records are split at their "M=.. P=.. G=.." first lines, the final newline dropped.
 */
export function goModelDump(tc: Toolchain, trace: Uint8Array | string): GoModelDump {
  const file = typeof trace === 'string' ? trace : scratchFile(trace);
  const r = spawnSync(tc.go, ['tool', 'trace', '-d=1', file], { encoding: 'utf8', env: tc.env, maxBuffer: 1 << 30 });
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  const error = r.status === 0 ? '' : (lines[0]?.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /, '') ?? `exit ${r.status}`);
  return { error, events: splitRecords(r.stdout) };
}

/** Event.String() records of a -d=1 text, each without its final newline. */
export function splitRecords(text: string): string[] {
  const out: string[] = [];
  let cur: string | null = null;
  for (const line of text.split('\n')) {
    if (/^M=-?\d+ P=-?\d+ G=-?\d+ /.test(line)) {
      if (cur !== null) out.push(cur.replace(/\n+$/, ''));
      cur = line;
    } else if (cur !== null) {
      cur += '\n' + line;
    }
  }
  if (cur !== null) out.push(cur.replace(/\n+$/, ''));
  return out;
}

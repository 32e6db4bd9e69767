// The anchors and inputs of bench/goals.ts, made by real Go and cached in
// $TMPDIR/gotracesim-bench/ (rebuilt when a program's source or the toolchain changes):
//
//   - gosched-<go>: bench/go/gosched, a Go program tracing a runtime.Gosched loop (the
//     events-per-second anchor; its trace's events are counted with our reader);
//   - tracegen-<go>: bench/go/tracegen, a small service traced until the trace reaches a size:
//     the real go1.19 (>= 15 MB) and Go 1.23 (>= 50 MB) inputs of the reader rows;
//   - gtsparse119: bench/go/parse119 built as cmd/gtsparse119 of Go 1.19 through
//     `go build -overlay` (internal/trace imports only from inside GOROOT; nothing is
//     written there): Go 1.19's internal/trace.Parse on a file;
//   - Go 1.23's gotracevalidate (test/oracle/go.ts builds it);
//   - hostile inputs: one 32 MB v1 event (a String, a length-prefixed Stack) and 32 MB of
//     text format (one data line; 1.4 M event lines);
//   - the sweep grid: examples/grids/trace-cpu-loss.json with seeds 1-8 (48 traced runs).
// Who may touch: the bench owner.

import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { countsV1, countsV2, detectTrace, parseV1 } from '../bindings/formats/index.ts';
import { toolchain, validatorOf, type OracleRelease, type Toolchain } from '../test/oracle/go.ts';
import { ok, runProc } from './proc.ts';

export const CACHE = join(tmpdir(), 'gotracesim-bench');
const GO_SRC = fileURLToPath(new URL('./go/', import.meta.url));
const MB = 1 << 20;

function cacheDir(): string {
  mkdirSync(CACHE, { recursive: true });
  return CACHE;
}

function needGo(release: OracleRelease): Toolchain {
  const tc = toolchain(release);
  if (!tc) throw new Error(`Go ${release} is not installed in /usr/lib/go-${release} (an anchor of the goals bench)`);
  return tc;
}

/** A short hash of a program's source and the toolchain: the cache key of its binary. */
function key(src: string, tc: Toolchain): string {
  return createHash('sha256').update(readFileSync(src)).update(tc.version).digest('hex').slice(0, 12);
}

/** Build bench/go/<name>/main.go with Go `release`; the cached binary's path. */
export function goProgram(name: string, release: OracleRelease): string {
  const tc = needGo(release);
  const src = join(GO_SRC, name, 'main.go');
  const out = join(cacheDir(), `${name}-${tc.version}-${key(src, tc)}`);
  if (!existsSync(out)) {
    const r = spawnSync(tc.go, ['build', '-o', `${out}.tmp`, src], { env: tc.env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`building ${name} with ${tc.version}: ${r.stderr}`);
    renameSync(`${out}.tmp`, out);
  }
  return out;
}

/** Go 1.19's internal/trace.Parse as a program: bench/go/parse119 overlaid as cmd/gtsparse119. */
export function parse119(): string {
  const tc = needGo('1.19');
  const src = join(GO_SRC, 'parse119', 'main.go');
  const out = join(cacheDir(), `gtsparse119-${tc.version}-${key(src, tc)}`);
  if (!existsSync(out)) {
    const overlay = join(cacheDir(), 'parse119-overlay.json');
    // The overlay names the file as the go command sees GOROOT: through symlinks (Debian's
    // /usr/lib/go-1.19/src is /usr/share/go-1.19/src).
    const cmdDir = realpathSync(join(tc.goroot, 'src/cmd'));
    writeFileSync(overlay, JSON.stringify({ Replace: { [join(cmdDir, 'gtsparse119/main.go')]: src } }));
    // cmd is a module of its own: module mode, run from inside it.
    const r = spawnSync(tc.go, ['build', '-overlay', overlay, '-o', `${out}.tmp`, './gtsparse119'], {
      cwd: cmdDir,
      env: { ...tc.env, GO111MODULE: '' },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`building Go 1.19's parser (cmd/gtsparse119 by overlay): ${r.stderr}`);
    renameSync(`${out}.tmp`, out);
  }
  return out;
}

/** Go 1.23's reader + validator (GOROOT's testdata/cmd/gotracevalidate). */
export function validator123(): string {
  return validatorOf(needGo('1.23'));
}

/** Events in a trace, counted by our reader (wire events by type, summed). */
export function countEvents(bytes: Uint8Array): number {
  const counts = detectTrace(bytes).kind === 'v1' ? countsV1(parseV1(bytes)) : countsV2(bytes).counts;
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

export interface GoschedRun {
  events: number;
  tracedNs: number;
  eventsPerS: number;
  /** Events per CPU second of the whole process (steadier than wall on a busy machine). */
  eventsPerCpuS: number;
  traceBytes: number;
}

/** One run of the Gosched loop (GOMAXPROCS=1, traced for `duration`); events counted here. */
export function goschedOnce(duration = '1s'): GoschedRun {
  const bin = goProgram('gosched', '1.23');
  const file = join(cacheDir(), `gosched-${process.pid}.trace`);
  const r = runProc(bin, [file, duration], { env: { ...process.env, GOMAXPROCS: '1' } });
  ok('gosched anchor')(r);
  const { ns } = JSON.parse(r.stdout) as { ns: number };
  const bytes = new Uint8Array(readFileSync(file));
  const events = countEvents(bytes);
  rmSync(file, { force: true });
  return { events, tracedNs: ns, eventsPerS: events / (ns / 1e9), eventsPerCpuS: events / r.cpu, traceBytes: bytes.length };
}

/** A real trace of at least `minMB` MB from tracegen built with `release` (cached). */
export function realTrace(release: '1.19' | '1.23', minMB: number): string {
  const file = join(cacheDir(), `tracegen-go${release}-${minMB}mb.trace`);
  if (existsSync(file) && statSync(file).size >= minMB * 1e6) return file;
  const bin = goProgram('tracegen', release);
  ok(`tracegen (Go ${release})`)(runProc(bin, [`${file}.tmp`, String(Math.round(minMB * 1e6 * 1.02))]));
  renameSync(`${file}.tmp`, file);
  return file;
}

/** Hostile inputs: name → file. Each must be refused with a TraceError. */
export function hostileInputs(): { name: string; file: string }[] {
  const dir = cacheDir();
  const size = 32 * MB;
  const uv = (v: number): number[] => {
    const o: number[] = [];
    for (; v >= 0x80; v = Math.floor(v / 128)) o.push((v & 0x7f) | 0x80);
    o.push(v);
    return o;
  };
  const header = new TextEncoder().encode('go 1.19 trace\0\0\0');
  const cat = (...parts: (Uint8Array | number[])[]) => {
    const all = parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p)));
    const out = new Uint8Array(all.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of all) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };
  const make = (name: string, what: string, bytes: () => Uint8Array | string) => {
    const file = join(dir, `hostile-${name}`);
    if (!existsSync(file)) writeFileSync(file, bytes());
    return { name: what, file };
  };
  const line = 'GoStart dt=1 g=1 g_seq=1\n';
  return [
    // EvString (37): id 1, a 32 MB length, 32 MB of text.
    make('v1-string32.trace', 'v1: one 32 MB String event', () => cat(header, [37, 1, ...uv(size)], new Uint8Array(size).fill(0x61))),
    // EvStack (3) with its arguments length-prefixed (code 3): 32 MB of one-byte varints.
    make('v1-stack32b.trace', 'v1: one 32 MB Stack event', () => cat(header, [1 | (1 << 6), 0, 1], [3 | (3 << 6), ...uv(size)], new Uint8Array(size).fill(1))),
    make('text-data32.txt', 'text: one 32 MB data line', () => `Trace Go1.23\nEventBatch gen=1 m=0 time=1 size=100\nStrings\nString id=1\n\tdata="${'a'.repeat(size)}"\n`),
    make('text-lines32.txt', 'text: 32 MB of event lines', () => 'Trace Go1.23\nEventBatch gen=1 m=0 time=1 size=100\n' + line.repeat(Math.ceil(size / line.length))),
  ];
}

/** The sweep grid of the goals: trace-cpu-loss with seeds 1-8, 48 traced runs. */
export function sweepGrid(): string {
  const src = fileURLToPath(new URL('../examples/grids/trace-cpu-loss.json', import.meta.url));
  const grid = JSON.parse(readFileSync(src, 'utf8'));
  grid.seeds = [1, 2, 3, 4, 5, 6, 7, 8];
  const file = join(cacheDir(), 'sweep-48.json');
  writeFileSync(file, JSON.stringify(grid, null, 2));
  return file;
}

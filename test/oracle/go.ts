// Real Go as the judge: the installed toolchains and the oracles built from them.
//
// Toolchains: Debian's golang-1.XX-go packages, in /usr/lib/go-1.XX (GTS_GO_1_XX=/path/to/goroot
// overrides one). Oracles, per release:
//   - `go tool trace -d` (1.19, 1.21: v1 events) and `-d=2` (1.22, 1.23: the wire events Go's raw
//     reader sees), turned into per-type counts and an error;
//   - gotracevalidate (1.22: internal/trace/v2/testdata/cmd, 1.23: internal/trace/testdata/cmd),
//     built from GOROOT into a cache dir and fed the trace on stdin: exit 0 = valid;
//   - the viewer, `go tool trace -http=127.0.0.1:0`, which parses and splits the whole trace
//     before it says "Opening browser", then serves /jsontrace; stopped by process group;
//   - `go tool pprof -raw`.
// Skips: a test that needs a release that is not installed is skipped with its name and the
// release printed. GTS_REQUIRE_GO=1 (set by .ci/run) turns every such skip into a failure.
// Who may touch: the oracle harness owner; tests only call the exported functions.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';

export const ORACLE_RELEASES = ['1.19', '1.21', '1.22', '1.23'] as const;
export type OracleRelease = (typeof ORACLE_RELEASES)[number];

export const REQUIRE_GO = process.env.GTS_REQUIRE_GO === '1';

export interface Toolchain {
  release: OracleRelease;
  goroot: string;
  go: string;
  /** `go version` of the toolchain, e.g. go1.23.5. */
  version: string;
  env: NodeJS.ProcessEnv;
}

const CACHE = join(tmpdir(), 'gotracesim-oracle');
const found = new Map<OracleRelease, Toolchain | null>();

/** The toolchain of a release, or null when it is not installed. */
export function toolchain(release: OracleRelease): Toolchain | null {
  if (found.has(release)) return found.get(release)!;
  const goroot = process.env[`GTS_GO_${release.replace('.', '_')}`] ?? `/usr/lib/go-${release}`;
  const go = join(goroot, 'bin', 'go');
  let tc: Toolchain | null = null;
  if (existsSync(go)) {
    const home = join(CACHE, 'home');
    mkdirSync(home, { recursive: true });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GOROOT: goroot,
      HOME: home,
      GOCACHE: join(CACHE, `gocache-${release}`),
      GOPATH: join(CACHE, 'gopath'),
      GOTOOLCHAIN: 'local',
      GO111MODULE: 'off',
      GOTELEMETRY: 'off',
    };
    const v = spawnSync(go, ['env', 'GOVERSION'], { encoding: 'utf8', env });
    const version = v.status === 0 ? v.stdout.trim() : '';
    if (version.startsWith(`go${release}`)) tc = { release, goroot, go, version, env };
  }
  found.set(release, tc);
  return tc;
}

/**
 * describe() for tests that need real Go `release`: skipped with a printed reason when it is not
 * installed, a failing test instead when GTS_REQUIRE_GO=1.
 */
export function describeWithGo(release: OracleRelease, name: string, body: (tc: Toolchain) => void): void {
  const tc = toolchain(release);
  if (tc) {
    describe(`${name} [${tc.version}]`, () => body(tc));
    return;
  }
  if (REQUIRE_GO) {
    describe(name, () => {
      it(`needs Go ${release} (GTS_REQUIRE_GO=1)`, () => {
        throw new Error(`Go ${release} is not installed in /usr/lib/go-${release}: install golang-${release}-go (see .ci/run)`);
      });
    });
    return;
  }
  console.warn(`[gotracesim] skipped, no Go ${release} installed: ${name}`);
  describe.skip(`${name} [no Go ${release}: skipped]`, () => body(null as unknown as Toolchain));
}

let scratchDir: string | null = null;
function scratch(): string {
  if (!scratchDir) {
    mkdirSync(CACHE, { recursive: true });
    scratchDir = mkdtempSync(join(CACHE, 'run-'));
    process.on('exit', () => rmSync(scratchDir!, { recursive: true, force: true }));
  }
  return scratchDir;
}

let fileSeq = 0;
/** Write bytes to a fresh scratch file (removed when the test process exits). */
export function scratchFile(bytes: Uint8Array, ext = '.trace'): string {
  const f = join(scratch(), `t${process.pid}-${++fileSeq}${ext}`);
  writeFileSync(f, bytes);
  return f;
}

/** A fresh scratch directory inside the oracle's scratch area. */
export function scratchDirFor(name: string): string {
  const d = join(scratch(), `${name}-${++fileSeq}`);
  mkdirSync(d, { recursive: true });
  return d;
}

// ---- oracles -------------------------------------------------------------------------------

export interface GoVerdict {
  /** '' when Go accepted the trace; otherwise the first line of what it said. */
  error: string;
  /** Per-type event counts as Go's parser printed them. */
  counts: Record<string, number>;
}

function firstError(stderr: string, status: number | null): string {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '' && !/Parsing trace\.\.\.$/.test(l));
  return lines[0]?.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /, '') ?? `exit ${status}`;
}

/** Wire events of the Go1.22+ format that are structure, not timed events (not counted by stats). */
const V2_STRUCTURAL = new Set(['EventBatch', 'ExperimentalBatch', 'Stacks', 'Stack', 'Strings', 'String', 'CPUSamples', 'Frequency', 'Sync', 'ClockSnapshot']);

/**
 * `go tool trace -d` (1.19, 1.21) or `-d=2` (1.22+) of a trace. For v1 each stdout line is one
 * event ("TS Name p=..."); for v2 each wire event is a line starting with its name (batch
 * headers, Stack frames and String data lines are not events of a type we count).
 * `binary` is passed for go 1.5/1.6 traces, which Go refuses to symbolize without one.
 */
export function goTraceDump(tc: Toolchain, trace: Uint8Array | string, binary?: string): GoVerdict {
  const { error, counts } = dump(tc, trace, binary, false);
  return { error, counts };
}

/**
 * goTraceDump, also returning the event lines `-d` printed ("TS Name p=.. g=.. off=.. args",
 * v1), for comparisons of every event rather than counts.
 */
export function goTraceDumpLines(tc: Toolchain, trace: Uint8Array | string, binary?: string): GoVerdict & { lines: string[] } {
  const { error, counts, lines } = dump(tc, trace, binary, true);
  return { error, counts, lines };
}

function dump(tc: Toolchain, trace: Uint8Array | string, binary: string | undefined, keep: boolean): GoVerdict & { lines: string[] } {
  const file = typeof trace === 'string' ? trace : scratchFile(trace);
  const v2 = tc.release >= '1.22';
  const args = ['tool', 'trace', v2 ? '-d=2' : '-d', ...(binary ? [binary] : []), file];
  const r = spawnSync(tc.go, args, { encoding: 'utf8', env: tc.env, maxBuffer: 1 << 30 });
  const counts: Record<string, number> = {};
  const lines: string[] = [];
  const ok = r.status === 0 && !/failed to|error/i.test(r.stderr.replace(/^.*Parsing trace\.\.\.$/gm, ''));
  for (const line of r.stdout.split('\n')) {
    if (v2) {
      const m = /^([A-Z]\w*) (?:dt=|\w+=)/.exec(line) ?? /^([A-Z]\w*)$/.exec(line);
      if (m && !V2_STRUCTURAL.has(m[1])) counts[m[1]] = (counts[m[1]] ?? 0) + 1;
    } else {
      const m = /^\d+ (\w+) p=/.exec(line);
      if (m) counts[m[1]] = (counts[m[1]] ?? 0) + 1;
    }
    if (keep && line !== '') lines.push(line);
  }
  return { error: ok ? '' : firstError(r.stderr, r.status), counts, lines };
}

const validators = new Map<OracleRelease, string>();

/** Go's gotracevalidate of this release, built from GOROOT once per Go version (cached). */
export function validatorOf(tc: Toolchain): string {
  const have = validators.get(tc.release);
  if (have) return have;
  const pkg = tc.release === '1.22' ? './internal/trace/v2/testdata/cmd/gotracevalidate' : './internal/trace/testdata/cmd/gotracevalidate';
  const out = join(CACHE, `gotracevalidate-${tc.version}`);
  if (!existsSync(out)) {
    mkdirSync(CACHE, { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    const r = spawnSync(tc.go, ['build', '-o', tmp, pkg], { cwd: join(tc.goroot, 'src'), encoding: 'utf8', env: { ...tc.env, GO111MODULE: '' } });
    if (r.status !== 0) throw new Error(`building gotracevalidate (${tc.version}) failed: ${r.stderr}`);
    renameSync(tmp, out); // atomic: a parallel test process may have built it too
  }
  validators.set(tc.release, out);
  return out;
}

/** Go's reader + validator (testtrace) on a v2 trace: '' when valid, else its error. */
export function goValidate(tc: Toolchain, trace: Uint8Array): string {
  const r = spawnSync(validatorOf(tc), [], { input: trace, encoding: 'utf8', maxBuffer: 1 << 30 });
  return r.status === 0 ? '' : firstError(r.stderr, r.status);
}

/** The same check of a v2 trace with wire counts: verdict from gotracevalidate, counts from -d=2. */
export function goCheckV2(tc: Toolchain, trace: Uint8Array): GoVerdict {
  const error = goValidate(tc, trace);
  const { counts, error: dumpErr } = goTraceDump(tc, trace);
  return { error: error || dumpErr, counts };
}

export interface ViewerResult {
  /** '' when the viewer parsed, split, listened and served /jsontrace; else what went wrong. */
  error: string;
  /** Bytes of the /jsontrace response. */
  jsonBytes: number;
}

/**
 * Open a trace in `go tool trace -http=127.0.0.1:0` as a user would: wait for "Opening browser"
 * (the viewer has parsed and split the whole trace by then), fetch /jsontrace, and stop the
 * viewer's process group. A panic, a parse failure or a viewer that exits is the error.
 */
export async function goViewer(tc: Toolchain, trace: Uint8Array | string, timeoutMs = 90_000): Promise<ViewerResult> {
  const file = typeof trace === 'string' ? trace : scratchFile(trace);
  const child = spawn(tc.go, ['tool', 'trace', '-http=127.0.0.1:0', file], {
    env: { ...tc.env, BROWSER: 'true' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const onData = (d: Buffer) => (log += d.toString());
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const stop = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`viewer did not open within ${timeoutMs} ms: ${log.slice(-400)}`)), timeoutMs);
      const check = () => {
        const m = /listening on (?:http:\/\/)?([\d.]+:\d+)/.exec(log);
        if (m) {
          clearTimeout(timer);
          resolve(`http://${m[1]}`);
        }
      };
      child.stdout.on('data', check);
      child.stderr.on('data', check);
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`viewer exited (${code}) before opening: ${firstPanic(log)}`));
      });
    });
    const res = await fetch(`${url}/jsontrace`);
    const body = await res.text();
    if (res.status !== 200) return { error: `/jsontrace: HTTP ${res.status}`, jsonBytes: body.length };
    JSON.parse(body);
    if (/failed to|panic/.test(log)) return { error: firstPanic(log), jsonBytes: body.length };
    return { error: '', jsonBytes: body.length };
  } catch (e) {
    return { error: (e as Error).message, jsonBytes: 0 };
  } finally {
    stop();
  }
}

function firstPanic(log: string): string {
  const lines = log.split('\n').filter((l) => l.trim() !== '' && !/Parsing trace|Splitting trace|Preparing trace/.test(l));
  const i = lines.findIndex((l) => /panic|failed|error/i.test(l));
  const pick = i >= 0 ? lines.slice(i, i + 3) : lines.slice(0, 3);
  return pick.join(' | ').replace(/\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /g, '');
}

/** `go tool pprof -raw` of a profile: its stdout, or the error. */
export function goPprofRaw(tc: Toolchain, profile: Uint8Array | string): { out: string; error: string } {
  const file = typeof profile === 'string' ? profile : scratchFile(profile, '.pprof');
  const r = spawnSync(tc.go, ['tool', 'pprof', '-raw', file], { encoding: 'utf8', env: tc.env, maxBuffer: 1 << 28 });
  return { out: r.stdout, error: r.status === 0 ? '' : firstError(r.stderr, r.status) };
}

/** goBuild without blocking: builds with two releases can then run side by side. */
export function goBuildAsync(tc: Toolchain, pkg: string, out: string, opts: { cwd?: string; cgo?: boolean } = {}): Promise<void> {
  const env = { ...tc.env, CGO_ENABLED: opts.cgo ? '1' : '0' };
  return new Promise((resolve, reject) => {
    const child = spawn(tc.go, ['build', '-o', out, pkg], { cwd: opts.cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`go build ${pkg} (${tc.version}) failed: ${stderr}`))));
  });
}

/** Build a Go program (a directory or file of this repository or of GOROOT) with a release. */
export function goBuild(tc: Toolchain, pkg: string, out: string, opts: { cwd?: string; cgo?: boolean } = {}): void {
  const env = { ...tc.env, CGO_ENABLED: opts.cgo ? '1' : '0' };
  const r = spawnSync(tc.go, ['build', '-o', out, pkg], { cwd: opts.cwd, encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`go build ${pkg} (${tc.version}) failed: ${r.stderr}`);
}

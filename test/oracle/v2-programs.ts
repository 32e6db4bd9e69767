// Real Go1.22/1.23 traces made at test time, for the differential tests of the Go1.22+ reader
// (test/oracle-readers-v2.test.ts: verdicts and counts; test/oracle-model-v2.test.ts: every
// event as `go tool trace -d=1` prints it).
//
// Sources: Go's own trace test programs (GOROOT src/internal/trace[/v2]/testdata/testprog),
// built and run with the release they belong to, in default mode, stress mode (a generation
// per scheduling round) and, for 1.23, the alloc/free experiment; and this repository's
// test/go/tracegen built with each release. Nothing is stored in the repository.
// Who may touch: the v2 reader's test owner; tests call the exported functions only.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { goBuild, scratchDirFor, scratchFile, type Toolchain } from './go.ts';

export type V2Release = '1.22' | '1.23';
export const V2_RELEASES: V2Release[] = ['1.22', '1.23'];

export interface V2Prog {
  name: string;
  cgo?: boolean;
  /** First release that has it. */
  since?: V2Release;
  /** Also run with GODEBUG=traceallocfree=1 (Go 1.23). */
  allocFree?: boolean;
  /** Wire events its trace must contain (what the program is there for). */
  needs: string[];
  /** Runs long enough that stress mode (a generation per scheduling round) gives several generations. */
  multiGen?: boolean;
}

/** Go's trace test programs: each writes its trace to stdout. */
export const V2_PROGS: V2Prog[] = [
  { name: 'annotations', needs: ['UserTaskBegin', 'UserRegionBegin', 'UserLog'], allocFree: true },
  { name: 'cgo-callback', cgo: true, needs: ['GoCreateSyscall', 'GoDestroySyscall'], allocFree: true, multiGen: true },
  { name: 'cpu-profile', needs: ['CPUSample'], multiGen: true },
  { name: 'gc-stress', needs: ['GCBegin', 'GCMarkAssistBegin', 'GCSweepBegin'], multiGen: true },
  { name: 'many-start-stop', needs: ['ProcStatus', 'GoStatus'], allocFree: true },
  { name: 'stress-start-stop', needs: ['GoStatus'], allocFree: true },
  { name: 'iter-pull', since: '1.23', needs: ['GoSwitch', 'GoCreateBlocked'], allocFree: true },
];

export type V2Mode = 'default' | 'stress' | 'allocfree';

/** The programs a release has, and the modes each runs in. */
export function progsOf(release: V2Release): Array<{ prog: V2Prog; mode: V2Mode }> {
  const out: Array<{ prog: V2Prog; mode: V2Mode }> = [];
  for (const prog of V2_PROGS) {
    if (prog.since !== undefined && prog.since > release) continue;
    out.push({ prog, mode: 'default' }, { prog, mode: 'stress' });
    if (release === '1.23' && prog.allocFree) out.push({ prog, mode: 'allocfree' });
  }
  return out;
}

/** GODEBUG settings as Go's own trace tests use them (internal/trace/trace_test.go of each release). */
export function godebug(release: V2Release, mode: V2Mode): string {
  const parts = release === '1.23' ? ['tracecheckstackownership=1'] : [];
  if (mode === 'stress') parts.push('traceadvanceperiod=0');
  if (mode === 'allocfree') parts.push('traceallocfree=1');
  return parts.join(',');
}

export const TRACEGEN = fileURLToPath(new URL('../go/tracegen/main.go', import.meta.url));
export const TRACEGEN_WORKLOADS = ['spin', 'pingpong', 'syscall', 'alloc', 'annot'] as const;
export type TracegenWorkload = (typeof TRACEGEN_WORKLOADS)[number];

/** The built programs of one release (GOROOT's testprogs and tracegen), and how to run them. */
export class V2Programs {
  readonly dir: string;
  private readonly bins = new Map<string, string>();

  constructor(
    readonly tc: Toolchain,
    readonly release: V2Release,
  ) {
    this.dir = scratchDirFor(`v2progs-${release}`);
  }

  /** Build every program (once per toolchain; the oracle's GOCACHE keeps the work between runs). */
  build(): void {
    const progDir = join(this.tc.goroot, this.release === '1.22' ? 'src/internal/trace/v2' : 'src/internal/trace');
    for (const { prog } of progsOf(this.release)) {
      if (this.bins.has(prog.name)) continue;
      const out = join(this.dir, prog.name);
      goBuild(this.tc, `./testdata/testprog/${prog.name}.go`, out, { cwd: progDir, cgo: prog.cgo });
      this.bins.set(prog.name, out);
    }
    const tg = join(this.dir, 'tracegen');
    goBuild(this.tc, TRACEGEN, tg);
    this.bins.set('tracegen', tg);
  }

  /** Run a testprog in a mode: its trace (it exits 0, or this throws). */
  runProg(prog: V2Prog, mode: V2Mode): Uint8Array {
    const r = spawnSync(this.bins.get(prog.name)!, [], {
      env: { ...this.tc.env, GODEBUG: godebug(this.release, mode) },
      maxBuffer: 1 << 28,
      timeout: 60_000,
    });
    if (r.status !== 0) throw new Error(`${prog.name} (${mode}, ${this.tc.version}) exited ${r.status}: ${r.stderr?.toString()}`);
    return new Uint8Array(r.stdout);
  }

  /** Run tracegen with a workload for `dur`: its trace. */
  runTracegen(wl: TracegenWorkload, dur = '150ms'): Uint8Array {
    const file = join(this.dir, `tracegen-${wl}-${process.pid}.trace`);
    const r = spawnSync(this.bins.get('tracegen')!, ['-workload', wl, '-o', file, '-dur', dur], { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`tracegen ${wl} (${this.tc.version}) exited ${r.status}: ${r.stderr}`);
    return new Uint8Array(readFileSync(file));
  }
}

/**
 * `go tool trace -d=1` of a Go1.22+ trace: what Go's reader hands out, each event printed with
 * fmt.Println(ev.String()). The whole stdout, and the error Go stopped with ('' when none).
 */
export function goTraceModelDump(tc: Toolchain, trace: Uint8Array): { out: string; error: string } {
  const file = scratchFile(trace);
  const r = spawnSync(tc.go, ['tool', 'trace', '-d=1', file], { encoding: 'utf8', env: tc.env, maxBuffer: 1 << 30 });
  const err = r.stderr
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /, ''));
  return { out: r.stdout, error: r.status === 0 ? '' : (err[0] ?? `exit ${r.status}`) };
}

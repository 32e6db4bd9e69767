// SchedObserver: every state change of the simulated runtime, as the tracer sees it.
//
// The scheduler calls these at the instant the runtime would emit the matching trace event;
// the tracers (runtime/) turn them into their format. NoopObserver serves untraced runs.
// `profiling()` tells execute() whether to arm per-thread profiling timers. The optional hooks
// are runtime activity a tracer may write or skip (a tracer that lacks one loses nothing else):
// the heap goal of each cycle, the proportional sweep ranges of allocating goroutines, and the
// trace advancer's call of traceAdvance (a tracer without it switches generations on its own
// clock). The runtime's own goroutines (forcegc, bgsweep, ...) come through the ordinary
// goroutine events; g.rt names which one a goroutine is (sim/rtg.ts RUNTIME_GOROUTINES has its entry
// frame and the reason each waits for).

import type { G, M, P } from './world.ts';
import type { StwReason } from '../scenario/stw.ts';

export type { StwReason } from '../scenario/stw.ts';

/** Why a goroutine blocks. `gcworker`: a runtime goroutine parked until the runtime wakes it
 *  (v2 "system goroutine wait"); `gcsweep`: bgsweep between cycles ("GC background sweeper
 *  wait"); `gcassist`: a mark assist that found no work (gcParkAssist: v1 GoBlockGC, v2 "GC mark
 *  assist wait for work"). */
export type BlockKind = 'sleep' | 'chan' | 'select' | 'sync' | 'cond' | 'net' | 'chansend' | 'chanrecv' | 'gcworker' | 'gcsweep' | 'gcassist';

/** A mark worker's label by its g.markMode (gcMarkWorkerModeStrings: what the tracers write as
 *  the worker starts). */
export const MARK_WORKER_LABELS = ['Not worker', 'GC (dedicated)', 'GC (fractional)', 'GC (idle)'] as const;

export interface SchedObserver {
  init(sched: unknown, now: number): void;
  profiling(): boolean;
  threadCreate?(m: M, now: number): void;
  threadExit?(m: M, now: number): void;
  procStart(p: P, m: M, now: number): void;
  procStop(p: P, m: M, now: number): void;
  /** sysmon took P from the M blocked in a syscall (owner: that M, if known). */
  procSteal(p: P, owner: M | null, now: number): void;
  /** stopTheWorld took a P that was in a syscall. */
  procStopForSTW(p: P, owner: M | null, now: number): void;
  /** entersyscall_gcwait: the M entering a syscall hands its P to the stopping world. */
  gcwait(p: P, m: M, now: number): void;
  goCreate(parent: G | null, g: G, m: M | null, now: number): void;
  goStart(g: G, m: M, now: number): void;
  goEnd(g: G, m: M, now: number): void;
  goSched(g: G, m: M, now: number): void;
  goPreempt(g: G, m: M, now: number): void;
  goBlock(g: G, why: BlockKind, m: M, now: number): void;
  /** g becomes runnable, readied by `by` (null: a timer or the netpoller) onto P `p` (null: global queue). */
  goUnblock(g: G, by: M | null, p: P | null, now: number): void;
  goSysCall(g: G, m: M, now: number): void;
  goSysExit(g: G, m: M, lostP: boolean, now: number): void;
  heapAlloc(bytes: number, m: M, now: number): void;
  /** A mark assist of g (GCMarkAssistBegin/End): mallocgc during mark pays for its allocation. */
  gcAssist(g: G, start: boolean, m: M, now: number): void;
  /** The heap goal of the next cycle (gcControllerCommit at mark termination, world stopped). */
  heapGoal?(bytes: number, m: M, now: number): void;
  /** A proportional sweep by allocating goroutine g on M's P before its allocation (GCSweepBegin;
   *  at the end GCSweepEnd with the bytes swept and reclaimed). */
  gcSweep?(g: G, start: boolean, swept: number, reclaimed: number, m: M, now: number): void;
  /** The trace advancer goroutine, running on M, calls traceAdvance (Go 1.22+): the tracer
   *  switches generations now, and the new one opens on M's thread. */
  traceAdvance?(m: M, now: number): void;
  gcStart(cycle: number, m: M, now: number): void;
  gcDone(m: M, now: number): void;
  stwStart(reason: StwReason, m: M, now: number): void;
  stwDone(m: M, now: number): void;
  userTaskCreate(g: G, name: string, m: M, now: number): number;
  userTaskEnd(g: G, id: number, m: M, now: number): void;
  userRegion(g: G, name: string, start: boolean, m: M, now: number): void;
  userLog(g: G, category: string, message: string, m: M, now: number): void;
}

export class NoopObserver implements SchedObserver {
  private tasks = 0;
  constructor(private readonly prof: boolean) {}
  init(): void {}
  profiling(): boolean {
    return this.prof;
  }
  procStart(): void {}
  procStop(): void {}
  procSteal(): void {}
  procStopForSTW(): void {}
  gcwait(): void {}
  goCreate(): void {}
  goStart(): void {}
  goEnd(): void {}
  goSched(): void {}
  goPreempt(): void {}
  goBlock(): void {}
  goUnblock(): void {}
  goSysCall(): void {}
  goSysExit(): void {}
  heapAlloc(): void {}
  gcAssist(): void {}
  gcStart(): void {}
  gcDone(): void {}
  stwStart(): void {}
  stwDone(): void {}
  userTaskCreate(): number {
    return ++this.tasks;
  }
  userTaskEnd(): void {}
  userRegion(): void {}
  userLog(): void {}
}

// SchedObserver: every state change of the simulated runtime, as the tracer sees it.
//
// The scheduler calls these at the instant the runtime would emit the matching trace event;
// the tracers (runtime/) turn them into their format. NoopObserver serves untraced runs.
// `profiling()` tells execute() whether to arm per-thread profiling timers.

import type { G, M, P } from './world.ts';
import type { StwReason } from '../scenario/stw.ts';

export type { StwReason } from '../scenario/stw.ts';

export type BlockKind = 'sleep' | 'chan' | 'select' | 'sync' | 'cond' | 'net' | 'chansend' | 'chanrecv' | 'gcworker';

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
  gcAssist(g: G, start: boolean, m: M, now: number): void;
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

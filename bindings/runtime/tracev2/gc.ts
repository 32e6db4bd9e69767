// The generational tracer's events of the runtime itself (trace2runtime.go's GC, STW, heap
// and sweep methods, StartTrace's and traceAdvance's own events): what the runtime writes
// beside the scheduler.
//
// Owns: the GC's trace state (the GC sequence number, whether a cycle runs), the stop of the
// world in progress (its initiating thread), the last heap goal, whether StartTrace's events
// are still to be written, and whether the current generation still waits for its opening.
// Invariants:
// - StartTrace's events come first, on the first goroutine to run (which stands for the
//   caller of trace.Start): ProcsChange, STWBegin "start trace", GCActive if a cycle runs,
//   HeapGoal, every P's status, ProcsChange (startTheWorld's procresize) and STWEnd;
// - every STWEnd follows a ProcsChange (procresize in startTheWorldWithSema);
// - every later generation opens with a ProcsChange, and GCActive when it begins inside a
//   cycle, on the thread of the advancer goroutine that called traceAdvance (Go 1.22+), or
//   else on a thread the reader sees running a goroutine on a P (GCActive and ProcsChange need
//   both), else on the next goroutine to start; GCActive is dropped if a GC event of the
//   new generation comes first;
// - HeapGoal, GCSweepBegin/End need the thread's P; a sweep range is open on at most one P
//   at a time per P (the shadow's sweep flag), and a mark assist is noted on its goroutine, so
//   that statuses can restate both (status.ts).
// Who may touch what: tracev2.ts forwards the observer's GC, STW, heap and sweep events here,
// goStart's hook (started), and gen.ts's genOpened.

import * as V2 from '../../formats/v2/index.ts';
import type { StwReason } from '../../sim/observer.ts';
import type { G, M } from '../../sim/world.ts';
import { heapGoalAtStart } from '../tracer.ts';
import type { TraceV2 } from '../tracev2.ts';

const { EvGCActive, EvGCBegin, EvGCEnd, EvGCMarkAssistBegin, EvGCMarkAssistEnd, EvGCSweepBegin, EvGCSweepEnd } = V2;
const { EvHeapGoal, EvProcsChange, EvSTWBegin, EvSTWEnd } = V2;

/** A goroutine's own stack for an event, none for the runtime's workers. */
const userStack = (g: G | null | undefined): number | undefined => (g && !g.system ? g.userStack : undefined);

export class RuntimeEvents {
  private gcSeq = 0;
  private gcRunning = false;
  /** The thread stopping the world (-1: none). */
  stwInitiator = -1;
  private goal: number;
  private startPending = true;
  private openPending = false;
  private gcActiveOwed = false;

  constructor(private readonly t: TraceV2) {
    this.goal = heapGoalAtStart(t.sc);
  }

  /** A goroutine started on m: StartTrace's events, or the generation's opening, if owed. */
  started(g: G, m: M, now: number): void {
    if (this.startPending) this.startTrace(g, m, now);
    else if (this.openPending) this.openGen(m.id, now);
  }

  private startTrace(g: G, m: M, now: number): void {
    const t = this.t;
    this.startPending = false;
    const stack = t.stk(userStack(g));
    t.w.ev(m.id, EvProcsChange, now, [t.sc.gomaxprocs, stack]);
    t.w.ev(m.id, EvSTWBegin, now, [t.str('start trace'), stack]);
    if (this.gcRunning) t.w.ev(m.id, EvGCActive, now, [++this.gcSeq]);
    t.w.ev(m.id, EvHeapGoal, now, [this.goal]);
    for (const p of t.sched.ps) t.status.procStatus(m.id, p.id, now);
    t.w.ev(m.id, EvProcsChange, now, [t.sc.gomaxprocs, stack]);
    t.w.ev(m.id, EvSTWEnd, now, []);
  }

  /** traceAdvance switched generations (gen.ts): open the new one now on the advancer's thread
   *  (mid), or on a thread running a goroutine, else when the next one starts. */
  genOpened(now: number, mid: number): void {
    this.openPending = true;
    this.gcActiveOwed = this.gcRunning;
    if (mid < 0) mid = this.t.status.runningThread();
    if (mid >= 0) this.openGen(mid, now);
  }

  private openGen(mid: number, now: number): void {
    const t = this.t;
    this.openPending = false;
    t.status.begin(mid, now);
    t.w.ev(mid, EvProcsChange, now, [t.sc.gomaxprocs, 0]);
    if (this.gcActiveOwed && this.gcRunning) t.w.ev(mid, EvGCActive, now, [++this.gcSeq]);
    this.gcActiveOwed = false;
  }

  gcAssist(g: G, start: boolean, m: M, now: number): void {
    const t = this.t;
    t.status.begin(m.id, now);
    if (start) t.w.ev(m.id, EvGCMarkAssistBegin, now, [t.stk(g.userStack)]);
    else t.w.ev(m.id, EvGCMarkAssistEnd, now, []);
    t.status.gst(g.id).assist = start;
  }

  /** gcControllerCommit: HeapGoal. */
  heapGoal(bytes: number, m: M, now: number): void {
    const t = this.t;
    this.goal = bytes;
    const ms = t.status.begin(m.id, now);
    if (ms.p >= 0) t.w.ev(m.id, EvHeapGoal, now, [bytes]);
  }

  /** A sweep on m's P: GCSweepBegin, then GCSweepEnd with what it swept and reclaimed. */
  gcSweep(g: G, start: boolean, swept: number, reclaimed: number, m: M, now: number): void {
    const t = this.t;
    const ms = t.status.begin(m.id, now);
    if (ms.p < 0) return;
    const ps = t.status.pst(ms.p);
    if (start && !ps.sweep) t.w.ev(m.id, EvGCSweepBegin, now, [t.stk(userStack(g))]);
    else if (!start && ps.sweep) t.w.ev(m.id, EvGCSweepEnd, now, [swept, reclaimed]);
    ps.sweep = start;
  }

  gcStart(m: M, now: number): void {
    const t = this.t;
    this.gcActiveOwed = false;
    t.status.begin(m.id, now);
    if (this.gcRunning) {
      // A cycle the model finished without a mark termination: end it where the next begins.
      t.w.ev(m.id, EvGCEnd, now, [++this.gcSeq]);
    }
    t.w.ev(m.id, EvGCBegin, now, [++this.gcSeq, t.stk(userStack(m.curg))]);
    this.gcRunning = true;
  }

  gcDone(m: M, now: number): void {
    const t = this.t;
    this.gcActiveOwed = false;
    t.status.begin(m.id, now);
    if (this.gcRunning) t.w.ev(m.id, EvGCEnd, now, [++this.gcSeq]);
    this.gcRunning = false;
  }

  stwStart(reason: StwReason, m: M, now: number): void {
    const t = this.t;
    t.status.begin(m.id, now);
    this.stwInitiator = m.id;
    t.w.ev(m.id, EvSTWBegin, now, [t.str(reason), 0]);
  }

  /** startTheWorldWithSema: procresize states GOMAXPROCS, then the world restarts. */
  stwDone(m: M, now: number): void {
    const t = this.t;
    t.status.begin(m.id, now);
    t.w.ev(m.id, EvProcsChange, now, [t.sc.gomaxprocs, t.stk(userStack(m.curg))]);
    t.w.ev(m.id, EvSTWEnd, now, []);
    this.stwInitiator = -1;
  }
}

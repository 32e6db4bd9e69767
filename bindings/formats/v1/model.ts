// The go 1.5–1.21 trace as a source of the trace model: what the state pass (state.ts) needs to
// hand its events to a TraceModelSink as Go1.22+ base events, the way Go 1.23's oldtrace
// conversion does.
//
// Split of the work: state.ts is the one place that knows what a v1 event does; each of its
// per-event handlers validates the event and, when a model is asked for, says which base
// events it becomes (through `on`/`put` here). This file holds only the machinery and the
// conversion's own state: one reused TraceEventView, the single generation's TraceTables
// (tables.ts: the wire's strings plus the strings the conversion names, stacks as Go 1.23
// resolves them), the thread each P runs on (the M of events: v1 has no thread ids but ProcStart's), which Ps
// were seen, the goroutines that existed when tracing started, the STW reason in force, and
// whether each syscall blocked (a look ahead, computed once before the pass).
//
// Time: Go 1.23's oldtrace time, the v1 reader's ns since the first event (Go 1.19's
// conversion), made strictly increasing (an event at or before the last one moves to last + 1).
// Context: g as oldtrace attributes it (GC and STW events on the G last started on their P, G 0
// as -1), p the batch's P with Go's presentation Ps (syscall exits, GC starts, timer and netpoll
// unblocks) or a sample's P, m the thread of the P's last ProcStart (-1: none; CPU samples -1).
// Offsets: every base event carries the offset of the v1 event it comes from.
// Invariants: the view and its args are valid only during a sink call; nothing here allocates
// per event (UserLog messages and stack frames excepted, once each).
// Who may touch: the v1 format owner.

import { TraceEventView, type TraceModelSink } from '../trace/event.ts';
import * as W from '../v2/spec.ts';
import * as spec from './spec.ts';
import type { V1Order } from './order.ts';
import * as columns from './columns.ts';
import type { V1Wire } from './columns.ts';
import { V1Tables } from './tables.ts';

// Local bindings: imported bindings compile to getters under some loaders (tsx, vitest),
// which would sit in the per-event paths.
const { EvGCDone, EvGCStart, EvGCSTWDone, EvGCSTWStart, EvGoSysBlock, EvGoSysCall } = spec;
const { EvUserTaskEnd } = W;
const { eventGoG } = columns;

/** An exception of the sink, carried through the reader's error handling unchanged. */
export class SinkFailure {
  constructor(readonly cause: unknown) {}
}

/** The conversion's state and its one way out: `on(event).put(base event)`. */
export class V1Model {
  readonly view = new TraceEventView();
  readonly tables: V1Tables;
  private readonly ns: Float64Array;
  private readonly args = new Float64Array(4);
  private lastTime = -1;
  /** 1 for a GoSysCall (by event index) whose goroutine's next event is GoSysBlock. */
  private readonly blocked: Uint8Array;

  /** The thread of each P's last ProcStart (dropped at its ProcStop): setProcM/dropProcM. */
  private readonly procM = new Map<number, number>();
  /** The last P looked up in procM and its thread (-1: none), for runs of events on one P. */
  private cacheP = NaN;
  private cacheM = -1;
  /** Ps seen start or stop (the first of those is a status). */
  private readonly seenProcs = new Set<number>();
  /** Until the first Gomaxprocs: the events describe what existed when tracing started. */
  preInit = true;
  /** Goroutines created before the first Gomaxprocs with no status yet, in creation order. */
  readonly createdPreInit = new Map<number, true>();
  /** String id of the reason of the STW in force. */
  stwReason = 0;

  // The context of the next put().
  private time = 0;
  private g = -1;
  private p = -1;
  private m = -1;
  private offset = -1;

  constructor(
    private readonly w: V1Wire,
    o: V1Order,
    private readonly sink: TraceModelSink,
  ) {
    this.ns = o.ns;
    this.tables = new V1Tables(w);
    this.view.tables = this.tables;
    this.blocked = syscallsThatBlock(w, o.order);
  }

  /** Hand the sink the trace's one generation (before any event). */
  start(): void {
    try {
      this.sink.generation(this.tables);
    } catch (e) {
      throw new SinkFailure(e);
    }
  }

  /** String id of a conversion string (S_*). */
  s(k: number): number {
    return this.tables.builtin(k);
  }

  /** Event i's own stack id, 0 when the trace has no frames for it. */
  stack(i: number): number {
    const id = this.w.stk[i];
    return this.tables.hasStack(id) ? id : 0;
  }

  /** Whether the GoSysCall at event index i blocked. */
  blocks(i: number): boolean {
    return this.blocked[i] === 1;
  }

  /** P now runs on thread m (a ProcStart). */
  setProcM(p: number, m: number): void {
    this.procM.set(p, m);
    this.cacheP = NaN;
  }

  /** P runs on no thread any more (a ProcStop). */
  dropProcM(p: number): void {
    this.procM.delete(p);
    this.cacheP = NaN;
  }

  /** True the first time P is seen start or stop. */
  firstSeen(p: number): boolean {
    if (this.seenProcs.has(p)) return false;
    this.seenProcs.add(p);
    return true;
  }

  /** Context of event i on P `p`: its time, its goroutine as oldtrace has it, P's thread. */
  on(i: number, p: number): this {
    this.time = this.ns[i];
    const g = eventGoG(this.w, i);
    this.g = g === 0 ? -1 : g;
    this.p = p;
    if (p !== this.cacheP) {
      const m = p !== -1 ? this.procM.get(p) : undefined;
      this.cacheP = p;
      this.cacheM = m === undefined ? -1 : m;
    }
    this.m = this.cacheM;
    this.offset = this.w.off[i];
    return this;
  }

  /**
   * The context oldtrace builds by hand for a labelled start and a syscall that did not block:
   * goroutine as is, the P's thread or 0 when it has none.
   */
  onDirect(i: number, p: number): this {
    this.on(i, p);
    this.g = eventGoG(this.w, i);
    if (this.m === -1) this.m = 0;
    return this;
  }

  /** Context of a CPU sample: the sampled P and goroutine, no thread. */
  onSample(i: number, p: number, g: number): this {
    this.on(i, p);
    this.g = g === 0 ? -1 : g;
    this.m = -1;
    return this;
  }

  /** Context with no goroutine, P or thread (statuses of goroutines that existed at the start). */
  onNothing(i: number): this {
    this.on(i, -1);
    this.g = -1;
    return this;
  }

  /** Move the next put() to `ns` (before the strictly-increasing rule). */
  at(ns: number): this {
    this.time = ns;
    return this;
  }

  /** Hand the sink base event `type` with these arguments in the current context. */
  put(type: number, a0 = 0, a1 = 0, a2 = 0, a3 = 0): this {
    return this.deliver(type, a0, a1, a2, a3, 0, '');
  }

  /** A UserTaskEnd, with the ended task's parent and type. */
  putTaskEnd(task: number, stack: number, parent: number, name: string): this {
    return this.deliver(EvUserTaskEnd, task, stack, 0, 0, parent, name);
  }

  private deliver(type: number, a0: number, a1: number, a2: number, a3: number, parent: number, name: string): this {
    let t = this.time;
    if (t <= this.lastTime) t = this.lastTime + 1;
    this.lastTime = t;
    const v = this.view;
    const a = this.args;
    a[0] = a0;
    a[1] = a1;
    a[2] = a2;
    a[3] = a3;
    v.type = type;
    v.time = t;
    v.g = this.g;
    v.p = this.p;
    v.m = this.m;
    v.args = a;
    v.offset = this.offset;
    v.before = 0; // GoUndetermined / ProcUndetermined: Go leaves the state before a status unknown
    v.endedTaskParent = parent;
    v.endedTaskType = name;
    try {
      this.sink.event(v);
    } catch (e) {
      throw new SinkFailure(e);
    }
    return this;
  }
}

/**
 * For each GoSysCall (by event index): 1 if the next event of its goroutine, in the merged
 * order and as oldtrace attributes events to goroutines, is GoSysBlock. One backward pass.
 */
function syscallsThatBlock(w: V1Wire, order: Int32Array): Uint8Array {
  const out = new Uint8Array(w.n);
  const type = w.type;
  const gs = w.gs;
  const gSlots = w.gSlots;
  // Type of the next event of each goroutine slot (0: none yet).
  let next = new Uint8Array(gSlots.n + 1);
  for (let j = order.length - 1; j >= 0; j--) {
    const i = order[j];
    const t = type[i];
    let s = gs[i];
    if (t === EvGCStart || t === EvGCDone || t === EvGCSTWStart || t === EvGCSTWDone) {
      s = gSlots.find(eventGoG(w, i));
      if (s < 0) continue;
    }
    if (s >= next.length) {
      const b = new Uint8Array(Math.max(s + 1, next.length * 2));
      b.set(next);
      next = b;
    }
    if (t === EvGoSysCall && next[s] === EvGoSysBlock) out[i] = 1;
    next[s] = t;
  }
  return out;
}

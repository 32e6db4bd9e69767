// The go 1.5–1.21 trace as a source of the trace model: what the state pass (state.ts) needs to
// hand its events to a TraceModelSink as Go1.22+ base events, the way Go 1.23's oldtrace
// conversion does.
//
// Split of the work: state.ts is the one place that knows what a v1 event does; each of its
// per-event handlers validates the event and, when a model is asked for, says which base
// events it becomes (through `on`/`put` here). This file holds only the machinery and the
// conversion's own state: one reused TraceEventView, the single generation's TraceTables
// (the wire's strings plus the strings the conversion names, stacks as Go 1.23 resolves them),
// the thread each P runs on (the M of events: v1 has no thread ids but ProcStart's), which Ps
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

import type { StackFrame } from '../event.ts';
import { TraceEventView, type TraceModelSink, type TraceTables } from '../trace/event.ts';
import * as W from '../v2/spec.ts';
import * as spec from './spec.ts';
import type { V1Order } from './order.ts';
import * as wire from './wire.ts';
import type { V1Wire } from './wire.ts';

// Local bindings: imported bindings compile to getters under some loaders (tsx, vitest),
// which would sit in the per-event paths.
const { EvGCDone, EvGCStart, EvGCSTWDone, EvGCSTWStart, EvGoSysBlock, EvGoSysCall } = spec;
const { EvUserTaskEnd } = W;
const { eventGoG } = wire;

/** ^uint64(0) as a decoded wire number (Go's NoTask, and "no thread" in GoStatus/CPUSample). */
export const U64_MAX = W.NoThreadWire;

// Strings the conversion names, by index (their ids follow the wire's strings).
export const S_FOREVER = 0;
export const S_PREEMPTED = 1;
export const S_GOSCHED = 2;
export const S_SLEEP = 3;
export const S_CHAN_SEND = 4;
export const S_CHAN_RECV = 5;
export const S_NETWORK = 6;
export const S_SYNC = 7;
export const S_SYNC_COND = 8;
export const S_SELECT = 9;
export const S_EMPTY = 10;
export const S_MARK_ASSIST_WAIT = 11;
/** First of the stop-the-world reasons, indexed as Go 1.21's stwReason (0: unknown). */
export const S_STW = 12;
const BUILTIN: readonly string[] = [
  'forever',
  'preempted',
  'runtime.Gosched',
  'sleep',
  'chan send',
  'chan receive',
  'network',
  'sync',
  'sync.(*Cond).Wait',
  'select',
  '',
  'GC mark assist wait for work',
  // Stop-the-world reasons as Go 1.23 names them for old traces (its own spelling of
  // stwAllGoroutinesStack; an unknown reason is the empty string).
  '',
  'GC mark termination',
  'GC sweep termination',
  'write heap dump',
  'goroutine profile',
  'goroutine profile cleanup',
  'all goroutine stack trace',
  'read mem stats',
  'AllThreadsSyscall',
  'GOMAXPROCS',
  'start trace',
  'stop trace',
  'CountPagesInUse (test)',
  'ReadMetricsSlow (test)',
  'ReadMemStatsSlow (test)',
  'PageCachePagesLeaked (test)',
  'ResetDebugLog (test)',
];
const STW_REASONS = BUILTIN.length - S_STW;

/**
 * The stop-the-world reason (index into the S_STW strings) of an STW start's kind argument:
 * before 1.21 the kind is GC's mark (0) or sweep (1) termination, in 1.21 the runtime's
 * stwReason; anything else is unknown (0).
 */
export function stwReasonOf(version: number, kind: number): number {
  if (version < 1021) return kind === 0 || kind === 1 ? kind + 1 : 0;
  return kind < STW_REASONS ? kind : 0;
}

const NO_FRAMES: readonly StackFrame[] = [];

/** The one generation of a v1 trace: the wire's strings, then the conversion's; stacks. */
export class V1Tables implements TraceTables {
  readonly gen = 1;
  /** Largest string id of the wire; the conversion's strings come after it. */
  private readonly base: number;
  private readonly extra: string[] = [];
  private readonly extraIds = new Map<string, number>();
  private frameOfPC: Map<number, Float64Array> | null = null;
  private readonly cache = new Map<number, readonly StackFrame[]>();

  constructor(private readonly w: V1Wire) {
    let max = 0;
    for (const id of w.strings.keys()) if (id > max) max = id;
    this.base = max;
    for (const s of BUILTIN) {
      this.extraIds.set(s, this.base + 1 + this.extra.length);
      this.extra.push(s);
    }
  }

  string(id: number): string | undefined {
    if (id <= this.base) return this.w.strings.get(id);
    return this.extra[id - this.base - 1];
  }

  /** Id of a conversion string (BUILTIN index). */
  builtin(k: number): number {
    return this.base + 1 + k;
  }

  /** Id of a string the wire carries inline (a UserLog message); equal strings share one. */
  inline(s: string): number {
    let id = this.extraIds.get(s);
    if (id === undefined) {
      id = this.base + 1 + this.extra.length;
      this.extra.push(s);
      this.extraIds.set(s, id);
    }
    return id;
  }

  /** Stack ids with frames, when they are small enough for a table (else null: the map). */
  private known: Uint8Array | null | undefined;

  /** True if `id` names a stack with frames (Go drops references to any other). */
  hasStack(id: number): boolean {
    let k = this.known;
    if (k === undefined) {
      let max = 0;
      for (const sid of this.w.stacks.keys()) if (sid > max) max = sid;
      k = null;
      if (max < 1 << 24) {
        k = new Uint8Array(max + 1);
        for (const sid of this.w.stacks.keys()) k[sid] = 1;
      }
      this.known = k;
    }
    if (k !== null) return id < k.length && k[id] === 1;
    return id !== 0 && this.w.stacks.has(id);
  }

  /**
   * Frames of stack `id`, leaf first. As Go 1.23 resolves old traces, a PC means the frame
   * first described for it, in the order the stacks were written.
   */
  frames(id: number): readonly StackFrame[] | undefined {
    if (id === 0) return NO_FRAMES;
    const have = this.cache.get(id);
    if (have !== undefined) return have;
    const f = this.w.stacks.get(id);
    if (f === undefined) return undefined;
    let byPC = this.frameOfPC;
    if (byPC === null) {
      byPC = new Map();
      for (const s of this.w.stacks.values()) {
        for (let k = 0; k < s.length; k += 4) if (!byPC.has(s[k])) byPC.set(s[k], k === 0 ? s : s.subarray(k));
      }
      this.frameOfPC = byPC;
    }
    const out: StackFrame[] = [];
    for (let k = 0; k < f.length; k += 4) {
      const d = byPC.get(f[k]) ?? f.subarray(k);
      out.push({ pc: d[0], func: this.w.strings.get(d[1]) ?? '', file: this.w.strings.get(d[2]) ?? '', line: d[3] });
    }
    this.cache.set(id, out);
    return out;
  }
}

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

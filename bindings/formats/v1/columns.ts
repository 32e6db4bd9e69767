// The columns of the v1 reader: the layout of V1Wire, the raw events of a trace in file order,
// one slot per event, as the wire pass (wire.ts) fills them and every later layer reads them.
//
// Owns: the V1Wire layout and its accessors (eventG, eventGoG, eventP: who an event is on;
// pcStack, setStack: the stack column), argSlots (how many packed argument slots each type
// gets), and Columns, the growable arrays the wire pass writes.
// Layout: per event a type byte, an absolute tick (then ns), a goroutine slot, a stack id, the
// offset of its arguments in the packed `args` column, its byte offset and its batch group —
// 29 bytes per event plus 8 per argument slot. Goroutine ids are slots of one IdSlots table.
// Invariants: column i is event i in file order; the ordering layer rewrites `type` and `ts`
// in place (order.ts says how); columns grow by doubling, so total work stays linear.
// Who may touch: the v1 format owner.

import * as spec from './spec.ts';
import type { IdSlots } from './slots.ts';
import * as attribution from './attribution.ts';

// Local bindings: imported bindings compile to getters under some loaders (tsx, vitest),
// which would sit in the per-event accessors.
const { EvCount, EvCPUSample, V1_EVENTS, argsFor } = spec;
const { ARG_LAYOUT, LAST_G_SLOT } = attribution;

/** Raw events in file order, as columns (one slot per event). */
export interface V1Wire {
  version: number;
  /** Ticks per second from EvFrequency. */
  ticksPerSec: number;
  /** Number of events (Batch/Frequency/Stack/String/TimerGoroutine are not events). */
  n: number;
  type: Uint8Array;
  /**
   * Absolute ticks (CPU samples: the tick the signal handler captured). orderV1 rewrites them
   * in place as ns since the first event (then `ts` is the V1Order's `ns`).
   */
  ts: Float64Array;
  /** Goroutine of each event, as a slot of gSlots (the id is gSlots.ids[gs[i]]; see eventG). */
  gs: Int32Array;
  /** Goroutine ids <-> slots; the ordering and state layers add goroutines met only as arguments. */
  gSlots: IdSlots;
  /** The event's own stack id (0: none); a Float64Array only if some id does not fit 32 bits. */
  stk: Uint32Array | Float64Array;
  /**
   * Arguments after the timestamp, excluding the event's own stack, packed: event i's are
   * args[argAt[i]...], as many as the type has in the latest layout (argsFor at 1.21; the
   * *Local types as many as the type they are reported as), missing ones 0. CPU samples:
   * [0, sampled P as a signed number (-1 when none), G]. GC and STW events have one more: the
   * G last started on their P (eventGoG).
   */
  args: Float64Array;
  argAt: Uint32Array | Float64Array;
  /** Byte offset of the event's type byte (a Float64Array for inputs of 4 GiB and more). */
  off: Uint32Array | Float64Array;
  /** Batch group of each event (index into groupP). */
  group: Int32Array;
  /** P id of each batch group (PROFILE_P for CPU samples). */
  groupP: number[];
  /** EvUserLog messages by event index. */
  inline: Map<number, string>;
  strings: Map<number, string>;
  /** Stack id -> frames as [pc, func string id, file string id, line] * count. */
  stacks: Map<number, Float64Array>;
  timerGoids: Set<number>;
  /** True if any EvFutileWakeup was seen (Go 1.19's runtime writes none). */
  hasFutile: boolean;
  /** go 1.5 traces only: each event's global sequence number (the order of the trace). */
  seq: Float64Array | null;
  /** Event names for this version, by wire id (spec eventName). */
  names: readonly string[];
  /** Stacks the state layer made for go 1.5 start PCs (pc -> id, next free id; see pcStack). */
  pcStacks: { ids: Map<number, number>; next: number } | null;
}

/** Goroutine id of event i. */
export function eventG(w: V1Wire, i: number): number {
  return w.gSlots.ids[w.gs[i]];
}

/**
 * Goroutine of event i as Go 1.23's oldtrace attributes it: eventG, except that GC and STW
 * events stay on the G last started on their P (Go 1.19 puts them on G 0).
 */
export function eventGoG(w: V1Wire, i: number): number {
  const k = LAST_G_SLOT[w.type[i]];
  return k >= 0 ? w.args[w.argAt[i] + k] : w.gSlots.ids[w.gs[i]];
}

/** P of event i: its batch's P (CPU samples: the sampled P, -1 when none). */
export function eventP(w: V1Wire, i: number): number {
  return w.type[i] === EvCPUSample ? w.args[w.argAt[i] + 1] : w.groupP[w.group[i]];
}

/**
 * Id of a one-frame stack holding just `pc`, added to w.stacks (go 1.5 traces name a new
 * goroutine's start by PC, not by stack id). Ids start above every stack id of the trace.
 */
export function pcStack(w: V1Wire, pc: number): number {
  let ps = w.pcStacks;
  if (ps === null) {
    // Computed once: a trace names few start PCs, but a hostile one may name many.
    let top = 0;
    for (const k of w.stacks.keys()) if (k > top) top = k;
    for (let i = 0; i < w.n; i++) if (w.stk[i] > top) top = w.stk[i];
    ps = w.pcStacks = { ids: new Map(), next: top + 1 };
  }
  let id = ps.ids.get(pc);
  if (id === undefined) {
    id = ps.next++;
    ps.ids.set(pc, id);
    w.stacks.set(id, Float64Array.of(pc, 0, 0, 0));
  }
  return id;
}

/** Set the stack id of event i (widening the column if the id does not fit 32 bits). */
export function setStack(w: V1Wire, i: number, v: number): void {
  if (v > 0xffffffff && w.stk instanceof Uint32Array) w.stk = Float64Array.from(w.stk);
  w.stk[i] = v;
}

/**
 * Argument slots per type for traces of version `ver` (see V1Wire.args): as many as the type
 * has in this version or in ARG_LAYOUT, or as the type it is reported as has there; GC and STW
 * events one more, for the G last started on their P.
 */
export function argSlots(ver: number): Uint8Array {
  const reserve = new Uint8Array(EvCount);
  for (let t = 1; t < EvCount; t++) {
    const printed = V1_EVENTS[V1_EVENTS[t].printedAs ?? t];
    reserve[t] = Math.max(argsFor(V1_EVENTS[t], ver).length, argsFor(V1_EVENTS[t], ARG_LAYOUT).length, argsFor(printed, ARG_LAYOUT).length);
    if (LAST_G_SLOT[t] >= 0) reserve[t] = LAST_G_SLOT[t] + 1;
  }
  return reserve;
}

/** Growable columns; capacity doubles, so total work stays linear. */
export class Columns {
  cap: number;
  type: Uint8Array;
  ts: Float64Array;
  gs: Int32Array;
  stk: Uint32Array | Float64Array;
  args: Float64Array;
  argAt: Uint32Array | Float64Array;
  off: Uint32Array | Float64Array;
  group: Int32Array;
  seq: Float64Array | null;
  constructor(cap: number, wide: boolean, seq: boolean) {
    this.cap = cap;
    this.type = new Uint8Array(cap);
    this.ts = new Float64Array(cap);
    this.gs = new Int32Array(cap);
    this.stk = new Uint32Array(cap);
    // Real go1.19 traces use about 1.35 argument slots per event (0.38 per byte): a quarter
    // more than one per event spares most traces the args column's doubling (old + new at once).
    this.args = new Float64Array(cap + (cap >> 2) + 16);
    this.argAt = wide ? new Float64Array(cap) : new Uint32Array(cap);
    this.off = wide ? new Float64Array(cap) : new Uint32Array(cap);
    this.group = new Int32Array(cap);
    this.seq = seq ? new Float64Array(cap) : null;
  }
  growArgs(): void {
    this.args = grow(this.args, new Float64Array(this.args.length * 2));
  }
  grow(): void {
    const cap = this.cap * 2;
    this.type = grow(this.type, new Uint8Array(cap));
    this.ts = grow(this.ts, new Float64Array(cap));
    this.gs = grow(this.gs, new Int32Array(cap));
    this.stk = grow(this.stk, this.stk instanceof Uint32Array ? new Uint32Array(cap) : new Float64Array(cap));
    this.argAt = grow(this.argAt, this.argAt instanceof Uint32Array ? new Uint32Array(cap) : new Float64Array(cap));
    this.off = grow(this.off, this.off instanceof Uint32Array ? new Uint32Array(cap) : new Float64Array(cap));
    this.group = grow(this.group, new Int32Array(cap));
    if (this.seq !== null) this.seq = grow(this.seq, new Float64Array(cap));
    this.cap = cap;
  }
}

function grow<T extends { set(a: ArrayLike<number>): void }>(from: ArrayLike<number>, to: T): T {
  to.set(from);
  return to;
}


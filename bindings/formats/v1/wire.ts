// Wire layer of the v1 (go 1.19) trace reader: bytes -> columns of raw events.
//
// Layout handled: the 16-byte header, then events `type|nargs<<6, uvarint args...` (see spec.ts),
// grouped in batches (EvBatch [p, ticks]) whose timed events carry tick deltas; EvString entries;
// EvStack entries (the stack table, written at the end by the runtime); one EvFrequency.
// This pass also does what Go's parseEvents does per event: it checks argument counts, turns
// deltas into absolute ticks, tracks the P of the current batch and the G last started on it,
// and assigns every event to its batch group (its P, or PROFILE_P for CPU samples).
//
// Invariants:
//  - never throws anything but TraceError; every loop is bounded by the input length (each
//    uvarint consumes >= 1 byte); every allocation is bounded by the input length (string and
//    argument lengths are checked against the bytes left before use); the columns take 29
//    bytes per event plus 8 per argument (about 38 on real traces), written once each;
//  - error precedence is Go's: a framing error anywhere beats an argument/semantic error,
//    which is kept (first one) while framing continues to the end;
//  - columns are indexed by event number in file order; `n` is the count; goroutines are
//    slots of one IdSlots table (no per-event Map lookups downstream); an event's P is its
//    batch group's P (eventP);
//  - go 1.5 traces (spec V1Layout): each timed event also gets its global sequence number (the
//    `seq` column), stack frames are stored as [pc, 0, 0, 0] like the later layout's.
// Who may touch: the v1 format owner.

import * as uvarint from '../uvarint.ts';
import type { UvarintResult } from '../uvarint.ts';
import { TraceError } from '../event.ts';
import { requireBytes } from '../input.ts';
import * as spec from './spec.ts';
import { IdSlots, growF64 } from './slots.ts';

// Local bindings: imported bindings compile to getters under some loaders (tsx, vitest),
// which would sit in the per-event loop.
const {
  EvBatch,
  EvCount,
  EvCPUSample,
  EvFrequency,
  EvFutileWakeup,
  EvGCDone,
  EvGCStart,
  EvGCSTWDone,
  EvGCSTWStart,
  EvGoBlock,
  EvGoBlockCond,
  EvGoBlockGC,
  EvGoBlockNet,
  EvGoBlockRecv,
  EvGoBlockSelect,
  EvGoBlockSend,
  EvGoBlockSync,
  EvGoEnd,
  EvGoInSyscall,
  EvGoPreempt,
  EvGoSched,
  EvGoSleep,
  EvGoStart,
  EvGoStartLabel,
  EvGoStartLocal,
  EvGoStop,
  EvGoSysBlock,
  EvGoSysExit,
  EvGoWaiting,
  EvStack,
  EvString,
  EvTimerGoroutine,
  EvUserLog,
  MAX_STACK_FRAMES,
  MAX_STRING_LEN,
  PROFILE_P,
  STACK_FRAME_FIELDS,
  V1_EVENTS,
  V1_HEADER_LEN,
  V1_VERSIONS,
  wireArgCount,
  argsFor,
  eventNamesFor,
  stwKindsFor,
  v1Layout,
} = spec;
const { decodeUvarint } = uvarint;

const TWO63 = 2 ** 63;
/** The layout whose argument counts the packed argument slots follow. */
const LAYOUT = 1021;

// How an event is attributed to a goroutine (Go's parseEvents), as small literals so that the
// per-event switch is a jump table.
const A_NONE = 0; // the G last started on this P
const A_STARTS_G = 1; // starts the G in its first argument, which becomes the P's current G
const A_STW = 2; // on no G; its kind argument is checked
const A_GLOBAL = 3; // GC events: on no G
const A_STOPS_G = 4; // the P's current G stops running
const A_G_IN_ARG = 5; // about the G in its first argument
const A_OTHER = 6; // UserLog / FutileWakeup: bookkeeping only
const A_CPU_SAMPLE = 7; // its own tick, P and G, on the profile pseudo-P
const ATTRIBUTION = new Uint8Array(EvCount).fill(A_NONE);
for (const t of [EvGoStart, EvGoStartLocal, EvGoStartLabel]) ATTRIBUTION[t] = A_STARTS_G;
ATTRIBUTION[EvGCSTWStart] = A_STW;
for (const t of [EvGCStart, EvGCDone, EvGCSTWDone]) ATTRIBUTION[t] = A_GLOBAL;
for (const t of [
  EvGoEnd,
  EvGoStop,
  EvGoSched,
  EvGoPreempt,
  EvGoSleep,
  EvGoBlock,
  EvGoBlockSend,
  EvGoBlockRecv,
  EvGoBlockSelect,
  EvGoBlockSync,
  EvGoBlockCond,
  EvGoBlockNet,
  EvGoSysBlock,
  EvGoBlockGC,
]) {
  ATTRIBUTION[t] = A_STOPS_G;
}
// Not the *Local variant of GoSysExit: Go leaves that one on the P's current G.
for (const t of [EvGoSysExit, EvGoWaiting, EvGoInSyscall]) ATTRIBUTION[t] = A_G_IN_ARG;
ATTRIBUTION[EvUserLog] = A_OTHER;
ATTRIBUTION[EvFutileWakeup] = A_OTHER;
ATTRIBUTION[EvCPUSample] = A_CPU_SAMPLE;
/**
 * GC and STW events are on no G for Go 1.19's parser, but Go 1.23's oldtrace leaves them on the
 * G last started on their P: that G is kept in one more argument slot, after the type's own
 * (eventGoG). -1: the type keeps none.
 */
const LAST_G_SLOT = new Int8Array(EvCount).fill(-1);
for (const t of [EvGCStart, EvGCDone, EvGCSTWStart, EvGCSTWDone]) LAST_G_SLOT[t] = argsFor(V1_EVENTS[t], LAYOUT).length;

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

/** Parse the header; returns the version as 1000*major+minor or throws TraceError. */
export function readV1Header(buf: Uint8Array): number {
  buf = requireBytes(buf);
  if (buf.length < V1_HEADER_LEN) {
    throw new TraceError(`failed to read header: read ${buf.length}, want ${V1_HEADER_LEN}`, 0);
  }
  if (
    buf[0] !== 0x67 || // g
    buf[1] !== 0x6f || // o
    buf[2] !== 0x20 ||
    buf[3] < 0x31 ||
    buf[3] > 0x39 ||
    buf[4] !== 0x2e || // .
    buf[5] < 0x31 ||
    buf[5] > 0x39
  ) {
    throw new TraceError('not a trace file', 0);
  }
  let ver = buf[5] - 0x30;
  let i = 0;
  // At most two more minor digits, as the runtime never writes more.
  while (i < 2 && buf[6 + i] >= 0x30 && buf[6 + i] <= 0x39) {
    ver = ver * 10 + (buf[6 + i] - 0x30);
    i++;
  }
  ver += (buf[3] - 0x30) * 1000;
  const tail = ' trace\x00\x00\x00\x00';
  for (let k = 6 + i, t = 0; k < V1_HEADER_LEN; k++, t++) {
    if (buf[k] !== tail.charCodeAt(t)) throw new TraceError('not a trace file', 0);
  }
  if (!(V1_VERSIONS as readonly number[]).includes(ver)) {
    throw new TraceError(`unsupported trace file version ${Math.floor(ver / 1000)}.${ver % 1000} (${ver})`, 0);
  }
  return ver;
}

/** Growable columns; capacity doubles, so total work stays linear. */
class Columns {
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
    this.args = new Float64Array(cap + 16);
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

const utf8 = new TextDecoder('utf-8');

/**
 * A uvarint as Go 1.19's parser reads it (readVal): a 10th byte ends the value whatever its
 * bits (those past 64 are dropped); only ten bytes that all continue are a bad value. So where
 * the shared decoder says "longer than 64 bits", this takes the 10 bytes modulo 2^64.
 */
function readVal(buf: Uint8Array, pos: number, end: number, vr: UvarintResult): void {
  decodeUvarint(buf, pos, end, vr);
  if (vr.len < 0 && pos + 9 < end && buf[pos + 9] < 0x80) {
    vr.value = Number(readValBig(buf, pos));
    vr.len = 10;
  }
}

/** The value of a well-formed readVal at pos, as a uint64. */
function readValBig(buf: Uint8Array, pos: number): bigint {
  let v = 0n;
  for (let i = 0; i < 10; i++) {
    const b = buf[pos + i];
    v |= BigInt(b & 0x7f) << BigInt(7 * i);
    if (b < 0x80) break;
  }
  return BigInt.asUintN(64, v);
}

/** Value of a uvarint read as Go's int(uint64): values >= 2^63 become negative, exactly. */
function signedAt(buf: Uint8Array, pos: number): number {
  return Number(BigInt.asIntN(64, readValBig(buf, pos)));
}

/** Position of the k-th uvarint starting at pos (the caller knows they are well-formed). */
function skipVarints(buf: Uint8Array, pos: number, k: number): number {
  while (k > 0) {
    while (buf[pos] & 0x80) pos++;
    pos++;
    k--;
  }
  return pos;
}

/**
 * Decode the whole input. Throws TraceError (framing errors first, then the first argument or
 * per-event error, then "trace is empty" / "no EvFrequency event").
 */
export function readV1Wire(buf: Uint8Array): V1Wire {
  buf = requireBytes(buf); // TraceError for non-bytes (one-byte views re-viewed as Uint8Array)
  const ver = readV1Header(buf);
  const end = buf.length;
  const layout = v1Layout(ver);
  // go 1.5: a sequence-number delta precedes each timed event's tick delta.
  const old = layout.seq;
  const argBase = layout.argBase;
  const frameFields = layout.frameFields;
  const stwKinds = stwKindsFor(ver);
  const names = eventNamesFor(ver);
  const vr: UvarintResult = { value: 0, len: 0 };

  // Expected wire argument count per type for this version (EvStack: checked separately).
  const want = new Int32Array(EvCount);
  const hasStack = new Uint8Array(EvCount);
  const known = new Uint8Array(64); // any 6-bit type
  // Argument slots per type (see V1Wire.args).
  const reserve = new Uint8Array(EvCount);

  for (let t = 1; t < EvCount; t++) {
    want[t] = wireArgCount(V1_EVENTS[t], ver);
    hasStack[t] = V1_EVENTS[t].stack ? 1 : 0;
    known[t] = V1_EVENTS[t].since <= ver ? 1 : 0;
    const printed = V1_EVENTS[V1_EVENTS[t].printedAs ?? t];
    reserve[t] = Math.max(argsFor(V1_EVENTS[t], ver).length, argsFor(V1_EVENTS[t], LAYOUT).length, argsFor(printed, LAYOUT).length);
    if (LAST_G_SLOT[t] >= 0) reserve[t] = LAST_G_SLOT[t] + 1;
  }

  // Real traces take ~3-5 bytes per event: usually one allocation, at most a few doublings.
  // (The columns are written once per event, so the unused tail is never touched.) Capped so
  // that no single array starts above 1 GiB (browsers limit ArrayBuffer sizes).
  const cols = new Columns(Math.max(1024, Math.min(Math.floor(end / 3), 1 << 27)), end > 0xffffffff, old);
  let cap = cols.cap;
  let cType = cols.type;
  let cTs = cols.ts;
  let cGs = cols.gs;
  let cStk = cols.stk;
  let A = cols.args;
  let cArgAt = cols.argAt;
  let ap = 0; // next free argument slot
  let cOff = cols.off;
  let cGroup = cols.group;
  let cSeq = cols.seq;
  let lastSeq = 0;
  let n = 0;
  let scratch = new Float64Array(64);

  const strings = new Map<number, string>();
  const stacks = new Map<number, Float64Array>();
  const timerGoids = new Set<number>();
  const inline = new Map<number, string>();
  const groupSlots = new IdSlots();
  const groupP: number[] = [];
  let lastKey = NaN;
  let lastGroup = -1;
  // The G last started on each P (by P slot), as Go's parser keeps it across batches.
  const pSlots = new IdSlots();
  let lastGs: Float64Array = new Float64Array(16);
  const gSlots = new IdSlots();
  let cacheG = NaN;
  let cacheS = -1;
  let ticksPerSec = 0;
  let lastP = 0;
  let lastPs = pSlots.get(0);
  let lastG = 0;
  let lastTs = 0;
  let hasFutile = false;
  let semantic: TraceError | null = null;

  let pos = V1_HEADER_LEN;
  while (pos < end) {
    const off0 = pos;
    const b = buf[pos++];
    const typ = b & 0x3f;
    const nargCode = b >> 6;
    if (known[typ] === 0) {
      throw new TraceError(`unknown event type ${typ} at offset 0x${off0.toString(16)}`, off0);
    }

    if (typ === EvString) {
      readVal(buf, pos, end, vr);
      if (vr.len <= 0) throw readFail(vr, pos);
      pos += vr.len;
      const id = vr.value;
      if (id === 0) throw new TraceError(`string at offset ${pos} has invalid id 0`, off0);
      if (strings.has(id)) throw new TraceError(`string at offset ${pos} has duplicate id ${id}`, off0);
      readVal(buf, pos, end, vr);
      if (vr.len <= 0) throw readFail(vr, pos);
      pos += vr.len;
      const ln = vr.value;
      if (ln === 0) throw new TraceError(`string at offset ${pos} has invalid length 0`, off0);
      if (ln > MAX_STRING_LEN) throw new TraceError(`string at offset ${pos} has too large length ${ln}`, off0);
      if (pos + ln > end) {
        throw new TraceError(`failed to read trace at offset ${pos}: read ${end - pos}, want ${ln}`, off0);
      }
      strings.set(id, utf8.decode(buf.subarray(pos, pos + ln)));
      pos += ln;
      continue;
    }

    // Arguments into scratch; one- and two-byte uvarints (nearly all of them) decoded inline.
    let na = 0;
    let argPos = pos;
    if (nargCode < 3) {
      const cnt = nargCode + argBase;
      for (; na < cnt; na++) {
        if (pos + 1 < end) {
          const c = buf[pos];
          if (c < 0x80) {
            scratch[na] = c;
            pos++;
            continue;
          }
          const d = buf[pos + 1];
          if (d < 0x80) {
            scratch[na] = (c & 0x7f) + d * 128;
            pos += 2;
            continue;
          }
        }
        readVal(buf, pos, end, vr);
        if (vr.len <= 0) throw argFail(vr, typ, pos, off0);
        scratch[na] = vr.value;
        pos += vr.len;
      }
    } else {
      readVal(buf, pos, end, vr);
      if (vr.len <= 0) throw argFail(vr, typ, pos, off0);
      pos += vr.len;
      const evLen = vr.value;
      const off1 = pos;
      argPos = pos;
      while (evLen > pos - off1) {
        if (na === scratch.length) {
          const s = new Float64Array(na * 2);
          s.set(scratch);
          scratch = s;
        }
        if (pos + 1 < end) {
          const c = buf[pos];
          if (c < 0x80) {
            scratch[na++] = c;
            pos++;
            continue;
          }
          const d = buf[pos + 1];
          if (d < 0x80) {
            scratch[na++] = (c & 0x7f) + d * 128;
            pos += 2;
            continue;
          }
        }
        readVal(buf, pos, end, vr);
        if (vr.len <= 0) throw argFail(vr, typ, pos, off0);
        scratch[na++] = vr.value;
        pos += vr.len;
      }
      if (evLen !== pos - off1) {
        throw new TraceError(
          `event has wrong length at offset 0x${off0.toString(16)}: want ${evLen}, got ${pos - off1}`,
          off0,
        );
      }
    }
    let message: string | null = null;
    if (typ === EvUserLog) {
      // Go's parser never looks at the error of reading this message: a message it cannot
      // read is empty, and reading goes on after its length (a bad length: after ten bytes;
      // one too large: at its first byte) or stops at the end of the input (a truncated one).
      message = '';
      readVal(buf, pos, end, vr);
      if (vr.len === 0) pos = end;
      else if (vr.len < 0) pos += 10;
      else {
        pos += vr.len;
        const sz = vr.value;
        if (sz <= MAX_STRING_LEN) {
          if (pos + sz > end) pos = end;
          else {
            if (sz > 0) message = utf8.decode(buf.subarray(pos, pos + sz));
            pos += sz;
          }
        }
      }
    }
    if (semantic !== null) continue; // framing only from here on

    if (typ === EvStack) {
      if (na < 2) {
        semantic = new TraceError(
          `EvStack has wrong number of arguments at offset 0x${off0.toString(16)}: want at least 2, got ${na}`,
          off0,
        );
        continue;
      }
      const size = scratch[1];
      if (size > MAX_STACK_FRAMES) {
        semantic = new TraceError(`EvStack has bad number of frames at offset 0x${off0.toString(16)}: ${size}`, off0);
        continue;
      }
      const w = 2 + frameFields * size;
      if (na !== w) {
        semantic = new TraceError(
          `EvStack has wrong number of arguments at offset 0x${off0.toString(16)}: want ${w}, got ${na}`,
          off0,
        );
        continue;
      }
      if (scratch[0] !== 0 && size > 0) {
        if (frameFields === STACK_FRAME_FIELDS) stacks.set(scratch[0], scratch.slice(2, na));
        else {
          // go 1.5: PCs only, stored in the later layout with no func, file or line.
          const f = new Float64Array(STACK_FRAME_FIELDS * size);
          for (let k = 0; k < size; k++) f[STACK_FRAME_FIELDS * k] = scratch[2 + k];
          stacks.set(scratch[0], f);
        }
      }
      continue;
    }
    if (na !== want[typ]) {
      semantic = new TraceError(
        `${names[typ]} has wrong number of arguments at offset 0x${off0.toString(16)}: want ${want[typ]}, got ${na}`,
        off0,
      );
      continue;
    }
    switch (typ) {
      case EvBatch: {
        lastGs[lastPs] = lastG;
        lastP = scratch[0] >= TWO63 ? signedAt(buf, argPos) : scratch[0];
        lastPs = pSlots.get(lastP);
        if (lastPs >= lastGs.length) lastGs = growF64(lastGs, lastPs + 1);
        lastG = lastGs[lastPs];
        if (old) {
          lastSeq = scratch[1];
          lastTs = scratch[2];
        } else {
          lastTs = scratch[1];
        }
        continue;
      }
      case EvFrequency:
        ticksPerSec = scratch[0];
        if (ticksPerSec <= 0 || ticksPerSec >= TWO63) {
          semantic = new TraceError(`time stamps out of order: bad frequency ${ticksPerSec}`, off0);
        }
        continue;
      case EvTimerGoroutine:
        timerGoids.add(scratch[0]);
        continue;
    }

    // A timed event.
    if (n === cap) {
      cols.grow();
      cap = cols.cap;
      cType = cols.type;
      cTs = cols.ts;
      cGs = cols.gs;
      cStk = cols.stk;
      cArgAt = cols.argAt;
      cOff = cols.off;
      cGroup = cols.group;
      cSeq = cols.seq;
    }
    // The first argument after the tick delta (go 1.5: after the seq and tick deltas).
    let first = 1;
    if (old) {
      lastSeq += scratch[0];
      cSeq![n] = lastSeq;
      scratch[0] = scratch[1];
      first = 2;
    }
    const ts = lastTs + scratch[0];
    lastTs = ts;
    // Fresh columns are zero and each slot is written once: unused arguments stay 0.
    if (ap + 8 > A.length) {
      cols.growArgs();
      A = cols.args;
    }
    const a = ap;
    ap += reserve[typ];
    let stk = 0;
    let last = na;
    if (hasStack[typ] === 1) stk = scratch[--last];
    // At most 3 arguments (want[] bounds na).
    if (last > first) {
      A[a] = scratch[first];
      if (last > first + 1) {
        A[a + 1] = scratch[first + 1];
        if (last > first + 2) A[a + 2] = scratch[first + 2];
      }
    }
    let g = lastG;
    let evTs = ts;
    let key = lastP;
    switch (ATTRIBUTION[typ]) {
      case A_STARTS_G:
        lastG = A[a];
        g = lastG;
        break;
      case A_STW:
        g = 0;
        A[a + LAST_G_SLOT[typ]] = lastG;
        if (A[a] >= stwKinds.kinds.length && stwKinds.unknown === null) {
          semantic = new TraceError(`unknown STW kind ${A[a]}`, off0);
          continue;
        }
        break;
      case A_GLOBAL:
        g = 0;
        A[a + LAST_G_SLOT[typ]] = lastG;
        break;
      case A_STOPS_G:
        lastG = 0;
        break;
      case A_G_IN_ARG:
        g = A[a];
        break;
      case A_OTHER:
        if (typ === EvUserLog) inline.set(n, message ?? '');
        else if (typ === EvFutileWakeup) hasFutile = true;
        break;
      case A_CPU_SAMPLE:
        // [delta, handler ticks, P, G, stack]: ordered by the handler's ticks on their own P.
        evTs = A[a];
        if (A[a + 1] >= TWO63) A[a + 1] = signedAt(buf, skipVarints(buf, argPos, 2));
        g = A[a + 2];
        A[a] = 0;
        key = PROFILE_P;
        break;
    }
    // Consecutive events almost always share their batch and goroutine: skip the lookups then.
    let gi = lastGroup;
    if (key !== lastKey) {
      gi = groupSlots.get(key);
      if (gi === groupP.length) groupP.push(key);
      lastKey = key;
      lastGroup = gi;
    }
    if (g !== cacheG) {
      cacheG = g;
      cacheS = gSlots.get(g);
    }
    if (stk > 0xffffffff && cStk instanceof Uint32Array) cStk = cols.stk = Float64Array.from(cStk);
    cType[n] = typ;
    cTs[n] = evTs;
    cGs[n] = cacheS;
    cStk[n] = stk;
    cOff[n] = off0;
    cArgAt[n] = a;
    cGroup[n] = gi;
    n++;
  }

  if (semantic !== null) throw semantic;
  if (n === 0) throw new TraceError('trace is empty', end);
  if (ticksPerSec === 0) throw new TraceError('no EvFrequency event', end);

  return {
    version: ver,
    ticksPerSec,
    n,
    type: cType,
    ts: cTs,
    gs: cGs,
    gSlots,
    stk: cStk,
    args: A,
    argAt: cArgAt,
    off: cOff,
    group: cGroup,
    groupP,
    inline,
    strings,
    stacks,
    timerGoids,
    hasFutile,
    seq: cSeq,
    names,
    pcStacks: null,
  };
}

function readFail(vr: UvarintResult, pos: number): TraceError {
  return vr.len === 0
    ? new TraceError(`failed to read trace at offset ${pos}: unexpected end of data`, pos)
    : new TraceError(`bad value at offset 0x${pos.toString(16)}`, pos);
}

function argFail(vr: UvarintResult, typ: number, pos: number, off0: number): TraceError {
  const why = vr.len === 0 ? 'unexpected end of data' : 'bad value';
  return new TraceError(`failed to read event ${typ} argument at offset ${pos} (${why})`, vr.len === 0 ? pos : off0);
}

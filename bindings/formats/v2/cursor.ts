// BatchCursor: walks one M's batches of a generation, one decoded timed event at a
// time; plus the min-heap (on event time) of cursors that forms the reader's frontier.
//
// Layout: a per-M batch payload is a run of timed events: type byte, dt (ticks since
// the previous event of the batch, or since the batch's time), then the type's args.
// Invariants: never reads past a batch's payload; every malformed byte is a TraceError
// with its offset; times are nanoseconds (ticks × ns-per-tick, truncated as Go does, with
// Go's int64 conversion and wrap-around for values no real trace reaches: gotime.ts).
// The heap uses Go's sift rules so that events with equal times are tried in the same
// order as Go's reader. Owner: the Go1.22+ format (bindings/formats/v2/).

import { decodeUvarint, type UvarintResult } from '../uvarint.ts';
import { TraceError } from '../event.ts';
import type { Batch } from './batch.ts';
import { newEventArgs, type AdvanceSource, type EventArgs, type MState } from './order.ts';
import type { VersionTable } from './spec.ts';
import { goAdd, goTicksToNs, TIME_ZERO } from './gotime.ts';

const timedArgsCache = new WeakMap<VersionTable, Int8Array>();

function timedArgsOf(t: VersionTable): Int8Array {
  let a = timedArgsCache.get(t);
  if (!a) {
    a = new Int8Array(256);
    for (let i = 0; i < 256; i++) a[i] = t.timed[i] ? t.nargs[i] : 0;
    timedArgsCache.set(t, a);
  }
  return a;
}

/** Walks one M's batches of a generation, one decoded event at a time. */
export class BatchCursor implements AdvanceSource {
  ms: MState | null = null;
  // The current event.
  type = 0;
  time = TIME_ZERO;
  offset = 0;
  batch = 0;
  readonly args: EventArgs = newEventArgs();
  // The batch being read: kept in fields so next() touches no other object.
  private idx = -1;
  private data: Uint8Array = new Uint8Array(0);
  private off = 0;
  private base = 0;
  private lastTs = TIME_ZERO;
  /** The batch's time in ns: where a delta chain (re)starts. */
  private batchTs = TIME_ZERO;
  private readonly nargs: Int8Array;
  /** freq is a whole number of nanoseconds per tick. */
  private readonly intFreq: boolean;
  /** Arg count (dt included) of timed events, 0 for the others. */
  private readonly timedArgs: Int8Array;

  constructor(
    readonly m: number,
    private readonly batches: Batch[],
    table: VersionTable,
    private readonly freq: number,
    private readonly gen: number,
    private readonly u: UvarintResult,
  ) {
    this.nargs = table.nargs;
    this.timedArgs = timedArgsOf(table);
    this.intFreq = Number.isInteger(freq);
  }

  /** Move to the next non-empty batch; false when there is none. */
  private nextBatch(): boolean {
    const batches = this.batches;
    for (;;) {
      this.idx++;
      if (this.idx >= batches.length) return false;
      const b = batches[this.idx];
      if (b.data.length === 0) continue;
      this.data = b.data;
      this.off = 0;
      this.base = b.offset;
      this.batch = b.index;
      // Each batch restarts the delta chain from its own base time.
      this.batchTs = goTicksToNs(b.time, this.freq);
      this.lastTs = this.batchTs;
      return true;
    }
  }

  /**
   * Decode the next event; false at the end of the M's batches. Kept small (the rare cases are
   * the methods below) so that V8 inlines it into the frontier's loop.
   */
  next(): boolean {
    if (this.off >= this.data.length && !this.nextBatch()) return false;
    const d = this.data;
    const end = d.length;
    let pos = this.off;
    const typ = d[pos];
    const n = this.timedArgs[typ];
    if (n <= 0) throw this.badType(typ, pos);
    this.offset = this.base + pos;
    pos++;
    // One-byte varints are the common case: decode them inline.
    let dt: number;
    let x = pos < end ? d[pos] : 0x80;
    if (x < 0x80) {
      dt = x;
      pos++;
    } else {
      dt = this.uvarint(d, pos, 'found invalid uvarint for timestamp');
      pos += this.u.len;
    }
    const args = this.args;
    for (let i = 0; i < n - 1; i++) {
      x = pos < end ? d[pos] : 0x80;
      if (x < 0x80) {
        args[i] = x;
        pos++;
        continue;
      }
      // Two-byte varints (ids, sequence numbers) are common too.
      if (pos + 1 < end && d[pos + 1] < 0x80) {
        args[i] = (x & 0x7f) | (d[pos + 1] << 7);
        pos += 2;
        continue;
      }
      args[i] = this.uvarint(d, pos, 'found invalid uvarint');
      pos += this.u.len;
    }
    // args past n-1 keep stale values: no reader looks past the type's own args.
    this.type = typ;
    // A whole number of nanoseconds per tick (64 on Linux) needs no rounding: the product
    // of two integers is an integer-valued double (exact below 2^53, and every double
    // above that is an integer), so Math.floor would return it unchanged.
    let t = dt * this.freq + this.lastTs;
    if (!this.intFreq || !(t < 2 ** 53 && t >= 0) || dt >= 2 ** 53) t = this.slowTime(dt);
    this.time = t;
    // Go keeps "0" as "not started": after an event at time 0 the chain restarts at the batch time.
    this.lastTs = t !== 0 ? t : this.batchTs;
    this.off = pos;
    return true;
  }

  /** The event's time when the frequency is fractional or the sum leaves the exact range. */
  private slowTime(dt: number): number {
    const t = (this.intFreq ? dt * this.freq : Math.floor(dt * this.freq)) + this.lastTs;
    if (!(t < 2 ** 53 && t >= 0) || dt >= 2 ** 53) return goAdd(goTicksToNs(dt, this.freq), this.lastTs);
    return t;
  }

  /** A varint of more than one byte (or a bad one) at pos: its value, its length in u.len. */
  private uvarint(d: Uint8Array, pos: number, what: string): number {
    // Up to four bytes (values below 2^28: sequence numbers, ids) here; longer ones and errors
    // in decodeUvarint.
    const end = pos + 4 < d.length ? pos + 4 : d.length;
    let v = 0;
    for (let i = pos, shift = 0; i < end; i++, shift += 7) {
      const b = d[i];
      v |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.u.len = i + 1 - pos;
        return v;
      }
    }
    const u = decodeUvarint(d, pos, d.length, this.u);
    if (u.len <= 0) throw new TraceError(what, this.base + pos, this.gen, this.batch);
    return u.value;
  }

  /** The error for a type byte that starts no timed event. */
  private badType(typ: number, pos: number): TraceError {
    if (this.nargs[typ] < 0) return new TraceError(`found invalid event type: ${typ}`, this.base + pos, this.gen, this.batch);
    return new TraceError(`found event without a timestamp: type=${typ}`, this.base + pos, this.gen, this.batch);
  }
}

// Min-heap of cursors on time, with the same sift rules as Go's reader so that ties
// are tried in the same order.
export function siftUp(h: BatchCursor[], i: number): number {
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!(h[p].time > h[i].time)) break;
    const t = h[p];
    h[p] = h[i];
    h[i] = t;
    i = p;
  }
  return i;
}

export function siftDown(h: BatchCursor[], i: number): void {
  for (;;) {
    let m = i;
    let minT = i < h.length ? h[i].time : Infinity;
    const l = 2 * i + 1;
    const r = l + 1;
    if (l < h.length && h[l].time < minT) {
      minT = h[l].time;
      m = l;
    }
    if (r < h.length && h[r].time < minT) m = r;
    if (m === i) return;
    const t = h[i];
    h[i] = h[m];
    h[m] = t;
    i = m;
  }
}

export function heapRemove(h: BatchCursor[], i: number): void {
  while (i > 0) {
    const p = (i - 1) >> 1;
    const t = h[p];
    h[p] = h[i];
    h[i] = t;
    i = p;
  }
  h[0] = h[h.length - 1];
  h.pop();
  siftDown(h, 0);
}


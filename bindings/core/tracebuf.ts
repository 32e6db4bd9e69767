// TraceBuf: the typed API over a trace buffer in shared memory (assembly/tracebuf.ts has the
// layout). One owner appends; every append returns false, having written nothing, when the
// buffer is full, so the owner flushes (bytes() then reset()) and appends again.
// The per-event paths (timedEvent, ensure, the header words) read and write the layout here,
// in the same memory, instead of calling into the core: a call and the staging of the
// arguments cost more than the encoding. They produce the core's bytes exactly; whatever they
// do not handle (a bigint, a negative or fractional argument, a buffer close to full) goes to
// the core's function.

import type { Core } from './wasm.ts';

const utf8 = new TextEncoder();

export class TraceBuf {
  private scratch = 0;
  private scratchBytes = 0;

  private constructor(
    private readonly core: Core,
    readonly addr: number,
    readonly capacity: number,
  ) {}

  static create(core: Core, capacity: number): TraceBuf {
    if (!Number.isInteger(capacity) || capacity < 16 || capacity > 1 << 30) {
      throw new RangeError(`traceBuf: capacity must be an integer in [16, 2^30], got ${capacity}`);
    }
    const addr = core.mem.alloc(core.exports.traceBufBytes(capacity));
    core.exports.traceBufInit(addr, capacity);
    return new TraceBuf(core, addr, capacity);
  }

  static attach(core: Core, addr: number): TraceBuf {
    return new TraceBuf(core, addr, core.mem.u32[(addr >>> 2) + 1]);
  }

  get length(): number {
    return this.core.mem.u32[this.addr >>> 2];
  }

  get available(): number {
    return this.core.exports.traceBufAvail(this.addr);
  }

  get lastTs(): number {
    const u32 = this.core.mem.u32;
    const w = this.addr >>> 2;
    return u32[w + 2] + u32[w + 3] * 4294967296;
  }

  set lastTs(ts: number) {
    if (!(ts >= 0 && ts <= Number.MAX_SAFE_INTEGER && Math.floor(ts) === ts)) {
      this.core.exports.traceBufSetLastTs(this.addr, ts);
      return;
    }
    const u32 = this.core.mem.u32;
    const w = this.addr >>> 2;
    u32[w + 2] = ts >>> 0;
    u32[w + 3] = Math.floor(ts / 4294967296) >>> 0;
  }

  ensure(n: number): boolean {
    return this.core.mem.u32[this.addr >>> 2] + n <= this.capacity;
  }

  byte(b: number): boolean {
    return this.core.exports.traceBufByte(this.addr, b & 0xff) >= 0;
  }

  /** Append a uvarint: a number (exact below 2^53) or a bigint (any 64-bit value). */
  uvarint(v: number | bigint): boolean {
    if (typeof v === 'bigint') {
      if (v < 0n || v >= 1n << 64n) throw new RangeError(`uvarint out of range: ${v}`);
      return this.core.exports.traceBufUvarint(this.addr, v) >= 0;
    }
    if (!(v >= 0) || !Number.isInteger(v) || v > Number.MAX_SAFE_INTEGER) throw new RangeError(`uvarint out of range: ${v}`);
    return this.core.exports.traceBufUvarintF(this.addr, v) >= 0;
  }

  private stage(n: number): number {
    if (n > this.scratchBytes) {
      this.scratchBytes = Math.max(n, 256);
      this.scratch = this.core.mem.alloc(this.scratchBytes, 8);
    }
    return this.scratch;
  }

  raw(bytes: Uint8Array): boolean {
    const p = this.stage(bytes.length);
    this.core.mem.u8.set(bytes, p);
    return this.core.exports.traceBufRaw(this.addr, p, bytes.length) >= 0;
  }

  /** Append a string as Go writes it: uvarint byte length, then UTF-8 bytes. */
  string(s: string): boolean {
    const bytes = utf8.encode(s);
    const p = this.stage(bytes.length);
    this.core.mem.u8.set(bytes, p);
    return this.core.exports.traceBufString(this.addr, p, bytes.length) >= 0;
  }

  /** Append an event: head byte, then uvarint args (numbers below 2^53). All or nothing. */
  event(head: number, args: ArrayLike<number>): boolean {
    const p = this.stage(8 * args.length);
    const mem = this.core.mem;
    for (let i = 0; i < args.length; i++) mem.setWord(p + 8 * i, args[i]);
    return this.core.exports.traceBufEvent(this.addr, head & 0xff, p, args.length) >= 0;
  }

  /**
   * Append a timed event (see traceBufTimedEvent in assembly/tracebuf.ts): head byte, optional
   * length byte, timestamp delta from lastTs (at least minDelta), then the args. False when full.
   */
  timedEvent(head: number, lenPrefix: boolean, ts: number, minDelta: number, args: ArrayLike<number | bigint>): boolean {
    const n = args.length;
    const mem = this.core.mem;
    const u32 = mem.u32;
    const w = this.addr >>> 2;
    const pos = u32[w];
    // The fast path needs room for the longest encoding and integer times; bytes past `pos`
    // are scratch until `pos` moves, so a path abandoned half-way leaves nothing behind.
    if (pos + 2 + 10 * (n + 1) > this.capacity || !(ts >= 0 && ts <= Number.MAX_SAFE_INTEGER && Math.floor(ts) === ts)) {
      return this.timedEventCore(head, lenPrefix, ts, minDelta, args);
    }
    const u8 = mem.u8;
    const last = u32[w + 2] + u32[w + 3] * 4294967296;
    let t = ts;
    if (t < last + minDelta) t = last + minDelta;
    const start = this.addr + 16 + pos;
    let p = start;
    u8[p++] = head & 0xff;
    const lenAt = p;
    if (lenPrefix) p++;
    p = putUvarint(u8, p, t - last);
    for (let i = 0; i < n; i++) {
      const v = args[i];
      if (typeof v !== 'number' || !isUvarint(v)) {
        return this.timedEventCore(head, lenPrefix, ts, minDelta, args);
      }
      p = putUvarint(u8, p, v);
    }
    if (lenPrefix) u8[lenAt] = (p - lenAt - 1) & 0xff;
    u32[w] = pos + (p - start);
    u32[w + 2] = t >>> 0;
    u32[w + 3] = Math.floor(t / 4294967296) >>> 0;
    return true;
  }

  /** timedEvent with its n (at most 4) arguments given one by one (a0..a3; those past n are
   *  ignored): the tracers' per-event path, with no array to build. Its encoding repeats
   *  timedEvent's on purpose: a shared helper would have to hand back three values (position,
   *  length byte, time) per event, an object or fields written on the hottest path there is. */
  timedN(head: number, lenPrefix: boolean, ts: number, minDelta: number, n: number, a0: number, a1: number, a2: number, a3: number): boolean {
    const mem = this.core.mem;
    const u32 = mem.u32;
    const w = this.addr >>> 2;
    const pos = u32[w];
    if (pos + 2 + 10 * (n + 1) > this.capacity || !(ts >= 0 && ts <= Number.MAX_SAFE_INTEGER && Math.floor(ts) === ts) || !(
      (n < 1 || isUvarint(a0)) && (n < 2 || isUvarint(a1)) && (n < 3 || isUvarint(a2)) && (n < 4 || isUvarint(a3)))) {
      return this.timedEventCore(head, lenPrefix, ts, minDelta, [a0, a1, a2, a3].slice(0, n));
    }
    const u8 = mem.u8;
    const last = u32[w + 2] + u32[w + 3] * 4294967296;
    let t = ts;
    if (t < last + minDelta) t = last + minDelta;
    const start = this.addr + 16 + pos;
    let p = start;
    u8[p++] = head & 0xff;
    const lenAt = p;
    if (lenPrefix) p++;
    p = putUvarint(u8, p, t - last);
    if (n > 0) {
      p = putUvarint(u8, p, a0);
      if (n > 1) {
        p = putUvarint(u8, p, a1);
        if (n > 2) {
          p = putUvarint(u8, p, a2);
          if (n > 3) p = putUvarint(u8, p, a3);
        }
      }
    }
    if (lenPrefix) u8[lenAt] = (p - lenAt - 1) & 0xff;
    u32[w] = pos + (p - start);
    u32[w + 2] = t >>> 0;
    u32[w + 3] = Math.floor(t / 4294967296) >>> 0;
    return true;
  }

  /** timedEvent by the core's function: any argument (bigints, 64-bit values). */
  private timedEventCore(head: number, lenPrefix: boolean, ts: number, minDelta: number, args: ArrayLike<number | bigint>): boolean {
    const p = this.stage(8 * args.length + 8);
    const mem = this.core.mem;
    for (let i = 0; i < args.length; i++) {
      const v = args[i];
      if (typeof v === 'bigint') mem.b64[(p >>> 3) + i] = v;
      else mem.setWord(p + 8 * i, v);
    }
    return this.core.exports.traceBufTimedEvent(this.addr, head & 0xff, lenPrefix ? 1 : 0, ts, minDelta, p, args.length) >= 0;
  }

  /** Zero-copy view of what has been written (valid until the next reset). */
  bytes(): Uint8Array {
    const start = this.core.exports.traceBufData(this.addr);
    return this.core.mem.u8.subarray(start, start + this.length);
  }

  reset(): void {
    this.core.mem.u32[this.addr >>> 2] = 0;
  }
}

/** Whether putUvarint encodes v as the core does: a non-negative integer below 2^53. */
function isUvarint(v: number): boolean {
  return v >= 0 && v <= Number.MAX_SAFE_INTEGER && Math.floor(v) === v;
}

/** LEB128 of a non-negative integer below 2^53 at u8[p]; returns the end. */
function putUvarint(u8: Uint8Array, p: number, v: number): number {
  if (v < 0x80000000) {
    while (v >= 0x80) {
      u8[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
  } else {
    while (v >= 0x80) {
      u8[p++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
  }
  u8[p++] = v;
  return p;
}

/** Decode one uvarint at a byte address with the WASM decoder: [value, length] (see uvarint.ts). */
export function wasmDecodeUvarint(core: Core, addr: number, end: number): [bigint, number] {
  const v = core.exports.uvarintDecode(addr, end);
  return [BigInt.asUintN(64, v), core.exports.uvarintDecodedLen()];
}

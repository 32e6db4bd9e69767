// TraceBuf: the typed API over a trace buffer in shared memory (assembly/tracebuf.ts has the
// layout). One owner appends; every append returns false, having written nothing, when the
// buffer is full, so the owner flushes (bytes() then reset()) and appends again.

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
    return this.core.exports.traceBufLen(this.addr);
  }

  get available(): number {
    return this.core.exports.traceBufAvail(this.addr);
  }

  get lastTs(): number {
    return this.core.exports.traceBufLastTs(this.addr);
  }

  set lastTs(ts: number) {
    this.core.exports.traceBufSetLastTs(this.addr, ts);
  }

  ensure(n: number): boolean {
    return this.core.exports.traceBufEnsure(this.addr, n) === 1;
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
    this.core.exports.traceBufReset(this.addr);
  }
}

/** Decode one uvarint at a byte address with the WASM decoder: [value, length] (see uvarint.ts). */
export function wasmDecodeUvarint(core: Core, addr: number, end: number): [bigint, number] {
  const v = core.exports.uvarintDecode(addr, end);
  return [BigInt.asUintN(64, v), core.exports.uvarintDecodedLen()];
}

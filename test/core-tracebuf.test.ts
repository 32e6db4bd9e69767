// Trace buffers and LEB128 varints: exact bytes, round trips, and the full-buffer signal.
import { describe, expect, it } from 'vitest';
import { loadCore, TraceBuf, Rand, wasmDecodeUvarint } from '../bindings/core/index.ts';
import { decodeUvarint, decodeUvarintBig, encodeUvarint, uvarintSize } from '../bindings/formats/uvarint.ts';

const core = loadCore();
const EDGES: bigint[] = [0n, 127n, 128n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n, 2n ** 64n - 1n];

function randomValues(n: number): bigint[] {
  const r = new Rand(42);
  const out: bigint[] = [];
  for (let i = 0; i < n; i++) {
    const bits = BigInt(r.int(1, 64));
    const v = (BigInt(r.u32()) << 32n) | BigInt(r.u32());
    out.push(v & ((1n << bits) - 1n));
  }
  return out;
}

describe('uvarint', () => {
  it('encodes the edge values to the exact LEB128 bytes', () => {
    const tb = TraceBuf.create(core, 256);
    for (const v of EDGES) tb.uvarint(v);
    expect(Array.from(tb.bytes())).toEqual([
      0x00,
      0x7f,
      0x80, 0x01,
      0xff, 0xff, 0xff, 0xff, 0x0f,
      0x80, 0x80, 0x80, 0x80, 0x10,
      0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10,
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
    ]);
  });

  it('round-trips edge and random values through WASM and TS, each way', () => {
    const values = [...EDGES, ...randomValues(5000)];
    const tb = TraceBuf.create(core, 11 * values.length);
    for (const v of values) expect(tb.uvarint(v)).toBe(true);
    const bytes = tb.bytes().slice();
    // TS encoder produces the same bytes.
    const ts = new Uint8Array(bytes.length);
    let pos = 0;
    for (const v of values) pos = encodeUvarint(ts, pos, v);
    expect(pos).toBe(bytes.length);
    expect(ts).toEqual(bytes);
    // Both decoders read them back.
    const addr = core.exports.traceBufData(tb.addr);
    let p = 0;
    for (const v of values) {
      const [w, len] = wasmDecodeUvarint(core, addr + p, addr + bytes.length);
      const [t, tlen] = decodeUvarintBig(bytes, p, bytes.length);
      expect([w, len]).toEqual([v, uvarintSize(v)]);
      expect([t, tlen]).toEqual([v, len]);
      p += len;
    }
    expect(p).toBe(bytes.length);
  });

  it('decodes numbers exactly up to 2^53 on the TS fast path', () => {
    const out = { value: 0, len: 0 };
    const buf = new Uint8Array(10);
    for (const v of [0, 127, 128, 2 ** 32 - 1, 2 ** 32, 2 ** 53]) {
      const end = encodeUvarint(buf, 0, v);
      expect(decodeUvarint(buf, 0, end, out)).toEqual({ value: v, len: end });
    }
  });

  it('reports truncation (0) and values over 64 bits (-1) instead of throwing', () => {
    const addr = core.mem.alloc(16);
    const u8 = core.mem.u8;
    u8.set([0x80, 0x80], addr);
    expect(wasmDecodeUvarint(core, addr, addr + 2)[1]).toBe(0);
    expect(decodeUvarintBig(u8, addr, addr + 2)[1]).toBe(0);
    u8.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02], addr);
    expect(wasmDecodeUvarint(core, addr, addr + 10)[1]).toBe(-1);
    expect(decodeUvarintBig(u8, addr, addr + 10)[1]).toBe(-1);
    u8.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x80, 0x01], addr);
    expect(wasmDecodeUvarint(core, addr, addr + 11)[1]).toBe(-1);
    expect(decodeUvarint(u8, addr, addr + 11, { value: 0, len: 0 }).len).toBe(-1);
  });

  it('refuses values that are not unsigned 64-bit integers', () => {
    const tb = TraceBuf.create(core, 64);
    expect(() => tb.uvarint(-1)).toThrow(RangeError);
    expect(() => tb.uvarint(1.5)).toThrow(RangeError);
    expect(() => tb.uvarint(2n ** 64n)).toThrow(RangeError);
    expect(tb.length).toBe(0);
  });
});

describe('traceBuf', () => {
  it('appends bytes, strings and events and signals full without writing a partial value', () => {
    const tb = TraceBuf.create(core, 16);
    expect(tb.byte(0x41)).toBe(true);
    expect(tb.string('héllo')).toBe(true); // 6 UTF-8 bytes, prefixed by 6
    expect(tb.event(0x40 | 5, [300, 1])).toBe(true); // head, 0xac 0x02, 0x01
    expect(Array.from(tb.bytes())).toEqual([0x41, 6, 0x68, 0xc3, 0xa9, 0x6c, 0x6c, 0x6f, 0x45, 0xac, 0x02, 0x01]);
    expect(tb.length).toBe(12);
    expect(tb.available).toBe(4);
    expect(tb.event(0x07, [2 ** 40])).toBe(false); // 1 + 6 bytes do not fit
    expect(tb.uvarint(2 ** 35)).toBe(false); // 6 bytes
    expect(tb.string('abcd')).toBe(false); // 5 bytes
    expect(tb.length).toBe(12);
    expect(tb.ensure(4)).toBe(true);
    expect(tb.ensure(5)).toBe(false);
    expect(tb.raw(new Uint8Array([1, 2, 3, 4]))).toBe(true);
    expect(tb.byte(9)).toBe(false);
    expect(tb.length).toBe(16);
    tb.reset();
    expect(tb.length).toBe(0);
    expect(tb.byte(9)).toBe(true);
  });

  it('writes a timed event: head, length byte for 3+ args, tick delta (at least minDelta), args', () => {
    const tb = TraceBuf.create(core, 64);
    tb.lastTs = 1000;
    expect(tb.timedEvent(0x40 | 14, false, 1300, 1, [7, 2])).toBe(true); // GoStart-like, 2 args
    expect(tb.lastTs).toBe(1300);
    expect(tb.timedEvent(0xc0 | 13, true, 1300, 1, [9, 3, 2n ** 64n - 1n])).toBe(true); // same ts → +1
    expect(tb.lastTs).toBe(1301);
    expect(tb.timedEvent(0x05, false, 1200, 0, [])).toBe(true); // earlier ts, minDelta 0 → delta 0
    expect(Array.from(tb.bytes())).toEqual([
      0x4e, 0xac, 0x02, 0x07, 0x02,
      0xcd, 13, 0x01, 0x09, 0x03, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
      0x05, 0x00,
    ]);
    const full = TraceBuf.create(core, 16);
    expect(full.timedEvent(0x41, false, 5, 1, [2 ** 50, 2 ** 50])).toBe(false); // 1+1+8+8 > 16
    expect(full.length).toBe(0);
    expect(full.lastTs).toBe(0);
  });

  it('encodes timed events in TS (timedEvent, timedN) to the core function\'s exact bytes, full or not', () => {
    // The same random events through the TS fast paths and through traceBufTimedEvent itself,
    // into buffers small enough to fill: equal bytes, lengths, last timestamps and verdicts.
    const r = new Rand(7);
    const pick = (): number => {
      switch (r.int(0, 5)) {
        case 0: return r.int(0, 127);
        case 1: return r.int(128, 2 ** 31 - 1);
        case 2: return 2 ** 31 + r.int(0, 2 ** 31);
        case 3: return Math.floor(r.float() * 2 ** 53);
        case 4: return -r.int(1, 5); // not a uvarint: the core's two's-complement words
        default: return r.int(0, 1000) + 0.5; // fractional: the core truncates
      }
    };
    const viaCore = (tb: TraceBuf, head: number, len: boolean, ts: number, min: number, args: number[]) => {
      const p = core.mem.alloc(8 * args.length + 8, 8);
      args.forEach((v, i) => core.mem.setWord(p + 8 * i, v));
      return core.exports.traceBufTimedEvent(tb.addr, head, len ? 1 : 0, ts, min, p, args.length) >= 0;
    };
    const a = TraceBuf.create(core, 200);
    const b = TraceBuf.create(core, 200);
    const c = TraceBuf.create(core, 200);
    let ts = 2 ** 40;
    for (let i = 0; i < 3000; i++) {
      const n = r.int(0, 4);
      const args = Array.from({ length: n }, pick);
      const head = r.int(0, 255);
      const len = n >= 3;
      ts += r.int(-3, 100_000);
      const min = r.int(0, 1);
      const want = viaCore(a, head, len, ts, min, args);
      expect(b.timedEvent(head, len, ts, min, args)).toBe(want);
      expect(c.timedN(head, len, ts, min, n, args[0] ?? 0, args[1] ?? 0, args[2] ?? 0, args[3] ?? 0)).toBe(want);
      expect([b.length, b.lastTs, c.length, c.lastTs]).toEqual([a.length, a.lastTs, a.length, a.lastTs]);
      expect(Array.from(b.bytes())).toEqual(Array.from(a.bytes()));
      expect(Array.from(c.bytes())).toEqual(Array.from(a.bytes()));
      if (!want) [a, b, c].forEach((t) => t.reset());
    }
  });

  it('keeps its owner\'s last timestamp for time diffs', () => {
    const tb = TraceBuf.create(core, 64);
    expect(tb.lastTs).toBe(0);
    tb.lastTs = 2 ** 45 + 7;
    expect(tb.lastTs).toBe(2 ** 45 + 7);
  });

  it('refuses a bad capacity', () => {
    expect(() => TraceBuf.create(core, 0)).toThrow(/capacity/);
    expect(() => TraceBuf.create(core, 1.5)).toThrow(/capacity/);
  });
});

describe('shared memory', () => {
  it('allocates aligned, zeroed, disjoint blocks and grows the memory when needed', () => {
    const before = core.mem.byteLength;
    const a = core.mem.alloc(100);
    const b = core.mem.alloc(8, 8);
    expect(a % 64).toBe(0);
    expect(b).toBeGreaterThanOrEqual(a + 100);
    const big = core.mem.alloc(before); // more than is left: must grow
    expect(core.mem.byteLength).toBeGreaterThan(before);
    expect(core.mem.u8[big + before - 1]).toBe(0);
    expect(() => core.mem.alloc(0)).toThrow(/bad size/);
    expect(() => core.mem.alloc(2 ** 33)).toThrow(/32-bit/);
  });
});

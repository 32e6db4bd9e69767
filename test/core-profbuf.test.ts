// profBuf, word for word, for the WASM core and its TypeScript twin alike.
import { describe, expect, it } from 'vitest';
import { loadCore, WasmProfBuf, TsProfBuf, PB, stageBatch, type ProfBuf, type Core } from '../bindings/core/index.ts';

const core: Core = loadCore();

type Make = (hdrsize: number, words: number, tags: number) => ProfBuf;
const impls: [string, Make][] = [
  ['wasm', (h, w, t) => WasmProfBuf.create(core, h, w, t)],
  ['ts', (h, w, t) => TsProfBuf.create(core.mem, h, w, t)],
];

/** The ring's raw words [from, to) as numbers. */
function ring(pb: ProfBuf, from: number, to: number): number[] {
  const data = core.mem.u32[(pb.addr + PB.DATA) >> 2];
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(core.mem.word(data + 8 * i));
  return out;
}
function tagSlots(pb: ProfBuf): number[] {
  const tags = core.mem.u32[(pb.addr + PB.TAGS) >> 2] >>> 2;
  return Array.from(core.mem.u32.subarray(tags, tags + pb.tagSlots));
}
const wWord = (pb: ProfBuf) => core.mem.b64[(pb.addr + PB.W) >> 3];
const rWord = (pb: ProfBuf) => core.mem.b64[(pb.addr + PB.R) >> 3];
const readWords = (pb: ProfBuf) => {
  const v = pb.read();
  return { status: v.status, words: Array.from({ length: v.words }, (_, i) => v.word(i)), tags: Array.from(v.tags()) };
};

// A (8 words) is read; B fits behind it; C and D are lost; the read that hands A back
// returns B; E then fits together with the overflow record, which the writer emits first
// (at the start of the ring, after a skip marker), stamped with C's time.
function overflowScenario(writer: ProfBuf, reader: ProfBuf) {
  const out: unknown[] = [];
  out.push(writer.write(1, 10, [11], [1, 2, 3, 4, 5]));
  out.push(readWords(reader));
  out.push(writer.write(2, 20, [12], [1, 2, 3]));
  out.push(writer.write(3, 30, [13], [1]), writer.write(4, 40, [14], []), writer.pendingOverflow());
  out.push(readWords(reader));
  out.push(writer.write(5, 50, [15], [9]), writer.pendingOverflow());
  out.push(readWords(reader));
  writer.close();
  out.push(reader.read().status);
  return out;
}
const OVERFLOW_SCENARIO = [
  true,
  { status: 'data', words: [8, 10, 11, 1, 2, 3, 4, 5], tags: [1] },
  true,
  false, false, 2,
  { status: 'data', words: [6, 20, 12, 1, 2, 3], tags: [2] },
  true, 0,
  { status: 'data', words: [4, 30, 0, 2, 4, 50, 15, 9], tags: [0, 5] },
  'eof',
];

describe.each(impls)('profBuf (%s)', (_name, make) => {
  it('rounds sizes up to powers of two, with room for one overflow record', () => {
    const a = make(3, 100, 5);
    expect([a.hdrsize, a.dataWords, a.tagSlots]).toEqual([3, 128, 8]);
    const b = make(3, 1, 1);
    expect([b.dataWords, b.tagSlots]).toEqual([8, 1]); // 2 + 3 + 1 = 6 words → 8
    const c = make(0, 1 << 17, 1 << 14);
    expect([c.dataWords, c.tagSlots]).toEqual([1 << 17, 1 << 14]);
  });

  it('refuses invalid sizes with an error naming the argument', () => {
    expect(() => make(-1, 16, 4)).toThrow(/header words.*-1/);
    expect(() => make(1.5, 16, 4)).toThrow(/header words/);
    expect(() => make(1, 0, 4)).toThrow(/data words.*got 0/);
    expect(() => make(1, 1 << 28, 4)).toThrow(/data words/);
    expect(() => make(1, 16, 0)).toThrow(/tag slots.*got 0/);
    expect(() => make(1, 16, NaN)).toThrow(/tag slots/);
    expect(() => make(1, 16, 1 << 28)).toThrow(/tag slots/);
  });

  it('lays a record out as [length, time, header zero-padded, stack] with a parallel tag', () => {
    const pb = make(2, 32, 4);
    expect(pb.write(5, 1000, [7], [100, 200])).toBe(true);
    expect(ring(pb, 0, 6)).toEqual([6, 1000, 7, 0, 100, 200]);
    expect(tagSlots(pb)).toEqual([5, 0, 0, 0]);
    expect(wWord(pb)).toBe((1n << 34n) | 6n); // one tag, six data words, no flags
    expect(readWords(pb)).toEqual({ status: 'data', words: [6, 1000, 7, 0, 100, 200], tags: [5] });
    // The next read commits the first: r catches up with w and the tag slot is cleared.
    expect(readWords(pb).status).toBe('empty');
    expect(rWord(pb)).toBe((1n << 34n) | 6n);
    expect(tagSlots(pb)).toEqual([0, 0, 0, 0]);
  });

  it('keeps 64-bit words exact', () => {
    const pb = make(1, 32, 4);
    const big = 2 ** 53 - 1;
    pb.write(0, 2 ** 40 + 3, [2 ** 33], [big, 0xffffffff]);
    const v = pb.read();
    expect(Array.from(v.data())).toEqual([5n, 2n ** 40n + 3n, 2n ** 33n, BigInt(big), 0xffffffffn]);
  });

  it('returns views into the shared memory itself, valid until the next read', () => {
    const pb = make(1, 32, 4);
    pb.write(9, 1, [1], [2, 3]);
    const v = pb.read();
    const data = core.mem.u32[(pb.addr + PB.DATA) >> 2];
    expect(v.dataAddr).toBe(data);
    expect(v.data().buffer).toBe(core.mem.memory.buffer);
  });

  it('counts writes that do not fit and emits the overflow record before the next that fits', () => {
    const pb = make(1, 16, 8);
    expect(overflowScenario(pb, pb)).toEqual(OVERFLOW_SCENARIO);
  });

  it('has the reader synthesize the overflow record when the ring is otherwise empty', () => {
    const pb = make(2, 8, 4); // 8 words: one record of 2+2+4
    expect(pb.write(1, 100, [1, 2], [7, 8, 9, 10])).toBe(true);
    expect(pb.write(2, 200, [3, 4], [1])).toBe(false);
    expect(pb.write(3, 300, [5, 6], [1])).toBe(false);
    expect(pb.write(4, 400, [7, 8], [1])).toBe(false);
    expect(readWords(pb).words).toEqual([8, 100, 1, 2, 7, 8, 9, 10]);
    // This read hands the 8 words back; nothing else is there, so it reports the loss.
    expect(readWords(pb)).toEqual({ status: 'data', words: [5, 200, 0, 0, 3], tags: [0] });
    expect(pb.pendingOverflow()).toBe(0);
    expect(readWords(pb).status).toBe('empty');
  });

  it('keeps counting while an overflow is pending and only the new record would fit', () => {
    const pb = make(1, 16, 8);
    pb.write(1, 1, [1], [1, 2, 3, 4, 5]); // A: words 0..7
    pb.read(); // hands out A (returned to the writer at the next read)
    pb.write(2, 2, [1], [1, 2, 3]); // B: words 8..13
    expect(pb.write(3, 3, [1], [1])).toBe(false); // C: 4 words, 2 free
    expect(readWords(pb).words).toEqual([6, 2, 1, 1, 2, 3]); // commits A, returns B
    // 8 contiguous words free at the start: D (7) alone fits, overflow (4) + D does not.
    expect(pb.write(4, 4, [1], [1, 2, 3, 4])).toBe(false);
    expect(pb.pendingOverflow()).toBe(2);
    expect(pb.write(5, 5, [1], [9])).toBe(true); // overflow (4) + E (4) = 8
    expect(readWords(pb).words).toEqual([4, 3, 0, 2, 4, 5, 1, 9]);
  });

  it('never wraps a record around the end: a zero length word skips the tail', () => {
    const pb = make(1, 16, 4);
    expect(pb.write(1, 1, [1], [1, 2, 3, 4, 5, 6, 7])).toBe(true); // words 0..9
    expect(readWords(pb).words.length).toBe(10);
    expect(pb.read().status).toBe('empty'); // hands the 10 words back to the writer
    expect(pb.write(2, 2, [2], [1, 2, 3, 4, 5])).toBe(true); // 8 words: 10+8 > 16 → wraps
    expect(ring(pb, 10, 11)).toEqual([0]); // skip marker
    expect(ring(pb, 0, 8)).toEqual([8, 2, 2, 1, 2, 3, 4, 5]);
    expect(wWord(pb)).toBe((2n << 34n) | BigInt(10 + 6 + 8));
    const v = pb.read();
    expect(v.dataAddr).toBe(core.mem.u32[(pb.addr + PB.DATA) >> 2]);
    expect(Array.from({ length: v.words }, (_, i) => v.word(i))).toEqual([8, 2, 2, 1, 2, 3, 4, 5]);
    expect(Array.from(v.tags())).toEqual([2]);
    expect(readWords(pb).status).toBe('empty');
    expect(rWord(pb)).toBe((2n << 34n) | 24n);
  });

  it('wraps the tag ring separately and keeps tags aligned with records', () => {
    const pb = make(1, 64, 2);
    expect(pb.write(10, 1, [1], [1])).toBe(true);
    expect(pb.write(11, 2, [1], [2])).toBe(true);
    expect(pb.write(12, 3, [1], [3])).toBe(false); // tag ring full, data ring not
    let v = pb.read();
    expect(v.records().map((r) => [r.tag, r.stk[0]])).toEqual([[10, 1], [11, 2]]);
    expect(pb.write(13, 4, [1], [4])).toBe(false); // not handed back yet
    v = pb.read(); // hands them back; ring empty → synthesized overflow
    expect(v.records()).toEqual([{ time: 3, hdr: [0], stk: [2], tag: 0, overflow: 2 }]);
    expect(tagSlots(pb)).toEqual([0, 0]);
    expect(pb.write(14, 5, [1], [5])).toBe(true); // tag slot 0
    expect(pb.write(15, 6, [1], [6])).toBe(true); // tag slot 1
    expect(tagSlots(pb)).toEqual([14, 15]);
    v = pb.read();
    expect(v.records().map((r) => [r.tag, r.stk[0]])).toEqual([[14, 5], [15, 6]]);
    expect(pb.write(16, 7, [1], [7])).toBe(false); // slots not yet returned
    expect(pb.read().records()[0].overflow).toBe(1); // returns them; synthesizes the loss
    expect(pb.write(17, 8, [1], [8])).toBe(true);
    expect(pb.write(18, 9, [1], [9])).toBe(true);
    v = pb.read();
    expect(v.records().map((r) => [r.tag, r.stk[0]])).toEqual([[17, 8], [18, 9]]);
  });

  it('returns only contiguous tags when the tag ring wraps before the data ring', () => {
    const pb = make(1, 64, 4);
    for (let i = 0; i < 3; i++) pb.write(100 + i, i, [1], [i]);
    expect(pb.read().ntags).toBe(3);
    expect(pb.read().status).toBe('empty');
    for (let i = 3; i < 6; i++) expect(pb.write(100 + i, i, [1], [i])).toBe(true);
    // Tags 3,4,5 sit in slots 3,0,1: the first read stops at the end of the tag ring.
    expect(pb.read().records().map((r) => r.tag)).toEqual([103]);
    expect(pb.read().records().map((r) => r.tag)).toEqual([104, 105]);
  });

  it('reports EOF after close once drained, pending overflow included', () => {
    const pb = make(1, 8, 4);
    pb.write(1, 1, [1], [1, 2, 3, 4, 5]);
    pb.write(2, 2, [1], [1]); // lost
    pb.close();
    expect(() => pb.close()).toThrow(/already closed/);
    expect(readWords(pb).words).toEqual([8, 1, 1, 1, 2, 3, 4, 5]);
    expect(readWords(pb).words).toEqual([4, 2, 0, 1]);
    expect(pb.read().status).toBe('eof');
    expect(pb.read().eof).toBe(true);
  });

  it('saturates the lost count at 2^32-1', () => {
    const pb = make(1, 8, 4);
    pb.write(1, 1, [1], [1, 2, 3, 4, 5]);
    expect(pb.write(2, 2, [1], [1])).toBe(false);
    // Pretend 2^32-2 writes were lost so far (keep the sequence bits).
    const o = (pb.addr + PB.OVERFLOW) >> 2;
    core.mem.u32[o] = 0xfffffffe;
    expect(pb.write(3, 3, [1], [1])).toBe(false);
    expect(pb.pendingOverflow()).toBe(0xffffffff);
    expect(pb.write(4, 4, [1], [1])).toBe(false);
    expect(pb.pendingOverflow()).toBe(0xffffffff);
    pb.read();
    expect(readWords(pb).words).toEqual([4, 2, 0, 0xffffffff]);
  });

  it('writes a staged batch exactly as single writes would', () => {
    const recs = Array.from({ length: 20 }, (_, i) => ({ tag: i + 1, time: 1000 + i, hdr: [i, 2 * i, 3 * i], stk: Array.from({ length: i % 7 }, (_, k) => k * 17 + i) }));
    const one = make(3, 128, 16);
    let fitted = 0;
    for (const r of recs) if (one.write(r.tag, r.time, r.hdr, r.stk)) fitted++;
    expect(fitted).toBe(16); // 16 records fill the 16 tag slots (123 of 128 words); 4 are lost
    const batch = make(3, 128, 16);
    expect(batch.writeBatch(stageBatch(core.mem, 3, recs), recs.length)).toBe(fitted);
    for (let k = 0; k < 3; k++) expect(readWords(batch)).toEqual(readWords(one));
  });

  it('refuses a header longer than hdrsize', () => {
    const pb = make(1, 16, 4);
    expect(() => pb.write(0, 0, [1, 2], [])).toThrow(/exceeds hdrsize 1/);
  });
});

describe('profBuf: one layout, two implementations', () => {
  it('reads with TS what WASM wrote, and with WASM what TS wrote', () => {
    for (const [w, r] of [
      ['wasm', 'ts'],
      ['ts', 'wasm'],
    ] as const) {
      const writer = w === 'wasm' ? WasmProfBuf.create(core, 1, 16, 8) : TsProfBuf.create(core.mem, 1, 16, 8);
      const reader = r === 'wasm' ? WasmProfBuf.attach(core, writer.addr) : TsProfBuf.attach(core.mem, writer.addr);
      expect(overflowScenario(writer, reader)).toEqual(OVERFLOW_SCENARIO);
    }
  });
});

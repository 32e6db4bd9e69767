// A synthetic multi-generation, multi-M Go1.22 trace written straight from the spec
// table: exact event counts through every path, streaming with tiny chunks, and a
// byte-exact wire → text → wire round trip.

import { describe, expect, it } from 'vitest';
import { encodeUvarint } from '../bindings/formats/uvarint.ts';
import { TraceError } from '../bindings/formats/event.ts';
import {
  NoThread,
  batchHeaderSize,
  writeBatchHeader,
  writeEvent,
  EvFrequency,
  EvGoStart,
  EvGoStatus,
  EvGoStop,
  EvProcStatus,
  EvString,
  EvStrings,
  headerFor,
  countsV2,
  readV2,
  specTables,
  textToWire,
  validateV2,
  wireToText,
} from '../bindings/formats/v2/index.ts';

/**
 * gens generations; in each, nm Ms each own P m and goroutines 2m+1 (running) and
 * 2m+2 (runnable), and swap them `swaps` times (GoStop + GoStart per swap).
 */
function synth(gens: number, nm: number, swaps: number): Uint8Array {
  const chunks: Uint8Array[] = [headerFor(22)];
  const batch = new Uint8Array(64 << 10);
  const put = (gen: number, m: number | bigint, time: number, n: number) => {
    const h = new Uint8Array(batchHeaderSize(gen, m, time, n));
    expect(writeBatchHeader(h, 0, gen, m, time, n)).toBe(h.length);
    chunks.push(h, batch.slice(0, n));
  };
  const NO_M = NoThread;
  let time = 1000;
  for (let gen = 1; gen <= gens; gen++) {
    let n = 0;
    batch[n++] = EvFrequency;
    n = encodeUvarint(batch, n, 15625000);
    put(gen, NO_M, time, n);
    n = 0;
    batch[n++] = EvStrings;
    batch[n++] = EvString;
    n = encodeUvarint(batch, n, 1);
    n = encodeUvarint(batch, n, 7);
    batch.set(new TextEncoder().encode('yielded'), n);
    n += 7;
    put(gen, NO_M, time, n);
    for (let m = 0; m < nm; m++) {
      const g1 = 2 * m + 1;
      const g2 = 2 * m + 2;
      let n = 0;
      const ev = (type: number, ...args: Array<number | bigint>) => {
        n = writeEvent(batch, n, type, args);
      };
      // At each generation start, g1 runs if the swap count so far is even.
      const running = gen % 2 === 1 || swaps % 2 === 0 ? g1 : g2;
      const waiting = running === g1 ? g2 : g1;
      ev(EvProcStatus, 1, m, 1);
      ev(EvGoStatus, 1, running, 100 + m, 2);
      ev(EvGoStatus, 1, waiting, NO_M, 1);
      let cur = running;
      let other = waiting;
      const seq: Record<number, number> = { [g1]: 0, [g2]: 0 };
      for (let k = 0; k < swaps; k++) {
        ev(EvGoStop, 2 + (k % 3), 1, 0);
        ev(EvGoStart, 1 + (k % 4), other, ++seq[other]);
        [cur, other] = [other, cur];
      }
      put(gen, 100 + m, time + m, n);
    }
    time += 100000;
  }
  const total = chunks.reduce((a, c) => a + c.length, 0);
  const out = new Uint8Array(total);
  let p = 0;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

describe('synthetic trace', { timeout: 30000 }, () => {
  const gens = 6;
  const nm = 5;
  const swaps = 1000;
  const bytes = synth(gens, nm, swaps);

  it('is valid, with exact counts', () => {
    expect(validateV2(bytes)).toBeNull();
    const { counts, error } = countsV2(bytes);
    expect(error).toBeNull();
    expect(counts).toEqual({
      ProcStatus: gens * nm,
      GoStatus: 2 * gens * nm,
      GoStop: swaps * gens * nm,
      GoStart: swaps * gens * nm,
    });
  });

  it('round-trips wire → text → wire byte for byte', () => {
    const text = wireToText(bytes);
    expect(typeof text).toBe('string');
    const back = textToWire(text as string);
    expect(back).toEqual(bytes);
  });

  it('streams in 13-byte chunks to the same events, one generation at a time', async () => {
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 13) yield bytes.subarray(i, i + 13);
    }
    const perGen = new Map<number, number>();
    let last = 0;
    for await (const ev of readV2(chunks())) {
      expect(ev.gen).toBeGreaterThanOrEqual(last);
      last = ev.gen;
      perGen.set(ev.gen, (perGen.get(ev.gen) ?? 0) + 1);
    }
    expect([...perGen.keys()]).toEqual([1, 2, 3, 4, 5, 6]);
    for (const v of perGen.values()) expect(v).toBe(nm * (3 + 2 * swaps));
  });

  it('a wrong seq deep inside a later generation is located exactly', () => {
    const text = wireToText(bytes) as string;
    const lines = text.split('\n');
    // Generation 4, M 102: break the 700th GoStart's sequence number.
    const start = lines.findIndex((l) => l.startsWith('EventBatch gen=4 m=102 '));
    let seen = 0;
    let at = -1;
    for (let i = start + 1; i < lines.length; i++) {
      if (lines[i].startsWith('GoStart ') && ++seen === 700) {
        at = i;
        break;
      }
    }
    lines[at] = lines[at].replace(/g_seq=(\d+)/, (_, s) => `g_seq=${Number(s) + 1}`);
    const broken = textToWire(lines.join('\n'));
    if (broken instanceof TraceError) throw broken;
    const err = validateV2(broken);
    expect(err?.message).toMatch(/^broken trace: failed to advance: frontier: \[gen=4\] M 102 \[GoStart/);
    expect(err!.gen).toBe(4);
    expect(broken[err!.offset]).toBe(specTables[22].byName.get('GoStart')!.type);
  });
});

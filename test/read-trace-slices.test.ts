// readTraceBatches in bounded slices (issue 13, "readTrace under a 256 MB heap"): a Go1.22+
// trace is ordered one generation at a time from its raw batches and handed out READ_SLICE
// events at a time, with no input read while a generation's slices are being taken; a v1 trace
// is parsed into columns and its event objects built one slice at a time. The events are the
// same, one for one, as those of the whole-trace readers (readV2Sync, parseV1).
// Layout: a synthetic multi-generation Go1.22 trace written here from the spec table (one M,
// two goroutines swapping on one P), fed as a counted stream of small chunks; the go1.19 `hog`
// fixture for v1.

import { describe, expect, it } from 'vitest';
import { readTrace, readTraceBatches, type TraceEvent } from '../bindings/formats/index.ts';
import { eventSlicesV1, parseV1 } from '../bindings/formats/v1/index.ts';
import {
  EvFrequency,
  EvGoStart,
  EvGoStatus,
  EvGoStop,
  EvProcStatus,
  NoThread,
  READ_SLICE,
  batchHeaderSize,
  headerFor,
  readV2Sync,
  validateV2,
  writeBatchHeader,
  writeEvent,
} from '../bindings/formats/v2/index.ts';
import { fixtureTrace } from './data.ts';

/** A Go1.22 trace and where each generation's first batch ends (what closes the one before). */
interface Synth {
  bytes: Uint8Array;
  /** firstBatchEnd[k]: byte offset just past the first batch of generation k+1. */
  firstBatchEnd: number[];
}

/**
 * `gens` generations; in each, a frequency batch, then M 7's batch: P 0 running, goroutines 1
 * and 2 taking turns `swaps` times (GoStop + GoStart). 3 + 2*swaps ordered events per generation.
 */
function synth(gens: number, swaps: number): Synth {
  const parts: Uint8Array[] = [headerFor(22)];
  let at = parts[0].length;
  const firstBatchEnd: number[] = [];
  const payload = new Uint8Array(8 + swaps * 16);
  const batch = (gen: number, m: number | bigint, time: number, n: number) => {
    const h = new Uint8Array(batchHeaderSize(gen, m, time, n));
    writeBatchHeader(h, 0, gen, m, time, n);
    parts.push(h, payload.slice(0, n));
    at += h.length + n;
  };
  let time = 1000;
  for (let gen = 1; gen <= gens; gen++) {
    let n = writeEvent(payload, 0, EvFrequency, [15625000]);
    batch(gen, NoThread, time, n);
    firstBatchEnd.push(at);
    // Who runs at the start of a generation: whoever ran last in the one before.
    const first = gen === 1 || swaps % 2 === 0 ? 1 : 2;
    let cur = first;
    let other = 3 - first;
    const seq = [0, 0, 0];
    n = 0;
    n = writeEvent(payload, n, EvProcStatus, [1, 0, 1]);
    n = writeEvent(payload, n, EvGoStatus, [1, cur, 7, 2]);
    n = writeEvent(payload, n, EvGoStatus, [1, other, NoThread, 1]);
    for (let k = 0; k < swaps; k++) {
      n = writeEvent(payload, n, EvGoStop, [2, 0, 0]);
      n = writeEvent(payload, n, EvGoStart, [1, other, ++seq[other]]);
      [cur, other] = [other, cur];
    }
    batch(gen, 7, time, n);
    time += 1_000_000;
  }
  const bytes = new Uint8Array(at);
  let p = 0;
  for (const x of parts) {
    bytes.set(x, p);
    p += x.length;
  }
  return { bytes, firstBatchEnd };
}

/** `bytes` as a stream of `size`-byte chunks that counts how many bytes it has handed out. */
function counted(bytes: Uint8Array, size: number): { stream: AsyncIterable<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  async function* chunks() {
    for (let i = 0; i < bytes.length; i += size) {
      const c = bytes.slice(i, i + size);
      pulled += c.length;
      yield c;
    }
  }
  return { stream: chunks(), pulled: () => pulled };
}

const CHUNK = 1024;
/** Bytes a chunked stream has handed out once it has handed out byte `end - 1`. */
const through = (end: number, total: number) => Math.min(total, Math.ceil(end / CHUNK) * CHUNK);

describe('readTraceBatches, Go1.22+ wire stream', () => {
  const GENS = 3;
  const SWAPS = 5000;
  const PER_GEN = 3 + 2 * SWAPS;
  const { bytes, firstBatchEnd } = synth(GENS, SWAPS);

  it('the synthetic trace is valid, with 3 + 2*swaps events in each generation', () => {
    expect(validateV2(bytes)).toBeNull();
    const whole = readV2Sync(bytes);
    expect(whole.error).toBeNull();
    expect(whole.events.length).toBe(GENS * PER_GEN);
  });

  it('hands a generation out in READ_SLICE-event arrays, reading no input while it does', async () => {
    const { stream, pulled } = counted(bytes, CHUNK);
    const seen: { gen: number; length: number; pulled: number }[] = [];
    const all: TraceEvent[] = [];
    for await (const evs of readTraceBatches(stream)) {
      seen.push({ gen: evs[0].gen, length: evs.length, pulled: pulled() });
      for (const e of evs) expect(e.gen).toBe(evs[0].gen);
      all.push(...evs);
    }
    // Generation g is ordered once the first batch of g+1 is framed, and the input stays
    // there until its last slice is taken; the last generation waits for the end of input.
    const expected: typeof seen = [];
    for (let gen = 1; gen <= GENS; gen++) {
      const at = gen < GENS ? through(firstBatchEnd[gen], bytes.length) : bytes.length;
      for (let left = PER_GEN; left > 0; left -= READ_SLICE) expected.push({ gen, length: Math.min(READ_SLICE, left), pulled: at });
    }
    expect(READ_SLICE).toBe(4096);
    expect(expected.map((s) => s.length)).toEqual([4096, 4096, 1811, 4096, 4096, 1811, 4096, 4096, 1811]);
    expect(seen).toEqual(expected);
    expect(seen[0].pulled).toBeLessThan(bytes.length / 2);
    // Event for event what the whole-buffer reader builds.
    expect(all).toEqual(readV2Sync(bytes).events);
  });

  it('a whole buffer is sliced the same way, and readTrace yields the same events', async () => {
    const lengths: number[] = [];
    for await (const evs of readTraceBatches(bytes)) lengths.push(evs.length);
    expect(lengths).toEqual([4096, 4096, 1811, 4096, 4096, 1811, 4096, 4096, 1811]);
    const one: TraceEvent[] = [];
    for await (const e of readTrace(counted(bytes, 777).stream)) one.push(e);
    expect(one).toEqual(readV2Sync(bytes).events);
  });
});

describe('readTraceBatches, go1.19 (v1)', () => {
  const bytes = fixtureTrace('hog');

  it('builds the events of the parsed columns READ_SLICE at a time, equal to parseV1().events', async () => {
    const expected = parseV1(bytes).events;
    const lengths: number[] = [];
    const all: TraceEvent[] = [];
    for await (const evs of readTraceBatches(bytes)) {
      lengths.push(evs.length);
      all.push(...evs);
    }
    const full = Math.floor(expected.length / READ_SLICE);
    const rest = expected.length % READ_SLICE;
    expect(full).toBeGreaterThan(10);
    expect(lengths).toEqual([...Array(full).fill(READ_SLICE), ...(rest > 0 ? [rest] : [])]);
    expect(all).toEqual(expected);
  });

  it('eventSlicesV1: any slice size, from the columns or from a built events array', () => {
    const lazy = parseV1(bytes);
    const built = parseV1(bytes);
    const events = built.events; // built now: slices then come from this array
    const a = [...eventSlicesV1(lazy, 1000)];
    const b = [...eventSlicesV1(built, 1000)];
    expect(a.map((s) => s.length)).toEqual(b.map((s) => s.length));
    expect(a.slice(0, -1).every((s) => s.length === 1000)).toBe(true);
    expect(a.flat()).toEqual(events);
    expect(b.flat()).toEqual(events);
    expect(() => [...eventSlicesV1(lazy, 0)]).toThrow('eventSlicesV1: size must be at least 1, got 0');
  });
});

// The ordering's fast path (Ordering.tryAdvance) and the incremental streaming reader must
// be invisible: same events, same errors (message, offset, generation, batch) as the general
// ordering and the synchronous reader, on Go's conformance traces, the fuzz crashers, and
// thousands of mutations of them. Data (test/data.ts): Go's text tests and its reader's fuzz
// corpus from GOROOT of an installed Go 1.23, and our own Go1.25 text test.

import { expect, it } from 'vitest';
import { TraceError } from '../bindings/formats/event.ts';
import {
  BatchFramer,
  HeaderSize,
  V2Core,
  nullSink,
  parseHeader,
  readV2,
  readV2Sync,
  runV2,
  tableFor,
  textToWire,
  validateV2,
  validateV2Stream,
  type EventArgs,
  type V2Sink,
} from '../bindings/formats/v2/index.ts';
import { conformanceTests, goFuzzCorpus } from './data.ts';
import { describeWithGo, toolchain } from './oracle/go.ts';

const GO123 = toolchain('1.23');
const texts = GO123 ? conformanceTests(GO123.goroot) : [];
const wires: Array<{ name: string; bytes: Uint8Array }> = [];
for (const t of texts) {
  const w = textToWire(t.text);
  if (!(w instanceof TraceError)) wires.push({ name: t.name, bytes: w });
}
for (const c of GO123 ? goFuzzCorpus(GO123.goroot) : []) wires.push({ name: c.name, bytes: c.bytes });

/** Records everything a sink sees. */
class Rec implements V2Sink {
  readonly log: string[] = [];
  generation(g: { gen: number }): void {
    this.log.push(`gen ${g.gen}`);
  }
  event(type: number, time: number, g: number, p: number, m: number, args: EventArgs, offset: number): void {
    this.log.push(`${type} ${time} ${g} ${p} ${m} ${args.join(',')} @${offset}`);
  }
}

function errKey(e: TraceError | null): string {
  return e === null ? 'ok' : `${e.message} @${e.offset} gen=${e.gen} batch=${e.batch}`;
}

/** runV2 with the fast path switched off (every event through Ordering.advance); `check` adds the validation layer. */
function runGeneral(bytes: Uint8Array, sink: V2Sink, check = false): TraceError | null {
  const v = parseHeader(bytes, bytes.length);
  const t = v > 0 ? tableFor(v) : undefined;
  if (!t) return runV2(bytes, sink, check).error;
  const core = new V2Core(t, sink, check);
  core.order.out = undefined;
  const framer = new BatchFramer(t);
  framer.pos = HeaderSize;
  try {
    for (;;) {
      const r = framer.read(bytes, bytes.length, 0, true);
      if (r === 1) {
        core.addBatch(framer.batch!);
        continue;
      }
      core.end(r === 2 ? null : (r as TraceError));
      break;
    }
  } catch (e) {
    if (e instanceof TraceError) return e;
    throw e;
  }
  return null;
}

function same(bytes: Uint8Array): void {
  const a = new Rec();
  const ea = runGeneral(bytes, a);
  const b = new Rec();
  const eb = runV2(bytes, b).error;
  expect(errKey(eb)).toBe(errKey(ea));
  expect(b.log).toEqual(a.log);
  // Pure validation (the fast path into the validation layer) reports what the general
  // ordering followed by the validation layer reports.
  expect(errKey(validateV2(bytes))).toBe(errKey(runGeneral(bytes, nullSink, true)));
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

describeWithGo('1.23', 'ordering fast path (GOROOT text tests and fuzz corpus, and ours)', () => {
  it('has data', () => {
    expect(wires.length).toBeGreaterThan(20);
  });

  it('matches the general ordering on every conformance trace and crasher', () => {
    for (const w of wires) same(w.bytes);
  });

  it('matches the general ordering on mutated traces', () => {
    const r = rng(7);
    for (const w of wires) {
      if (w.bytes.length <= HeaderSize + 8) continue;
      for (let k = 0; k < 40; k++) {
        const m = w.bytes.slice();
        const n = 1 + (r() % 3);
        for (let j = 0; j < n; j++) {
          const i = HeaderSize + (r() % (m.length - HeaderSize));
          // Small changes keep the framing mostly intact so the ordering sees them.
          m[i] = r() % 4 === 0 ? r() & 0xff : (m[i] + (r() % 2 === 0 ? 1 : -1)) & 0xff;
        }
        same(m);
      }
    }
  });
});

describeWithGo('1.23', 'incremental streaming (GOROOT text tests and fuzz corpus, and ours)', () => {
  async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  }

  async function streamed(bytes: Uint8Array, size: number): Promise<{ events: unknown[]; error: string }> {
    const events: unknown[] = [];
    try {
      for await (const ev of readV2(chunks(bytes, size))) events.push(ev);
    } catch (e) {
      if (!(e instanceof TraceError)) throw e;
      return { events, error: errKey(e) };
    }
    return { events, error: 'ok' };
  }

  it('readV2 yields what readV2Sync returns, and validateV2Stream agrees with validateV2', async () => {
    const r = rng(11);
    for (const w of wires) {
      const sync = readV2Sync(w.bytes);
      const size = 1 + (r() % 97);
      const s = await streamed(w.bytes, size);
      expect(s.error).toBe(errKey(sync.error));
      expect(s.events).toEqual(sync.events);
      expect(errKey(await validateV2Stream(chunks(w.bytes, size)))).toBe(errKey(validateV2(w.bytes)));
      expect(errKey(await validateV2Stream(w.bytes))).toBe(errKey(validateV2(w.bytes)));
    }
  });

  it('a consumer that stops early closes the source', async () => {
    const w = wires.find((x) => validateV2(x.bytes) === null && readV2Sync(x.bytes).events.length > 2)!;
    let closed = false;
    async function* src(): AsyncGenerator<Uint8Array> {
      try {
        for (let i = 0; i < w.bytes.length; i += 5) yield w.bytes.subarray(i, i + 5);
      } finally {
        closed = true;
      }
    }
    for await (const _ of readV2(src())) break;
    expect(closed).toBe(true);
  });

  it('exports nullSink for pure validation', () => {
    expect(runV2(wires[0].bytes, nullSink).version).toBeGreaterThan(0);
  });
});

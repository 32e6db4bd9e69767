// The go 1.19 (v1) trace reader against real traces, targeted breakages, hostile bytes and,
// when a Go 1.19 toolchain is installed, against `go tool trace -d` itself (fixtures and fresh
// traces written by test/go/tracegen). The fixtures (test/fixtures/go1.19, see test/data.ts) come
// with what `go tool trace -d` printed for them (.counts, .head, .cpu): the tests without Go
// compare with those. Synthetic traces are written with a small writer built
// on the same spec table. Who may touch: the v1 format owner.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TraceError, type TraceEvent } from '../bindings/formats/event.ts';
import { fixtureCounts, fixtureDumpLines, fixturePath, fixtureTrace, parseDumpLine, V1_FIXTURES } from './data.ts';
import { describeWithGo, toolchain } from './oracle/go.ts';
import { decodeUvarint, encodeUvarint } from '../bindings/formats/uvarint.ts';
import {
  parseV1,
  validateV1,
  countsV1,
  forEachEventV1,
  eventCountV1,
  eventG,
  eventP,
  IdSlots,
  readV1Wire,
  orderV1,
  checkV1State,
  V1_EVENTS,
  V1_BY_NAME,
  V1_HEADER_119,
  v1Header,
  argCountCode,
  wireArgCount,
  argsFor,
  EvBatch,
  EvFrequency,
  EvStack,
  EvString,
  EvCPUSample,
  EvHeapAlloc,
  EvCount,
  TIMER_P,
  NETPOLL_P,
  SYSCALL_P,
  GC_P,
  type V1Trace,
} from '../bindings/formats/v1/index.ts';

const NAMES = V1_FIXTURES;
const fixture = fixtureTrace;

/** The lines (of `go tool trace -d` or goLines) before the last time in a .head excerpt. */
function beforeLastTime(lines: string[], head: string[]): string[] {
  const last = parseDumpLine(head.at(-1)!).ts;
  return lines.filter((l) => parseDumpLine(l).ts < last);
}

/** The two goroutines of the hog fixture: the ones that entered region "hogger" (g0 yields, g1 does not). */
function hogGoroutines(tr: V1Trace): [yielder: number, spinner: number] {
  const gs = [...new Set(tr.events.filter((e) => e.name === 'UserRegion' && e.strings?.name === 'hogger').map((e) => e.g))];
  expect(gs.length).toBe(2);
  const scheds = (g: number) => tr.events.filter((e) => e.name === 'GoSched' && e.g === g).length;
  const [a, b] = gs;
  return scheds(a) > scheds(b) ? [a, b] : [b, a];
}

/**
 * A GoStart (wire type GoStart, with a seq) of the yielding hog goroutine at a time the other one
 * is running: pointing it at the running one gives a trace that no merge can order. Of those,
 * the first in the file (the readers report the stuck event with the lowest offset).
 */
function startWhileOtherRuns(tr: V1Trace, bytes: Uint8Array): { ev: TraceEvent; from: number; to: number } {
  const [from, to] = hogGoroutines(tr);
  let running = false;
  let best: TraceEvent | null = null;
  for (const e of tr.events) {
    if (e.g === to && e.name === 'GoStart') running = true;
    else if (e.g === to && /^Go(Sched|Preempt|Block|Sleep|SysBlock|End|Stop)/.test(e.name)) running = false;
    if (e.name === 'GoStart' && e.g === from && running && (bytes[e.offset] & 0x3f) === 14 && (!best || e.offset < best.offset)) best = e;
  }
  if (!best) throw new Error('no GoStart of the yielding hog goroutine while the other runs');
  return { ev: best, from, to };
}

/** The error parseV1 throws (fails the test if it returns or throws something else). */
function parseError(bytes: Uint8Array): TraceError {
  try {
    parseV1(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(TraceError);
    return e as TraceError;
  }
  throw new Error('expected a TraceError, parse succeeded');
}

// ---------------------------------------------------------------------------------------------
// A tiny writer built on the spec table (as the go 1.19 tracer will use it).

type Ev = [name: string, ...args: number[]];

/** Encode one event: timed events take their first number as an absolute tick. */
class Writer {
  private bytes: number[] = [];
  private lastTick = 0;
  constructor(version = 1019) {
    this.bytes.push(...v1Header(version));
  }
  private varint(out: number[], v: number): void {
    const tmp = new Uint8Array(10);
    const n = encodeUvarint(tmp, 0, v);
    for (let i = 0; i < n; i++) out.push(tmp[i]);
  }
  private raw(type: number, args: number[]): void {
    const code = argCountCode(args.length);
    this.bytes.push(type | (code << 6));
    if (code === 3) {
      const body: number[] = [];
      for (const a of args) this.varint(body, a);
      this.varint(this.bytes, body.length);
      this.bytes.push(...body);
    } else {
      for (const a of args) this.varint(this.bytes, a);
    }
  }
  batch(p: number, tick: number): this {
    this.raw(EvBatch, [p, tick]);
    this.lastTick = tick;
    return this;
  }
  ev(name: string, ...args: number[]): this {
    const spec = V1_BY_NAME.get(name);
    if (!spec) throw new Error(name);
    const [tick, ...rest] = args;
    this.raw(spec.id, [tick - this.lastTick, ...rest]);
    this.lastTick = tick;
    return this;
  }
  string(id: number, s: string): this {
    const b = new TextEncoder().encode(s);
    this.bytes.push(EvString);
    this.varint(this.bytes, id);
    this.varint(this.bytes, b.length);
    this.bytes.push(...b);
    return this;
  }
  stack(id: number, frames: [pc: number, fn: number, file: number, line: number][]): this {
    this.raw(EvStack, [id, frames.length, ...frames.flat()]);
    return this;
  }
  userLog(tick: number, task: number, key: number, stack: number, msg: string): this {
    this.ev('UserLog', tick, task, key, stack);
    const b = new TextEncoder().encode(msg);
    this.varint(this.bytes, b.length);
    this.bytes.push(...b);
    return this;
  }
  freq(ticksPerSec: number): this {
    this.raw(EvFrequency, [ticksPerSec]);
    return this;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** A small valid trace: P0 runs g1, which creates g2; g2 runs, logs, yields, blocks, is woken. */
function smallTrace(): Writer {
  // Ticks are even; the two CPU samples fall on odd ticks between them and are written in the
  // opposite order, as the tracer may drain them.
  return new Writer()
    .batch(0, 200)
    .ev('GoCreate', 200, 1, 2, 0)
    .ev('ProcStart', 202, 7)
    .ev('GoStart', 204, 1, 1)
    .ev('Gomaxprocs', 206, 2, 1)
    .ev('GoCreate', 208, 2, 3, 1)
    .ev('UserTaskCreate', 210, 1, 0, 1, 1)
    .ev('GoSched', 212, 1)
    .ev('GoStart', 214, 2, 1)
    .ev('UserRegion', 216, 1, 0, 2, 1)
    .userLog(218, 1, 3, 1, 'hello')
    .ev('UserRegion', 220, 1, 1, 2, 1)
    .ev('GoBlock', 222, 1)
    .ev('GoStart', 224, 1, 2)
    .ev('GoUnblock', 226, 2, 2, 1)
    .ev('GoEnd', 228)
    .ev('GoStart', 230, 2, 3)
    .ev('UserTaskEnd', 232, 1, 1)
    .ev('GoEnd', 234)
    .ev('ProcStop', 236)
    .batch(0, 180) // the CPU sample buffer is flushed as P 0
    .ev('CPUSample', 238, 219, 0, 2, 4)
    .ev('CPUSample', 240, 207, 0, 1, 4)
    .string(1, 'job')
    .string(2, 'step')
    .string(3, 'key')
    .string(4, 'main.f')
    .string(5, 'f.go')
    .stack(1, [[0x1000, 4, 5, 10]])
    .stack(4, [
      [0x2000, 4, 5, 11],
      [0x1000, 4, 5, 10],
    ])
    .freq(1e9);
}

// ---------------------------------------------------------------------------------------------

describe('v1 spec table', () => {
  it('is indexed by wire id, with unique names, and matches the runtime constants', () => {
    expect(V1_EVENTS.length).toBe(EvCount);
    expect(EvCount).toBe(50);
    V1_EVENTS.forEach((s, i) => expect(s.id).toBe(i));
    expect(new Set(V1_EVENTS.map((s) => s.name)).size).toBe(EvCount);
    expect(V1_BY_NAME.get('CPUSample')?.id).toBe(49);
    expect(V1_BY_NAME.get('GoStart')?.id).toBe(14);
    expect(V1_BY_NAME.get('UserLog')?.inlineString).toBe('message');
    expect(V1_BY_NAME.get('GoCreate')?.stackArgs).toEqual(['stack']);
    expect(V1_BY_NAME.get('GoStartLabel')?.stringArgs).toEqual({ labelid: 'label' });
  });

  it('encodes the header and the argument-count byte as the runtime does', () => {
    expect(Array.from(v1Header(1019))).toEqual(Array.from(V1_HEADER_119, (c) => c.charCodeAt(0)));
    expect(V1_HEADER_119.length).toBe(16);
    expect(new TextDecoder().decode(v1Header(1011))).toBe('go 1.11 trace\0\0\0');
    // ProcStop: just a timestamp -> code 0; GoStart: ts, g, seq -> code 2; GoUnblock: 4 -> length-prefixed.
    expect(argCountCode(wireArgCount(V1_BY_NAME.get('ProcStop')!, 1019))).toBe(0);
    expect(argCountCode(wireArgCount(V1_BY_NAME.get('GoStart')!, 1019))).toBe(2);
    expect(argCountCode(wireArgCount(V1_BY_NAME.get('GoUnblock')!, 1019))).toBe(3);
    // CPUSample on the wire: [ts delta, handler ts, P, G, stack] -- stack last.
    expect(wireArgCount(V1_BY_NAME.get('CPUSample')!, 1019)).toBe(5);
    // Older layouts.
    expect(argsFor(V1_BY_NAME.get('GCSweepDone')!, 1008)).toEqual([]);
    expect(argsFor(V1_BY_NAME.get('GCSTWStart')!, 1009)).toEqual([]);
    expect(argsFor(V1_BY_NAME.get('GCSTWStart')!, 1019)).toEqual(['kindid']);
  });
});

describe('v1 reader on real go 1.19.8 traces', () => {
  const parsed = new Map<string, V1Trace>(NAMES.map((n) => [n, parseV1(fixture(n))]));

  it.each(NAMES)('%s: counts equal go tool trace -d (.counts)', (name) => {
    expect(countsV1(parsed.get(name)!)).toEqual(fixtureCounts(name));
    const total = Object.values(fixtureCounts(name)).reduce((a, b) => a + b, 0);
    expect(parsed.get(name)!.events.length).toBe(total);
  });

  it.each(NAMES)('%s: the first events equal the first lines of go tool trace -d (.head), times non-decreasing', (name) => {
    const ev = parsed.get(name)!.events;
    const head = fixtureDumpLines(name, 'head');
    expect(head.length).toBe(100);
    // Go prints events of equal time in map order: compare everything before the last time in
    // the excerpt, runs of equal time as sets.
    const mine = goLines(parseV1(fixture(name))).slice(0, 200);
    expect(canonical(beforeLastTime(mine, head))).toEqual(canonical(beforeLastTime(head, head)));
    expect(beforeLastTime(head, head).length).toBeGreaterThan(80);
    // `go tool trace -d` prints first the creation of g1 at time 0.
    expect(ev[0]).toMatchObject({ name: 'GoCreate', ts: 0, args: { g: 1 } });
    // Times are non-decreasing ns from 0.
    for (let i = 1; i < ev.length; i++) expect(ev[i].ts >= ev[i - 1].ts).toBe(true);
  });

  it('decodes exact events: regions, log strings and tasks as go tool trace -d prints them', () => {
    const hog = parsed.get('hog')!.events;
    const head = fixtureDumpLines('hog', 'head').map(parseDumpLine);
    const region = head.find((l) => l.name === 'UserRegion')!;
    expect(region.args).toMatchObject({ taskid: '0', mode: '0', name: 'hogger' });
    expect(hog.find((e) => e.offset === region.off)).toMatchObject({
      name: 'UserRegion',
      ts: region.ts,
      p: region.p,
      g: region.g,
      args: { taskid: 0, mode: 0, typeid: Number(region.args.typeid) },
      strings: { name: 'hogger' },
    });
    const annot = parsed.get('annot')!.events;
    const user = fixtureDumpLines('annot', 'head').map(parseDumpLine).filter((l) => /^User/.test(l.name));
    expect(new Set(user.map((l) => l.name))).toEqual(new Set(['UserTaskCreate', 'UserRegion', 'UserLog']));
    for (const l of user) {
      const e = annot.find((x) => x.offset === l.off)!;
      expect([e.name, e.ts, e.p, e.g]).toEqual([l.name, l.ts, l.p, l.g]);
      if (l.name === 'UserLog') expect(e.strings!.category).toBe(l.args.category);
      if (l.name === 'UserTaskCreate') expect(e.strings).toEqual({ name: 'job' });
      if (l.name === 'UserRegion') expect(e.strings).toEqual({ name: 'step' });
    }
  });

  it('reads CPU samples with the stack last and orders them by handler time', () => {
    const tr = parsed.get('hog')!;
    const samples = tr.events.filter((e) => e.name === 'CPUSample');
    // Every sample as go tool trace -d prints it (time, offset, P, G, args), in the same order.
    const want = fixtureDumpLines('hog', 'cpu');
    expect(samples.length).toBe(fixtureCounts('hog').CPUSample);
    expect(canonical(goLines(tr).filter((l) => / CPUSample /.test(l)))).toEqual(canonical(want));
    expect(samples.map((e) => `${e.ts} ${e.offset} ${e.p} ${e.g} ${e.args.p} ${e.args.g} ${e.args.ts}`)).toEqual(
      want.map(parseDumpLine).map((l) => `${l.ts} ${l.off} ${l.p} ${l.g} ${l.args.p} ${l.args.g} ${l.args.ts}`),
    );
    // Every sample names a real stack, and is of one of the two hog goroutines on P 0 or 1.
    const [g0, g1] = hogGoroutines(tr);
    for (const s of samples) {
      expect(tr.stacks.has(s.stack)).toBe(true);
      expect(tr.stacks.get(s.stack)!.length).toBeGreaterThan(0);
      expect([g0, g1]).toContain(s.g);
      expect([0, 1]).toContain(s.p);
    }
    // Both spin in main.hog: it is the top frame of most samples; frames of the program are in
    // tracegen's source.
    const tops = samples.map((s) => tr.stacks.get(s.stack)![0].func);
    expect(tops.filter((f) => f === 'main.hog').length).toBeGreaterThan(samples.length / 2);
    const mainFrames = samples.flatMap((s) => tr.stacks.get(s.stack)!).filter((f) => f.func.startsWith('main.'));
    expect(mainFrames.length).toBeGreaterThan(0);
    for (const f of mainFrames) expect(f.file).toBe('/tmp/gotracesim-fixtures/gopath/src/tracegen/main.go');
    expect(new Set(mainFrames.map((f) => f.func))).toContain('main.hogWorkload.func1');
  });

  it('re-sorts CPU samples by the handler timestamp, not by their place in the buffer', () => {
    // Swap the first two CPUSample records of hog in the file: the stream must not change.
    const bytes = fixture('hog');
    const tr = parsed.get('hog')!;
    const samples = tr.events.filter((e) => e.name === 'CPUSample');
    const [a, b, c] = samples.map((e) => e.offset).sort((x, y) => x - y);
    const lenA = b - a;
    const lenB = c - b;
    const first = samples.find((e) => e.offset === a)!;
    const second = samples.find((e) => e.offset === b)!;
    expect(first.ts).toBeLessThan(second.ts);
    const swapped = new Uint8Array(bytes);
    swapped.set(bytes.subarray(b, b + lenB), a);
    swapped.set(bytes.subarray(a, a + lenA), a + lenB);
    const tr2 = parseV1(swapped);
    const s2 = tr2.events.filter((e) => e.name === 'CPUSample');
    const at = (ts: number) => s2.filter((e) => e.ts === ts).map((e) => [e.ts, e.offset, e.p, e.g]);
    expect(at(first.ts)).toEqual([[first.ts, a + lenB, first.p, first.g]]); // now later in the file, still first in time
    expect(at(second.ts)).toEqual([[second.ts, a, second.p, second.g]]);
    expect(s2.map((e) => e.ts)).toEqual(samples.map((e) => e.ts));
    expect(tr2.events.length).toBe(tr.events.length);
  });

  it('validates every fixture (null) and parses at a measurable speed', () => {
    const files = NAMES.map(fixture);
    for (const b of files) expect(validateV1(b)).toBeNull();
    const bytes = files.reduce((n, b) => n + b.length, 0);
    const events = NAMES.reduce((n, name) => n + parsed.get(name)!.events.length, 0);
    const rate = (fn: (b: Uint8Array) => unknown): [number, number] => {
      for (const b of files) fn(b); // warm-up
      const t0 = performance.now();
      for (let r = 0; r < 3; r++) for (const b of files) fn(b);
      const s = (performance.now() - t0) / 1000 / 3;
      return [bytes / 1e6 / s, events / 1e6 / s];
    };
    const [vMB, vEv] = rate(validateV1);
    const [pMB, pEv] = rate(parseV1);
    const [oMB, oEv] = rate((b) => parseV1(b).events.length);
    console.log(
      `v1 validateV1: ${vMB.toFixed(1)} MB/s ${vEv.toFixed(2)} M events/s; ` +
        `parseV1 (events built lazily): ${pMB.toFixed(1)} MB/s ${pEv.toFixed(2)} M events/s; ` +
        `parseV1 + trace.events (TraceEvent objects): ${oMB.toFixed(1)} MB/s ${oEv.toFixed(2)} M events/s`,
    );
    // Loose bounds (the machine is shared): about 0.6 MB and 170k events per round. Catches a quadratic merge.
    expect(vMB).toBeGreaterThan(0.5);
    expect(pMB).toBeGreaterThan(0.5);
    expect(oMB).toBeGreaterThan(0.2);
  }, 30000);
});

describe('v1 reader: columns, lazy events and streaming', () => {
  it('builds trace.events once, on first read, equal to what forEachEventV1 and countsV1 see', () => {
    const bytes = fixture('mixed');
    const tr = parseV1(bytes);
    // Before the array exists: counts, count and the stream come from the columns.
    const counts = countsV1(tr);
    const n = eventCountV1(tr);
    const streamed: TraceEvent[] = [];
    forEachEventV1(tr, (e, j) => {
      expect(j).toBe(streamed.length);
      streamed.push(e);
    });
    expect(streamed.length).toBe(n);
    const events = tr.events;
    expect(tr.events).toBe(events); // the same array on every read
    expect(events.length).toBe(streamed.length);
    expect(JSON.stringify(events)).toBe(JSON.stringify(streamed)); // (toEqual is slow on many events)
    expect(countsV1(tr)).toEqual(counts);
    expect(Object.keys(tr)).toEqual(['format', 'version', 'events', 'stacks', 'strings', 'freq', 'timerGoroutines']);
    // After: the array is the trace's, as a plain property the caller may change.
    const seen: TraceEvent[] = [];
    forEachEventV1(tr, (e) => seen.push(e));
    expect(seen[0]).toBe(events[0]);
    events.pop();
    expect(eventCountV1(tr)).toBe(n - 1);
    tr.events = [];
    expect(countsV1(tr)).toEqual({});
    // Assigning before the first read replaces the lazy array too.
    const tr2 = parseV1(bytes);
    tr2.events = events.slice(0, 3);
    expect(eventCountV1(tr2)).toBe(3);
    expect(JSON.parse(JSON.stringify(parseV1(smallTrace().done()))).events.length).toBe(21);
    expect({ ...parseV1(smallTrace().done()) }.events.length).toBe(21);
    // A trace frozen before its events were read still lists them, always the same array.
    const frozen = Object.freeze(parseV1(smallTrace().done()));
    expect(frozen.events.length).toBe(21);
    expect(frozen.events).toBe(frozen.events);
    expect(countsV1(frozen).GoStart).toBe(4);
    expect(() => {
      (frozen as { events: TraceEvent[] }).events = [];
    }).toThrow(TypeError);
  }, 30000);

  it('keeps the wire columns compact: goroutine slots, batch Ps, packed arguments', () => {
    const w = readV1Wire(fixture('hog'));
    // Every event's goroutine is a slot; its P is its batch group's P (CPU samples: sampled P).
    const gs = new Set<number>();
    for (let i = 0; i < w.n; i++) gs.add(eventG(w, i));
    expect([...gs].sort((a, b) => a - b).slice(0, 3)).toEqual([0, 1, 2]);
    expect(w.gSlots.n).toBeGreaterThanOrEqual(gs.size);
    const ps = new Set<number>();
    for (let i = 0; i < w.n; i++) ps.add(eventP(w, i));
    expect([...ps].sort()).toEqual([0, 1]);
    expect(w.args.length).toBeLessThan(3 * w.n);
  });

  it('maps ids of any size to dense slots', () => {
    const s = new IdSlots();
    const ids = [0, 1, 65535, 65536, 2 ** 31, 2 ** 32 + 5, 2 ** 53, 2 ** 64 - 2048, -1, -(2 ** 63)];
    for (let k = 0; k < 3000; k++) ids.push(k * 1048576 + 7);
    const slots = ids.map((id) => s.get(id));
    expect(new Set(slots).size).toBe(new Set(ids).size);
    ids.forEach((id, k) => {
      expect(s.get(id)).toBe(slots[k]);
      expect(s.find(id)).toBe(slots[k]);
      expect(s.ids[slots[k]]).toBe(id);
    });
    expect(s.find(12345)).toBe(-1);
    expect(s.find(2 ** 40)).toBe(-1);
  });

  it('handles huge goroutine, stack and P ids exactly', () => {
    const G = 2 ** 40 + 3;
    const bigStack = 2 ** 33 + 1;
    const bytes = new Writer()
      .batch(0, 1)
      .ev('GoCreate', 2, G, 5, 0)
      .ev('GoStart', 4, G, 1)
      .ev('GoSched', 6, bigStack)
      .ev('GoStart', 8, G, 2)
      .ev('GoEnd', 10)
      .batch(2 ** 45, 3)
      .ev('HeapAlloc', 5, 7)
      .freq(1e9)
      .done();
    const tr = parseV1(bytes);
    expect(tr.events.map((e) => [e.name, e.g, e.p, e.stack])).toEqual([
      ['GoCreate', 0, 0, 0],
      ['GoStart', G, 0, 5], // the creation's start stack
      ['HeapAlloc', 0, 2 ** 45, 0],
      ['GoSched', G, 0, bigStack],
      ['GoStart', G, 0, 0],
      ['GoEnd', G, 0, 0],
    ]);
  });
});

describe('v1 reader on synthetic traces (writer built from the spec table)', () => {
  it('parses a small trace with every layer exercised', () => {
    const tr = parseV1(smallTrace().done());
    expect(tr.format).toBe('go1.19');
    expect(tr.version).toBe(1019);
    expect(tr.freq).toBe(1e9);
    expect(tr.events.map((e) => e.name)).toEqual([
      'GoCreate', 'ProcStart', 'GoStart', 'Gomaxprocs', 'CPUSample', 'GoCreate', 'UserTaskCreate', 'GoSched',
      'GoStart', 'UserRegion', 'UserLog', 'CPUSample', 'UserRegion', 'GoBlock', 'GoStart', 'GoUnblock', 'GoEnd',
      'GoStart', 'UserTaskEnd', 'GoEnd', 'ProcStop',
    ]);
    const log = tr.events.find((e) => e.name === 'UserLog')!;
    expect(log).toMatchObject({ g: 2, p: 0, ts: 18, stack: 1, args: { id: 1, keyid: 3 }, strings: { category: 'key', message: 'hello' } });
    const sample = tr.events.filter((e) => e.name === 'CPUSample');
    expect(sample.map((e) => [e.ts, e.g, e.p, e.stack])).toEqual([[7, 1, 0, 4], [19, 2, 0, 4]]);
    // Written the other way round: the later sample comes first in the file.
    expect(sample[0].offset).toBeGreaterThan(sample[1].offset);
    expect(tr.stacks.get(4)).toEqual([
      { pc: 0x2000, func: 'main.f', file: 'f.go', line: 11 },
      { pc: 0x1000, func: 'main.f', file: 'f.go', line: 10 },
    ]);
    // The first start of a created goroutine takes the creation's start stack, as in Go.
    expect(tr.events.find((e) => e.name === 'GoStart' && e.g === 2)!.stack).toBe(3);
    expect(tr.events.find((e) => e.name === 'UserTaskCreate')!.strings).toEqual({ name: 'job' });
  });

  it('reports state violations with the event offset (state layer alone)', () => {
    const bytes = smallTrace().done();
    const w = readV1Wire(bytes);
    const o = orderV1(w);
    const ix = (name: string, nth = 0): number => {
      const all = Array.from(o.order).filter((i) => V1_EVENTS[w.type[i]].name === name);
      return all[nth];
    };
    // Drop the GoSched: g1 is still running when it is started again.
    const sched = ix('GoSched');
    const noSched = { order: o.order.filter((i) => i !== sched), ns: o.ns };
    expect(() => checkV1State(readV1Wire(bytes), noSched)).toThrow(/g 1 is not runnable before start|p 0 is already running g 1/);
    // Drop the GoBlock: g2 is not waiting when g1 unblocks it.
    const block = ix('GoBlock');
    const w2 = readV1Wire(bytes);
    try {
      checkV1State(w2, { order: orderV1(w2).order.filter((i) => i !== block), ns: o.ns });
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(TraceError);
      expect((e as Error).message).toMatch(/^p 0 is already running g 2 while start g 1/);
      expect((e as TraceError).offset).toBe(w2.off[ix('GoStart', 2)]);
    }
  });

  const cases: [string, () => Uint8Array, RegExp][] = [
    ['ProcStop without ProcStart', () => new Writer().batch(0, 1).ev('ProcStop', 2).freq(1e9).done(), /^p 0 is not running before stop/],
    ['ProcStart twice', () => new Writer().batch(0, 1).ev('ProcStart', 2, 1).ev('ProcStart', 3, 1).freq(1e9).done(), /^p 0 is running before start/],
    ['GC end without start', () => new Writer().batch(0, 1).ev('GCDone', 2).freq(1e9).done(), /^bogus GC end/],
    ['STW end without start', () => new Writer().batch(0, 1).ev('GCSTWDone', 2).freq(1e9).done(), /^bogus STW end/],
    [
      'STW inside STW',
      () => new Writer().batch(0, 1).ev('GCSTWStart', 2, 0).ev('GCSTWStart', 3, 1).freq(1e9).done(),
      /^previous STW is not ended before a new one/,
    ],
    ['unknown STW kind', () => new Writer().batch(0, 1).ev('GCSTWStart', 2, 7).freq(1e9).done(), /^unknown STW kind 7/],
    ['sweep end without start', () => new Writer().batch(0, 1).ev('GCSweepDone', 2, 0, 0).freq(1e9).done(), /^bogus sweeping end/],
    ['syscall by g 0', () => new Writer().batch(0, 1).ev('GoSysCall', 2, 0).freq(1e9).done(), /^g 0 did GoSysCall/],
    // Blocking needs a running G in the merge already (g 0 is "dead" to the ordering).
    ['GoSched by g 0', () => new Writer().batch(0, 1).ev('GoSched', 2, 0).freq(1e9).done(), /^no consistent ordering/],
    [
      'goroutine created twice',
      () => new Writer().batch(0, 1).ev('HeapAlloc', 2, 1).ev('GoCreate', 3, 0, 0, 0).freq(1e9).done(),
      /^no consistent ordering|^g 0 already exists/,
    ],
    [
      'GoStart on a P that runs another G',
      () =>
        new Writer().batch(0, 1).ev('GoCreate', 2, 5, 0, 0).ev('GoCreate', 3, 6, 0, 0).ev('GoStart', 4, 5, 1)
          .ev('GoStart', 5, 6, 1).freq(1e9).done(),
      /^p 0 is already running g 5 while start g 6/,
    ],
    [
      'unblock of a goroutine that is not waiting',
      () =>
        new Writer().batch(0, 1).ev('GoCreate', 2, 5, 0, 0).ev('GoStart', 3, 5, 1).ev('GoUnblock', 4, 5, 0, 0)
          .freq(1e9).done(),
      /^no consistent ordering/,
    ],
    [
      'GoWaiting of a goroutine that does not exist',
      () => new Writer().batch(0, 1).ev('GoWaiting', 2, 9).freq(1e9).done(),
      /^no consistent ordering/,
    ],
    [
      'mark assist inside a mark assist',
      () =>
        new Writer().batch(0, 1).ev('GCMarkAssistStart', 2, 0).ev('GCMarkAssistStart', 3, 0).freq(1e9).done(),
      /^previous mark assist is not ended before a new one/,
    ],
    [
      'GC inside a GC',
      () => new Writer().batch(0, 1).ev('GCStart', 2, 0, 0).ev('GCStart', 3, 1, 0).freq(1e9).done(),
      /^previous GC is not ended before a new one/,
    ],
    [
      'syscall exit of a running goroutine',
      () =>
        new Writer().batch(0, 1).ev('GoCreate', 2, 5, 0, 0).ev('GoStart', 3, 5, 1).ev('GoSysCall', 4, 0)
          .ev('GoSysExit', 5, 5, 2, 0).freq(1e9).done(),
      /^no consistent ordering of events possible/,
    ],
    [
      'task id reused',
      () => new Writer().batch(0, 1).ev('UserTaskCreate', 2, 1, 0, 1, 0).ev('UserTaskCreate', 3, 1, 0, 1, 0).freq(1e9).done(),
      /^task id conflicts \(id:1\)/,
    ],
    [
      'region end that does not match',
      () =>
        new Writer().batch(0, 1).ev('UserRegion', 2, 1, 0, 1, 0).ev('UserRegion', 3, 1, 1, 2, 0)
          .string(1, 'a').string(2, 'b').freq(1e9).done(),
      /^misuse of region in goroutine 0/,
    ],
    ['bad region mode', () => new Writer().batch(0, 1).ev('UserRegion', 2, 1, 5, 1, 0).freq(1e9).done(), /^invalid user region mode/],
    ['no frequency', () => new Writer().batch(0, 1).ev('ProcStart', 2, 1).done(), /^no EvFrequency event/],
    ['zero frequency', () => new Writer().batch(0, 1).ev('ProcStart', 2, 1).freq(0).done(), /time stamps out of order/],
    ['empty', () => new Writer().freq(1e9).done(), /^trace is empty/],
    [
      'time going backwards across Ps',
      () =>
        new Writer().batch(0, 100).ev('GoCreate', 100, 5, 0, 0).batch(1, 10).ev('GoStart', 10, 5, 1).freq(1e9).done(),
      /^time stamps out of order/,
    ],
    ['string id 0', () => new Writer().string(0, 'x').done(), /invalid id 0/],
    ['duplicate string', () => new Writer().string(1, 'x').string(1, 'y').done(), /duplicate id 1/],
    [
      'stack with a wrong frame count',
      () => {
        const w = new Writer().batch(0, 1).ev('ProcStart', 2, 1).freq(1e9).done();
        // EvStack, length-prefixed: id 1, 2 frames, but only one frame's fields.
        return Uint8Array.from([...w, EvStack | (3 << 6), 6, 1, 2, 1, 1, 1, 1]);
      },
      /EvStack has wrong number of arguments/,
    ],
    ['event with too few arguments', () => Uint8Array.from([...v1Header(1019), EvHeapAlloc, 1]), /HeapAlloc has wrong number of arguments/],
  ];
  it.each(cases)('rejects: %s', (_what, make, re) => {
    const err = parseError(make());
    expect(err.message).toMatch(re);
    expect(err.offset).toBeGreaterThanOrEqual(16);
    expect(validateV1(make())?.message).toBe(err.message);
  });

  it('drops futile wakeups (unblock, start, FutileWakeup, block) like Go', () => {
    const bytes = new Writer()
      .batch(0, 1)
      .ev('GoCreate', 2, 5, 0, 0)
      .ev('GoCreate', 3, 6, 0, 0)
      .ev('ProcStart', 4, 1)
      .ev('GoStart', 5, 5, 1)
      .ev('GoBlock', 6, 0)
      .ev('GoStart', 7, 6, 1)
      .ev('GoUnblock', 8, 5, 2, 0)
      .ev('GoSched', 9, 0)
      .ev('GoStart', 10, 5, 3)
      .ev('FutileWakeup', 11)
      .ev('GoBlock', 12, 0)
      .ev('GoStart', 13, 6, 2)
      .ev('GoEnd', 14)
      .ev('ProcStop', 15)
      .freq(1e9)
      .done();
    const tr = parseV1(bytes);
    expect(tr.events.map((e) => `${e.name}@${e.ts}`)).toEqual([
      'GoCreate@0', 'GoCreate@1', 'ProcStart@2', 'GoStart@3', 'GoBlock@4', 'GoStart@5', 'GoSched@7', 'GoStart@11',
      'GoEnd@12', 'ProcStop@13',
    ]);
  });

  it('accepts older versions and sizes their arguments by version', () => {
    // go 1.8 had no GCSTWStart kind and no sweep counts.
    const bytes = new Writer(1008).batch(0, 1).ev('GCSTWStart', 2).ev('GCSTWDone', 3).freq(1e9).done();
    const tr = parseV1(bytes);
    expect(tr.format).toBe('go1.11');
    expect(tr.events.map((e) => [e.name, e.strings?.kind])).toEqual([['GCSTWStart', 'mark termination'], ['GCSTWDone', undefined]]);
    // ...and an event newer than the trace is unknown.
    const late = new Writer(1008).batch(0, 1).ev('CPUSample', 2, 2, 0, 0, 0).freq(1e9).done();
    expect(parseError(late).message).toMatch(/^unknown event type 49/);
  });
});

describe('v1 reader: targeted breakage of a real trace', () => {
  const hog = fixture('hog');
  const tr = parseV1(hog);
  const find = (pred: (e: TraceEvent) => boolean): TraceEvent => tr.events.find(pred)!;

  it('truncated file', () => {
    const first = tr.events[0];
    expect(first).toMatchObject({ name: 'GoCreate', ts: 0, args: { g: 1 } });
    expect(hog.length - first.offset).toBeGreaterThan(3);
    const cut = first.offset + 3; // inside the first GoCreate's arguments
    const err = parseError(hog.subarray(0, cut));
    expect(err.message).toMatch(/failed to read/);
    expect(err.offset).toBe(cut);
    // Every prefix cut after the header fails (none returns or crashes).
    for (const n of [16, 17, 1000, 100000, hog.length - 1]) expect(validateV1(hog.subarray(0, n))).toBeInstanceOf(TraceError);
  });

  it('bad header', () => {
    const b = new Uint8Array(hog);
    b[0] = 0x47; // 'G'
    expect(parseError(b)).toMatchObject({ message: 'not a trace file', offset: 0 });
    const v = new Uint8Array(hog);
    v[6] = 0x38; // go 1.18 trace
    expect(parseError(v).message).toMatch(/^unsupported trace file version 1\.18/);
    expect(parseError(hog.subarray(0, 10)).message).toMatch(/^failed to read header/);
  });

  it('corrupted varint', () => {
    const ev = find((e) => e.name === 'GoStart' && e.offset > 1000);
    const b = new Uint8Array(hog);
    b.fill(0xff, ev.offset + 1, ev.offset + 12); // > 10 continuation bytes
    const err = parseError(b);
    expect(err.message).toMatch(/bad value/);
    expect(err.offset).toBe(ev.offset);
  });

  it('unknown event type', () => {
    const ev = find((e) => e.name === 'GoSched');
    for (const t of [0, 50, 63]) {
      const b = new Uint8Array(hog);
      b[ev.offset] = (b[ev.offset] & 0xc0) | t;
      const err = parseError(b);
      expect(err.message).toBe(`unknown event type ${t} at offset 0x${ev.offset.toString(16)}`);
      expect(err.offset).toBe(ev.offset);
    }
  });

  it('wrong length of a length-prefixed event', () => {
    const ev = find((e) => hog[e.offset] >> 6 === 3);
    const b = new Uint8Array(hog);
    b[ev.offset + 1] += 1; // one more byte than its arguments take
    expect(parseError(b).message).toMatch(/event has wrong length|wrong number of arguments|failed to read|unknown event/);
  });

  it('removing a ProcStart (turned into a HeapAlloc of the same size)', () => {
    const start = find((e) => e.name === 'ProcStart' && e.p === 0);
    const stop = find((e) => e.name === 'ProcStop' && e.p === 0);
    const b = new Uint8Array(hog);
    b[start.offset] = (b[start.offset] & 0xc0) | EvHeapAlloc;
    const err = parseError(b);
    expect(err.message).toMatch(/^p 0 is not running before stop/);
    expect(err.offset).toBe(stop.offset);
  });

  it('GoStart of a goroutine that is not runnable', () => {
    // Point a GoStart (wire type GoStart, with a seq) of the hog goroutine that yields at the
    // other one while that one is running on the other P: the merge can never place it, and
    // Go's parser says the same thing.
    const { ev, from, to } = startWhileOtherRuns(tr, hog);
    const running = find((e) => e.name === 'GoStart' && e.g === to);
    expect(running.ts).toBeLessThan(ev.ts);
    expect([from, to].every((g) => g > 0 && g < 128)).toBe(true); // one-byte varints
    const b = new Uint8Array(hog);
    // GoStart: [type][ts delta][g][seq]; g from -> to (both one byte).
    const r = { value: 0, len: 0 };
    decodeUvarint(b, ev.offset + 1, b.length, r);
    const gPos = ev.offset + 1 + r.len;
    expect(b[gPos]).toBe(from);
    b[gPos] = to;
    const err = parseError(b);
    expect(err.message).toBe('no consistent ordering of events possible');
    expect(err.offset).toBe(ev.offset);
  });

  it('GoSysExit with an exit time before its block', () => {
    const syscall = (realExit: number): Uint8Array =>
      new Writer().batch(0, 1).ev('GoCreate', 2, 5, 0, 0).ev('GoStart', 4, 5, 1).ev('GoSysCall', 6, 0)
        .ev('GoSysBlock', 20).ev('HeapAlloc', 24, 1).ev('GoSysExit', 26, 5, 2, realExit).freq(1e9).done();
    expect(parseError(syscall(18)).message).toMatch(/^time stamps out of order/);
    // With a real exit time after the block it is accepted and moved back to that time.
    const evs = parseV1(syscall(22)).events;
    expect(evs.slice(-3).map((e) => [e.name, e.ts])).toEqual([['GoSysBlock', 18], ['GoSysExit', 20], ['HeapAlloc', 22]]);
    // Without one (0) it stays where it was written.
    expect(parseV1(syscall(0)).events.at(-1)).toMatchObject({ name: 'GoSysExit', ts: 24 });
  });
});

describe('v1 reader: hostile input', () => {
  /** mulberry32: small seeded PRNG, deterministic across runs. */
  function prng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function mutate(src: Uint8Array, rnd: () => number): Uint8Array {
    let b = new Uint8Array(src);
    const edits = 1 + Math.floor(rnd() * 6);
    for (let k = 0; k < edits; k++) {
      const at = 16 + Math.floor(rnd() * Math.max(1, b.length - 16));
      const op = Math.floor(rnd() * 5);
      if (op === 0) b[at] = Math.floor(rnd() * 256);
      else if (op === 1) b[at] ^= 1 << Math.floor(rnd() * 8);
      else if (op === 2) {
        const c = new Uint8Array(b.length + 1); // insert a byte
        c.set(b.subarray(0, at));
        c[at] = Math.floor(rnd() * 256);
        c.set(b.subarray(at), at + 1);
        b = c;
      } else if (op === 3) {
        const c = new Uint8Array(b.length - 1); // delete a byte
        c.set(b.subarray(0, at));
        c.set(b.subarray(at + 1), at);
        b = c;
      } else b[at] = [0x7f, 0xff, 0x80, 0x00, 0xc0 | EvCPUSample][Math.floor(rnd() * 5)];
    }
    return b;
  }

  function expectOnlyTraceErrors(bytes: Uint8Array, full: boolean): void {
    const v = validateV1(bytes);
    if (v !== null) {
      expect(v).toBeInstanceOf(TraceError);
      expect(v.message).not.toMatch(/^internal error/);
    }
    if (!full) return;
    try {
      parseV1(bytes);
      expect(v).toBeNull();
    } catch (e) {
      expect(e).toBeInstanceOf(TraceError);
      expect((e as Error).message).toBe(v?.message);
    }
  }

  it('random mutations of a small synthetic trace: only TraceError, same verdict from parse and validate', () => {
    const rnd = prng(0x19);
    const src = smallTrace().done();
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const b = mutate(src, rnd);
      expectOnlyTraceErrors(b, true);
      if (validateV1(b) === null) accepted++;
    }
    expect(accepted).toBeGreaterThan(0); // some mutations keep a valid trace (e.g. in strings)
  });

  it('random mutations of a real trace: only TraceError', () => {
    const rnd = prng(0x119);
    const src = fixture('mixed');
    for (let i = 0; i < 40; i++) expectOnlyTraceErrors(mutate(src, rnd), i % 10 === 0);
  }, 30000);

  it('random bytes after a valid header', () => {
    const rnd = prng(7);
    for (let i = 0; i < 2000; i++) {
      const b = new Uint8Array(16 + Math.floor(rnd() * 200));
      b.set(v1Header(1019));
      for (let k = 16; k < b.length; k++) b[k] = Math.floor(rnd() * 256);
      expectOnlyTraceErrors(b, true);
    }
  });

  it('huge counts read from the input are bounded by the bytes that follow', () => {
    const huge = (code: number, lenBytes: number[]) => Uint8Array.from([...v1Header(1019), code, ...lenBytes, 1, 2, 3]);
    const t0 = performance.now();
    // Length-prefixed stack claiming 2^62 bytes; string claiming 1e6 and 2^60 bytes.
    expect(parseError(huge(EvStack | (3 << 6), [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40])).message).toMatch(/failed to read/);
    expect(parseError(huge(EvString, [1, 0xc0, 0x84, 0x3d])).message).toMatch(/failed to read/);
    expect(parseError(huge(EvString, [1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10])).message).toMatch(/too large/);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('heads waiting on a busy goroutine are not re-examined on every transition', () => {
    // 20000 Ps wait for g1 at a seq it never reaches while another P flips g1 40000 times.
    const w = new Writer().batch(0, 1).ev('GoCreate', 2, 1, 0, 0).ev('GoStart', 3, 1, 1);
    let t = 4;
    for (let k = 0; k < 20000; k++) w.ev('GoSched', t++, 0).ev('GoStartLocal', t++, 1);
    for (let p = 1; p <= 20000; p++) w.batch(p, 1).ev('GoStart', 2, 1, 999999);
    const bytes = w.freq(1e9).done();
    const t0 = performance.now();
    expect(parseError(bytes).message).toBe('no consistent ordering of events possible');
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  it('many batches (thousands of Ps) merge without quadratic blow-up', () => {
    const w = new Writer();
    for (let p = 0; p < 20000; p++) w.batch(p, 10 + p).ev('HeapAlloc', 10 + p, p).ev('HeapGoal', 11 + p, p);
    const bytes = w.freq(1e9).done();
    const t0 = performance.now();
    const tr = parseV1(bytes);
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(tr.events.length).toBe(40000);
    for (let i = 1; i < tr.events.length; i++) expect(tr.events[i].ts >= tr.events[i - 1].ts).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Against the real toolchain.

// Go 1.19 as test/oracle/go.ts finds it (/usr/lib/go-1.19, or GTS_GO_1_19=GOROOT).
const GO = toolchain('1.19')?.go ?? null;

/** Our event as `go tool trace -d` prints it (Go moves some events to presentation Ps). */
function goLines(tr: V1Trace): string[] {
  const lastBlock = new Map<number, string>(); // G -> name of the event that last set its state
  const lines: string[] = [];
  for (const e of tr.events) {
    let p = e.p;
    if (e.name === 'GoSysExit') p = SYSCALL_P;
    if (e.name === 'GCStart') p = GC_P;
    if (e.name === 'GoUnblock') {
      if (tr.timerGoroutines.has(e.g)) p = TIMER_P;
      else if (lastBlock.get(e.args.g) === 'GoBlockNet') p = NETPOLL_P;
    }
    // Track g.ev as Go's state pass does, for the netpoll attribution above.
    if (e.name === 'GoStart' || e.name === 'GoStartLabel') lastBlock.delete(e.g);
    else if (e.name === 'GoUnblock' || e.name === 'GoCreate') lastBlock.set(e.args.g, e.name);
    else if (/^Go(Block|Sleep|Sched|Preempt|SysCall|SysExit|Waiting|InSyscall)/.test(e.name)) lastBlock.set(e.g, e.name);
    let s = `${e.ts} ${e.name} p=${p} g=${e.g} off=${e.offset}`;
    const spec = V1_BY_NAME.get(e.name)!;
    for (const a of argsFor(spec, tr.version)) {
      let v: number | bigint = e.args[a];
      if (e.type === EvCPUSample && a === 'p' && v < 0) v = (1n << 64n) + BigInt(v);
      s += ` ${a}=${v}`;
    }
    for (const k of Object.keys(e.strings ?? {})) s += ` ${k}=${e.strings![k]}`;
    lines.push(s);
  }
  return lines;
}

/** Go breaks ties between equal timestamps by map order: compare runs of equal ts as sets. */
function canonical(lines: string[]): string[] {
  const out: string[] = [];
  let run: string[] = [];
  let ts = '';
  for (const l of lines) {
    const t = l.slice(0, l.indexOf(' '));
    if (t !== ts) {
      out.push(...run.sort());
      run = [];
      ts = t;
    }
    run.push(l);
  }
  out.push(...run.sort());
  return out;
}

function goDump(file: string): string[] {
  return execFileSync(GO!, ['tool', 'trace', '-d', file], { stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 29 })
    .toString()
    .trimEnd()
    .split('\n');
}

function countLines(lines: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of lines) {
    const name = l.split(' ')[1];
    out[name] = (out[name] ?? 0) + 1;
  }
  return out;
}

describeWithGo('1.19', 'v1 reader vs go tool trace -d', () => {
  it.each(NAMES)('fixture %s: every event line equal to Go 1.19 (ties in time as sets); the committed excerpts are its output', (name) => {
    const go = goDump(fixturePath(name));
    const mine = goLines(parseV1(fixture(name)));
    expect(mine.length).toBe(go.length);
    expect(canonical(mine)).toEqual(canonical(go));
    // The oracle files committed with the fixture are what this Go prints.
    expect(countLines(go)).toEqual(fixtureCounts(name));
    const head = fixtureDumpLines(name, 'head');
    expect(canonical(beforeLastTime(go.slice(0, 200), head))).toEqual(canonical(beforeLastTime(head, head)));
    expect(canonical(go.filter((l) => / CPUSample /.test(l)))).toEqual(canonical(fixtureDumpLines(name, 'cpu')));
  });

  it('fresh traces from test/go/tracegen: counts and event lines equal to Go 1.19', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gotracesim-v1-'));
    try {
      const env = {
        ...process.env,
        GOPATH: join(dir, 'gopath'),
        GOCACHE: join(dir, 'gocache'),
        GOFLAGS: '-mod=mod',
        GO111MODULE: 'off',
      };
      mkdirSync(env.GOPATH, { recursive: true });
      const src = fileURLToPath(new URL('./go/tracegen/main.go', import.meta.url));
      const bin = join(dir, 'tracegen');
      execFileSync(GO!, ['build', '-o', bin, src], { env, stdio: 'pipe' });
      const workloads = ['spin', 'pingpong', 'syscall', 'alloc', 'annot'];
      for (const wl of workloads) {
        const file = join(dir, `${wl}.trace`);
        execFileSync(bin, ['-workload', wl, '-o', file, '-dur', '60ms'], { env, stdio: 'pipe', timeout: 20000 });
        const bytes = new Uint8Array(readFileSync(file));
        const tr = parseV1(bytes);
        expect(validateV1(bytes)).toBeNull();
        const go = goDump(file);
        expect(countsV1(tr), wl).toEqual(countLines(go));
        expect(canonical(goLines(tr)), wl).toEqual(canonical(go));
        if (wl === 'syscall') expect(countsV1(tr).GoSysExit ?? 0).toBeGreaterThan(0);
        if (wl === 'annot') expect(countsV1(tr).UserLog).toBe(6);
      }
      expect(readdirSync(dir).filter((f) => f.endsWith('.trace')).length).toBe(workloads.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60000);

  it('Go rejects the same broken traces, with the same message for state errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gotracesim-v1-bad-'));
    try {
      const hog = fixture('hog');
      const tr = parseV1(hog);
      const noProcStart = new Uint8Array(hog);
      const start = tr.events.find((e) => e.name === 'ProcStart' && e.p === 0)!;
      noProcStart[start.offset] = (noProcStart[start.offset] & 0xc0) | EvHeapAlloc;
      const wrongG = new Uint8Array(hog);
      const { ev, to } = startWhileOtherRuns(tr, hog); // (see the breakage test above)
      const r0 = { value: 0, len: 0 };
      decodeUvarint(hog, ev.offset + 1, hog.length, r0);
      wrongG[ev.offset + 1 + r0.len] = to;
      const unknown = new Uint8Array(hog);
      unknown[ev.offset] = (unknown[ev.offset] & 0xc0) | 50;
      const cases: [string, Uint8Array, boolean][] = [
        ['noprocstart', noProcStart, true],
        ['wrongg', wrongG, true],
        ['unknown', unknown, true],
        ['truncated', hog.subarray(0, tr.events[0].offset + 3), false],
        ['small-bad-region', new Writer().batch(0, 1).ev('UserRegion', 2, 1, 0, 1, 0).ev('UserRegion', 3, 1, 1, 2, 0)
          .string(1, 'a').string(2, 'b').freq(1e9).done(), false],
      ];
      for (const [name, bytes, sameText] of cases) {
        const file = join(dir, `${name}.trace`);
        writeFileSync(file, bytes);
        const r = spawnSync(GO!, ['tool', 'trace', '-d', file], { encoding: 'utf8' });
        expect(r.status, name).not.toBe(0);
        const ours = parseError(bytes).message;
        if (sameText) expect(r.stderr, name).toContain(ours);
        else expect(r.stderr, name).toMatch(/failed to parse trace|failed to read|misuse of region/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

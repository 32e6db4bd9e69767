// The format-independent trace API (bindings/formats/index.ts): detection, readTrace,
// validateTrace and traceSummary over the real go 1.19 fixtures and Go's Go1.22+ conformance
// traces, through every input shape (bytes, chunk streams, text). Data (test/data.ts): the
// committed fixtures with what `go tool trace -d` printed for them; Go's text tests from GOROOT
// (these tests need Go 1.23 installed) and our own Go1.25 text test.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { transform } from 'esbuild';
import { bundle } from '../scripts/bundle.ts';
import {
  TraceError,
  countsV1,
  countsV2,
  detectFormat,
  detectTrace,
  parseV1,
  readTrace,
  textToWire,
  traceSummary,
  validateTrace,
  type TraceEvent,
  type TraceSummary,
} from '../bindings/formats/index.ts';
import { conformanceTests, fixtureDumpLines, fixtureTrace, ourTextTests, parseDumpLine, V1_FIXTURES, type TextTest } from './data.ts';
import { describeWithGo } from './oracle/go.ts';

const V1_NAMES = V1_FIXTURES;
const fixture = fixtureTrace;
type Case = TextTest;
/** Our Go1.25 text test (committed, test/fixtures/go1.25). */
const go125 = ourTextTests().find((c) => c.name === 'gotracesim-go125-sync.test')!;

function wire(text: string): Uint8Array {
  const w = textToWire(text);
  if (w instanceof TraceError) throw w;
  return w;
}

async function* chunked(b: Uint8Array, n: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < b.length; i += n) yield b.subarray(i, i + n);
}

async function collect(it: AsyncIterable<TraceEvent>): Promise<{ events: TraceEvent[]; error: unknown }> {
  const events: TraceEvent[] = [];
  try {
    for await (const e of it) events.push(e);
  } catch (error) {
    return { events, error };
  }
  return { events, error: null };
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Every goroutine's and P's state times add up to the span. */
function checkSpans(s: TraceSummary): void {
  const span = s.durationNs;
  expect(span).toBeGreaterThan(0);
  for (const g of s.goroutines) {
    const sum = g.running + g.runnable + g.waiting + g.syscall + g.absent;
    expect(Math.abs(sum - span), `g${g.g}`).toBeLessThanOrEqual(1e-6 * span);
    for (const v of [g.running, g.runnable, g.waiting, g.syscall, g.absent]) expect(v).toBeGreaterThanOrEqual(0);
  }
  for (const p of s.procs) {
    expect(Math.abs(p.running + p.idle - span), `p${p.p}`).toBeLessThanOrEqual(1e-6 * span);
    expect(p.running).toBeGreaterThanOrEqual(0);
    expect(p.idle).toBeGreaterThanOrEqual(0);
  }
}

describe('format detection', () => {
  const hdr = (s: string) => enc(s.padEnd(16, '\0'));
  it.each([
    ['go 1.19 trace', 'v1', 'go1.19'],
    ['go 1.21 trace', 'v1', 'go1.21'],
    ['go 1.11 trace', 'v1', 'go1.11'],
    ['go 1.5 trace', 'v1', 'go1.11'],
    ['go 1.22 trace', 'v2', 'go1.22'],
    ['go 1.23 trace', 'v2', 'go1.23'],
    ['go 1.25 trace', 'v2', 'go1.25'],
  ])('wire header %s → %s %s', (h, kind, format) => {
    expect(detectTrace(hdr(h))).toMatchObject({ kind, format });
    expect(detectFormat(hdr(h))).toBe(format);
  });

  it('reads the real headers of the fixtures and of a converted Go1.25 text trace', () => {
    for (const n of V1_NAMES) expect(detectFormat(fixture(n))).toBe('go1.19');
    expect(detectFormat(wire(go125.text))).toBe('go1.25');
  });

  it("detects Go's text format (Go1.25), as a string, as bytes, and inside a txtar test file", () => {
    expect(detectTrace(go125.text)).toEqual({ kind: 'text', format: 'go1.25', minor: 25 });
    expect(detectTrace(enc(go125.text))).toEqual({ kind: 'text', format: 'go1.25', minor: 25 });
    expect(detectTrace(go125.file)).toEqual({ kind: 'text', format: 'go1.25', minor: 25 });
    expect(detectTrace(enc(go125.file))).toEqual({ kind: 'text', format: 'go1.25', minor: 25 });
    expect(detectFormat('Trace Go1.25\nEventBatch gen=1 m=0 time=0 size=1\n')).toBe('go1.25');
  });

  describeWithGo('1.23', "Go's own text tests (GOROOT)", (tc) => {
    const cases = tc ? conformanceTests(tc.goroot) : [];
    it('reads the header of a converted Go1.22 conformance trace', () => {
      expect(detectFormat(wire(cases.find((c) => c.name === 'go122-gc-stress.test')!.text))).toBe('go1.22');
    });

    it("detects Go's text format (Go1.22), as a string, as bytes, and inside a txtar test file", () => {
      const c = cases.find((c) => c.name === 'go122-annotations.test')!;
      expect(detectTrace(c.text)).toEqual({ kind: 'text', format: 'go1.22', minor: 22 });
      expect(detectTrace(enc(c.text))).toEqual({ kind: 'text', format: 'go1.22', minor: 22 });
      expect(detectTrace(c.file)).toEqual({ kind: 'text', format: 'go1.22', minor: 22 });
      expect(detectTrace(enc(c.file))).toEqual({ kind: 'text', format: 'go1.22', minor: 22 });
    });
  });

  it.each([
    ['garbage', Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 1, 2, 3]), /not a Go execution trace: unknown header "\\xde\\xad\\xbe\\xef/],
    ['empty input', new Uint8Array(0), /empty input/],
    ['a truncated header', enc('go 1.19 tr'), /bad wire header/],
    ['a malformed header', hdr('go 1.19 trice'), /bad wire header/],
    ['go 1.24 (never written)', hdr('go 1.24 trace'), /unsupported trace version go 1\.24/],
    ['go 1.26', hdr('go 1.26 trace'), /unsupported trace version go 1\.26/],
    ['Trace Go1.21 text', enc('Trace Go1.21\n'), /unsupported text trace version Go1\.21/],
    ['plain text', enc('hello world\n'), /not a Go execution trace/],
  ])('rejects %s with a clear TraceError at offset 0', (_, bytes, re) => {
    let err: unknown;
    try {
      detectTrace(bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TraceError);
    expect((err as TraceError).message).toMatch(re);
    expect((err as TraceError).offset).toBe(0);
  });
});

describe('v1 fixtures through the API', { timeout: 30000 }, () => {
  const parsed = new Map(V1_NAMES.map((n) => [n, parseV1(fixture(n))]));

  it.each(V1_NAMES)('%s: readTrace yields parseV1 events, from bytes and from 64 KiB chunks', async (name) => {
    const want = parsed.get(name)!.events;
    const a = await collect(readTrace(fixture(name)));
    expect(a.error).toBeNull();
    expect(a.events.length).toBe(want.length);
    expect(a.events[1000]).toEqual(want[1000]);
    const b = await collect(readTrace(chunked(fixture(name), 65536)));
    expect(b.error).toBeNull();
    expect(b.events.length).toBe(want.length);
    expect(b.events.at(-1)).toEqual(want.at(-1));
  });

  it.each(V1_NAMES)('%s: validateTrace → null; summary counts equal countsV1, spans add up', async (name) => {
    expect(await validateTrace(fixture(name))).toBeNull();
    const s = await traceSummary(fixture(name));
    const tr = parsed.get(name)!;
    expect(s.format).toBe('go1.19');
    expect(s.events).toEqual(countsV1(tr));
    expect(s.totalEvents).toBe(tr.events.length);
    expect(s.durationNs).toBe(tr.events.at(-1)!.ts);
    expect(s.generations).toBe(0);
    checkSpans(s);
    expect(s.cpuSamples.total).toBe(s.events.CPUSample);
  });

  it('CPU samples per goroutine equal `go tool trace -d` (Go 1.19.8), per top frame sum up', async () => {
    // From `go tool trace -d FILE | grep CPUSample` (the fixtures' .cpu), counted by g=.
    const want: Record<string, Record<string, number>> = {};
    for (const name of V1_NAMES) {
      want[name] = {};
      for (const l of fixtureDumpLines(name, 'cpu').map(parseDumpLine)) want[name][l.g] = (want[name][l.g] ?? 0) + 1;
    }
    // The two hog goroutines (those in region "hogger") share the samples of hog.
    const hogTrace = parsed.get('hog')!;
    const hogGs = [...new Set(hogTrace.events.filter((e) => e.name === 'UserRegion').map((e) => e.g))].sort((a, b) => a - b);
    expect(hogGs.length).toBe(2);
    expect(Object.keys(want.hog).map(Number).sort((a, b) => a - b)).toEqual(hogGs);
    for (const name of V1_NAMES) {
      const s = await traceSummary(fixture(name));
      expect(s.cpuSamples.byGoroutine, name).toEqual(want[name]);
      const byStack = Object.values(s.cpuSamples.byStack).reduce((a, b) => a + b, 0);
      expect(byStack).toBe(s.cpuSamples.total);
      for (const g of s.goroutines) expect(g.cpuSamples).toBe(want[name][String(g.g)] ?? 0);
    }
    const hog = await traceSummary(fixture('hog'));
    // Both hog goroutines spin in main.hog for 150 ms: most samples have it on top.
    expect(Object.keys(hog.cpuSamples.byStack)[0]).toBe('main.hog');
    expect(hog.cpuSamples.byStack['main.hog']).toBeGreaterThan(hog.cpuSamples.total / 2);
    // ... and were on a P or waiting for one for all of those 150 ms; the one that never calls
    // Gosched ran throughout (the one that does yields on every 1000th iteration).
    const gs = (g: number) => hog.goroutines.find((x) => x.g === g)!;
    const sched = (g: number) => hogTrace.events.filter((e) => e.name === 'GoSched' && e.g === g).length;
    const [yielder, spinner] = sched(hogGs[0]) > sched(hogGs[1]) ? hogGs : [hogGs[1], hogGs[0]];
    expect(sched(spinner)).toBe(0);
    expect(hog.durationNs).toBeGreaterThan(150e6);
    expect(hog.durationNs).toBe(hogTrace.events.at(-1)!.ts);
    for (const g of hogGs) expect(gs(g).running + gs(g).runnable).toBeGreaterThan(145e6);
    expect(gs(spinner).running).toBeGreaterThan(145e6);
    expect(gs(yielder).running).toBeLessThan(gs(spinner).running);
    expect(hog.procs.map((p) => p.p)).toEqual([0, 1]);
  });

  it('locates the first error of a broken copy', async () => {
    const b = fixture('hog');
    const tr = parsed.get('hog')!;
    // Turn P 0's first ProcStart into a HeapAlloc (same argument layout, one arg).
    const start = tr.events.find((e) => e.name === 'ProcStart' && e.p === 0)!;
    b[start.offset] = (b[start.offset] & 0xc0) | 33;
    const err = await validateTrace(b);
    expect(err).toBeInstanceOf(TraceError);
    expect(err!.offset).toBeGreaterThan(0);
    await expect(traceSummary(b)).rejects.toBeInstanceOf(TraceError);
    const r = await collect(readTrace(b));
    expect(r.error).toBeInstanceOf(TraceError);
    // Truncated: an error too, never an exception.
    expect(await validateTrace(fixture('mixed').subarray(0, fixture('mixed').length >> 1))).toBeInstanceOf(TraceError);
  });
});

describeWithGo('1.23', 'Go1.22+ conformance traces through the API (GOROOT text tests and ours)', (tc) => {
  const cases: Case[] = tc ? conformanceTests(tc.goroot) : [];

  it('found the text tests', () => {
    expect(cases.length).toBeGreaterThanOrEqual(14);
    expect(cases.map((c) => c.name)).toContain(go125.name);
  });

  for (const c of cases) it(`${c.name}: validateTrace reaches the verdict via text, wire, stream`, async () => {
    const check = (err: TraceError | null) => {
      if (c.ok) expect(err?.message ?? null).toBeNull();
      else {
        expect(err).toBeInstanceOf(TraceError);
        expect(err!.message).toMatch(c.re!);
      }
    };
    check(await validateTrace(c.text)); // text string
    check(await validateTrace(c.file)); // the txtar test file itself
    const w = wire(c.text);
    check(await validateTrace(w)); // wire bytes
    check(await validateTrace(chunked(w, 7))); // wire stream
    check(await validateTrace(enc(c.text))); // text as bytes
  }, 30000);

  for (const c of cases.filter((c) => c.ok)) it(`${c.name}: readTrace and traceSummary agree with countsV2`, async () => {
    const w = wire(c.text);
    const { counts, error } = countsV2(w);
    expect(error).toBeNull();
    const whole = await collect(readTrace(w));
    const streamed = await collect(readTrace(chunked(w, 5)));
    const text = await collect(readTrace(c.text));
    expect(whole.error).toBeNull();
    expect(streamed.error).toBeNull();
    expect(text.error).toBeNull();
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    expect(whole.events.length).toBe(total);
    expect(streamed.events).toEqual(whole.events);
    expect(text.events.map((e) => [e.name, e.ts, e.g, e.p])).toEqual(whole.events.map((e) => [e.name, e.ts, e.g, e.p]));
    // Generation by generation.
    for (let i = 1; i < whole.events.length; i++) expect(whole.events[i].gen).toBeGreaterThanOrEqual(whole.events[i - 1].gen);
    // The summary counts wire events, as `go tool trace -d=2` does: not the events the reader
    // infers (offset -1, e.g. the self-steal after a GoDestroySyscall that held a P).
    const onWire = whole.events.filter((e) => e.offset >= 0);
    const wireCounts: Record<string, number> = {};
    for (const e of onWire) wireCounts[e.name] = (wireCounts[e.name] ?? 0) + 1;
    for (const input of [w, c.text]) {
      const s = await traceSummary(input);
      expect(s.events).toEqual(wireCounts);
      expect(s.totalEvents).toBe(onWire.length);
      expect(s.format).toBe(detectFormat(w));
      expect(s.generations).toBe(new Set(whole.events.map((e) => e.gen)).size);
      if (total > 1) checkSpans(s);
    }
  }, 30000);

  it('gc-stress: exact counts and per-goroutine times', async () => {
    const c = cases.find((c) => c.name === 'go122-gc-stress.test')!;
    const s = await traceSummary(c.text);
    expect(s.totalEvents).toBe(3832);
    expect(s.events).toMatchObject({ GoStart: 692, GoBlock: 599, GoUnblock: 582, ProcStart: 105, ProcStop: 122, GoSyscallBegin: 52 });
    expect(s.durationNs).toBeGreaterThan(5e6);
    expect(s.goroutines.length).toBeGreaterThan(40);
    // Someone ran, and the Ps were busy some of the time.
    expect(s.goroutines.reduce((a, g) => a + g.running, 0)).toBeGreaterThan(1e6);
    expect(s.procs.some((p) => p.running > 0 && p.idle > 0)).toBe(true);
  });

  it('rejects a failing trace without throwing from validateTrace', async () => {
    const bad = cases.find((c) => !c.ok)!;
    await expect(traceSummary(bad.text)).rejects.toBeInstanceOf(TraceError);
    const err = await validateTrace(wire(bad.text));
    expect(err!.gen).toBeGreaterThanOrEqual(1);
    expect(err!.offset).toBeGreaterThanOrEqual(16);
  });
});

describe('inputs that are not traces', () => {
  it('rejects a non-trace input without throwing from validateTrace', async () => {
    expect((await validateTrace(Uint8Array.from([1, 2, 3])))!.message).toMatch(/not a Go execution trace/);
    expect((await validateTrace('nonsense'))!.message).toMatch(/not a Go execution trace/);
    expect((await validateTrace(chunked(Uint8Array.from([1, 2, 3]), 1)))!.message).toMatch(/not a Go execution trace/);
    expect((await validateTrace(new Uint8Array(0)))!.message).toMatch(/empty/);
  });
});

/** The browser bundle, built once, run in a fresh vm realm (see the test below). */
let realm: Promise<{ lib: Record<string, (...a: unknown[]) => any>; inRealm: (b: Uint8Array) => Uint8Array }> | null = null;
function bundleRealm() {
  realm ??= (async () => {
    const { outfile, bytes } = await bundle();
    expect(bytes).toBeGreaterThan(10000);
    const src = readFileSync(outfile, 'utf8');
    expect(src).not.toMatch(/\bfrom\s+["']node:|require\(|\bprocess\./);
    // The ESM bundle as a classic script (export list → a global), run in a fresh realm that has
    // only what a browser page has of what we use: TextDecoder/TextEncoder.
    const { code } = await transform(src, { format: 'iife', globalName: 'gotracesimFormats', target: 'es2022' });
    const ctx = vm.createContext({ TextDecoder, TextEncoder });
    vm.runInContext(code, ctx);
    expect(vm.runInContext('typeof process + typeof require + typeof module', ctx)).toBe('undefinedundefinedundefined');
    const lib = vm.runInContext('gotracesimFormats', ctx);
    const inRealm = (b: Uint8Array): Uint8Array => vm.runInContext('(b) => new Uint8Array(b)', ctx)(b);
    return { lib, inRealm };
  })();
  return realm;
}

describe('browser bundle (build/gotracesim-formats.js)', { timeout: 30000 }, () => {
  it('builds with no Node built-ins and validates traces inside a vm context without process/require', async () => {
    const { lib, inRealm } = await bundleRealm();
    expect(await lib.validateTrace(inRealm(fixture('hog')))).toBeNull();
    const bad = fixture('hog');
    bad[20] ^= 0xff;
    const err = await lib.validateTrace(inRealm(bad));
    expect(err?.name).toBe('TraceError');
    expect(await lib.validateTrace(go125.text)).toBeNull();
    const s = await lib.traceSummary(inRealm(wire(go125.text)));
    expect(s.totalEvents).toBe(8); // its README: 4 events in each of generations 1 and 3
    expect(s.format).toBe('go1.25');
    expect(lib.detectFormat(inRealm(fixture('annot')))).toBe('go1.19');
  });

  describeWithGo('1.23', 'with a GOROOT text test', (tc) => {
    it("validates and summarizes Go's gc-stress test in the vm realm", async () => {
      const { lib, inRealm } = await bundleRealm();
      const gc = conformanceTests(tc.goroot).find((c) => c.name === 'go122-gc-stress.test')!;
      expect(await lib.validateTrace(gc.text)).toBeNull();
      const s = await lib.traceSummary(inRealm(wire(gc.text)));
      expect(s.totalEvents).toBe(3832);
    }, 30000);
  });
});

// Conformance, round-trip, robustness and mutation tests of the Go1.22+ trace reader.
// Data (test/data.ts): Go's own parser tests in its text form and the fuzz corpus of its reader,
// read from GOROOT of an installed Go 1.23 (these describes are skipped, by name, without it, and
// fail under GTS_REQUIRE_GO=1), and our own Go1.25 text test (test/fixtures/go1.25, always run).

import { describe, expect, it } from 'vitest';
import { TraceError, type TraceEvent } from '../bindings/formats/event.ts';
import {
  countsV2,
  decodeRaw,
  encodeRaw,
  EvEventBatch,
  parseTextTrace,
  rawEventSize,
  readV2,
  readV2Sync,
  specTables,
  textToWire,
  validateTextV2,
  validateV2,
  wireToText,
  writeTextTrace,
  type RawEvent,
  type RawTrace,
} from '../bindings/formats/v2/index.ts';
import { conformanceTests, goFuzzCorpus, ourTextTests, type TextTest } from './data.ts';
import { describeWithGo, toolchain } from './oracle/go.ts';

interface Case {
  name: string;
  expect: { ok: true } | { ok: false; re: RegExp };
  trace: string;
}

/** A txtar-style test file: its expectation and its trace text. */
function toCase(t: TextTest): Case {
  return { name: t.name, expect: t.ok ? { ok: true } : { ok: false, re: t.re! }, trace: t.text };
}

const GO123 = toolchain('1.23');
const ours = ourTextTests().map(toCase);
/** Go's text tests (GOROOT) and ours; only ours without Go 1.23 (the describes that use them are skipped then). */
const cases = GO123 ? conformanceTests(GO123.goroot).map(toCase) : ours;
/** Go's fuzz corpus of its reader (GOROOT), decoded from its "go test fuzz v1" files. */
const crashers = GO123 ? goFuzzCorpus(GO123.goroot) : [];
const badNames = crashers.map((c) => c.name);
const crasher = (name: string): Uint8Array => crashers.find((c) => c.name === name)!.bytes;

function wire(text: string): Uint8Array {
  const w = textToWire(text);
  if (w instanceof TraceError) throw w;
  return w;
}

function raw(text: string): RawTrace {
  const r = parseTextTrace(text);
  if (r instanceof TraceError) throw r;
  return r;
}

function checkVerdict(c: Case, err: TraceError | null): void {
  if (c.expect.ok) {
    expect(err?.message ?? null).toBeNull();
  } else {
    expect(err).toBeInstanceOf(TraceError);
    expect(err!.message).toMatch(c.expect.re);
  }
}

/** Feed bytes in chunks of `n` to the streaming reader; return its events and error. */
async function stream(bytes: Uint8Array, n: number): Promise<{ events: TraceEvent[]; error: TraceError | null }> {
  async function* chunks() {
    for (let i = 0; i < bytes.length; i += n) yield bytes.subarray(i, i + n);
  }
  const events: TraceEvent[] = [];
  try {
    for await (const ev of readV2(chunks())) events.push(ev);
  } catch (e) {
    if (e instanceof TraceError) return { events, error: e };
    throw e;
  }
  return { events, error: null };
}

/** Recompute every EventBatch size from the events that follow it. */
function fixSizes(t: RawTrace): RawTrace {
  const evs = t.events;
  for (let i = 0; i < evs.length; i++) {
    if (evs[i].type !== EvEventBatch) continue;
    let size = 0;
    for (let j = i + 1; j < evs.length && evs[j].type !== EvEventBatch; j++) size += rawEventSize(evs[j]);
    evs[i].args[3] = BigInt(size);
  }
  return t;
}

const names = specTables[22].byName;
const ev = (name: string, ...args: number[]): RawEvent => ({
  type: names.get(name)!.type,
  args: args.map((a) => BigInt(a)),
  data: null,
});

/** Both paths must agree on a mutated trace; returns the wire path's error. */
function verdictBoth(t: RawTrace): TraceError | null {
  const text = writeTextTrace(fixSizes(t));
  const a = validateTextV2(text);
  const b = validateV2(wire(text));
  expect(a?.message ?? null).toBe(b?.message ?? null);
  return b;
}

/** The checks every text test gets: its verdict through each path, streaming, the text round trip. */
function caseTests(c: Case): void {
  it(`${c.name}: text → validator`, () => {
    checkVerdict(c, validateTextV2(c.trace));
  });
  it(`${c.name}: text → wire → binary reader → validator`, () => {
    checkVerdict(c, validateV2(wire(c.trace)));
  });
  it(`${c.name}: streaming reader (7-byte chunks) agrees with the synchronous core`, async () => {
    const bytes = wire(c.trace);
    const s = await stream(bytes, 7);
    const whole = readV2Sync(bytes);
    checkVerdict(c, s.error);
    expect(s.error?.message ?? null).toBe(whole.error?.message ?? null);
    expect(s.events).toEqual(whole.events);
  });
  it(`${c.name}: text → bytes → text is identical`, () => {
    const back = wireToText(wire(c.trace));
    expect(back).toBe(c.trace);
  });
}

describe('our Go1.25 text tests (test/fixtures/go1.25)', () => {
  it('found them', () => {
    expect(ours.map((c) => c.name)).toContain('gotracesim-go125-sync.test');
  });

  for (const c of ours) caseTests(c);

  it('Go1.25 sync batches: three generations, frequency per generation, an empty generation', () => {
    const c = ours.find((x) => x.name === 'gotracesim-go125-sync.test')!;
    const { events, error } = readV2Sync(wire(c.trace));
    expect(error).toBeNull();
    // As its README works out: ticks × 1e9/freq of each generation (1 GHz, then 500 MHz), from
    // the first event; generation 2 has none.
    expect(events.map((e) => [e.name, e.gen, e.ts])).toEqual([
      ['ProcStatus', 1, 0],
      ['GoStatus', 1, 1],
      ['GoStop', 1, 8],
      ['GoStart', 1, 18],
      ['ProcStatus', 3, 5012],
      ['GoStatus', 3, 5014],
      ['GoStop', 3, 5054],
      ['GoStart', 3, 5062],
    ]);
    for (const e of events.filter((e) => e.name === 'GoStop')) expect([e.g, e.p]).toEqual([1, 0]);
    const stop = events.find((e) => e.name === 'GoStop')!;
    expect(stop.strings).toEqual({ reason_string: 'yield' });
    expect(stop.stack).toBe(1);
  });
});

describeWithGo('1.23', 'go122 conformance (GOROOT text tests and ours)', () => {
  it('found the conformance data', () => {
    expect(cases.filter((c) => c.name.startsWith('go122-')).length).toBeGreaterThanOrEqual(13);
    expect(cases.length).toBe(ours.length + cases.filter((c) => c.name.startsWith('go122-')).length);
    expect(badNames.length).toBeGreaterThanOrEqual(17);
  });

  for (const c of cases) caseTests(c);

  it('every EventBatch size in a SUCCESS trace equals the encoded size of its events', () => {
    for (const c of cases) {
      if (!c.expect.ok) continue;
      const t = raw(c.trace);
      const declared = t.events.filter((e) => e.type === EvEventBatch).map((e) => e.args[3]);
      const fixed = fixSizes(raw(c.trace)).events.filter((e) => e.type === EvEventBatch).map((e) => e.args[3]);
      expect(fixed, c.name).toEqual(declared);
    }
  });

  it('SUCCESS traces surface every timed event of the text exactly once (plus the events Go adds)', () => {
    // Go's ordering adds one event of its own: a self-ProcSteal after a GoDestroySyscall whose M
    // still held a P (internal/trace/order.go, advanceGoDestroySyscall: "Queue an extra
    // self-ProcSteal event"). Of Go's tests, only this one has such a GoDestroySyscall.
    const added: Record<string, Record<string, number>> = { 'go122-create-syscall-reuse-thread-id.test': { ProcSteal: 1 } };
    for (const c of cases) {
      if (!c.expect.ok) continue;
      const t = raw(c.trace);
      const table = specTables[t.version];
      const want: Record<string, number> = { ...added[c.name] };
      let inSync = false;
      for (const e of t.events) {
        const s = table.specs[e.type]!;
        if (e.type === EvEventBatch) inSync = false;
        if (s.name === 'Sync') inSync = true;
        if (s.timed && !inSync) want[s.name] = (want[s.name] ?? 0) + 1;
      }
      const got = countsV2(wire(c.trace));
      expect(got.error).toBeNull();
      expect(got.counts, c.name).toEqual(want);
    }
  });

  it('events carry context, generation and strictly increasing times', () => {
    const c = cases.find((x) => x.name === 'go122-annotations.test')!;
    const { events, error } = readV2Sync(wire(c.trace));
    expect(error).toBeNull();
    for (let i = 1; i < events.length; i++) expect(events[i].ts).toBeGreaterThan(events[i - 1].ts);
    expect(events[0].ts).toBe(0);
    const log = events.find((e) => e.name === 'UserLog')!;
    expect(log.g).toBe(9);
    expect(log.strings).toEqual({ key_string: 'key0', value_string: '0123456789abcdef' });
    expect(log.stack).toBe(18);
    expect(log.gen).toBe(1);
    const create = events.find((e) => e.name === 'GoCreate')!;
    expect(create.args.new_g).toBe(6);
    expect(create.stack).toBe(5);
    const status = events.find((e) => e.name === 'GoStatus' && e.args.g === 2)!;
    expect(status.args.m).toBe(-1);
    expect(status.m).toBe(-1);
  });

});

describeWithGo('1.23', "go122 fuzz crashers (Go's FuzzReader corpus in GOROOT)", () => {
  for (const name of badNames) {
    it(`${name}: an error or a result, never another exception`, async () => {
      const bytes = crasher(name);
      const err = validateV2(bytes);
      expect(err === null || err instanceof TraceError).toBe(true);
      const s = await stream(bytes, 5);
      // The streaming reader stops where the synchronous reader does (validation may stop earlier).
      expect(s.error?.message ?? null).toBe(readV2Sync(bytes).error?.message ?? null);
      if (s.error !== null) expect(err).not.toBeNull();
      // The runtime may pad varints: re-encoding is canonical, decoding it again is identical.
      const r = decodeRaw(bytes);
      if (!(r instanceof TraceError)) expect(decodeRaw(encodeRaw(r))).toEqual(r);
    });
  }

  it('each crasher reaches its verdict', () => {
    // Valid: a cgo create/destroy on a bare M, an End of a region begun before the trace
    // (allowed). A generation with no events at all (one with only a stack of id near 2^61 and
    // no frames, too) is refused by Go 1.22/1.23's reader: it has nothing to hand out.
    const want: Record<string, RegExp | null> = {
      '0cb1786dee0f090b': /^invalid status for goroutine 48: 48$/,
      '1e45307d5b2ec36d': /^broken trace: frontier is empty/,
      '2b05796f9b2fc48d': /^found invalid event type: 45$/,
      '2b9be9aebe08d511': null,
      '344331b314da0b08': /^invalid status for goroutine 49: 6144$/,
      '365d7b5b633b3f97': /^broken trace: frontier is empty/,
      '4055b17cae1a3443': /^unknown or unsupported trace version go 1\.11$/,
      '4d9ddc909984e871': /without known state for current goroutine 48/,
      '56f073e57903588c': /^encountered GCSweepActive for unknown proc 48$/,
      '9d6ee7d3ddf8d566': /without known state for current goroutine 48/,
      'aeb749b6bc317b66': /^broken trace: frontier is empty/,
      'closing-unknown-region': null,
      'd478e18d2d6756b7': /^uninitialized goroutine 48 found during GCMarkAssistActive$/,
      'd91203cd397aa0bc': /^broken trace: frontier is empty/,
      'invalid-proc-state': /^invalid status for proc 0: 69$/,
      'large-id': /^broken trace: frontier is empty/,
      'malformed-timestamp': /^found invalid uvarint for timestamp$/,
    };
    expect(Object.keys(want).sort()).toEqual(badNames);
    for (const name of badNames) {
      const err = validateV2(crasher(name));
      const re = want[name];
      if (re === null) expect(err?.message ?? null, name).toBeNull();
      else expect(err?.message, name).toMatch(re);
    }
  });
});

describeWithGo('1.23', 'mutations of valid traces (GOROOT text tests)', () => {
  const stress = cases.find((x) => x.name === 'go122-gc-stress.test')!;
  const simple = cases.find((x) => x.name === 'go122-go-create-without-running-g.test')!;

  it('the unmutated traces are valid through both paths', () => {
    expect(verdictBoth(raw(stress.trace))).toBeNull();
    expect(verdictBoth(raw(simple.trace))).toBeNull();
  });

  it('dropping a ProcStart breaks the trace', () => {
    const t = raw(stress.trace);
    const i = t.events.findIndex((e) => e.type === names.get('ProcStart')!.type);
    t.events.splice(i, 1);
    const err = verdictBoth(t);
    expect(err?.message).toMatch(/expected a proc but didn't have one/);
  });

  it('duplicating a sequence number breaks the trace', () => {
    const t = raw(stress.trace);
    // The second GoUnblock of g=57 reuses the first one's g_seq.
    // (args include dt: [dt, g, g_seq, stack].)
    const unblocks = t.events.filter((e) => e.type === names.get('GoUnblock')!.type && e.args[1] === 57n);
    unblocks[1].args[2] = unblocks[0].args[2];
    const err = verdictBoth(t);
    expect(err?.message).toMatch(/broken trace: failed to advance/);
  });

  it('starting a goroutine that is already running breaks the trace', () => {
    const t = raw(simple.trace);
    // g=5 runs (GoStart g_seq=1); a second GoStart of g=5 right after can never advance.
    const i = t.events.findIndex((e) => e.type === names.get('GoStart')!.type);
    t.events.splice(i + 1, 0, ev('GoStart', 1, 5, 2));
    const err = verdictBoth(t);
    expect(err?.message).toMatch(/broken trace: failed to advance/);
    expect(err!.gen).toBe(1);
    expect(err!.batch).toBe(0);
  });

  it('ending a syscall that never began breaks the trace', () => {
    const t = raw(simple.trace);
    const i = t.events.findIndex((e) => e.type === names.get('GoStart')!.type);
    t.events.splice(i + 1, 0, ev('GoSyscallEnd', 1));
    const err = verdictBoth(t);
    expect(err?.message).toMatch(/GoSyscallEnd event for goroutine that's not Syscall/);
    // The offset points at the inserted event's type byte in the wire form.
    const bytes = wire(writeTextTrace(t));
    expect(bytes[err!.offset]).toBe(names.get('GoSyscallEnd')!.type);
  });

  it('a self-steal without a syscall is refused, with one it is accepted', () => {
    const ok = cases.find((x) => x.name === 'go122-syscall-steal-proc-self.test')!;
    expect(verdictBoth(raw(ok.trace))).toBeNull();
    const t = raw(ok.trace);
    const i = t.events.findIndex((e) => e.type === names.get('GoSyscallBegin')!.type);
    t.events.splice(i, 1);
    expect(verdictBoth(t)).not.toBeNull();
  });

  it('a reference to a missing string is an error', () => {
    const t = raw(simple.trace);
    const stop = t.events.find((e) => e.type === names.get('GoStop')!.type)!;
    stop.args[1] = 77n; // reason_string
    expect(verdictBoth(t)?.message).toMatch(/found invalid string ID 77 for event GoStop/);
  });
});

/** Deterministic PRNG (mulberry32). */
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

describeWithGo('1.23', 'seeded mutation fuzz (GOROOT text tests and ours)', () => {
  it('3000 mutated traces (bit flips, truncations, splices, byte stomps, noise) each end in an error or a result', () => {
    const seeds = cases.map((c) => wire(c.trace));
    const rand = prng(0x5eed);
    const pick = (n: number) => Math.floor(rand() * n);
    let errors = 0;
    let results = 0;
    const t0 = performance.now();
    for (let k = 0; k < 3000; k++) {
      const src = seeds[pick(seeds.length)];
      let b = src.slice();
      const kind = k % 5;
      if (kind === 0) {
        for (let f = 1 + pick(4); f > 0; f--) {
          const i = 16 + pick(Math.max(1, b.length - 16));
          if (i < b.length) b[i] ^= 1 << pick(8);
        }
      } else if (kind === 1) {
        b = b.slice(0, pick(b.length + 1));
      } else if (kind === 2) {
        const other = seeds[pick(seeds.length)];
        const cut = pick(b.length);
        const from = pick(other.length);
        const tail = other.subarray(from);
        const out = new Uint8Array(cut + tail.length);
        out.set(b.subarray(0, cut));
        out.set(tail, cut);
        b = out;
      } else if (kind === 4) {
        // Noise after a valid header, starting like a batch half of the time.
        b = new Uint8Array(16 + pick(200));
        b.set(src.subarray(0, 16));
        for (let i = 16; i < b.length; i++) b[i] = pick(256);
        if (k % 2 === 0 && b.length > 16) b[16] = 1;
      } else {
        for (let f = 1 + pick(3); f > 0; f--) {
          const i = 16 + pick(Math.max(1, b.length - 16));
          if (i < b.length) b[i] = [0, 0x7f, 0x80, 0xff][pick(4)];
        }
      }
      const err = validateV2(b);
      if (err === null) results++;
      else {
        expect(err).toBeInstanceOf(TraceError);
        expect(typeof err.offset).toBe('number');
        errors++;
      }
      // Validation is the reader plus the validation layer: a reader error is a validation error.
      const r = readV2Sync(b);
      if (r.error !== null) expect(err).not.toBeNull();
      if (k % 10 === 0) {
        const rt = decodeRaw(b);
        if (!(rt instanceof TraceError)) expect(decodeRaw(encodeRaw(rt))).toEqual(rt);
      }
    }
    expect(errors).toBeGreaterThan(1000);
    expect(results).toBeGreaterThan(0);
    // No case may hang: the whole run stays within seconds even on a loaded machine.
    expect(performance.now() - t0).toBeLessThan(45000);
  }, 60000);
});

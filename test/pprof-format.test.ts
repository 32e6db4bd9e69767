// Tests for bindings/formats/pprof.ts: the gzip+protobuf codec, on real Go 1.19 profiles and on
// profiles built here. Every expected fact about the fixtures below was read off
// `go tool pprof -raw` (Go 1.19.8) and the decoded protobuf; the cross-check against a live
// `go tool pprof` run is in pprof-builder.test.ts. Owned by the pprof work.

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Profile, StringTable } from 'pprof-format';
import { decodeProfile, encodeProfile, isGzip } from '../bindings/formats/pprof.ts';

const fixturePath = (name: string): string => new URL(`../../shared/fixtures/go1.19/${name}.pprof`, import.meta.url).pathname;

const n = (x: number | bigint): number => Number(x);

function stackNames(p: Profile, sampleIndex: number): string[] {
  const S = p.stringTable.strings;
  const locs = new Map(p.location.map((l) => [n(l.id), l]));
  const fns = new Map(p.function.map((f) => [n(f.id), f]));
  return p.sample[sampleIndex].locationId.flatMap((id) => locs.get(n(id))!.line.map((ln) => S[n(fns.get(n(ln.functionId))!.name)]));
}

interface FixtureFacts {
  time: bigint;
  duration: number;
  samples: number;
  count: number;
  locations: number;
  functions: number;
  strings: number;
  firstStack: string[];
  firstCount: number;
  labels: string[];
}

// Read off `go tool pprof -raw` and the decoded protobuf of each fixture.
const FACTS: Record<string, FixtureFacts> = {
  hog: {
    time: 1795289338658918423n,
    duration: 301481639,
    samples: 14,
    count: 30,
    locations: 31,
    functions: 21,
    strings: 40,
    firstStack: ['main.hog', 'main.main.func1.1', 'runtime/pprof.Do', 'main.main.func1'],
    firstCount: 7,
    labels: ['worker=hog'],
  },
  annot: {
    time: 1795289339353298029n,
    duration: 201474870,
    samples: 13,
    count: 19,
    locations: 30,
    functions: 22,
    strings: 39,
    firstStack: ['runtime.gentraceback', 'runtime.gcallers', 'runtime.traceStackID', 'runtime.traceEventLocked', 'runtime.traceEvent', 'runtime.traceGoSched', 'runtime.gosched_m', 'runtime.mcall'],
    firstCount: 1,
    labels: [],
  },
  mixed: {
    time: 1795289339028236519n,
    duration: 317889923,
    samples: 24,
    count: 41,
    locations: 100,
    functions: 81,
    strings: 115,
    firstStack: ['main.hog', 'main.main.func5'],
    firstCount: 11,
    labels: [],
  },
};

describe('decodeProfile on real Go 1.19 CPU profiles', () => {
  for (const [name, f] of Object.entries(FACTS)) {
    it(`${name}.pprof`, () => {
      const bytes = new Uint8Array(readFileSync(fixturePath(name)));
      expect(isGzip(bytes)).toBe(true);
      const p = decodeProfile(bytes);
      const S = p.stringTable.strings;
      // What runtime/pprof writes for every CPU profile.
      expect(S.slice(0, 5)).toEqual(['', 'samples', 'count', 'cpu', 'nanoseconds']);
      expect(p.sampleType.map((v) => [S[n(v.type)], S[n(v.unit)]])).toEqual([
        ['samples', 'count'],
        ['cpu', 'nanoseconds'],
      ]);
      expect([S[n(p.periodType!.type)], S[n(p.periodType!.unit)]]).toEqual(['cpu', 'nanoseconds']);
      expect(n(p.period)).toBe(10000000);
      expect(BigInt(p.timeNanos)).toBe(f.time);
      expect(n(p.durationNanos)).toBe(f.duration);
      expect(S.length).toBe(f.strings);
      expect(p.sample.length).toBe(f.samples);
      expect(p.sample.reduce((a, s) => a + n(s.value[0]), 0)).toBe(f.count);
      // cpu/nanoseconds is always count * period.
      for (const s of p.sample) expect(n(s.value[1])).toBe(n(s.value[0]) * 10000000);
      // Ids are dense and in emission order.
      expect(p.location.map((l) => n(l.id))).toEqual(Array.from({ length: f.locations }, (_, i) => i + 1));
      expect(p.function.map((x) => n(x.id))).toEqual(Array.from({ length: f.functions }, (_, i) => i + 1));
      // Go sets system_name = name.
      for (const fn of p.function) expect(fn.systemName).toBe(fn.name);
      // The main binary's text mapping, then the kernel's [vdso] and [vsyscall].
      expect(p.mapping.map((m) => S[n(m.filename)])).toEqual(['/tmp/gofix/gen', '[vdso]', '[vsyscall]']);
      const m0 = p.mapping[0];
      expect([n(m0.id), n(m0.memoryStart), n(m0.memoryLimit), n(m0.fileOffset), S[n(m0.buildId)], m0.hasFunctions]).toEqual([1, 0x400000, 0x4b8000, 0, '', true]);
      expect(p.mapping[2].memoryStart.toString(16)).toBe('ffffffffff600000');
      for (const l of p.location) expect(n(l.mappingId)).toBe(1);
      const labels = new Set(p.sample.flatMap((s) => s.label.map((l) => `${S[n(l.key)]}=${S[n(l.str)]}`)));
      expect([...labels]).toEqual(f.labels);
      if (f.labels.length) for (const s of p.sample) expect(s.label.length).toBe(1);
      if (f.firstStack.length) expect(stackNames(p, 0)).toEqual(f.firstStack);
      if (f.firstCount) expect(n(p.sample[0].value[0])).toBe(f.firstCount);
    });
  }

  it('uses the gzip header Go writes (mtime 0, BestSpeed, OS unknown), and so do we', () => {
    const real = readFileSync(fixturePath('hog')).subarray(0, 10);
    expect([...real]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 255]);
    const ours = encodeProfile(new Profile({ stringTable: new StringTable() }));
    expect([...ours.subarray(0, 10)]).toEqual([...real]);
  });
});

describe('encodeProfile / decodeProfile', () => {
  it('re-encoding a decoded real profile is stable byte for byte', () => {
    // pprof-format writes fields grouped by number, Go interleaves them, so compare our own
    // re-encoding twice: decode(encode(decode(x))) must be stable byte for byte.
    const p = decodeProfile(new Uint8Array(readFileSync(fixturePath('mixed'))));
    const once = encodeProfile(p);
    const twice = encodeProfile(decodeProfile(once));
    expect(Buffer.from(twice).equals(Buffer.from(once))).toBe(true);
    expect(decodeProfile(once).sample.length).toBe(24);
  });

  it('accepts a bare protobuf as well as gzip', () => {
    const p = decodeProfile(new Uint8Array(readFileSync(fixturePath('annot'))));
    const bare = p.encode();
    expect(isGzip(bare)).toBe(false);
    const q = decodeProfile(bare);
    expect(Buffer.from(q.encode()).equals(Buffer.from(bare))).toBe(true);
    expect(q.sample.length).toBe(13);
  });

  it('throws a pprof error on a broken gzip stream', () => {
    expect(() => decodeProfile(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 255, 1, 2, 3]))).toThrow(/^pprof: bad gzip stream/);
  });
});

// Tests for bindings/formats/pprof.ts: the gzip+protobuf codec, on real Go 1.19 profiles and on
// profiles built here. The fixtures (test/fixtures/go1.19/*.pprof, written by test/go/tracegen)
// come with what `go tool pprof -raw` (Go 1.19.8) printed for them (*.pprof-raw): the facts below
// are read from that, except the duration and the sizes of the string and function tables, which
// -raw does not print and were read off the decoded protobuf (scripts/fixtures.sh regenerates the
// fixtures; then those three must be read again). The cross-check against a live
// `go tool pprof` run is in pprof-builder.test.ts. Owned by the pprof work.

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Profile, StringTable } from 'pprof-format';
import { decodeProfile, encodeProfile, isGzip } from '../bindings/formats/pprof.ts';
import { fixturePath as fixtureFile, type V1Fixture } from './data.ts';

const fixturePath = (name: V1Fixture): string => fixtureFile(name, 'pprof');

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
  /** The program's mapping as -raw prints it: start, limit, offset, file. */
  mapping: [number, number, number, string];
}

/** The facts `go tool pprof -raw` printed for a fixture (its .pprof-raw). */
function rawFacts(name: V1Fixture): Omit<FixtureFacts, 'duration' | 'functions' | 'strings'> {
  const text = readFileSync(fixtureFile(name, 'pprof-raw'), 'utf8');
  const lines = text.split('\n');
  // "Time: 2026-11-30 01:52:27.223605964 +0000 UTC": nanoseconds since the epoch.
  const t = /^Time: (\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))? \+0000 UTC$/m.exec(text)!;
  const secs = Date.UTC(+t[1], +t[2] - 1, +t[3], +t[4], +t[5], +t[6]) / 1000;
  const time = BigInt(secs) * 1_000_000_000n + BigInt((t[7] ?? '').padEnd(9, '0'));
  const samples: { count: number; locs: number[]; labels: string[] }[] = [];
  const funcs = new Map<number, string[]>();
  let section = '';
  let loc = 0;
  let mapping: [number, number, number, string] | null = null;
  for (const l of lines) {
    if (/^(Samples|Locations|Mappings)/.test(l)) section = l.replace(/:$/, '');
    let m: RegExpExecArray | null;
    if (section === 'Samples' && (m = /^\s+(\d+)\s+\d+: ([\d ]+)$/.exec(l))) {
      samples.push({ count: Number(m[1]), locs: m[2].trim().split(' ').map(Number), labels: [] });
    } else if (section === 'Samples' && (m = /^\s+(\w+):\[(.*)\]$/.exec(l))) {
      samples.at(-1)!.labels.push(`${m[1]}=${m[2]}`);
    } else if (section === 'Locations' && (m = /^\s+(\d+): 0x[0-9a-f]+ M=\d+ (\S+) /.exec(l))) {
      loc = Number(m[1]);
      funcs.set(loc, [m[2]]);
    } else if (section === 'Locations' && (m = /^\s+(\S+) \S+:\d+ s=\d+$/.exec(l))) {
      funcs.get(loc)!.push(m[1]); // an inlined caller of the same location
    } else if (section === 'Mappings' && !mapping && (m = /^1: 0x([0-9a-f]+)\/0x([0-9a-f]+)\/0x([0-9a-f]+) (\S+)/.exec(l))) {
      mapping = [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16), m[4]];
    }
  }
  return {
    time,
    samples: samples.length,
    count: samples.reduce((a, s) => a + s.count, 0),
    locations: funcs.size,
    firstStack: samples[0].locs.flatMap((id) => funcs.get(id)!),
    firstCount: samples[0].count,
    labels: [...new Set(samples.flatMap((s) => s.labels))],
    mapping: mapping!,
  };
}

// From the decoded protobuf of each fixture (-raw does not print these); the rest from -raw.
const FACTS: Record<V1Fixture, FixtureFacts> = {
  hog: { duration: 318506499, functions: 17, strings: 35, ...rawFacts('hog') },
  annot: { duration: 201696269, functions: 22, strings: 40, ...rawFacts('annot') },
  mixed: { duration: 302016638, functions: 30, strings: 46, ...rawFacts('mixed') },
};

describe('decodeProfile on real Go 1.19 CPU profiles', () => {
  it('the fixtures have what these tests look at (per go tool pprof -raw)', () => {
    // hog runs under pprof labels worker=hog (test/go/tracegen); every fixture has CPU samples.
    expect(FACTS.hog.labels).toEqual(['worker=hog']);
    expect(FACTS.annot.labels).toEqual([]);
    expect(FACTS.mixed.labels).toEqual([]);
    for (const f of Object.values(FACTS)) {
      expect(f.samples).toBeGreaterThan(1);
      expect(f.count).toBeGreaterThanOrEqual(f.samples);
      expect(f.time).toBeGreaterThan(1_700_000_000_000_000_000n);
    }
  });

  for (const [name, f] of Object.entries(FACTS) as [V1Fixture, FixtureFacts][]) {
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
      // The main binary's text mapping (scripts/fixtures.sh runs tracegen from there), then the
      // kernel's [vdso] and [vsyscall].
      expect(p.mapping.map((m) => S[n(m.filename)])).toEqual(['/tmp/gotracesim-fixtures/tracegen', '[vdso]', '[vsyscall]']);
      const m0 = p.mapping[0];
      expect([n(m0.memoryStart), n(m0.memoryLimit), n(m0.fileOffset), S[n(m0.filename)]]).toEqual(f.mapping);
      expect([n(m0.id), n(m0.memoryStart), S[n(m0.buildId)], m0.hasFunctions]).toEqual([1, 0x400000, '', true]);
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
    expect(decodeProfile(once).sample.length).toBe(FACTS.mixed.samples);
  });

  it('accepts a bare protobuf as well as gzip', () => {
    const p = decodeProfile(new Uint8Array(readFileSync(fixturePath('annot'))));
    const bare = p.encode();
    expect(isGzip(bare)).toBe(false);
    const q = decodeProfile(bare);
    expect(Buffer.from(q.encode()).equals(Buffer.from(bare))).toBe(true);
    expect(q.sample.length).toBe(FACTS.annot.samples);
  });

  it('throws a pprof error on a broken gzip stream', () => {
    expect(() => decodeProfile(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 255, 1, 2, 3]))).toThrow(/^pprof: bad gzip stream/);
  });
});

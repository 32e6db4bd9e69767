// A slice of the seeded mutation fuzzer (scripts/fuzz-lib.ts; the full ≥10^4-case run is
// `npm run fuzz`): bit flips, truncations, splices, byte stomps ... of Go's conformance traces
// (wire and text), the bad-go122 inputs and the real go 1.19 fixtures. Every case must end with
// a result or a TraceError — never another exception, never an "internal error" — within a
// per-case time bound, with bounded heap growth over the run. Go's traces and fuzz inputs are read
// from GOROOT of an installed Go 1.23 (test/data.ts): skipped, by name, without it.
import { expect, it } from 'vitest';
import { fuzz, loadCorpus, mutate } from '../scripts/fuzz-lib.ts';
import { describeWithGo } from './oracle/go.ts';

describeWithGo('1.23', 'mutation fuzzer (slice)', (tc) => {
  it('is deterministic per (seed, case)', () => {
    const corpus = loadCorpus(tc.goroot);
    for (const i of [0, 7, 123]) {
      const a = mutate(42, i, corpus);
      const b = mutate(42, i, corpus);
      expect(a.ops).toEqual(b.ops);
      expect(a.bytes).toEqual(b.bytes);
    }
    expect(mutate(42, 1, corpus).ops).not.toEqual(mutate(43, 1, corpus).ops);
  });

  it('1500 cases: a result or a TraceError each, bounded in time and heap', async () => {
    const rep = await fuzz({ seed: 20261121, cases: 1500, goroot: tc.goroot });
    console.log(
      `fuzz slice: ${rep.cases} cases in ${(rep.totalMs / 1000).toFixed(1)} s: ${rep.valid} valid, ${rep.errors} TraceErrors, ` +
        `${rep.failures.length} failures; slowest ${rep.maxCaseMs.toFixed(0)} ms, max heap growth ${rep.maxHeapGrowthMB.toFixed(0)} MB`,
    );
    expect(rep.failures).toEqual([]);
    expect(rep.cases).toBe(1500);
    expect(rep.valid + rep.errors).toBe(1500);
    // Most mutants are broken; some survive (e.g. flips inside string data).
    expect(rep.errors).toBeGreaterThan(1000);
    // Bounds: the largest input is ~0.3 MB; no case may take seconds or grow the heap without limit.
    expect(rep.maxCaseMs).toBeLessThan(10000);
    expect(rep.maxHeapGrowthMB).toBeLessThan(400);
    // Every part of the corpus was exercised.
    expect(Object.keys(rep.bySeed).some((k) => k.startsWith('go1.19/'))).toBe(true);
    expect(Object.keys(rep.bySeed).some((k) => k.endsWith(':text'))).toBe(true);
    expect(Object.keys(rep.bySeed).some((k) => k.startsWith('bad-go122/'))).toBe(true);
  }, 60000);
});

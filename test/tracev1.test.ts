// The go 1.19 tracer: CPU samples are attributed the way each release attributes them, and
// output is deterministic. (Real Go judging what we write: oracle-writers.test.ts.)
import { describe, expect, it } from 'vitest';
import { simulate } from '../bindings/runtime/simulate.ts';
import { DEFAULT_SCENARIO } from '../bindings/scenario/default-scenario.ts';
import { parseV1 } from '../bindings/formats/v1/index.ts';
import { decodeProfile } from '../bindings/formats/pprof.ts';
import type { Scenario } from '../bindings/scenario/scenario.ts';

const f = (func: string, line = 10) => [{ func, file: '/app/main.go', line }];

const SCENARIOS: Record<string, Scenario> = {
  default: DEFAULT_SCENARIO,
  annotated: {
    gomaxprocs: 3,
    duration: '300ms',
    goroutines: [
      {
        name: 'job',
        count: 3,
        labels: { job: 'x' },
        program: [{ task: 'job', do: [{ loop: [{ region: 'step', do: [{ compute: f('main.step'), for: '300us' }, { log: 'progress', category: 'step' }] }, { gosched: true }, { sleep: '50us' }] }] }],
      },
      { name: 'spawner', program: [{ loop: [{ spawn: 'short', count: 2 }, { sleep: '2ms' }], times: 20 }] },
      { name: 'short', count: 0, program: [{ compute: f('main.short'), for: '100us' }] },
    ],
  },
  syscalls: {
    gomaxprocs: 2,
    duration: '300ms',
    goroutines: [
      { name: 'io', count: 4, program: [{ loop: [{ syscall: f('main.read'), cpu: '5us', block: '300us' }, { compute: f('main.parse'), for: '20us' }] }] },
      { name: 'alloc', program: [{ loop: [{ compute: f('main.build'), for: '30us' }, { alloc: '32KiB' }] }] },
      { name: 'spin', program: [{ loop: [{ compute: f('main.spin'), for: '1ms' }] }] },
    ],
    gc: { trigger: '1MiB', mark: '1ms' },
    threads: [{ name: 'C.work', busy: 0.3 }],
  },
};

describe('CPU samples in the v1 trace', () => {
  it('go into the trace-owned profBuf and out as CPUSample events, conserved', () => {
    const r = simulate(DEFAULT_SCENARIO, { overrides: { go: '1.19', duration: '500ms' }, trace: true });
    const cs = r.summary.trace!.cpuSamples;
    expect(cs.taken).toBe(r.summary.profile.delivered - r.summary.profile.nonGo);
    expect(cs.taken).toBe(cs.buffered + cs.overflowed);
    expect(cs.inTrace).toBe(cs.buffered);
    const t = parseV1(r.trace!);
    const samples = t.events.filter((e) => e.name === 'CPUSample');
    expect(samples.length).toBe(cs.inTrace);
    // Re-sorted by the time taken in the handler.
    for (let i = 1; i < samples.length; i++) expect(samples[i].ts).toBeGreaterThanOrEqual(samples[i - 1].ts);
  });

  it('are not written before Go 1.19', () => {
    const r = simulate(DEFAULT_SCENARIO, { overrides: { go: '1.18', duration: '200ms' }, trace: true });
    expect(r.summary.trace!.events.CPUSample ?? 0).toBe(0);
    expect(r.summary.trace!.cpuSamples.taken).toBe(0);
  });
});

// TestTraceCPUProfile, in simulation: a labelled goroutine inside a region, doing work on g0
// through Gosched. Its trace samples per stack must cover its labelled pprof samples.
function traceCPUProfileCase(seed: number, attribution: 'curg' | 'gp') {
  const sc: Scenario = {
    go: '1.19',
    gomaxprocs: 2,
    duration: '1s',
    seed,
    costs: { gosched: '200us' },
    switches: { sampleAttribution: attribution },
    goroutines: [
      {
        name: 'hog',
        labels: { worker: 'hog' },
        program: [{ region: 'hogger', do: [{ loop: [{ compute: f('main.hog', 24), for: '300us' }, { gosched: true }] }] }],
      },
      { name: 'other', program: [{ loop: [{ compute: f('main.other', 40), for: '1ms' }] }] },
    ],
  };
  const r = simulate(sc, { trace: true });
  const hogId = r.summary.goroutines.find((g) => g.template === 'hog')!.id;
  const t = parseV1(r.trace!);
  const key = (frames: { func: string }[]) => frames.map((x) => x.func).join(';');
  const traceStacks = new Map<string, number>();
  let g0Samples = 0;
  for (const e of t.events) {
    if (e.name !== 'CPUSample') continue;
    const k = key(t.stacks.get(e.stack) ?? []);
    if (e.g === hogId) traceStacks.set(k, (traceStacks.get(k) ?? 0) + 1);
    if (e.g === 0 && k.includes('runtime.gosched_m')) g0Samples++;
  }
  const p = decodeProfile(r.pprof);
  const str = (i: number | bigint) => p.stringTable.strings[Number(i)];
  const fn = new Map(p.function.map((x) => [Number(x.id), str(x.name)]));
  const loc = new Map(p.location.map((l) => [Number(l.id), l.line.map((x) => fn.get(Number(x.functionId))!)]));
  const pprofStacks = new Map<string, number>();
  for (const s of p.sample) {
    if (!s.label.some((l) => str(l.key) === 'worker' && str(l.str) === 'hog')) continue;
    const k = s.locationId.flatMap((id) => loc.get(Number(id))!).join(';');
    pprofStacks.set(k, (pprofStacks.get(k) ?? 0) + Number(s.value[0]));
  }
  return { r, traceStacks, pprofStacks, g0Samples };
}

describe('TestTraceCPUProfile in simulation (seeds 003 + 000)', () => {
  for (const seed of [3, 0]) {
    it(`seed ${seed}, curg attribution: trace samples per stack ≥ the profile's labelled samples`, () => {
      const { r, traceStacks, pprofStacks, g0Samples } = traceCPUProfileCase(seed, 'curg');
      expect(r.summary.trace!.cpuSamples.overflowed).toBe(0);
      expect(pprofStacks.size).toBeGreaterThanOrEqual(2);
      const gosched = [...pprofStacks.keys()].filter((k) => k.includes('runtime.gosched_m'));
      expect(gosched.length).toBeGreaterThan(0); // the g0 work is in the profile under the labels
      for (const [stack, n] of pprofStacks) expect(traceStacks.get(stack) ?? 0).toBeGreaterThanOrEqual(n);
      expect(g0Samples).toBe(0);
    });

    it(`seed ${seed}, gp attribution (before the fix): the g0 samples go to goid 0, and the check catches it`, () => {
      const { traceStacks, pprofStacks, g0Samples } = traceCPUProfileCase(seed, 'gp');
      expect(g0Samples).toBeGreaterThan(0);
      const failing = [...pprofStacks].filter(([stack, n]) => (traceStacks.get(stack) ?? 0) < n);
      expect(failing.length).toBeGreaterThan(0);
      expect(failing.every(([stack]) => stack.includes('runtime.gosched_m'))).toBe(true);
    });
  }
});

describe('v1 trace determinism', () => {
  it('writes byte-identical traces for the same scenario and seed', () => {
    const a = simulate(SCENARIOS.syscalls, { overrides: { go: '1.19' }, trace: true }).trace!;
    const b = simulate(SCENARIOS.syscalls, { overrides: { go: '1.19' }, trace: true }).trace!;
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const c = simulate(SCENARIOS.syscalls, { overrides: { go: '1.19', seed: 9 }, trace: true }).trace!;
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });
});

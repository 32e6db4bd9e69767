// The simulated CPU profiler against what the runtime and the kernel really do.
import { describe, expect, it } from 'vitest';
import { simulate } from '../bindings/runtime/simulate.ts';
import { RELEASES } from '../bindings/scenario/releases.ts';
import { DEFAULT_SCENARIO } from '../bindings/scenario/default-scenario.ts';
import { decodeProfile } from '../bindings/formats/pprof.ts';
import type { Scenario } from '../bindings/scenario/scenario.ts';

const spin = [{ func: 'main.spin', file: '/app/main.go', line: 20 }, { func: 'main.worker', file: '/app/main.go', line: 30 }];

function busy(n: number, procs: number, timer: 'per-thread' | 'setitimer', extra: Partial<Scenario> = {}): Scenario {
  return {
    gomaxprocs: procs,
    duration: '2s',
    profile: { timer, hz: 100 },
    goroutines: [{ name: 'spin', count: n, program: [{ loop: [{ compute: spin, for: '5ms' }] }] }],
    ...extra,
  };
}

/** Samples of a decoded profile, as {count, funcs (leaf first), labels}. */
function samples(pprof: Uint8Array) {
  const p = decodeProfile(pprof);
  const str = (i: number | bigint) => p.stringTable.strings[Number(i)];
  const fn = new Map(p.function.map((f) => [Number(f.id), str(f.name)]));
  const loc = new Map(p.location.map((l) => [Number(l.id), l.line.map((x) => fn.get(Number(x.functionId))!)]));
  return p.sample.map((s) => ({
    count: Number(s.value[0]),
    funcs: s.locationId.flatMap((id) => loc.get(Number(id))!),
    labels: Object.fromEntries(s.label.map((l) => [str(l.key), str(l.str)])),
  }));
}

describe('magnitude: N busy goroutines, GOMAXPROCS = N (seed-002)', () => {
  for (const n of [1, 2, 4, 8, 16, 64]) {
    it(`per-thread timers: profiled CPU within 10% of OS CPU at N=${n}, parallel and serial`, () => {
      for (const procs of [n, 1]) {
        const s = simulate(busy(n, procs, 'per-thread')).summary.profile;
        expect(s.osCpuNs.total).toBeGreaterThan(procs * 1.9e9);
        expect(Math.abs(s.ratio - 1)).toBeLessThan(0.1);
      }
    });
    it(`setitimer with a 4ms tick: ratio ≈ min(1, 2.5/N) within 10% at N=${n}`, () => {
      const s = simulate(busy(n, n, 'setitimer')).summary.profile;
      const expected = Math.min(1, 2.5 / n);
      expect(Math.abs(s.ratio - expected) / expected).toBeLessThan(0.1);
      expect(s.droppedByValidSIGPROF).toBe(0);
    });
  }

  it('reproduces Go issue #45983: 8 busy CPUs at 100 Hz show ≈ 250% instead of 800%', () => {
    const s = simulate(busy(8, 8, 'setitimer')).summary.profile;
    const shownPercent = (100 * s.profiledCpuNs) / 2e9;
    expect(shownPercent).toBeGreaterThan(225);
    expect(shownPercent).toBeLessThan(275);
  });
});

describe('short-lived threads (1000 threads × 0.1 period each)', () => {
  const scenario = (firstExpiry: 'uniform' | 'period'): Scenario => ({
    gomaxprocs: 4,
    duration: '1s',
    seed: 7,
    profile: { timer: 'per-thread', hz: 100, firstExpiry },
    goroutines: [{ name: 'short', count: 1000, lockOSThread: true, program: [{ compute: spin, for: '1ms' }] }],
  });

  it('meets the expected sample count within 3σ with the first expiry uniform in (0, period], the tick permitting', () => {
    const r = simulate(scenario('uniform'));
    const gs = r.summary.goroutines.filter((g) => g.template === 'short');
    expect(gs.length).toBe(1000);
    // A thread that runs L ≪ period once crosses its first expiry with chance L/period (at a
    // uniform point u of its run), and Linux sees it only if a 4ms tick lands in the rest of
    // the run, chance (L − u)/tick: L²/(2·period·tick) in all. Without the tick it would be
    // L/period (100 samples here); real Linux checks CPU-time timers only in the tick.
    const chances = gs.map((g) => (g.cpuNs * g.cpuNs) / (2 * 1e7 * 4e6));
    const expected = chances.reduce((a, b) => a + b, 0);
    const sigma = Math.sqrt(chances.reduce((a, q) => a + q * (1 - q), 0));
    const got = gs.reduce((a, g) => a + g.samples, 0);
    expect(expected).toBeGreaterThan(12);
    expect(Math.abs(got - expected)).toBeLessThanOrEqual(3 * sigma);
    // One M per locked goroutine, each with its own timer.
    expect(r.summary.threads.filter((t) => t.kind === 'm').length).toBeGreaterThanOrEqual(1000);
  });

  it('shows the bias when the first expiry is a full period (before the fix)', () => {
    const r = simulate(scenario('period'));
    const got = r.summary.goroutines.filter((g) => g.template === 'short').reduce((a, g) => a + g.samples, 0);
    expect(got).toBe(0);
  });
});

describe('threads without an M (cgo)', () => {
  const sc = (timer: 'per-thread' | 'setitimer'): Scenario => ({
    ...busy(2, 2, timer),
    threads: [{ name: 'C.compress', count: 2, busy: 0.5 }],
  });

  it('are sampled through setitimer only, once, and appear as _ExternalCode', () => {
    const r = simulate(sc('per-thread'));
    const cgo = r.summary.threads.filter((t) => t.kind === 'cgo');
    const ms = r.summary.threads.filter((t) => t.kind === 'm');
    expect(cgo.length).toBe(2);
    for (const t of cgo) {
      expect(t.signals).toBeGreaterThan(10);
      expect(t.dropped).toBe(0); // a setitimer signal on a thread with no M is valid
      expect(t.samples).toBe(t.signals);
    }
    // Go threads with their own timer drop the setitimer signals: never counted twice.
    expect(ms.reduce((a, t) => a + t.dropped, 0)).toBeGreaterThan(0);
    for (const t of ms) expect(t.profiledNs).toBeLessThanOrEqual(1.1 * (t.userNs + t.sysNs) + 1e7);
    const ext = samples(r.pprof).filter((s) => s.funcs.includes('runtime._ExternalCode'));
    expect(ext.reduce((a, s) => a + s.count, 0)).toBe(cgo.reduce((a, t) => a + t.samples, 0));
    expect(ext.every((s) => s.funcs[0] === 'C.compress')).toBe(true);
    expect(r.summary.profile.nonGo).toBe(cgo.reduce((a, t) => a + t.samples, 0));
  });

  it('share the one process timer with Go threads under setitimer', () => {
    const r = simulate(sc('setitimer'));
    expect(r.summary.profile.droppedByValidSIGPROF).toBe(0);
    expect(r.summary.kernel.timerSignals).toBe(0);
    expect(r.summary.kernel.itimerSignals).toBe(r.summary.profile.signals);
  });
});

describe('curg attribution of g0 work (seed-000, pprof side)', () => {
  const g0work = [{ func: 'main.hashOnSystemStack', file: '/app/main.go', line: 50 }];
  const user = [{ func: 'main.work', file: '/app/main.go', line: 60 }];

  it('gives systemstack, mcall and Gosched samples the labels of the goroutine they ran for', () => {
    const r = simulate({
      gomaxprocs: 2,
      duration: '2s',
      costs: { gosched: '200us' },
      goroutines: [
        {
          name: 'worker',
          labels: { who: 'worker' },
          program: [{ loop: [{ systemstack: g0work, for: '2ms' }, { mcall: g0work, for: '1ms' }, { compute: user, for: '2ms' }, { gosched: true }] }],
        },
      ],
    });
    const all = samples(r.pprof);
    const onSystemstack = all.filter((s) => s.funcs.includes('runtime.systemstack_switch'));
    const onMcall = all.filter((s) => s.funcs[0] === 'main.hashOnSystemStack' && !s.funcs.includes('runtime.systemstack_switch'));
    const onGosched = all.filter((s) => s.funcs.includes('runtime.gosched_m'));
    for (const group of [onSystemstack, onMcall, onGosched]) {
      expect(group.reduce((a, s) => a + s.count, 0)).toBeGreaterThan(5);
      for (const s of group) expect(s.labels).toEqual({ who: 'worker' });
    }
    // systemstack tracebacks continue into the goroutine's own frames; mcall ones do not.
    expect(onSystemstack.every((s) => s.funcs.includes('main.work'))).toBe(true);
    expect(onMcall.every((s) => !s.funcs.includes('main.work'))).toBe(true);
  });
});

describe('profBuf overflow', () => {
  const sc: Scenario = {
    gomaxprocs: 16,
    duration: '1s',
    profile: { hz: 1000, profBuf: { words: 512, tags: 32 } },
    goroutines: [{ name: 'spin', count: 16, program: [{ loop: [{ compute: spin, for: '5ms' }] }] }],
  };

  it('shows lostProfileEvent with exactly the lost count, and conserves samples', () => {
    const r = simulate(sc);
    const p = r.summary.profile;
    expect(p.lostToOverflow).toBeGreaterThan(1000);
    expect(p.delivered).toBe(p.inProfile + p.lostToOverflow);
    const lost = samples(r.pprof).filter((s) => s.funcs[0] === 'runtime/pprof.lostProfileEvent');
    expect(lost.length).toBe(1);
    expect(lost[0].count).toBe(p.lostToOverflow);
    const kept = samples(r.pprof).filter((s) => s.funcs[0] !== 'runtime/pprof.lostProfileEvent');
    expect(kept.reduce((a, s) => a + s.count, 0)).toBe(p.inProfile);
  });

  it('loses nothing with the runtime default buffer at the same load', () => {
    const r = simulate({ ...sc, profile: { hz: 1000 } });
    expect(r.summary.profile.lostToOverflow).toBe(0);
    expect(r.summary.profile.inProfile).toBe(r.summary.profile.delivered);
  });
});

describe('determinism', () => {
  it('gives byte-identical cpu.pprof and summary for the same scenario and seed, different for another seed', () => {
    const a = simulate(DEFAULT_SCENARIO);
    const b = simulate(DEFAULT_SCENARIO);
    expect(Buffer.from(a.pprof).equals(Buffer.from(b.pprof))).toBe(true);
    expect(JSON.stringify(a.summary)).toBe(JSON.stringify(b.summary));
    const c = simulate(DEFAULT_SCENARIO, { overrides: { seed: 2 } });
    expect(Buffer.from(a.pprof).equals(Buffer.from(c.pprof))).toBe(false);
    expect(JSON.stringify(a.summary)).not.toBe(JSON.stringify(c.summary));
  });
});

describe('release presets', () => {
  it('map each Go release onto its switches', () => {
    expect(RELEASES['1.17'].timer).toBe('setitimer');
    expect(RELEASES['1.18'].timer).toBe('per-thread');
    expect([RELEASES['1.18'].traceCPUSamples, RELEASES['1.19'].traceCPUSamples]).toEqual([false, true]);
    expect(RELEASES['1.19'].sampleAttribution).toBe('curg');
    expect([RELEASES['1.21'].tracer, RELEASES['1.22'].tracer]).toEqual(['v1', 'v2']);
    expect(simulate(DEFAULT_SCENARIO, { overrides: { go: '1.17' } }).summary.profile.timer).toBe('setitimer');
  });

  it('lets a scenario override one switch', () => {
    const r = simulate({ ...busy(1, 1, 'per-thread'), go: '1.19', switches: { firstExpiry: 'period' } });
    expect(r.summary.switches.firstExpiry).toBe('period');
    expect(r.summary.switches.timer).toBe('per-thread');
  });
});

describe('the default scenario', () => {
  it('runs every kind of goroutine it describes', () => {
    const r = simulate(DEFAULT_SCENARIO);
    const by = new Map(r.summary.goroutines.map((g) => [g.template, g]));
    for (const t of ['hasher', 'yielder', 'pinger', 'ponger', 'reader', 'allocator', 'gcBgMarkWorker']) expect(by.get(t)?.cpuNs).toBeGreaterThan(1e6);
    expect(r.summary.profile.osCpuNs.sys).toBeGreaterThan(0); // the reader's syscalls
    expect(Math.abs(r.summary.profile.ratio - 1)).toBeLessThan(0.05);
    const labels = new Set(samples(r.pprof).map((s) => s.labels.worker));
    for (const w of ['hash', 'yield', 'pingpong', 'io', 'alloc']) expect(labels.has(w)).toBe(true);
  });
});

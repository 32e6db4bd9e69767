// The runtime's own goroutines and GC activity (issue 12, item 2) and the jitter of step
// durations (item 3): which goroutines exist per release, when they wake, what the sweeper and
// the heap goal tell a tracer, and how step durations spread per seed.
// Who may touch: the simulator's owner (bindings/sim, bindings/scenario).
import { describe, expect, it } from 'vitest';
import { Rand } from '../bindings/core/rand.ts';
import { Sched } from '../bindings/sim/sched.ts';
import { Jitter } from '../bindings/sim/jitter.ts';
import { NoopObserver, type BlockKind } from '../bindings/sim/observer.ts';
import { resolveScenario, ScenarioError } from '../bindings/scenario/resolve.ts';
import { DEFAULT_JITTER_CV } from '../bindings/scenario/schema.ts';
import { simulate } from '../bindings/runtime/simulate.ts';
import type { GoRelease, Scenario } from '../bindings/scenario/scenario.ts';
import { GStatus, type G, type M } from '../bindings/sim/world.ts';

const f = (func: string) => [{ func, file: '/app/main.go', line: 10 }];

/** Counts per goroutine name: blocks by reason, Goscheds, starts; the GC hooks' calls. */
class Counter extends NoopObserver {
  blocks = new Map<string, number>();
  scheds = new Map<string, number>();
  starts = new Map<string, number>();
  syscalls = new Map<string, number>();
  goals: number[] = [];
  sweeps: { g: string; start: boolean; swept: number; m: number }[] = [];
  gcStarters: string[] = [];
  cycles = 0;
  constructor() {
    super(true); // profiling: runtime/pprof's writer runs
  }
  private inc(m: Map<string, number>, k: string) {
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  override goBlock(g: G, why: BlockKind): void {
    this.inc(this.blocks, `${g.name}:${why}`);
  }
  override goSched(g: G): void {
    this.inc(this.scheds, g.name);
  }
  override goStart(g: G): void {
    this.inc(this.starts, g.name);
  }
  override goSysCall(g: G): void {
    this.inc(this.syscalls, g.name);
  }
  allocs = new Map<string, number>();
  override heapAlloc(_b: number, m: M): void {
    if (m.curg) this.inc(this.allocs, m.curg.name);
  }
  override gcStart(_c: number, m: M): void {
    this.gcStarters.push(m.curg?.name ?? '-');
  }
  override gcDone(): void {
    this.cycles++;
  }
  override heapGoal(bytes: number): void {
    this.goals.push(bytes);
  }
  override gcSweep(g: G, start: boolean, swept: number, _r: number, m: M): void {
    this.sweeps.push({ g: g.name, start, swept, m: m.id });
  }
}

function run(input: Scenario, traced = false): { s: Sched; c: Counter } {
  const sc = resolveScenario(input);
  const c = new Counter();
  const s = new Sched(sc, new Rand(sc.seed), c, () => {}, traced);
  s.start();
  s.run(sc.durationNs);
  return { s, c };
}

const allocator: Scenario = {
  gomaxprocs: 4,
  duration: '200ms',
  goroutines: [
    { name: 'alloc', program: [{ loop: [{ compute: f('main.build'), for: '20us' }, { alloc: '64KiB' }] }] },
    { name: 'spin', program: [{ loop: [{ compute: f('main.spin'), for: '1ms' }] }] },
  ],
  gc: { trigger: '4MiB' },
};

describe("the runtime's goroutines, per release", () => {
  const names = (go: GoRelease, trace: boolean) =>
    simulate({ goroutines: [{ name: 'w', program: [{ compute: f('main.w'), for: '1ms' }] }], duration: '10ms' }, { overrides: { go }, trace })
      .summary.goroutines.map((g) => `${g.id} ${g.template}`);

  it('are created by main before its own, numbered as in a real program', () => {
    const rt = ['2 runtime.forcegchelper', '3 runtime.bgsweep', '4 runtime.bgscavenge', '5 runtime.runfinq', '6 runtime/pprof.profileWriter'];
    expect(names('1.23', false)).toEqual(['1 main', ...rt, '7 w']);
    // Go 1.22+: traceStartReadCPU's reader and the trace advancer, then runtime/trace's reader.
    expect(names('1.23', true)).toEqual(['1 main', ...rt, '7 runtime.traceStartReadCPU.func1', '8 runtime.(*traceAdvancerState).start.func1', '9 runtime/trace.Start.func1', '10 w']);
    // The v1 tracer reads its CPU samples in ReadTrace: one reader only.
    expect(names('1.19', true)).toEqual(['1 main', ...rt, '7 runtime/trace.Start.func1', '8 w']);
  });

  it('exist parked before main runs (runtime init), and stay out of the limit on the program\'s goroutines', () => {
    const { s, c } = run({ ...allocator, gc: undefined, duration: '50ms', limits: { goroutines: 3 } });
    for (const k of ['forcegc', 'bgsweep', 'bgscavenge', 'runfinq'] as const) {
      const g = s.rtg.gs[k]!;
      expect(g.status).toBe(GStatus.Waiting);
      // Parked at their first wait before the tracer could see them: never started, never blocked here.
      expect([c.starts.get(g.name), [...c.blocks.keys()].some((b) => b.startsWith(`${g.name}:`))]).toEqual([undefined, false]);
    }
    // The profile writer StartCPUProfile started is runnable at first, then sleeps its 100ms.
    expect(c.starts.get('runtime/pprof.profileWriter')).toBe(1);
    expect(c.blocks.get('runtime/pprof.profileWriter:sleep')).toBe(1);
  });

  it('bgsweep runs after every mark termination; the scavenger after every sweep; the profile writer every 100ms', () => {
    const { c } = run({ ...allocator, duration: '1s' });
    expect(c.cycles).toBeGreaterThan(10);
    // Parked once at start, then once per cycle whose sweep it finished (a cycle that starts
    // while it still sweeps hands it more spans instead of waking it).
    expect(c.blocks.get('runtime.bgsweep:gcsweep')).toBeGreaterThanOrEqual(0.95 * c.cycles);
    expect(c.blocks.get('runtime.bgsweep:gcsweep')).toBeLessThanOrEqual(c.cycles + 1);
    // sysmon wakes the scavenger at its next pass after a sweep is done: at most once per
    // cycle, and once per 10ms sleep of sysmon (plus the scavenger's own 1ms nap) here.
    const scavenges = c.blocks.get('runtime.bgscavenge:gcworker')!;
    expect(scavenges).toBeGreaterThanOrEqual(Math.floor(1000 / 11));
    expect(scavenges).toBeLessThanOrEqual(c.cycles + 1);
    expect(c.blocks.get('runtime/pprof.profileWriter:sleep')).toBe(10);
    // goschedIfBusy (1.20+) yields after a batch of 10 spans only when no P is idle: here mostly
    // just after the restart of the world that readied it (the Ps the mark workers leave are not
    // idle yet), so far fewer than the 6 full batches of each cycle's 64 spans.
    const yields = c.scheds.get('runtime.bgsweep') ?? 0;
    expect(yields).toBeGreaterThan(0);
    expect(yields).toBeLessThan(1.5 * c.cycles);
  });

  it('switches.bgsweepYield: Go 1.19 calls Gosched after every span it sweeps', () => {
    const { c } = run({ ...allocator, go: '1.19', duration: '1s' });
    const busyTimes = c.starts.get('runtime.bgsweep')!;
    // 64 KiB objects are a span each; bgsweep sweeps most of a cycle's 64 spans itself.
    expect(c.scheds.get('runtime.bgsweep')!).toBeGreaterThan(20 * c.cycles);
    expect(busyTimes).toBeGreaterThan(c.scheds.get('runtime.bgsweep')!);
  });

  it('forcegc starts a cycle when gc.period passed since the last one ended', () => {
    const { c } = run({ gomaxprocs: 2, duration: '100ms', goroutines: [{ name: 'spin', program: [{ loop: [{ compute: f('main.spin'), for: '50us' }, { gosched: true }] }] }], gc: { period: '10ms' } });
    // sysmon checks on its own sleep, 10ms in a busy program: a cycle (2ms of mark) every
    // 10–22ms.
    expect(c.cycles).toBeGreaterThanOrEqual(Math.floor(100 / 22));
    expect(c.cycles).toBeLessThanOrEqual(Math.ceil(100 / 12));
    expect(new Set(c.gcStarters)).toEqual(new Set(['runtime.forcegchelper']));
  });

  it('the trace reader writes the header, sleeps until a tracer hands it buffers, then writes each with its own write(2)', () => {
    // No tracer here hands buffers over: only the header is written before the reader parks.
    const { s, c } = run({ ...allocator, gc: undefined, duration: '20ms' }, true);
    const g = s.rtg.gs.traceReader!;
    const name = 'runtime/trace.Start.func1';
    expect(g.status).toBe(GStatus.Waiting);
    expect([c.syscalls.get(name), c.blocks.get(`${name}:gcworker`)]).toEqual([1, 1]);
    s.rtg.wakeTraceReader(3);
    s.run(30e6);
    expect([c.syscalls.get(name), c.blocks.get(`${name}:gcworker`)]).toEqual([4, 2]);
    expect(g.status).toBe(GStatus.Waiting);
  });

  it("the profile writer reads the process's mappings as it starts: 45 syscalls and 18 allocations, then 4 at its first read", () => {
    const { c } = run({ ...allocator, gc: undefined, duration: '150ms' });
    expect(c.syscalls.get('runtime/pprof.profileWriter')).toBe(45);
    expect(c.allocs.get('runtime/pprof.profileWriter')).toBe(22);
  });
});

describe('GC activity a tracer can write (observer hooks)', () => {
  it('heapGoal once per cycle, at mark termination; sweep ranges on allocating goroutines, paired', () => {
    const { c } = run(allocator);
    expect(c.goals.length).toBe(c.cycles);
    expect(new Set(c.goals)).toEqual(new Set([4 << 20]));
    expect(c.sweeps.length).toBeGreaterThan(0);
    // Each a page reclaim of the 64 KiB allocator (up to a 4 MiB chunk at once, then credit:
    // at most one range a cycle) or a span refill of the profile writer's 8 KiB allocations.
    const byG = new Map<string, number>();
    const open = new Map<number, (typeof c.sweeps)[number]>();
    for (const x of c.sweeps) {
      if (x.start) {
        expect(open.has(x.m)).toBe(false);
        open.set(x.m, x);
        continue;
      }
      const [b, e] = [open.get(x.m)!, x];
      open.delete(x.m);
      expect(e.g).toBe(b.g);
      expect(e.swept).toBeGreaterThan(0);
      expect(e.swept).toBeLessThanOrEqual(4 << 20);
      byG.set(b.g, (byG.get(b.g) ?? 0) + 1);
    }
    expect(open.size).toBe(0);
    expect([...byG.keys()].every((g) => g === 'alloc' || g === 'runtime/pprof.profileWriter')).toBe(true);
    expect(byG.get('alloc')).toBeGreaterThan(0);
    expect(byG.get('alloc')).toBeLessThanOrEqual(c.cycles);
  });
});

describe('jitter: step durations drawn around their nominal value', () => {
  it('lognormal with the nominal duration as its mean and the given cv', () => {
    const j = new Jitter({ dist: 'lognormal', cv: DEFAULT_JITTER_CV }, new Rand(9));
    const xs = Array.from({ length: 200_000 }, () => j.draw(10_000));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean / 10_000 - 1)).toBeLessThan(0.003);
    expect(Math.abs(sd / mean - DEFAULT_JITTER_CV)).toBeLessThan(0.005);
    expect(xs.every((x) => Number.isInteger(x) && x >= 1)).toBe(true);
  });

  it('none (or cv 0) keeps every duration exact and draws nothing', () => {
    for (const spec of [{ dist: 'none', cv: 0.5 }, { dist: 'lognormal', cv: 0 }] as const) {
      const r = new Rand(3);
      const j = new Jitter(spec, r);
      expect([j.draw(2150), j.draw(0), j.draw(1)]).toEqual([2150, 0, 1]);
      expect(r.u32()).toBe(new Rand(3).u32());
    }
  });

  /** Running times of a Gosched loop's slices (GoStart → GoSched), as a real trace shows them. */
  const slices = (jitter: Scenario['jitter'], seed: number) => {
    const sc = resolveScenario({ gomaxprocs: 1, duration: '20ms', seed, jitter, goroutines: [{ name: 'y', program: [{ loop: [{ compute: f('main.spin'), for: '2us' }, { gosched: true }] }] }] });
    const out: number[] = [];
    let at = -1;
    class O extends NoopObserver {
      override goStart(g: G, _m: M, now: number) {
        if (g.name === 'y') at = now;
      }
      override goSched(g: G, _m: M, now: number) {
        if (g.name === 'y' && at >= 0) out.push(now - at);
      }
    }
    const s = new Sched(sc, new Rand(sc.seed), new O(false), () => {});
    s.start();
    s.run(sc.durationNs);
    return out;
  };

  it('a Gosched loop: every slice 2150ns without jitter; spread, and the same per seed, with it', () => {
    expect(new Set(slices({ dist: 'none' }, 1))).toEqual(new Set([2150]));
    const a = slices(undefined, 1);
    expect(slices(undefined, 1)).toEqual(a);
    expect(slices(undefined, 2)).not.toEqual(a);
    const mean = a.reduce((x, y) => x + y, 0) / a.length;
    const cv = Math.sqrt(a.reduce((x, y) => x + (y - mean) ** 2, 0) / a.length) / mean;
    // The 2µs of user code spread with cv 0.23; Gosched's 150ns do not.
    expect(cv).toBeGreaterThan(0.19);
    expect(cv).toBeLessThan(0.24);
  });

  it('same seed, same outputs; another seed, other outputs', () => {
    const sc: Scenario = { ...allocator, duration: '50ms' };
    const a = simulate(sc, { trace: true });
    const b = simulate(sc, { trace: true });
    expect(Buffer.from(a.trace!).equals(Buffer.from(b.trace!))).toBe(true);
    expect(Buffer.from(a.pprof).equals(Buffer.from(b.pprof))).toBe(true);
    const c = simulate({ ...sc, seed: 2 }, { trace: true });
    expect(Buffer.from(a.trace!).equals(Buffer.from(c.trace!))).toBe(false);
  });

  it('is a scenario field checked like the others', () => {
    expect(resolveScenario({ goroutines: allocator.goroutines }).jitter).toEqual({ dist: 'lognormal', cv: DEFAULT_JITTER_CV });
    expect(() => resolveScenario({ goroutines: allocator.goroutines, jitter: { dist: 'gamma' } })).toThrow(ScenarioError);
    expect(() => resolveScenario({ goroutines: allocator.goroutines, jitter: { dist: 'gamma' } })).toThrow('jitter.dist: must be one of "lognormal", "none", got "gamma"');
    expect(() => resolveScenario({ goroutines: allocator.goroutines, jitter: { cv: -1 } })).toThrow('jitter.cv: must be in [0, 4], got -1');
  });
});

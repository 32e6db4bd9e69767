// Simulation benchmarks: wall time to simulate 1s of the default scenario and of 64 busy
// goroutines profiled at 1000 Hz; simulated seconds per wall second and signals per second.
// Also the magnitude table (profiled/OS CPU per timer and parallelism) the README shows.

import { Bench } from 'tinybench';
import { simulate } from '../bindings/runtime/simulate.ts';
import { DEFAULT_SCENARIO } from '../bindings/scenario/default-scenario.ts';
import type { Scenario } from '../bindings/scenario/scenario.ts';

export interface SimRow {
  name: string;
  ns_per_op: number;
  ops_per_s: number;
  sim_s_per_wall_s: number;
  signals_per_wall_s: number;
  signals: number;
}

const spin = [{ func: 'main.spin', file: '/app/main.go', line: 20 }];
const busy64: Scenario = {
  name: 'busy64',
  gomaxprocs: 64,
  duration: '1s',
  profile: { hz: 1000 },
  goroutines: [{ name: 'spin', count: 64, program: [{ loop: [{ compute: spin, for: '5ms' }] }] }],
};

export async function simBench(): Promise<SimRow[]> {
  const cases: [string, Scenario][] = [
    ['simulate 1s default scenario', DEFAULT_SCENARIO],
    ['simulate 1s 64 busy goroutines @1000Hz', busy64],
  ];
  const bench = new Bench({ time: 2000, warmupTime: 300 });
  const signals = new Map<string, number>();
  for (const [name, sc] of cases) {
    signals.set(name, simulate(sc).summary.profile.signals);
    bench.add(name, () => {
      simulate(sc);
    });
  }
  await bench.run();
  return cases.map(([name]) => {
    const res = bench.getTask(name)!.result as unknown as { latency: { p50: number } };
    const ms = res.latency.p50;
    const sig = signals.get(name)!;
    return {
      name,
      ns_per_op: Math.round(ms * 1e6),
      ops_per_s: Math.round((1000 / ms) * 100) / 100,
      sim_s_per_wall_s: Math.round(1000 / ms),
      signals_per_wall_s: Math.round(sig / (ms / 1000)),
      signals: sig,
    };
  });
}

export interface MagnitudeRow {
  n: number;
  perThread: number;
  setitimer: number;
  expectedSetitimer: number;
}

/** Profiled CPU / OS CPU for N busy goroutines on N Ps, 2s simulated, 100 Hz, 4ms tick. */
export function magnitudeTable(): MagnitudeRow[] {
  return [1, 2, 4, 8, 16, 64].map((n) => {
    const sc = (timer: 'per-thread' | 'setitimer'): Scenario => ({
      gomaxprocs: n,
      duration: '2s',
      profile: { timer, hz: 100 },
      goroutines: [{ name: 'spin', count: n, program: [{ loop: [{ compute: spin, for: '5ms' }] }] }],
    });
    const r = (timer: 'per-thread' | 'setitimer') => Math.round(simulate(sc(timer)).summary.profile.ratio * 1000) / 1000;
    return { n, perThread: r('per-thread'), setitimer: r('setitimer'), expectedSetitimer: Math.round(Math.min(1, 2.5 / n) * 1000) / 1000 };
  });
}

// Seeded random scenarios for property tests: every step kind, GC, cgo threads, labels,
// tasks/regions/logs, random GOMAXPROCS, hz and durations. The same seed gives the same scenario.
import { Rand } from '../bindings/core/rand.ts';
import type { GoRelease, Scenario, Step } from '../bindings/scenario/scenario.ts';

export function randomScenario(seed: number, go: GoRelease): Scenario {
  const r = new Rand(seed);
  const pick = <T>(xs: readonly T[]): T => xs[r.int(0, xs.length - 1)];
  const us = (lo: number, hi: number) => `${r.int(lo, hi)}us`;
  const stack = (name: string) => [{ func: `main.${name}`, file: '/app/main.go', line: r.int(1, 200) }, { func: 'main.main.func1', file: '/app/main.go', line: 300 }];
  const ntmpl = r.int(2, 5);
  const names = Array.from({ length: ntmpl }, (_, i) => `t${i}`);
  // Locked goroutines own a thread each: they are started by main only, never spawned in a
  // loop (a program that spawns them without bound dies at Go's 10000-thread limit).
  const locked = names.map((_, i) => i > 0 && r.float() < 0.1);
  const spawnable = names.filter((_, i) => !locked[i]);
  const step = (depth: number, self: string): Step => {
    const k = r.int(0, depth > 1 ? 12 : 14);
    switch (k) {
      case 0: return { compute: stack(`c${r.int(0, 5)}`), for: us(5, 3000) };
      case 1: return { syscall: stack('sys'), cpu: us(1, 50), block: us(0, 500) };
      case 2: return { sleep: us(10, 2000) };
      case 3: return { block: us(10, 2000), reason: pick(['chan', 'select', 'sync', 'cond', 'net'] as const) };
      case 4: return { send: `ch${r.int(0, 1)}` };
      case 5: return { recv: `ch${r.int(0, 1)}` };
      case 6: return r.float() < 0.25 ? { stopTheWorld: pick(['read mem stats', 'goroutine profile'] as const), for: us(5, 60) } : { gosched: true };
      case 7: return { systemstack: stack('sys0'), for: us(1, 200) };
      case 8: return { mcall: stack('mc0'), for: us(1, 100) };
      case 9: return { labels: { k: `v${r.int(0, 3)}` } };
      case 10: return { log: `msg${r.int(0, 9)}`, category: pick(['', 'cat']) };
      case 11: return { alloc: r.int(1024, 131072) };
      case 12: return { spawn: pick(spawnable.filter((n) => n !== self).concat(names[0])), count: r.int(1, 3) };
      case 13: return { region: `r${r.int(0, 2)}`, do: body(depth + 1, self) };
      default: return { task: `task${r.int(0, 2)}`, do: body(depth + 1, self) };
    }
  };
  const body = (depth: number, self: string): Step[] => {
    const steps = Array.from({ length: r.int(1, 4) }, () => step(depth, self));
    steps.push({ compute: stack('tail'), for: us(5, 500) });
    return steps;
  };
  return {
    name: `random-${seed}`,
    go,
    seed,
    duration: `${r.int(30, 150)}ms`,
    gomaxprocs: r.int(1, 8),
    goroutines: names.map((name, i) => ({
      name,
      count: i === 0 ? r.int(1, 4) : r.int(0, 3),
      labels: r.float() < 0.5 ? { tmpl: name } : undefined,
      lockOSThread: locked[i],
      program: [{ loop: body(0, name), times: r.float() < 0.3 ? r.int(1, 20) : undefined }],
    })),
    gc: r.float() < 0.6 ? { trigger: r.int(256, 4096) * 1024, mark: us(200, 3000), stw: us(10, 100) } : undefined,
    threads: r.float() < 0.3 ? [{ name: 'C.work', busy: Math.round(r.float() * 90 + 10) / 100 }] : undefined,
    profile: { hz: pick([100, 250, 500, 1000]), timer: pick(['per-thread', 'setitimer'] as const) },
  };
}

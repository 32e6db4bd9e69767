// The progress guard: a scenario that makes no progress in virtual time, or spawns without
// bound, is stopped with an error naming the goroutine template and the step, instead of
// running until memory runs out.
import { describe, expect, it } from 'vitest';
import { simulate } from '../bindings/runtime/simulate.ts';
import { SimulationStall } from '../bindings/sim/progress.ts';

const f = [{ func: 'main.x', file: '/app/main.go', line: 1 }];

function stall(sc: unknown): SimulationStall {
  try {
    simulate(sc, { trace: true });
  } catch (e) {
    expect(e).toBeInstanceOf(SimulationStall);
    return e as SimulationStall;
  }
  throw new Error('the scenario ran to the end');
}

describe('progress guard', () => {
  it('a Gosched loop with free scheduling: named template and step', () => {
    const e = stall({
      duration: '10ms',
      costs: { gosched: '0ns', schedule: '0ns' },
      goroutines: [{ name: 'worker', program: [{ compute: f, for: '1us' }] }, { name: 'spinner', program: [{ loop: [{ gosched: true }] }] }],
    });
    expect(e.goroutine).toBe('goroutines[1] "spinner"');
    expect(e.step).toBe('program[0].loop[0]');
    expect(e.message).toMatch(/^goroutines\[1\] "spinner": program\[0\]\.loop\[0\] \(gosched\) makes no progress in virtual time at \d+ns: 1000000 scheduler events without the clock advancing \(costs\.gosched and costs\.schedule are zero/);
  });

  it('zero-cost syscalls', () => {
    const e = stall({ duration: '10ms', costs: { schedule: '0ns' }, goroutines: [{ name: 'sys', program: [{ compute: f, for: '1us' }, { loop: [{ syscall: f, cpu: '0ns', block: '0ns' }] }] }] });
    expect([e.goroutine, e.step]).toEqual(['goroutines[0] "sys"', 'program[1].loop[0]']);
    expect(e.message).toMatch(/\(syscall\) makes no progress .* \(a syscall with no cpu and no block time, and free scheduling\)$/);
  });

  it('a loop of steps that take no time, nested in a region and a task', () => {
    const e = stall({ duration: '10ms', goroutines: [{ name: 'lab', program: [{ task: 't', do: [{ region: 'r', do: [{ loop: [{ labels: { a: 'b' } }, { log: 'x' }] }] }] }] }] });
    expect(e.step).toMatch(/^program\[0\]\.do\[0\]\.do\[0\]\.loop\[[01]\]$/);
    expect(e.message).toMatch(/1000000 steps in a row that take no time \(give its loop a timed step\)$/);
  });

  it('a template that spawns itself: stopped at the goroutine limit, the spawner named', () => {
    const e = stall({ duration: '100ms', goroutines: [{ name: 'bomb', program: [{ spawn: 'bomb', count: 2 }, { sleep: '1s' }] }] });
    expect([e.goroutine, e.step]).toEqual(['goroutines[0] "bomb"', 'program[0]']);
    expect(e.message).toMatch(/^more than 100000 live goroutines at [\d.]+ms: goroutines\[0\] "bomb" at program\[0\] spawns without bound \(raise limits\.goroutines/);
  });

  it('limits.goroutines sets the bound; a bad value names the field', () => {
    const e = stall({ duration: '100ms', limits: { goroutines: 50 }, goroutines: [{ name: 'w', program: [{ sleep: '1ms' }] }, { name: 'spawner', program: [{ loop: [{ spawn: 'w', count: 10 }, { compute: [{ func: 'main.spawner', file: '/app/main.go', line: 9 }], for: '10us' }] }] }] });
    expect([e.goroutine, e.step]).toEqual(['goroutines[1] "spawner"', 'program[0].loop[0]']);
    expect(e.message).toMatch(/^more than 50 live goroutines at /);
    expect(() => simulate({ limits: { goroutines: 0 }, goroutines: [{ name: 'w', program: [{ sleep: '1ms' }] }] })).toThrow(/limits\.goroutines: must be between 1 and 10000000, got 0/);
  });

  it('a busy but progressing program is not stopped', () => {
    const r = simulate({ duration: '20ms', costs: { gosched: '0ns' }, goroutines: [{ name: 'spinner', count: 4, program: [{ loop: [{ gosched: true }] }] }] });
    expect(r.summary.durationNs).toBe(20e6);
  });
});

// ProgressGuard: stops a simulated program that makes no progress in virtual time, or that
// spawns goroutines without bound, before it runs the machine out of memory.
//
// A real program always pays some time for each scheduling step; a scenario can make a step
// free (zero costs with a Gosched loop, zero-cost syscalls, a loop of zero-time steps) and
// then the agenda turns forever at one instant. The guard counts scheduler events at the
// same virtual instant and zero-time steps of one goroutine, and the live goroutines, and
// throws a SimulationStall naming the goroutine's template and the scenario path of the step
// it was at. Owned by Sched: it reports every event it handles and every goroutine it makes.

import type { RStep } from '../scenario/resolved.ts';
import type { G } from './world.ts';

/** Scheduler events at one virtual instant beyond which the program is stuck. */
export const SAME_INSTANT_LIMIT = 1_000_000;
/** Zero-time steps of one goroutine in a row (labels, logs, loop control...). */
export const ZERO_TIME_STEP_LIMIT = 1_000_000;

/** The program stopped making progress: which goroutine, where in its program, and why. */
export class SimulationStall extends Error {
  constructor(
    message: string,
    /** `goroutines[i]` of the scenario (or "main"/a runtime goroutine). */
    readonly goroutine: string,
    /** Path of the step inside the template's program, e.g. `program[0].loop[2]`. */
    readonly step: string,
  ) {
    super(message);
    this.name = 'SimulationStall';
  }
}

/** Scenario names of the resolved step kinds. */
function stepName(s: RStep): string {
  switch (s.k) {
    case 'g0':
      return s.via;
    case 'stw':
      return 'stopTheWorld';
    default:
      return s.k;
  }
}

/** Where g is in its program, as a scenario path: `program[0].loop[1].do[0]` and its kind. */
export function stepPath(g: G): { path: string; kind: string } {
  let path = '';
  let kind = '';
  for (let k = 0; k < g.pc.length; k++) {
    const f = g.pc[k];
    if (k === 0) path = `program[${f.i}]`;
    else {
      const parent = g.pc[k - 1];
      const ps = parent.steps[parent.i];
      path += `${ps?.k === 'loop' ? '.loop' : '.do'}[${f.i}]`;
    }
    const s = f.steps[f.i];
    kind = s ? stepName(s) : 'end';
  }
  return { path: path || 'program', kind };
}

/** How the scenario names g's template. */
export function goroutineName(g: G): string {
  return g.tmpl >= 0 ? `goroutines[${g.tmpl}] "${g.name}"` : `"${g.name}"`;
}

export class ProgressGuard {
  private lastT = -1;
  private sameInstant = 0;
  private live = 0;
  /** The goroutine that most recently ran a step: the one a stall is blamed on. */
  last: G | null = null;

  constructor(private readonly goroutineLimit: number) {}

  /** Sched handled an event at virtual time t. */
  event(t: number): void {
    if (t !== this.lastT) {
      this.lastT = t;
      this.sameInstant = 0;
      return;
    }
    if (++this.sameInstant > SAME_INSTANT_LIMIT) this.stall(t, `${SAME_INSTANT_LIMIT} scheduler events without the clock advancing`);
  }

  /** g ran its zero-time step number n in a row at time t. */
  zeroTimeStep(g: G, n: number, t: number): void {
    this.last = g;
    if (n > ZERO_TIME_STEP_LIMIT) this.stall(t, `${ZERO_TIME_STEP_LIMIT} steps in a row that take no time`, ' (give its loop a timed step)');
  }

  /** A goroutine was made (by `parent`, or by the runtime). */
  created(parent: G | null, t: number): void {
    if (++this.live <= this.goroutineLimit) return;
    const g = parent ?? this.last;
    const where = g ? `${goroutineName(g)} at ${stepPath(g).path}` : 'the runtime';
    throw new SimulationStall(
      `more than ${this.goroutineLimit} live goroutines at ${fmtTime(t)}: ${where} spawns without bound (raise limits.goroutines if the program really has that many)`,
      g ? goroutineName(g) : 'runtime',
      g ? stepPath(g).path : '',
    );
  }

  exited(): void {
    this.live--;
  }

  private stall(t: number, why: string, hintFor?: string): never {
    const g = this.last;
    if (!g) throw new SimulationStall(`the program makes no progress at ${fmtTime(t)}: ${why}`, 'runtime', '');
    const { path, kind } = stepPath(g);
    const hint = hintFor ?? HINTS[kind] ?? ' (its loop and the scheduling around it cost no time)';
    throw new SimulationStall(`${goroutineName(g)}: ${path} (${kind}) makes no progress in virtual time at ${fmtTime(t)}: ${why}${hint}`, goroutineName(g), path);
  }
}

/** What costs nothing, by the kind of step a stalled goroutine is at. */
const HINTS: Record<string, string> = {
  gosched: ' (costs.gosched and costs.schedule are zero: a Gosched loop is free)',
  syscall: ' (a syscall with no cpu and no block time, and free scheduling)',
  spawn: ' (costs.newproc is zero)',
  send: ' (channel hand-offs with free scheduling)',
  recv: ' (channel hand-offs with free scheduling)',
};

function fmtTime(ns: number): string {
  return ns >= 1e6 ? `${(ns / 1e6).toFixed(3)}ms` : `${ns}ns`;
}

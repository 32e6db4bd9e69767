// Tracer: what both execution tracers (tracev1.ts, tracev2.ts) offer the simulation, on top
// of the SchedObserver events: start/stop, the SIGPROF hook, and the figures for the summary.

import type { SchedObserver } from '../sim/observer.ts';
import type { G, M } from '../sim/world.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';
import type { Frame } from '../scenario/scenario.ts';
import { RT } from '../scenario/symtab.ts';
import { RUNTIME_GOROUTINES } from '../sim/rtg.ts';

/** Nanoseconds per tick of each trace clock (switches.traceClock; runtime/tracetime.go's
 *  traceTimeDiv is 64 on Linux). */
export const NS_PER_TICK: Record<'ns' | 'nanotime/64', number> = { ns: 1, 'nanotime/64': 64 };

/** Go's smallest heap goal (heapMinimum, 4 MiB at GOGC=100). */
const HEAP_MINIMUM = 4 << 20;

/** The heap goal a tracer states before the model has reported one (the heapGoal hook): the
 *  model's trigger, or Go's minimum when the scenario has no GC. */
export function heapGoalAtStart(sc: ResolvedScenario): number {
  return sc.gc ? Math.max(sc.gc.triggerBytes, 1) : HEAP_MINIMUM;
}

/** The frame a goroutine starts in (GoCreate's new stack): a runtime goroutine's entry, the
 *  mark worker's, or its template's function. */
export function goStartFrame(g: G): Frame {
  if (g.rt) return RUNTIME_GOROUTINES[g.rt].entry;
  if (g.system) return RT.gcBgMarkWorker;
  return { func: `main.${g.name}`, file: '/app/main.go', line: 1 };
}

/** Where trace bytes go, in order, as they are produced (a file, or memory for tests). */
export type TraceSink = (chunk: Uint8Array) => void;

export interface TraceStats {
  format: string;
  /** Events written, by name as Go spells them (structural events excluded). */
  events: Record<string, number>;
  bytes: number;
  batches: number;
  cpuSamples: {
    /** traceCPUSample calls (SIGPROFs while tracing). */
    taken: number;
    /** Written into a trace profBuf. */
    buffered: number;
    /** Lost to trace profBuf overflow. */
    overflowed: number;
    /** Turned into CPU sample events in the trace. */
    inTrace: number;
    /** v2: left in a buffer at stop, or written into a generation other than the sample's. */
    lostAtStop: number;
    misplaced: number;
  };
  generations?: number;
  /** v2: how often a SIGPROF landed inside a tracer critical section of its M. */
  signalsInsideTracer?: number;
  /** v2: ProcSteal events, and how many were self-steals from entersyscall_gcwait. */
  procSteals?: number;
  selfSteals?: number;
}

export interface Tracer extends SchedObserver {
  /** StartTrace. */
  start(now: number): void;
  /** StopTrace would block now (on gcsema or worldsema): the program runs on until it would not. */
  stopWaits(): boolean;
  /** StopTrace and ReadTrace to the end: everything reaches the sink. */
  stop(now: number): void;
  /** traceCPUSample, from the SIGPROF handler (gp per the attribution switch; m may lack a P). */
  cpuSample(m: M, gp: G | null, stack: number, now: number): void;
  readonly stats: TraceStats;
}

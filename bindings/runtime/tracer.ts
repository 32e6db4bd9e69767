// Tracer: what both execution tracers (tracev1.ts, tracev2.ts) offer the simulation, on top
// of the SchedObserver events: start/stop, the SIGPROF hook, and the figures for the summary.

import type { SchedObserver } from '../sim/observer.ts';
import type { G, M } from '../sim/world.ts';

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

// Go releases as named switches: every behaviour that differs between releases is one switch
// here, and the model asks the switch, never the version number.
//
// The release table below is the one place where versions map onto switches. A row is a
// release as shipped, checked against that release's source (the README cites file and line);
// a state that never shipped (a development cycle before a fix) gets its own pseudo-release
// whose name says so, e.g. "1.22-dev".

import { familyOf, TRACE_FAMILIES, TRACE_FORMATS, type TraceFamily, type TraceFormat } from '../formats/version.ts';

/** Wire formats of the execution trace (formats/version.ts has them, with their families). */
export type { TraceFormat } from '../formats/version.ts';

export interface Switches {
  /** Linux profiling timer: process-wide setitimer(ITIMER_PROF), or one timer_create
   *  (CLOCK_THREAD_CPUTIME_ID) per M plus setitimer for threads without an M (Go 1.18). */
  timer: 'setitimer' | 'per-thread';
  /** First expiry of a per-thread timer: uniform in (0, period] (as shipped in 1.18), or a
   *  full period (the biased variant the uniform draw avoids; never in a release). */
  firstExpiry: 'uniform' | 'period';
  /** SIGPROF also writes into a trace-owned profBuf, read out as CPU sample events (Go 1.19). */
  traceCPUSamples: boolean;
  /** Which goroutine a trace CPU sample names when the signal lands on g0: the interrupted
   *  g (g0, goid 0) or m.curg. Go 1.19 shipped curg; 'gp' is the behaviour before that fix. */
  sampleAttribution: 'gp' | 'curg';
  /** Execution tracer: the per-P batch tracer of Go 1.5–1.21 (v1) or the generational one (v2). */
  tracer: TraceFamily;
  /** The header and event table the tracer writes (must belong to the tracer's family). */
  traceFormat: TraceFormat;
  /** Which stop-the-worlds the tracer records: only GC's (up to 1.20), or every one but the
   *  tracer's own start and stop (1.21: stwReason on every STW event). */
  stwTraced: 'gc' | 'all';
  /** CPU-sample profBufs in the generational tracer: one (1.22 development), or two indexed
   *  by gen%2 (shipped in 1.22). */
  cpuBuffersPerGen: 1 | 2;
  /** What entersyscall_gcwait emits in the v2 tracer: ProcStop (1.22 development) or ProcSteal. */
  gcwaitEvent: 'ProcStop' | 'ProcSteal';
  /** How bgsweep yields while it sweeps: Gosched after every span (Go 1.19), or after every
   *  batch of 10 spans and only when no P is idle (goschedIfBusy, Go 1.20+: issue #54767). */
  bgsweepYield: 'every-span' | 'batch-if-busy';
  /** The runtime's goroutines while tracing: runtime/trace's reader alone, which also reads the
   *  CPU samples (v1 tracer), or also traceStartReadCPU's reader and the trace advancer (1.22+). */
  traceGoroutines: 'reader' | 'reader+cpu+advancer';
  /** The trace clock: one tick per nanosecond (Frequency 1e9, how the v1 writer models
   *  cputicks), or Linux's nanotime()/64 of the generational tracer (Frequency 15 625 000;
   *  runtime/trace2time.go 1.22, tracetime.go 1.23: traceTimeDiv 64). */
  traceClock: 'ns' | 'nanotime/64';
  /** What the trace calls a thread: m.id (0, 1, 2...: traceProcStart up to 1.21) or the
   *  thread's Linux TID (m.procid, which the generational tracer writes). */
  traceThreadIds: 'm.id' | 'tid';
  /** How traceAdvance states a goroutine that wrote nothing in the generation it ends:
   *  GoStatus (1.22), or GoStatusStack with the goroutine's stack (1.23: tracestatus.go). */
  untracedGoStatus: 'GoStatus' | 'GoStatusStack';
  /** runtime/pprof writes Function.start_line (Go 1.20+: runtime_FrameStartLine). */
  pprofStartLine: boolean;
  /** Line of `func lostProfileEvent` in runtime/pprof/proto.go: 24 up to 1.19, 23 once the
   *  os import left the file (1.20's per-OS readMapping split; 1.21-1.23 checked). */
  lostProfileEventLine: 23 | 24;
}

const BASE_FORMAT: TraceFormat = 'go1.23';
const BASE: Switches = {
  timer: 'per-thread',
  firstExpiry: 'uniform',
  traceCPUSamples: true,
  sampleAttribution: 'curg',
  tracer: familyOf(BASE_FORMAT),
  traceFormat: BASE_FORMAT,
  stwTraced: 'all',
  cpuBuffersPerGen: 2,
  gcwaitEvent: 'ProcSteal',
  bgsweepYield: 'batch-if-busy',
  traceGoroutines: 'reader+cpu+advancer',
  traceClock: 'nanotime/64',
  traceThreadIds: 'tid',
  untracedGoStatus: 'GoStatusStack',
  pprofStartLine: true,
  lostProfileEventLine: 23,
};

/** A release's switches: BASE with its own differences; the tracer is its format's family. */
function preset(diff: Partial<Omit<Switches, 'tracer'>>): Switches {
  const s = { ...BASE, ...diff };
  return { ...s, tracer: familyOf(s.traceFormat) };
}

const V1_EARLY = { stwTraced: 'gc', cpuBuffersPerGen: 1, gcwaitEvent: 'ProcStop', traceGoroutines: 'reader' } as const;
/** The v1 tracer's clock and thread names (runtime/trace.go up to 1.21). */
const V1_TRACE = { traceClock: 'ns', traceThreadIds: 'm.id' } as const;
/** runtime/pprof before 1.20: no start lines, lostProfileEvent on line 24. */
const PPROF_EARLY = { pprofStartLine: false, lostProfileEventLine: 24 } as const;
/** Before Go 1.20, bgsweep called Gosched after every span it swept. */
const SWEEP_EVERY_SPAN = { bgsweepYield: 'every-span' } as const;

export const RELEASES = {
  // No CPU samples in the trace before 1.19.
  '1.17': preset({ ...V1_EARLY, ...V1_TRACE, ...PPROF_EARLY, ...SWEEP_EVERY_SPAN, timer: 'setitimer', traceCPUSamples: false, traceFormat: 'go1.11' }),
  '1.18': preset({ ...V1_EARLY, ...V1_TRACE, ...PPROF_EARLY, ...SWEEP_EVERY_SPAN, traceCPUSamples: false, traceFormat: 'go1.11' }),
  '1.19': preset({ ...V1_EARLY, ...V1_TRACE, ...PPROF_EARLY, ...SWEEP_EVERY_SPAN, traceFormat: 'go1.19' }),
  '1.20': preset({ ...V1_EARLY, ...V1_TRACE, traceFormat: 'go1.19' }),
  '1.21': preset({ ...V1_EARLY, ...V1_TRACE, traceFormat: 'go1.21', stwTraced: 'all' }),
  // The generational tracer during Go 1.22's development, before CL 544215 (ProcSteal from
  // entersyscall_gcwait) and before the trace's CPU samples got one profBuf per generation.
  '1.22-dev': preset({ traceFormat: 'go1.22', cpuBuffersPerGen: 1, gcwaitEvent: 'ProcStop', untracedGoStatus: 'GoStatus' }),
  '1.22': preset({ traceFormat: 'go1.22', untracedGoStatus: 'GoStatus' }),
  '1.23': preset({ traceFormat: 'go1.23' }),
  // 1.25's format adds the Sync events.
  '1.24': preset({ traceFormat: 'go1.23' }),
  '1.25': preset({ traceFormat: 'go1.25' }),
} satisfies Record<string, Switches>;

/** The releases a scenario may name (`go`), as in the table above. */
export type GoRelease = keyof typeof RELEASES;
export type TimerMechanism = Switches['timer'];

export const GO_RELEASES = Object.keys(RELEASES) as GoRelease[];
export const DEFAULT_RELEASE: GoRelease = '1.23';

/** Allowed values of each switch, for validating overrides. */
export const SWITCH_VALUES: { [K in keyof Switches]: readonly Switches[K][] } = {
  timer: ['setitimer', 'per-thread'],
  firstExpiry: ['uniform', 'period'],
  traceCPUSamples: [false, true],
  sampleAttribution: ['gp', 'curg'],
  tracer: TRACE_FAMILIES,
  traceFormat: TRACE_FORMATS,
  stwTraced: ['gc', 'all'],
  cpuBuffersPerGen: [1, 2],
  gcwaitEvent: ['ProcStop', 'ProcSteal'],
  bgsweepYield: ['every-span', 'batch-if-busy'],
  traceGoroutines: ['reader', 'reader+cpu+advancer'],
  traceClock: ['ns', 'nanotime/64'],
  traceThreadIds: ['m.id', 'tid'],
  untracedGoStatus: ['GoStatus', 'GoStatusStack'],
  pprofStartLine: [false, true],
  lostProfileEventLine: [23, 24],
};

/** The format a tracer writes when a scenario picks the tracer but not the format. */
export const DEFAULT_FORMAT: Record<Switches['tracer'], TraceFormat> = { v1: 'go1.19', v2: 'go1.23' };

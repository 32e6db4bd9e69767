// Go releases as named switches: every behaviour that differs between releases is one switch
// here, and the model asks the switch, never the version number.
//
// The release table below is the one place where versions map onto switches. Each switch's
// history is documented next to it and in the README.

import type { GoRelease, TimerMechanism } from '../sim/scenario.ts';

export interface Switches {
  /** Linux profiling timer: process-wide setitimer(ITIMER_PROF), or one timer_create
   *  (CLOCK_THREAD_CPUTIME_ID) per M plus setitimer for threads without an M (Go 1.18). */
  timer: TimerMechanism;
  /** First expiry of a per-thread timer: uniform in (0, period] (as shipped in 1.18), or a
   *  full period (the biased variant the uniform draw avoids; never in a release). */
  firstExpiry: 'uniform' | 'period';
  /** SIGPROF also writes into a trace-owned profBuf, read out as CPU sample events (Go 1.19). */
  traceCPUSamples: boolean;
  /** Which goroutine a trace CPU sample names when the signal lands on g0: the interrupted
   *  g (g0, goid 0) or m.curg. Go 1.19 shipped curg; 'gp' is the behaviour before that fix. */
  sampleAttribution: 'gp' | 'curg';
  /** Execution trace format: the go 1.19 format (v1) or the generational Go1.22 format (v2). */
  tracer: 'v1' | 'v2';
  /** CPU-sample profBufs in the generational tracer: one (1.22), or two indexed by gen%2 (1.23). */
  cpuBuffersPerGen: 1 | 2;
  /** What entersyscall_gcwait emits in the v2 tracer: ProcStop (1.22.0) or ProcSteal (after). */
  gcwaitEvent: 'ProcStop' | 'ProcSteal';
}

export const RELEASES: Record<GoRelease, Switches> = {
  '1.17': { timer: 'setitimer', firstExpiry: 'uniform', traceCPUSamples: false, sampleAttribution: 'curg', tracer: 'v1', cpuBuffersPerGen: 1, gcwaitEvent: 'ProcStop' },
  '1.18': { timer: 'per-thread', firstExpiry: 'uniform', traceCPUSamples: false, sampleAttribution: 'curg', tracer: 'v1', cpuBuffersPerGen: 1, gcwaitEvent: 'ProcStop' },
  '1.19': { timer: 'per-thread', firstExpiry: 'uniform', traceCPUSamples: true, sampleAttribution: 'curg', tracer: 'v1', cpuBuffersPerGen: 1, gcwaitEvent: 'ProcStop' },
  '1.20': { timer: 'per-thread', firstExpiry: 'uniform', traceCPUSamples: true, sampleAttribution: 'curg', tracer: 'v1', cpuBuffersPerGen: 1, gcwaitEvent: 'ProcStop' },
  '1.21': { timer: 'per-thread', firstExpiry: 'uniform', traceCPUSamples: true, sampleAttribution: 'curg', tracer: 'v1', cpuBuffersPerGen: 1, gcwaitEvent: 'ProcStop' },
  '1.22': { timer: 'per-thread', firstExpiry: 'uniform', traceCPUSamples: true, sampleAttribution: 'curg', tracer: 'v2', cpuBuffersPerGen: 1, gcwaitEvent: 'ProcStop' },
  '1.23': { timer: 'per-thread', firstExpiry: 'uniform', traceCPUSamples: true, sampleAttribution: 'curg', tracer: 'v2', cpuBuffersPerGen: 2, gcwaitEvent: 'ProcSteal' },
  '1.24': { timer: 'per-thread', firstExpiry: 'uniform', traceCPUSamples: true, sampleAttribution: 'curg', tracer: 'v2', cpuBuffersPerGen: 2, gcwaitEvent: 'ProcSteal' },
  '1.25': { timer: 'per-thread', firstExpiry: 'uniform', traceCPUSamples: true, sampleAttribution: 'curg', tracer: 'v2', cpuBuffersPerGen: 2, gcwaitEvent: 'ProcSteal' },
};

export const GO_RELEASES = Object.keys(RELEASES) as GoRelease[];
export const DEFAULT_RELEASE: GoRelease = '1.23';

/** Allowed values of each switch, for validating overrides. */
export const SWITCH_VALUES: { [K in keyof Switches]: readonly Switches[K][] } = {
  timer: ['setitimer', 'per-thread'],
  firstExpiry: ['uniform', 'period'],
  traceCPUSamples: [false, true],
  sampleAttribution: ['gp', 'curg'],
  tracer: ['v1', 'v2'],
  cpuBuffersPerGen: [1, 2],
  gcwaitEvent: ['ProcStop', 'ProcSteal'],
};

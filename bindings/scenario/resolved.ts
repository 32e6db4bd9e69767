// ResolvedScenario: a validated scenario in the units the model works in (ns, bytes, stack
// ids, label tags, template indexes). Produced only by runtime/resolve.ts; read-only after.

import type { Switches } from './releases.ts';
import type { GoRelease, BlockReason } from './scenario.ts';
import type { StwReason } from './stw.ts';
import type { Symtab } from './symtab.ts';

export type RStep =
  | { k: 'compute'; stack: number; ns: number }
  | { k: 'syscall'; stack: number; cpuNs: number; blockNs: number }
  | { k: 'sleep'; ns: number }
  | { k: 'block'; ns: number; reason: BlockReason }
  | { k: 'send'; chan: number }
  | { k: 'recv'; chan: number }
  | { k: 'gosched' }
  | { k: 'g0'; via: 'systemstack' | 'mcall'; stack: number; ns: number }
  | { k: 'spawn'; tmpl: number; count: number }
  | { k: 'loop'; body: RStep[]; times: number }
  | { k: 'labels'; tag: number }
  | { k: 'task'; name: string; body: RStep[] }
  | { k: 'region'; name: string; body: RStep[] }
  | { k: 'log'; message: string; category: string }
  | { k: 'alloc'; bytes: number }
  | { k: 'stw'; reason: StwReason; ns: number }
  // Steps of the runtime's own goroutines (sim/rtg.ts), never written in a scenario:
  /** gopark until the runtime readies the goroutine. */
  | { k: 'park'; why: RuntimeParkKind }
  /** A sleep on a timer that wakes the goroutine through a channel or note, traced as `why`. */
  | { k: 'nap'; ns: number; why: RuntimeParkKind }
  /** A runtime operation the owner of the goroutine carries out (sim/rtg.ts). */
  | { k: 'rt'; op: RuntimeOp };

/** Why a runtime goroutine waits (sim/observer.ts BlockKind has the same names). */
export type RuntimeParkKind = 'gcworker' | 'gcsweep' | 'chanrecv' | 'sleep';
/** The operations of the runtime's goroutines: main's trace.Start creating the tracer's,
 *  forcegchelper's gcStart, bgsweep's sweep loop, the trace advancer's traceAdvance. */
export type RuntimeOp = 'init' | 'forcegc' | 'sweep' | 'traceAdvance' | 'traceRead';

export interface RTemplate {
  name: string;
  count: number;
  tag: number;
  lockOSThread: boolean;
  program: RStep[];
}

export interface RThread {
  name: string;
  count: number;
  busy: number;
  startNs: number;
  lifeNs: number;
}

export interface RGC {
  triggerBytes: number;
  periodNs: number;
  stwNs: number;
  markNs: number;
  workers: number;
  assistNsPerKiB: number;
}

export interface RProfile {
  hz: number;
  periodNs: number;
  tickNs: number;
  words: number;
  tags: number;
  readEveryNs: number;
}

export interface RCosts {
  scheduleNs: number;
  goschedNs: number;
  newprocNs: number;
  findRunnableNs: number;
}

/** Execution tracer settings (the generational tracer's generation period and CPU reader). */
export interface RTrace {
  periodNs: number;
  cpuReaderEveryNs: number;
}

/** How step durations spread around their nominal value (sim/jitter.ts draws them). */
export interface RJitter {
  dist: 'lognormal' | 'none';
  cv: number;
}

export interface ResolvedScenario {
  name: string;
  go: GoRelease;
  seed: number;
  durationNs: number;
  gomaxprocs: number;
  templates: RTemplate[];
  threads: RThread[];
  gc: RGC | null;
  profile: RProfile;
  switches: Switches;
  costs: RCosts;
  channels: string[];
  symtab: Symtab;
  trace: RTrace;
  /** Guards against runaway programs (sim/progress.ts). */
  limits: { goroutines: number };
  jitter: RJitter;
}

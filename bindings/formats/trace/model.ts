// The trace model every consumer sees, whatever the wire format: the vocabulary of Go's own
// reader (internal/trace: event kinds, resources, goroutine and proc states, ranges, tasks).
//
// Layout: plain numeric constants (hot loops compare them; no enum objects), their names as
// Go's API prints them, and the small records the event view hands out. Nothing here knows a
// wire format: formats/trace/event.ts maps the Go1.22+ base events onto this vocabulary (the
// one table that says what an event does), and the go 1.5–1.21 reader converts its events into
// those base events first, as Go's oldtrace does.
// Who may touch: the trace model owner. Add kinds or states only with Go's API.

// ---- event kinds (internal/trace EventKind) ----
export const KindBad = 0;
export const KindSync = 1;
export const KindMetric = 2;
export const KindLabel = 3;
export const KindStackSample = 4;
export const KindRangeBegin = 5;
export const KindRangeActive = 6;
export const KindRangeEnd = 7;
export const KindTaskBegin = 8;
export const KindTaskEnd = 9;
export const KindRegionBegin = 10;
export const KindRegionEnd = 11;
export const KindLog = 12;
export const KindStateTransition = 13;
export const KindExperimental = 14;
export type EventKind = number;
export const KIND_NAMES: readonly string[] = [
  'EventBad',
  'Sync',
  'Metric',
  'Label',
  'StackSample',
  'RangeBegin',
  'RangeActive',
  'RangeEnd',
  'TaskBegin',
  'TaskEnd',
  'RegionBegin',
  'RegionEnd',
  'Log',
  'StateTransition',
  'Experimental',
];

// ---- resources (ResourceKind) ----
export const ResourceNone = 0;
export const ResourceGoroutine = 1;
export const ResourceProc = 2;
export const ResourceThread = 3;
export type ResourceKind = number;
export const RESOURCE_NAMES: readonly string[] = ['None', 'Goroutine', 'Proc', 'Thread'];

// ---- goroutine states (GoState) ----
export const GoUndetermined = 0;
export const GoNotExist = 1;
export const GoRunnable = 2;
export const GoRunning = 3;
export const GoWaiting = 4;
export const GoSyscall = 5;
export type GoState = number;
export const GO_STATE_NAMES: readonly string[] = ['Undetermined', 'NotExist', 'Runnable', 'Running', 'Waiting', 'Syscall'];
/** Running or in a syscall: the goroutine holds a thread. */
export const goExecuting = (s: GoState): boolean => s === GoRunning || s === GoSyscall;

// ---- proc states (ProcState) ----
export const ProcUndetermined = 0;
export const ProcNotExist = 1;
export const ProcRunning = 2;
export const ProcIdle = 3;
export type ProcState = number;
export const PROC_STATE_NAMES: readonly string[] = ['Undetermined', 'NotExist', 'Running', 'Idle'];

/** Absent ids (Go's NoGoroutine, NoProc, NoThread, NoTask). */
export const NoGoroutine = -1;
export const NoProc = -1;
export const NoThread = -1;
/** ^uint64(0), as a double holds it (prints as 18446744073709551615). */
export const NoTask = 2 ** 64;

// ---- what the view hands out (records reused between events: copy what you keep) ----

/** A change of a goroutine's or a proc's state. */
export interface StateTransition {
  resource: ResourceKind;
  /** The goroutine or proc whose state changes (not necessarily the event's own). */
  id: number;
  from: number;
  to: number;
  /** Why (GoStop's and GoBlock's reason string), or ''. */
  reason: string;
  /** The stack the transition happened at (the event's, or a new goroutine's start), 0: none. */
  stack: number;
}

/** A named range: the GC, a stop-the-world, a sweep, a mark assist. */
export interface Range {
  name: string;
  scope: ResourceKind;
  /** Goroutine or proc id of the scope (0 for ResourceNone). */
  scopeId: number;
}

export interface Task {
  id: number;
  parent: number;
  type: string;
}

export interface Region {
  task: number;
  type: string;
}

export interface Log {
  task: number;
  category: string;
  message: string;
}

export interface Metric {
  name: string;
  value: number;
}

/** Names of the ranges Go's API defines. */
export const RANGE_GC = 'GC concurrent mark phase';
export const RANGE_SWEEP = 'GC incremental sweep';
export const RANGE_ASSIST = 'GC mark assist';
export const stwRangeName = (reason: string): string => `stop-the-world (${reason})`;

/** Names of the metrics Go's API defines. */
export const METRIC_GOMAXPROCS = '/sched/gomaxprocs:threads';
export const METRIC_HEAP_ALLOC = '/memory/classes/heap/objects:bytes';
export const METRIC_HEAP_GOAL = '/gc/heap/goal:bytes';

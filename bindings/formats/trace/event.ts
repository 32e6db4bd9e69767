// TraceEventView: what one event does to the world, computed in one place for every format.
//
// Layout: the readers hand consumers one reused view per event. The view holds a base event
// as Go1.22+'s ordering layer hands it out (the wire type, its arguments without the time
// delta, the time in ns as Go's reader computes it, the goroutine/proc/thread it happened on) plus
// the few facts only the ordering knows (the state a status or steal event found, the task an
// end closes). Go 1.5–1.21 events are first converted into such base events (as Go's oldtrace
// does), so this file is the one table: for each base event type, its kind, the state
// transition it makes (which resource, from which state to which, why, at which stack), the
// range it opens or closes, and its task, region, log, label or metric. Consumers switch on
// kind() and read these records; none of them looks at event names.
// Invariants: fields are valid only during the sink call that received the view; the records
// returned (transition(), range(), ...) are reused on the next call. Ids absent from the
// event are -1 (NoGoroutine, NoProc, NoThread).
// Who may touch: the trace model owner; readers fill the fields, consumers only read.

import type { StackFrame } from '../event.ts';
import * as W from '../v2/spec.ts';
import {
  GoNotExist,
  GoRunnable,
  GoRunning,
  GoSyscall,
  GoUndetermined,
  GoWaiting,
  KindExperimental,
  KindLabel,
  KindLog,
  KindMetric,
  KindRangeActive,
  KindRangeBegin,
  KindRangeEnd,
  KindRegionBegin,
  KindRegionEnd,
  KindStackSample,
  KindStateTransition,
  KindSync,
  KindTaskBegin,
  KindTaskEnd,
  METRIC_GOMAXPROCS,
  METRIC_HEAP_ALLOC,
  METRIC_HEAP_GOAL,
  ProcIdle,
  ProcRunning,
  ProcUndetermined,
  RANGE_ASSIST,
  RANGE_GC,
  RANGE_SWEEP,
  ResourceGoroutine,
  ResourceNone,
  ResourceProc,
  stwRangeName,
  type EventKind,
  type Log,
  type Metric,
  type Range,
  type Region,
  type StateTransition,
  type Task,
} from './model.ts';

/** The tables of the generation an event belongs to (a v1 trace has one). */
export interface TraceTables {
  /** Generation number (1-based; 1 for a go 1.5–1.21 trace). */
  readonly gen: number;
  string(id: number): string | undefined;
  /** Frames of stack `id`, leaf first (undefined: no such stack; 0 is the empty stack). */
  frames(id: number): readonly StackFrame[] | undefined;
}

/** Consumer of the model: tables before their events, then every event in order. */
export interface TraceModelSink {
  /** The tables of the next generation (for Go1.22+ traces Go's Sync event follows each
   *  generation's events, so one precedes each generation after the first). */
  generation(t: TraceTables): void;
  event(e: TraceEventView): void;
}

// ---- the table: per base event type, what it is ----

/** Kind per type (0 = KindBad: not an event of the model). */
const KIND = new Uint8Array(256);
/** Fixed transitions: resource (0: not fixed), whether the resource is args[0] (else the
 *  event's own goroutine/proc), from, to, and where the transition's stack is (-1: none;
 *  -2: the event's own stack; n >= 0: args[n]). */
const TR_RES = new Uint8Array(256);
const TR_ON_ARG = new Uint8Array(256);
const TR_FROM = new Uint8Array(256);
const TR_TO = new Uint8Array(256);
const TR_STACK = new Int8Array(256).fill(-1);
/** Index in args (without dt) of the event's own stack, -1 when it has none. */
const OWN_STACK = new Int16Array(256).fill(-1);
const NAMES: string[] = new Array(256).fill('');

const OWN = -2;
const fixed: [number, number, boolean, number, number, number][] = [
  [W.EvGoCreate, ResourceGoroutine, true, GoNotExist, GoRunnable, 1],
  [W.EvGoCreateBlocked, ResourceGoroutine, true, GoNotExist, GoWaiting, 1],
  [W.EvGoCreateSyscall, ResourceGoroutine, true, GoNotExist, GoSyscall, -1],
  [W.EvGoStart, ResourceGoroutine, true, GoRunnable, GoRunning, -1],
  [W.EvGoDestroy, ResourceGoroutine, false, GoRunning, GoNotExist, OWN],
  [W.EvGoDestroySyscall, ResourceGoroutine, false, GoSyscall, GoNotExist, -1],
  [W.EvGoStop, ResourceGoroutine, false, GoRunning, GoRunnable, OWN],
  [W.EvGoBlock, ResourceGoroutine, false, GoRunning, GoWaiting, OWN],
  // A switch first unblocks the goroutine it names, exactly as an unblock; the ordering hands
  // out the switching goroutine's block and the named one's start as events of their own.
  [W.EvGoUnblock, ResourceGoroutine, true, GoWaiting, GoRunnable, -1],
  [W.EvGoSwitch, ResourceGoroutine, true, GoWaiting, GoRunnable, -1],
  [W.EvGoSwitchDestroy, ResourceGoroutine, true, GoWaiting, GoRunnable, -1],
  [W.EvGoSyscallBegin, ResourceGoroutine, false, GoRunning, GoSyscall, OWN],
  [W.EvGoSyscallEnd, ResourceGoroutine, false, GoSyscall, GoRunning, OWN],
  [W.EvGoSyscallEndBlocked, ResourceGoroutine, false, GoSyscall, GoRunnable, OWN],
  [W.EvProcStart, ResourceProc, true, ProcIdle, ProcRunning, -1],
  [W.EvProcStop, ResourceProc, false, ProcRunning, ProcIdle, -1],
];
for (const [type, res, onArg, from, to, stack] of fixed) {
  KIND[type] = KindStateTransition;
  TR_RES[type] = res;
  TR_ON_ARG[type] = onArg ? 1 : 0;
  TR_FROM[type] = from;
  TR_TO[type] = to;
  TR_STACK[type] = stack;
}
/** The fixed transitions packed for the hot path: resource | onArg<<4 | from<<8 | to<<12 (0: none). */
const TR_PACKED = new Uint16Array(256);
for (let t = 0; t < 256; t++) {
  if (TR_RES[t] !== 0) TR_PACKED[t] = TR_RES[t] | (TR_ON_ARG[t] << 4) | (TR_FROM[t] << 8) | (TR_TO[t] << 12);
}
/** The fixed transitions by type, packed as above (0: none), for consumers that skip the view
 *  (the Go1.22+ validation layer's fast path). Read only. */
export const FIXED_TRANSITIONS: Readonly<Uint16Array> = TR_PACKED;
for (const type of [W.EvGoStatus, W.EvGoStatusStack, W.EvProcStatus, W.EvProcSteal]) KIND[type] = KindStateTransition;
for (const type of [W.EvSTWBegin, W.EvGCBegin, W.EvGCSweepBegin, W.EvGCMarkAssistBegin]) KIND[type] = KindRangeBegin;
for (const type of [W.EvGCActive, W.EvGCSweepActive, W.EvGCMarkAssistActive]) KIND[type] = KindRangeActive;
for (const type of [W.EvSTWEnd, W.EvGCEnd, W.EvGCSweepEnd, W.EvGCMarkAssistEnd]) KIND[type] = KindRangeEnd;
for (const type of [W.EvProcsChange, W.EvHeapAlloc, W.EvHeapGoal]) KIND[type] = KindMetric;
KIND[W.EvCPUSample] = KindStackSample;
// Go's reader makes a Sync between generations (its own type, not a wire event before Go1.25).
KIND[W.EvSync] = KindSync;
KIND[W.EvGoLabel] = KindLabel;
KIND[W.EvUserTaskBegin] = KindTaskBegin;
KIND[W.EvUserTaskEnd] = KindTaskEnd;
KIND[W.EvUserRegionBegin] = KindRegionBegin;
KIND[W.EvUserRegionEnd] = KindRegionEnd;
KIND[W.EvUserLog] = KindLog;
for (const s of W.specTables[25].specs) {
  if (!s) continue;
  NAMES[s.type] = s.name;
  if (s.experiment) KIND[s.type] = KindExperimental;
  if (s.type === W.EvCPUSample) OWN_STACK[s.type] = 0;
  else if (s.stackArgs.length) OWN_STACK[s.type] = s.stackArgs[0] - 1;
}

/** Wire GoStatus / ProcStatus values → model states. */
const GO_OF_STATUS = [GoUndetermined, GoRunnable, GoRunning, GoSyscall, GoWaiting];
/** A P in a syscall is running; an abandoned one idle (as Go's API maps them). */
const PROC_OF_STATUS = [ProcUndetermined, ProcRunning, ProcIdle, ProcRunning, ProcIdle];

const EMPTY: ArrayLike<number> = [];

/**
 * The view's reused transition record: resource, id and states are set for each event; reason
 * and stack are getters reading the event (copy them by name: a spread copies own fields only).
 */
class TransitionRecord implements StateTransition {
  resource = ResourceNone;
  id = -1;
  from = 0;
  to = 0;
  constructor(private readonly v: TraceEventView) {}
  get reason(): string {
    return this.v.transitionReason();
  }
  get stack(): number {
    return this.v.transitionStack();
  }
}

export class TraceEventView {
  // ---- the base event (written by the reader before each sink call) ----
  /** Base event type (Go1.22+ wire id). */
  type = 0;
  /** Time in nanoseconds as Go's reader gives it (Event.Time(): the trace clock converted by
   *  the trace's frequency, made strictly increasing); subtract the first event's for "since
   *  the trace began". */
  time = 0;
  /** Goroutine, proc and thread the event happened on, before its own transition (-1: none). */
  g = -1;
  p = -1;
  m = -1;
  /** Arguments after the time delta, as the spec table lists them. */
  args: ArrayLike<number> = EMPTY;
  /** Where the event is in the input (-1: made by the reader). */
  offset = -1;
  tables!: TraceTables;
  // ---- what only the ordering knows ----
  /** GoStatus/ProcStatus/ProcSteal: the state the ordering held before the event. */
  before = 0;
  /** UserTaskEnd: the ended task's parent and type, from its begin (NoTask, '' when unknown). */
  endedTaskParent = 0;
  endedTaskType = '';

  private readonly tr: StateTransition = new TransitionRecord(this);
  private readonly rg: Range = { name: '', scope: ResourceNone, scopeId: 0 };
  private readonly tk: Task = { id: 0, parent: 0, type: '' };
  private readonly rn: Region = { task: 0, type: '' };
  private readonly lg: Log = { task: 0, category: '', message: '' };
  private readonly mt: Metric = { name: '', value: 0 };

  kind(): EventKind {
    // (Types are bytes: every one has an entry, KindBad for those that are no event.)
    return KIND[this.type & 255];
  }

  /** The base event's name in Go's spec (GoStart, ProcSteal...): for printing, not dispatch. */
  name(): string {
    return NAMES[this.type] || `event ${this.type}`;
  }

  /** Stack id of the event's own execution context (0: none). */
  stack(): number {
    const i = OWN_STACK[this.type];
    return i >= 0 && i < this.args.length ? this.args[i] : 0;
  }

  private str(id: number): string {
    return this.tables.string(id) ?? '';
  }

  /**
   * KindStateTransition: which goroutine or proc changes, from and to which state. The record's
   * `reason` and `stack` are read from the event when asked (most consumers never ask).
   */
  transition(): StateTransition {
    const t = this.tr;
    const type = this.type;
    const a = this.args;
    const pk = TR_PACKED[type];
    if (pk !== 0) {
      const res = pk & 15;
      t.resource = res;
      t.id = (pk & 16) !== 0 ? a[0] : res === ResourceGoroutine ? this.g : this.p;
      t.from = (pk >> 8) & 15;
      t.to = pk >> 12;
      return t;
    }
    switch (type) {
      case W.EvGoStatus:
      case W.EvGoStatusStack:
        t.resource = ResourceGoroutine;
        t.id = a[0];
        t.from = this.before;
        t.to = GO_OF_STATUS[a[2]] ?? GoUndetermined;
        return t;
      case W.EvProcStatus:
        t.resource = ResourceProc;
        t.id = a[0];
        t.from = this.before;
        t.to = PROC_OF_STATUS[a[1]] ?? ProcUndetermined;
        return t;
      case W.EvProcSteal:
        t.resource = ResourceProc;
        t.id = a[0];
        t.from = this.before;
        t.to = ProcIdle;
        return t;
    }
    throw new RangeError(`${this.name()} is not a state transition`);
  }

  /** The transition's reason: GoStop's and GoBlock's reason string, else ''. */
  transitionReason(): string {
    return this.type === W.EvGoStop || this.type === W.EvGoBlock ? this.str(this.args[0]) : '';
  }

  /** The stack the transition happened at (the event's own, or a new goroutine's start), 0: none. */
  transitionStack(): number {
    const st = TR_STACK[this.type];
    if (st === OWN) return this.stack();
    if (st >= 0) return this.args[st];
    return this.type === W.EvGoStatusStack ? this.args[3] : 0;
  }

  /** KindRange*: the range's name and the resource it is on. */
  range(): Range {
    const r = this.rg;
    switch (this.type) {
      case W.EvSTWBegin:
      case W.EvSTWEnd:
        // The ordering puts the begin's reason into the end's first argument.
        r.name = stwRangeName(this.str(this.args[0]));
        r.scope = ResourceGoroutine;
        r.scopeId = this.g;
        return r;
      case W.EvGCBegin:
      case W.EvGCActive:
      case W.EvGCEnd:
        r.name = RANGE_GC;
        r.scope = ResourceNone;
        r.scopeId = 0;
        return r;
      case W.EvGCSweepBegin:
      case W.EvGCSweepActive:
      case W.EvGCSweepEnd:
        // Go scopes every sweep event to the proc the thread holds, even the one that names a proc.
        r.name = RANGE_SWEEP;
        r.scope = ResourceProc;
        r.scopeId = this.p;
        return r;
      case W.EvGCMarkAssistBegin:
      case W.EvGCMarkAssistActive:
      case W.EvGCMarkAssistEnd:
        r.name = RANGE_ASSIST;
        r.scope = ResourceGoroutine;
        r.scopeId = this.type === W.EvGCMarkAssistActive ? this.args[0] : this.g;
        return r;
    }
    throw new RangeError(`${this.name()} is not a range event`);
  }

  /** GCSweepEnd's attributes: bytes swept and reclaimed. */
  sweepBytes(): [swept: number, reclaimed: number] {
    return this.type === W.EvGCSweepEnd ? [this.args[0], this.args[1]] : [0, 0];
  }

  task(): Task {
    const t = this.tk;
    if (this.type === W.EvUserTaskBegin) {
      t.id = this.args[0];
      t.parent = this.args[1];
      t.type = this.str(this.args[2]);
      return t;
    }
    if (this.type === W.EvUserTaskEnd) {
      t.id = this.args[0];
      t.parent = this.endedTaskParent;
      t.type = this.endedTaskType;
      return t;
    }
    throw new RangeError(`${this.name()} is not a task event`);
  }

  region(): Region {
    if (this.type === W.EvUserRegionBegin || this.type === W.EvUserRegionEnd) {
      const r = this.rn;
      r.task = this.args[0];
      r.type = this.str(this.args[1]);
      return r;
    }
    throw new RangeError(`${this.name()} is not a region event`);
  }

  log(): Log {
    if (this.type === W.EvUserLog) {
      const l = this.lg;
      l.task = this.args[0];
      l.category = this.str(this.args[1]);
      l.message = this.str(this.args[2]);
      return l;
    }
    throw new RangeError(`${this.name()} is not a log event`);
  }

  /** KindLabel: the label of the event's goroutine. */
  label(): string {
    if (this.type === W.EvGoLabel) return this.str(this.args[0]);
    throw new RangeError(`${this.name()} is not a label event`);
  }

  metric(): Metric {
    const m = this.mt;
    switch (this.type) {
      case W.EvProcsChange:
        m.name = METRIC_GOMAXPROCS;
        break;
      case W.EvHeapAlloc:
        m.name = METRIC_HEAP_ALLOC;
        break;
      case W.EvHeapGoal:
        m.name = METRIC_HEAP_GOAL;
        break;
      default:
        throw new RangeError(`${this.name()} is not a metric event`);
    }
    m.value = this.args[0];
    return m;
  }

  /** Frames of a stack id of this event's generation, leaf first ([] for 0 or unknown). */
  frames(stack: number): readonly StackFrame[] {
    return stack === 0 ? [] : (this.tables.frames(stack) ?? []);
  }
}

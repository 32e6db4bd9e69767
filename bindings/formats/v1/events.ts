// The V1Trace of parseV1: the trace object, its stack table, and its `events` array, built
// from the wire columns only when first read.
//
// Owns: V1Trace, makeTrace, the columns a trace keeps until `events` is built (COLUMNS: a
// non-enumerable symbol property of the trace) and eventAt, which makes the TraceEvent of one
// event. Memory: the trace keeps the columns (about 40 bytes per event) and builds its
// `events` array (TraceEvent objects, a few hundred bytes each) only when `events` is first
// read; countsV1 and forEachEventV1 (index.ts) work from the columns without building it.
// TraceEvent fields, as Go's parser sets them: `p` is the P of the event's batch (Go's
// presentation Ps for syscall exits, GC, timers and netpoll are not applied; CPUSample: the
// sampled P, -1 when none); `g` follows Go's attribution; `stack` of a goroutine's first
// GoStart is its creation's start stack; args keep raw values (GoSysExit.ts in ticks;
// CPUSample.ts is 0 because the handler's tick became the event's time). Events without
// arguments share one frozen empty `args` object.
// Invariants: once built, `events` is a plain own property: the same array on every read,
// which the caller may change; a frozen trace keeps the built array with its columns.
// Who may touch: the v1 format owner.

import type { StackFrame, TraceEvent, TraceFormat } from '../event.ts';
import { headerVersion } from '../version.ts';
import * as spec from './spec.ts';
import type { V1Wire } from './columns.ts';

// Local bindings: imported bindings compile to getters under some loaders (tsx, vitest),
// which would sit in the per-event loop.
const {
  EvCPUSample,
  EvGCSTWStart,
  EvGCStart,
  EvGCSweepDone,
  EvGoCreate,
  EvGoInSyscall,
  EvGomaxprocs,
  EvGoStart,
  EvGoStartLabel,
  EvGoSysExit,
  EvGoUnblock,
  EvGoWaiting,
  EvHeapAlloc,
  EvHeapGoal,
  EvProcStart,
  EvUserLog,
  EvUserRegion,
  EvUserTaskCreate,
  EvUserTaskEnd,
  V1_EVENTS,
  argsFor,
  stwKindName,
} = spec;

/** A parsed v1 trace. */
export interface V1Trace {
  format: TraceFormat;
  /** 1000*major+minor from the header (1019 for go 1.19). */
  version: number;
  /** Events in Go's order, times in ns since the first event. */
  events: TraceEvent[];
  /** Stack id -> frames, innermost first. */
  stacks: Map<number, StackFrame[]>;
  /** String table. */
  strings: Map<number, string>;
  /** Trace clock ticks per second (EvFrequency). */
  freq: number;
  /** Goroutines marked by EvTimerGoroutine (pre-1.14 traces). */
  timerGoroutines: Set<number>;
}

/** The format a v1 header version is read as (1019 -> go1.19), from the one version table. */
function formatOf(version: number): TraceFormat {
  return headerVersion(version - 1000)!.format;
}

/** Shared by every event without arguments (most of a trace: GoSched, GoBlock, ...). */
const NO_ARGS: Record<string, number> = Object.freeze({}) as Record<string, number>;

/** What a trace keeps until its events are built. */
export interface Cols {
  w: V1Wire;
  order: Int32Array;
  /** Argument names by type, for this version. */
  names: (readonly string[])[];
  /** True if the per-type object literals below name the arguments as argsFor does. */
  literal: boolean;
  /** The built array, kept here only if the trace was frozen before `events` was read. */
  events?: TraceEvent[];
}

/**
 * Where a trace keeps its columns until `events` is built: a non-enumerable symbol property on
 * the trace itself (invisible to Object.keys, JSON, spread and structuredClone), so they go
 * away with it.
 */
const COLS = Symbol('v1 columns');
export const COLUMNS = {
  /** The columns of a trace whose `events` array is not built yet. */
  get(trace: V1Trace): Cols | undefined {
    const c = COLUMNS.raw(trace);
    return c !== undefined && c.events === undefined ? c : undefined;
  },
  raw(trace: V1Trace): Cols | undefined {
    return (trace as unknown as { [COLS]?: Cols })[COLS];
  },
  set(trace: V1Trace, c: Cols): void {
    Object.defineProperty(trace, COLS, { value: c, enumerable: false, configurable: true, writable: true });
  },
};

export function makeTrace(w: V1Wire, order: Int32Array): V1Trace {
  const str = (id: number): string => w.strings.get(id) ?? '';
  const stacks = new Map<number, StackFrame[]>();
  for (const [id, f] of w.stacks) {
    const frames: StackFrame[] = new Array(f.length >> 2);
    for (let k = 0; k < frames.length; k++) {
      frames[k] = { pc: f[4 * k], func: str(f[4 * k + 1]), file: str(f[4 * k + 2]), line: f[4 * k + 3] };
    }
    stacks.set(id, frames);
  }
  // The stack table is built: the wire's copy is not needed any more.
  w.stacks = new Map();
  const names = V1_EVENTS.map((s) => argsFor(s, w.version));
  const cols: Cols = { w, order, names, literal: w.version >= LITERAL_SINCE };
  const trace: V1Trace = {
    format: formatOf(w.version),
    version: w.version,
    events: [],
    stacks,
    strings: w.strings,
    freq: w.ticksPerSec,
    timerGoroutines: w.timerGoids,
  };
  Object.defineProperty(trace, 'events', EVENTS_PROPERTY);
  COLUMNS.set(trace, cols);
  return trace;
}

// The lazy `events` property. Its getter and setter are shared by all traces (per-trace
// closures would give every trace its own hidden class, allocated where only full GCs free it).
const EVENTS_PROPERTY: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: V1Trace): TraceEvent[] {
    const c = COLUMNS.raw(this);
    if (c === undefined) return [];
    if (c.events !== undefined) return c.events;
    const events = buildAll(c);
    // A frozen trace cannot take the data property: keep the array with the columns.
    if (!settle(this, events)) c.events = events;
    return events;
  },
  set(this: V1Trace, events: TraceEvent[]): void {
    if (!settle(this, events)) throw new TypeError("Cannot assign to read only property 'events' of object");
  },
};

/** Make `events` a plain data property holding events and drop the columns (false if frozen). */
function settle(trace: V1Trace, events: TraceEvent[]): boolean {
  const ok = Reflect.defineProperty(trace, 'events', {
    value: events,
    writable: true,
    enumerable: true,
    configurable: true,
  });
  if (ok) Reflect.set(trace, COLS, undefined);
  return ok;
}

function buildAll(c: Cols): TraceEvent[] {
  // Grown by push: `new Array(n)` beyond ~100k elements would start in dictionary mode.
  const events: TraceEvent[] = [];
  const order = c.order;
  for (let j = 0; j < order.length; j++) events.push(eventAt(c, order[j]));
  return events;
}

/** Argument names below are those of traces from this version on (GCSTWStart kind: 1.10). */
const LITERAL_SINCE = 1010;

/** The TraceEvent of event i. */
export function eventAt(c: Cols, i: number): TraceEvent {
  const w = c.w;
  const t = w.type[i];
  const A = w.args;
  const a = w.argAt[i];
  let args: Record<string, number> = NO_ARGS;
  let p: number;
  if (c.literal) {
    switch (t) {
      case EvGoStart:
      case EvGoUnblock:
        args = { g: A[a], seq: A[a + 1] };
        break;
      case EvHeapAlloc:
      case EvHeapGoal:
        args = { mem: A[a] };
        break;
      case EvGoCreate:
        args = { g: A[a], stack: A[a + 1] };
        break;
      case EvGoSysExit:
        args = { g: A[a], seq: A[a + 1], ts: A[a + 2] };
        break;
      case EvGoWaiting:
      case EvGoInSyscall:
        args = { g: A[a] };
        break;
      case EvProcStart:
        args = { thread: A[a] };
        break;
      case EvGCSweepDone:
        args = { swept: A[a], reclaimed: A[a + 1] };
        break;
      case EvGomaxprocs:
        args = { procs: A[a] };
        break;
      case EvGCStart:
        args = { seq: A[a] };
        break;
      case EvGCSTWStart:
        args = { kindid: A[a] };
        break;
      case EvGoStartLabel:
        args = { g: A[a], seq: A[a + 1], labelid: A[a + 2] };
        break;
      case EvUserTaskCreate:
        args = { taskid: A[a], pid: A[a + 1], typeid: A[a + 2] };
        break;
      case EvUserTaskEnd:
        args = { taskid: A[a] };
        break;
      case EvUserRegion:
        args = { taskid: A[a], mode: A[a + 1], typeid: A[a + 2] };
        break;
      case EvUserLog:
        args = { id: A[a], keyid: A[a + 1] };
        break;
      case EvCPUSample:
        args = { ts: A[a], p: A[a + 1], g: A[a + 2] };
        break;
      default:
        args = genericArgs(c.names[t], A, a);
    }
  } else {
    args = genericArgs(c.names[t], A, a);
  }
  if (t === EvCPUSample) {
    p = A[a + 1]; // signed: -1 when the sample had no P
    args.p = p;
  } else {
    p = w.groupP[w.group[i]];
  }
  const ev: TraceEvent = {
    name: w.names[t],
    type: t,
    ts: w.ts[i],
    g: w.gSlots.ids[w.gs[i]],
    p,
    m: -1,
    stack: w.stk[i],
    args,
    gen: 0,
    offset: w.off[i],
  };
  switch (t) {
    case EvGoStartLabel:
      ev.strings = { label: str(w, A[a + 2]) };
      break;
    case EvGCSTWStart:
      ev.strings = { kind: stwKindName(w.version, A[a]) ?? '' };
      break;
    case EvUserTaskCreate:
    case EvUserRegion:
      ev.strings = { name: str(w, A[a + 2]) };
      break;
    case EvUserLog:
      ev.strings = { category: str(w, A[a + 1]), message: w.inline.get(i) ?? '' };
      break;
  }
  return ev;
}

function genericArgs(argNames: readonly string[], A: Float64Array, a: number): Record<string, number> {
  if (argNames.length === 0) return NO_ARGS;
  const args: Record<string, number> = {};
  for (let k = 0; k < argNames.length; k++) args[argNames[k]] = A[a + k];
  return args;
}

function str(w: V1Wire, id: number): string {
  return w.strings.get(id) ?? '';
}

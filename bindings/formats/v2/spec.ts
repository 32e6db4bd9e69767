// Spec tables of the generational execution-trace format (Go1.22, Go1.23, Go1.25).
//
// Layout handled: the wire form is the header "go 1.NN trace\0\0\0" followed by a
// stream of batches. A batch starts with EventBatch [gen, m, time, size] (or, from
// Go1.23, ExperimentalBatch: one raw experiment byte then [gen, m, time, size]) and
// carries `size` bytes of events. Every event is one type byte, then its arguments
// as uvarints in the order listed here; Stack adds nframes*4 uvarints (pc, func, file,
// line); events with `hasData` add a uvarint length and that many raw bytes.
// Timed events start with `dt`, the tick delta from the previous event of the batch
// (or from the batch's time for the first one).
//
// A generation, as the runtime writes it (and as the reader requires it): batches all
// carrying the same gen, generations in increasing order (gen+1 each time, never 0).
//  - one sync batch, m = NoThread: [Frequency freq] before Go1.25; from Go1.25
//    [Sync, Frequency freq, ClockSnapshot dt mono sec nsec];
//  - per-M batches of timed events; every P and every G that exists when the
//    generation starts is announced by ProcStatus / GoStatus (G and P seqs restart at 0
//    each generation; GoStatus for a G never seen before is only allowed in the first);
//  - Stacks and Strings batches (m = NoThread) holding the ids used in that generation
//    (ids are per generation; id 0 means "none"); optional CPUSamples batches.
// Limits: MaxBatchSize payload bytes per batch, MaxFramesPerStack frames per stack,
// MaxEventTrailerDataSize bytes per string.
//
// Invariants: one row per wire type id; a version's table is a prefix of the full
// table plus (Go1.23+) the experimental rows at 128+. Argument names follow Go's
// convention "(name_)?type", so `*_string` args are string-table ids and `stack` /
// `*_stack` args are stack-table ids; `stringArgs` / `stackArgs` index `args`
// (dt included, as in Go). This table drives the wire writer, the binary reader,
// the text reader/writer and the ordering validator; edit it only with the Go
// runtime's own table in hand. Owner: the Go1.22+ format; the tracer (writer) reads it.

/** Trace versions of the generational format. */
export type V2Version = 22 | 23 | 25;

export const GO122: V2Version = 22;
export const GO123: V2Version = 23;
export const GO125: V2Version = 25;

/** One event type of the wire format. */
export interface EventSpec {
  /** Name exactly as Go spells it. */
  readonly name: string;
  /** Wire type id (the event's first byte). */
  readonly type: number;
  /** Argument names in wire order (timed events start with "dt"). */
  readonly args: readonly string[];
  /** Indices into `args` of string-table ids. */
  readonly stringArgs: readonly number[];
  /** Indices into `args` of stack-table ids; the first is the event's own stack. */
  readonly stackArgs: readonly number[];
  /** Type of the "begin" event this one ends or reports active (0 = none). */
  readonly startEv: number;
  /** Appears in per-M batches with a dt and is surfaced to readers. */
  readonly timed: boolean;
  /** Followed by a uvarint length and that many bytes. */
  readonly hasData: boolean;
  /** Followed by nframes*4 uvarints (Stack). */
  readonly isStack: boolean;
  /** Framing or table event (not surfaced as a TraceEvent). */
  readonly structural: boolean;
  /** Experiment id (0 = not experimental). */
  readonly experiment: number;
  /** First trace version that has this event. */
  readonly since: V2Version;
}

// Wire type ids. Kept as plain constants: the ordering dispatches on them.
export const EvNone = 0;
export const EvEventBatch = 1;
export const EvStacks = 2;
export const EvStack = 3;
export const EvStrings = 4;
export const EvString = 5;
export const EvCPUSamples = 6;
export const EvCPUSample = 7;
export const EvFrequency = 8;
export const EvProcsChange = 9;
export const EvProcStart = 10;
export const EvProcStop = 11;
export const EvProcSteal = 12;
export const EvProcStatus = 13;
export const EvGoCreate = 14;
export const EvGoCreateSyscall = 15;
export const EvGoStart = 16;
export const EvGoDestroy = 17;
export const EvGoDestroySyscall = 18;
export const EvGoStop = 19;
export const EvGoBlock = 20;
export const EvGoUnblock = 21;
export const EvGoSyscallBegin = 22;
export const EvGoSyscallEnd = 23;
export const EvGoSyscallEndBlocked = 24;
export const EvGoStatus = 25;
export const EvSTWBegin = 26;
export const EvSTWEnd = 27;
export const EvGCActive = 28;
export const EvGCBegin = 29;
export const EvGCEnd = 30;
export const EvGCSweepActive = 31;
export const EvGCSweepBegin = 32;
export const EvGCSweepEnd = 33;
export const EvGCMarkAssistActive = 34;
export const EvGCMarkAssistBegin = 35;
export const EvGCMarkAssistEnd = 36;
export const EvHeapAlloc = 37;
export const EvHeapGoal = 38;
export const EvGoLabel = 39;
export const EvUserTaskBegin = 40;
export const EvUserTaskEnd = 41;
export const EvUserRegionBegin = 42;
export const EvUserRegionEnd = 43;
export const EvUserLog = 44;
// Go1.23.
export const EvGoSwitch = 45;
export const EvGoSwitchDestroy = 46;
export const EvGoCreateBlocked = 47;
export const EvGoStatusStack = 48;
export const EvExperimentalBatch = 49;
// Go1.25.
export const EvSync = 50;
export const EvClockSnapshot = 51;
export const EvEndOfGeneration = 52;
// Experimental (AllocFree), Go1.23+.
export const MaxEvent = 127;
export const EvSpan = 128;
export const EvSpanAlloc = 129;
export const EvSpanFree = 130;
export const EvHeapObject = 131;
export const EvHeapObjectAlloc = 132;
export const EvHeapObjectFree = 133;
export const EvGoroutineStack = 134;
export const EvGoroutineStackAlloc = 135;
export const EvGoroutineStackFree = 136;

export const ExperimentAllocFree = 1;

/** Goroutine statuses (GoStatus.gstatus). */
export const GoBad = 0;
export const GoRunnable = 1;
export const GoRunning = 2;
export const GoSyscall = 3;
export const GoWaiting = 4;

/** Proc statuses (ProcStatus.pstatus). */
export const ProcBad = 0;
export const ProcRunning = 1;
export const ProcIdle = 2;
export const ProcSyscall = 3;
/** A P first seen in a generation through a ProcSteal of a syscall that began earlier. */
export const ProcSyscallAbandoned = 4;

/** Largest batch payload the runtime writes (bytes). */
export const MaxBatchSize = 64 << 10;
/** Largest stack the runtime writes (frames). */
export const MaxFramesPerStack = 128;
/** Largest data trailer (string) the runtime writes (bytes). */
export const MaxEventTrailerDataSize = 1 << 10;

/**
 * The id the runtime writes for "no thread" (2^64-1): the M of the structural batches
 * (Frequency/Sync, Stacks, Strings, CPUSamples) and of batches written without an M,
 * and GoStatus.m of a goroutine that is not on a thread. Writers use the bigint.
 */
export const NoThread = (1n << 64n) - 1n;
/** The same id as it decodes into a JS number (2^64 after rounding). */
export const NoThreadWire = 2 ** 64;
/** P id of "no P" in CPU samples (the runtime's -1 as uint64). */
export const NoProc = NoThread;

/** Frame fields of a Stack entry, in wire order. */
export const frameFields: readonly string[] = ['pc', 'func', 'file', 'line'];

interface Row {
  name: string;
  args?: string[];
  strings?: number[];
  stacks?: number[];
  start?: number;
  timed?: boolean;
  data?: boolean;
  stack?: boolean;
  exp?: number;
  since?: V2Version;
}

function row(type: number, r: Row): EventSpec {
  const timed = r.timed ?? false;
  return {
    name: r.name,
    type,
    args: r.args ?? [],
    stringArgs: r.strings ?? [],
    stackArgs: r.stacks ?? [],
    startEv: r.start ?? 0,
    timed,
    hasData: r.data ?? false,
    isStack: r.stack ?? false,
    structural: !timed,
    experiment: r.exp ?? 0,
    since: r.since ?? GO122,
  };
}

const T = true;

const rows: Array<[number, Row]> = [
  // Structural.
  [EvEventBatch, { name: 'EventBatch', args: ['gen', 'm', 'time', 'size'] }],
  [EvStacks, { name: 'Stacks' }],
  [EvStack, { name: 'Stack', args: ['id', 'nframes'], stack: T }],
  [EvStrings, { name: 'Strings' }],
  [EvString, { name: 'String', args: ['id'], data: T }],
  [EvCPUSamples, { name: 'CPUSamples' }],
  // The sample carries an absolute timestamp; it lives in its own batch, not an M's.
  [EvCPUSample, { name: 'CPUSample', args: ['time', 'm', 'p', 'g', 'stack'], stacks: [4] }],
  [EvFrequency, { name: 'Frequency', args: ['freq'] }],
  // Procs.
  [EvProcsChange, { name: 'ProcsChange', args: ['dt', 'procs_value', 'stack'], timed: T, stacks: [2] }],
  [EvProcStart, { name: 'ProcStart', args: ['dt', 'p', 'p_seq'], timed: T }],
  [EvProcStop, { name: 'ProcStop', args: ['dt'], timed: T }],
  [EvProcSteal, { name: 'ProcSteal', args: ['dt', 'p', 'p_seq', 'm'], timed: T }],
  [EvProcStatus, { name: 'ProcStatus', args: ['dt', 'p', 'pstatus'], timed: T }],
  // Goroutines.
  [EvGoCreate, { name: 'GoCreate', args: ['dt', 'new_g', 'new_stack', 'stack'], timed: T, stacks: [3, 2] }],
  [EvGoCreateSyscall, { name: 'GoCreateSyscall', args: ['dt', 'new_g'], timed: T }],
  [EvGoStart, { name: 'GoStart', args: ['dt', 'g', 'g_seq'], timed: T }],
  [EvGoDestroy, { name: 'GoDestroy', args: ['dt'], timed: T }],
  [EvGoDestroySyscall, { name: 'GoDestroySyscall', args: ['dt'], timed: T }],
  [EvGoStop, { name: 'GoStop', args: ['dt', 'reason_string', 'stack'], timed: T, stacks: [2], strings: [1] }],
  [EvGoBlock, { name: 'GoBlock', args: ['dt', 'reason_string', 'stack'], timed: T, stacks: [2], strings: [1] }],
  [EvGoUnblock, { name: 'GoUnblock', args: ['dt', 'g', 'g_seq', 'stack'], timed: T, stacks: [3] }],
  [EvGoSyscallBegin, { name: 'GoSyscallBegin', args: ['dt', 'p_seq', 'stack'], timed: T, stacks: [2] }],
  [EvGoSyscallEnd, { name: 'GoSyscallEnd', args: ['dt'], timed: T, start: EvGoSyscallBegin }],
  [EvGoSyscallEndBlocked, { name: 'GoSyscallEndBlocked', args: ['dt'], timed: T, start: EvGoSyscallBegin }],
  [EvGoStatus, { name: 'GoStatus', args: ['dt', 'g', 'm', 'gstatus'], timed: T }],
  // STW.
  [EvSTWBegin, { name: 'STWBegin', args: ['dt', 'kind_string', 'stack'], timed: T, stacks: [2], strings: [1] }],
  [EvSTWEnd, { name: 'STWEnd', args: ['dt'], timed: T, start: EvSTWBegin }],
  // GC.
  [EvGCActive, { name: 'GCActive', args: ['dt', 'gc_seq'], timed: T, start: EvGCBegin }],
  [EvGCBegin, { name: 'GCBegin', args: ['dt', 'gc_seq', 'stack'], timed: T, stacks: [2] }],
  [EvGCEnd, { name: 'GCEnd', args: ['dt', 'gc_seq'], timed: T, start: EvGCBegin }],
  [EvGCSweepActive, { name: 'GCSweepActive', args: ['dt', 'p'], timed: T, start: EvGCSweepBegin }],
  [EvGCSweepBegin, { name: 'GCSweepBegin', args: ['dt', 'stack'], timed: T, stacks: [1] }],
  [EvGCSweepEnd, { name: 'GCSweepEnd', args: ['dt', 'swept_value', 'reclaimed_value'], timed: T, start: EvGCSweepBegin }],
  [EvGCMarkAssistActive, { name: 'GCMarkAssistActive', args: ['dt', 'g'], timed: T, start: EvGCMarkAssistBegin }],
  [EvGCMarkAssistBegin, { name: 'GCMarkAssistBegin', args: ['dt', 'stack'], timed: T, stacks: [1] }],
  [EvGCMarkAssistEnd, { name: 'GCMarkAssistEnd', args: ['dt'], timed: T, start: EvGCMarkAssistBegin }],
  [EvHeapAlloc, { name: 'HeapAlloc', args: ['dt', 'heapalloc_value'], timed: T }],
  [EvHeapGoal, { name: 'HeapGoal', args: ['dt', 'heapgoal_value'], timed: T }],
  // Annotations.
  [EvGoLabel, { name: 'GoLabel', args: ['dt', 'label_string'], timed: T, strings: [1] }],
  [EvUserTaskBegin, { name: 'UserTaskBegin', args: ['dt', 'task', 'parent_task', 'name_string', 'stack'], timed: T, stacks: [4], strings: [3] }],
  [EvUserTaskEnd, { name: 'UserTaskEnd', args: ['dt', 'task', 'stack'], timed: T, stacks: [2] }],
  [EvUserRegionBegin, { name: 'UserRegionBegin', args: ['dt', 'task', 'name_string', 'stack'], timed: T, stacks: [3], strings: [2] }],
  [EvUserRegionEnd, { name: 'UserRegionEnd', args: ['dt', 'task', 'name_string', 'stack'], timed: T, stacks: [3], strings: [2], start: EvUserRegionBegin }],
  [EvUserLog, { name: 'UserLog', args: ['dt', 'task', 'key_string', 'value_string', 'stack'], timed: T, stacks: [4], strings: [2, 3] }],
  // Go1.23: coroutines, GoStatus with a stack, experimental batches.
  [EvGoSwitch, { name: 'GoSwitch', args: ['dt', 'g', 'g_seq'], timed: T, since: GO123 }],
  [EvGoSwitchDestroy, { name: 'GoSwitchDestroy', args: ['dt', 'g', 'g_seq'], timed: T, since: GO123 }],
  [EvGoCreateBlocked, { name: 'GoCreateBlocked', args: ['dt', 'new_g', 'new_stack', 'stack'], timed: T, stacks: [3, 2], since: GO123 }],
  [EvGoStatusStack, { name: 'GoStatusStack', args: ['dt', 'g', 'm', 'gstatus', 'stack'], timed: T, stacks: [4], since: GO123 }],
  // The raw (text) form reads the payload as a data trailer: exp, gen, m, time, then size+bytes.
  [EvExperimentalBatch, { name: 'ExperimentalBatch', args: ['exp', 'gen', 'm', 'time'], data: T, since: GO123 }],
  // Go1.25: the per-generation sync batch replaces the lone Frequency batch.
  [EvSync, { name: 'Sync', since: GO125 }],
  [EvClockSnapshot, { name: 'ClockSnapshot', args: ['dt', 'mono', 'sec', 'nsec'], timed: T, since: GO125 }],
  [EvEndOfGeneration, { name: 'EndOfGeneration', since: GO125 }],
  // Experimental AllocFree events (Go1.23+).
  [EvSpan, { name: 'Span', args: ['dt', 'id', 'npages_value', 'kindclass'], timed: T, exp: 1, since: GO123 }],
  [EvSpanAlloc, { name: 'SpanAlloc', args: ['dt', 'id', 'npages_value', 'kindclass'], timed: T, exp: 1, since: GO123 }],
  [EvSpanFree, { name: 'SpanFree', args: ['dt', 'id'], timed: T, exp: 1, since: GO123 }],
  [EvHeapObject, { name: 'HeapObject', args: ['dt', 'id', 'type'], timed: T, exp: 1, since: GO123 }],
  [EvHeapObjectAlloc, { name: 'HeapObjectAlloc', args: ['dt', 'id', 'type'], timed: T, exp: 1, since: GO123 }],
  [EvHeapObjectFree, { name: 'HeapObjectFree', args: ['dt', 'id'], timed: T, exp: 1, since: GO123 }],
  [EvGoroutineStack, { name: 'GoroutineStack', args: ['dt', 'id', 'order'], timed: T, exp: 1, since: GO123 }],
  [EvGoroutineStackAlloc, { name: 'GoroutineStackAlloc', args: ['dt', 'id', 'order'], timed: T, exp: 1, since: GO123 }],
  [EvGoroutineStackFree, { name: 'GoroutineStackFree', args: ['dt', 'id'], timed: T, exp: 1, since: GO123 }],
];

/** Every event of every version, indexed by wire type id (undefined = no such type). */
export const allSpecs: ReadonlyArray<EventSpec | undefined> = (() => {
  const t: Array<EventSpec | undefined> = new Array(256).fill(undefined);
  for (const [type, r] of rows) t[type] = row(type, r);
  return t;
})();

/** A version's spec table: index = wire type id, undefined = not valid in that version. */
export interface VersionTable {
  readonly version: V2Version;
  readonly specs: ReadonlyArray<EventSpec | undefined>;
  /** Name → spec. */
  readonly byName: ReadonlyMap<string, EventSpec>;
  /** Number of args (dt included) per type id, -1 when invalid; hot-path friendly. */
  readonly nargs: Int8Array;
  /** 1 when the type is a timed event of this version. */
  readonly timed: Uint8Array;
}

function makeTable(v: V2Version): VersionTable {
  const specs: Array<EventSpec | undefined> = new Array(256).fill(undefined);
  const byName = new Map<string, EventSpec>();
  const nargs = new Int8Array(256).fill(-1);
  const timed = new Uint8Array(256);
  for (const s of allSpecs) {
    if (!s || s.since > v) continue;
    specs[s.type] = s;
    byName.set(s.name, s);
    nargs[s.type] = s.args.length;
    timed[s.type] = s.timed ? 1 : 0;
  }
  return { version: v, specs, byName, nargs, timed };
}

/** The three tables, one per version where the format differs. */
export const specTables: Readonly<Record<V2Version, VersionTable>> = {
  22: makeTable(GO122),
  23: makeTable(GO123),
  25: makeTable(GO125),
};

/** Table for a version number; undefined for versions this format does not cover. */
export function tableFor(version: number): VersionTable | undefined {
  // Go1.24 writes the Go1.23 format under the "go 1.23" header, so 24 never appears.
  if (version === 22 || version === 23 || version === 25) return specTables[version];
  return undefined;
}

/** Header bytes: "go 1.NN trace\0\0\0" (16 bytes; formats/version.ts). */
export { traceHeader as headerFor } from '../version.ts';

export const HeaderSize = 16;

/**
 * Parse the 16-byte header. Returns the version number (any 1.NN, even unsupported),
 * -1 when the bytes are not a Go trace header, or 0 when more bytes are needed.
 */
export function parseHeader(buf: Uint8Array, end: number): number {
  const prefix = 'go 1.';
  const n = Math.min(end, HeaderSize);
  for (let i = 0; i < prefix.length && i < n; i++) {
    if (buf[i] !== prefix.charCodeAt(i)) return -1;
  }
  if (end < HeaderSize) return 0;
  let i = prefix.length;
  let v = 0;
  let digits = 0;
  while (i < HeaderSize && buf[i] >= 0x30 && buf[i] <= 0x39) {
    v = v * 10 + (buf[i] - 0x30);
    i++;
    digits++;
  }
  if (digits === 0) return -1;
  const rest = ' trace\x00\x00\x00';
  for (let j = 0; j < rest.length; j++, i++) {
    if (i >= HeaderSize || buf[i] !== rest.charCodeAt(j)) return -1;
  }
  return i === HeaderSize ? v : -1;
}

/** Go's name for a status, as its error messages print it. */
export function goStatusString(s: number): string {
  switch (s) {
    case GoRunnable:
      return 'Runnable';
    case GoRunning:
      return 'Running';
    case GoSyscall:
      return 'Syscall';
    case GoWaiting:
      return 'Waiting';
  }
  return 'Bad';
}

export function procStatusString(s: number): string {
  switch (s) {
    case ProcRunning:
      return 'Running';
    case ProcIdle:
      return 'Idle';
    case ProcSyscall:
      return 'Syscall';
    case ProcSyscallAbandoned:
      return 'SyscallAbandoned';
  }
  return 'Bad';
}

/** Event name for error messages: the name, or Invalid(N). */
export function eventName(t: VersionTable, type: number): string {
  const s = t.specs[type];
  return s ? s.name : `Invalid(${type})`;
}

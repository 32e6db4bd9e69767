// The go 1.19 execution-trace format ("v1": the per-P batch format of Go 1.5–1.21), as a table.
//
// Layout handled here: nothing is parsed in this file. It describes the wire so that the writer,
// the binary reader (wire.ts), the ordering (order.ts) and the state validator (state.ts) all read
// the same facts:
//   header  16 bytes: "go 1.N trace" padded with NULs (go 1.19: "go 1.19 trace\0\0\0").
//   event   one byte `type | nargsCode << 6`, then uvarint arguments:
//             nargsCode 0..2  -> exactly nargsCode+1 uvarints follow;
//             nargsCode 3     -> a uvarint byte length L, then uvarints filling exactly L bytes.
//           EvString is special: [type byte][id][len][len bytes of UTF-8], no nargs bits.
//           EvUserLog carries an inline string after its arguments: [len][bytes].
//   Timed events start with a timestamp delta (ticks since the previous event of the same
//   batch, or since the batch's own timestamp), and, if `stack`, end with their stack id.
//
// Invariants: ids are the runtime's traceEv* numbers and never change; names are exactly what
// `go tool trace -d` prints. Versions are encoded like Go's parser does: 1000*major + minor.
// Who may touch: the v1 format owner. Add rows or version notes; never renumber.

/** Trace versions this table knows, as Go's parser encodes them (1.19 -> 1019). */
export const V1_VERSIONS = [1007, 1008, 1009, 1010, 1011, 1019, 1021] as const;
export type V1Version = (typeof V1_VERSIONS)[number];

/** Header the go 1.19 runtime writes (16 bytes). */
export const V1_HEADER_119 = 'go 1.19 trace\x00\x00\x00';
export const V1_HEADER_LEN = 16;

/** Build the 16-byte header for a version (1019 -> "go 1.19 trace\0\0\0"). */
export function v1Header(version: number): Uint8Array {
  const text = `go ${Math.floor(version / 1000)}.${version % 1000} trace`;
  const out = new Uint8Array(V1_HEADER_LEN);
  for (let i = 0; i < text.length && i < V1_HEADER_LEN; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** The first byte of an event: type in the low 6 bits, argument count code in the top 2. */
export const ARG_COUNT_SHIFT = 6;
export const TYPE_MASK = 0x3f;
/** nargsCode meaning "a byte length follows, then the arguments". */
export const ARGS_LENGTH_PREFIXED = 3;
/** Largest uvarint the runtime writes (bytes). */
export const BYTES_PER_NUMBER = 10;
/** Timestamps are cputicks / tickDiv: 64 on 386/amd64, 16 elsewhere. */
export const TICK_DIV_X86 = 64;
export const TICK_DIV_OTHER = 16;
/** P id the runtime writes in EvBatch for events emitted without a P (traceGlobProc). */
export const GLOBAL_PROC = -1;
/** Reader limits that Go's parser also enforces. */
export const MAX_STRING_LEN = 1_000_000;
export const MAX_STACK_FRAMES = 1000;
/** Most frames the runtime puts in one stack (traceStackSize). */
export const RUNTIME_STACK_FRAMES = 128;
/** Fields per frame in EvStack since 1.7: pc, func string id, file string id, line. */
export const STACK_FRAME_FIELDS = 4;

/** Pseudo-Ps Go's parser uses for presentation; CPU samples are ordered on ProfileP. */
export const FAKE_P = 1000000;
export const TIMER_P = 1000001;
export const NETPOLL_P = 1000002;
export const SYSCALL_P = 1000003;
export const GC_P = 1000004;
export const PROFILE_P = 1000005;

// Event type ids (traceEv* in runtime/trace.go).
export const EvNone = 0;
export const EvBatch = 1;
export const EvFrequency = 2;
export const EvStack = 3;
export const EvGomaxprocs = 4;
export const EvProcStart = 5;
export const EvProcStop = 6;
export const EvGCStart = 7;
export const EvGCDone = 8;
export const EvGCSTWStart = 9;
export const EvGCSTWDone = 10;
export const EvGCSweepStart = 11;
export const EvGCSweepDone = 12;
export const EvGoCreate = 13;
export const EvGoStart = 14;
export const EvGoEnd = 15;
export const EvGoStop = 16;
export const EvGoSched = 17;
export const EvGoPreempt = 18;
export const EvGoSleep = 19;
export const EvGoBlock = 20;
export const EvGoUnblock = 21;
export const EvGoBlockSend = 22;
export const EvGoBlockRecv = 23;
export const EvGoBlockSelect = 24;
export const EvGoBlockSync = 25;
export const EvGoBlockCond = 26;
export const EvGoBlockNet = 27;
export const EvGoSysCall = 28;
export const EvGoSysExit = 29;
export const EvGoSysBlock = 30;
export const EvGoWaiting = 31;
export const EvGoInSyscall = 32;
export const EvHeapAlloc = 33;
export const EvHeapGoal = 34;
export const EvTimerGoroutine = 35;
export const EvFutileWakeup = 36;
export const EvString = 37;
export const EvGoStartLocal = 38;
export const EvGoUnblockLocal = 39;
export const EvGoSysExitLocal = 40;
export const EvGoStartLabel = 41;
export const EvGoBlockGC = 42;
export const EvGCMarkAssistStart = 43;
export const EvGCMarkAssistDone = 44;
export const EvUserTaskCreate = 45;
export const EvUserTaskEnd = 46;
export const EvUserRegion = 47;
export const EvUserLog = 48;
export const EvCPUSample = 49;
export const EvCount = 50;

/** GCSTWStart kind argument -> the name Go's parser gives it. */
export const STW_KINDS: readonly string[] = ['mark termination', 'sweep termination'];

/** A version-dependent variant of an event's arguments (older traces had fewer). */
export interface V1ArgsBefore {
  /** Applies to traces with version < before. */
  readonly before: number;
  readonly args: readonly string[];
}

/** One row of the table. */
export interface V1EventSpec {
  readonly id: number;
  /** As `go tool trace -d` prints it. */
  readonly name: string;
  /** First wire argument is a timestamp delta (every event except Batch/Frequency/Stack/String/TimerGoroutine). */
  readonly timed: boolean;
  /** Arguments after the timestamp, in wire order, named as Go's parser names them. */
  readonly args: readonly string[];
  /** Last wire argument is the stack id of the event itself. */
  readonly stack: boolean;
  /** Which of `args` are stack ids (other than the event's own stack). */
  readonly stackArgs: readonly string[];
  /** Which of `args` are string-table ids, and the name of the resolved string. */
  readonly stringArgs: Readonly<Record<string, string>>;
  /** Name of the inline string that follows the arguments (EvUserLog's message), if any. */
  readonly inlineString?: string;
  /** Version that introduced the event (inclusive). */
  readonly since: number;
  /** Last version that still parses it (inclusive); the table covers up to 1.21. */
  readonly until: number;
  /** Older argument lists, most recent first. */
  readonly argsBefore?: readonly V1ArgsBefore[];
  /** The runtime writes it, but Go's parser rewrites it before printing (the *Local events). */
  readonly printedAs?: number;
}

const LAST = 1021;

function ev(
  id: number,
  name: string,
  args: readonly string[],
  stack: boolean,
  extra: Partial<Omit<V1EventSpec, 'id' | 'name' | 'args' | 'stack'>> = {},
): V1EventSpec {
  return {
    id,
    name,
    timed: true,
    args,
    stack,
    stackArgs: [],
    stringArgs: {},
    since: 1005,
    until: LAST,
    ...extra,
  };
}

/** The table, indexed by wire id (index 0 is EvNone, which never appears on the wire). */
export const V1_EVENTS: readonly V1EventSpec[] = [
  ev(EvNone, 'None', [], false, { timed: false }),
  ev(EvBatch, 'Batch', ['p', 'ticks'], false, { timed: false }),
  ev(EvFrequency, 'Frequency', ['freq'], false, { timed: false }),
  // [id, frame count, then per frame pc, func string id, file string id, line]
  ev(EvStack, 'Stack', ['id', 'siz'], false, { timed: false }),
  ev(EvGomaxprocs, 'Gomaxprocs', ['procs'], true),
  ev(EvProcStart, 'ProcStart', ['thread'], false),
  ev(EvProcStop, 'ProcStop', [], false),
  ev(EvGCStart, 'GCStart', ['seq'], true),
  ev(EvGCDone, 'GCDone', [], false),
  ev(EvGCSTWStart, 'GCSTWStart', ['kindid'], false, { argsBefore: [{ before: 1010, args: [] }] }),
  ev(EvGCSTWDone, 'GCSTWDone', [], false),
  ev(EvGCSweepStart, 'GCSweepStart', [], true),
  ev(EvGCSweepDone, 'GCSweepDone', ['swept', 'reclaimed'], false, { argsBefore: [{ before: 1009, args: [] }] }),
  // `stack` here is the new goroutine's start stack; the event's own stack follows it.
  ev(EvGoCreate, 'GoCreate', ['g', 'stack'], true, { stackArgs: ['stack'] }),
  ev(EvGoStart, 'GoStart', ['g', 'seq'], false),
  ev(EvGoEnd, 'GoEnd', [], false),
  ev(EvGoStop, 'GoStop', [], true),
  ev(EvGoSched, 'GoSched', [], true),
  ev(EvGoPreempt, 'GoPreempt', [], true),
  ev(EvGoSleep, 'GoSleep', [], true),
  ev(EvGoBlock, 'GoBlock', [], true),
  ev(EvGoUnblock, 'GoUnblock', ['g', 'seq'], true),
  ev(EvGoBlockSend, 'GoBlockSend', [], true),
  ev(EvGoBlockRecv, 'GoBlockRecv', [], true),
  ev(EvGoBlockSelect, 'GoBlockSelect', [], true),
  ev(EvGoBlockSync, 'GoBlockSync', [], true),
  ev(EvGoBlockCond, 'GoBlockCond', [], true),
  ev(EvGoBlockNet, 'GoBlockNet', [], true),
  ev(EvGoSysCall, 'GoSysCall', [], true),
  // ts: the real exit time in ticks (0 when unknown); the event is written once the G has a P again.
  ev(EvGoSysExit, 'GoSysExit', ['g', 'seq', 'ts'], false),
  ev(EvGoSysBlock, 'GoSysBlock', [], false),
  ev(EvGoWaiting, 'GoWaiting', ['g'], false),
  ev(EvGoInSyscall, 'GoInSyscall', ['g'], false),
  ev(EvHeapAlloc, 'HeapAlloc', ['mem'], false),
  ev(EvHeapGoal, 'HeapGoal', ['mem'], false),
  ev(EvTimerGoroutine, 'TimerGoroutine', ['g'], false, { timed: false }),
  ev(EvFutileWakeup, 'FutileWakeup', [], false),
  ev(EvString, 'String', [], false, { timed: false, since: 1007 }),
  ev(EvGoStartLocal, 'GoStartLocal', ['g'], false, { since: 1007, printedAs: EvGoStart }),
  ev(EvGoUnblockLocal, 'GoUnblockLocal', ['g'], true, { since: 1007, printedAs: EvGoUnblock }),
  ev(EvGoSysExitLocal, 'GoSysExitLocal', ['g', 'ts'], false, { since: 1007, printedAs: EvGoSysExit }),
  ev(EvGoStartLabel, 'GoStartLabel', ['g', 'seq', 'labelid'], false, {
    since: 1008,
    stringArgs: { labelid: 'label' },
  }),
  ev(EvGoBlockGC, 'GoBlockGC', [], true, { since: 1008 }),
  ev(EvGCMarkAssistStart, 'GCMarkAssistStart', [], true, { since: 1009 }),
  ev(EvGCMarkAssistDone, 'GCMarkAssistDone', [], false, { since: 1009 }),
  ev(EvUserTaskCreate, 'UserTaskCreate', ['taskid', 'pid', 'typeid'], true, {
    since: 1011,
    stringArgs: { typeid: 'name' },
  }),
  ev(EvUserTaskEnd, 'UserTaskEnd', ['taskid'], true, { since: 1011 }),
  // mode: 0 start, 1 end.
  ev(EvUserRegion, 'UserRegion', ['taskid', 'mode', 'typeid'], true, {
    since: 1011,
    stringArgs: { typeid: 'name' },
  }),
  ev(EvUserLog, 'UserLog', ['id', 'keyid'], true, {
    since: 1011,
    stringArgs: { keyid: 'category' },
    inlineString: 'message',
  }),
  // Real 1.19 bytes: [ts delta, handler ts (ticks), P (2^64-1 when none), G, stack] — stack last.
  ev(EvCPUSample, 'CPUSample', ['ts', 'p', 'g'], true, { since: 1019 }),
];

/** Argument names of `spec` for a trace of version `ver` (after the timestamp, before the stack). */
export function argsFor(spec: V1EventSpec, ver: number): readonly string[] {
  if (spec.argsBefore) {
    let args = spec.args;
    for (const v of spec.argsBefore) if (ver < v.before) args = v.args;
    return args;
  }
  return spec.args;
}

/** Number of uvarints the event carries on the wire for version `ver` (EvStack: minimum). */
export function wireArgCount(spec: V1EventSpec, ver: number): number {
  return (spec.timed ? 1 : 0) + argsFor(spec, ver).length + (spec.stack ? 1 : 0);
}

/**
 * The nargs code the writer puts in the top two bits for `n` >= 1 wire arguments (timestamp
 * included): n-1 for up to 3, else ARGS_LENGTH_PREFIXED (a byte length precedes the arguments).
 */
export function argCountCode(n: number): number {
  if (!(n >= 1)) throw new RangeError(`an event has at least one argument, got ${n}`);
  return n >= 4 ? ARGS_LENGTH_PREFIXED : n - 1;
}

/** True if the event type exists in traces of version `ver`. */
export function existsIn(id: number, ver: number): boolean {
  if (id <= EvNone || id >= EvCount) return false;
  const spec = V1_EVENTS[id];
  return ver >= spec.since && ver <= spec.until;
}

/** Look up a row by the name `go tool trace -d` prints. */
export const V1_BY_NAME: ReadonlyMap<string, V1EventSpec> = new Map(V1_EVENTS.map((s) => [s.name, s]));

// The go 1.19 execution-trace format ("v1": the per-P batch format of Go 1.5–1.21), as a table.
//
// Layout handled here: nothing is parsed in this file. It describes the wire so that the writer,
// the binary reader (wire.ts), the ordering (order.ts) and the state validator (state.ts) all read
// the same facts:
//   header  16 bytes: "go 1.N trace" padded with NULs (go 1.19: "go 1.19 trace\0\0\0").
//   event   one byte `type | nargsCode << 6`, then uvarint arguments:
//             nargsCode 0..2  -> exactly nargsCode+argBase uvarints follow (argBase: V1Layout);
//             nargsCode 3     -> a uvarint byte length L, then uvarints filling exactly L bytes.
//           EvString is special: [type byte][id][len][len bytes of UTF-8], no nargs bits.
//           EvUserLog carries an inline string after its arguments: [len][bytes].
//   Timed events start with a timestamp delta (ticks since the previous event of the same
//   batch, or since the batch's own timestamp), and, if `stack`, end with their stack id.
//   The go 1.5 layout (header "go 1.5 trace", written by Go 1.5 and 1.6) differs: see V1Layout.
//
// Invariants: ids are the runtime's traceEv* numbers and never change; names are exactly what
// `go tool trace -d` prints for a trace of that version (Go 1.19's parser for traces up to 1.19,
// Go 1.21's for 1.21, which renamed the STW events: eventName). Versions are encoded like Go's
// parser does: 1000*major + minor.
// Who may touch: the v1 format owner. Add rows or version notes; never renumber.

import { traceHeader } from '../version.ts';

/** Trace versions Go's parser reads (1.19 -> 1019); there was never a "go 1.6 trace" header. */
export const V1_VERSIONS = [1005, 1007, 1008, 1009, 1010, 1011, 1019, 1021] as const;
export type V1Version = (typeof V1_VERSIONS)[number];

/** Wire facts that changed with the version, beyond per-event argument lists. */
export interface V1Layout {
  /**
   * Timed events begin with a delta of the runtime's global sequence number, before the tick
   * delta; batches start with [p, seq, ticks]; events are ordered by that number (go 1.5).
   */
  readonly seq: boolean;
  /** Uvarints an nargs code 0..2 stands for: code + argBase (go 1.5 counted the seq too). */
  readonly argBase: number;
  /** Fields per stack frame: pc only in go 1.5 (symbols come from the binary); pc, func, file, line since. */
  readonly frameFields: number;
}

const LAYOUT_105: V1Layout = { seq: true, argBase: 2, frameFields: 1 };
const LAYOUT_107: V1Layout = { seq: false, argBase: 1, frameFields: 4 };

/** The layout of traces of version `ver`. */
export function v1Layout(ver: number): V1Layout {
  return ver < 1007 ? LAYOUT_105 : LAYOUT_107;
}

/** Header the go 1.19 runtime writes (16 bytes). */
export const V1_HEADER_119 = 'go 1.19 trace\x00\x00\x00';
export const V1_HEADER_LEN = 16;

/** Build the 16-byte header for a version (1019 -> "go 1.19 trace\0\0\0"; formats/version.ts). */
export const v1Header = (version: number): Uint8Array => traceHeader(version - 1000);

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
/** Fields per frame in EvStack since 1.7: pc, func string id, file string id, line (go 1.5: v1Layout). */
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
/** Go 1.21's names for the same two ids (traceEvSTWStart/traceEvSTWDone). */
export const EvSTWStart = EvGCSTWStart;
export const EvSTWDone = EvGCSTWDone;
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

/** GCSTWStart kind argument -> the name Go's parser gives it (traces before 1.21; 1.5–1.9 write none: 0). */
export const STW_KINDS: readonly string[] = ['mark termination', 'sweep termination'];

/**
 * Go 1.21's STWStart argument: the runtime's stwReason (runtime/proc.go), named by its
 * stwReasonStrings, which Go 1.21's parser prints. Indexed by reason.
 */
export const STW_REASONS_121: readonly string[] = [
  'unknown', // stwUnknown
  'GC mark termination', // stwGCMarkTerm
  'GC sweep termination', // stwGCSweepTerm
  'write heap dump', // stwWriteHeapDump
  'goroutine profile', // stwGoroutineProfile
  'goroutine profile cleanup', // stwGoroutineProfileCleanup
  'all goroutines stack trace', // stwAllGoroutinesStack
  'read mem stats', // stwReadMemStats
  'AllThreadsSyscall', // stwAllThreadsSyscall
  'GOMAXPROCS', // stwGOMAXPROCS
  'start trace', // stwStartTrace
  'stop trace', // stwStopTrace
  'CountPagesInUse (test)', // stwForTestCountPagesInUse
  'ReadMetricsSlow (test)', // stwForTestReadMetricsSlow
  'ReadMemStatsSlow (test)', // stwForTestReadMemStatsSlow
  'PageCachePagesLeaked (test)', // stwForTestPageCachePagesLeaked
  'ResetDebugLog (test)', // stwForTestResetDebugLog
];

/** What the STW start's kind argument means in traces from `since` on. */
export interface V1StwKinds {
  readonly since: number;
  /** Kind -> name, as `go tool trace -d` prints it (kind=...). */
  readonly kinds: readonly string[];
  /** Name of a kind beyond the list, or null: then the trace is invalid ("unknown STW kind N"). */
  readonly unknown: string | null;
}

/** STW kinds by version, oldest first (Go 1.21's parser names any unlisted 1.21 reason "unknown"). */
export const V1_STW_KINDS: readonly V1StwKinds[] = [
  { since: 1005, kinds: STW_KINDS, unknown: null },
  { since: 1021, kinds: STW_REASONS_121, unknown: 'unknown' },
];

/** The STW kinds of traces of version `ver`. */
export function stwKindsFor(ver: number): V1StwKinds {
  let k = V1_STW_KINDS[0];
  for (const e of V1_STW_KINDS) if (ver >= e.since) k = e;
  return k;
}

/** Name of STW kind `kind` in a trace of version `ver`, or null if Go's parser rejects it. */
export function stwKindName(ver: number, kind: number): string | null {
  const k = stwKindsFor(ver);
  return kind < k.kinds.length ? k.kinds[kind] : k.unknown;
}

/**
 * The kind argument a runtime of version `ver` writes for the STW named `name` (a name of
 * stwKindsFor(ver).kinds: 'sweep termination' for 1.19, 'GC sweep termination' or
 * 'GOMAXPROCS' for 1.21). Throws RangeError for a name the version does not have.
 */
export function stwKindId(ver: number, name: string): number {
  const k = stwKindsFor(ver).kinds.indexOf(name);
  if (k < 0) throw new RangeError(`go ${Math.floor(ver / 1000)}.${ver % 1000} traces have no STW kind "${name}"`);
  return k;
}

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
  /** The name Go's parser prints from a version on (Go 1.21: STWStart/STWDone); see eventName. */
  readonly renamed?: { readonly since: number; readonly name: string };
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
  // go 1.5: [p, seq, ticks], the sequence number the batch's deltas start from.
  ev(EvBatch, 'Batch', ['p', 'ticks'], false, { timed: false, argsBefore: [{ before: 1007, args: ['p', 'seq', 'ticks'] }] }),
  ev(EvFrequency, 'Frequency', ['freq'], false, { timed: false, argsBefore: [{ before: 1007, args: ['freq', 'unused'] }] }),
  // [id, frame count, then per frame pc, func string id, file string id, line] (go 1.5: pc only)
  ev(EvStack, 'Stack', ['id', 'siz'], false, { timed: false }),
  ev(EvGomaxprocs, 'Gomaxprocs', ['procs'], true),
  ev(EvProcStart, 'ProcStart', ['thread'], false),
  ev(EvProcStop, 'ProcStop', [], false),
  // go 1.5 had no seq arguments here: its events were ordered by the global sequence number.
  ev(EvGCStart, 'GCStart', ['seq'], true, { argsBefore: [{ before: 1007, args: [] }] }),
  ev(EvGCDone, 'GCDone', [], false),
  // Since 1.21 any stop-the-world (kindid: stwReason), no longer only GC's; Go 1.21 renamed it.
  ev(EvGCSTWStart, 'GCSTWStart', ['kindid'], false, {
    argsBefore: [{ before: 1010, args: [] }],
    renamed: { since: 1021, name: 'STWStart' },
  }),
  ev(EvGCSTWDone, 'GCSTWDone', [], false, { renamed: { since: 1021, name: 'STWDone' } }),
  ev(EvGCSweepStart, 'GCSweepStart', [], true),
  ev(EvGCSweepDone, 'GCSweepDone', ['swept', 'reclaimed'], false, { argsBefore: [{ before: 1009, args: [] }] }),
  // `stack` here is the new goroutine's start stack; the event's own stack follows it.
  ev(EvGoCreate, 'GoCreate', ['g', 'stack'], true, { stackArgs: ['stack'] }),
  ev(EvGoStart, 'GoStart', ['g', 'seq'], false, { argsBefore: [{ before: 1007, args: ['g'] }] }),
  ev(EvGoEnd, 'GoEnd', [], false),
  ev(EvGoStop, 'GoStop', [], true),
  ev(EvGoSched, 'GoSched', [], true),
  ev(EvGoPreempt, 'GoPreempt', [], true),
  ev(EvGoSleep, 'GoSleep', [], true),
  ev(EvGoBlock, 'GoBlock', [], true),
  ev(EvGoUnblock, 'GoUnblock', ['g', 'seq'], true, { argsBefore: [{ before: 1007, args: ['g'] }] }),
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
  ev(EvTimerGoroutine, 'TimerGoroutine', ['g'], false, { timed: false, argsBefore: [{ before: 1007, args: ['g', 'unused'] }] }),
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
  const timed = spec.timed ? (v1Layout(ver).seq ? 2 : 1) : 0;
  return timed + argsFor(spec, ver).length + (spec.stack ? 1 : 0);
}

/** The name `go tool trace -d` prints for event type `id` of a trace of version `ver`. */
export function eventName(id: number, ver: number): string {
  const spec = V1_EVENTS[id];
  return spec.renamed !== undefined && ver >= spec.renamed.since ? spec.renamed.name : spec.name;
}

/** eventName of every type for version `ver`, indexed by wire id. */
export function eventNamesFor(ver: number): readonly string[] {
  return V1_EVENTS.map((s) => eventName(s.id, ver));
}

/**
 * The nargs code the writer puts in the top two bits for `n` >= 1 wire arguments (timestamp,
 * and in go 1.5 the sequence number, included): n-argBase for up to 2+argBase, else
 * ARGS_LENGTH_PREFIXED (a byte length precedes the arguments).
 */
export function argCountCode(n: number, ver = 1019): number {
  const base = v1Layout(ver).argBase;
  if (!(n >= base)) throw new RangeError(`an event has at least ${base} argument(s), got ${n}`);
  return n >= base + ARGS_LENGTH_PREFIXED ? ARGS_LENGTH_PREFIXED : n - base;
}

/** True if the event type exists in traces of version `ver`. */
export function existsIn(id: number, ver: number): boolean {
  if (id <= EvNone || id >= EvCount) return false;
  const spec = V1_EVENTS[id];
  return ver >= spec.since && ver <= spec.until;
}

/** Look up a row by a name `go tool trace -d` prints (of any version: GCSTWStart and STWStart). */
export const V1_BY_NAME: ReadonlyMap<string, V1EventSpec> = new Map(
  V1_EVENTS.flatMap((s) => (s.renamed ? [[s.name, s] as const, [s.renamed.name, s] as const] : [[s.name, s] as const])),
);

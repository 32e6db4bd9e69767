// The ordering of Go1.22+ traces: the core (state, context, sequence numbers, dispatch).
//
// Layout: the reader offers, one at a time, the next event of some M's batches (`advance`).
// The ordering answers true (the event fits the current state: the state moves on and the
// event, plus any events it implies, goes to the sink), false (it can not happen yet: some
// other M must move first, e.g. a GoStart whose g_seq is not the next one), or throws a
// TraceError (it can never happen: the trace is broken). What an event does to the state is
// decided by its handler, found in DISPATCH by wire type as Go's orderingDispatch does:
//   order-procs.ts       ProcStatus, ProcStart, ProcStop, ProcSteal
//   order-goroutines.ts  GoStatus(Stack), GoCreate(Blocked), GoStart, GoStop/Block/Destroy,
//                        GoUnblock, GoSwitch(Destroy)
//   order-syscalls.ts    GoSyscallBegin/End/EndBlocked, GoCreateSyscall, GoDestroySyscall
//   order-ranges.ts      STW, GC cycles (their own sequence numbers), sweeps, mark assists
//   order-user.ts        tasks, regions, labels, logs, metrics, experimental events
//   order-fast.ts        the common events in their valid case, checked and applied inline
// CPU samples never reach the ordering (frontier.ts merges them in by time).
//
// Owns: the goroutine and proc tables (order-state.ts), the threads, the active tasks, the GC
// sequence, the first generation with events, and the context of the event being advanced:
// curG/curP/curM as the thread held them before the event, newG/newP after it (Go's curCtx
// and newCtx). A handler that accepts sets newG/newP; advance() then binds them to the M.
// It also hands out what only the ordering knows about an event, as Go's ordering smuggles it
// into the event: in `facts` (the model's view when a model reads the trace) the model state a
// GoStatus/ProcStatus/ProcSteal found (`before`) and the ended task's parent and type
// (UserTaskEnd); in the args, an STWEnd's kind (args[0], its begin's) and a promoted ProcStatus
// (args[1] = ProcSyscall).
// Invariants (the runtime's, checked here):
//  - every G and P carries a sequence number (gen, seq); GoStart/GoUnblock/GoSwitch and
//    ProcStart/ProcSteal/GoSyscallBegin must be the immediate successor; a GoStatus/ProcStatus
//    resets it at each generation start;
//  - a G or P is bound to at most one M; each M has at most one G and one P;
//  - state persists across generations (create one Ordering per trace); `facts` are valid
//    only during the sink call of the event they describe.
// Performance: the frontier offers each event to fastAdvance (order-fast.ts, also
// Ordering.tryAdvance) first, which takes the common events; anything else (other types, not
// ready, broken) falls through to advance(), which alone decides waits and errors.
// test/formats-v2-fastpath.test.ts checks the two give identical events and errors.
// Who may touch: the Go1.22+ format owner (bindings/formats/v2/); other modules import index.ts.

import { TraceError } from '../event.ts';
import type { Generation } from './generation.ts';
import type { IdTable } from './idtable.ts';
import type { V2Sink } from './sinks.ts';
import { GC_UNDETERMINED, MState, MUST, MUST_NOT, StateTable, type IdState } from './order-state.ts';
import { fastAdvance } from './order-fast.ts';
import * as procs from './order-procs.ts';
import * as gos from './order-goroutines.ts';
import * as sys from './order-syscalls.ts';
import * as ranges from './order-ranges.ts';
import * as user from './order-user.ts';
import * as W from './spec.ts';

export { MState } from './order-state.ts';
export type { IdState } from './order-state.ts';

/**
 * An event's arguments without dt (at most 4). A plain array of doubles (newEventArgs), not a
 * Float64Array: V8 keeps its elements unboxed all the same.
 */
export type EventArgs = number[];

/**
 * n zeros in an array whose elements are doubles from the start: some args never fit a small
 * integer (a GoStatus's "no thread" is 2^64-1), and an array that switches element kind midway
 * makes every reader of args polymorphic and throws away their optimized code. The cursors',
 * the CPU samples' and the ordering's own args arrays are all made here, so they share one kind.
 */
export function newEventArgs(n = 4): EventArgs {
  const a = [0.5];
  a.length = 0;
  for (let i = 0; i < n; i++) a.push(0);
  return a;
}

/** The event offered to `advance`: a batch cursor's current event. */
export interface AdvanceSource {
  type: number;
  /** Arguments without dt. */
  args: EventArgs;
  /** M of the batch (-1 = none). */
  m: number;
  time: number;
  offset: number;
  batch: number;
  /** The M's state, cached by the ordering on first use (M states are never dropped). */
  ms: MState | null;
}

/** Receives events in their validated order. args exclude dt; the array is reused. */
export interface OrderSink {
  event(type: number, time: number, g: number, p: number, m: number, args: EventArgs, offset: number): void;
}

/** What only the ordering knows about an event it hands out (TraceEventView has these fields). */
export interface OrderFacts {
  /** GoStatus/GoStatusStack/ProcStatus/ProcSteal: the model state (trace/model.ts) before it. */
  before: number;
  /** UserTaskEnd: the ended task's parent and type from its begin (NoTask and '' when unknown). */
  endedTaskParent: number;
  endedTaskType: string;
}

/** What an event does to the ordering's state: true = advanced (and emitted), false = not yet. */
export type Handler = (o: Ordering, type: number) => boolean;

/** The handler of each wire type (Go's orderingDispatch); undefined: not an event to order. */
const DISPATCH: Array<Handler | undefined> = new Array(256).fill(undefined);
const on = (types: number[], h: Handler): void => {
  for (const t of types) DISPATCH[t] = h;
};
// Procs.
on([W.EvProcsChange], user.annotation);
on([W.EvProcStart], procs.procStart);
on([W.EvProcStop], procs.procStop);
on([W.EvProcSteal], procs.procSteal);
on([W.EvProcStatus], procs.procStatus);
// Goroutines.
on([W.EvGoCreate, W.EvGoCreateBlocked], gos.goCreate);
on([W.EvGoStart], gos.goStart);
on([W.EvGoDestroy, W.EvGoStop, W.EvGoBlock], gos.goStopExec);
on([W.EvGoUnblock], gos.goUnblock);
on([W.EvGoSwitch, W.EvGoSwitchDestroy], gos.goSwitch);
on([W.EvGoStatus, W.EvGoStatusStack], gos.goStatus);
// Syscalls and the threads they keep.
on([W.EvGoCreateSyscall], sys.goCreateSyscall);
on([W.EvGoDestroySyscall], sys.goDestroySyscall);
on([W.EvGoSyscallBegin], sys.goSyscallBegin);
on([W.EvGoSyscallEnd], sys.goSyscallEnd);
on([W.EvGoSyscallEndBlocked], sys.goSyscallEndBlocked);
// Ranges: STW, GC, sweeps, mark assists.
on([W.EvSTWBegin, W.EvGCMarkAssistBegin], ranges.goRangeBegin);
on([W.EvGCMarkAssistActive], ranges.goRangeActive);
on([W.EvSTWEnd, W.EvGCMarkAssistEnd], ranges.goRangeEnd);
on([W.EvGCActive], ranges.gcActive);
on([W.EvGCBegin], ranges.gcBegin);
on([W.EvGCEnd], ranges.gcEnd);
on([W.EvGCSweepActive], ranges.sweepActive);
on([W.EvGCSweepBegin], ranges.sweepBegin);
on([W.EvGCSweepEnd], ranges.sweepEnd);
on([W.EvHeapAlloc, W.EvHeapGoal], user.heapMetric);
// User annotations.
on([W.EvGoLabel, W.EvUserLog], user.annotation);
on([W.EvUserTaskBegin], user.taskBegin);
on([W.EvUserTaskEnd], user.taskEnd);
on([W.EvUserRegionBegin], user.regionBegin);
on([W.EvUserRegionEnd], user.regionEnd);
// Experimental (alloc/free), Go1.23+.
on(
  [
    W.EvSpan,
    W.EvSpanAlloc,
    W.EvSpanFree,
    W.EvHeapObject,
    W.EvHeapObjectAlloc,
    W.EvHeapObjectFree,
    W.EvGoroutineStack,
    W.EvGoroutineStackAlloc,
    W.EvGoroutineStackFree,
  ],
  user.allocFree,
);

export class Ordering {
  // ---- the state (the handlers' to read and write) ----
  readonly G = new StateTable();
  readonly P = new StateTable();
  readonly mStates = new Map<number, MState>();
  /** Tasks begun and not ended: their type and parent as the begin gave them. */
  readonly activeTasks = new Map<number, { name: string; parent: number }>();
  gcSeq = 0;
  gcState = GC_UNDETERMINED;
  /**
   * The generation of the first event ever offered (0 before that). Not simply the first
   * generation: one holding only CPU samples never reaches the ordering, and Go then treats
   * the next one as the first (GoStatus of unknown goroutines still allowed there).
   */
  initialGen = 0;

  // ---- the generation being ordered ----
  gen = 0;
  tables!: Generation;

  // ---- the event being advanced and its context (fields, not objects: no allocation per event) ----
  curG = -1;
  curP = -1;
  curM = -1;
  newG = -1;
  newP = -1;
  src!: AdvanceSource;
  args!: EventArgs;
  private readonly extra: EventArgs = newEventArgs();

  /**
   * Where the handlers put what only the ordering knows about the event they emit (valid during
   * the sink call): the model adapter makes this its TraceEventView, so the view carries it with
   * no copy, as Go's ordering writes it into the event.
   */
  facts: OrderFacts = { before: 0, endedTaskParent: 0, endedTaskType: '' };

  /**
   * Where tryAdvance sends the events it orders (after checking their table ids itself);
   * null drops them (pure validation). Unset: tryAdvance always declines.
   */
  out: V2Sink | null | undefined = undefined;

  constructor(
    readonly table: VersionTable,
    readonly sink: OrderSink,
  ) {}

  /** Goroutine states by id (a snapshot). */
  get gStates(): IdTable<IdState> {
    return this.G.snapshot();
  }
  /** Proc states by id (a snapshot). */
  get pStates(): IdTable<IdState> {
    return this.P.snapshot();
  }

  /** Batch index of the event being advanced (for error locations downstream). */
  get batchIndex(): number {
    return this.src === undefined ? -1 : this.src.batch;
  }

  /** Byte offset of the event being advanced (-1 before the first). */
  get srcOffset(): number {
    return this.src === undefined ? -1 : this.src.offset;
  }

  /** Start ordering generation g (generations come in increasing order). */
  beginGeneration(g: Generation): void {
    this.gen = g.gen;
    this.tables = g;
  }

  /**
   * The common events in their common, valid case: true when src's event was ordered and
   * emitted (exactly as advance() would), false when it must go through advance(). Needs src.ms.
   */
  tryAdvance(src: AdvanceSource): boolean {
    return fastAdvance(this, src);
  }

  /**
   * Try to advance src's event (args without dt) from its thread (-1 = no M) in the
   * generation given to beginGeneration.
   * Returns false when the event must wait for another M; throws TraceError when broken.
   */
  advance(src: AdvanceSource): boolean {
    const type = src.type;
    const m = src.m;
    if (this.initialGen === 0) this.initialGen = this.gen;
    this.src = src;
    this.args = src.args;
    let ms: MState | null = null;
    if (m === -1) {
      this.curP = -1;
      this.curG = -1;
    } else {
      // Created on the M's first attempted event, as Go's ordering does.
      ms = src.ms;
      if (ms === null) {
        ms = this.mStates.get(m) ?? null;
        if (ms === null) {
          ms = new MState(-1, -1);
          this.mStates.set(m, ms);
        }
        src.ms = ms;
      }
      this.curP = ms.p;
      this.curG = ms.g;
    }
    this.curM = m;
    this.newG = this.curG;
    this.newP = this.curP;
    const h = DISPATCH[type];
    if (h === undefined) throw this.fail(`bad event type found while ordering: ${type}`);
    const ok = h(this, type);
    if (ok && ms !== null) {
      ms.p = this.newP;
      ms.g = this.newG;
    }
    return ok;
  }

  // ---- for the handlers ----

  /** The TraceError of the event being advanced. */
  fail(msg: string): TraceError {
    return new TraceError(msg, this.src.offset, this.gen, this.src.batch);
  }

  name(type: number): string {
    return W.eventName(this.table, type);
  }

  /** Check the context against requirements (MUST/MAY/MUST_NOT) for thread, proc, goroutine. */
  validate(m: number, p: number, g: number): void {
    if (m === MUST && this.curM === -1) throw this.fail("expected a thread but didn't have one");
    if (m === MUST_NOT && this.curM !== -1) throw this.fail('expected no thread but had one');
    if (p === MUST && this.curP === -1) throw this.fail("expected a proc but didn't have one");
    if (p === MUST_NOT && this.curP !== -1) throw this.fail('expected no proc but had one');
    if (g === MUST && this.curG === -1) throw this.fail("expected a goroutine but didn't have one");
    if (g === MUST_NOT && this.curG !== -1) throw this.fail('expected no goroutine but had one');
  }

  /** Emit the event being advanced in its thread's context before the event. */
  emit(type: number): true {
    const src = this.src;
    this.sink.event(type, src.time, this.curG, this.curP, this.curM, this.args, src.offset);
    return true;
  }

  /** Emit the event in another context than the current M's (GoStatus/ProcStatus about another M). */
  emitCtx(type: number, g: number, p: number, m: number): true {
    const src = this.src;
    this.sink.event(type, src.time, g, p, m, this.args, src.offset);
    return true;
  }

  /** Emit an event the ordering infers (GoSwitch's block and start, a self-steal): offset -1. */
  emitExtra(type: number, g: number, p: number, m: number, a0: number, a1: number): void {
    const x = this.extra;
    x[0] = a0;
    x[1] = a1;
    x[2] = 0;
    x[3] = 0;
    this.sink.event(type, this.src.time, g, p, m, x, -1);
  }

  /** `next` is the sequence number right after (seqGen, seq) in the current generation. */
  succeeds(seqGen: number, seq: number, next: number): boolean {
    return seqGen === this.gen && next === seq + 1;
  }

  /** The running G's slot, checked to be in wire status `want`. */
  curGState(type: number, want: number): number {
    const s = this.G.get(this.curG);
    if (s < 0) throw this.fail(`event ${this.name(type)} for goroutine (${this.curG}) that doesn't exist`);
    if (this.G.status[s] !== want) throw this.fail(`${this.name(type)} event for goroutine that's not ${W.goStatusString(want)}`);
    return s;
  }

  /** The slot of the P bound to this M (always known once a P is bound). */
  boundP(type: number): number {
    const p = this.P.get(this.curP);
    if (p < 0) throw this.fail(`uninitialized proc ${this.curP} found during ${this.name(type)}`);
    return p;
  }
}

type VersionTable = W.VersionTable;

// The ordering state machine of Go1.22+ traces: scheduler state of Gs, Ps and Ms.
//
// Layout: the reader offers, one at a time, the next event of some M's batches
// (`advance`). The ordering answers true (the event fits the current state: the state
// moves on and the event, plus any events it implies, goes to the sink), false (it can
// not happen yet: some other M must move first, e.g. a GoStart whose g_seq is not the
// next one), or throws a TraceError (it can never happen: the trace is broken).
//
// Invariants (the runtime's, checked here):
//  - every G and P carries a sequence number (gen, seq); GoStart/GoUnblock/GoSwitch
//    and ProcStart/ProcSteal/GoSyscallBegin must be the immediate successor; a
//    GoStatus/ProcStatus resets it at each generation start.
//  - a G or P is bound to at most one M; each M has at most one G and one P.
//  - ProcSteal may steal a P from a thread in a syscall, including the thread that is
//    stealing (a self-steal, as entersyscall_gcwait emits), and a bare M (no P) may steal.
//  - GoSyscallEndBlocked cannot advance while its M still holds a P in ProcSyscall.
//  - tasks, user regions, GC cycles and STW/mark-assist/sweep ranges carry across
//    generations; "Active" events re-announce ranges already in progress.
// State persists across generations; create one Ordering per trace.
// Performance: G and P states live in typed arrays indexed by a reusable slot per id
// (StateTable; memory bounded by the ids alive at once). tryAdvance() is the hot path:
// the common events in their valid case, checked and applied inline with no call into
// the general handlers; anything else (other types, not ready, broken) falls through to
// advance(), which alone decides waits and errors. test/formats-v2-fastpath.test.ts
// checks the two give identical events and errors.
// Owner: the Go1.22+ format (bindings/formats/v2/); other modules import index.ts only.

import { TraceError } from '../event.ts';
import type { Generation } from './generation.ts';
import type { V2Sink } from './sinks.ts';
import { IdTable, SlotTable } from './idtable.ts';
import {
  EvGCActive,
  EvGCBegin,
  EvGCEnd,
  EvGCMarkAssistActive,
  EvGCMarkAssistBegin,
  EvGCMarkAssistEnd,
  EvGCSweepActive,
  EvGCSweepBegin,
  EvGCSweepEnd,
  EvGoBlock,
  EvGoCreate,
  EvGoCreateBlocked,
  EvGoCreateSyscall,
  EvGoDestroy,
  EvGoDestroySyscall,
  EvGoLabel,
  EvGoroutineStack,
  EvGoroutineStackAlloc,
  EvGoroutineStackFree,
  EvGoStart,
  EvGoStatus,
  EvGoStatusStack,
  EvGoStop,
  EvGoSwitch,
  EvGoSwitchDestroy,
  EvGoSyscallBegin,
  EvGoSyscallEnd,
  EvGoSyscallEndBlocked,
  EvGoUnblock,
  EvHeapAlloc,
  EvHeapGoal,
  EvHeapObject,
  EvHeapObjectAlloc,
  EvHeapObjectFree,
  EvProcsChange,
  EvProcStart,
  EvProcStatus,
  EvProcSteal,
  EvProcStop,
  EvSpan,
  EvSpanAlloc,
  EvSpanFree,
  EvSTWBegin,
  EvSTWEnd,
  EvUserLog,
  EvUserRegionBegin,
  EvUserRegionEnd,
  EvUserTaskBegin,
  EvUserTaskEnd,
  GoRunnable,
  GoRunning,
  GoSyscall,
  GoWaiting,
  NoThreadWire,
  ProcIdle,
  ProcRunning,
  ProcSyscall,
  ProcSyscallAbandoned,
  eventName,
  goStatusString,
  procStatusString,
  type VersionTable,
} from './spec.ts';

/**
 * An event's arguments without dt (at most 4). A plain array, not a Float64Array: ids
 * are small integers that V8 keeps unboxed in a plain array.
 */
export type EventArgs = number[];

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

const MUST_NOT = 0;
const MAY = 1;
const MUST = 2;

/** Ordering.note: nothing special; the status event named a resource new to the trace; the stolen P was abandoned. */
export const NOTE_NONE = 0;
export const NOTE_NEW = 1;
export const NOTE_ABANDONED = 2;

const GC_UNDETERMINED = 0;
const GC_NOT_RUNNING = 1;
const GC_RUNNING = 2;

/** A snapshot of one goroutine's or proc's state (see Ordering.gStates / pStates). */
export interface IdState {
  readonly id: number;
  status: number;
  seq: number;
  seqGen: number;
  /** Active user regions (goroutines), innermost last, as "task\0name". */
  regions: string[] | null;
  /** Active special ranges (startEv + desc*256). */
  ranges: number[] | null;
}

/**
 * State of goroutines or procs: a slot per live id, and per-slot typed arrays, so the
 * hot path reads and writes plain numbers (no object per id, no field shape changes).
 */
class StateTable {
  readonly slots = new SlotTable();
  status = new Uint8Array(16);
  /** Sequence number and the generation it belongs to. */
  seq = new Float64Array(16);
  seqGen = new Float64Array(16);
  id = new Float64Array(16);
  /** Active special ranges (startEv + desc*256), by slot. */
  readonly ranges: Array<number[] | null> = [];
  /** Active user regions (goroutines), innermost last, as "task\0name", by slot. */
  readonly regions: Array<string[] | null> = [];

  /** Slot of id, -1 when unknown. */
  get(id: number): number {
    return this.slots.get(id);
  }

  add(id: number, status: number, gen: number): number {
    const s = this.slots.add(id);
    if (s >= this.status.length) this.grow();
    this.status[s] = status;
    this.seq[s] = 0;
    this.seqGen[s] = gen;
    this.id[s] = id;
    this.ranges[s] = null;
    this.regions[s] = null;
    return s;
  }

  delete(id: number): void {
    const s = this.slots.delete(id);
    if (s >= 0) {
      this.ranges[s] = null;
      this.regions[s] = null;
    }
  }

  private grow(): void {
    const n = this.status.length * 2;
    const st = new Uint8Array(n);
    st.set(this.status);
    this.status = st;
    for (const k of ['seq', 'seqGen', 'id'] as const) {
      const a = new Float64Array(n);
      a.set(this[k]);
      this[k] = a;
    }
  }

  /** Snapshot by id (for inspection; not used by the ordering). */
  snapshot(): IdTable<IdState> {
    const t = new IdTable<IdState>();
    for (const [id, s] of this.slots.entries()) {
      t.set(id, {
        id,
        status: this.status[s],
        seq: this.seq[s],
        seqGen: this.seqGen[s],
        regions: this.regions[s] ?? null,
        ranges: this.ranges[s] ?? null,
      });
    }
    return t;
  }
}

export class MState {
  constructor(
    public g: number,
    public p: number,
  ) {}
}

function regionString(key: string): string {
  const i = key.indexOf('\0');
  return `{${key.slice(0, i)} ${key.slice(i + 1)}}`;
}

export class Ordering {
  private readonly G = new StateTable();
  private readonly P = new StateTable();
  /** Goroutine states by id (a snapshot). */
  get gStates(): IdTable<IdState> {
    return this.G.snapshot();
  }
  /** Proc states by id (a snapshot). */
  get pStates(): IdTable<IdState> {
    return this.P.snapshot();
  }
  readonly mStates = new Map<number, MState>();
  readonly activeTasks = new Map<number, { name: string; parent: number }>();
  gcSeq = 0;
  gcState = GC_UNDETERMINED;
  /**
   * The generation of the first event ever offered (0 before that). Not simply the first
   * generation: one holding only CPU samples never reaches the ordering, and Go then treats
   * the next one as the first (GoStatus of unknown goroutines still allowed there).
   */
  initialGen = 0;
  /**
   * What the last GoStatus/ProcStatus/ProcSteal emitted knew about the resource's previous
   * state (NOTE_*), for the validation layer, which needs the before-state of a transition
   * as Go's reader reports it.
   */
  note = NOTE_NONE;

  // The event being advanced and its context. Fields, not objects: no allocation per event.
  private gen = 0;
  private g!: Generation;
  private curG = -1;
  private curP = -1;
  private curM = -1;
  private newG = -1;
  private newP = -1;
  private src!: AdvanceSource;
  private args!: EventArgs;
  private readonly extra: EventArgs = [0, 0, 0, 0];

  constructor(
    private readonly table: VersionTable,
    private readonly sink: OrderSink,
  ) {}

  /** Batch index of the event being advanced (for error locations downstream). */
  get batchIndex(): number {
    return this.src.batch;
  }

  /** Start ordering generation g (generations come in increasing order). */
  beginGeneration(g: Generation): void {
    this.gen = g.gen;
    this.g = g;
  }

  /** Byte offset of the event being advanced (-1 before the first). */
  get srcOffset(): number {
    return this.src === undefined ? -1 : this.src.offset;
  }

  /**
   * Where tryAdvance sends the events it orders (after checking their table ids itself);
   * null drops them (pure validation). Unset: tryAdvance always declines.
   */
  out: V2Sink | null | undefined = undefined;

  /**
   * The common events in their common, valid case, with no call into the general
   * machinery: returns true when src's event was ordered and emitted (exactly as
   * advance() would), false when it must go through advance() (another event type, not
   * ready yet, or broken: advance() then decides and reports). Needs src.ms set.
   */
  tryAdvance(src: AdvanceSource): boolean {
    const ms = src.ms;
    const out = this.out;
    // (A bound M implies an earlier advance, so initialGen is set whenever this path runs.)
    if (ms === null || out === undefined) return false;
    // The event's location, for errors raised downstream (the validation layer).
    this.src = src;
    const args = src.args;
    const curG = ms.g;
    const curP = ms.p;
    const G = this.G;
    // Slot lookups inlined: slot+1 by id for small ids (ids are integers here).
    const gd = G.slots.dense;
    const pd = this.P.slots.dense;
    const gen = this.gen;
    const type = src.type;
    let s: number;
    switch (type) {
      case EvGoStart: {
        if (curP === -1 || curG !== -1) return false;
        const gid = args[0];
        const seq = args[1];
        s = gid >= 0 && gid < gd.length ? gd[gid] - 1 : G.get(gid);
        if (s < 0 || G.status[s] !== GoRunnable || G.seqGen[s] !== gen || G.seq[s] + 1 !== seq) return false;
        G.status[s] = GoRunning;
        G.seq[s] = seq;
        ms.g = gid;
        if (out !== null) out.event(type, src.time, curG, curP, src.m, args, src.offset);
        return true;
      }
      case EvGoStop:
      case EvGoBlock: {
        if (curP === -1 || curG === -1) return false;
        s = curG >= 0 && curG < gd.length ? gd[curG] - 1 : G.get(curG);
        if (s < 0 || G.status[s] !== GoRunning) return false;
        const str = args[0];
        const stk = args[1];
        const g = this.g;
        if (str !== 0 && !(str < g.stringBits.length && g.stringBits[str] === 1)) return false;
        if (stk !== 0 && !(stk < g.stackBits.length && g.stackBits[stk] === 1)) return false;
        G.status[s] = type === EvGoStop ? GoRunnable : GoWaiting;
        ms.g = -1;
        if (out !== null) out.event(type, src.time, curG, curP, src.m, args, src.offset);
        return true;
      }
      case EvGoUnblock: {
        const gid = args[0];
        const seq = args[1];
        s = gid >= 0 && gid < gd.length ? gd[gid] - 1 : G.get(gid);
        if (s < 0 || G.status[s] !== GoWaiting || G.seqGen[s] !== gen || G.seq[s] + 1 !== seq) return false;
        const stk = args[2];
        const g = this.g;
        if (stk !== 0 && !(stk < g.stackBits.length && g.stackBits[stk] === 1)) return false;
        G.status[s] = GoRunnable;
        G.seq[s] = seq;
        if (out !== null) out.event(type, src.time, curG, curP, src.m, args, src.offset);
        return true;
      }
      case EvGoSyscallBegin: {
        if (curP === -1 || curG === -1) return false;
        s = curG >= 0 && curG < gd.length ? gd[curG] - 1 : G.get(curG);
        if (s < 0 || G.status[s] !== GoRunning) return false;
        const P = this.P;
        const p = curP >= 0 && curP < pd.length ? pd[curP] - 1 : P.get(curP);
        const pseq = args[0];
        if (p < 0 || P.seqGen[p] !== gen || P.seq[p] + 1 !== pseq) return false;
        const stk = args[1];
        const g = this.g;
        if (stk !== 0 && !(stk < g.stackBits.length && g.stackBits[stk] === 1)) return false;
        G.status[s] = GoSyscall;
        P.status[p] = ProcSyscall;
        P.seq[p] = pseq;
        if (out !== null) out.event(type, src.time, curG, curP, src.m, args, src.offset);
        return true;
      }
      case EvGoSyscallEnd: {
        if (curP === -1 || curG === -1) return false;
        s = curG >= 0 && curG < gd.length ? gd[curG] - 1 : G.get(curG);
        if (s < 0 || G.status[s] !== GoSyscall) return false;
        const P = this.P;
        const p = curP >= 0 && curP < pd.length ? pd[curP] - 1 : P.get(curP);
        if (p < 0 || P.status[p] !== ProcSyscall) return false;
        G.status[s] = GoRunning;
        P.status[p] = ProcRunning;
        if (out !== null) out.event(type, src.time, curG, curP, src.m, args, src.offset);
        return true;
      }
      case EvHeapAlloc:
      case EvHeapGoal:
        if (curP === -1) return false;
        if (out !== null) out.event(type, src.time, curG, curP, src.m, args, src.offset);
        return true;
      case EvGoLabel: {
        if (curP === -1 || curG === -1) return false;
        const str = args[0];
        const g = this.g;
        if (str !== 0 && !(str < g.stringBits.length && g.stringBits[str] === 1)) return false;
        if (out !== null) out.event(type, src.time, curG, curP, src.m, args, src.offset);
        return true;
      }
      case EvProcStart: {
        if (curP !== -1) return false;
        const pid = args[0];
        const seq = args[1];
        const P = this.P;
        const p = pid >= 0 && pid < pd.length ? pd[pid] - 1 : P.get(pid);
        if (p < 0 || P.status[p] !== ProcIdle || P.seqGen[p] !== gen || P.seq[p] + 1 !== seq) return false;
        P.status[p] = ProcRunning;
        P.seq[p] = seq;
        ms.p = pid;
        if (out !== null) out.event(type, src.time, curG, curP, src.m, args, src.offset);
        return true;
      }
      case EvProcStop: {
        if (curP === -1) return false;
        const P = this.P;
        const p = curP >= 0 && curP < pd.length ? pd[curP] - 1 : P.get(curP);
        if (p < 0 || (P.status[p] !== ProcRunning && P.status[p] !== ProcSyscall)) return false;
        P.status[p] = ProcIdle;
        ms.p = -1;
        if (out !== null) out.event(type, src.time, curG, curP, src.m, args, src.offset);
        return true;
      }
      case EvGoCreate: {
        if (curP === -1) return false;
        const cur = curG >= 0 && curG < gd.length ? gd[curG] - 1 : G.get(curG);
        if (cur >= 0 && G.status[cur] !== GoRunning) return false;
        const newg = args[0];
        if ((newg >= 0 && newg < gd.length ? gd[newg] - 1 : G.get(newg)) >= 0) return false;
        const g = this.g;
        const stk = args[2];
        if (stk !== 0 && !(stk < g.stackBits.length && g.stackBits[stk] === 1)) return false;
        const nstk = args[1];
        if (nstk !== 0 && !(nstk < g.stackBits.length && g.stackBits[nstk] === 1)) return false;
        G.add(newg, GoRunnable, gen);
        if (out !== null) out.event(type, src.time, curG, curP, src.m, args, src.offset);
        return true;
      }
      case EvGoDestroy: {
        if (curP === -1 || curG === -1) return false;
        s = curG >= 0 && curG < gd.length ? gd[curG] - 1 : G.get(curG);
        if (s < 0 || G.status[s] !== GoRunning) return false;
        G.delete(curG);
        ms.g = -1;
        if (out !== null) out.event(type, src.time, curG, curP, src.m, args, src.offset);
        return true;
      }
    }
    return false;
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
      // Created on the M's first attempted event, as the runtime's parser does.
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
    let ok: boolean;
    switch (type) {
      case EvProcStatus:
        ok = this.procStatus();
        break;
      case EvProcStart:
        ok = this.procStart();
        break;
      case EvProcStop:
        ok = this.procStop(type);
        break;
      case EvProcSteal:
        ok = this.procSteal();
        break;
      case EvGoStatus:
      case EvGoStatusStack:
        ok = this.goStatus(type);
        break;
      case EvGoCreate:
      case EvGoCreateBlocked:
        ok = this.goCreate(type);
        break;
      case EvGoCreateSyscall:
        ok = this.goCreateSyscall();
        break;
      case EvGoStart:
        ok = this.goStart();
        break;
      case EvGoDestroy:
      case EvGoStop:
      case EvGoBlock:
        ok = this.goStopExec(type);
        break;
      case EvGoDestroySyscall:
        ok = this.goDestroySyscall(type);
        break;
      case EvGoUnblock:
        ok = this.goUnblock();
        break;
      case EvGoSwitch:
      case EvGoSwitchDestroy:
        ok = this.goSwitch(type);
        break;
      case EvGoSyscallBegin:
        ok = this.goSyscallBegin(type);
        break;
      case EvGoSyscallEnd:
        ok = this.goSyscallEnd(type);
        break;
      case EvGoSyscallEndBlocked:
        ok = this.goSyscallEndBlocked(type);
        break;
      case EvSTWBegin:
      case EvGCMarkAssistBegin:
        ok = this.goRangeBegin(type);
        break;
      case EvSTWEnd:
      case EvGCMarkAssistEnd:
        ok = this.goRangeEnd(type);
        break;
      case EvGCMarkAssistActive:
        ok = this.goRangeActive(type);
        break;
      case EvGCActive:
        ok = this.gcActive(type);
        break;
      case EvGCBegin:
        ok = this.gcBegin(type);
        break;
      case EvGCEnd:
        ok = this.gcEnd(type);
        break;
      case EvGCSweepBegin:
        ok = this.sweepBegin(type);
        break;
      case EvGCSweepActive:
        ok = this.sweepActive(type);
        break;
      case EvGCSweepEnd:
        ok = this.sweepEnd(type);
        break;
      case EvHeapAlloc:
      case EvHeapGoal:
        this.validate(MUST, MUST, MAY);
        ok = this.emit(type);
        break;
      case EvProcsChange:
      case EvGoLabel:
      case EvUserLog:
        this.validate(MUST, MUST, MUST);
        ok = this.emit(type);
        break;
      case EvUserTaskBegin:
        ok = this.taskBegin(type);
        break;
      case EvUserTaskEnd:
        ok = this.taskEnd(type);
        break;
      case EvUserRegionBegin:
        ok = this.regionBegin(type);
        break;
      case EvUserRegionEnd:
        ok = this.regionEnd(type);
        break;
      case EvSpan:
      case EvSpanAlloc:
      case EvSpanFree:
      case EvHeapObject:
      case EvHeapObjectAlloc:
      case EvHeapObjectFree:
      case EvGoroutineStack:
      case EvGoroutineStackAlloc:
      case EvGoroutineStackFree:
        this.validate(MUST, MAY, MAY);
        ok = this.emit(type);
        break;
      default:
        throw this.fail(`bad event type found while ordering: ${type}`);
    }
    if (ok && ms !== null) {
      ms.p = this.newP;
      ms.g = this.newG;
    }
    return ok;
  }

  // ---- helpers ----

  private fail(msg: string): TraceError {
    return new TraceError(msg, this.src.offset, this.gen, this.src.batch);
  }

  private name(type: number): string {
    return eventName(this.table, type);
  }

  private validate(m: number, p: number, g: number): void {
    if (m === MUST && this.curM === -1) throw this.fail("expected a thread but didn't have one");
    if (m === MUST_NOT && this.curM !== -1) throw this.fail('expected no thread but had one');
    if (p === MUST && this.curP === -1) throw this.fail("expected a proc but didn't have one");
    if (p === MUST_NOT && this.curP !== -1) throw this.fail('expected no proc but had one');
    if (g === MUST && this.curG === -1) throw this.fail("expected a goroutine but didn't have one");
    if (g === MUST_NOT && this.curG !== -1) throw this.fail('expected no goroutine but had one');
  }

  private emit(type: number): true {
    const src = this.src;
    this.sink.event(type, src.time, this.curG, this.curP, this.curM, this.args, src.offset);
    return true;
  }

  /** Emit the event in another context than the current M's (GoStatus/ProcStatus about another M). */
  private emitCtx(type: number, g: number, p: number, m: number): true {
    const src = this.src;
    this.sink.event(type, src.time, g, p, m, this.args, src.offset);
    return true;
  }

  /** Emit an event the ordering infers (GoSwitch's block and start, a self-steal). */
  private emitExtra(type: number, g: number, p: number, m: number, a0: number, a1: number): void {
    const x = this.extra;
    x[0] = a0;
    x[1] = a1;
    x[2] = 0;
    x[3] = 0;
    this.sink.event(type, this.src.time, g, p, m, x, -1);
  }

  private succeeds(seqGen: number, seq: number, next: number): boolean {
    return seqGen === this.gen && next === seq + 1;
  }

  /** The running G's state, checked to be in `want`. */
  private curGState(type: number, want: number): number {
    const s = this.G.get(this.curG);
    if (s < 0) throw this.fail(`event ${this.name(type)} for goroutine (${this.curG}) that doesn't exist`);
    if (this.G.status[s] !== want) throw this.fail(`${this.name(type)} event for goroutine that's not ${goStatusString(want)}`);
    return s;
  }

  // ---- procs ----

  private procStatus(): boolean {
    const pid = this.args[0];
    // Go reads the status as a byte: only its low 8 bits are checked here (a larger raw
    // value that passes is refused later, by the validation layer).
    const status = this.args[1] % 256;
    if (status >= 5) throw this.fail(`invalid status for proc ${pid}: ${status}`);
    const P = this.P;
    const s = P.get(pid);
    let promoted = false;
    this.note = NOTE_NONE;
    if (s >= 0) {
      const old = P.status[s];
      if (status === ProcSyscallAbandoned && old === ProcSyscall) {
        // Nothing was lost: the P is still known to be in its syscall. Treat as ProcSyscall,
        // and say so in the event (as Go's reader does).
        promoted = true;
        this.args[1] = ProcSyscall;
      } else if (status === ProcSyscallAbandoned && old === ProcSyscallAbandoned) {
        // Still abandoned: passes through.
        this.args[1] = ProcSyscallAbandoned;
      } else if (old !== status) {
        throw this.fail(
          `inconsistent status for proc ${pid}: old ${procStatusString(old)} vs. new ${procStatusString(status)}`,
        );
      }
      P.seqGen[s] = this.gen;
      P.seq[s] = 0;
    } else {
      P.add(pid, status, this.gen);
      this.note = NOTE_NEW;
    }
    if (status === ProcRunning || status === ProcSyscall) this.newP = pid;
    if (promoted) {
      // The P is about to be stolen from the M it is bound to: report it in that M's context.
      let owner: MState | undefined;
      let ownerID = -1;
      for (const [mid, st] of this.mStates) {
        if (st.p === pid) {
          owner = st;
          ownerID = mid;
        }
      }
      if (owner === undefined) throw this.fail(`failed to find sched context for proc ${pid} that's about to be stolen`);
      return this.emitCtx(EvProcStatus, owner.g, pid, ownerID);
    }
    return this.emit(EvProcStatus);
  }

  private procStart(): boolean {
    const pid = this.args[0];
    const seq = this.args[1];
    const P = this.P;
    const s = P.get(pid);
    // Not yet: the P's status may come later on another M, or we still hold a P.
    if (s < 0 || P.status[s] !== ProcIdle || P.seqGen[s] !== this.gen || P.seq[s] + 1 !== seq || this.curP !== -1) {
      return false;
    }
    this.validate(MUST, MUST_NOT, MAY);
    P.status[s] = ProcRunning;
    P.seq[s] = seq;
    this.newP = pid;
    return this.emit(EvProcStart);
  }

  private procStop(type: number): boolean {
    // A P is stopped by the M that runs it, so this can always advance.
    const P = this.P;
    const s = P.get(this.curP);
    if (s < 0) throw this.fail(`event ${this.name(type)} for proc (${this.curP}) that doesn't exist`);
    const st = P.status[s];
    if (st !== ProcRunning && st !== ProcSyscall) {
      throw this.fail(`${this.name(type)} event for proc that's not Running or Syscall`);
    }
    this.validate(MUST, MUST, MAY);
    P.status[s] = ProcIdle;
    this.newP = -1;
    return this.emit(type);
  }

  private procSteal(): boolean {
    const pid = this.args[0];
    const seq = this.args[1];
    const P = this.P;
    const s = P.get(pid);
    if (
      s < 0 ||
      (P.status[s] !== ProcSyscall && P.status[s] !== ProcSyscallAbandoned) ||
      !this.succeeds(P.seqGen[s], P.seq[s], seq)
    ) {
      return false;
    }
    this.validate(MUST, MAY, MAY);
    const old = P.status[s];
    this.note = old === ProcSyscallAbandoned ? NOTE_ABANDONED : NOTE_NONE;
    P.status[s] = ProcIdle;
    P.seqGen[s] = this.gen;
    P.seq[s] = seq;
    // The M that held an abandoned P may have moved on: leave Ms alone.
    if (old === ProcSyscallAbandoned) return this.emit(EvProcSteal);
    const raw = this.args[2];
    const mid = raw === NoThreadWire ? -1 : raw;
    if (mid === this.curM) {
      // Stealing from ourselves (entersyscall_gcwait): behaves like a ProcStop.
      if (this.curP !== pid) {
        throw this.fail(`tried to self-steal proc ${pid} (thread ${mid}), but got proc ${this.curP} instead`);
      }
      this.newP = -1;
      return this.emit(EvProcSteal);
    }
    const victim = this.mStates.get(mid);
    if (victim === undefined) throw this.fail(`stole proc from non-existent thread ${mid}`);
    if (victim.p !== pid) {
      throw this.fail(`tried to steal proc ${pid} from thread ${mid}, but got proc ${victim.p} instead`);
    }
    // The victim is in its syscall and will notice on GoSyscallEndBlocked.
    victim.p = -1;
    return this.emit(EvProcSteal);
  }

  // ---- goroutines ----

  private goStatus(type: number): boolean {
    const gid = this.args[0];
    const raw = this.args[1];
    const mid = raw === NoThreadWire ? -1 : raw;
    // A byte, as for ProcStatus.
    const status = this.args[2] % 256;
    if (status >= 5) throw this.fail(`invalid status for goroutine ${gid}: ${status}`);
    const G = this.G;
    const s = G.get(gid);
    this.note = s >= 0 ? NOTE_NONE : NOTE_NEW;
    if (s >= 0) {
      if (G.status[s] !== status) {
        throw this.fail(
          `inconsistent status for goroutine ${gid}: old ${goStatusString(G.status[s])} vs. new ${goStatusString(status)}`,
        );
      }
      G.seqGen[s] = this.gen;
      G.seq[s] = 0;
    } else if (this.gen === this.initialGen) {
      G.add(gid, status, this.gen);
    } else {
      throw this.fail(
        `found goroutine status for new goroutine after the first generation: id=${gid} status=${goStatusString(status)}`,
      );
    }
    if (status === GoRunning) {
      this.newG = gid;
    } else if (status === GoSyscall) {
      if (mid === -1) throw this.fail(`found goroutine ${gid} in syscall without a thread`);
      if (mid === this.curM) {
        // After the first generation we must already have seen this G bound to this M.
        if (this.gen !== this.initialGen && this.curG !== gid) {
          throw this.fail(`inconsistent thread for syscalling goroutine ${gid}: thread has goroutine ${this.curG}`);
        }
        this.newG = gid;
      } else {
        // A G sitting in a syscall on another M for the whole generation (that M has no P).
        // Reported on that M; with the G it is known to hold if the M was seen before.
        const other = this.mStates.get(mid);
        if (other !== undefined) {
          if (other.g !== gid) {
            throw this.fail(`inconsistent thread for syscalling goroutine ${gid}: thread has goroutine ${other.g}`);
          }
          return this.emitCtx(type, other.g, this.curP, mid);
        }
        this.mStates.set(mid, new MState(gid, -1));
        return this.emitCtx(type, this.curG, this.curP, mid);
      }
    }
    return this.emit(type);
  }

  private goCreate(type: number): boolean {
    this.validate(MUST, MUST, MAY);
    const G = this.G;
    const cur = G.get(this.curG);
    if (cur >= 0 && G.status[cur] !== GoRunning) {
      throw this.fail(`${this.name(type)} event for goroutine that's not Running`);
    }
    const newg = this.args[0];
    if (G.get(newg) >= 0) throw this.fail(`tried to create goroutine (${newg}) that already exists`);
    G.add(newg, type === EvGoCreateBlocked ? GoWaiting : GoRunnable, this.gen);
    return this.emit(type);
  }

  private goCreateSyscall(): boolean {
    // A cgo callback: the goroutine appears already in a syscall on this M.
    this.validate(MUST, MAY, MUST_NOT);
    const newg = this.args[0];
    if (this.G.get(newg) >= 0) throw this.fail(`tried to create goroutine (${newg}) in syscall that already exists`);
    this.G.add(newg, GoSyscall, this.gen);
    this.newG = newg;
    return this.emit(EvGoCreateSyscall);
  }

  private goStart(): boolean {
    const gid = this.args[0];
    const seq = this.args[1];
    const G = this.G;
    const s = G.get(gid);
    if (s < 0 || G.status[s] !== GoRunnable || G.seqGen[s] !== this.gen || G.seq[s] + 1 !== seq) return false;
    this.validate(MUST, MUST, MUST_NOT);
    G.status[s] = GoRunning;
    G.seq[s] = seq;
    this.newG = gid;
    return this.emit(EvGoStart);
  }

  private goStopExec(type: number): boolean {
    // The running G is bound to this M, so these can always advance.
    this.validate(MUST, MUST, MUST);
    const s = this.curGState(type, GoRunning);
    if (type === EvGoDestroy) this.G.delete(this.curG);
    else this.G.status[s] = type === EvGoStop ? GoRunnable : GoWaiting;
    this.newG = -1;
    return this.emit(type);
  }

  private goUnblock(): boolean {
    const gid = this.args[0];
    const seq = this.args[1];
    const G = this.G;
    const s = G.get(gid);
    if (s < 0 || G.status[s] !== GoWaiting || G.seqGen[s] !== this.gen || G.seq[s] + 1 !== seq) return false;
    // Anything may unblock a goroutine (sysmon included): no context to check.
    G.status[s] = GoRunnable;
    G.seq[s] = seq;
    return this.emit(EvGoUnblock);
  }

  private goSwitch(type: number): boolean {
    this.validate(MUST, MUST, MUST);
    const cur = this.curGState(type, GoRunning);
    const next = this.args[0];
    const seq = this.args[1];
    const G = this.G;
    const ns = G.get(next);
    if (ns < 0 || G.status[ns] !== GoWaiting || !this.succeeds(G.seqGen[ns], G.seq[ns], seq)) return false;
    this.emit(type);
    // A switch is three events: block (or destroy) of the current G, start of the next.
    if (type === EvGoSwitch) {
      G.status[cur] = GoWaiting;
      this.emitExtra(EvGoBlock, this.curG, this.curP, this.curM, 0, 0);
    } else {
      G.delete(this.curG);
      this.emitExtra(EvGoDestroy, this.curG, this.curP, this.curM, 0, 0);
    }
    // The slot is still next's: deleting the current G frees a different slot.
    G.status[ns] = GoRunning;
    G.seqGen[ns] = this.gen;
    G.seq[ns] = seq;
    this.newG = next;
    this.emitExtra(EvGoStart, -1, this.curP, this.curM, next, seq);
    return true;
  }

  private goSyscallBegin(type: number): boolean {
    this.validate(MUST, MUST, MUST);
    const s = this.curGState(type, GoRunning);
    this.G.status[s] = GoSyscall;
    const P = this.P;
    const p = P.get(this.curP);
    if (p < 0) throw this.fail(`uninitialized proc ${this.curP} found during ${this.name(type)}`);
    P.status[p] = ProcSyscall;
    // The P's seq here only disambiguates ProcSteal; a running P must match it exactly.
    const pseq = this.args[0];
    if (!this.succeeds(P.seqGen[p], P.seq[p], pseq)) {
      throw this.fail(
        `failed to advance ${this.name(type)}: can't make sequence: ${P.seq[p]} (gen=${P.seqGen[p]}) -> ${pseq} (gen=${this.gen})`,
      );
    }
    P.seq[p] = pseq;
    return this.emit(type);
  }

  private goSyscallEnd(type: number): boolean {
    this.validate(MUST, MUST, MUST);
    const s = this.curGState(type, GoSyscall);
    this.G.status[s] = GoRunning;
    const P = this.P;
    const p = P.get(this.curP);
    if (p < 0) throw this.fail(`uninitialized proc ${this.curP} found during ${this.name(type)}`);
    if (P.status[p] !== ProcSyscall) {
      throw this.fail(`expected proc ${this.curP} in state Syscall, but got ${procStatusString(P.status[p])} instead`);
    }
    P.status[p] = ProcRunning;
    return this.emit(type);
  }

  private goSyscallEndBlocked(type: number): boolean {
    // Wait until our P has left ProcSyscall (ProcStop or ProcSteal), or we have none.
    if (this.curP !== -1) {
      const p = this.P.get(this.curP);
      if (p < 0) throw this.fail(`uninitialized proc ${this.curP} found during ${this.name(type)}`);
      if (this.P.status[p] === ProcSyscall) return false;
    }
    this.validate(MUST, MAY, MUST);
    const s = this.curGState(type, GoSyscall);
    this.G.status[s] = GoRunnable;
    this.newG = -1;
    return this.emit(type);
  }

  private goDestroySyscall(type: number): boolean {
    this.validate(MUST, MAY, MUST);
    this.curGState(type, GoSyscall);
    this.G.delete(this.curG);
    this.newG = -1;
    if (this.curP !== -1) {
      // The thread id may be reused: drop the P now (abandoned), with an implied self-steal.
      const P = this.P;
      const p = P.get(this.curP);
      if (p < 0) throw this.fail(`found invalid proc ${this.curP} during ${this.name(type)}`);
      if (P.status[p] !== ProcSyscall) {
        throw this.fail(`proc ${this.curP} in unexpected state ${procStatusString(P.status[p])} during ${this.name(type)}`);
      }
      P.status[p] = ProcSyscallAbandoned;
      this.newP = -1;
      // The implied steal takes the P out of its syscall (not from an abandoned state).
      this.note = NOTE_NONE;
      this.emitExtra(EvProcSteal, this.curG, this.curP, this.curM, this.curP, 0);
    }
    return this.emit(type);
  }

  // ---- ranges ----

  private rangeKey(type: number, desc: number): number {
    const st = this.table.specs[type]!.startEv;
    return (st !== 0 ? st : type) + desc * 256;
  }

  private beginRange(list: number[] | null, key: number): number[] {
    if (list === null) list = [];
    if (list.includes(key)) {
      throw this.fail(`discovered event already in-flight for when starting event ${this.name(key % 256)}`);
    }
    list.push(key);
    return list;
  }

  private activeRange(list: number[] | null, key: number): number[] {
    if (list === null) list = [];
    if (this.gen === this.initialGen) {
      if (list.includes(key)) throw this.fail(`found named active range already in first gen: ${this.name(key % 256)}`);
      list.push(key);
    } else if (!list.includes(key)) {
      throw this.fail(`resource is missing active range: ${this.name(key % 256)}`);
    }
    return list;
  }

  /** Remove the range that `type` ends; returns its desc. */
  private endRange(list: number[] | null, type: number): number {
    const st = this.table.specs[type]!.startEv;
    const i = list === null ? -1 : list.findIndex((k) => k % 256 === st);
    if (i < 0) throw this.fail(`tried to end event ${this.name(st)}, but not in-flight`);
    const l = list!;
    const key = l[i];
    l[i] = l[l.length - 1];
    l.pop();
    return Math.floor(key / 256);
  }

  private goRangeBegin(type: number): boolean {
    this.validate(MUST, MUST, MUST);
    const desc = type === EvSTWBegin ? this.args[0] : 0;
    const s = this.G.get(this.curG);
    if (s < 0) {
      throw this.fail(`encountered event of type ${type} without known state for current goroutine ${this.curG}`);
    }
    this.G.ranges[s] = this.beginRange(this.G.ranges[s], this.rangeKey(type, desc));
    return this.emit(type);
  }

  private goRangeActive(type: number): boolean {
    // Like GoStatus, may name a goroutine that is not running: no context to check.
    const gid = this.args[0];
    const s = this.G.get(gid);
    if (s < 0) throw this.fail(`uninitialized goroutine ${gid} found during ${this.name(type)}`);
    this.G.ranges[s] = this.activeRange(this.G.ranges[s], this.rangeKey(type, 0));
    return this.emit(type);
  }

  private goRangeEnd(type: number): boolean {
    this.validate(MUST, MUST, MUST);
    const s = this.G.get(this.curG);
    if (s < 0) {
      throw this.fail(`encountered event of type ${type} without known state for current goroutine ${this.curG}`);
    }
    const desc = this.endRange(this.G.ranges[s], type);
    // STWEnd reports the kind its STWBegin had.
    if (type === EvSTWEnd) this.args[0] = desc;
    return this.emit(type);
  }

  /** The state of the P bound to this M (always known once a P is bound). */
  private boundP(type: number): number {
    const p = this.P.get(this.curP);
    if (p < 0) throw this.fail(`uninitialized proc ${this.curP} found during ${this.name(type)}`);
    return p;
  }

  private sweepBegin(type: number): boolean {
    this.validate(MUST, MUST, MAY);
    const p = this.boundP(type);
    this.P.ranges[p] = this.beginRange(this.P.ranges[p], this.rangeKey(type, 0));
    return this.emit(type);
  }

  private sweepActive(type: number): boolean {
    const pid = this.args[0];
    const p = this.P.get(pid);
    if (p < 0) throw this.fail(`encountered GCSweepActive for unknown proc ${pid}`);
    this.P.ranges[p] = this.activeRange(this.P.ranges[p], this.rangeKey(type, 0));
    return this.emit(type);
  }

  private sweepEnd(type: number): boolean {
    this.validate(MUST, MUST, MAY);
    const p = this.boundP(type);
    this.endRange(this.P.ranges[p], type);
    return this.emit(type);
  }

  // ---- GC cycles: seq numbers order GCBegin/GCEnd across threads ----

  private gcActive(type: number): boolean {
    const seq = this.args[0];
    if (this.gen === this.initialGen) {
      if (this.gcState !== GC_UNDETERMINED) throw this.fail("GCActive in the first generation isn't first GC event");
      this.gcSeq = seq;
      this.gcState = GC_RUNNING;
      return this.emit(type);
    }
    if (seq !== this.gcSeq + 1) return false;
    if (this.gcState !== GC_RUNNING) throw this.fail('encountered GCActive while GC was not in progress');
    this.gcSeq = seq;
    this.validate(MUST, MUST, MUST);
    return this.emit(type);
  }

  private gcBegin(type: number): boolean {
    const seq = this.args[0];
    if (this.gcState === GC_UNDETERMINED) {
      this.gcSeq = seq;
      this.gcState = GC_RUNNING;
      return this.emit(type);
    }
    if (seq !== this.gcSeq + 1) return false;
    if (this.gcState === GC_RUNNING) throw this.fail('encountered GCBegin while GC was already in progress');
    this.gcSeq = seq;
    this.gcState = GC_RUNNING;
    this.validate(MUST, MUST, MUST);
    return this.emit(type);
  }

  private gcEnd(type: number): boolean {
    const seq = this.args[0];
    if (seq !== this.gcSeq + 1) return false;
    if (this.gcState === GC_NOT_RUNNING) throw this.fail('encountered GCEnd when GC was not in progress');
    if (this.gcState === GC_UNDETERMINED) throw this.fail('encountered GCEnd when GC was in an undetermined state');
    this.gcSeq = seq;
    this.gcState = GC_NOT_RUNNING;
    this.validate(MUST, MUST, MUST);
    return this.emit(type);
  }

  // ---- tasks and regions ----

  private stringArg(type: number, id: number): string {
    const s = this.g.string(id);
    if (s === undefined) throw this.fail(`invalid string ID ${id} for ${this.name(type)} event`);
    return s;
  }

  private taskBegin(type: number): boolean {
    // Task ids may be reused and Ends may repeat; only a Begin of an active task is wrong.
    const id = this.args[0];
    if (this.activeTasks.has(id)) throw this.fail(`task ID conflict: ${id}`);
    const name = this.stringArg(type, this.args[2]);
    this.activeTasks.set(id, { name, parent: this.args[1] });
    this.validate(MUST, MUST, MUST);
    return this.emit(type);
  }

  private taskEnd(type: number): boolean {
    this.activeTasks.delete(this.args[0]);
    this.validate(MUST, MUST, MUST);
    return this.emit(type);
  }

  private regionBegin(type: number): boolean {
    this.validate(MUST, MUST, MUST);
    const name = this.stringArg(type, this.args[1]);
    const s = this.G.get(this.curG);
    if (s < 0) {
      throw this.fail(`encountered EvUserRegionBegin without known state for current goroutine ${this.curG}`);
    }
    let regions = this.G.regions[s];
    if (regions === null) regions = this.G.regions[s] = [];
    regions.push(`${this.args[0]}\0${name}`);
    return this.emit(type);
  }

  private regionEnd(type: number): boolean {
    this.validate(MUST, MUST, MUST);
    const name = this.stringArg(type, this.args[1]);
    const s = this.G.get(this.curG);
    if (s < 0) {
      throw this.fail(`encountered EvUserRegionEnd without known state for current goroutine ${this.curG}`);
    }
    // Regions begun before the trace started are unknown: an End with none active is fine.
    const regions = this.G.regions[s];
    if (regions !== null && regions.length > 0) {
      const key = `${this.args[0]}\0${name}`;
      const top = regions[regions.length - 1];
      if (top !== key) {
        throw this.fail(
          `misuse of region in goroutine ${this.G.id[s]}: region end ${regionString(key)} when the inner-most active region start event is ${regionString(top)}`,
        );
      }
      regions.pop();
    }
    return this.emit(type);
  }
}

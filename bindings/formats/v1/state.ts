// State layer of the v1 reader: the per-goroutine and per-P checks Go 1.19's parser makes on
// the ordered stream (postProcessTrace), with the same messages.
//
// Model: a G is dead, runnable, running or waiting; G 0 starts running (the scheduler). A P is
// running or not and runs at most one G. Checked: ProcStart/ProcStop pairing and a P stopping
// with a G on it; GC, STW (global since 1.10, per P before), sweep (per P) and mark-assist
// (per G) begin/end pairs; GoCreate only of new Gs by a running G; GoStart only of runnable Gs
// on an idle P; blocking, yielding, ending and syscalls only by the G running on that P (not
// G 0); GoUnblock only of a waiting G, by the running G (timer goroutines excepted); syscall
// exit only of a waiting G; unique task ids; region ends matching the innermost open region.
// Like Go, the first start of a created G takes the creation's start stack as its stack
// (written into the wire `stk` column); go 1.5 names a start PC instead, which becomes a
// one-frame stack of the return PC after it (pc+1, as Go's symbolizer expects).
//
// Cost: goroutines are indexed by their wire slot and Ps by their batch group, in typed
// arrays; no per-event Map lookups or allocations (task and region bookkeeping excepted).
//
// The model: given a V1Model (model.ts), each handler also says what its event becomes in the
// trace model, as Go 1.23's oldtrace converts it: Go1.22+ base events handed to the model's
// sink in this same pass (a blocked syscall is a GoSyscallBegin here and a GoSyscallEndBlocked
// at its exit; one that did not block a 1 ns Begin/End pair; the first ProcStart or ProcStop of
// a P a ProcStatus; goroutines that existed when tracing started a GoStatus each, those never
// started at the first Gomaxprocs, which becomes nothing else; GoSysBlock nothing; a futile
// wakeup Go 1.19 left in the stream is refused, as Go 1.23 refuses it). Without a
// model the pass checks only, through the same handlers (the model-only types are not
// dispatched at all).
//
// Invariants: reads the merged order, never reorders; throws only TraceError, carrying the
// byte offset of the offending event (and SinkFailure for an exception of the model's sink).
// Messages are Go's; those about tasks and regions quote whole events as Go prints them
// (goQuote). Who may touch: the v1 format owner.

import { TraceError } from '../event.ts';
import * as spec from './spec.ts';
import { pcStack, setStack, type V1Wire } from './wire.ts';
import { IdSlots } from './slots.ts';
import type { V1Order } from './order.ts';
import { quoteBytes } from '../v2/index.ts';
import * as W from '../v2/spec.ts';
import * as model from './model.ts';
import type { V1Model } from './model.ts';

// Local bindings: imported bindings compile to getters under some loaders (tsx, vitest),
// which would sit in the per-event loop.
const {
  EvGCDone,
  EvGCMarkAssistDone,
  EvGCMarkAssistStart,
  EvGCStart,
  EvGCSTWDone,
  EvGCSTWStart,
  EvGCSweepDone,
  EvGCSweepStart,
  EvGoBlock,
  EvGoBlockCond,
  EvGoBlockGC,
  EvGoBlockNet,
  EvGoBlockRecv,
  EvGoBlockSelect,
  EvGoBlockSend,
  EvGoBlockSync,
  EvGoCreate,
  EvGoEnd,
  EvGoInSyscall,
  EvGoPreempt,
  EvGoSched,
  EvGoSleep,
  EvGoStart,
  EvGoStartLabel,
  EvGoStop,
  EvGoSysBlock,
  EvGoSysCall,
  EvGoSysExit,
  EvGoUnblock,
  EvGoWaiting,
  EvProcStart,
  EvProcStop,
  EvUserRegion,
  EvUserTaskCreate,
  EvUserTaskEnd,
  EvCPUSample,
  EvFutileWakeup,
  EvGomaxprocs,
  EvHeapAlloc,
  EvHeapGoal,
  EvUserLog,
  GC_P,
  NETPOLL_P,
  SYSCALL_P,
  TIMER_P,
} = spec;
const {
  S_CHAN_RECV,
  S_CHAN_SEND,
  S_EMPTY,
  S_FOREVER,
  S_GOSCHED,
  S_MARK_ASSIST_WAIT,
  S_NETWORK,
  S_PREEMPTED,
  S_SELECT,
  S_SLEEP,
  S_STW,
  S_SYNC,
  S_SYNC_COND,
  U64_MAX,
  stwReasonOf,
} = model;
// The base events (Go1.22+ wire types) the model gets, and their statuses.
const {
  GoRunnable: B_GoRunnable,
  GoRunning: B_GoRunning,
  GoSyscall: B_GoSyscall,
  GoWaiting: B_GoWaiting,
  ProcIdle: B_ProcIdle,
  ProcRunning: B_ProcRunning,
  EvCPUSample: B_CPUSample,
  EvGCBegin: B_GCBegin,
  EvGCEnd: B_GCEnd,
  EvGCMarkAssistBegin: B_GCMarkAssistBegin,
  EvGCMarkAssistEnd: B_GCMarkAssistEnd,
  EvGCSweepBegin: B_GCSweepBegin,
  EvGCSweepEnd: B_GCSweepEnd,
  EvGoBlock: B_GoBlock,
  EvGoCreate: B_GoCreate,
  EvGoDestroy: B_GoDestroy,
  EvGoLabel: B_GoLabel,
  EvGoStart: B_GoStart,
  EvGoStatus: B_GoStatus,
  EvGoStop: B_GoStop,
  EvGoSyscallBegin: B_GoSyscallBegin,
  EvGoSyscallEnd: B_GoSyscallEnd,
  EvGoSyscallEndBlocked: B_GoSyscallEndBlocked,
  EvGoUnblock: B_GoUnblock,
  EvHeapAlloc: B_HeapAlloc,
  EvHeapGoal: B_HeapGoal,
  EvProcStart: B_ProcStart,
  EvProcStatus: B_ProcStatus,
  EvProcStop: B_ProcStop,
  EvProcsChange: B_ProcsChange,
  EvSTWBegin: B_STWBegin,
  EvSTWEnd: B_STWEnd,
  EvUserLog: B_UserLog,
  EvUserRegionBegin: B_UserRegionBegin,
  EvUserRegionEnd: B_UserRegionEnd,
  EvUserTaskBegin: B_UserTaskBegin,
} = W;

// Which check an event type gets, as small literals so that the per-event switch is a jump
// table (0: none).
const K_ProcStart = 1;
const K_ProcStop = 2;
const K_GCStart = 3;
const K_GCDone = 4;
const K_GCSTWStart = 5;
const K_GCSTWDone = 6;
const K_GCSweepStart = 7;
const K_GCSweepDone = 8;
const K_GCMarkAssistStart = 9;
const K_GCMarkAssistDone = 10;
const K_GoWaiting = 11;
const K_GoInSyscall = 12;
const K_GoCreate = 13;
const K_GoStart = 14;
const K_GoStartLabel = 15;
const K_GoEnd = 16;
const K_GoStop = 17;
const K_GoSched = 18;
const K_GoPreempt = 19;
const K_GoUnblock = 20;
const K_GoSysCall = 21;
const K_GoSysBlock = 22;
const K_GoSysExit = 23;
const K_GoSleep = 24;
const K_GoBlock = 25;
const K_GoBlockSend = 26;
const K_GoBlockRecv = 27;
const K_GoBlockSelect = 28;
const K_GoBlockSync = 29;
const K_GoBlockCond = 30;
const K_GoBlockNet = 31;
const K_GoBlockGC = 32;
const K_UserTaskCreate = 33;
const K_UserTaskEnd = 34;
const K_UserRegion = 35;
const CHECK = new Uint8Array(spec.EvCount);
CHECK[EvProcStart] = K_ProcStart;
CHECK[EvProcStop] = K_ProcStop;
CHECK[EvGCStart] = K_GCStart;
CHECK[EvGCDone] = K_GCDone;
CHECK[EvGCSTWStart] = K_GCSTWStart;
CHECK[EvGCSTWDone] = K_GCSTWDone;
CHECK[EvGCSweepStart] = K_GCSweepStart;
CHECK[EvGCSweepDone] = K_GCSweepDone;
CHECK[EvGCMarkAssistStart] = K_GCMarkAssistStart;
CHECK[EvGCMarkAssistDone] = K_GCMarkAssistDone;
CHECK[EvGoWaiting] = K_GoWaiting;
CHECK[EvGoInSyscall] = K_GoInSyscall;
CHECK[EvGoCreate] = K_GoCreate;
CHECK[EvGoStart] = K_GoStart;
CHECK[EvGoStartLabel] = K_GoStartLabel;
CHECK[EvGoEnd] = K_GoEnd;
CHECK[EvGoStop] = K_GoStop;
CHECK[EvGoSched] = K_GoSched;
CHECK[EvGoPreempt] = K_GoPreempt;
CHECK[EvGoUnblock] = K_GoUnblock;
CHECK[EvGoSysCall] = K_GoSysCall;
CHECK[EvGoSysBlock] = K_GoSysBlock;
CHECK[EvGoSysExit] = K_GoSysExit;
CHECK[EvGoSleep] = K_GoSleep;
CHECK[EvGoBlock] = K_GoBlock;
CHECK[EvGoBlockSend] = K_GoBlockSend;
CHECK[EvGoBlockRecv] = K_GoBlockRecv;
CHECK[EvGoBlockSelect] = K_GoBlockSelect;
CHECK[EvGoBlockSync] = K_GoBlockSync;
CHECK[EvGoBlockCond] = K_GoBlockCond;
CHECK[EvGoBlockNet] = K_GoBlockNet;
CHECK[EvGoBlockGC] = K_GoBlockGC;
CHECK[EvUserTaskCreate] = K_UserTaskCreate;
CHECK[EvUserTaskEnd] = K_UserTaskEnd;
CHECK[EvUserRegion] = K_UserRegion;
// Events that need no check, dispatched only when a model is asked for.
const K_Gomaxprocs = 36;
const K_HeapAlloc = 37;
const K_HeapGoal = 38;
const K_UserLog = 39;
const K_CPUSample = 40;
const K_FutileWakeup = 41;
const MODEL_CHECK = CHECK.slice();
MODEL_CHECK[EvGomaxprocs] = K_Gomaxprocs;
MODEL_CHECK[EvHeapAlloc] = K_HeapAlloc;
MODEL_CHECK[EvHeapGoal] = K_HeapGoal;
MODEL_CHECK[EvUserLog] = K_UserLog;
MODEL_CHECK[EvCPUSample] = K_CPUSample;
MODEL_CHECK[EvFutileWakeup] = K_FutileWakeup;
/** Why a goroutine blocks (the base GoBlock's reason), by v1 type. */
const BLOCK_REASON = new Uint8Array(spec.EvCount);
BLOCK_REASON[EvGoStop] = S_FOREVER;
BLOCK_REASON[EvGoSleep] = S_SLEEP;
BLOCK_REASON[EvGoBlock] = S_EMPTY;
BLOCK_REASON[EvGoBlockSend] = S_CHAN_SEND;
BLOCK_REASON[EvGoBlockRecv] = S_CHAN_RECV;
BLOCK_REASON[EvGoBlockSelect] = S_SELECT;
BLOCK_REASON[EvGoBlockSync] = S_SYNC;
BLOCK_REASON[EvGoBlockCond] = S_SYNC_COND;
BLOCK_REASON[EvGoBlockNet] = S_NETWORK;
BLOCK_REASON[EvGoBlockGC] = S_MARK_ASSIST_WAIT;

const DEAD = 0;
const RUNNABLE = 1;
const RUNNING = 2;
const WAITING = 3;

/** One open user region: its task and name (string id resolved at check time), and its event. */
interface OpenRegion {
  task: number;
  name: string;
  ev: number;
}

/** Per-goroutine state by slot of w.gSlots; grows when a goroutine first met as an argument. */
class GTable {
  cap = 0;
  state = new Uint8Array(0);
  /** Seen (an event of it, or an argument naming it, was checked), like Go's map entries. */
  seen = new Uint8Array(0);
  assist = new Uint8Array(0);
  hasCreateStack = new Uint8Array(0);
  createStack = new Float64Array(0);
  /** Model only: the G's last block was on the network (its unblock is the netpoller's). */
  net = new Uint8Array(0);
  constructor(n: number) {
    this.room(n);
  }
  room(n: number): void {
    if (n <= this.cap) return;
    const cap = Math.max(n + 16, this.cap * 2);
    this.state = widen(this.state, new Uint8Array(cap));
    this.seen = widen(this.seen, new Uint8Array(cap));
    this.assist = widen(this.assist, new Uint8Array(cap));
    this.hasCreateStack = widen(this.hasCreateStack, new Uint8Array(cap));
    this.createStack = widen(this.createStack, new Float64Array(cap));
    this.net = widen(this.net, new Uint8Array(cap));
    this.cap = cap;
  }
}

/** Per-P state by slot: running, the G on it (id, 0 = none), open sweep, open STW (pre-1.10). */
class PTable {
  cap = 0;
  running = new Uint8Array(0);
  g = new Float64Array(0);
  sweep = new Uint8Array(0);
  stw = new Uint8Array(0);
  constructor(n: number) {
    this.room(n);
  }
  room(n: number): void {
    if (n <= this.cap) return;
    const cap = Math.max(n + 16, this.cap * 2);
    this.running = widen(this.running, new Uint8Array(cap));
    this.g = widen(this.g, new Float64Array(cap));
    this.sweep = widen(this.sweep, new Uint8Array(cap));
    this.stw = widen(this.stw, new Uint8Array(cap));
    this.cap = cap;
  }
}

function widen<T extends { set(a: ArrayLike<number>): void }>(from: ArrayLike<number>, to: T): T {
  to.set(from);
  return to;
}

/**
 * Check the ordered stream; throws the first violation as a TraceError. With a model, also
 * hand each event to it as the base events it becomes (the events before a violation have
 * been handed out when it is thrown).
 */
export function checkV1State(w: V1Wire, o: V1Order, model: V1Model | null = null): void {
  const order = o.order;
  const ns = o.ns;
  const A = w.args;
  const type = w.type;
  const gs = w.gs;
  const group = w.group;
  const gSlots = w.gSlots;
  const argAt = w.argAt;

  // Goroutines by slot. G 0 (the scheduler) starts running.
  const G_ = new GTable(gSlots.n);
  G_.state[gOf(G_, gSlots, 0)] = RUNNING;
  let gState = G_.state;
  let gSeen = G_.seen;

  // Ps by slot; every batch group's P has one up front.
  const pSlots = new IdSlots();
  const groupPs = new Int32Array(w.groupP.length);
  for (let b = 0; b < groupPs.length; b++) groupPs[b] = pSlots.get(w.groupP[b]);
  const P_ = new PTable(pSlots.n);
  const pRunning = P_.running;
  const pG = P_.g;
  const pSweep = P_.sweep;
  const pSTW = P_.stw;

  const tasks = new Map<number, number>(); // task id -> its UserTaskCreate event
  const regions = new Map<number, OpenRegion[]>();
  const timers = w.timerGoids;
  let inGC = false;
  let inSTW = false;
  const globalSTW = w.version >= 1010;
  const startPCs = spec.v1Layout(w.version).frameFields === 1;
  const str = (id: number): string => w.strings.get(id) ?? '';
  const groupP = w.groupP;
  const M = model;
  const dispatch = M === null ? CHECK : MODEL_CHECK;
  M?.start();

  for (let j = 0; j < order.length; j++) {
    const i = order[j];
    const t = type[i];
    const g = gs[i];
    gSeen[g] = 1;
    const k = dispatch[t];
    if (k === 0) continue;
    const G = gSlots.ids[g];
    const p = groupPs[group[i]]; // CPU samples (the only events on a sampled P) are not checked
    const a = argAt[i];

    switch (k) {
      case K_ProcStart:
        if (pRunning[p]) throw fail(w, ns, i, `p ${w.groupP[group[i]]} is running before start ${at(w, ns, i)}`);
        pRunning[p] = 1;
        if (M !== null) {
          const P = groupP[group[i]];
          M.setProcM(P, A[a]);
          if (M.firstSeen(P)) M.on(i, P).put(B_ProcStatus, P, B_ProcRunning);
          else M.on(i, P).put(B_ProcStart, P);
        }
        break;
      case K_ProcStop:
        if (!pRunning[p]) throw fail(w, ns, i, `p ${w.groupP[group[i]]} is not running before stop ${at(w, ns, i)}`);
        if (pG[p] !== 0) throw fail(w, ns, i, `p ${w.groupP[group[i]]} is running a goroutine ${pG[p]} during stop ${at(w, ns, i)}`);
        pRunning[p] = 0;
        if (M !== null) {
          const P = groupP[group[i]];
          if (M.firstSeen(P)) M.on(i, P).put(B_ProcStatus, P, B_ProcIdle);
          else M.on(i, P).put(B_ProcStop);
          M.dropProcM(P);
        }
        break;
      case K_GCStart:
        if (inGC) throw fail(w, ns, i, `previous GC is not ended before a new one ${at(w, ns, i)}`);
        inGC = true;
        M?.on(i, GC_P).put(B_GCBegin, A[a], M.stack(i));
        break;
      case K_GCDone:
        if (!inGC) throw fail(w, ns, i, `bogus GC end ${at(w, ns, i)}`);
        inGC = false;
        M?.on(i, groupP[group[i]]).put(B_GCEnd);
        break;
      case K_GCSTWStart:
        if (globalSTW ? inSTW : pSTW[p]) throw fail(w, ns, i, `previous STW is not ended before a new one ${at(w, ns, i)}`);
        if (globalSTW) inSTW = true;
        else pSTW[p] = 1;
        if (M !== null) {
          M.stwReason = M.s(S_STW + stwReasonOf(w.version, A[a]));
          M.on(i, groupP[group[i]]).put(B_STWBegin, M.stwReason);
        }
        break;
      case K_GCSTWDone:
        if (!(globalSTW ? inSTW : pSTW[p])) throw fail(w, ns, i, `bogus STW end ${at(w, ns, i)}`);
        if (globalSTW) inSTW = false;
        else pSTW[p] = 0;
        M?.on(i, groupP[group[i]]).put(B_STWEnd, M.stwReason);
        break;
      case K_GCSweepStart:
        if (pSweep[p]) throw fail(w, ns, i, `previous sweeping is not ended before a new one ${at(w, ns, i)}`);
        pSweep[p] = 1;
        M?.on(i, groupP[group[i]]).put(B_GCSweepBegin, M.stack(i));
        break;
      case K_GCSweepDone:
        if (!pSweep[p]) throw fail(w, ns, i, `bogus sweeping end ${at(w, ns, i)}`);
        pSweep[p] = 0;
        M?.on(i, groupP[group[i]]).put(B_GCSweepEnd, A[a], A[a + 1]);
        break;
      case K_GCMarkAssistStart:
        if (G_.assist[g]) throw fail(w, ns, i, `previous mark assist is not ended before a new one ${at(w, ns, i)}`);
        G_.assist[g] = 1;
        M?.on(i, groupP[group[i]]).put(B_GCMarkAssistBegin, M.stack(i));
        break;
      case K_GCMarkAssistDone:
        // An assist may already be running when tracing starts: an unmatched end is fine.
        G_.assist[g] = 0;
        M?.on(i, groupP[group[i]]).put(B_GCMarkAssistEnd);
        break;
      case K_GoWaiting:
        if (gState[g] !== RUNNABLE) throw fail(w, ns, i, `g ${G} is not runnable before EvGoWaiting ${at(w, ns, i)}`);
        gState[g] = WAITING;
        if (M !== null) {
          G_.net[g] = 0;
          M.createdPreInit.delete(G);
          M.on(i, groupP[group[i]]).put(B_GoStatus, G, U64_MAX, B_GoWaiting);
        }
        break;
      case K_GoInSyscall:
        if (gState[g] !== RUNNABLE) throw fail(w, ns, i, `g ${G} is not runnable before EvGoInSyscall ${at(w, ns, i)}`);
        gState[g] = WAITING;
        if (M !== null) {
          // The thread of the syscall is not in the trace.
          G_.net[g] = 0;
          M.createdPreInit.delete(G);
          M.on(i, groupP[group[i]]).put(B_GoStatus, G, U64_MAX, B_GoSyscall);
        }
        break;
      case K_GoCreate: {
        if (gState[g] !== RUNNING || pG[p] !== G) throw notRunning(w, ns, i, gState[g], pG[p], true);
        const child = A[a];
        const known = gSlots.find(child);
        if (known >= 0 && known < G_.cap && gSeen[known] === 1) throw fail(w, ns, i, `g ${child} already exists ${at(w, ns, i)}`);
        const c = gOf(G_, gSlots, child);
        gState = G_.state;
        gSeen = G_.seen;
        gState[c] = RUNNABLE;
        G_.hasCreateStack[c] = 1;
        G_.createStack[c] = A[a + 1];
        if (M !== null) {
          // Before the first Gomaxprocs a creation only says the goroutine existed.
          if (M.preInit) M.createdPreInit.set(child, true);
          else M.on(i, groupP[group[i]]).put(B_GoCreate, child, A[a + 1], M.stack(i));
        }
        break;
      }
      case K_GoStart:
      case K_GoStartLabel:
        if (gState[g] !== RUNNABLE) throw fail(w, ns, i, `g ${G} is not runnable before start ${at(w, ns, i)}`);
        if (pG[p] !== 0) throw fail(w, ns, i, `p ${w.groupP[group[i]]} is already running g ${pG[p]} while start g ${G} ${at(w, ns, i)}`);
        gState[g] = RUNNING;
        pG[p] = G;
        if (G_.hasCreateStack[g] === 1) {
          setStack(w, i, startPCs ? pcStack(w, G_.createStack[g] + 1) : G_.createStack[g]);
          G_.hasCreateStack[g] = 0;
        }
        if (M !== null) {
          const P = groupP[group[i]];
          if (k === K_GoStartLabel) {
            M.onDirect(i, P).put(B_GoStart, G, A[a + 1]).put(B_GoLabel, A[a + 2]);
          } else if (M.preInit) {
            // Running when tracing started.
            M.createdPreInit.delete(G);
            M.on(i, P).put(B_GoStatus, G, U64_MAX, B_GoRunning);
          } else {
            M.on(i, P).put(B_GoStart, G, A[a + 1]);
          }
        }
        break;
      case K_GoEnd:
      case K_GoStop:
        if (gState[g] !== RUNNING || pG[p] !== G || G === 0) throw notRunning(w, ns, i, gState[g], pG[p], false);
        gState[g] = DEAD;
        pG[p] = 0;
        if (t === EvGoEnd && regions.size > 0) regions.delete(G);
        if (M !== null) {
          // GoStop: blocked forever (select{} with no cases and the like).
          if (t === EvGoEnd) M.on(i, groupP[group[i]]).put(B_GoDestroy);
          else M.on(i, groupP[group[i]]).put(B_GoBlock, M.s(S_FOREVER), M.stack(i));
        }
        break;
      case K_GoSched:
      case K_GoPreempt:
        if (gState[g] !== RUNNING || pG[p] !== G || G === 0) throw notRunning(w, ns, i, gState[g], pG[p], false);
        gState[g] = RUNNABLE;
        pG[p] = 0;
        M?.on(i, groupP[group[i]]).put(B_GoStop, M.s(t === EvGoSched ? S_GOSCHED : S_PREEMPTED), M.stack(i));
        break;
      case K_GoUnblock: {
        if (gState[g] !== RUNNING) throw fail(w, ns, i, `g ${G} is not running while unpark ${at(w, ns, i)}`);
        const fromTimer = timers.size > 0 && timers.has(G);
        if (!fromTimer && pG[p] !== G) throw fail(w, ns, i, `p ${w.groupP[group[i]]} is not running g ${G} while unpark ${at(w, ns, i)}`);
        const target = A[a];
        const c = gOf(G_, gSlots, target);
        gState = G_.state;
        gSeen = G_.seen;
        if (gState[c] !== WAITING) throw fail(w, ns, i, `g ${target} is not waiting before unpark ${at(w, ns, i)}`);
        gState[c] = RUNNABLE;
        if (M !== null) {
          // Go shows the netpoller's and timers' unblocks on Ps of their own.
          const P = G_.net[c] === 1 ? NETPOLL_P : fromTimer ? TIMER_P : groupP[group[i]];
          M.on(i, P).put(B_GoUnblock, target, A[a + 1], M.stack(i));
        }
        break;
      }
      case K_GoSysCall:
        if (gState[g] !== RUNNING || pG[p] !== G || G === 0) throw notRunning(w, ns, i, gState[g], pG[p], false);
        if (M !== null) {
          G_.net[g] = 0;
          const P = groupP[group[i]];
          // A syscall that blocks ends at its GoSysExit; one that does not lasts 1 ns.
          if (M.blocks(i)) M.on(i, P).put(B_GoSyscallBegin, 0, M.stack(i));
          else M.onDirect(i, P).put(B_GoSyscallBegin, 0, M.stack(i)).at(ns[i] + 1).put(B_GoSyscallEnd);
        }
        break;
      case K_GoSysBlock:
        if (gState[g] !== RUNNING || pG[p] !== G || G === 0) throw notRunning(w, ns, i, gState[g], pG[p], false);
        gState[g] = WAITING;
        pG[p] = 0;
        break;
      case K_GoSysExit:
        if (gState[g] !== WAITING) throw fail(w, ns, i, `g ${G} is not waiting during syscall exit ${at(w, ns, i)}`);
        gState[g] = RUNNABLE;
        M?.on(i, SYSCALL_P).put(B_GoSyscallEndBlocked);
        break;
      case K_GoSleep:
      case K_GoBlock:
      case K_GoBlockSend:
      case K_GoBlockRecv:
      case K_GoBlockSelect:
      case K_GoBlockSync:
      case K_GoBlockCond:
      case K_GoBlockNet:
      case K_GoBlockGC:
        if (gState[g] !== RUNNING || pG[p] !== G || G === 0) throw notRunning(w, ns, i, gState[g], pG[p], false);
        gState[g] = WAITING;
        pG[p] = 0;
        if (M !== null) {
          G_.net[g] = k === K_GoBlockNet ? 1 : 0;
          M.on(i, groupP[group[i]]).put(B_GoBlock, M.s(BLOCK_REASON[t]), M.stack(i));
        }
        break;
      case K_UserTaskCreate: {
        const id = A[a];
        const prev = tasks.get(id);
        if (prev !== undefined) throw fail(w, ns, i, `task id conflicts (id:${id}), ${goQuote(w, ns, i)} vs ${goQuote(w, ns, prev)}`);
        tasks.set(id, i);
        if (M !== null) {
          const parent = A[a + 1];
          M.on(i, groupP[group[i]]).put(B_UserTaskBegin, id, parent === 0 ? U64_MAX : parent, A[a + 2], M.stack(i));
        }
        break;
      }
      case K_UserTaskEnd:
        if (M !== null) {
          // The ended task's parent (0: none) and type, from its creation; Go's NoTask when unknown.
          const c = tasks.get(A[a]);
          const parent = c === undefined ? U64_MAX : A[argAt[c] + 1];
          const name = c === undefined ? '' : str(A[argAt[c] + 2]);
          M.on(i, groupP[group[i]]).putTaskEnd(A[a], M.stack(i), parent, name);
        }
        tasks.delete(A[a]);
        break;
      case K_UserRegion: {
        const mode = A[a + 1];
        if (mode === 0) {
          const open = regions.get(G);
          const r = { task: A[a], name: str(A[a + 2]), ev: i };
          if (open === undefined) regions.set(G, [r]);
          else open.push(r);
          M?.on(i, groupP[group[i]]).put(B_UserRegionBegin, A[a], A[a + 2], M.stack(i));
        } else if (mode === 1) {
          const open = regions.get(G);
          if (open !== undefined && open.length > 0) {
            const top = open[open.length - 1];
            const name = str(A[a + 2]);
            if (top.task !== A[a] || top.name !== name) {
              throw fail(
                w,
                ns,
                i,
                `misuse of region in goroutine ${G}: span end ${goQuote(w, ns, i)} when the inner-most active span start event is ${goQuote(w, ns, top.ev)}`,
              );
            }
            open.pop();
            if (open.length === 0) regions.delete(G);
          }
          M?.on(i, groupP[group[i]]).put(B_UserRegionEnd, A[a], A[a + 2], M.stack(i));
        } else {
          throw fail(w, ns, i, `invalid user region mode: ${goQuote(w, ns, i)}`);
        }
        break;
      }
      // Model only from here on (M is not null).
      case K_Gomaxprocs:
        if (M!.preInit) {
          // The end of what tracing found at its start: the goroutines created before, with no
          // status since, were runnable (or not started). This Gomaxprocs is not an event.
          M!.preInit = false;
          for (const c of M!.createdPreInit.keys()) M!.onNothing(i).put(B_GoStatus, c, U64_MAX, B_GoRunnable);
          M!.createdPreInit.clear();
        } else {
          M!.on(i, groupP[group[i]]).put(B_ProcsChange, A[a], M!.stack(i));
        }
        break;
      case K_HeapAlloc:
        M!.on(i, groupP[group[i]]).put(B_HeapAlloc, A[a]);
        break;
      case K_HeapGoal:
        M!.on(i, groupP[group[i]]).put(B_HeapGoal, A[a]);
        break;
      case K_UserLog:
        M!.on(i, groupP[group[i]]).put(B_UserLog, A[a], A[a + 1], M!.tables.inline(w.inline.get(i) ?? ''), M!.stack(i));
        break;
      case K_FutileWakeup:
        // Go 1.19 drops a futile wakeup with the wakeup it undoes; one left over (no block
        // follows) has no base event, and Go 1.23 refuses the trace there.
        throw fail(w, ns, i, `unexpected event type ${EvFutileWakeup}`);
      case K_CPUSample: {
        // [handler ticks (now 0), P (-1: none), G]; the sample's P as the wire's uint64.
        const P = A[a + 1];
        M!.onSample(i, P, A[a + 2]).put(B_CPUSample, M!.stack(i), U64_MAX, P < 0 ? U64_MAX : P, A[a + 2]);
        break;
      }
    }
  }
}

/** Slot of goroutine id, marked seen (room made for it). */
function gOf(G_: GTable, gSlots: IdSlots, id: number): number {
  const s = gSlots.get(id);
  if (s >= G_.cap) G_.room(s + 1);
  G_.seen[s] = 1;
  return s;
}

const utf8 = new TextEncoder();

/**
 * Event i as Go's parser prints it at this point (Event.String: time in ns, name, batch P, G,
 * offset, then every argument of the latest layout and the string arguments), quoted as %q.
 */
function goQuote(w: V1Wire, ns: Float64Array, i: number): string {
  const t = w.type[i];
  const row = spec.V1_EVENTS[t];
  const a = w.argAt[i];
  let s = `${ns[i]} ${w.names[t]} p=${w.groupP[w.group[i]]} g=${w.gSlots.ids[w.gs[i]]} off=${w.off[i]}`;
  const names = spec.argsFor(row, LATEST);
  for (let k = 0; k < names.length; k++) s += ` ${names[k]}=${w.args[a + k]}`;
  for (const [arg, name] of Object.entries(row.stringArgs)) {
    s += ` ${name}=${w.strings.get(w.args[a + names.indexOf(arg)]) ?? ''}`;
  }
  return quoteBytes(utf8.encode(s));
}

/** The layout whose argument lists Go's parser prints for every version. */
const LATEST = 1021;

/** Where event i is, for error messages. */
function at(w: V1Wire, ns: Float64Array, i: number): string {
  return `(offset ${w.off[i]}, time ${ns[i]})`;
}

function fail(w: V1Wire, _ns: Float64Array, i: number, msg: string): TraceError {
  return new TraceError(msg, w.off[i]);
}

/** The error for event i, which needs its G running on its P (and not G 0 unless allowed). */
function notRunning(w: V1Wire, ns: Float64Array, i: number, gState: number, pG: number, allowG0: boolean): TraceError {
  const G = w.gSlots.ids[w.gs[i]];
  const name = w.names[w.type[i]];
  if (gState !== RUNNING) return fail(w, ns, i, `g ${G} is not running while ${name} ${at(w, ns, i)}`);
  if (pG !== G) return fail(w, ns, i, `p ${w.groupP[w.group[i]]} is not running g ${G} while ${name} ${at(w, ns, i)}`);
  if (!allowG0 && G === 0) return fail(w, ns, i, `g 0 did ${name} ${at(w, ns, i)}`);
  return new TraceError('internal error: notRunning called for a running goroutine', w.off[i]);
}

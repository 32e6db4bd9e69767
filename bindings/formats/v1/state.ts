// State layer of the v1 reader: the per-goroutine and per-P checks Go 1.19's parser makes on
// the ordered stream (postProcessTrace), with its messages (state-errors.ts) — and, with a
// model, what each event becomes in the trace model. checkV1State's switch is THE place that
// says what a v1 event does: one case per handler (state-table.ts maps types to handlers).
//
// Model: a G is dead, runnable, running or waiting; G 0 starts running (the scheduler). A P is
// running or not and runs at most one G. Checked: ProcStart/ProcStop pairing and a P stopping
// with a G on it; GC, STW (global since 1.10, per P before), sweep (per P) and mark-assist
// (per G) begin/end pairs; GoCreate only of new Gs by a running G; GoStart only of runnable Gs
// on an idle P; blocking, yielding, ending and syscalls only by the G running on that P (not
// G 0); GoUnblock only of a waiting G, by the running G (timer goroutines excepted); syscall
// exit only of a waiting G; unique task ids; region ends matching the innermost open region.
// Like Go, the first start of a created G takes the creation's start stack (written into the
// wire `stk` column; go 1.5's start PC becomes a one-frame stack of pc+1).
// With a V1Model (model.ts), each handler also hands its event to the model's sink as the
// Go1.22+ base events Go 1.23's oldtrace makes of it, in this same pass (a blocked syscall: a
// GoSyscallBegin here, a GoSyscallEndBlocked at its exit; one that did not block a 1 ns pair;
// a P's first ProcStart or ProcStop a ProcStatus; goroutines that existed when tracing started
// a GoStatus each; GoSysBlock nothing; a futile wakeup left in the stream refused, as Go 1.23
// refuses it). From there trace/event.ts (TraceEventView) says what each base event does.
// Without a model the pass checks only (the model-only types are not dispatched at all).
// State: per G and per P in typed arrays (state-slots.ts); tasks and regions in Maps.
// Invariants: reads the merged order, never reorders; throws only TraceError at the offending
// event's byte offset (and SinkFailure for an exception of the model's sink). Tasks and
// regions stay inline: in a class of their own, the model pass measured ~15% slower (V8
// compiles this one long loop differently). Who may touch: the v1 format owner.

import * as spec from './spec.ts';
import * as columns from './columns.ts';
import type { V1Wire } from './columns.ts';
import { IdSlots } from './slots.ts';
import type { V1Order } from './order.ts';
import * as W from '../v2/spec.ts';
import * as tables from './tables.ts';
import type { V1Model } from './model.ts';
import * as table from './state-table.ts';
import * as slots from './state-slots.ts';
import { at, fail, goQuote, notRunning } from './state-errors.ts';

// Local bindings: imported bindings compile to getters under some loaders (tsx, vitest),
// which would sit in the per-event loop.
const { EvFutileWakeup, EvGoEnd, EvGoSched, GC_P, NETPOLL_P, SYSCALL_P, TIMER_P } = spec;
const { S_FOREVER, S_GOSCHED, S_PREEMPTED, S_STW, U64_MAX, stwReasonOf } = tables;
const { DEAD, RUNNABLE, RUNNING, WAITING, GTable, PTable, gOf } = slots;
const { pcStack, setStack } = columns;
const { CHECK, MODEL_CHECK, BLOCK_REASON } = table;
// Handlers (state-table.ts).
const { K_ProcStart, K_ProcStop, K_GCStart, K_GCDone, K_GCSTWStart, K_GCSTWDone, K_GCSweepStart, K_GCSweepDone, K_GCMarkAssistStart } = table;
const { K_GCMarkAssistDone, K_GoWaiting, K_GoInSyscall, K_GoCreate, K_GoStart, K_GoStartLabel, K_GoEnd, K_GoStop, K_GoSched } = table;
const { K_GoPreempt, K_GoUnblock, K_GoSysCall, K_GoSysBlock, K_GoSysExit, K_GoSleep, K_GoBlock, K_GoBlockSend, K_GoBlockRecv } = table;
const { K_GoBlockSelect, K_GoBlockSync, K_GoBlockCond, K_GoBlockNet, K_GoBlockGC, K_UserTaskCreate, K_UserTaskEnd, K_UserRegion } = table;
const { K_Gomaxprocs, K_HeapAlloc, K_HeapGoal, K_UserLog, K_CPUSample, K_FutileWakeup } = table;
// The base events (Go1.22+ wire types) the model gets, and their statuses.
const { GoRunnable: B_GoRunnable, GoRunning: B_GoRunning, GoSyscall: B_GoSyscall, GoWaiting: B_GoWaiting } = W;
const { ProcIdle: B_ProcIdle, ProcRunning: B_ProcRunning, EvProcStart: B_ProcStart, EvProcStatus: B_ProcStatus, EvProcStop: B_ProcStop } = W;
const { EvCPUSample: B_CPUSample, EvGCBegin: B_GCBegin, EvGCEnd: B_GCEnd, EvGCSweepBegin: B_GCSweepBegin, EvGCSweepEnd: B_GCSweepEnd } = W;
const { EvGCMarkAssistBegin: B_GCMarkAssistBegin, EvGCMarkAssistEnd: B_GCMarkAssistEnd, EvSTWBegin: B_STWBegin, EvSTWEnd: B_STWEnd } = W;
const { EvGoBlock: B_GoBlock, EvGoCreate: B_GoCreate, EvGoDestroy: B_GoDestroy, EvGoLabel: B_GoLabel, EvGoStart: B_GoStart } = W;
const { EvGoStatus: B_GoStatus, EvGoStop: B_GoStop, EvGoUnblock: B_GoUnblock, EvGoSyscallBegin: B_GoSyscallBegin } = W;
const { EvGoSyscallEnd: B_GoSyscallEnd, EvGoSyscallEndBlocked: B_GoSyscallEndBlocked, EvProcsChange: B_ProcsChange } = W;
const { EvHeapAlloc: B_HeapAlloc, EvHeapGoal: B_HeapGoal, EvUserLog: B_UserLog, EvUserTaskBegin: B_UserTaskBegin } = W;
const { EvUserRegionBegin: B_UserRegionBegin, EvUserRegionEnd: B_UserRegionEnd } = W;

/** One open user region: its task and name (string id resolved at check time), and its event. */
interface OpenRegion { task: number; name: string; ev: number }

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

// The validation layer of Go1.22+ traces: the rules Go's testtrace validator (what
// gotracevalidate runs on top of Go's reader) adds to the ordering.
//
// Layout: a V2Sink between the ordering and the consumer's sink. It sees the ordered events
// as Go's reader hands them out and keeps its own view of the trace, as Go's validator does:
//  - each goroutine and proc with its API state (Undetermined, NotExist, Runnable,
//    Running, Waiting, Syscall / Undetermined, NotExist, Running, Idle) and the thread it
//    is bound to while executing; per thread, the G and P it executes;
//  - named ranges per scope: "stop-the-world (KIND)" on the goroutine, "GC concurrent mark
//    phase" globally, "GC incremental sweep" on the P of the emitting thread (for
//    GCSweepActive too, whatever P it names), "GC mark assist" on the goroutine;
//  - whether a generation boundary (Go's Sync event) has passed.
// Each event is turned into what Go's API says it is (a state transition with before and
// after state, a range begin/active/end, a label, a task) and checked:
//  - a transition's before-state must be the state last seen (Undetermined only before the
//    first generation boundary); no transition to Undetermined (a status of 0);
//  - a goroutine or proc becoming executing needs a thread, and that thread must not be
//    executing another one; leaving executing unbinds it from the thread it was bound to;
//  - a goroutine must not die inside a range; a range must not begin while active on its
//    scope, nor end when it is not. Range names hold the STW kind's *string*, resolved in
//    the generation of each event: an STW that spans a generation boundary ends under the
//    kind the old string id has in the new table (or under no name at all: Go panics).
//  - labels are not empty; task ids are neither 0 nor 2^64-1;
//  - a status byte above 4 (only its low 8 bits pass the ordering) and a CPU sample's
//    unknown stack make Go's validator panic: refused here.
// Go's timestamp check cannot fire (the reader makes times strictly increasing), nor its
// task-type check (begin and end names come from the same active task), nor Go 1.22/1.23's
// stack frame check (it skips every frame): not repeated here.
// Invariants: state holds the goroutines alive (and, until the first generation boundary,
// the dead ones too, whose NotExist still matters then), every proc and thread seen; the
// first failing check of an event is the error, in Go's order and wording (Go panics get a
// message of ours). Owner: the Go1.22+ format (bindings/formats/v2/).

import { TraceError } from '../event.ts';
import type { Generation } from './generation.ts';
import { IdTable, SlotTable } from './idtable.ts';
import { quoteBytes } from './goquote.ts';
import { NOTE_ABANDONED, NOTE_NEW, type EventArgs, type Ordering } from './order.ts';
import { nullSink, type V2Sink } from './sinks.ts';
import {
  EvCPUSample,
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
  EvProcStart,
  EvProcStatus,
  EvProcSteal,
  EvProcStop,
  EvSTWBegin,
  EvSTWEnd,
  EvUserTaskBegin,
  NoThreadWire,
} from './spec.ts';

// Goroutine states as Go's API names them.
const G_UNDETERMINED = 0;
const G_NOT_EXIST = 1;
const G_RUNNABLE = 2;
const G_RUNNING = 3;
const G_WAITING = 4;
const G_SYSCALL = 5;
const G_NAMES = ['Undetermined', 'NotExist', 'Runnable', 'Running', 'Waiting', 'Syscall'];
/** Wire GoStatus → API state. */
const G_OF_STATUS = [G_UNDETERMINED, G_RUNNABLE, G_RUNNING, G_SYSCALL, G_WAITING];

// Proc states as Go's API names them.
const P_UNDETERMINED = 0;
const P_NOT_EXIST = 1;
const P_RUNNING = 2;
const P_IDLE = 3;
const P_NAMES = ['Undetermined', 'NotExist', 'Running', 'Idle'];
/** Wire ProcStatus → API state (a P in a syscall is running; an abandoned one idle). */
const P_OF_STATUS = [P_UNDETERMINED, P_RUNNING, P_IDLE, P_RUNNING, P_IDLE];

const GC_MARK = 'GC concurrent mark phase';
const GC_SWEEP = 'GC incremental sweep';
const GC_ASSIST = 'GC mark assist';

// Range scopes, as Go prints them: Goroutine(id), Proc(id), None.
const SCOPE_G = 0;
const SCOPE_P = 1;
const SCOPE_NONE = 2;
function scopeString(kind: number, id: number): string {
  return kind === SCOPE_G ? `Goroutine(${id})` : kind === SCOPE_P ? `Proc(${id})` : 'None';
}

/**
 * Goroutines or procs: a slot per id (SlotTable), and by slot the API state and the thread
 * it is bound to while executing (thread index + 1, 0 = none). Typed arrays: this runs on
 * every event.
 */
class Resources {
  readonly slots = new SlotTable();
  state = new Uint8Array(64);
  bound = new Int32Array(64);

  /** Slot of id, -1 when never seen (or forgotten). */
  get(id: number): number {
    const d = this.slots.dense;
    if (id >= 0 && id < d.length && (id | 0) === id) return d[id] - 1;
    return this.slots.get(id);
  }

  add(id: number, state: number): number {
    const s = this.slots.add(id);
    if (s >= this.state.length) {
      const st = new Uint8Array(this.state.length * 2);
      st.set(this.state);
      this.state = st;
      const b = new Int32Array(this.bound.length * 2);
      b.set(this.bound);
      this.bound = b;
    }
    this.state[s] = state;
    this.bound[s] = 0;
    return s;
  }
}

// What each event type is to Go's API, by wire type: a fixed transition of a goroutine or
// proc (on the one its first argument names, or on the current one), a special case, or
// nothing to check.
const TR_GO = 1;
const TR_PROC = 2;
const TR_SPECIAL = 3;
/** 0: nothing to check. */
const TR_KIND = new Uint8Array(256);
const TR_ON_ARG = new Uint8Array(256);
const TR_FROM = new Uint8Array(256);
const TR_TO = new Uint8Array(256);
for (const [type, kind, onArg, from, to] of [
  [EvGoStart, TR_GO, 1, G_RUNNABLE, G_RUNNING],
  [EvGoStop, TR_GO, 0, G_RUNNING, G_RUNNABLE],
  [EvGoBlock, TR_GO, 0, G_RUNNING, G_WAITING],
  // A switch first unblocks the goroutine it names; its block and start follow as events.
  [EvGoUnblock, TR_GO, 1, G_WAITING, G_RUNNABLE],
  [EvGoSwitch, TR_GO, 1, G_WAITING, G_RUNNABLE],
  [EvGoSwitchDestroy, TR_GO, 1, G_WAITING, G_RUNNABLE],
  [EvGoSyscallBegin, TR_GO, 0, G_RUNNING, G_SYSCALL],
  [EvGoSyscallEnd, TR_GO, 0, G_SYSCALL, G_RUNNING],
  [EvGoSyscallEndBlocked, TR_GO, 0, G_SYSCALL, G_RUNNABLE],
  [EvGoCreate, TR_GO, 1, G_NOT_EXIST, G_RUNNABLE],
  [EvGoCreateBlocked, TR_GO, 1, G_NOT_EXIST, G_WAITING],
  [EvGoCreateSyscall, TR_GO, 1, G_NOT_EXIST, G_SYSCALL],
  [EvGoDestroy, TR_GO, 0, G_RUNNING, G_NOT_EXIST],
  [EvGoDestroySyscall, TR_GO, 0, G_SYSCALL, G_NOT_EXIST],
  [EvProcStart, TR_PROC, 1, P_IDLE, P_RUNNING],
  [EvProcStop, TR_PROC, 0, P_RUNNING, P_IDLE],
]) {
  TR_KIND[type] = kind;
  TR_ON_ARG[type] = onArg;
  TR_FROM[type] = from;
  TR_TO[type] = to;
}
for (const type of [
  EvGoStatus,
  EvGoStatusStack,
  EvProcStatus,
  EvProcSteal,
  EvSTWBegin,
  EvSTWEnd,
  EvGCBegin,
  EvGCActive,
  EvGCEnd,
  EvGCSweepBegin,
  EvGCSweepActive,
  EvGCSweepEnd,
  EvGCMarkAssistBegin,
  EvGCMarkAssistActive,
  EvGCMarkAssistEnd,
  EvGoLabel,
  EvUserTaskBegin,
  EvCPUSample,
]) {
  TR_KIND[type] = TR_SPECIAL;
}

const encoder = new TextEncoder();
function quote(s: string): string {
  return quoteBytes(encoder.encode(s));
}

export class TraceChecker implements V2Sink {
  private readonly gs = new Resources();
  private readonly ps = new Resources();
  // Threads by index: their id and the G and P they execute (-1 = none).
  private readonly threads = new IdTable<number>();
  private readonly tM: number[] = [];
  private readonly tG: number[] = [];
  private readonly tP: number[] = [];
  /** Active range names by scope: per goroutine, per proc, global. */
  private readonly ranges = [new IdTable<string[]>(), new IdTable<string[]>(), new IdTable<string[]>()];
  private seenSync = false;
  private gens = 0;
  private gen!: Generation;
  // The event being checked, for error locations.
  private offset = -1;

  /** Events go on to a sink (pure validation drops them here). */
  private readonly pass: boolean;

  constructor(
    private readonly inner: V2Sink,
    private readonly order: Ordering,
  ) {
    this.pass = inner !== nullSink;
  }

  generation(g: Generation): void {
    // Go hands out a Sync event between generations.
    if (this.gens++ > 0) this.seenSync = true;
    this.gen = g;
    this.inner.generation(g);
  }

  event(type: number, time: number, g: number, p: number, m: number, args: EventArgs, offset: number): void {
    this.offset = offset;
    // The common events are plain transitions, described by the table: no dispatch.
    const kind = TR_KIND[type];
    if (kind === TR_GO) this.goTransition(TR_ON_ARG[type] === 1 ? args[0] : g, TR_FROM[type], TR_TO[type], m);
    else if (kind === TR_PROC) this.procTransition(TR_ON_ARG[type] === 1 ? args[0] : p, TR_FROM[type], TR_TO[type], m);
    else if (kind === TR_SPECIAL) this.special(type, g, p, m, args);
    if (this.pass) this.inner.event(type, time, g, p, m, args, offset);
  }

  /** Events whose check needs more than a fixed transition. */
  private special(type: number, g: number, p: number, m: number, args: EventArgs): void {
    switch (type) {
      case EvGoStatus:
      case EvGoStatusStack:
        this.goStatus(args, m);
        break;
      case EvProcStatus:
        this.procStatus(args, m);
        break;
      case EvProcSteal:
        this.procTransition(args[0], this.order.note === NOTE_ABANDONED ? P_IDLE : P_RUNNING, P_IDLE, m);
        break;
      case EvSTWBegin:
        this.rangeBegin(SCOPE_G, g, this.stwName(args[0]));
        break;
      case EvSTWEnd:
        this.rangeEnd(SCOPE_G, g, this.stwName(args[0]));
        break;
      case EvGCBegin:
        this.rangeBegin(SCOPE_NONE, 0, GC_MARK);
        break;
      case EvGCActive:
        this.rangeActive(SCOPE_NONE, 0, GC_MARK);
        break;
      case EvGCEnd:
        this.rangeEnd(SCOPE_NONE, 0, GC_MARK);
        break;
      case EvGCSweepBegin:
        this.rangeBegin(SCOPE_P, p, GC_SWEEP);
        break;
      case EvGCSweepActive:
        // Go scopes it to the emitting thread's P, not to the P it names.
        this.rangeActive(SCOPE_P, p, GC_SWEEP);
        break;
      case EvGCSweepEnd:
        this.rangeEnd(SCOPE_P, p, GC_SWEEP);
        break;
      case EvGCMarkAssistBegin:
        this.rangeBegin(SCOPE_G, g, GC_ASSIST);
        break;
      case EvGCMarkAssistActive:
        this.rangeActive(SCOPE_G, args[0], GC_ASSIST);
        break;
      case EvGCMarkAssistEnd:
        this.rangeEnd(SCOPE_G, g, GC_ASSIST);
        break;
      case EvGoLabel: {
        const label = this.gen.string(args[0]) ?? '';
        if (label === '') throw this.fail(`invalid label ${quote(label)}`);
        break;
      }
      case EvUserTaskBegin: {
        const id = args[0];
        if (id === 0 || id === NoThreadWire) {
          throw this.fail(`found invalid task ID for task of type ${this.gen.string(args[2]) ?? ''}`);
        }
        break;
      }
      case EvCPUSample: {
        const stk = args[0];
        if (stk !== 0 && !this.gen.hasStack(stk)) throw this.fail(`found invalid stack ID ${stk} for event CPUSample`, true);
        break;
      }
    }
  }

  /** The error at the current event (a CPU sample is in no M's batch). */
  private fail(msg: string, sample = false): TraceError {
    const offset = this.offset >= 0 ? this.offset : this.order.srcOffset;
    return new TraceError(msg, offset, this.gen.gen, sample ? -1 : this.order.batchIndex);
  }

  // ---- state transitions ----

  private goStatus(args: EventArgs, m: number): void {
    const status = args[2];
    // The ordering checked the low byte; Go's API indexes its table with the whole value.
    if (status >= G_OF_STATUS.length) throw this.fail(`invalid status for goroutine ${args[0]}: ${status}`);
    const to = G_OF_STATUS[status];
    // A goroutine new to the ordering was Undetermined; one it knew was already in this state.
    this.goTransition(args[0], this.order.note === NOTE_NEW ? G_UNDETERMINED : to, to, m);
  }

  private procStatus(args: EventArgs, m: number): void {
    const status = args[1];
    if (status >= P_OF_STATUS.length) throw this.fail(`invalid status for proc ${args[0]}: ${status}`);
    const to = P_OF_STATUS[status];
    let from = to;
    if (this.order.note === NOTE_NEW) {
      // New in the generation the ordering treats as the first: unknown before; later: created.
      from = this.gen.gen === this.order.initialGen ? P_UNDETERMINED : P_NOT_EXIST;
    }
    this.procTransition(args[0], from, to, m);
  }

  // The last thread looked up: consecutive events mostly come from one M.
  private lastM = -2;
  private lastT = -1;

  /** Index of thread m's context (created on first use), -1 for no thread. */
  private thread(m: number): number {
    if (m === -1) return -1;
    if (m === this.lastM) return this.lastT;
    let t = this.threads.get(m);
    if (t === undefined) {
      t = this.tM.length;
      this.threads.set(m, t);
      this.tM.push(m);
      this.tG.push(-1);
      this.tP.push(-1);
    }
    this.lastM = m;
    this.lastT = t;
    return t;
  }

  private goTransition(id: number, from: number, to: number, m: number): void {
    if (to === G_UNDETERMINED) throw this.fail(`transition to undetermined state for goroutine ${id}`);
    if (from === G_UNDETERMINED && this.seenSync) throw this.fail(`undetermined goroutine ${id} after first global sync`);
    if (to === G_NOT_EXIST && this.hasAnyRange(id)) throw this.fail(`goroutine ${id} died with active ranges`);
    const G = this.gs;
    let s = G.get(id);
    if (s >= 0) {
      if (from !== G.state[s]) throw this.fail(`bad old state for goroutine ${id}: got ${G_NAMES[from]}, want ${G_NAMES[G.state[s]]}`);
      G.state[s] = to;
    } else {
      if (from !== G_UNDETERMINED && from !== G_NOT_EXIST) {
        throw this.fail(`bad old state for unregistered goroutine ${id}: ${G_NAMES[from]}`);
      }
      s = G.add(id, to);
    }
    if (to === G_RUNNING || to === G_SYSCALL) {
      const t = this.thread(m);
      if (t < 0) throw this.fail('must have thread, but thread ID is none');
      const cur = this.tG[t];
      if (cur !== -1 && cur !== id) throw this.fail(`tried to run goroutine ${id} when one was already executing (${cur}) on thread ${m}`);
      this.tG[t] = id;
      G.bound[s] = t + 1;
    } else if (from === G_RUNNING || from === G_SYSCALL) {
      const t = G.bound[s] - 1;
      if (t < 0) throw this.fail(`stopping goroutine ${id} not bound to any active context`);
      if (this.tG[t] !== id) {
        throw this.fail(`tried to stop goroutine ${id} when it wasn't currently executing (currently executing ${this.tG[t]}) on thread ${m}`);
      }
      this.tG[t] = -1;
      G.bound[s] = 0;
    }
    if (to === G_NOT_EXIST && this.seenSync) {
      // Past the first boundary a dead goroutine's record decides nothing (an Undetermined
      // before-state is refused anyway; a new one starts from NotExist either way): drop it, so
      // streaming validation holds the live goroutines only.
      G.slots.delete(id);
      this.ranges[SCOPE_G].delete(id);
    }
  }

  private procTransition(id: number, from: number, to: number, m: number): void {
    if (to === P_UNDETERMINED) throw this.fail(`transition to undetermined state for proc ${id}`);
    if (from === P_UNDETERMINED && this.seenSync) throw this.fail(`undetermined proc ${id} after first global sync`);
    const P = this.ps;
    let s = P.get(id);
    if (s >= 0) {
      if (from !== P.state[s]) throw this.fail(`bad old state for proc ${id}: got ${P_NAMES[from]}, want ${P_NAMES[P.state[s]]}`);
      P.state[s] = to;
    } else {
      if (from !== P_UNDETERMINED && from !== P_NOT_EXIST) {
        throw this.fail(`bad old state for unregistered proc ${id}: ${P_NAMES[from]}`);
      }
      s = P.add(id, to);
    }
    if (to === P_RUNNING) {
      const t = this.thread(m);
      if (t < 0) throw this.fail('must have thread, but thread ID is none');
      const cur = this.tP[t];
      if (cur !== -1 && cur !== id) throw this.fail(`tried to run proc ${id} when one was already executing (${cur}) on thread ${m}`);
      this.tP[t] = id;
      P.bound[s] = t + 1;
    } else if (from === P_RUNNING) {
      const t = P.bound[s] - 1;
      if (t < 0) throw this.fail(`stopping proc ${id} not bound to any active context`);
      if (this.tP[t] !== id) {
        throw this.fail(`tried to stop proc ${id} when it wasn't currently executing (currently executing ${this.tP[t]}) on thread ${this.tM[t]}`);
      }
      this.tP[t] = -1;
      P.bound[s] = 0;
    }
  }

  // ---- ranges ----

  /** Name of an STW range: its kind string in the event's generation (Go panics without one). */
  private stwName(kind: number): string {
    const s = this.gen.string(kind);
    if (s === undefined) throw this.fail(`no string ${kind} in generation ${this.gen.gen} for the stop-the-world kind`);
    return `stop-the-world (${s})`;
  }

  /** A goroutine has an active range. */
  private hasAnyRange(g: number): boolean {
    const l = this.ranges[SCOPE_G].get(g);
    return l !== undefined && l.length > 0;
  }

  private rangeList(kind: number, id: number): string[] {
    const t = this.ranges[kind];
    let l = t.get(id);
    if (l === undefined) t.set(id, (l = []));
    return l;
  }

  private rangeBegin(kind: number, id: number, name: string): void {
    const l = this.rangeList(kind, id);
    if (l.includes(name)) throw this.fail(`already active range ${quote(name)} on ${scopeString(kind, id)} begun again`);
    l.push(name);
  }

  private rangeActive(kind: number, id: number, name: string): void {
    const l = this.rangeList(kind, id);
    if (!l.includes(name)) l.push(name);
  }

  private rangeEnd(kind: number, id: number, name: string): void {
    const l = this.ranges[kind].get(id);
    const i = l === undefined ? -1 : l.indexOf(name);
    if (i < 0) throw this.fail(`inactive range ${quote(name)} on ${scopeString(kind, id)} ended`);
    l!.splice(i, 1);
  }
}

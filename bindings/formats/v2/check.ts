// The validation layer of Go1.22+ traces: the rules Go's testtrace validator (what
// gotracevalidate runs on top of Go's reader) adds to the ordering.
//
// Layout: a TraceModelSink. It reads each event as Go's API hands it out — its kind, the state
// transition it makes (trace/event.ts computes it: resource, before and after state), the range
// it opens or closes (name and scope), its label, its task, its sample's stack — and keeps its
// own view of the trace, as Go's validator does:
//  - each goroutine and proc with its API state and the thread it is bound to while executing;
//    per thread, the G and P it executes;
//  - named ranges per scope (by the model's resource kind: None, Goroutine, Proc): the range's
//    name as the model gives it, e.g. "stop-the-world (KIND)" with the kind's *string*
//    resolved in the generation of each event;
//  - whether Go's Sync event (between generations) has passed.
// Each event is checked:
//  - a transition's before-state must be the state last seen (Undetermined only before the
//    first Sync); no transition to Undetermined (a status of 0);
//  - a goroutine or proc becoming executing needs a thread, and that thread must not be
//    executing another one; leaving executing unbinds it from the thread it was bound to;
//  - a goroutine must not die inside a range; a range must not begin while active on its
//    scope, nor end when it is not. An STW that spans a generation boundary ends under the kind
//    the old string id has in the new table (or under no name at all: Go panics);
//  - labels are not empty; task ids are neither 0 nor 2^64-1;
//  - a status byte above 4 (only its low 8 bits pass the ordering) and a CPU sample's unknown
//    stack make Go's validator panic: refused here.
// Pure validation hands fixed transitions to `fixed` (no view: model.ts), the same checks as
// event() makes for them.
// Go's timestamp check cannot fire (the reader makes times strictly increasing), nor its
// task-type check (begin and end names come from the same active task), nor Go 1.22/1.23's
// stack frame check (it skips every frame): not repeated here.
// Invariants: state holds the goroutines alive (and, until the first Sync, the dead ones too,
// whose NotExist still matters then), every proc and thread seen; the first failing check of
// an event is the error, in Go's order and wording (Go panics get a message of ours), located
// at the event (its byte offset, or the ordering's current one for events the reader made).
// Who may touch: the Go1.22+ format owner (bindings/formats/v2/).

import { TraceError } from '../event.ts';
import type { TraceEventView, TraceModelSink, TraceTables } from '../trace/event.ts';
import * as M from '../trace/model.ts';
import { IdTable, SlotTable } from './idtable.ts';
import { quoteBytes } from './goquote.ts';
import { EvGoStatus, EvGoStatusStack, EvProcStatus, EvSTWBegin, EvSTWEnd, NoThreadWire } from './spec.ts';

// The model's vocabulary as constants of this module (the hot path compares against them).
const {
  GO_STATE_NAMES,
  GoNotExist,
  GoRunning,
  GoSyscall,
  GoUndetermined,
  KindLabel,
  KindMetric,
  KindRangeActive,
  KindRangeBegin,
  KindRangeEnd,
  KindStackSample,
  KindStateTransition,
  KindSync,
  KindTaskBegin,
  PROC_STATE_NAMES,
  ProcRunning,
  ProcUndetermined,
  ResourceGoroutine,
  ResourceNone,
  ResourceProc,
} = M;

/** Where the event being read came from in the input (the ordering knows). */
export interface EventLocation {
  /** Byte offset of the event being advanced (for events the reader made itself). */
  readonly srcOffset: number;
  /** Batch index of the event being advanced. */
  readonly batchIndex: number;
}

/** Index in args of a status event's status (GoStatus: 2, ProcStatus: 1), 0 for other events. */
const STATUS_ARG = new Uint8Array(256);
STATUS_ARG[EvGoStatus] = 2;
STATUS_ARG[EvGoStatusStack] = 2;
STATUS_ARG[EvProcStatus] = 1;

function scopeString(kind: number, id: number): string {
  return kind === ResourceGoroutine ? `Goroutine(${id})` : kind === ResourceProc ? `Proc(${id})` : 'None';
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

const encoder = new TextEncoder();
function quote(s: string): string {
  return quoteBytes(encoder.encode(s));
}

export class TraceChecker implements TraceModelSink {
  private readonly gs = new Resources();
  private readonly ps = new Resources();
  // Threads by index: their id and the G and P they execute (-1 = none).
  private readonly threads = new IdTable<number>();
  private readonly tM: number[] = [];
  private readonly tG: number[] = [];
  private readonly tP: number[] = [];
  /** Active range names by scope kind (ResourceNone, ResourceGoroutine, ResourceProc), by id. */
  private readonly ranges = [new IdTable<string[]>(), new IdTable<string[]>(), new IdTable<string[]>()];
  private seenSync = false;
  private tables!: TraceTables;
  /** Byte offset of the event being checked (-1: made by the reader), for error locations. */
  private at = -1;

  constructor(private readonly where: EventLocation) {}

  generation(t: TraceTables): void {
    this.tables = t;
  }

  event(v: TraceEventView): void {
    this.at = v.offset;
    const kind = v.kind();
    // Most events are state transitions: handled here, the rest in other().
    if (kind === KindStateTransition) {
      // The ordering checked a status's low byte; Go's API indexes its table with the whole value.
      const si = STATUS_ARG[v.type];
      if (si !== 0 && v.args[si] >= 5) throw this.badStatus(v, si);
      const t = v.transition();
      if (t.resource === ResourceGoroutine) this.goTransition(t.id, t.from, t.to, v.m);
      else this.procTransition(t.id, t.from, t.to, v.m);
    } else if (kind !== KindMetric) {
      this.other(v, kind);
    }
  }

  /**
   * A fixed transition (trace/event.ts FIXED_TRANSITIONS: GoStart, GoBlock, ProcStop...) handed
   * straight from the ordering without the view, when this layer is the only model sink: what
   * event() does for it (its kind is a state transition, with no status byte to check).
   * `packed` is its FIXED_TRANSITIONS entry, `id` the goroutine or proc it names.
   */
  fixed(packed: number, id: number, m: number, offset: number): void {
    this.at = offset;
    if ((packed & 15) === ResourceGoroutine) this.goTransition(id, (packed >> 8) & 15, packed >> 12, m);
    else this.procTransition(id, (packed >> 8) & 15, packed >> 12, m);
  }

  private other(v: TraceEventView, kind: number): void {
    switch (kind) {
      case KindRangeBegin:
      case KindRangeActive:
      case KindRangeEnd:
        this.range(v);
        break;
      case KindLabel: {
        const label = v.label();
        if (label === '') throw this.fail(`invalid label ${quote(label)}`);
        break;
      }
      case KindTaskBegin: {
        const t = v.task();
        if (t.id === 0 || t.id === NoThreadWire) throw this.fail(`found invalid task ID for task of type ${t.type}`);
        break;
      }
      case KindStackSample: {
        const stk = v.stack();
        if (stk !== 0 && v.tables.frames(stk) === undefined) throw this.fail(`found invalid stack ID ${stk} for event CPUSample`, true);
        break;
      }
      case KindSync:
        this.seenSync = true;
        break;
    }
  }

  /** The error at the current event (a CPU sample is in no M's batch). */
  private fail(msg: string, sample = false): TraceError {
    const offset = this.at >= 0 ? this.at : this.where.srcOffset;
    return new TraceError(msg, offset, this.tables.gen, sample ? -1 : this.where.batchIndex);
  }

  // ---- state transitions ----

  /** A status event's status out of Go's table (Go panics there). */
  private badStatus(v: TraceEventView, si: number): TraceError {
    return this.fail(`invalid status for ${si === 2 ? 'goroutine' : 'proc'} ${v.args[0]}: ${v.args[si]}`);
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

  // goTransition and procTransition keep their error messages in the cold methods below, so
  // that they stay small enough for V8 to inline them into the per-event path.

  private goTransition(id: number, from: number, to: number, m: number): void {
    if (to === GoUndetermined || (from === GoUndetermined && this.seenSync) || (to === GoNotExist && this.hasAnyRange(id))) {
      throw this.goEntryFail(id, from, to);
    }
    const G = this.gs;
    let s = G.get(id);
    if (s >= 0) {
      if (from !== G.state[s]) throw this.badOld('goroutine', GO_STATE_NAMES, id, from, G.state[s]);
      G.state[s] = to;
    } else {
      s = this.firstSeen(G, GO_STATE_NAMES, 'goroutine', id, from, to);
    }
    if (to === GoRunning || to === GoSyscall) {
      const t = this.thread(m);
      const cur = t < 0 ? -1 : this.tG[t];
      if (t < 0 || (cur !== -1 && cur !== id)) throw this.runFail('goroutine', id, t, cur, m);
      this.tG[t] = id;
      G.bound[s] = t + 1;
    } else if (from === GoRunning || from === GoSyscall) {
      const t = G.bound[s] - 1;
      if (t < 0 || this.tG[t] !== id) throw this.stopFail('goroutine', id, t, this.tG, m);
      this.tG[t] = -1;
      G.bound[s] = 0;
    }
    if (to === GoNotExist && this.seenSync) this.forgetGo(id);
  }

  /**
   * Past the first boundary a dead goroutine's record decides nothing (an Undetermined
   * before-state is refused anyway; a new one starts from NotExist either way): drop it, so
   * streaming validation holds the live goroutines only.
   */
  private forgetGo(id: number): void {
    this.gs.slots.delete(id);
    this.ranges[ResourceGoroutine].delete(id);
  }

  private procTransition(id: number, from: number, to: number, m: number): void {
    if (to === ProcUndetermined) throw this.fail(`transition to undetermined state for proc ${id}`);
    if (from === ProcUndetermined && this.seenSync) throw this.fail(`undetermined proc ${id} after first global sync`);
    const P = this.ps;
    let s = P.get(id);
    if (s >= 0) {
      if (from !== P.state[s]) throw this.badOld('proc', PROC_STATE_NAMES, id, from, P.state[s]);
      P.state[s] = to;
    } else {
      s = this.firstSeen(P, PROC_STATE_NAMES, 'proc', id, from, to);
    }
    if (to === ProcRunning) {
      const t = this.thread(m);
      const cur = t < 0 ? -1 : this.tP[t];
      if (t < 0 || (cur !== -1 && cur !== id)) throw this.runFail('proc', id, t, cur, m);
      this.tP[t] = id;
      P.bound[s] = t + 1;
    } else if (from === ProcRunning) {
      const t = P.bound[s] - 1;
      if (t < 0 || this.tP[t] !== id) throw this.stopFail('proc', id, t, this.tP, t < 0 ? -1 : this.tM[t]);
      this.tP[t] = -1;
      P.bound[s] = 0;
    }
  }

  /** The first of goTransition's entry checks that fails. */
  private goEntryFail(id: number, from: number, to: number): TraceError {
    if (to === GoUndetermined) return this.fail(`transition to undetermined state for goroutine ${id}`);
    if (from === GoUndetermined && this.seenSync) return this.fail(`undetermined goroutine ${id} after first global sync`);
    return this.fail(`goroutine ${id} died with active ranges`);
  }

  /** The slot of a goroutine or proc seen first, whose before-state must be Undetermined or NotExist. */
  private firstSeen(r: Resources, names: readonly string[], what: string, id: number, from: number, to: number): number {
    // (GoUndetermined = ProcUndetermined, GoNotExist = ProcNotExist in the model.)
    if (from !== GoUndetermined && from !== GoNotExist) throw this.badOld(what, names, id, from, -1);
    return r.add(id, to);
  }

  /** A before-state other than the one last seen (`want` -1: the resource was never seen). */
  private badOld(what: string, names: readonly string[], id: number, from: number, want: number): TraceError {
    if (want < 0) return this.fail(`bad old state for unregistered ${what} ${id}: ${names[from]}`);
    return this.fail(`bad old state for ${what} ${id}: got ${names[from]}, want ${names[want]}`);
  }

  /** Executing without a thread (t < 0), or on a thread executing another one (cur). */
  private runFail(what: string, id: number, t: number, cur: number, m: number): TraceError {
    if (t < 0) return this.fail('must have thread, but thread ID is none');
    return this.fail(`tried to run ${what} ${id} when one was already executing (${cur}) on thread ${m}`);
  }

  /** Leaving executing while bound to no thread (t < 0), or to one executing another (on[t], thread m). */
  private stopFail(what: string, id: number, t: number, on: number[], m: number): TraceError {
    if (t < 0) return this.fail(`stopping ${what} ${id} not bound to any active context`);
    return this.fail(`tried to stop ${what} ${id} when it wasn't currently executing (currently executing ${on[t]}) on thread ${m}`);
  }

  // ---- ranges ----

  private range(v: TraceEventView): void {
    const type = v.type;
    if (type === EvSTWBegin || type === EvSTWEnd) {
      // The range is named by the kind's string in the event's generation (Go panics without one).
      const kind = v.args[0];
      if (v.tables.string(kind) === undefined) {
        throw this.fail(`no string ${kind} in generation ${v.tables.gen} for the stop-the-world kind`);
      }
    }
    const r = v.range();
    const kind = v.kind();
    const scope = r.scope;
    const id = scope === ResourceNone ? 0 : r.scopeId;
    const t = this.ranges[scope];
    let l = t.get(id);
    if (kind === KindRangeEnd) {
      const i = l === undefined ? -1 : l.indexOf(r.name);
      if (i < 0) throw this.fail(`inactive range ${quote(r.name)} on ${scopeString(scope, id)} ended`);
      l!.splice(i, 1);
      return;
    }
    if (l === undefined) t.set(id, (l = []));
    if (kind === KindRangeBegin) {
      if (l.includes(r.name)) throw this.fail(`already active range ${quote(r.name)} on ${scopeString(scope, id)} begun again`);
      l.push(r.name);
    } else if (!l.includes(r.name)) {
      l.push(r.name);
    }
  }

  /** A goroutine has an active range. */
  private hasAnyRange(g: number): boolean {
    const l = this.ranges[ResourceGoroutine].get(g);
    return l !== undefined && l.length > 0;
  }
}

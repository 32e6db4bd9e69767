// The state the ordering of Go1.22+ traces keeps per goroutine, proc and thread.
//
// Owns: StateTable (goroutines or procs: wire status, sequence number and the generation it
// counts in, active special ranges, active user regions, by a reusable slot per live id) and
// MState (per thread: the goroutine and proc it executes), plus the small vocabulary the
// handlers share (context requirements, GC states).
// Invariants:
//  - a slot belongs to one live id; a deleted id's slot is reused, so the typed arrays are
//    bounded by the ids alive at once, not by the largest id;
//  - `status` holds the wire status (spec.ts GoRunnable.. / ProcRunning..ProcSyscallAbandoned),
//    not the model's state: the ordering reasons in the runtime's terms, the model adapter
//    translates;
//  - a sequence number only counts within the generation `seqGen` it was set in; a status
//    event resets it to 0 in its generation;
//  - range keys are startEv + desc*256 (desc: the STW kind's string id, else 0).
// Who may touch: the Go1.22+ format owner (bindings/formats/v2/).

import { IdTable, SlotTable } from './idtable.ts';
import {
  GoRunnable as ModelGoRunnable,
  GoRunning as ModelGoRunning,
  GoSyscall as ModelGoSyscall,
  GoUndetermined as ModelGoUndetermined,
  GoWaiting as ModelGoWaiting,
  ProcIdle as ModelProcIdle,
  ProcRunning as ModelProcRunning,
  ProcUndetermined as ModelProcUndetermined,
} from '../trace/model.ts';

/** Context requirements of an event (Go's event.SchedReqs): thread, proc, goroutine. */
export const MUST_NOT = 0;
export const MAY = 1;
export const MUST = 2;

/** The global GC state (its own sequence numbers order GCBegin/GCEnd across threads). */
export const GC_UNDETERMINED = 0;
export const GC_NOT_RUNNING = 1;
export const GC_RUNNING = 2;

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
export class StateTable {
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

/** A thread: the goroutine and proc it executes (-1: none). Never dropped once seen. */
export class MState {
  constructor(
    public g: number,
    public p: number,
  ) {}
}

/** A region key "task\0name" as Go prints a userRegion: {task name}. */
export function regionString(key: string): string {
  const i = key.indexOf('\0');
  return `{${key.slice(0, i)} ${key.slice(i + 1)}}`;
}

// ---- wire status → the model's state (formats/trace/model.ts), as Go's API maps them ----

/** Model GoState of a wire goroutine status (index: GoBad, GoRunnable, GoRunning, GoSyscall, GoWaiting). */
export const GO_STATE_OF_STATUS: readonly number[] = [ModelGoUndetermined, ModelGoRunnable, ModelGoRunning, ModelGoSyscall, ModelGoWaiting];
/** Model ProcState of a wire proc status: a P in a syscall is running, an abandoned one idle. */
export const PROC_STATE_OF_STATUS: readonly number[] = [ModelProcUndetermined, ModelProcRunning, ModelProcIdle, ModelProcRunning, ModelProcIdle];

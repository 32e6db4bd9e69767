// The generational tracer's critical sections: traceAcquire/traceRelease on each M's seqlock
// (m.trace.seqlock in runtime/trace2runtime.go), kept in the WASM core's seqlock words so
// that traceAdvance's snapshot and wait run on the real lock-free machinery.
//
// Owns: the seqlock words (one slot per live thread, plus one for each pseudo thread of the
// tracer: sysmon, and the trace reader/advancer), which thread holds which slot, and the
// modelled release instant of every section still held.
// Invariants:
// - every event on a thread is written inside that thread's section (acquire); a section
//   stays held for CS_MIN_NS..CS_MAX_NS after it began, so a SIGPROF can land inside it; a
//   new section on the same thread ends the old one first;
// - releases are applied lazily, at their modelled instant, by the only observers of the
//   seqlocks: an advance (release) and a SIGPROF (heldAt);
// - a slot belongs to one live thread; an M that exits gives it back (threadExit), so
//   locked Ms that come and go do not run out of the SEQLOCK_SLOTS Go allows alive at once.
// Who may touch what: the status shadow (status.ts) acquires for every event; the SIGPROF
// handler (cpu.ts) enters a section only when its M is outside one; the generations (gen.ts)
// snapshot and wait.

import type { Core } from '../../core/wasm.ts';
import { Seqlocks } from '../../core/seqlock.ts';

/** Seqlocks for every thread Go allows alive at once (debug.SetMaxThreads' 10000) and the pseudo threads. */
const SEQLOCK_SLOTS = 16384;
const SYSMON_SLOT = SEQLOCK_SLOTS - 1;
const READER_SLOT = SEQLOCK_SLOTS - 2;
/** Wire ids of the tracer's pseudo threads (real Ms use their sim id). */
export const SYSMON_M = 100_000;
export const READER_M = 100_001;
const CS_MIN_NS = 200;
const CS_MAX_NS = 500;

export class Sections {
  readonly seq: Seqlocks;
  /** Release time of each slot's open section. */
  private readonly relAt = new Float64Array(SEQLOCK_SLOTS);
  /** The slots with an open section: a flag per slot, and the list of them (heldPos: where
   *  each is in it), so the per-event check is an array load and a release a swap. */
  private readonly heldFlag = new Uint8Array(SEQLOCK_SLOTS);
  private readonly heldPos = new Int32Array(SEQLOCK_SLOTS);
  private readonly heldList: number[] = [];
  /** Slot + 1 of each real M by its id (0: none yet). */
  private slotOf = new Int32Array(64);
  private readonly freeSlots: number[] = [];
  private nextSlot = 0;
  private csCounter = 0;

  constructor(core: Core) {
    this.seq = Seqlocks.create(core, SEQLOCK_SLOTS);
  }

  /** The seqlock slot of thread mid: the pseudo threads have fixed ones, real Ms take a free
   *  slot at their first section and give it back when they exit (locked Ms come and go). */
  slot(mid: number): number {
    if (mid === SYSMON_M) return SYSMON_SLOT;
    if (mid === READER_M) return READER_SLOT;
    if (mid >= this.slotOf.length) {
      const a = new Int32Array(Math.max(mid + 1, 2 * this.slotOf.length));
      a.set(this.slotOf);
      this.slotOf = a;
    }
    const have = this.slotOf[mid];
    if (have !== 0) return have - 1;
    const s = this.freeSlots.pop() ?? this.nextSlot++;
    if (s >= READER_SLOT) throw new RangeError(`tracev2: more than ${READER_SLOT} threads alive at once`);
    this.slotOf[mid] = s + 1;
    return s;
  }

  /** traceAcquire on thread mid; the section is released a short modelled time later. */
  acquire(mid: number, now: number): void {
    const s = this.slot(mid);
    if (this.heldFlag[s] !== 0) this.seq.end(s);
    else {
      this.heldFlag[s] = 1;
      this.heldPos[s] = this.heldList.length;
      this.heldList.push(s);
    }
    this.seq.begin(s);
    // A deterministic spread of section lengths, independent of the simulation's Rand.
    this.csCounter = (this.csCounter * 1103515245 + 12345) >>> 0;
    this.relAt[s] = now + CS_MIN_NS + ((this.csCounter >>> 8) % (CS_MAX_NS - CS_MIN_NS + 1));
  }

  /** Slot s's section ends now. */
  private drop(s: number): void {
    this.seq.end(s);
    this.heldFlag[s] = 0;
    const list = this.heldList;
    const i = this.heldPos[s];
    const last = list.pop()!;
    if (last !== s) {
      list[i] = last;
      this.heldPos[last] = i;
    }
  }

  /** traceRelease of every section whose modelled end has passed (done lazily: the sections
   *  are only observed by an advance and by a SIGPROF, which call this first). */
  release(now: number): void {
    const list = this.heldList;
    for (let i = list.length - 1; i >= 0; i--) {
      const s = list[i];
      if (this.relAt[s] <= now) this.drop(s);
    }
  }

  /** Release slot s's section if its end has passed; whether it is still held. */
  heldAt(s: number, now: number): boolean {
    if (this.heldFlag[s] === 0) return false;
    if (this.relAt[s] <= now) {
      this.drop(s);
      return false;
    }
    return true;
  }

  /** When slot s's section ends (the advance retries just after). */
  releaseAt(s: number): number {
    return this.relAt[s];
  }

  /** An M exits (a locked goroutine took it along): its last section ends, its slot is free. */
  threadExit(mid: number): void {
    if (mid >= this.slotOf.length || this.slotOf[mid] === 0) return;
    const s = this.slotOf[mid] - 1;
    if (this.heldFlag[s] !== 0) this.drop(s);
    this.slotOf[mid] = 0;
    this.freeSlots.push(s);
  }
}

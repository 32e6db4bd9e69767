// Seqlocks: one seqlock word per M (m.trace.seqlock), plus the snapshot traceAdvance takes.
//
//   addr            u32 × nM   the words (assembly/seqlock.ts: odd = inside the tracer)
//   snap            u32 × nM   the advancer's snapshot (owned by the advancing thread)
//
// Each M touches only its own word (begin/end); the advancer reads all of them. begin and end
// are the core's seqlockBegin/seqlockEnd done here on the same words (an atomic add), since
// the tracer takes one per event and a call into the core costs more than the add.

import type { Core } from './wasm.ts';

export class Seqlocks {
  private constructor(
    private readonly core: Core,
    readonly addr: number,
    readonly nM: number,
    readonly snap: number,
  ) {}

  static create(core: Core, nM: number): Seqlocks {
    if (!Number.isInteger(nM) || nM < 1 || nM > 1 << 20) throw new RangeError(`seqlock: M count must be an integer in [1, 2^20], got ${nM}`);
    const addr = core.mem.alloc(4 * nM);
    const snap = core.mem.alloc(4 * nM);
    return new Seqlocks(core, addr, nM, snap);
  }

  static attach(core: Core, addr: number, nM: number, snap: number): Seqlocks {
    return new Seqlocks(core, addr, nM, snap);
  }

  private check(m: number): void {
    if (!(m >= 0 && m < this.nM)) throw new RangeError(`seqlock: M ${m} out of range [0, ${this.nM})`);
  }

  /** traceAcquire: enter M m's critical section. Throws if m already holds it. */
  begin(m: number): number {
    this.check(m);
    const i = (this.addr >>> 2) + m;
    const v = (Atomics.add(this.core.mem.u32, i, 1) + 1) >>> 0;
    if ((v & 1) === 0) throw new Error(`seqlock: M ${m} is already inside its critical section`);
    return v;
  }

  /** traceRelease: leave it. Throws if m did not hold it. */
  end(m: number): number {
    this.check(m);
    const i = (this.addr >>> 2) + m;
    const v = (Atomics.add(this.core.mem.u32, i, 1) + 1) >>> 0;
    if ((v & 1) !== 0) throw new Error(`seqlock: M ${m} is not inside a critical section`);
    return v;
  }

  held(m: number): boolean {
    this.check(m);
    return this.core.exports.seqlockHeld(this.addr, m) === 1;
  }

  load(m: number): number {
    this.check(m);
    return this.core.exports.seqlockLoad(this.addr, m) >>> 0;
  }

  /** Record every M's word; advanceReady/advanceWait compare against it. */
  snapshot(): void {
    this.core.exports.seqlockSnapshot(this.addr, this.nM, this.snap);
  }

  /** First M still inside the section it was in at the snapshot, or -1: the non-blocking check. */
  advanceReady(): number {
    return this.core.exports.seqlockAdvanceReady(this.addr, this.nM, this.snap);
  }

  /** Block until every M was seen outside its snapshot critical section. Returns the waits. */
  advanceWait(yieldNs = 1000n): number {
    return this.core.exports.seqlockAdvanceWait(this.addr, this.nM, this.snap, yieldNs) >>> 0;
  }
}

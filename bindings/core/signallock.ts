// SignalLock: the typed API over a signalLock word in shared memory (assembly/signallock.ts
// has the layout). Any thread may take it; the holder releases it.

import type { Core } from './wasm.ts';

/** Default bound on one yield while the lock is busy: a short sleep stands in for osyield. */
export const DEFAULT_YIELD_NS = 1000n;

export class SignalLock {
  private constructor(
    private readonly core: Core,
    readonly addr: number,
  ) {}

  static create(core: Core): SignalLock {
    return new SignalLock(core, core.mem.alloc(128));
  }

  static attach(core: Core, addr: number): SignalLock {
    return new SignalLock(core, addr);
  }

  /** Take the lock, yielding up to yieldNs per failed attempt (0n: pure spin). Returns the spins. */
  acquire(yieldNs: bigint = DEFAULT_YIELD_NS): number {
    return this.core.exports.signalLockAcquire(this.addr, yieldNs);
  }

  tryAcquire(): boolean {
    return this.core.exports.signalLockTryAcquire(this.addr) === 1;
  }

  release(): void {
    this.core.exports.signalLockRelease(this.addr);
  }

  held(): boolean {
    return this.core.exports.signalLockHeld(this.addr) === 1;
  }

  /** Failed CAS attempts so far, by every thread. */
  spins(): number {
    return this.core.exports.signalLockSpins(this.addr) >>> 0;
  }

  acquires(): number {
    return this.core.exports.signalLockAcquires(this.addr) >>> 0;
  }
}

// signalLock and seqlock in one thread: the exact word values and the protocol errors.
import { describe, expect, it } from 'vitest';
import { loadCore, SignalLock, Seqlocks } from '../bindings/core/index.ts';

const core = loadCore();

describe('signalLock', () => {
  it('is a 0→1 CAS word with spin and acquire counters', () => {
    const lock = SignalLock.create(core);
    expect(core.mem.u32[lock.addr >> 2]).toBe(0);
    expect(lock.acquire()).toBe(0);
    expect(core.mem.u32[lock.addr >> 2]).toBe(1);
    expect(lock.held()).toBe(true);
    expect(lock.tryAcquire()).toBe(false);
    expect(lock.tryAcquire()).toBe(false);
    expect(lock.spins()).toBe(2);
    lock.release();
    expect(core.mem.u32[lock.addr >> 2]).toBe(0);
    expect(lock.tryAcquire()).toBe(true);
    lock.release();
    expect(lock.acquires()).toBe(2);
    expect(lock.spins()).toBe(2);
  });
});

describe('seqlock', () => {
  it('is odd inside the critical section, even outside', () => {
    const s = Seqlocks.create(core, 3);
    expect(s.begin(1)).toBe(1);
    expect(s.held(1)).toBe(true);
    expect(s.held(0)).toBe(false);
    expect(s.end(1)).toBe(2);
    expect(s.begin(1)).toBe(3);
    expect(s.load(1)).toBe(3);
    expect(s.end(1)).toBe(4);
  });

  it('refuses a nested begin, an end without begin, and an M out of range', () => {
    const s = Seqlocks.create(core, 2);
    s.begin(0);
    expect(() => s.begin(0)).toThrow(/already inside/);
    const t = Seqlocks.create(core, 2);
    expect(() => t.end(1)).toThrow(/not inside/);
    expect(() => t.begin(2)).toThrow(/out of range/);
    expect(() => Seqlocks.create(core, 0)).toThrow(/M count/);
  });

  it('lets the advancer through once each M is even or has moved since the snapshot', () => {
    const s = Seqlocks.create(core, 4);
    s.begin(1);
    s.begin(3);
    s.snapshot();
    expect(s.advanceReady()).toBe(1);
    s.end(1);
    expect(s.advanceReady()).toBe(3);
    s.end(3);
    s.begin(3); // odd again, but not the section it was in at the snapshot
    expect(s.advanceReady()).toBe(-1);
    expect(s.advanceWait()).toBe(0);
    s.begin(0); // entered after the snapshot: does not hold the advancer back
    expect(s.advanceReady()).toBe(-1);
  });
});

// signalLock: the CAS spin lock that serializes SIGPROF handlers writing into a profBuf
// (cpuprof.add, traceCPUSample in the Go runtime).
//
//   off  size  field     who touches it
//   0    u32   word      0 free, 1 held; CAS 0→1 to take, store 0 to give back
//   64    u32  spins     failed CAS attempts (statistics; atomic add, own cache line)
//   68    u32  acquires  successful acquisitions (statistics)
//
// A handler cannot block, so a busy lock is retried after yielding. Go calls osyield; here a
// bounded Atomics wait on the lock word itself stands in for it (it returns at once if the
// word already changed). Release does not notify: waiters are few and a signal handler's
// critical section is short, so polling after a short yield is what the runtime does too.
import { futexWait } from './futex';

export const SIGNALLOCK_BYTES: u32 = 128;

/** Take the lock; yieldNs bounds each wait while it is busy (0: pure spin). Returns spins. */
export function signalLockAcquire(lock: u32, yieldNs: i64): u32 {
  let spins: u32 = 0;
  while (atomic.cmpxchg<u32>(lock, 0, 1) != 0) {
    spins++;
    if (yieldNs > 0) futexWait(lock, 1, <f64>yieldNs);
  }
  if (spins > 0) atomic.add<u32>(lock + 64, spins);
  atomic.add<u32>(lock + 68, 1);
  return spins;
}

/** Try once; 1 if taken. */
export function signalLockTryAcquire(lock: u32): i32 {
  if (atomic.cmpxchg<u32>(lock, 0, 1) != 0) {
    atomic.add<u32>(lock + 64, 1);
    return 0;
  }
  atomic.add<u32>(lock + 68, 1);
  return 1;
}

export function signalLockRelease(lock: u32): void {
  atomic.store<u32>(lock, 0);
}

export function signalLockHeld(lock: u32): i32 {
  return atomic.load<u32>(lock) != 0 ? 1 : 0;
}

export function signalLockSpins(lock: u32): u32 {
  return atomic.load<u32>(lock + 64);
}

export function signalLockAcquires(lock: u32): u32 {
  return atomic.load<u32>(lock + 68);
}

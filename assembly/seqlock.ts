// seqlock: one u32 word per M, as m.trace.seqlock in the Go 1.22+ tracer.
//
//   seq + 4*m   u32   the M's word: odd while the M is inside a tracer critical section
//
// Only the M itself calls begin/end on its word (traceAcquire/traceRelease), so a plain
// atomic add suffices. traceAdvance takes a snapshot of every word, bumps the generation,
// and then waits until each M has been seen outside its critical section: its word is
// even, or it moved since the snapshot (the M left the section it was in). Words wrap
// freely; only parity and change matter.
import { futexWait } from './futex';

/** Enter the critical section; returns the new value (odd), or 0 if the M already held it. */
export function seqlockBegin(seq: u32, m: u32): u32 {
  const v = atomic.add<u32>(seq + (m << 2), 1) + 1;
  if ((v & 1) == 0) return 0; // nested begin: the caller broke the protocol
  return v;
}

/** Leave the critical section; returns the new value (even), or 1 if it was not held. */
export function seqlockEnd(seq: u32, m: u32): u32 {
  const v = atomic.add<u32>(seq + (m << 2), 1) + 1;
  if ((v & 1) != 0) return 1;
  return v;
}

export function seqlockHeld(seq: u32, m: u32): i32 {
  return (atomic.load<u32>(seq + (m << 2)) & 1) as i32;
}

export function seqlockLoad(seq: u32, m: u32): u32 {
  return atomic.load<u32>(seq + (m << 2));
}

/** Copy the n words at seq into snap. */
export function seqlockSnapshot(seq: u32, n: u32, snap: u32): void {
  for (let m: u32 = 0; m < n; m++) store<u32>(snap + (m << 2), atomic.load<u32>(seq + (m << 2)));
}

/** First M still inside the critical section it was in at the snapshot, or -1 if none. */
export function seqlockAdvanceReady(seq: u32, n: u32, snap: u32): i32 {
  for (let m: u32 = 0; m < n; m++) {
    const s = load<u32>(snap + (m << 2));
    if ((s & 1) != 0 && atomic.load<u32>(seq + (m << 2)) == s) return <i32>m;
  }
  return -1;
}

/**
 * Block until seqlockAdvanceReady would return -1, yielding yieldNs per busy M.
 * Returns the number of waits (0 if nobody was inside a critical section).
 */
export function seqlockAdvanceWait(seq: u32, n: u32, snap: u32, yieldNs: i64): u32 {
  let waits: u32 = 0;
  for (let m: u32 = 0; m < n; m++) {
    const s = load<u32>(snap + (m << 2));
    if ((s & 1) == 0) continue;
    while (atomic.load<u32>(seq + (m << 2)) == s) {
      waits++;
      futexWait(seq + (m << 2), s, <f64>yieldNs);
    }
  }
  return waits;
}

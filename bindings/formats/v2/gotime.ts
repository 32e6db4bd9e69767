// Tick → nanosecond conversion with the semantics of Go's reader on amd64.
//
// Go computes a time as int64(float64(ticks) * nsPerTick) and adds times as int64s. Both
// steps matter only for hostile input: a frequency of 0 makes nsPerTick +Inf (Go does not
// refuse it), and the float → int64 conversion of NaN, ±Inf or anything outside the int64
// range yields -2^63 on amd64 (CVTTSD2SQ's "indefinite integer"); int64 sums wrap. Times of
// real traces stay far below 2^53 ns (104 days), where doubles are exact and none of this
// applies. Beyond 2^53 the doubles round, so the emulation is approximate there.
// Owner: the Go1.22+ format (bindings/formats/v2/).

/**
 * Zero as a double: -0 is no small integer, so a time field initialised with it holds doubles
 * from the start and its object keeps one shape when real times (beyond 2^31 ns) arrive (a
 * field that changes representation throws away the optimized code reading it). Compares and
 * adds as 0.
 */
export const TIME_ZERO = -0;

const TWO63 = 9223372036854775808;
const TWO64 = 18446744073709551616;

/** int64(x) as Go converts a float64 on amd64: truncation, or -2^63 when not representable. */
export function goInt64(x: number): number {
  if (x >= TWO63 || x < -TWO63 || x !== x) return -TWO63;
  return Math.trunc(x);
}

/** a + b with int64 wrap-around (a and b already int64 values). */
export function goAdd(a: number, b: number): number {
  const s = a + b;
  if (s >= TWO63) return s - TWO64;
  if (s < -TWO63) return s + TWO64;
  return s;
}

/** Ticks to nanoseconds, as Go's frequency.mul. */
export function goTicksToNs(ticks: number, nsPerTick: number): number {
  return goInt64(ticks * nsPerTick);
}

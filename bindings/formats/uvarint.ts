// LEB128 unsigned varints, as both Go trace formats write them.
//
// Values up to 2^53 travel as JS numbers (exact); full 64-bit values as bigint.
// The decoder never reads past `end`, never loops more than 10 bytes, and reports
// malformed input through the returned length (0 = truncated, -1 = longer than 64 bits)
// instead of throwing, so readers of hostile bytes stay in control.

/** Result slot reused by decodeUvarint to avoid allocating on the hot path. */
export interface UvarintResult {
  /** Decoded value; exact below 2^53, rounded above (use decodeUvarintBig then). */
  value: number;
  /** Bytes consumed: >0 on success, 0 if truncated at `end`, -1 if it exceeds 64 bits. */
  len: number;
}

/** Decode one uvarint at `pos`, writing into `out`. */
export function decodeUvarint(buf: Uint8Array, pos: number, end: number, out: UvarintResult): UvarintResult {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= end) {
      out.value = 0;
      out.len = 0;
      return out;
    }
    const b = buf[pos + i];
    if (i === 9 && b > 1) {
      out.value = 0;
      out.len = -1;
      return out;
    }
    value += (b & 0x7f) * mul;
    if (b < 0x80) {
      out.value = value;
      out.len = i + 1;
      return out;
    }
    mul *= 128;
  }
  out.value = 0;
  out.len = -1;
  return out;
}

/** Decode one uvarint as a bigint; returns [value, len] with the same len convention. */
export function decodeUvarintBig(buf: Uint8Array, pos: number, end: number): [bigint, number] {
  let value = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= end) return [0n, 0];
    const b = buf[pos + i];
    if (i === 9 && b > 1) return [0n, -1];
    value |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return [value, i + 1];
    shift += 7n;
  }
  return [0n, -1];
}

/** Number of bytes the uvarint encoding of v takes. */
export function uvarintSize(v: number | bigint): number {
  if (typeof v === 'bigint') {
    let n = 1;
    while (v >= 0x80n) {
      v >>= 7n;
      n++;
    }
    return n;
  }
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Encode v at buf[pos]; returns the position after it. The caller guarantees room (≤10 bytes). */
export function encodeUvarint(buf: Uint8Array, pos: number, v: number | bigint): number {
  if (typeof v === 'bigint') {
    if (v < 0n || v >= 1n << 64n) throw new RangeError(`uvarint out of range: ${v}`);
    while (v >= 0x80n) {
      buf[pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    buf[pos++] = Number(v);
    return pos;
  }
  if (!(v >= 0) || !Number.isInteger(v)) throw new RangeError(`uvarint out of range: ${v}`);
  while (v >= 0x80) {
    buf[pos++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

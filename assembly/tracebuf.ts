// traceBuf: a fixed-size trace buffer in shared memory with the LEB128 writer both Go
// trace formats use, and the matching decoder.
//
//   off  size  field     who touches it
//   0    u32   pos       bytes written so far (owner only)
//   4    u32   cap       payload capacity in bytes (immutable)
//   8    u64   lastTs    owner's last timestamp, for the format's time diffs
//   16   cap   payload
//
// A buffer has one owner (its P or M), as in the runtime, so no atomics. Every append
// either writes all of its bytes or none and returns -1: "full, flush me". On success it
// returns the new length. Nothing here allocates.

export const TRACEBUF_HEADER: u32 = 16;

export function traceBufBytes(cap: u32): u32 {
  return TRACEBUF_HEADER + cap;
}

export function traceBufInit(buf: u32, cap: u32): void {
  store<u32>(buf, 0);
  store<u32>(buf, cap, 4);
  store<u64>(buf, 0, 8);
}

export function traceBufReset(buf: u32): void {
  store<u32>(buf, 0);
}

export function traceBufLen(buf: u32): u32 {
  return load<u32>(buf);
}

export function traceBufAvail(buf: u32): u32 {
  return load<u32>(buf, 4) - load<u32>(buf);
}

/** Address of the payload. */
export function traceBufData(buf: u32): u32 {
  return buf + TRACEBUF_HEADER;
}

export function traceBufLastTs(buf: u32): f64 {
  return <f64>load<u64>(buf, 8);
}

export function traceBufSetLastTs(buf: u32, ts: f64): void {
  store<u64>(buf, <u64>ts, 8);
}

/** 1 if n more bytes fit. */
export function traceBufEnsure(buf: u32, n: u32): i32 {
  return load<u32>(buf) + n <= load<u32>(buf, 4) ? 1 : 0;
}

@inline export function uvarintLen(v: u64): u32 {
  let n: u32 = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

@inline function putUvarint(p: u32, v: u64): u32 {
  while (v >= 0x80) {
    store<u8>(p++, <u8>(v | 0x80));
    v >>= 7;
  }
  store<u8>(p++, <u8>v);
  return p;
}

export function traceBufByte(buf: u32, b: u32): i32 {
  const pos = load<u32>(buf);
  if (pos + 1 > load<u32>(buf, 4)) return -1;
  store<u8>(buf + TRACEBUF_HEADER + pos, <u8>b);
  store<u32>(buf, pos + 1);
  return <i32>(pos + 1);
}

/** Append a full 64-bit uvarint (bigint from JS). */
export function traceBufUvarint(buf: u32, v: u64): i32 {
  const pos = load<u32>(buf);
  if (pos + uvarintLen(v) > load<u32>(buf, 4)) return -1;
  const end = putUvarint(buf + TRACEBUF_HEADER + pos, v) - buf - TRACEBUF_HEADER;
  store<u32>(buf, end);
  return <i32>end;
}

/** Append a uvarint given as an f64 integer (exact below 2^53): the fast path from JS. */
export function traceBufUvarintF(buf: u32, v: f64): i32 {
  return traceBufUvarint(buf, <u64>v);
}

/** Append n raw bytes from src. */
export function traceBufRaw(buf: u32, src: u32, n: u32): i32 {
  const pos = load<u32>(buf);
  if (pos + n > load<u32>(buf, 4)) return -1;
  memory.copy(buf + TRACEBUF_HEADER + pos, src, n);
  store<u32>(buf, pos + n);
  return <i32>(pos + n);
}

/** Append a string as Go writes it: uvarint byte length, then the bytes (UTF-8 at src). */
export function traceBufString(buf: u32, src: u32, n: u32): i32 {
  const pos = load<u32>(buf);
  if (pos + uvarintLen(<u64>n) + n > load<u32>(buf, 4)) return -1;
  const p = putUvarint(buf + TRACEBUF_HEADER + pos, <u64>n);
  memory.copy(p, src, n);
  const end = p + n - buf - TRACEBUF_HEADER;
  store<u32>(buf, end);
  return <i32>end;
}

/**
 * Append one event: the head byte (type, plus whatever bits the format packs into it) and
 * nargs uvarint arguments read as u64 words at args. All or nothing.
 */
export function traceBufEvent(buf: u32, head: u32, args: u32, nargs: u32): i32 {
  const pos = load<u32>(buf);
  let need: u32 = 1;
  for (let i: u32 = 0; i < nargs; i++) need += uvarintLen(load<u64>(args + (i << 3)));
  if (pos + need > load<u32>(buf, 4)) return -1;
  let p = buf + TRACEBUF_HEADER + pos;
  store<u8>(p++, <u8>head);
  for (let i: u32 = 0; i < nargs; i++) p = putUvarint(p, load<u64>(args + (i << 3)));
  store<u32>(buf, pos + need);
  return <i32>(pos + need);
}

/** Encode n u64 words at src as uvarints; returns how many fitted (all-or-nothing each). */
export function traceBufUvarints(buf: u32, src: u32, n: u32): u32 {
  for (let i: u32 = 0; i < n; i++) {
    if (traceBufUvarint(buf, load<u64>(src + (i << 3))) < 0) return i;
  }
  return n;
}

// Decoder. The length of the last decode: >0 bytes consumed, 0 truncated, -1 over 64 bits.
let decodedLen: i32 = 0;

export function uvarintDecodedLen(): i32 {
  return decodedLen;
}

/** Decode one uvarint at src without reading at or past end; see uvarintDecodedLen. */
export function uvarintDecode(src: u32, end: u32): u64 {
  let v: u64 = 0;
  let shift: u64 = 0;
  for (let i: u32 = 0; i < 10; i++) {
    if (src + i >= end) {
      decodedLen = 0;
      return 0;
    }
    const b = <u64>load<u8>(src + i);
    if (i == 9 && b > 1) {
      decodedLen = -1;
      return 0;
    }
    v |= (b & 0x7f) << shift;
    if (b < 0x80) {
      decodedLen = <i32>i + 1;
      return v;
    }
    shift += 7;
  }
  decodedLen = -1;
  return 0;
}

/** uvarintDecode returning an f64 (exact below 2^53), for JS callers. */
export function uvarintDecodeF(src: u32, end: u32): f64 {
  return <f64>uvarintDecode(src, end);
}

/**
 * Append one timed event as both trace formats lay it out: the head byte, a length byte when
 * lenPrefix (v1's "3 or more arguments" form: the byte counts what follows it, < 128), the
 * timestamp as a delta from the buffer's last timestamp, then nargs uvarint arguments (u64
 * words at args). A timestamp less than minDelta past the last one is moved forward to it
 * (the v1 runtime keeps timestamps strictly increasing within a batch). Returns the new length,
 * or -1, writing nothing, when the event does not fit.
 */
export function traceBufTimedEvent(buf: u32, head: u32, lenPrefix: i32, ts: f64, minDelta: u32, args: u32, nargs: u32): i32 {
  const pos = load<u32>(buf);
  const last = load<u64>(buf, 8);
  let t = <u64>ts;
  if (t < last + <u64>minDelta) t = last + <u64>minDelta;
  const dt = t - last;
  let body: u32 = uvarintLen(dt);
  for (let i: u32 = 0; i < nargs; i++) body += uvarintLen(load<u64>(args + (i << 3)));
  const need = 1 + (lenPrefix ? 1 : 0) + body;
  if (pos + need > load<u32>(buf, 4)) return -1;
  let p = buf + TRACEBUF_HEADER + pos;
  store<u8>(p++, <u8>head);
  if (lenPrefix) store<u8>(p++, <u8>body);
  p = putUvarint(p, dt);
  for (let i: u32 = 0; i < nargs; i++) p = putUvarint(p, load<u64>(args + (i << 3)));
  store<u32>(buf, pos + need);
  store<u64>(buf, t, 8);
  return <i32>(pos + need);
}

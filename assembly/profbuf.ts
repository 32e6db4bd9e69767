// profBuf: the Go runtime's lock-free profiling ring (runtime/profbuf.go), in shared memory.
//
// One writer at a time (callers serialize writers, e.g. with signalLock) and one reader.
// Everything lives at `pb`, a 64-byte aligned block whose layout (field offsets, widths, who
// touches each, the profIndex bits) is declared once in bindings/core/profbuf-layout.ts and
// generated into ./profbuf-layout.ts at build time; the TypeScript twin
// (bindings/core/profbuf-ts.ts) uses the same declaration, so either side may read what the
// other wrote.
//
// A record is [length, time, hdr (hdrsize words, zero padded), stack...] and never wraps:
// a 0 length word tells the reader the rest of the ring is skipped. A write that does not
// fit is counted in `overflow`; the count and the time of the first lost write come out as
// an overflow record (header zeros, stack = [count]) written in front of the next record
// that fits, or synthesized by the reader when the ring is otherwise empty.
import { futexWait } from './futex';
import * as L from './profbuf-layout';
import {
  R, W, OVERFLOW, OVERFLOW_TIME, EOF, WAKE, HDRSIZE, NDATA, NTAGS, DATA, TAGS, OVERFLOW_BUF, WSCRATCH, RNEXT,
  RES_DATA, RES_NDATA, RES_TAGS, RES_NTAGS, HEADER_BYTES, TAG_SHIFT, READER_SLEEPING, WRITE_EXTRA,
  PROFBUF_MAX_HDR, PROFBUF_MAX_BYTES,
} from './profbuf-layout';

// Exported to the host as globals (values from the layout; declared here to keep the exports' order).
export const PROFBUF_MAX: u32 = L.PROFBUF_MAX;
export const READ_DATA: i32 = L.READ_DATA;
export const READ_EMPTY: i32 = L.READ_EMPTY;
export const READ_EOF: i32 = L.READ_EOF;
export const MODE_BLOCKING: i32 = L.MODE_BLOCKING;
export const MODE_NONBLOCKING: i32 = L.MODE_NONBLOCKING;

// Size errors returned by profBufSize (negative so a byte count is never mistaken for one).
export const ERR_HDRSIZE: i32 = -1;
export const ERR_DATA: i32 = -2;
export const ERR_TAGS: i32 = -3;

@inline function dataCount(x: u64): u32 { return <u32>x; }
@inline function tagCount(x: u64): u32 { return <u32>(x >> TAG_SHIFT); }

// Difference of two counts that are never more than 2^29 apart; tag counts wrap at 2^30.
@inline function countSub(x: u32, y: u32): i32 { return (<i32>(x - y) << 2) >> 2; }

@inline function addCountsAndClearFlags(x: u64, data: i32, tag: i32): u64 {
  const tags = ((x >> TAG_SHIFT) + <u64>((<u32>tag << 2) >> 2)) << TAG_SHIFT;
  return tags | <u64>(<u32>x + <u32>data);
}

@inline function roundPow2(n: u32): u32 {
  let i: u32 = 1;
  while (i < n) i <<= 1;
  return i;
}

@inline function effectiveWords(hdrsize: u32, words: u32): u32 {
  const min: u32 = 2 + hdrsize + 1;
  return roundPow2(words < min ? min : words);
}

/**
 * Bytes needed for a profBuf of the given sizes (rounded up as the runtime does), or a
 * negative ERR_* naming the invalid argument.
 */
export function profBufSize(hdrsize: i32, words: i32, tags: i32): i32 {
  if (hdrsize < 0 || hdrsize > PROFBUF_MAX_HDR) return ERR_HDRSIZE;
  if (words < 1 || <u32>words >= PROFBUF_MAX) return ERR_DATA;
  if (tags < 1 || <u32>tags >= PROFBUF_MAX) return ERR_TAGS;
  const nd = effectiveWords(<u32>hdrsize, <u32>words);
  const nt = roundPow2(<u32>tags);
  const bytes = <u64>HEADER_BYTES + <u64>nd * 8 + <u64>nt * 4 + <u64>(2 + hdrsize + 1) * 8 + 64;
  if (bytes > PROFBUF_MAX_BYTES) return ERR_DATA;
  return <i32>bytes;
}

/** Lay out a zeroed profBuf at pb (64-byte aligned, profBufSize bytes, already zero). */
export function profBufInit(pb: u32, hdrsize: u32, words: u32, tags: u32): void {
  const nd = effectiveWords(hdrsize, words);
  const nt = roundPow2(tags);
  const data = pb + HEADER_BYTES;
  const tagp = data + nd * 8;
  const ovb = (tagp + nt * 4 + 7) & ~7;
  store<u32>(pb + HDRSIZE, hdrsize);
  store<u32>(pb + NDATA, nd);
  store<u32>(pb + NTAGS, nt);
  store<u32>(pb + DATA, data);
  store<u32>(pb + TAGS, tagp);
  store<u32>(pb + OVERFLOW_BUF, ovb);
}

export function profBufHdrSize(pb: u32): u32 { return load<u32>(pb + HDRSIZE); }
export function profBufDataWords(pb: u32): u32 { return load<u32>(pb + NDATA); }
export function profBufTagSlots(pb: u32): u32 { return load<u32>(pb + NTAGS); }

function hasOverflow(pb: u32): bool {
  return <u32>atomic.load<u64>(pb + OVERFLOW) > 0;
}

// Count and time of the pending overflow, cleared atomically; count 0 if none (or lost the race).
let takenTime: u64 = 0;
function takeOverflow(pb: u32): u32 {
  let overflow = atomic.load<u64>(pb + OVERFLOW);
  let time = atomic.load<u64>(pb + OVERFLOW_TIME);
  while (true) {
    if (<u32>overflow == 0) {
      takenTime = 0;
      return 0;
    }
    if (atomic.cmpxchg<u64>(pb + OVERFLOW, overflow, ((overflow >> 32) + 1) << 32) == overflow) break;
    overflow = atomic.load<u64>(pb + OVERFLOW);
    time = atomic.load<u64>(pb + OVERFLOW_TIME);
  }
  takenTime = time;
  return <u32>overflow;
}

function incrementOverflow(pb: u32, now: u64): void {
  while (true) {
    const overflow = atomic.load<u64>(pb + OVERFLOW);
    if (<u32>overflow == 0) {
      // Only the writer moves the count off zero, so storing the time first is race-free.
      atomic.store<u64>(pb + OVERFLOW_TIME, now);
      atomic.store<u64>(pb + OVERFLOW, (((overflow >> 32) + 1) << 32) + 1);
      return;
    }
    if (<u32>overflow == 0xffffffff) return; // saturated: sticky rather than wrapping to 0
    if (atomic.cmpxchg<u64>(pb + OVERFLOW, overflow, overflow + 1) == overflow) return;
  }
}

function wake(pb: u32): void {
  atomic.add<u32>(pb + WAKE, 1);
  atomic.notify(pb + WAKE, 1);
}

function wakeupExtra(pb: u32): void {
  while (true) {
    const old = atomic.load<u64>(pb + W);
    if (atomic.cmpxchg<u64>(pb + W, old, old | WRITE_EXTRA) != old) continue;
    if (old & READER_SLEEPING) wake(pb);
    return;
  }
}

function canWriteRecord(pb: u32, nstk: u32): bool {
  const br = atomic.load<u64>(pb + R);
  const bw = atomic.load<u64>(pb + W);
  const nTags = load<u32>(pb + NTAGS);
  if (countSub(tagCount(br), tagCount(bw)) + <i32>nTags < 1) return false;
  const nData = load<u32>(pb + NDATA);
  let nd = countSub(dataCount(br), dataCount(bw)) + <i32>nData;
  const want = <i32>(2 + load<u32>(pb + HDRSIZE) + nstk);
  const i = <i32>(dataCount(bw) & (nData - 1));
  if (i + want > <i32>nData) nd -= <i32>nData - i; // the tail fragment is skipped
  return nd >= want;
}

function canWriteTwoRecords(pb: u32, nstk1: u32, nstk2: u32): bool {
  const br = atomic.load<u64>(pb + R);
  const bw = atomic.load<u64>(pb + W);
  const nTags = load<u32>(pb + NTAGS);
  if (countSub(tagCount(br), tagCount(bw)) + <i32>nTags < 2) return false;
  const nData = <i32>load<u32>(pb + NDATA);
  const hdr = <i32>load<u32>(pb + HDRSIZE);
  let nd = countSub(dataCount(br), dataCount(bw)) + nData;
  let want = 2 + hdr + <i32>nstk1;
  let i = <i32>(dataCount(bw) & <u32>(nData - 1));
  if (i + want > nData) {
    nd -= nData - i;
    i = 0;
  }
  i += want;
  nd -= want;
  want = 2 + hdr + <i32>nstk2;
  if (i + want > nData) nd -= nData - i;
  return nd >= want;
}

// Stores one record that is known to fit; hdr/stk point at u64 words (hdr may be 0 = zeros).
function writeRecord(pb: u32, tag: u32, now: u64, hdr: u32, nhdr: u32, stk: u32, nstk: u32): void {
  const bw = atomic.load<u64>(pb + W);
  const hdrsize = load<u32>(pb + HDRSIZE);
  const nData = load<u32>(pb + NDATA);
  const nTags = load<u32>(pb + NTAGS);
  const data = load<u32>(pb + DATA);

  store<u32>(load<u32>(pb + TAGS) + ((tagCount(bw) & (nTags - 1)) << 2), tag);

  let wd = dataCount(bw) & (nData - 1);
  let skip: u32 = 0;
  const len = 2 + hdrsize + nstk;
  if (wd + len > nData) {
    store<u64>(data + (wd << 3), 0); // skip marker: the rest of the ring is unused
    skip = nData - wd;
    wd = 0;
  }
  const rec = data + (wd << 3);
  store<u64>(rec, <u64>len);
  store<u64>(rec, now, 8);
  if (nhdr > 0) memory.copy(rec + 16, hdr, nhdr << 3);
  if (nhdr < hdrsize) memory.fill(rec + 16 + (nhdr << 3), 0, (hdrsize - nhdr) << 3);
  if (nstk > 0) memory.copy(rec + 16 + (hdrsize << 3), stk, nstk << 3);

  while (true) {
    const old = atomic.load<u64>(pb + W);
    const next = addCountsAndClearFlags(old, <i32>(skip + len), 1);
    if (atomic.cmpxchg<u64>(pb + W, old, next) != old) continue;
    if (old & READER_SLEEPING) wake(pb);
    return;
  }
}

/**
 * Write one record: tag, time, nhdr header words at hdr and nstk stack words at stk
 * (u64 words in this memory). Returns 1 if written, 0 if counted as overflow, -1 on misuse
 * (a header longer than hdrsize).
 */
export function profBufWriteAt(pb: u32, tag: u32, now: u64, hdr: u32, nhdr: u32, stk: u32, nstk: u32): i32 {
  if (nhdr > load<u32>(pb + HDRSIZE)) return -1;
  const pending = hasOverflow(pb);
  if (pending && canWriteTwoRecords(pb, 1, nstk)) {
    // Room for the overflow record and this one; only the reader can race us to it.
    const count = takeOverflow(pb);
    if (count > 0) {
      store<u64>(pb + WSCRATCH, <u64>count);
      writeRecord(pb, 0, takenTime, 0, 0, pb + WSCRATCH, 1);
    }
  } else if (pending || !canWriteRecord(pb, nstk)) {
    incrementOverflow(pb, now);
    wakeupExtra(pb);
    return 0;
  }
  writeRecord(pb, tag, now, hdr, nhdr, stk, nstk);
  return 1;
}

/** profBufWriteAt with the time as an f64 nanosecond count (exact below 2^53), for JS callers. */
export function profBufWrite(pb: u32, tag: u32, now: f64, hdr: u32, nhdr: u32, stk: u32, nstk: u32): i32 {
  return profBufWriteAt(pb, tag, <u64>now, hdr, nhdr, stk, nstk);
}

/**
 * Write n records laid out back to back at batch as u64 words:
 *   [tag, time, nstk, hdr (hdrsize words), stk (nstk words)] ...
 * Returns how many were written; the rest were counted as overflow.
 */
export function profBufWriteBatch(pb: u32, batch: u32, n: u32): u32 {
  const hdrsize = load<u32>(pb + HDRSIZE);
  let p = batch;
  let written: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const tag = <u32>load<u64>(p);
    const now = load<u64>(p, 8);
    const nstk = <u32>load<u64>(p, 16);
    const hdr = p + 24;
    const stk = hdr + (hdrsize << 3);
    if (profBufWriteAt(pb, tag, now, hdr, hdrsize, stk, nstk) > 0) written++;
    p = stk + (nstk << 3);
  }
  return written;
}

/** No more writes; the reader sees EOF once everything is drained. Returns 0, or -1 if already closed. */
export function profBufClose(pb: u32): i32 {
  if (atomic.load<u32>(pb + EOF) > 0) return -1;
  atomic.store<u32>(pb + EOF, 1);
  wakeupExtra(pb);
  return 0;
}

/**
 * Read what is available. Returns READ_DATA with the result words set (resData/resNData:
 * whole records, contiguous; resTags/resNTags: their tags, one per record), READ_EMPTY if
 * nothing is there in non-blocking mode, or READ_EOF once closed and drained. The previous
 * read's data is handed back to the writer on entry, so results are valid until the next read.
 */
export function profBufRead(pb: u32, mode: i32): i32 {
  const nData = load<u32>(pb + NDATA);
  const nTags = load<u32>(pb + NTAGS);
  const data = load<u32>(pb + DATA);
  const tags = load<u32>(pb + TAGS);
  const br = load<u64>(pb + RNEXT);

  const rPrev = atomic.load<u64>(pb + R);
  if (rPrev != br) {
    // Clear the tags just consumed so the writer always overwrites zeros, then commit.
    const ntag = countSub(tagCount(br), tagCount(rPrev));
    let ti = tagCount(rPrev) & (nTags - 1);
    for (let i = 0; i < ntag; i++) {
      store<u32>(tags + (ti << 2), 0);
      ti = (ti + 1) & (nTags - 1);
    }
    atomic.store<u64>(pb + R, br);
  }

  while (true) {
    const bw = atomic.load<u64>(pb + W);
    let numData = countSub(dataCount(bw), dataCount(br));
    if (numData == 0) {
      if (hasOverflow(pb)) {
        const count = takeOverflow(pb);
        if (count == 0) continue; // the writer flushed it into the ring first
        const hdrsize = load<u32>(pb + HDRSIZE);
        const dst = load<u32>(pb + OVERFLOW_BUF);
        store<u64>(dst, <u64>(2 + hdrsize + 1));
        store<u64>(dst, takenTime, 8);
        memory.fill(dst + 16, 0, hdrsize << 3);
        store<u64>(dst + 16 + (hdrsize << 3), <u64>count);
        setResult(pb, dst, 2 + hdrsize + 1, 0, 1);
        return READ_DATA;
      }
      if (atomic.load<u32>(pb + EOF) > 0) {
        setResult(pb, 0, 0, 0, 0);
        return READ_EOF;
      }
      if (bw & WRITE_EXTRA) {
        atomic.cmpxchg<u64>(pb + W, bw, bw & ~WRITE_EXTRA);
        continue;
      }
      if (mode == MODE_NONBLOCKING) {
        setResult(pb, 0, 0, 0, 0);
        return READ_EMPTY;
      }
      // Snapshot the futex word before announcing sleep, so a wake in between is not lost.
      const seq = atomic.load<u32>(pb + WAKE);
      if (atomic.cmpxchg<u64>(pb + W, bw, bw | READER_SLEEPING) != bw) continue;
      futexWait(pb + WAKE, seq, -1.0);
      continue;
    }

    let start = dataCount(br) & (nData - 1);
    let avail = nData - start;
    if (<i32>avail > numData) avail = <u32>numData;
    else numData -= <i32>avail;
    let skip: u32 = 0;
    if (load<u64>(data + (start << 3)) == 0) {
      skip = avail;
      start = 0;
      avail = nData < <u32>numData ? nData : <u32>numData;
    }

    const ntag = countSub(tagCount(bw), tagCount(br));
    if (ntag == 0) return -1; // tags out of sync with data: corrupted ring
    const tstart = tagCount(br) & (nTags - 1);
    let tavail = nTags - tstart;
    if (<i32>tavail > ntag) tavail = <u32>ntag;

    let di: u32 = 0;
    let ti: u32 = 0;
    const base = data + (start << 3);
    while (di < avail && ti < tavail) {
      const len = <u32>load<u64>(base + (di << 3));
      if (len == 0) break;
      if (di + len > avail) return -1; // a record longer than what was committed
      di += len;
      ti++;
    }
    store<u64>(pb + RNEXT, addCountsAndClearFlags(br, <i32>(skip + di), <i32>ti));
    setResult(pb, base, di, tags + (tstart << 2), ti);
    return READ_DATA;
  }
  return -1;
}

@inline function setResult(pb: u32, d: u32, nd: u32, t: u32, nt: u32): void {
  store<u32>(pb + RES_DATA, d);
  store<u32>(pb + RES_NDATA, nd);
  store<u32>(pb + RES_TAGS, t);
  store<u32>(pb + RES_NTAGS, nt);
}

/** Pending (not yet emitted) overflow count. */
export function profBufPendingOverflow(pb: u32): u32 {
  return <u32>atomic.load<u64>(pb + OVERFLOW);
}

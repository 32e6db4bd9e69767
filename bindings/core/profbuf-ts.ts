// TsProfBuf: the pure-TypeScript twin of the WASM profBuf, on the same layout in the same
// SharedArrayBuffer (see assembly/profbuf.ts for the layout and its invariants).
//
// It is the reference the WASM core is tested against and the baseline it is benchmarked
// against, so it follows the runtime's algorithm step by step, with the 64-bit words r, w
// and overflow handled as BigInt through Atomics on a BigUint64Array. Data words are stored
// as two u32 halves; they are published by the seq-cst CAS on w that follows them.

import type { SharedMemory } from './memory.ts';
import type { ProfBuf } from './profbuf.ts';
import { PB, PROF_INDEX, READ_DATA, READ_EMPTY, READ_EOF, profBufLayout, profBufSizes } from './profbuf-layout.ts';
import { ProfBufView, type ReadMode } from './profbuf-view.ts';

const READER_SLEEPING = 1n << BigInt(PROF_INDEX.READER_SLEEPING_BIT);
const WRITE_EXTRA = 1n << BigInt(PROF_INDEX.WRITE_EXTRA_BIT);
const TAG_SHIFT = BigInt(PROF_INDEX.TAG_SHIFT);
const U32 = 0xffffffffn;
const U64 = (1n << 64n) - 1n;

const dataCount = (x: bigint): number => Number(x & U32);
const tagCount = (x: bigint): number => Number(x >> TAG_SHIFT);
// Difference of two counts never more than 2^29 apart; tag counts wrap at 2^30.
const countSub = (x: number, y: number): number => ((x - y) << 2) >> 2;

function addCountsAndClearFlags(x: bigint, data: number, tag: number): bigint {
  const tags = (((x >> TAG_SHIFT) + BigInt(((tag << 2) >>> 2) >>> 0)) << TAG_SHIFT) & U64;
  return tags | BigInt((dataCount(x) + data) >>> 0);
}

export class TsProfBuf implements ProfBuf {
  readonly impl = 'ts' as const;
  readonly hdrsize: number;
  readonly dataWords: number;
  readonly tagSlots: number;
  private readonly data: number;
  private readonly tagsAddr: number;
  private readonly ovb: number;
  private readonly view: ProfBufView;
  private takenTime = 0;

  private constructor(
    private readonly mem: SharedMemory,
    readonly addr: number,
  ) {
    const u32 = mem.u32;
    this.hdrsize = u32[(addr + PB.HDRSIZE) >> 2];
    this.dataWords = u32[(addr + PB.NDATA) >> 2];
    this.tagSlots = u32[(addr + PB.NTAGS) >> 2];
    this.data = u32[(addr + PB.DATA) >> 2];
    this.tagsAddr = u32[(addr + PB.TAGS) >> 2];
    this.ovb = u32[(addr + PB.OVERFLOW_BUF) >> 2];
    this.view = new ProfBufView(mem, this.hdrsize);
  }

  static create(mem: SharedMemory, hdrsize: number, words: number, tags: number): TsProfBuf {
    const s = profBufSizes(hdrsize, words, tags);
    const addr = mem.alloc(s.bytes);
    profBufLayout(mem.u32, addr, s.hdrsize, s.words, s.tags);
    return new TsProfBuf(mem, addr);
  }

  static attach(mem: SharedMemory, addr: number): TsProfBuf {
    return new TsProfBuf(mem, addr);
  }

  private ld(off: number): bigint {
    return Atomics.load(this.mem.b64, (this.addr + off) >> 3);
  }
  private st(off: number, v: bigint): void {
    Atomics.store(this.mem.b64, (this.addr + off) >> 3, v);
  }
  private cas(off: number, old: bigint, v: bigint): boolean {
    return Atomics.compareExchange(this.mem.b64, (this.addr + off) >> 3, old, v) === old;
  }

  private hasOverflow(): boolean {
    return (this.ld(PB.OVERFLOW) & U32) > 0n;
  }

  private takeOverflow(): number {
    let overflow = this.ld(PB.OVERFLOW);
    let time = this.ld(PB.OVERFLOW_TIME);
    for (;;) {
      if ((overflow & U32) === 0n) {
        this.takenTime = 0;
        return 0;
      }
      if (this.cas(PB.OVERFLOW, overflow, (((overflow >> 32n) + 1n) << 32n) & U64)) break;
      overflow = this.ld(PB.OVERFLOW);
      time = this.ld(PB.OVERFLOW_TIME);
    }
    this.takenTime = Number(time);
    return Number(overflow & U32);
  }

  private incrementOverflow(now: number): void {
    for (;;) {
      const overflow = this.ld(PB.OVERFLOW);
      if ((overflow & U32) === 0n) {
        this.st(PB.OVERFLOW_TIME, BigInt(now));
        this.st(PB.OVERFLOW, ((((overflow >> 32n) + 1n) << 32n) + 1n) & U64);
        return;
      }
      if ((overflow & U32) === U32) return; // saturated
      if (this.cas(PB.OVERFLOW, overflow, overflow + 1n)) return;
    }
  }

  private wake(): void {
    const i32 = this.mem.i32;
    Atomics.add(i32, (this.addr + PB.WAKE) >> 2, 1);
    Atomics.notify(i32, (this.addr + PB.WAKE) >> 2, 1);
  }

  private wakeupExtra(): void {
    for (;;) {
      const old = this.ld(PB.W);
      if (!this.cas(PB.W, old, old | WRITE_EXTRA)) continue;
      if (old & READER_SLEEPING) this.wake();
      return;
    }
  }

  private canWriteRecord(nstk: number): boolean {
    const br = this.ld(PB.R);
    const bw = this.ld(PB.W);
    if (countSub(tagCount(br), tagCount(bw)) + this.tagSlots < 1) return false;
    let nd = countSub(dataCount(br), dataCount(bw)) + this.dataWords;
    const want = 2 + this.hdrsize + nstk;
    const i = dataCount(bw) & (this.dataWords - 1);
    if (i + want > this.dataWords) nd -= this.dataWords - i;
    return nd >= want;
  }

  private canWriteTwoRecords(nstk1: number, nstk2: number): boolean {
    const br = this.ld(PB.R);
    const bw = this.ld(PB.W);
    if (countSub(tagCount(br), tagCount(bw)) + this.tagSlots < 2) return false;
    let nd = countSub(dataCount(br), dataCount(bw)) + this.dataWords;
    let want = 2 + this.hdrsize + nstk1;
    let i = dataCount(bw) & (this.dataWords - 1);
    if (i + want > this.dataWords) {
      nd -= this.dataWords - i;
      i = 0;
    }
    i += want;
    nd -= want;
    want = 2 + this.hdrsize + nstk2;
    if (i + want > this.dataWords) nd -= this.dataWords - i;
    return nd >= want;
  }

  // get(k) yields the k-th header word (k < nhdr) or stack word; stores one fitting record.
  private writeRecord(tag: number, now: number, nhdr: number, nstk: number, get: (k: number) => number): void {
    const u32 = this.mem.u32;
    const bw = this.ld(PB.W);
    u32[(this.tagsAddr >>> 2) + (tagCount(bw) & (this.tagSlots - 1))] = tag >>> 0;
    let wd = dataCount(bw) & (this.dataWords - 1);
    let skip = 0;
    const len = 2 + this.hdrsize + nstk;
    if (wd + len > this.dataWords) {
      const j = (this.data >>> 2) + 2 * wd;
      u32[j] = 0;
      u32[j + 1] = 0;
      skip = this.dataWords - wd;
      wd = 0;
    }
    let j = (this.data >>> 2) + 2 * wd;
    const put = (v: number) => {
      u32[j] = v >>> 0;
      u32[j + 1] = (v / 4294967296) >>> 0;
      j += 2;
    };
    put(len);
    put(now);
    for (let k = 0; k < this.hdrsize; k++) put(k < nhdr ? get(k) : 0);
    for (let k = 0; k < nstk; k++) put(get(nhdr + k));
    for (;;) {
      const old = this.ld(PB.W);
      if (!this.cas(PB.W, old, addCountsAndClearFlags(old, skip + len, 1))) continue;
      if (old & READER_SLEEPING) this.wake();
      return;
    }
  }

  private writeWith(tag: number, now: number, nhdr: number, nstk: number, get: (k: number) => number): boolean {
    if (nhdr > this.hdrsize) throw new RangeError(`profBuf.write: header of ${nhdr} words exceeds hdrsize ${this.hdrsize}`);
    const pending = this.hasOverflow();
    if (pending && this.canWriteTwoRecords(1, nstk)) {
      const count = this.takeOverflow();
      if (count > 0) this.writeRecord(0, this.takenTime, 0, 1, () => count);
    } else if (pending || !this.canWriteRecord(nstk)) {
      this.incrementOverflow(now);
      this.wakeupExtra();
      return false;
    }
    this.writeRecord(tag, now, nhdr, nstk, get);
    return true;
  }

  write(tag: number, now: number, hdr: ArrayLike<number>, stk: ArrayLike<number>): boolean {
    const nh = hdr.length;
    return this.writeWith(tag, now, nh, stk.length, (k) => (k < nh ? hdr[k] : stk[k - nh]));
  }

  writeAt(tag: number, now: number, hdrAddr: number, nhdr: number, stkAddr: number, nstk: number): boolean {
    const mem = this.mem;
    return this.writeWith(tag, now, nhdr, nstk, (k) => (k < nhdr ? mem.word(hdrAddr + 8 * k) : mem.word(stkAddr + 8 * (k - nhdr))));
  }

  writeBatch(addr: number, n: number): number {
    const mem = this.mem;
    let p = addr;
    let written = 0;
    for (let i = 0; i < n; i++) {
      const tag = mem.word(p);
      const now = mem.word(p + 8);
      const nstk = mem.word(p + 16);
      const hdr = p + 24;
      const stk = hdr + 8 * this.hdrsize;
      if (this.writeAt(tag, now, hdr, this.hdrsize, stk, nstk)) written++;
      p = stk + 8 * nstk;
    }
    return written;
  }

  close(): void {
    const i32 = this.mem.i32;
    if (Atomics.load(i32, (this.addr + PB.EOF) >> 2) > 0) throw new Error('profBuf: already closed');
    Atomics.store(i32, (this.addr + PB.EOF) >> 2, 1);
    this.wakeupExtra();
  }

  pendingOverflow(): number {
    return Number(this.ld(PB.OVERFLOW) & U32);
  }

  read(mode: ReadMode = 'nonblocking'): ProfBufView {
    const r = this.readRaw(mode);
    const v = this.view;
    v.status = r === READ_DATA ? 'data' : r === READ_EOF ? 'eof' : 'empty';
    return v;
  }

  private result(d: number, nd: number, t: number, nt: number): void {
    const v = this.view;
    v.dataAddr = d;
    v.words = nd;
    v.tagsAddr = t;
    v.ntags = nt;
  }

  private readRaw(mode: ReadMode): number {
    const mem = this.mem;
    const u32 = mem.u32;
    const nData = this.dataWords;
    const nTags = this.tagSlots;
    const br = mem.b64[(this.addr + PB.RNEXT) >> 3];

    const rPrev = this.ld(PB.R);
    if (rPrev !== br) {
      const ntag = countSub(tagCount(br), tagCount(rPrev));
      let ti = tagCount(rPrev) & (nTags - 1);
      for (let i = 0; i < ntag; i++) {
        u32[(this.tagsAddr >>> 2) + ti] = 0;
        ti = (ti + 1) & (nTags - 1);
      }
      this.st(PB.R, br);
    }

    for (;;) {
      const bw = this.ld(PB.W);
      let numData = countSub(dataCount(bw), dataCount(br));
      if (numData === 0) {
        if (this.hasOverflow()) {
          const count = this.takeOverflow();
          if (count === 0) continue;
          const dst = this.ovb;
          mem.setWord(dst, 2 + this.hdrsize + 1);
          mem.setWord(dst + 8, this.takenTime);
          for (let i = 0; i < this.hdrsize; i++) mem.setWord(dst + 16 + 8 * i, 0);
          mem.setWord(dst + 16 + 8 * this.hdrsize, count);
          this.result(dst, 2 + this.hdrsize + 1, 0, 1);
          return READ_DATA;
        }
        if (Atomics.load(mem.i32, (this.addr + PB.EOF) >> 2) > 0) {
          this.result(0, 0, 0, 0);
          return READ_EOF;
        }
        if (bw & WRITE_EXTRA) {
          this.cas(PB.W, bw, bw & ~WRITE_EXTRA);
          continue;
        }
        if (mode === 'nonblocking') {
          this.result(0, 0, 0, 0);
          return READ_EMPTY;
        }
        const seq = Atomics.load(mem.i32, (this.addr + PB.WAKE) >> 2);
        if (!this.cas(PB.W, bw, bw | READER_SLEEPING)) continue;
        Atomics.wait(mem.i32, (this.addr + PB.WAKE) >> 2, seq);
        continue;
      }

      let start = dataCount(br) & (nData - 1);
      let avail = nData - start;
      if (avail > numData) avail = numData;
      else numData -= avail;
      let skip = 0;
      if (mem.word(this.data + 8 * start) === 0) {
        skip = avail;
        start = 0;
        avail = Math.min(nData, numData);
      }
      const ntag = countSub(tagCount(bw), tagCount(br));
      if (ntag === 0) throw new Error('profBuf: malformed buffer (tags and data out of sync)');
      const tstart = tagCount(br) & (nTags - 1);
      let tavail = nTags - tstart;
      if (tavail > ntag) tavail = ntag;

      const base = this.data + 8 * start;
      let di = 0;
      let ti = 0;
      while (di < avail && ti < tavail) {
        const len = mem.word(base + 8 * di);
        if (len === 0) break;
        if (di + len > avail) throw new Error('profBuf: malformed buffer (record longer than committed data)');
        di += len;
        ti++;
      }
      mem.b64[(this.addr + PB.RNEXT) >> 3] = addCountsAndClearFlags(br, skip + di, ti);
      this.result(base, di, this.tagsAddr + 4 * tstart, ti);
      return READ_DATA;
    }
  }
}


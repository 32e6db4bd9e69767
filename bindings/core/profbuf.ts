// ProfBuf: the typed API over a profBuf in shared memory, and its WASM implementation.
//
// The ring itself (layout, invariants, who touches what) is described in
// assembly/profbuf.ts. This wrapper owns two things of its own, both per thread: a scratch
// area where write() stages the caller's header and stack words for the WASM call, and the
// reused ProfBufView. Writers must be serialized by the caller (signalLock), as in Go.

import type { Core } from './wasm.ts';
import type { SharedMemory } from './memory.ts';
import { PB, READ_DATA, READ_EOF, MODE_BLOCKING, MODE_NONBLOCKING, profBufSizes } from './profbuf-layout.ts';
import { ProfBufView, type ReadMode } from './profbuf-view.ts';

export interface ProfBuf {
  readonly impl: 'wasm' | 'ts';
  /** Byte address of the profBuf in the shared memory (hand it to other threads). */
  readonly addr: number;
  readonly hdrsize: number;
  readonly dataWords: number;
  readonly tagSlots: number;
  /** Write a record; false if it did not fit and was counted as overflow. */
  write(tag: number, now: number, hdr: ArrayLike<number>, stk: ArrayLike<number>): boolean;
  /** Write a record whose header and stack words (u64) are already in the memory. */
  writeAt(tag: number, now: number, hdrAddr: number, nhdr: number, stkAddr: number, nstk: number): boolean;
  /** Write n records laid out at addr as [tag, time, nstk, hdr..., stk...] u64 words; returns how many fit. */
  writeBatch(addr: number, n: number): number;
  /** Read available records; the view is valid until the next read. */
  read(mode?: ReadMode): ProfBufView;
  /** No more writes; the reader sees EOF once drained. Throws if already closed. */
  close(): void;
  /** Lost writes not yet emitted as an overflow record. */
  pendingOverflow(): number;
}

export class WasmProfBuf implements ProfBuf {
  readonly impl = 'wasm' as const;
  readonly hdrsize: number;
  readonly dataWords: number;
  readonly tagSlots: number;
  private readonly view: ProfBufView;
  private scratch = 0;
  private scratchWords = 0;

  private constructor(
    private readonly core: Core,
    readonly addr: number,
  ) {
    const x = core.exports;
    this.hdrsize = x.profBufHdrSize(addr);
    this.dataWords = x.profBufDataWords(addr);
    this.tagSlots = x.profBufTagSlots(addr);
    this.view = new ProfBufView(core.mem, this.hdrsize);
  }

  /** A new profBuf with room for hdrsize header words, `words` data words and `tags` tags. */
  static create(core: Core, hdrsize: number, words: number, tags: number): WasmProfBuf {
    const sizes = profBufSizes(hdrsize, words, tags);
    const bytes = core.exports.profBufSize(hdrsize, words, tags);
    if (bytes !== sizes.bytes) throw new Error(`profBuf: wasm and ts layouts disagree (${bytes} vs ${sizes.bytes})`);
    const addr = core.mem.alloc(bytes);
    core.exports.profBufInit(addr, hdrsize, words, tags);
    return new WasmProfBuf(core, addr);
  }

  /** The profBuf another thread created at addr. */
  static attach(core: Core, addr: number): WasmProfBuf {
    return new WasmProfBuf(core, addr);
  }

  private stage(n: number): number {
    if (n > this.scratchWords) {
      this.scratchWords = Math.max(n, this.hdrsize + 64);
      this.scratch = this.core.mem.alloc(this.scratchWords * 8);
    }
    return this.scratch;
  }

  write(tag: number, now: number, hdr: ArrayLike<number>, stk: ArrayLike<number>): boolean {
    const nh = hdr.length;
    const ns = stk.length;
    const base = this.stage(nh + ns);
    const u32 = this.core.mem.u32;
    let j = base >>> 2;
    for (let i = 0; i < nh; i++, j += 2) {
      const v = hdr[i];
      u32[j] = v >>> 0;
      u32[j + 1] = (v / 4294967296) >>> 0;
    }
    for (let i = 0; i < ns; i++, j += 2) {
      const v = stk[i];
      u32[j] = v >>> 0;
      u32[j + 1] = (v / 4294967296) >>> 0;
    }
    const r = this.core.exports.profBufWrite(this.addr, tag >>> 0, now, base, nh, base + nh * 8, ns);
    if (r < 0) throw new RangeError(`profBuf.write: header of ${nh} words exceeds hdrsize ${this.hdrsize}`);
    return r > 0;
  }

  writeAt(tag: number, now: number, hdrAddr: number, nhdr: number, stkAddr: number, nstk: number): boolean {
    const r = this.core.exports.profBufWrite(this.addr, tag >>> 0, now, hdrAddr, nhdr, stkAddr, nstk);
    if (r < 0) throw new RangeError(`profBuf.write: header of ${nhdr} words exceeds hdrsize ${this.hdrsize}`);
    return r > 0;
  }

  writeBatch(addr: number, n: number): number {
    return this.core.exports.profBufWriteBatch(this.addr, addr, n);
  }

  read(mode: ReadMode = 'nonblocking'): ProfBufView {
    const r = this.core.exports.profBufRead(this.addr, mode === 'blocking' ? MODE_BLOCKING : MODE_NONBLOCKING);
    if (r < 0) throw new Error('profBuf: malformed buffer (tags and data out of sync)');
    const v = this.view;
    const u32 = this.core.mem.u32;
    const a = this.addr >>> 2;
    v.status = r === READ_DATA ? 'data' : r === READ_EOF ? 'eof' : 'empty';
    v.dataAddr = u32[a + (PB.RES_DATA >> 2)];
    v.words = u32[a + (PB.RES_NDATA >> 2)];
    v.tagsAddr = u32[a + (PB.RES_TAGS >> 2)];
    v.ntags = u32[a + (PB.RES_NTAGS >> 2)];
    return v;
  }

  close(): void {
    if (this.core.exports.profBufClose(this.addr) < 0) throw new Error('profBuf: already closed');
  }

  pendingOverflow(): number {
    return this.core.exports.profBufPendingOverflow(this.addr) >>> 0;
  }
}

/** Lay out n records for writeBatch at a fresh address; returns it. */
export function stageBatch(mem: SharedMemory, hdrsize: number, records: { tag: number; time: number; hdr: ArrayLike<number>; stk: ArrayLike<number> }[]): number {
  let words = 0;
  for (const r of records) words += 3 + hdrsize + r.stk.length;
  const addr = mem.alloc(Math.max(8, words * 8), 8);
  let p = addr;
  for (const r of records) {
    mem.setWord(p, r.tag);
    mem.setWord(p + 8, r.time);
    mem.setWord(p + 16, r.stk.length);
    p += 24;
    for (let i = 0; i < hdrsize; i++, p += 8) mem.setWord(p, i < r.hdr.length ? r.hdr[i] : 0);
    for (let i = 0; i < r.stk.length; i++, p += 8) mem.setWord(p, r.stk[i]);
  }
  return addr;
}

// ProfBufView: what a profBuf read hands back, as views into the shared memory itself.
//
// One view object per buffer is reused by every read (no allocation per read). Its words
// stay valid until the next read, which returns them to the writer, exactly as the runtime's
// profBuf.read promises. `words` counts u64 words of whole records: each record is
// [length, time, hdr (hdrsize words), stack...]; `ntags` counts records, one tag each.
// An overflow record has an all-zero header and a one-word stack holding the lost count.

import type { SharedMemory } from './memory.ts';

export type ReadStatus = 'data' | 'empty' | 'eof';
export type ReadMode = 'blocking' | 'nonblocking';

/** One record, decoded (allocates; for tests and tools, not hot paths). */
export interface ProfRecord {
  time: number;
  hdr: number[];
  stk: number[];
  tag: number;
  /** Lost-write count if this is an overflow record, else 0. */
  overflow: number;
}

export class ProfBufView {
  status: ReadStatus = 'empty';
  /** Byte address of the first data word, and the number of u64 words. */
  dataAddr = 0;
  words = 0;
  /** Byte address of the first tag (u32), and the number of tags (= records). */
  tagsAddr = 0;
  ntags = 0;

  constructor(
    private readonly mem: SharedMemory,
    readonly hdrsize: number,
  ) {}

  get eof(): boolean {
    return this.status === 'eof';
  }

  /** Data word i as a number (exact below 2^53). */
  word(i: number): number {
    const u32 = this.mem.u32;
    const j = (this.dataAddr >>> 2) + 2 * i;
    return u32[j] + u32[j + 1] * 4294967296;
  }

  bigWord(i: number): bigint {
    return this.mem.b64[(this.dataAddr >>> 3) + i];
  }

  tag(i: number): number {
    return this.mem.u32[(this.tagsAddr >>> 2) + i];
  }

  /** Zero-copy view of the data words. */
  data(): BigUint64Array {
    return this.mem.b64.subarray(this.dataAddr >>> 3, (this.dataAddr >>> 3) + this.words);
  }

  /** Zero-copy view of the tags. */
  tags(): Uint32Array {
    return this.mem.u32.subarray(this.tagsAddr >>> 2, (this.tagsAddr >>> 2) + this.ntags);
  }

  /** The records of this read, decoded. */
  records(): ProfRecord[] {
    const out: ProfRecord[] = [];
    let i = 0;
    let t = 0;
    while (i < this.words) {
      const len = this.word(i);
      const hdr: number[] = [];
      for (let k = 0; k < this.hdrsize; k++) hdr.push(this.word(i + 2 + k));
      const stk: number[] = [];
      for (let k = 2 + this.hdrsize; k < len; k++) stk.push(this.word(i + k));
      const overflow = stk.length === 1 && hdr.every((w) => w === 0) ? stk[0] : 0;
      out.push({ time: this.word(i + 1), hdr, stk, tag: this.tag(t), overflow });
      i += len;
      t++;
    }
    return out;
  }
}

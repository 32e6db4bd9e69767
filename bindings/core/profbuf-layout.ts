// The profBuf memory layout, the one source of it: the TypeScript twin (profbuf-ts.ts) and the
// wrapper (profbuf.ts) read it here, and `npm run build:wasm` generates the WASM side's copy,
// assembly/profbuf-layout.ts, from it (scripts/core-gen.ts). Both implementations therefore
// operate on the same bytes, so a buffer written by one can be read by the other.
//
// A profBuf is a 64-byte aligned block: the fields below (r and w on their own cache lines),
// then at HEADER_BYTES the data ring (u64 words), the tag ring (u32 slots) and the reader's
// synthesized overflow record. profIndex (r, w) packs the tag count in bits TAG_SHIFT..63, the
// flag bits READER_SLEEPING and WRITE_EXTRA, and the data count in bits 0..31. Counts run
// freely and are reduced modulo the ring sizes, which is why the rings are powers of two.
// assembly/profbuf.ts describes the record format and the algorithm.

/** Byte offsets of the header fields from the profBuf's address, and where the rings start. */
export const PB = {
  R: 0,
  W: 64,
  OVERFLOW: 128,
  OVERFLOW_TIME: 136,
  EOF: 144,
  WAKE: 148,
  HDRSIZE: 192,
  NDATA: 196,
  NTAGS: 200,
  DATA: 204,
  TAGS: 208,
  OVERFLOW_BUF: 212,
  WSCRATCH: 224,
  RNEXT: 256,
  RES_DATA: 264,
  RES_NDATA: 268,
  RES_TAGS: 272,
  RES_NTAGS: 276,
  HEADER_BYTES: 384,
} as const;

/** Width and users of each header field (a test checks that none overlaps the next). */
export const PB_FIELDS: { readonly [K in Exclude<keyof typeof PB, 'HEADER_BYTES'>]: { readonly type: 'u64' | 'u32'; readonly doc: string } } = {
  R: { type: 'u64', doc: 'r: reader stores; writer loads (profIndex)' },
  W: { type: 'u64', doc: 'w: writer CAS; reader CAS for flag bits (profIndex)' },
  OVERFLOW: { type: 'u64', doc: 'overflow: writer increments; either side takes (seq<<32 | lost count)' },
  OVERFLOW_TIME: { type: 'u64', doc: 'overflowTime: writer only, and only while count == 0' },
  EOF: { type: 'u32', doc: 'eof: close() stores 1' },
  WAKE: { type: 'u32', doc: 'wake: futex word a sleeping reader waits on' },
  HDRSIZE: { type: 'u32', doc: 'hdrsize: immutable after init' },
  NDATA: { type: 'u32', doc: 'nData: words in the data ring, power of two' },
  NTAGS: { type: 'u32', doc: 'nTags: slots in the tag ring, power of two' },
  DATA: { type: 'u32', doc: 'data: address of the data ring (u64 words)' },
  TAGS: { type: 'u32', doc: 'tags: address of the tag ring (u32 slots)' },
  OVERFLOW_BUF: { type: 'u32', doc: "overflowBuf: address of the reader's synthesized overflow record" },
  WSCRATCH: { type: 'u64', doc: 'wScratch: writer only, the stack word of an overflow record it emits' },
  RNEXT: { type: 'u64', doc: 'rNext: reader only, what the last read handed out' },
  RES_DATA: { type: 'u32', doc: 'resData: reader only, result of the last read (see profBufRead): data address' },
  RES_NDATA: { type: 'u32', doc: 'resNData: its data words' },
  RES_TAGS: { type: 'u32', doc: 'resTags: its tag address' },
  RES_NTAGS: { type: 'u32', doc: 'resNTags: its tags' },
};

/** profIndex bits: the tag count starts at TAG_SHIFT; below it two flags, the reader asleep on
 *  `wake`, and an overflow or EOF published for it (WRITE_EXTRA); the data count is bits 0..31. */
export const PROF_INDEX = { TAG_SHIFT: 34, READER_SLEEPING_BIT: 32, WRITE_EXTRA_BIT: 33 } as const;

/** Go's default sizes for the CPU profile buffer (runtime/cpuprof.go). */
export const profBufWordCount = 1 << 17;
export const profBufTagCount = 1 << 14;

/** Largest ring accepted: counts must stay far from the 30-bit tag-count wrap. */
export const PROFBUF_MAX = 1 << 28;
/** Largest header accepted here (the runtime uses 1 to 3 words). */
export const PROFBUF_MAX_HDR = 1024;
/** Largest profBuf in bytes: its addresses must stay 32-bit. */
export const PROFBUF_MAX_BYTES = 0x7fff0000;

/** profBufRead results. */
export const READ_DATA = 0;
export const READ_EMPTY = 1;
export const READ_EOF = 2;

/** profBufRead modes. */
export const MODE_BLOCKING = 0;
export const MODE_NONBLOCKING = 1;

function roundPow2(n: number): number {
  let i = 1;
  while (i < n) i *= 2;
  return i;
}

/** Effective sizes after the runtime's rounding, or throws a RangeError naming the argument. */
export function profBufSizes(hdrsize: number, words: number, tags: number): { hdrsize: number; words: number; tags: number; bytes: number } {
  if (!Number.isInteger(hdrsize) || hdrsize < 0 || hdrsize > PROFBUF_MAX_HDR) {
    throw new RangeError(`profBuf: header words must be an integer in [0, ${PROFBUF_MAX_HDR}], got ${hdrsize}`);
  }
  if (!Number.isInteger(words) || words < 1 || words >= PROFBUF_MAX) {
    throw new RangeError(`profBuf: data words must be an integer in [1, 2^28), got ${words}`);
  }
  if (!Number.isInteger(tags) || tags < 1 || tags >= PROFBUF_MAX) {
    throw new RangeError(`profBuf: tag slots must be an integer in [1, 2^28), got ${tags}`);
  }
  const nd = roundPow2(Math.max(words, 2 + hdrsize + 1));
  const nt = roundPow2(tags);
  const bytes = PB.HEADER_BYTES + nd * 8 + nt * 4 + (2 + hdrsize + 1) * 8 + 64;
  if (bytes > PROFBUF_MAX_BYTES) throw new RangeError(`profBuf: ${bytes} bytes do not fit in a 32-bit memory`);
  return { hdrsize, words: nd, tags: nt, bytes };
}

/** Lay out the immutable fields of a zeroed profBuf at pb (the same as profBufInit). */
export function profBufLayout(u32: Uint32Array, pb: number, hdrsize: number, words: number, tags: number): void {
  const data = pb + PB.HEADER_BYTES;
  const tagp = data + words * 8;
  const ovb = (tagp + tags * 4 + 7) & ~7;
  u32[(pb + PB.HDRSIZE) >> 2] = hdrsize;
  u32[(pb + PB.NDATA) >> 2] = words;
  u32[(pb + PB.NTAGS) >> 2] = tags;
  u32[(pb + PB.DATA) >> 2] = data;
  u32[(pb + PB.TAGS) >> 2] = tagp;
  u32[(pb + PB.OVERFLOW_BUF) >> 2] = ovb;
}

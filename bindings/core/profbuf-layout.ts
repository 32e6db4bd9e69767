// The profBuf memory layout shared by the WASM implementation (assembly/profbuf.ts, whose
// header comment is the reference) and the TypeScript twin (profbuf-ts.ts). Both operate on
// the same bytes, so a buffer written by one can be read by the other.

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

/** Go's default sizes for the CPU profile buffer (runtime/cpuprof.go). */
export const profBufWordCount = 1 << 17;
export const profBufTagCount = 1 << 14;

/** Largest ring accepted, as in the runtime. */
export const PROFBUF_MAX = 1 << 28;
/** Largest header accepted here (the runtime uses 1 to 3 words). */
export const PROFBUF_MAX_HDR = 1024;

export const READ_DATA = 0;
export const READ_EMPTY = 1;
export const READ_EOF = 2;

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
  if (bytes > 0x7fff0000) throw new RangeError(`profBuf: ${bytes} bytes do not fit in a 32-bit memory`);
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

// The report's compact number arrays: non-negative integers as unsigned LEB128 varints
// (7 bits a byte, low first; arithmetic, not bitwise, so values up to 2^53 survive), the bytes
// as base64. Signed values go through zigzag (0, -1, 1, -2 … → 0, 1, 2, 3 …). A timeline of a
// million slices is then a few megabytes of text instead of tens of JSON numbers.
// Browser-safe (no Buffer): the examples page encodes with it too; the page's decoder is
// VARINT_DECODER_JS, the same layout in plain JS.
// Who may touch: the report owner.

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Appends varints to a growing byte buffer. */
export class VarintWriter {
  private buf = new Uint8Array(1024);
  private n = 0;

  /** An integer ≥ 0 (fractions are rounded). */
  put(v: number): void {
    v = Math.round(v);
    if (!(v >= 0)) throw new Error(`VarintWriter: ${v} is not a non-negative integer`);
    if (this.n + 8 > this.buf.length) {
      const b = new Uint8Array(this.buf.length * 2);
      b.set(this.buf);
      this.buf = b;
    }
    while (v >= 128) {
      this.buf[this.n++] = (v % 128) + 128;
      v = Math.floor(v / 128);
    }
    this.buf[this.n++] = v;
  }

  /** Any integer, zigzagged. */
  putSigned(v: number): void {
    v = Math.round(v);
    this.put(v < 0 ? -2 * v - 1 : 2 * v);
  }

  get length(): number {
    return this.n;
  }

  base64(): string {
    const b = this.buf;
    const n = this.n;
    const out: string[] = [];
    let chunk = '';
    for (let i = 0; i < n; i += 3) {
      const x = (b[i] << 16) | ((i + 1 < n ? b[i + 1] : 0) << 8) | (i + 2 < n ? b[i + 2] : 0);
      chunk += B64[(x >> 18) & 63] + B64[(x >> 12) & 63] + (i + 1 < n ? B64[(x >> 6) & 63] : '=') + (i + 2 < n ? B64[x & 63] : '=');
      if (chunk.length >= 8192) {
        out.push(chunk);
        chunk = '';
      }
    }
    out.push(chunk);
    return out.join('');
  }
}

/** Decode what VarintWriter.base64 made (tests and tools; the page has its own copy). */
export function decodeVarints(s: string): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i += 4) {
    const c = [0, 1, 2, 3].map((k) => (s[i + k] === '=' || s[i + k] === undefined ? -1 : B64.indexOf(s[i + k])));
    const x = (c[0] << 18) | (c[1] << 12) | (Math.max(c[2], 0) << 6) | Math.max(c[3], 0);
    bytes.push((x >> 16) & 255);
    if (c[2] >= 0) bytes.push((x >> 8) & 255);
    if (c[3] >= 0) bytes.push(x & 255);
  }
  const out: number[] = [];
  let v = 0;
  let mul = 1;
  for (const b of bytes) {
    v += (b & 127) * mul;
    if (b < 128) {
      out.push(v);
      v = 0;
      mul = 1;
    } else mul *= 128;
  }
  return out;
}

export const unzigzag = (v: number): number => (v % 2 === 1 ? -(v + 1) / 2 : v / 2);

/** The page's decoder: `gtsVarints(base64)` → Float64Array of the values. */
export const VARINT_DECODER_JS = String.raw`
function gtsVarints(s) {
  var bin = atob(s), n = bin.length, out = new Float64Array(n), k = 0, v = 0, mul = 1;
  for (var i = 0; i < n; i++) {
    var b = bin.charCodeAt(i);
    v += (b & 127) * mul;
    if (b < 128) { out[k++] = v; v = 0; mul = 1; } else mul *= 128;
  }
  return out.subarray(0, k);
}
function gtsUnzigzag(v) { return v % 2 === 1 ? -(v + 1) / 2 : v / 2; }
`;

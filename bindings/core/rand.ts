// Rand: the one seeded PRNG every random choice in gotracesim comes from (xoshiro128**,
// seeded through splitmix32). It is passed down explicitly; nothing reads a global source,
// so a seed fixes every output byte.

export class Rand {
  /** xoshiro128 state a, b, c, d. Int32 slots, not number fields: half the words are outside
   *  V8's 31-bit Smi range, and fields or feedback that first saw Smis deoptimized later. */
  private readonly s = new Int32Array(4);

  constructor(seed: number) {
    let s = seed >>> 0 ^ Math.floor(seed / 4294967296) >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    const st = this.s;
    st[0] = next();
    st[1] = next();
    st[2] = next();
    st[3] = next();
  }

  /** Uniform u32. */
  u32(): number {
    const st = this.s;
    let a = st[0], b = st[1], c = st[2], d = st[3];
    const r = Math.imul(this.rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = this.rotl(d, 11);
    st[0] = a;
    st[1] = b;
    st[2] = c;
    st[3] = d;
    return r;
  }

  private rotl(x: number, k: number): number {
    return (x << k) | (x >>> (32 - k));
  }

  /** Uniform in [0, 1) with 53 random bits. */
  float(): number {
    return ((this.u32() >>> 5) * 67108864 + (this.u32() >>> 6)) / 9007199254740992;
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  /** A new independent stream derived from this one (for per-thread sources). */
  fork(): Rand {
    return new Rand(this.u32() * 4294967296 + this.u32());
  }
}

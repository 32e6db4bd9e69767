// Dense slot numbers for the ids a v1 trace carries (goroutines, Ps, batch groups), so that the
// per-event loops of the reader index typed arrays instead of hashing numbers in Maps.
//
// Model: ids are the doubles the reader decoded (integers, possibly >= 2^53 and then rounded
// exactly as the decoder rounds them, possibly negative for P ids). Small non-negative ids map
// through a direct table; the rest through an open-addressing hash table keyed by the double.
// Slots are handed out 0, 1, 2, ... in first-seen order and never change; `ids[s]` is the id of
// slot s.
//
// Invariants: memory is O(number of distinct ids), never O(largest id); lookups allocate only
// when the table grows (doubling). Who may touch: the v1 format owner.

const DENSE = 1 << 16;

export class IdSlots {
  /** Number of slots handed out. */
  n = 0;
  /** Slot -> id (first n entries). */
  ids = new Float64Array(64);
  private dense: Int32Array | null = null;
  private keys = new Float64Array(0);
  private vals = new Int32Array(0);
  private mask = -1;
  private used = 0;

  /** Slot of id, handing out the next one if id is new. */
  get(id: number): number {
    if (id >= 0 && id < DENSE && (id | 0) === id) {
      let d = this.dense;
      if (d === null || id >= d.length) d = this.growDense(id);
      let s = d[id];
      if (s < 0) d[id] = s = this.add(id);
      return s;
    }
    return this.getHashed(id);
  }

  /** Slot of id, or -1 if it has none. */
  find(id: number): number {
    if (id >= 0 && id < DENSE && (id | 0) === id) {
      const d = this.dense;
      return d === null || id >= d.length ? -1 : d[id];
    }
    if (this.mask < 0) return -1;
    const keys = this.keys;
    const vals = this.vals;
    let h = hash(id) & this.mask;
    for (;;) {
      const v = vals[h];
      if (v < 0) return -1;
      if (keys[h] === id) return v;
      h = (h + 1) & this.mask;
    }
  }

  /** The direct table, grown (doubling, at most DENSE entries) to hold id. */
  private growDense(id: number): Int32Array {
    const old = this.dense;
    let size = old === null ? 64 : old.length * 2;
    while (size <= id) size *= 2;
    const d = new Int32Array(Math.min(size, DENSE)).fill(-1);
    if (old !== null) d.set(old);
    this.dense = d;
    return d;
  }

  private getHashed(id: number): number {
    if (this.used * 2 >= this.mask + 1) this.rehash();
    const keys = this.keys;
    const vals = this.vals;
    let h = hash(id) & this.mask;
    for (;;) {
      const v = vals[h];
      if (v < 0) break;
      if (keys[h] === id) return v;
      h = (h + 1) & this.mask;
    }
    const s = this.add(id);
    keys[h] = id;
    vals[h] = s;
    this.used++;
    return s;
  }

  private rehash(): void {
    const size = this.mask < 0 ? 64 : (this.mask + 1) * 2;
    const oldK = this.keys;
    const oldV = this.vals;
    this.keys = new Float64Array(size);
    this.vals = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    for (let j = 0; j < oldV.length; j++) {
      if (oldV[j] < 0) continue;
      let h = hash(oldK[j]) & this.mask;
      while (this.vals[h] >= 0) h = (h + 1) & this.mask;
      this.keys[h] = oldK[j];
      this.vals[h] = oldV[j];
    }
  }

  private add(id: number): number {
    const s = this.n++;
    if (s === this.ids.length) {
      const b = new Float64Array(s * 2);
      b.set(this.ids);
      this.ids = b;
    }
    this.ids[s] = id;
    return s;
  }
}

/** Hash of an integral double (any magnitude or sign). */
function hash(id: number): number {
  const lo = id >>> 0;
  const hi = (id / 4294967296) >>> 0;
  const h = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1);
  return h ^ (h >>> 15);
}

/** A copy of a with room for at least n elements (doubling), or a itself if it has room. */
export function growF64(a: Float64Array, n: number, fill = 0): Float64Array {
  if (n <= a.length) return a;
  const b = new Float64Array(Math.max(n, a.length * 2));
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

export function growU8(a: Uint8Array, n: number): Uint8Array {
  if (n <= a.length) return a;
  const b = new Uint8Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}

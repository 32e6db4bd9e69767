// IdTable: a map from non-negative integer ids to values, dense for small ids.
//
// Layout: ids below DENSE_LIMIT live in a plain array indexed by id (grown by
// doubling up to the largest id seen); every other key (large, negative, fractional,
// e.g. the 2^64 of "no thread") lives in a Map. Goroutine, proc and string ids are
// small dense integers in real traces, so lookups on the hot path are array reads.
//
// Invariants: behaves exactly like a Map<number, T> for get/set/has/delete/size;
// memory is bounded by DENSE_LIMIT slots plus the Map's entries, whatever the input.
// Owner: the Go1.22+ format (bindings/formats/v2/); other modules import index.ts only.

const DENSE_LIMIT = 1 << 20;

export class IdTable<T> {
  private dense: Array<T | undefined> = [];
  private readonly sparse = new Map<number, T>();
  private n = 0;

  get size(): number {
    return this.n;
  }

  get(id: number): T | undefined {
    // Ids arrive as doubles (Float64Array args): index with the int32 form.
    const i = id | 0;
    if (i === id && i >= 0) {
      if (i < this.dense.length) return this.dense[i];
      if (i < DENSE_LIMIT) return undefined;
    }
    return this.sparse.get(id);
  }

  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  set(id: number, v: T): void {
    if (id >= 0 && id < DENSE_LIMIT && (id | 0) === id) {
      if (id >= this.dense.length) {
        let len = Math.max(16, this.dense.length);
        while (len <= id) len *= 2;
        const next: Array<T | undefined> = new Array(Math.min(len, DENSE_LIMIT)).fill(undefined);
        for (let i = 0; i < this.dense.length; i++) next[i] = this.dense[i];
        this.dense = next;
      }
      if (this.dense[id] === undefined) this.n++;
      this.dense[id] = v;
      return;
    }
    if (!this.sparse.has(id)) this.n++;
    this.sparse.set(id, v);
  }

  delete(id: number): boolean {
    if (id >= 0 && id < DENSE_LIMIT && (id | 0) === id) {
      if (id < this.dense.length && this.dense[id] !== undefined) {
        this.dense[id] = undefined;
        this.n--;
        return true;
      }
      return false;
    }
    const had = this.sparse.delete(id);
    if (had) this.n--;
    return had;
  }

  /** Entries in id order for dense ids, then the others in insertion order. */
  *entries(): IterableIterator<[number, T]> {
    for (let i = 0; i < this.dense.length; i++) {
      const v = this.dense[i];
      if (v !== undefined) yield [i, v];
    }
    yield* this.sparse.entries();
  }
}

/**
 * Slots for ids: a dense, reusable index per live id, so per-id state can live in typed
 * arrays indexed by slot. Slots of deleted ids are reused, so the arrays are bounded by
 * the largest number of ids alive at once (not by the largest id).
 */
export class SlotTable {
  private readonly ids = new IdTable<number>();
  /**
   * slot+1 by id for ids below dense.length (0 = absent): the hot lookup, one typed read.
   * Read-only outside; replaced (not resized) when it grows.
   */
  dense = new Int32Array(64);
  private readonly free: number[] = [];
  /** Slots handed out so far (the arrays indexed by slot need at least this many entries). */
  used = 0;

  get size(): number {
    return this.ids.size;
  }

  /** Slot of id, -1 when absent. */
  get(id: number): number {
    const d = this.dense;
    if (id >= 0 && id < d.length) {
      const i = id | 0;
      if (i === id) return d[i] - 1;
    }
    const s = this.ids.get(id);
    return s === undefined ? -1 : s;
  }

  /** A slot for an id that is not present. */
  add(id: number): number {
    const s = this.free.length > 0 ? this.free.pop()! : this.used++;
    this.ids.set(id, s);
    if (id >= 0 && id < DENSE_LIMIT && (id | 0) === id) {
      if (id >= this.dense.length) {
        let len = this.dense.length;
        while (len <= id) len *= 2;
        const next = new Int32Array(Math.min(len, DENSE_LIMIT));
        next.set(this.dense);
        this.dense = next;
      }
      this.dense[id] = s + 1;
    }
    return s;
  }

  /** Remove id; returns its former slot or -1. */
  delete(id: number): number {
    const s = this.ids.get(id);
    if (s === undefined) return -1;
    this.ids.delete(id);
    if (id >= 0 && id < this.dense.length && (id | 0) === id) this.dense[id] = 0;
    this.free.push(s);
    return s;
  }

  /** [id, slot] pairs, dense ids first in id order. */
  entries(): IterableIterator<[number, number]> {
    return this.ids.entries();
  }
}

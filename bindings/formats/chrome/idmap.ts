// IdMap: values by a non-negative integer id (goroutine, P), in a dense array for small ids and
// a Map beyond. Why: the export looks a goroutine up several times per trace event, and ids
// are small and dense in real traces; a Map lookup by number costs a hash each time.
// Ids past DENSE (or negative, or fractional) go to the Map, so any id works.
// Who may touch: the export owner.

const DENSE = 1 << 20;

export class IdMap<T> {
  private readonly dense: (T | undefined)[] = [];
  private readonly sparse = new Map<number, T>();

  get(id: number): T | undefined {
    return id >= 0 && id < DENSE && (id | 0) === id ? this.dense[id] : this.sparse.get(id);
  }

  set(id: number, v: T): void {
    if (id >= 0 && id < DENSE && (id | 0) === id) {
      // Fill the gap first: a write far past the end would make the array holey (slow).
      while (this.dense.length < id) this.dense.push(undefined);
      this.dense[id] = v;
    } else this.sparse.set(id, v);
  }

  delete(id: number): void {
    if (id >= 0 && id < DENSE && (id | 0) === id) {
      if (id < this.dense.length) this.dense[id] = undefined;
    } else this.sparse.delete(id);
  }

  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  /** Every value, dense ids in order, then the rest in insertion order. */
  *values(): IterableIterator<T> {
    for (const v of this.dense) if (v !== undefined) yield v;
    yield* this.sparse.values();
  }
}

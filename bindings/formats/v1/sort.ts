// Sorts of event indices used by the v1 ordering (order.ts, order-seq.ts, sysexit.ts, merge.ts).
//
// Owns: sortByTick (stable, by a key column: bottom-up merge sort with insertion-sorted runs)
// and sortSmall (ascending insertion sort of a handful of group ids).
// Invariants: in place, stable, no closures and no per-element allocation (the inputs are tens
// of millions of events); equal keys keep their input order, which is what makes the orders
// deterministic and equal to Go's stable sorts. Who may touch: the v1 format owner.

/** Stable sort of event indices by key (ticks, or sequence numbers), in place. */
export function sortByTick(a: Int32Array, ts: Float64Array): void {
  const n = a.length;
  if (n < 2) return;
  // Runs of 16 by insertion sort (stable), then merges through a buffer.
  const RUN = 16;
  for (let lo = 0; lo < n; lo += RUN) {
    const hi = Math.min(lo + RUN, n);
    for (let x = lo + 1; x < hi; x++) {
      const v = a[x];
      const t = ts[v];
      let y = x;
      while (y > lo && ts[a[y - 1]] > t) {
        a[y] = a[y - 1];
        y--;
      }
      a[y] = v;
    }
  }
  if (n <= RUN) return;
  let src: Int32Array = a;
  let dst: Int32Array = new Int32Array(n);
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let x = lo;
      let y = mid;
      let k = lo;
      while (x < mid && y < hi) dst[k++] = ts[src[y]] < ts[src[x]] ? src[y++] : src[x++];
      while (x < mid) dst[k++] = src[x++];
      while (y < hi) dst[k++] = src[y++];
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== a) a.set(src);
}

/** Ascending insertion sort of a[0..n) (n is a handful of group ids). */
export function sortSmall(a: Int32Array, n: number): void {
  for (let x = 1; x < n; x++) {
    const v = a[x];
    let y = x;
    while (y > 0 && a[y - 1] > v) {
      a[y] = a[y - 1];
      y--;
    }
    a[y] = v;
  }
}

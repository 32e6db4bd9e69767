// Go's unstable sort (slices.SortFunc, pattern-defeating quicksort), move for move.
//
// Why: Go's reader sorts its frontier with slices.SortFunc when the earliest thread cannot
// advance, then tries the cursors from index 1 on, taking index 0 for the one that failed. With
// equal times the sort may put another cursor first, which Go then never tries in that round; it
// also sorts each generation's CPU samples by time. Which events come out in which order on such
// ties follows from exactly how Go's sort permutes equal elements, so it is reproduced here:
// the same comparisons, swaps and fallbacks (insertion sort up to 12 elements, median-of-three
// or Tukey's ninther pivots, the "already partitioned" and "many equal elements" shortcuts, the
// deterministic pattern breaker, heapsort after too many bad pivots). Sorted output is what any
// sort gives; only the order of equal elements is the point.
// Invariants: goSortFunc(a, cmp) permutes `a` exactly as Go 1.22/1.23's slices.SortFunc would
// permute a slice of the same length with the same comparison results.
// Who may touch: the Go1.22+ format owner.

type Cmp<T> = (a: T, b: T) => number;

const INCREASING = 1;
const DECREASING = 2;

function swap<T>(d: T[], i: number, j: number): void {
  const t = d[i];
  d[i] = d[j];
  d[j] = t;
}

/** Number of bits needed for n (Go's bits.Len). */
function bitLen(n: number): number {
  let k = 0;
  while (n > 0) {
    k++;
    n = Math.floor(n / 2);
  }
  return k;
}

/** Sort `d` in place as Go's slices.SortFunc(d, cmp) does. */
export function goSortFunc<T>(d: T[], cmp: Cmp<T>): void {
  pdq(d, 0, d.length, bitLen(d.length), cmp);
}

function insertion<T>(d: T[], a: number, b: number, cmp: Cmp<T>): void {
  for (let i = a + 1; i < b; i++) {
    for (let j = i; j > a && cmp(d[j], d[j - 1]) < 0; j--) swap(d, j, j - 1);
  }
}

function siftDownHeap<T>(d: T[], lo: number, hi: number, first: number, cmp: Cmp<T>): void {
  let root = lo;
  for (;;) {
    let child = 2 * root + 1;
    if (child >= hi) return;
    if (child + 1 < hi && cmp(d[first + child], d[first + child + 1]) < 0) child++;
    if (!(cmp(d[first + root], d[first + child]) < 0)) return;
    swap(d, first + root, first + child);
    root = child;
  }
}

function heapSort<T>(d: T[], a: number, b: number, cmp: Cmp<T>): void {
  const n = b - a;
  for (let i = Math.floor((n - 1) / 2); i >= 0; i--) siftDownHeap(d, i, n, a, cmp);
  for (let i = n - 1; i >= 0; i--) {
    swap(d, a, a + i);
    siftDownHeap(d, 0, i, a, cmp);
  }
}

function pdq<T>(d: T[], a: number, b: number, limit: number, cmp: Cmp<T>): void {
  let balanced = true;
  let partitioned = true;
  for (;;) {
    const n = b - a;
    if (n <= 12) {
      insertion(d, a, b, cmp);
      return;
    }
    if (limit === 0) {
      heapSort(d, a, b, cmp);
      return;
    }
    if (!balanced) {
      breakPatterns(d, a, b);
      limit--;
    }
    let [pivot, hint] = choosePivot(d, a, b, cmp);
    if (hint === DECREASING) {
      for (let i = a, j = b - 1; i < j; i++, j--) swap(d, i, j);
      pivot = b - 1 - (pivot - a);
      hint = INCREASING;
    }
    if (balanced && partitioned && hint === INCREASING && partialInsertion(d, a, b, cmp)) return;
    if (a > 0 && !(cmp(d[a - 1], d[pivot]) < 0)) {
      // Many elements equal to the pivot: skip them.
      a = partitionEqual(d, a, b, pivot, cmp);
      continue;
    }
    const [mid, already] = partition(d, a, b, pivot, cmp);
    partitioned = already;
    const left = mid - a;
    const right = b - mid;
    const threshold = Math.floor(n / 8);
    if (left < right) {
      balanced = left >= threshold;
      pdq(d, a, mid, limit, cmp);
      a = mid + 1;
    } else {
      balanced = right >= threshold;
      pdq(d, mid + 1, b, limit, cmp);
      b = mid;
    }
  }
}

/** One partition around d[pivot]: [< p] p [>= p]; the pivot's final index, and whether nothing moved. */
function partition<T>(d: T[], a: number, b: number, pivot: number, cmp: Cmp<T>): [number, boolean] {
  swap(d, a, pivot);
  let i = a + 1;
  let j = b - 1;
  while (i <= j && cmp(d[i], d[a]) < 0) i++;
  while (i <= j && !(cmp(d[j], d[a]) < 0)) j--;
  if (i > j) {
    swap(d, j, a);
    return [j, true];
  }
  swap(d, i, j);
  i++;
  j--;
  for (;;) {
    while (i <= j && cmp(d[i], d[a]) < 0) i++;
    while (i <= j && !(cmp(d[j], d[a]) < 0)) j--;
    if (i > j) break;
    swap(d, i, j);
    i++;
    j--;
  }
  swap(d, j, a);
  return [j, false];
}

/** Elements equal to d[pivot] first, then greater ones (none is smaller); the start of the greater. */
function partitionEqual<T>(d: T[], a: number, b: number, pivot: number, cmp: Cmp<T>): number {
  swap(d, a, pivot);
  let i = a + 1;
  let j = b - 1;
  for (;;) {
    while (i <= j && !(cmp(d[a], d[i]) < 0)) i++;
    while (i <= j && cmp(d[a], d[j]) < 0) j--;
    if (i > j) return i;
    swap(d, i, j);
    i++;
    j--;
  }
}

/** Fix a few adjacent inversions; true when the range ends sorted. */
function partialInsertion<T>(d: T[], a: number, b: number, cmp: Cmp<T>): boolean {
  let i = a + 1;
  for (let step = 0; step < 5; step++) {
    while (i < b && !(cmp(d[i], d[i - 1]) < 0)) i++;
    if (i === b) return true;
    if (b - a < 50) return false;
    swap(d, i, i - 1);
    // Go lets the smaller one travel left down to index 1 of the whole slice, not of the range.
    if (i - a >= 2) {
      for (let j = i - 1; j >= 1; j--) {
        if (!(cmp(d[j], d[j - 1]) < 0)) break;
        swap(d, j, j - 1);
      }
    }
    if (b - i >= 2) {
      for (let j = i + 1; j < b; j++) {
        if (!(cmp(d[j], d[j - 1]) < 0)) break;
        swap(d, j, j - 1);
      }
    }
  }
  return false;
}

const MASK64 = (1n << 64n) - 1n;

/** Swap three middle elements with pseudo-random others (a xorshift seeded by the length). */
function breakPatterns<T>(d: T[], a: number, b: number): void {
  const n = b - a;
  if (n < 8) return;
  let r = BigInt(n);
  const mod = 2 ** bitLen(n);
  const mid = a + Math.floor(n / 4) * 2;
  for (let idx = mid - 1; idx <= mid + 1; idx++) {
    r ^= (r << 13n) & MASK64;
    r ^= r >> 17n;
    r ^= (r << 5n) & MASK64;
    let other = Number(r & BigInt(mod - 1));
    if (other >= n) other -= n;
    swap(d, idx, a + other);
  }
}

/** Pivot index and a hint (0 unknown, INCREASING, DECREASING) from how many swaps the medians needed. */
function choosePivot<T>(d: T[], a: number, b: number, cmp: Cmp<T>): [number, number] {
  const n = b - a;
  const q = Math.floor(n / 4);
  let i = a + q;
  let j = a + q * 2;
  let k = a + q * 3;
  const swaps = { n: 0 };
  if (n >= 8) {
    if (n >= 50) {
      i = median(d, i - 1, i, i + 1, swaps, cmp);
      j = median(d, j - 1, j, j + 1, swaps, cmp);
      k = median(d, k - 1, k, k + 1, swaps, cmp);
    }
    j = median(d, i, j, k, swaps, cmp);
  }
  if (swaps.n === 0) return [j, INCREASING];
  if (swaps.n === 12) return [j, DECREASING];
  return [j, 0];
}

/** Index of the median of d[x], d[y], d[z], counting the out-of-order pairs met. */
function median<T>(d: T[], x: number, y: number, z: number, swaps: { n: number }, cmp: Cmp<T>): number {
  if (cmp(d[y], d[x]) < 0) {
    swaps.n++;
    [x, y] = [y, x];
  }
  if (cmp(d[z], d[y]) < 0) {
    swaps.n++;
    [y, z] = [z, y];
  }
  if (cmp(d[y], d[x]) < 0) {
    swaps.n++;
    [x, y] = [y, x];
  }
  return y;
}

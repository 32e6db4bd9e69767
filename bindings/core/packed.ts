// Empty arrays born in the elements kind they will end in. V8 starts `[]` as small-integer
// elements and changes the array's map on the first object or fraction stored; code optimized
// while some arrays of a field were still fresh then deoptimizes on "wrong map" or "not a Smi"
// (issue 13: ~80 deopts per sweep worker). Arrays made here keep
// one map for life. Pure helpers, no state; any module may use them for hot per-run arrays.

/** An empty array of objects (V8 PACKED_ELEMENTS): pushes of objects never change its map. */
export function objects<T>(): T[] {
  const a = [null as T];
  a.pop();
  return a;
}

/** An empty array of objects indexed sparsely (HOLEY_ELEMENTS): stores past the end keep its
 *  map. Holes read as undefined, which T should admit when the caller reads them. */
export function holeyObjects<T>(): T[] {
  const a = [, null as T] as T[]; // the hole makes the literal HOLEY_ELEMENTS
  a.length = 0;
  return a;
}

/** An empty array of numbers stored as doubles (PACKED_DOUBLE_ELEMENTS): fractions keep its map. */
export function doubles(): number[] {
  const a = [0.5];
  a.pop();
  return a;
}

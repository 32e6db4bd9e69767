// The frontier of the v1 batch merge (merge.ts): the batch groups whose next event is ready to
// be placed, and the choice of which goes next.
//
// Owns: ReadyHeads. Up to GO_FRONTIER_MAX groups it replays Go 1.19's own frontier exactly:
// newly ready groups are appended in group order (`fresh`, sorted), the frontier is stably
// sorted by tick, the first is taken and the last moved into its slot — so events with equal
// ticks come out in Go's order. Beyond that (hostile inputs only) a binary heap keyed by
// (tick, byte offset) keeps the merge O(n log groups).
// Layout: `front[0..frontN)` holds group ids; `keyTs[b]` / `keyOff[b]` the tick and offset of
// group b's ready head. In Go mode, after take(), front[1..] is sorted and front[0] is the
// largest: `frontMin` is then the smallest tick and `frontMaxUnique` whether the largest tick is
// held by one group only. The merge's inner loop reads and updates these fields directly to
// take its common cases without a call (see Merger.run); it keeps these invariants.
// Invariants: no allocation after construction; deterministic. Who may touch: the v1 format
// owner.

import * as sort from './sort.ts';

// A local binding: imported bindings compile to getters under some loaders (tsx, vitest).
const { sortSmall } = sort;

/** Largest number of batch groups for which Go's frontier is replayed exactly. */
export const GO_FRONTIER_MAX = 64;

export class ReadyHeads {
  /** Go's frontier (true) or the heap. */
  readonly goFrontier: boolean;
  readonly front: Int32Array;
  frontN = 0;
  /** Go mode: groups that became ready since the last take(), in the order they did. */
  readonly fresh: Int32Array;
  freshN = 0;
  /** Smallest tick in the frontier, and whether its largest tick is held by one group only. */
  frontMin = 0;
  frontMaxUnique = true;
  readonly keyTs: Float64Array;
  readonly keyOff: Float64Array;

  constructor(groups: number) {
    this.goFrontier = groups <= GO_FRONTIER_MAX;
    this.front = new Int32Array(groups);
    this.fresh = new Int32Array(groups);
    this.keyTs = new Float64Array(groups);
    this.keyOff = new Float64Array(groups);
  }

  /** Group b's head (tick t, byte offset o) is ready. */
  push(b: number, t: number, o: number): void {
    this.keyTs[b] = t;
    if (this.goFrontier) {
      this.fresh[this.freshN++] = b;
      return;
    }
    this.keyOff[b] = o;
    const front = this.front;
    const keyTs = this.keyTs;
    const keyOff = this.keyOff;
    let h = this.frontN++;
    while (h > 0) {
      const parent = (h - 1) >> 1;
      const q = front[parent];
      if (keyTs[q] < t || (keyTs[q] === t && keyOff[q] < o)) break;
      front[h] = q;
      h = parent;
    }
    front[h] = b;
  }

  /** Take the group whose head goes next, or -1 if no head is ready. */
  take(): number {
    const front = this.front;
    const keyTs = this.keyTs;
    if (this.goFrontier) {
      // Fast path: a single newly ready head earlier than everything waiting in the frontier.
      // Go would sort it first, take it, and move the frontier's last (largest) element to the
      // front; when that largest tick is unique, that move changes no order between equal
      // ticks, so leaving the frontier as it is yields the same stream.
      if (this.freshN === 1 && (this.frontN === 0 || (keyTs[this.fresh[0]] < this.frontMin && this.frontMaxUnique))) {
        this.freshN = 0;
        return this.fresh[0];
      }
      if (this.freshN > 1) sortSmall(this.fresh, this.freshN);
      for (let j = 0; j < this.freshN; j++) front[this.frontN++] = this.fresh[j];
      this.freshN = 0;
      const n = this.frontN;
      if (n === 0) return -1;
      // Stable insertion sort by tick (what Go's sort does for frontiers this small).
      for (let x = 1; x < n; x++) {
        const v = front[x];
        const t = keyTs[v];
        let y = x;
        while (y > 0 && t < keyTs[front[y - 1]]) {
          front[y] = front[y - 1];
          y--;
        }
        front[y] = v;
      }
      const b = front[0];
      front[0] = front[--this.frontN];
      // front[1..] is sorted and front[0] is the largest: its minimum and whether the largest
      // tick is held by one group only.
      const m = this.frontN;
      if (m > 0) {
        const max = keyTs[front[0]];
        this.frontMin = m > 1 ? keyTs[front[1]] : max;
        this.frontMaxUnique = m < 2 || keyTs[front[m - 1]] < max;
      }
      return b;
    }
    if (this.frontN === 0) return -1;
    const keyOff = this.keyOff;
    const b = front[0];
    const last = front[--this.frontN];
    const n = this.frontN;
    if (n > 0) {
      const t = keyTs[last];
      const o = keyOff[last];
      let h = 0;
      for (;;) {
        let c = 2 * h + 1;
        if (c >= n) break;
        const r = c + 1;
        if (r < n) {
          const fr = front[r];
          const fc = front[c];
          if (keyTs[fr] < keyTs[fc] || (keyTs[fr] === keyTs[fc] && keyOff[fr] < keyOff[fc])) c = r;
        }
        const q = front[c];
        if (t < keyTs[q] || (t === keyTs[q] && o < keyOff[q])) break;
        front[h] = q;
        h = c;
      }
      front[h] = last;
    }
    return b;
  }
}

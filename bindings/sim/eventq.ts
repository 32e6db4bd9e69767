// EventQueue: the simulation's agenda, a binary min-heap of timed events.
//
// Ties on time break by insertion order (seq), so the run is deterministic. Events are not
// removed when they become moot; each carries the epoch of the object it concerns and the
// handler drops it if the object has moved on (lazy cancellation, cheaper than a decrease-key).

export interface SimEvent {
  t: number;
  seq: number;
  kind: number;
  /** The object concerned (an M, a G, a thread...) and the epoch it had when scheduled. */
  obj: unknown;
  epoch: number;
}

export class EventQueue {
  private heap: SimEvent[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(t: number, kind: number, obj: unknown, epoch = 0): void {
    const e: SimEvent = { t, seq: this.seq++, kind, obj, epoch };
    const h = this.heap;
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const q = h[p];
      if (q.t < t || (q.t === t && q.seq < e.seq)) break;
      h[i] = q;
      i = p;
    }
    h[i] = e;
  }

  peekTime(): number {
    return this.heap.length ? this.heap[0].t : Infinity;
  }

  pop(): SimEvent | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length === 0 || last === undefined) return top;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && (h[r].t < h[l].t || (h[r].t === h[l].t && h[r].seq < h[l].seq))) c = r;
      const x = h[c];
      if (last.t < x.t || (last.t === x.t && last.seq < x.seq)) break;
      h[i] = x;
      i = c;
    }
    h[i] = last;
    return top;
  }
}

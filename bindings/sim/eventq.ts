// EventQueue: the simulation's agenda, a binary min-heap of timed events.
//
// Ties on time break by insertion order (seq), so the run is deterministic: (t, seq) is a
// total order, so any correct heap pops the same sequence. Events are not removed when they
// become moot; each carries the epoch of the object it concerns and the handler drops it if
// the object has moved on (lazy cancellation, cheaper than a decrease-key).
//
// Layout (no object per event; the agenda turns ~300,000 times per simulated second): an event
// lives in a slot of parallel typed arrays (time, seq, kind, epoch) plus one array of the
// objects concerned; free slots are kept on a stack. The heap itself is an Int32Array of slot
// numbers, so a sift moves one integer. `pop` copies the top event into the `top*` fields
// and frees its slot at once (the object reference is dropped for the collector).
// Who may touch: Sched (sched.ts) pops; every part pushes the kinds agenda.ts gives it.

export class EventQueue {
  private cap = 1024;
  private heap = new Int32Array(this.cap);
  private n = 0;
  private ts = new Float64Array(this.cap);
  private seqs = new Float64Array(this.cap);
  private kinds = new Int32Array(this.cap);
  private epochs = new Float64Array(this.cap);
  private objs: unknown[] = new Array(this.cap).fill(null);
  /** Free slots: a stack of slot numbers. */
  private free = new Int32Array(this.cap);
  private nfree = 0;
  /** Slots ever used (slots below this are either in the heap or on the free stack). */
  private used = 0;
  private seq = 0;

  /** The event `pop` took last. */
  topT = 0;
  topKind = 0;
  topObj: unknown = null;
  topEpoch = 0;

  get size(): number {
    return this.n;
  }

  push(t: number, kind: number, obj: unknown, epoch = 0): void {
    let slot: number;
    if (this.nfree > 0) slot = this.free[--this.nfree];
    else {
      if (this.used === this.cap) this.grow();
      slot = this.used++;
    }
    const seq = this.seq++;
    const ts = this.ts;
    const seqs = this.seqs;
    ts[slot] = t;
    seqs[slot] = seq;
    this.kinds[slot] = kind;
    this.epochs[slot] = epoch;
    this.objs[slot] = obj;
    const h = this.heap;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const q = h[p];
      const qt = ts[q];
      if (qt < t || (qt === t && seqs[q] < seq)) break;
      h[i] = q;
      i = p;
    }
    h[i] = slot;
  }

  peekTime(): number {
    return this.n > 0 ? this.ts[this.heap[0]] : Infinity;
  }

  /** Take the earliest event into top*; false when the agenda is empty. */
  pop(): boolean {
    if (this.n === 0) return false;
    const h = this.heap;
    const ts = this.ts;
    const seqs = this.seqs;
    const top = h[0];
    this.topT = ts[top];
    this.topKind = this.kinds[top];
    this.topObj = this.objs[top];
    this.topEpoch = this.epochs[top];
    this.objs[top] = null;
    this.free[this.nfree++] = top;
    const n = --this.n;
    if (n === 0) return true;
    const last = h[n];
    const lt = ts[last];
    const ls = seqs[last];
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      let ct = ts[h[l]];
      if (r < n) {
        const rt = ts[h[r]];
        if (rt < ct || (rt === ct && seqs[h[r]] < seqs[h[l]])) {
          c = r;
          ct = rt;
        }
      }
      const x = h[c];
      if (lt < ct || (lt === ct && ls < seqs[x])) break;
      h[i] = x;
      i = c;
    }
    h[i] = last;
    return true;
  }

  private grow(): void {
    const cap = this.cap * 2;
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.heap = i32(this.heap);
    this.free = i32(this.free);
    this.kinds = i32(this.kinds);
    this.ts = f64(this.ts);
    this.seqs = f64(this.seqs);
    this.epochs = f64(this.epochs);
    for (let i = this.cap; i < cap; i++) this.objs.push(null);
    this.cap = cap;
  }
}

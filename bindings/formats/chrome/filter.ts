// TrackFilter: a TrackSink in front of another that keeps what falls in a time window and
// passes counters on only when they change, at most once per resolution bucket.
//
// Window [from, to) in ns since the trace began (the clock of the export's ts):
//   - an interval is kept when it overlaps the window by more than nothing (a zero-length one
//     when it lies in it), clipped to it: [max(start, from), min(end, to)];
//   - an instant is kept when from <= t < to;
//   - a counter starts the window with the value it had at `from` (stamped `from`), then
//     changes inside the window; changes at or after `to` are dropped.
// Counters: a series (HeapAlloc, HeapGoal, Gomaxprocs, the Goroutines counts) is passed on
// only when its values differ from the last ones passed on. With a resolution R > 0, time is
// cut into buckets [from + kR, from + (k+1)R): of the changes inside one bucket only the last
// is passed on, at its own time; so at every bucket boundary the counter shows exactly the
// value the trace has there, and a series makes at most one event per R. R = 0: every change.
// Why: in a busy trace the goroutine counts change at nearly every event, and one counter event
// per change made the JSON 24× the trace, 70% of it counters.
// Who may touch: the export owner.

import type { Frames, MetricName, TrackSink } from './tracks.ts';

export interface TrackFilterOptions {
  /** Window start, ns since the trace began (default 0). */
  from?: number;
  /** Window end, exclusive (default: none). */
  to?: number;
  /** Counter resolution in ns (default 0: every change). */
  counterResolution?: number;
}

/** One counter series (up to 4 values): its last values passed on, and the latest change not
 *  yet passed on. Fixed storage: the Goroutines counts change about once per trace event. */
class Series {
  private readonly last = new Float64Array(4);
  private hasLast = false;
  private readonly pending = new Float64Array(4);
  private hasPending = false;
  private pendingT = 0;
  /** The pending values are the ones in effect at `from`: passed on whatever the bucket. */
  private atFrom = false;

  constructor(
    private readonly from: number,
    private readonly to: number,
    private readonly res: number,
    private readonly emit: (t: number, v: Float64Array) => void,
  ) {}

  update(t: number, a: number, b = 0, c = 0, d = 0): void {
    if (t >= this.to) return;
    if (t < this.from) {
      this.set(this.from, a, b, c, d); // the value in effect at `from`, so far
      this.atFrom = true;
      return;
    }
    if (this.atFrom && t === this.from) {
      // Changed right at `from`: the value before it is never shown.
      this.hasPending = false;
      this.atFrom = false;
    }
    if (this.hasPending && (this.res === 0 || this.atFrom || this.bucket(this.pendingT) !== this.bucket(t))) this.flush();
    this.set(t, a, b, c, d);
    if (this.res === 0) this.flush();
  }

  private set(t: number, a: number, b: number, c: number, d: number): void {
    const p = this.pending;
    p[0] = a;
    p[1] = b;
    p[2] = c;
    p[3] = d;
    this.pendingT = t;
    this.hasPending = true;
  }

  private bucket(t: number): number {
    return Math.floor((t - this.from) / this.res);
  }

  flush(): void {
    if (!this.hasPending) return;
    this.hasPending = false;
    this.atFrom = false;
    const p = this.pending;
    const l = this.last;
    if (this.hasLast && l[0] === p[0] && l[1] === p[1] && l[2] === p[2] && l[3] === p[3]) return;
    l.set(p);
    this.hasLast = true;
    this.emit(this.pendingT, p);
  }
}

export class TrackFilter implements TrackSink {
  readonly detail: boolean;
  private readonly from: number;
  private readonly to: number;
  private readonly res: number;
  private readonly metrics = new Map<MetricName, Series>();
  private readonly counts: Series;

  constructor(
    private readonly sink: TrackSink,
    opts: TrackFilterOptions = {},
  ) {
    this.detail = sink.detail;
    this.from = opts.from ?? 0;
    this.to = opts.to ?? Infinity;
    this.res = opts.counterResolution ?? 0;
    if (!(this.from >= 0) || !(this.to > this.from)) throw new RangeError(`export window: need 0 <= from < to, got from=${this.from} to=${this.to}`);
    if (!(this.res >= 0)) throw new RangeError(`counter resolution: need >= 0, got ${this.res}`);
    this.counts = new Series(this.from, this.to, this.res, (t, v) => sink.goroutines(t, v[0], v[1], v[2], v[3]));
  }

  /** Clipped interval of the last clip() that kept one (fields, not a tuple: no allocation). */
  private cs = 0;
  private ce = 0;

  /** Whether [start, end] has a part inside the window; that part in cs, ce. */
  private clip(start: number, end: number): boolean {
    if (end <= start) {
      this.cs = start;
      this.ce = end;
      return start >= this.from && start < this.to;
    }
    this.cs = start > this.from ? start : this.from;
    this.ce = end < this.to ? end : this.to;
    return this.cs < this.ce;
  }

  private inside(t: number): boolean {
    return t >= this.from && t < this.to;
  }

  generation(gen: number, t: number): void {
    this.sink.generation(gen, t);
  }

  execution(g: number, fn: string, p: number, start: number, end: number, why: string, label: string): void {
    if (this.clip(start, end)) this.sink.execution(g, fn, p, this.cs, this.ce, why, label);
  }

  syscall(g: number, fn: string, start: number, end: number, stack: Frames): void {
    if (this.clip(start, end)) this.sink.syscall(g, fn, this.cs, this.ce, stack);
  }

  assist(g: number, fn: string, start: number, end: number): void {
    if (this.clip(start, end)) this.sink.assist(g, fn, this.cs, this.ce);
  }

  region(g: number, fn: string, name: string, task: number, start: number, end: number): void {
    if (this.clip(start, end)) this.sink.region(g, fn, name, task, this.cs, this.ce);
  }

  task(id: number, parent: number, name: string, start: number, end: number): void {
    if (this.clip(start, end)) this.sink.task(id, parent, name, this.cs, this.ce);
  }

  log(g: number, fn: string, task: number, category: string, message: string, t: number, stack: Frames): void {
    if (this.inside(t)) this.sink.log(g, fn, task, category, message, t, stack);
  }

  cpuSample(g: number, p: number, t: number, stack: Frames): void {
    if (this.inside(t)) this.sink.cpuSample(g, p, t, stack);
  }

  gc(start: number, end: number): void {
    if (this.clip(start, end)) this.sink.gc(this.cs, this.ce);
  }

  stw(start: number, end: number, reason: string): void {
    if (this.clip(start, end)) this.sink.stw(this.cs, this.ce, reason);
  }

  sweep(p: number, start: number, end: number, swept: number, reclaimed: number): void {
    if (this.clip(start, end)) this.sink.sweep(p, this.cs, this.ce, swept, reclaimed);
  }

  metric(name: MetricName, t: number, value: number): void {
    let s = this.metrics.get(name);
    if (s === undefined) {
      s = new Series(this.from, this.to, this.res, (at, v) => this.sink.metric(name, at, v[0]));
      this.metrics.set(name, s);
    }
    s.update(t, value);
  }

  goroutines(t: number, running: number, runnable: number, waiting: number, syscall: number): void {
    this.counts.update(t, running, runnable, waiting, syscall);
  }

  end(t: number): void {
    for (const s of this.metrics.values()) s.flush();
    this.counts.flush();
    this.sink.end(Math.min(t, this.to));
  }
}

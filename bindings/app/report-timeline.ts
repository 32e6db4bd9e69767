// The run report's timeline, gathered in one streamed pass over the trace: TimelineBuilder is a
// TrackSink of the export's model (formats/chrome: the same goroutine execution slices, CPU
// samples, GC and STW intervals and generation boundaries as the Perfetto export) and keeps
// per-track arrays whose total size is bounded, whatever the trace:
//   - a track per P (slices of whichever goroutine ran on it) and per goroutine (its own
//     slices): parallel arrays start, end (ns) and, on P tracks, g;
//   - one merge resolution `res` for all tracks (0 at first: only touching slices of one
//     goroutine merge). When the tracks hold more than SEGMENT_BUDGET segments, res doubles
//     (from 1µs) and every track is merged again: neighbours closer than res merge when they
//     are of one goroutine, or when either is shorter than res (a sliver is absorbed by its
//     neighbour; the merged segment keeps the goroutine of the longer piece). So at any zoom
//     where res is under a pixel, the page draws what an exact timeline would;
//   - CPU samples (time, P, g), thinned by a doubling stride past SAMPLE_CAP; those found in a
//     generation after the one they were taken in (Go1.22+ as shipped with one CPU buffer:
//     their times are lost, the reader puts them at the generation's start 1 ns apart, see
//     cpuSample) listed apart, at the time the reader gave them;
//   - GC and STW bands and generation boundaries (each at the generation's first event that
//     is not a misplaced sample);
//   - per goroutine: run time, slices, samples.
// The result is compact: per track, varints of (gap since the previous end, duration[, g]) as
// base64 (report-codec.ts), times in whole ns; the page decodes them into typed arrays.
// Browser-safe: the examples page builds its timeline with it too.
// Who may touch: the report owner.

import { runTracks, runTracksStream, type TrackSink } from '../formats/chrome/index.ts';
import { VarintWriter } from './report-codec.ts';

/** Segments held over all tracks before the resolution coarsens. */
export const SEGMENT_BUDGET = 1 << 20;
/** CPU samples held before thinning. */
export const SAMPLE_CAP = 1 << 18;
/** Misplaced samples listed (the count is exact beyond). */
const MISPLACED_CAP = 10_000;

export interface TimelineTrack {
  /** "P0", "G12", "no P". */
  name: string;
  /** P id or goroutine id. */
  id: number;
  kind: 'p' | 'g' | 'none';
  /** Segments. */
  n: number;
  /** base64 varints: per segment, zigzag gap from the previous segment's end (the first:
   *  from 0), duration, and on P tracks the goroutine id. */
  seg: string;
}

export interface TimelineData {
  format: string;
  spanNs: number;
  /** Merge resolution (ns) the tracks were kept at: 0 = every slice as it was. */
  resNs: number;
  tracks: TimelineTrack[];
  /** Tracks 0..procs-1 are the Ps (by id). */
  procs: number;
  /** base64 varints: per kept sample, zigzag time delta from the previous, track index + 1
   *  (0: none), goroutine id. */
  samples: string;
  samplesShown: number;
  /** [time ns, P (-1: none), g] of samples found in a later generation than their time's. */
  misplaced: [number, number, number][];
  /** Start of each generation after the first (ns); empty for traces before Go 1.22. */
  generations: number[];
  /** base64 varints: per band, zigzag gap from the previous band's end, duration. */
  gc: string;
  stw: string;
  totals: { slices: number; segments: number; goroutines: number; cpuSamples: number; misplaced: number };
}

class Track {
  start: number[] = [];
  end: number[] = [];
  g: number[] | null;
  constructor(withG: boolean) {
    this.g = withG ? [] : null;
  }

  get length(): number {
    return this.start.length;
  }

  /** Append (time-ordered by end); merge into the last segment per `res`. Returns 1 if it grew. */
  add(s: number, e: number, g: number, res: number): number {
    const n = this.start.length;
    if (n > 0) {
      const ks = this.start[n - 1];
      const ke = this.end[n - 1];
      const kg = this.g ? this.g[n - 1] : g;
      if (s - ke <= res && (kg === g || (res > 0 && (e - s < res || ke - ks < res)))) {
        if (this.g && e - s > ke - ks) this.g[n - 1] = g;
        if (e > ke) this.end[n - 1] = e;
        return 0;
      }
    }
    this.start.push(s);
    this.end.push(e);
    this.g?.push(g);
    return 1;
  }

  /** Merge the whole track at resolution res; returns the segments removed. */
  merge(res: number): number {
    const { start, end, g } = this;
    const n = start.length;
    let k = -1;
    for (let i = 0; i < n; i++) {
      if (k >= 0) {
        const gi = g ? g[i] : 0;
        const gk = g ? g[k] : 0;
        if (start[i] - end[k] <= res && (gk === gi || end[i] - start[i] < res || end[k] - start[k] < res)) {
          if (g && end[i] - start[i] > end[k] - start[k]) g[k] = gi;
          if (end[i] > end[k]) end[k] = end[i];
          continue;
        }
      }
      k++;
      start[k] = start[i];
      end[k] = end[i];
      if (g) g[k] = g[i];
    }
    start.length = end.length = k + 1;
    if (g) g.length = k + 1;
    return n - (k + 1);
  }

  encode(): string {
    const w = new VarintWriter();
    let prev = 0;
    for (let i = 0; i < this.start.length; i++) {
      const s = Math.round(this.start[i]);
      const e = Math.max(s, Math.round(this.end[i]));
      w.putSigned(s - prev);
      w.put(e - s);
      if (this.g) w.put(Math.max(0, this.g[i]));
      prev = e;
    }
    return w.base64();
  }
}

interface GStats {
  run: number;
  slices: number;
  samples: number;
}

/** Gathers a TimelineData while the model streams (a TrackSink that needs no stacks). */
export class TimelineBuilder implements TrackSink {
  readonly detail = false;
  private readonly pTracks = new Map<number, Track>();
  private readonly gTracks = new Map<number, Track>();
  private readonly byG = new Map<number, GStats>();
  private readonly gcTrack = new Track(false);
  private readonly stwTrack = new Track(false);
  private segments = 0;
  private res = 0;
  private slices = 0;
  private readonly gens: number[] = [];
  /** Kept samples, flat: t, p, g. */
  private samples: number[] = [];
  private stride = 1;
  private cpuSamples = 0;
  private readonly misplaced: [number, number, number][] = [];
  private misplacedCount = 0;
  /** Latest event time handed over so far; while a generation's head is open (see
   *  cpuSample), the time of its last misplaced sample (-1: none yet) and of its first event. */
  private maxSeen = 0;
  private head = false;
  private headT = -1;
  private genFirst = 0;
  private span = 0;

  /** An event at t: ends a generation's head, whose boundary is then t. */
  private seen(t: number): void {
    if (this.head) {
      this.head = false;
      this.gens[this.gens.length - 1] = Math.max(this.gens[this.gens.length - 1], t);
    }
    if (t > this.maxSeen) this.maxSeen = t;
  }

  private stats(g: number): GStats {
    let s = this.byG.get(g);
    if (s === undefined) this.byG.set(g, (s = { run: 0, slices: 0, samples: 0 }));
    return s;
  }

  private grow(d: number): void {
    this.segments += d;
    if (this.segments <= SEGMENT_BUDGET) return;
    const all = [...this.pTracks.values(), ...this.gTracks.values(), this.gcTrack, this.stwTrack];
    while (this.segments > (SEGMENT_BUDGET * 3) / 4) {
      this.res = this.res === 0 ? 1000 : this.res * 2;
      for (const t of all) this.segments -= t.merge(this.res);
    }
  }

  generation(gen: number, t: number): void {
    if (gen <= 1) return;
    this.genFirst = t;
    this.gens.push(Math.max(t, this.maxSeen));
    this.head = true;
    this.headT = -1;
  }

  execution(g: number, _fn: string, p: number, start: number, end: number, _why?: string, _label?: string): void {
    this.seen(end);
    this.slices++;
    const s = this.stats(g);
    s.run += end - start;
    s.slices++;
    if (p >= 0) {
      let tr = this.pTracks.get(p);
      if (tr === undefined) this.pTracks.set(p, (tr = new Track(true)));
      this.grow(tr.add(start, end, g, this.res));
    }
    if (g > 0) {
      let tr = this.gTracks.get(g);
      if (tr === undefined) this.gTracks.set(g, (tr = new Track(false)));
      this.grow(tr.add(start, end, g, this.res));
    }
  }

  cpuSample(g: number, p: number, t: number): void {
    this.stats(g).samples++;
    // Samples drained after an advance carry times of the generation before; a reader (Go's
    // and ours) makes times strictly increase, so they open the new generation, each 1 ns
    // after the one before it. Real samples are microseconds apart: a run of samples that
    // starts with the generation's first event and goes on 1 ns at a time is the misplaced.
    if (this.head && (this.headT < 0 ? t === this.genFirst : t - this.headT === 1)) {
      this.headT = t;
      this.misplacedCount++;
      if (this.misplaced.length < MISPLACED_CAP) this.misplaced.push([Math.round(t), p, g]);
    } else this.seen(t);
    if (p >= 0 && !this.pTracks.has(p)) this.pTracks.set(p, new Track(true));
    if (this.cpuSamples++ % this.stride !== 0) return;
    this.samples.push(t, p, g);
    if (this.samples.length > 3 * SAMPLE_CAP) {
      const s = this.samples;
      let k = 0;
      for (let i = 0; i < s.length; i += 6) (s[k++] = s[i]), (s[k++] = s[i + 1]), (s[k++] = s[i + 2]);
      s.length = k;
      this.stride *= 2;
    }
  }

  gc(start: number, end: number): void {
    this.seen(end);
    this.grow(this.gcTrack.add(start, end, 0, this.res));
  }

  stw(start: number, end: number): void {
    this.seen(end);
    this.grow(this.stwTrack.add(start, end, 0, this.res));
  }

  end(t: number): void {
    this.span = t;
  }

  syscall(_g: number, _fn: string, _s: number, end: number): void {
    this.seen(end);
  }
  assist(_g: number, _fn: string, _s: number, end: number): void {
    this.seen(end);
  }
  region(): void {}
  task(): void {}
  log(_g: number, _fn: string, _task: number, _c: string, _m: string, t: number): void {
    this.seen(t);
  }
  sweep(): void {}
  metric(_n: unknown, t: number): void {
    this.seen(t);
  }
  goroutines(t: number): void {
    this.seen(t);
  }

  /** What is held while reading: segments over all tracks, tracks, samples. */
  held(): { segments: number; tracks: number; samples: number; resNs: number } {
    return { segments: this.segments, tracks: this.pTracks.size + this.gTracks.size + 2, samples: this.samples.length / 3, resNs: this.res };
  }

  /** CPU sample events per goroutine id (0: none). */
  samplesByGoroutine(): Map<number, number> {
    const m = new Map<number, number>();
    for (const [g, s] of this.byG) if (s.samples > 0) m.set(g, s.samples);
    return m;
  }

  result(format: string): TimelineData {
    const procs = [...this.pTracks.keys()].sort((a, b) => a - b);
    const gs = [...this.gTracks.keys()].sort((a, b) => a - b);
    const noP = this.samples.some((_, i) => i % 3 === 1 && this.samples[i] < 0);
    const tracks: TimelineTrack[] = [
      ...procs.map((p) => {
        const t = this.pTracks.get(p)!;
        return { name: `P${p}`, id: p, kind: 'p' as const, n: t.length, seg: t.encode() };
      }),
      ...(noP ? [{ name: 'no P', id: -1, kind: 'none' as const, n: 0, seg: '' }] : []),
      ...gs.map((g) => {
        const t = this.gTracks.get(g)!;
        return { name: `G${g}`, id: g, kind: 'g' as const, n: t.length, seg: t.encode() };
      }),
    ];
    const pRow = new Map(procs.map((p, i) => [p, i]));
    const w = new VarintWriter();
    let prev = 0;
    const s = this.samples;
    for (let i = 0; i < s.length; i += 3) {
      const t = Math.round(s[i]);
      w.putSigned(t - prev);
      prev = t;
      w.put(s[i + 1] >= 0 ? pRow.get(s[i + 1])! + 1 : noP ? procs.length + 1 : 0);
      w.put(Math.max(0, s[i + 2]));
    }
    return {
      format,
      spanNs: Math.round(this.span),
      resNs: this.res,
      tracks,
      procs: procs.length,
      samples: w.base64(),
      samplesShown: s.length / 3,
      misplaced: this.misplaced,
      generations: this.gens.map((t) => Math.round(t)),
      gc: this.gcTrack.encode(),
      stw: this.stwTrack.encode(),
      totals: { slices: this.slices, segments: this.segments, goroutines: gs.length, cpuSamples: this.cpuSamples, misplaced: this.misplacedCount },
    };
  }
}

/** The timeline of a trace and its CPU samples per goroutine, in one pass. Throws TraceError. */
export function timelineOf(input: Uint8Array): { timeline: TimelineData; traceSamplesByG: Map<number, number> } {
  const b = new TimelineBuilder();
  const r = runTracks(input, b);
  return { timeline: b.result(r.format), traceSamplesByG: b.samplesByGoroutine() };
}

/** timelineOf over chunks (a file stream). Rejects with TraceError. */
export async function timelineOfStream(chunks: AsyncIterable<Uint8Array>): Promise<{ timeline: TimelineData; traceSamplesByG: Map<number, number> }> {
  const b = new TimelineBuilder();
  const r = await runTracksStream(chunks, b);
  return { timeline: b.result(r.format), traceSamplesByG: b.samplesByGoroutine() };
}

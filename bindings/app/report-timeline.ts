// The run report's timeline, gathered in one pass over the trace: TimelineBuilder is a
// TrackSink of the export's model (formats/chrome: the same goroutine execution slices, CPU
// samples, GC and STW intervals and generation boundaries as the Perfetto export), and keeps
// per-track summaries whose size is bounded by what the page draws, not by the trace:
//   - a row per P and per candidate goroutine (at most G_CANDIDATES, those that ran longest
//     so far; the TIMELINE_MAX_GOROUTINES longest of all get rows): segments [start, end, g],
//     at most ROW_CAP per row. A full row merges neighbours of one goroutine closer than a
//     gap that doubles (never beyond 1/2000 of the time read so far: less than a pixel of the
//     final chart); a row still full (a P's, goroutines alternating) keeps its longest half;
//   - GC and STW bands the same way (one "goroutine"); CPU samples thinned by a doubling
//     stride; per goroutine: run time, slices and samples.
// At the end, as the chart wants: rows are every P (and "no P" for samples without one), then
// the top goroutines; when the slices exceed TIMELINE_MAX_SLICES, neighbours closer than a
// pixel (span/2000) merge and the longest are kept; sample marks are thinned to
// TIMELINE_MAX_SAMPLES. Small traces (every row under ROW_CAP, at most G_CANDIDATES
// goroutines) give exactly that; larger ones an approximation of it in bounded memory.
// Times in the result are µs, rounded to ns.

import { runTracks, runTracksStream, type TrackSink } from '../formats/chrome/index.ts';

export const TIMELINE_MAX_SLICES = 4000;
export const TIMELINE_MAX_SAMPLES = 3000;
/** Goroutine rows in the timeline (those that ran longest). */
export const TIMELINE_MAX_GOROUTINES = 24;
/** Goroutines followed with a row while reading (the top ones are picked among them). */
const G_CANDIDATES = 64;
/** Segments a row holds before it coarsens (≥ 2 × TIMELINE_MAX_SLICES: one row may hold all
 *  the longest). */
const ROW_CAP = 8192;
/** Samples held (before the final thinning to marks). */
const SAMPLE_CAP = 2 * TIMELINE_MAX_SAMPLES;

/** [row, start µs, duration µs, goroutine id] */
export type TimelineSlice = [number, number, number, number];
/** [row, time µs, goroutine id] */
export type TimelineSample = [number, number, number];

export interface TimelineData {
  format: string;
  spanUs: number;
  rows: string[];
  slices: TimelineSlice[];
  samples: TimelineSample[];
  /** Start of each generation after the first (µs); empty for go 1.19 traces. */
  generations: number[];
  /** GC cycles and STW pauses: [start µs, duration µs]. */
  gc: [number, number][];
  stw: [number, number][];
  /** slices/samples: marks before bounding (a slice or sample of a goroutine with its own row
   *  counts twice); cpuSamples: CPU sample events in the trace. */
  totals: { slices: number; slicesShown: number; samples: number; samplesShown: number; goroutines: number; cpuSamples: number };
}

/** Time-ordered segments of one row, bounded (see the header). Times in ns. */
class Row {
  start: number[] = [];
  end: number[] = [];
  g: number[] = [];
  /** Neighbours of one goroutine at most this far apart merge (-1: none yet). */
  private gap = -1;

  add(start: number, end: number, g: number, now: number): void {
    const n = this.start.length;
    if (n > 0 && this.g[n - 1] === g && start - this.end[n - 1] <= this.gap) {
      if (end > this.end[n - 1]) this.end[n - 1] = end;
      return;
    }
    this.start.push(start);
    this.end.push(end);
    this.g.push(g);
    if (n + 1 > ROW_CAP) this.coarsen(now / 2000);
  }

  private coarsen(maxGap: number): void {
    // Merging alone suffices for a goroutine's row (its segments a pixel apart fit); a P's row
    // of alternating goroutines keeps its longest (more than the chart can show).
    while (this.start.length > ROW_CAP >> 1 && this.gap < maxGap) this.merge(Math.min(Math.max(this.gap * 2, 1000), maxGap));
    if (this.start.length > (ROW_CAP * 3) / 4) this.keepLongest(ROW_CAP >> 1);
  }

  /** Merge neighbours of one goroutine at most `gap` apart. */
  merge(gap: number): void {
    this.gap = gap;
    const { start, end, g } = this;
    let k = -1;
    for (let i = 0; i < start.length; i++) {
      if (k >= 0 && g[k] === g[i] && start[i] - end[k] <= gap) {
        if (end[i] > end[k]) end[k] = end[i];
        continue;
      }
      k++;
      start[k] = start[i];
      end[k] = end[i];
      g[k] = g[i];
    }
    start.length = end.length = g.length = k + 1;
  }

  /** Keep the n longest segments, in time order. */
  private keepLongest(n: number): void {
    const durs = this.start.map((s, i) => this.end[i] - s).sort((a, b) => b - a);
    const min = durs[n - 1];
    let ties = durs.slice(0, n).filter((d) => d === min).length;
    const { start, end, g } = this;
    let k = 0;
    for (let i = 0; i < start.length; i++) {
      const d = end[i] - start[i];
      if (d < min || (d === min && ties-- <= 0)) continue;
      start[k] = start[i];
      end[k] = end[i];
      g[k] = g[i];
      k++;
    }
    start.length = end.length = g.length = k;
  }

  get length(): number {
    return this.start.length;
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
  private readonly pRows = new Map<number, Row>();
  /** Candidate goroutine rows. */
  private readonly gRows = new Map<number, Row>();
  /** A lower bound of the smallest run time among the candidates. */
  private minCandidateRun = 0;
  private readonly byG = new Map<number, GStats>();
  private pSlices = 0;
  private readonly gcRow = new Row();
  private readonly stwRow = new Row();
  private readonly gens: number[] = [];
  /** Kept samples (every `stride`-th), flat: p, t, g. */
  private samples: number[] = [];
  private stride = 1;
  private cpuSamples = 0;
  private readonly sampleProcs = new Set<number>();
  private samplesWithoutP = false;
  private span = 0;

  private stats(g: number): GStats {
    let s = this.byG.get(g);
    if (s === undefined) this.byG.set(g, (s = { run: 0, slices: 0, samples: 0 }));
    return s;
  }

  generation(gen: number, t: number): void {
    if (gen > 1) this.gens.push(t);
  }

  execution(g: number, _fn: string, p: number, start: number, end: number): void {
    if (p < 0) return; // the chart has rows for Ps only
    let row = this.pRows.get(p);
    if (row === undefined) this.pRows.set(p, (row = new Row()));
    row.add(start, end, g, end);
    this.pSlices++;
    const s = this.stats(g);
    s.run += end - start;
    s.slices++;
    if (g > 0) this.candidate(g, s.run)?.add(start, end, g, end);
  }

  /** g's own row: kept while g is among the G_CANDIDATES that ran longest so far. */
  private candidate(g: number, run: number): Row | undefined {
    let row = this.gRows.get(g);
    if (row !== undefined) return row;
    if (this.gRows.size >= G_CANDIDATES) {
      if (run <= this.minCandidateRun) return undefined;
      let minG = -1;
      let min = Infinity;
      for (const c of this.gRows.keys()) {
        const r = this.byG.get(c)!.run;
        if (r < min || (r === min && c > minG)) [min, minG] = [r, c];
      }
      this.minCandidateRun = min;
      if (run <= min) return undefined;
      this.gRows.delete(minG);
    }
    this.gRows.set(g, (row = new Row()));
    return row;
  }

  cpuSample(g: number, p: number, t: number): void {
    this.stats(g).samples++;
    if (p >= 0) this.sampleProcs.add(p);
    else this.samplesWithoutP = true;
    if (this.cpuSamples++ % this.stride === 0) {
      this.samples.push(p, t, g);
      if (this.samples.length > 3 * SAMPLE_CAP) {
        // Keep every other: the stride doubles.
        const s = this.samples;
        let k = 0;
        for (let i = 0; i < s.length; i += 6) (s[k++] = s[i]), (s[k++] = s[i + 1]), (s[k++] = s[i + 2]);
        s.length = k;
        this.stride *= 2;
      }
    }
  }

  gc(start: number, end: number): void {
    this.gcRow.add(start, end, 0, end);
  }

  stw(start: number, end: number): void {
    this.stwRow.add(start, end, 0, end);
  }

  end(t: number): void {
    this.span = t;
  }

  syscall(): void {}
  assist(): void {}
  region(): void {}
  task(): void {}
  log(): void {}
  sweep(): void {}
  metric(): void {}
  goroutines(): void {}

  /** What is held while reading (bounded whatever the trace): segments of all rows, samples. */
  held(): { segments: number; rows: number; samples: number } {
    const rows = [...this.pRows.values(), ...this.gRows.values(), this.gcRow, this.stwRow];
    return { segments: rows.reduce((a, r) => a + r.length, 0), rows: rows.length, samples: this.samples.length / 3 };
  }

  /** CPU sample events per goroutine id (0: none). */
  samplesByGoroutine(): Map<number, number> {
    const m = new Map<number, number>();
    for (const [g, s] of this.byG) if (s.samples > 0) m.set(g, s.samples);
    return m;
  }

  result(format: string): TimelineData {
    const us = (ns: number) => Math.round(ns) / 1000;
    const procs = [...new Set([...this.pRows.keys(), ...this.sampleProcs])].sort((a, b) => a - b);
    const topG = [...this.byG.entries()]
      .filter(([g, s]) => g > 0 && s.slices > 0 && this.gRows.has(g))
      .sort((a, b) => b[1].run - a[1].run || a[0] - b[0])
      .slice(0, TIMELINE_MAX_GOROUTINES)
      .map(([g]) => g)
      .sort((a, b) => a - b);
    const rows = [...procs.map((p) => `P${p}`), ...(this.samplesWithoutP ? ['no P'] : []), ...topG.map((g) => `G${g}`)];
    const noPRow = rows.indexOf('no P');
    const pRow = new Map(procs.map((p, i) => [p, i]));
    const gRow = new Map(topG.map((g) => [g, rows.indexOf(`G${g}`)]));
    const shown: [number, Row][] = [...[...this.pRows].map(([p, r]) => [pRow.get(p)!, r] as [number, Row]), ...topG.map((g) => [gRow.get(g)!, this.gRows.get(g)!] as [number, Row])];
    const total = this.pSlices + topG.reduce((a, g) => a + this.byG.get(g)!.slices, 0);
    if (shown.reduce((a, [, r]) => a + r.length, 0) > TIMELINE_MAX_SLICES) for (const [, r] of shown) r.merge(this.span / 2000);
    let all: TimelineSlice[] = [];
    for (const [i, r] of shown.sort((a, b) => a[0] - b[0])) for (let k = 0; k < r.length; k++) all.push([i, r.start[k], r.end[k] - r.start[k], r.g[k]]);
    if (all.length > TIMELINE_MAX_SLICES) {
      all = all
        .map((s, i) => [s, i] as const)
        .sort((a, b) => b[0][2] - a[0][2] || a[1] - b[1])
        .slice(0, TIMELINE_MAX_SLICES)
        .sort((a, b) => a[1] - b[1])
        .map(([s]) => s);
    }
    // A mark on the sample's P row, and on its goroutine's row when that goroutine has one.
    const marks: TimelineSample[] = [];
    const s = this.samples;
    for (let i = 0; i < s.length; i += 3) {
      marks.push([s[i] >= 0 ? pRow.get(s[i])! : noPRow, us(s[i + 1]), s[i + 2]]);
      const gr = gRow.get(s[i + 2]);
      if (gr !== undefined) marks.push([gr, us(s[i + 1]), s[i + 2]]);
    }
    const stride = Math.max(1, Math.ceil(marks.length / TIMELINE_MAX_SAMPLES));
    const shownMarks = stride === 1 ? marks : marks.filter((_, i) => i % stride === 0);
    const band = (r: Row): [number, number][] => r.start.map((t, i) => [us(t), us(r.end[i] - t)]);
    return {
      format,
      spanUs: us(this.span),
      rows,
      slices: all.map(([r, t, d, g]) => [r, us(t), us(d), g]),
      samples: shownMarks,
      generations: this.gens.map(us),
      gc: band(this.gcRow),
      stw: band(this.stwRow),
      totals: {
        slices: total,
        slicesShown: all.length,
        samples: this.cpuSamples + topG.reduce((a, g) => a + this.byG.get(g)!.samples, 0),
        samplesShown: shownMarks.length,
        goroutines: [...this.byG.values()].filter((x) => x.slices > 0).length,
        cpuSamples: this.cpuSamples,
      },
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

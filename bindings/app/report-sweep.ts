// The sweep report's data, from results.jsonl: plots by axis, never lines across unrelated
// runs. Each chart has one axis of the grid on x; each series is one combination of the other
// axes (those the chart does not average over), its points the seed means.
//   - magnitude: profiled/OS CPU against GOMAXPROCS, with setitimer's expectation
//     min(1, (tick rate / hz) / N) — 2.5/N at 100 Hz and a 4 ms tick (Go issue #45983: at
//     most one signal per tick for the whole process);
//   - loss and misplacement: profile overflow / delivered, trace CPU samples lost and
//     misplaced / taken, against each buffer-size and period axis;
//   - sampling error: the truth distance (TVD over functions and over goroutines) against
//     hz, timer and GOMAXPROCS;
//   - every other axis: ratio and truth distance against it.
// A string-valued axis is drawn on a category axis.
// Who may touch: the report owner.

import { readFileSync } from 'node:fs';
import { parseDuration, parseSize } from '../scenario/resolve.ts';
import type { SweepRow } from './sweep-worker.ts';
import { ReportError } from './report-error.ts';

export interface SweepChart {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  /** 'linear' | 'log' for numeric axes, 'category' for names (x values are then indexes into
   *  `categories`). */
  xType: 'linear' | 'log' | 'category';
  categories?: string[];
  series: { label: string; points: [number, number][]; dashed?: boolean }[];
}

export interface SweepReportData {
  kind: 'sweep';
  title: string;
  axes: string[];
  rows: SweepRow[];
  charts: SweepChart[];
  failed: number;
}

export function readRows(file: string): SweepRow[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ReportError(`${file}: cannot read: ${(e as Error).message}`);
  }
  const rows: SweepRow[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let r: SweepRow;
    try {
      r = JSON.parse(line) as SweepRow;
    } catch (e) {
      throw new ReportError(`${file}:${i + 1}: not valid JSON: ${(e as Error).message}`);
    }
    if (typeof r !== 'object' || r === null || typeof r.params !== 'object' || typeof r.status !== 'string') throw new ReportError(`${file}:${i + 1}: not a sweep row (needs "params" and "status")`);
    rows.push(r);
  });
  if (rows.length === 0) throw new ReportError(`${file}: no rows`);
  return rows;
}

/** An axis value as a number (durations in ms, sizes as given), or NaN. */
function numeric(v: unknown): number {
  if (typeof v === 'number') return v;
  const d = parseDuration(v);
  if (d !== undefined) return d / 1e6;
  const s = parseSize(v);
  return s ?? NaN;
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
const r6 = (x: number) => Math.round(x * 1e6) / 1e6;

const PARALLELISM = ['gomaxprocs'];
const BUFFER_AXES = ['profile.profBuf.words', 'profile.profBuf.tags'];
const PERIOD_AXES = ['profile.readEvery', 'trace.period', 'trace.cpuReaderEvery'];
const ERROR_AXES = ['profile.hz', 'profile.timer', 'gomaxprocs'];

type Metric = (m: Record<string, number>) => number | undefined;
const ratio: Metric = (m) => m.ratio;
const profileLoss: Metric = (m) => (m.delivered > 0 ? m.lostToOverflow / m.delivered : 0);
const traceLoss: Metric = (m) => (m.traceCpuTaken ? (m.traceCpuTaken - (m.traceCpuInTrace ?? 0)) / m.traceCpuTaken : undefined);
const misplaced: Metric = (m) => (m.traceCpuTaken && m.traceCpuMisplaced !== undefined ? m.traceCpuMisplaced / m.traceCpuTaken : undefined);
const tvdFunctions: Metric = (m) => m.truthTvdFunctions;
const tvdGoroutines: Metric = (m) => m.truthTvdGoroutines;

class Axis {
  readonly category: boolean;
  readonly categories: string[] = [];
  constructor(
    readonly name: string,
    rows: SweepRow[],
  ) {
    const vals = rows.map((r) => r.params[name]).filter((v) => v !== undefined);
    this.category = vals.some((v) => !Number.isFinite(numeric(v)));
    if (this.category) for (const v of vals) if (!this.categories.includes(show(v))) this.categories.push(show(v));
  }
  x(v: unknown): number {
    return this.category ? this.categories.indexOf(show(v)) : numeric(v);
  }
}

/** Seed means of `y` per value of `axis`, one series per combination of the other axes. */
function curves(rows: SweepRow[], axes: string[], axis: Axis, y: Metric, prefix: string, ignore: string[] = []): SweepChart['series'] {
  const others = axes.filter((a) => a !== axis.name && !ignore.includes(a));
  const groups = new Map<string, Map<number, number[]>>();
  for (const r of rows) {
    if (r.status !== 'ok' || !r.metrics) continue;
    const x = axis.x(r.params[axis.name]);
    const v = y(r.metrics);
    if (!Number.isFinite(x) || x < 0 || v === undefined || !Number.isFinite(v)) continue;
    const key = prefix + (others.map((a) => `${a}=${show(r.params[a])}`).join(', ') || 'all runs');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = new Map()));
    const arr = g.get(x) ?? [];
    arr.push(v);
    g.set(x, arr);
  }
  return [...groups].map(([label, pts]) => ({
    label,
    points: [...pts].sort((a, b) => a[0] - b[0]).map(([x, vs]) => [x, r6(vs.reduce((a, b) => a + b, 0) / vs.length)] as [number, number]),
  }));
}

function chart(id: string, title: string, axis: Axis, yLabel: string, series: SweepChart['series'], log = false): SweepChart {
  const period = PERIOD_AXES.includes(axis.name);
  return {
    id,
    title,
    xLabel: axis.name + (period ? ' (ms)' : ''),
    yLabel,
    xType: axis.category ? 'category' : log ? 'log' : 'linear',
    ...(axis.category ? { categories: axis.categories } : {}),
    series,
  };
}

/** min(1, (1e9/tick)/hz/N) at each N of the grid (the setitimer expectation). */
function expectation(rows: SweepRow[], xs: number[]): SweepChart['series'][number] | null {
  const m = rows.find((r) => r.metrics?.hz && r.metrics?.tickNs)?.metrics;
  const hz = m?.hz ?? 100;
  const tick = m?.tickNs ?? 4e6;
  const rate = 1e9 / tick / hz;
  if (xs.length === 0) return null;
  return { label: `setitimer expectation min(1, ${r6(rate)}/N)`, points: xs.map((n) => [n, r6(Math.min(1, rate / n))] as [number, number]), dashed: true };
}

export function sweepData(rows: SweepRow[]): SweepReportData {
  const names: string[] = [];
  for (const r of rows) for (const k of Object.keys(r.params)) if (!names.includes(k)) names.push(k);
  const axes = new Map(names.map((a) => [a, new Axis(a, rows)]));
  const charts: SweepChart[] = [];
  const hasTrace = rows.some((r) => r.metrics?.traceCpuTaken !== undefined);
  const hasTruth = rows.some((r) => r.metrics?.truthTvdFunctions !== undefined);
  const drawn = new Set<string>();
  for (const a of names.filter((a) => PARALLELISM.includes(a))) {
    const ax = axes.get(a)!;
    // The ratio counts delivered samples, which buffer sizes and reader periods do not change.
    const series = curves(rows, names, ax, ratio, '', [...BUFFER_AXES, ...PERIOD_AXES]);
    const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((x, y) => x - y);
    const exp = ax.category ? null : expectation(rows, xs);
    charts.push(chart(`magnitude-${a}`, `Magnitude: profiled / OS CPU vs ${a}`, ax, 'profiled CPU / OS CPU', exp ? [...series, exp] : series, true));
    drawn.add(a);
  }
  for (const a of names.filter((a) => BUFFER_AXES.includes(a) || PERIOD_AXES.includes(a))) {
    const ax = axes.get(a)!;
    const series = curves(rows, names, ax, profileLoss, 'profile lost: ');
    if (hasTrace) series.push(...curves(rows, names, ax, traceLoss, 'trace lost: '), ...curves(rows, names, ax, misplaced, 'trace misplaced: '));
    const what = BUFFER_AXES.includes(a) ? 'buffer size' : 'period';
    charts.push(chart(`loss-${a}`, `Samples lost and misplaced vs ${what} (${a})`, ax, 'fraction of samples', series, BUFFER_AXES.includes(a)));
    drawn.add(a);
  }
  if (hasTruth) {
    for (const a of names.filter((a) => ERROR_AXES.includes(a) || !drawn.has(a))) {
      const ax = axes.get(a)!;
      const series = [...curves(rows, names, ax, tvdFunctions, 'functions: '), ...curves(rows, names, ax, tvdGoroutines, 'goroutines: ')];
      charts.push(chart(`truth-${a}`, `Sampling error: distance from the truth vs ${a}`, ax, 'total variation distance', series, a === 'gomaxprocs'));
    }
  }
  for (const a of names.filter((a) => !drawn.has(a))) {
    const ax = axes.get(a)!;
    charts.push(chart(`ratio-${a}`, `Profiled / OS CPU vs ${a}`, ax, 'profiled CPU / OS CPU', curves(rows, names, ax, ratio, '')));
  }
  return { kind: 'sweep', title: `gotracesim sweep report: ${rows.length} runs`, axes: names, rows, charts, failed: rows.filter((r) => r.status !== 'ok').length };
}

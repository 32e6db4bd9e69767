// `gotracesim report`: one self-contained report.html from a run directory (summary.json, and
// trace.out when present) or a sweep directory (results.jsonl).
//
// Everything the page shows is computed here, in Node, and embedded as JSON (bounded: the
// timeline keeps at most TIMELINE_MAX_SLICES goroutine slices and TIMELINE_MAX_SAMPLES sample
// marks, gathered in one streamed pass over trace.out by report-timeline.ts); the page itself
// only draws, with Chart.js inlined, so it works offline.
//
//   run:   a timeline of Ps and goroutines with CPU sample marks, GC and generation
//          boundaries; samples per goroutine, trace vs profile; profBuf occupancy and
//          overflow at each pass of the profile reader (summary.profile.reads).
//   sweep: profiled/OS CPU vs GOMAXPROCS (one curve per value of the other axes), sample loss
//          vs buffer size and vs reader period (the axes the grid has), and every row.
//
// Bad input throws ReportError (the CLI turns it into exit 1).

import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { TraceError } from '../formats/event.ts';
import { parseDuration, parseSize } from '../scenario/resolve.ts';
import type { Summary } from '../runtime/simulate.ts';
import type { SweepRow } from './sweep-worker.ts';
import { timelineOfStream, type TimelineData } from './report-timeline.ts';

export { TIMELINE_MAX_GOROUTINES, TIMELINE_MAX_SAMPLES, TIMELINE_MAX_SLICES, TimelineBuilder, timelineOf, timelineOfStream, type TimelineData, type TimelineSample, type TimelineSlice } from './report-timeline.ts';

export class ReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportError';
  }
}

export interface ReportInput {
  runDir?: string;
  sweepDir?: string;
}

export interface RunReportData {
  kind: 'run';
  title: string;
  summary: Summary;
  timeline: TimelineData | null;
  /** Why there is no timeline (no trace.out, or it could not be read). */
  timelineNote?: string;
  /** Per goroutine id: samples in the profile (summary) and CPU sample events in the trace. */
  samplesPerGoroutine: { g: number; template: string; profile: number; trace: number | null }[];
  profBuf: { capacityWords: number; reads: [number, number, number][] };
}

export interface SweepChart {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  logX: boolean;
  series: { label: string; points: [number, number][] }[];
}

export interface SweepReportData {
  kind: 'sweep';
  title: string;
  axes: string[];
  rows: SweepRow[];
  charts: SweepChart[];
  failed: number;
}

export type ReportData = RunReportData | SweepReportData;

// ---------------------------------------------------------------------------------------
// Run directories

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ReportError(`${file}: cannot read: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ReportError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
}

function checkSummary(s: unknown, file: string): Summary {
  const o = s as Summary;
  const need = (cond: boolean, what: string) => {
    if (!cond) throw new ReportError(`${file}: not a gotracesim summary: ${what}`);
  };
  need(typeof o === 'object' && o !== null && !Array.isArray(o), 'must be a JSON object');
  need(typeof o.profile === 'object' && o.profile !== null, 'missing "profile"');
  need(typeof o.profile.delivered === 'number' && typeof o.profile.inProfile === 'number', 'missing profile.delivered / profile.inProfile');
  need(Array.isArray(o.goroutines), 'missing "goroutines"');
  need(Array.isArray(o.threads), 'missing "threads"');
  return o;
}

async function runData(dir: string): Promise<RunReportData> {
  const file = join(dir, 'summary.json');
  const summary = checkSummary(readJson(file), file);
  let timeline: TimelineData | null = null;
  let timelineNote: string | undefined;
  let traceByG: Map<number, number> | null = null;
  const tracePath = join(dir, 'trace.out');
  if (existsSync(tracePath)) {
    try {
      // Streamed: memory is the timeline's, not the trace's (a Go1.22+ trace is read a
      // generation at a time).
      const r = await timelineOfStream(createReadStream(tracePath, { highWaterMark: 1 << 20 }));
      timeline = r.timeline;
      traceByG = r.traceSamplesByG;
    } catch (e) {
      if (!(e instanceof TraceError)) throw e;
      timelineNote = `${tracePath}: ${e.message} (at byte ${e.offset})`;
    }
  } else timelineNote = `no trace.out in ${dir}`;
  // A release whose trace has no CPU samples (before Go 1.19): nothing to compare with.
  if (summary.switches?.traceCPUSamples === false) traceByG = null;
  const byId = new Map<number, { g: number; template: string; profile: number; trace: number | null }>();
  for (const g of summary.goroutines) byId.set(g.id, { g: g.id, template: g.template, profile: g.samples, trace: traceByG ? (traceByG.get(g.id) ?? 0) : null });
  if (traceByG) for (const [g, n] of traceByG) if (!byId.has(g)) byId.set(g, { g, template: g > 0 ? '?' : '(no goroutine)', profile: 0, trace: n });
  const samplesPerGoroutine = [...byId.values()].filter((x) => x.profile > 0 || (x.trace ?? 0) > 0).sort((a, b) => a.g - b.g);
  return {
    kind: 'run',
    title: `gotracesim report: ${summary.scenario ?? 'run'} (Go ${summary.go}, seed ${summary.seed})`,
    summary,
    timeline,
    timelineNote,
    samplesPerGoroutine,
    profBuf: { capacityWords: summary.profile.profBufWords ?? 0, reads: Array.isArray(summary.profile.reads) ? summary.profile.reads : [] },
  };
}

// ---------------------------------------------------------------------------------------
// Sweep directories

function readRows(file: string): SweepRow[] {
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

/** An axis value as a number (durations in ms, sizes in bytes/words as given), or NaN. */
function numeric(v: unknown): number {
  if (typeof v === 'number') return v;
  const d = parseDuration(v);
  if (d !== undefined) return d / 1e6;
  const s = parseSize(v);
  return s ?? NaN;
}

const PARALLELISM = ['gomaxprocs'];
const BUFFER_AXES = ['profile.profBuf.words', 'profile.profBuf.tags'];
const PERIOD_AXES = ['profile.readEvery', 'trace.period', 'trace.cpuReaderEvery'];

function lossOf(m: Record<string, number>): number {
  return m.delivered > 0 ? m.lostToOverflow / m.delivered : 0;
}
function traceLossOf(m: Record<string, number>): number | undefined {
  if (m.traceCpuTaken === undefined || m.traceCpuTaken === 0) return undefined;
  return (m.traceCpuTaken - (m.traceCpuInTrace ?? 0)) / m.traceCpuTaken;
}

/** Mean of y over seeds, per value of `axis`, one series per combination of the other axes. */
function curves(rows: SweepRow[], axes: string[], axis: string, y: (m: Record<string, number>) => number | undefined, prefix = '', ignore: string[] = []): SweepChart['series'] {
  const others = axes.filter((a) => a !== axis && !ignore.includes(a));
  const groups = new Map<string, Map<number, number[]>>();
  for (const r of rows) {
    if (r.status !== 'ok' || !r.metrics) continue;
    const x = numeric(r.params[axis]);
    const v = y(r.metrics);
    if (!Number.isFinite(x) || v === undefined || !Number.isFinite(v)) continue;
    const key = prefix + (others.map((a) => `${a}=${typeof r.params[a] === 'string' ? r.params[a] : JSON.stringify(r.params[a])}`).join(', ') || 'all runs');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = new Map()));
    const arr = g.get(x) ?? [];
    arr.push(v);
    g.set(x, arr);
  }
  return [...groups].map(([label, pts]) => ({
    label,
    points: [...pts]
      .sort((a, b) => a[0] - b[0])
      .map(([x, vs]) => [x, Math.round((vs.reduce((a, b) => a + b, 0) / vs.length) * 1e6) / 1e6] as [number, number]),
  }));
}

function sweepData(dir: string): SweepReportData {
  const rows = readRows(join(dir, 'results.jsonl'));
  const axes: string[] = [];
  for (const r of rows) for (const k of Object.keys(r.params)) if (!axes.includes(k)) axes.push(k);
  const charts: SweepChart[] = [];
  const hasTrace = rows.some((r) => r.metrics?.traceCpuTaken !== undefined);
  // (The ratio counts delivered samples, which buffer size and reader period do not change:
  // the magnitude curves average over those axes, one curve per timer/release/... value.)
  for (const a of axes.filter((a) => PARALLELISM.includes(a))) {
    charts.push({ id: `magnitude-${a}`, title: `Magnitude: profiled / OS CPU vs ${a}`, xLabel: a, yLabel: 'profiled CPU / OS CPU', logX: true, series: curves(rows, axes, a, (m) => m.ratio, '', [...BUFFER_AXES, ...PERIOD_AXES]) });
  }
  for (const a of axes.filter((a) => BUFFER_AXES.includes(a) || PERIOD_AXES.includes(a))) {
    const series = curves(rows, axes, a, lossOf, 'profile: ');
    if (hasTrace) series.push(...curves(rows, axes, a, traceLossOf, 'trace: '));
    const what = BUFFER_AXES.includes(a) ? 'buffer size' : 'reader period';
    charts.push({ id: `loss-${a}`, title: `Sample loss vs ${what} (${a})`, xLabel: a + (PERIOD_AXES.includes(a) ? ' (ms)' : ''), yLabel: 'fraction of samples lost', logX: BUFFER_AXES.includes(a), series });
  }
  // Always: ratio and loss per run, whatever the axes.
  const ok = rows.filter((r) => r.status === 'ok' && r.metrics);
  charts.push({
    id: 'per-run',
    title: 'Per run: profiled / OS CPU and sample loss',
    xLabel: 'run index',
    yLabel: 'fraction',
    logX: false,
    series: [
      { label: 'profiled / OS CPU', points: ok.map((r) => [r.index, r.metrics!.ratio]) },
      { label: 'profile loss (overflow / delivered)', points: ok.map((r) => [r.index, Math.round(lossOf(r.metrics!) * 1e6) / 1e6]) },
      ...(hasTrace ? [{ label: 'trace CPU-sample loss', points: ok.filter((r) => traceLossOf(r.metrics!) !== undefined).map((r) => [r.index, Math.round(traceLossOf(r.metrics!)! * 1e6) / 1e6] as [number, number]) }] : []),
    ],
  });
  return { kind: 'sweep', title: `gotracesim sweep report: ${rows.length} runs`, axes, rows, charts, failed: rows.filter((r) => r.status !== 'ok').length };
}

// ---------------------------------------------------------------------------------------

/** Which kind of directory this is: 'run' (summary.json) or 'sweep' (results.jsonl). */
export function detectReportDir(dir: string): 'run' | 'sweep' {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new ReportError(`${dir}: no such directory`);
  }
  if (!st.isDirectory()) throw new ReportError(`${dir}: not a directory`);
  if (existsSync(join(dir, 'summary.json'))) return 'run';
  if (existsSync(join(dir, 'results.jsonl'))) return 'sweep';
  throw new ReportError(`${dir}: neither a run directory (summary.json) nor a sweep directory (results.jsonl)`);
}

/** The data a report embeds (exported for tests and tools). */
export async function reportData(input: ReportInput): Promise<ReportData> {
  if (input.runDir !== undefined && input.sweepDir !== undefined) throw new ReportError('give either runDir or sweepDir, not both');
  if (input.runDir !== undefined) {
    if (detectReportDir(input.runDir) !== 'run') throw new ReportError(`${input.runDir}: no summary.json`);
    return runData(input.runDir);
  }
  if (input.sweepDir !== undefined) {
    if (!existsSync(join(input.sweepDir, 'results.jsonl'))) {
      detectReportDir(input.sweepDir);
      throw new ReportError(`${input.sweepDir}: no results.jsonl`);
    }
    return sweepData(input.sweepDir);
  }
  throw new ReportError('nothing to report: give runDir or sweepDir');
}

let chartJs: string | undefined;
function chartLibrary(): string {
  if (chartJs === undefined) {
    const main = createRequire(import.meta.url).resolve('chart.js');
    chartJs = readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8');
  }
  return chartJs;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** Embed data as JSON in a script element (no "</script" can end it early). */
export function embedJson(x: unknown): string {
  return JSON.stringify(x).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The data embedded in a report.html, back as an object. */
export function extractReportData(html: string): ReportData {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new ReportError('no report data in this HTML');
  return JSON.parse(m[1]) as ReportData;
}

/** report.html for a run or a sweep directory: self-contained, works offline. */
export async function buildReport(input: ReportInput): Promise<string> {
  const data = await reportData(input);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="gotracesim report">
<title>${esc(data.title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body data-kind="${data.kind}">
<h1>${esc(data.title)}</h1>
<div id="report"></div>
<script type="application/json" id="report-data">${embedJson(data)}</script>
<script>${chartLibrary().replace(/<\/script/gi, '<\\/script')}</script>
<script>${REPORT_JS}</script>
</body>
</html>
`;
}

const REPORT_CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 16px 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
.chart { position: relative; width: 100%; max-width: 1200px; }
table { border-collapse: collapse; font-size: 12px; margin: 8px 0; }
td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: right; }
th { background: #f3f3f3; } td.l, th.l { text-align: left; }
.note { color: #666; font-size: 12px; }
.scroll { max-height: 420px; overflow: auto; }
`;

// The page's script: plain JS, runs once at load; draws with Chart.js (animation off, so the
// canvases are complete when load fires). Each chart's canvas gets data-points (the number of
// points drawn); body gets data-rendered="ok" when every chart is up, or data-error.
const REPORT_JS = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var root = document.getElementById('report');
  Chart.defaults.animation = false;
  Chart.defaults.responsive = true;
  Chart.defaults.maintainAspectRatio = false;
  var PALETTE = ['#4e79a7','#f28e2b','#e15759','#76b7b2','#59a14f','#edc948','#b07aa1','#ff9da7','#9c755f','#bab0ac'];
  function color(i) { return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length]; }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in (attrs || {})) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function section(title, note) {
    root.appendChild(el('h2', {}, title));
    if (note) root.appendChild(el('p', { class: 'note' }, note));
  }
  function chart(id, height, config) {
    var box = el('div', { class: 'chart', style: 'height:' + height + 'px' });
    var c = el('canvas', { id: id });
    box.appendChild(c);
    root.appendChild(box);
    var ch = new Chart(c, config);
    var n = 0;
    ch.data.datasets.forEach(function (d) { n += d.data.length; });
    c.setAttribute('data-points', String(n));
    return ch;
  }
  function table(head, rows, leftCols) {
    var wrap = el('div', { class: 'scroll' });
    var t = el('table');
    var tr = el('tr');
    head.forEach(function (h, i) { tr.appendChild(el('th', { class: (leftCols || []).indexOf(i) >= 0 ? 'l' : '' }, h)); });
    t.appendChild(tr);
    rows.forEach(function (r) {
      var tr = el('tr');
      r.forEach(function (v, i) { tr.appendChild(el('td', { class: (leftCols || []).indexOf(i) >= 0 ? 'l' : '' }, v === undefined || v === null ? '' : String(v))); });
      t.appendChild(tr);
    });
    wrap.appendChild(t);
    root.appendChild(wrap);
    return t;
  }
  var vlines = {
    id: 'vlines',
    afterDatasetsDraw: function (ch, args, opts) {
      if (!opts || !opts.lines || !opts.lines.length) return;
      var x = ch.scales.x, a = ch.chartArea, ctx = ch.ctx;
      ctx.save();
      ctx.strokeStyle = opts.color || '#d00';
      ctx.setLineDash([4, 3]);
      ctx.lineWidth = 1;
      opts.lines.forEach(function (v) {
        var px = x.getPixelForValue(v);
        if (px < a.left || px > a.right) return;
        ctx.beginPath(); ctx.moveTo(px, a.top); ctx.lineTo(px, a.bottom); ctx.stroke();
      });
      ctx.restore();
    }
  };
  Chart.register(vlines);
  var fmtNs = function (ns) { return (ns / 1e6).toFixed(3) + ' ms'; };

  function runReport(d) {
    var s = d.summary, p = s.profile;
    section('Summary');
    table(['scenario', 'Go', 'seed', 'duration', 'GOMAXPROCS', 'timer', 'hz', 'OS CPU', 'profiled CPU', 'ratio', 'signals', 'dropped', 'delivered', 'in profile', 'lost (overflow)'],
      [[s.scenario, s.go, s.seed, fmtNs(s.durationNs), s.gomaxprocs, p.timer, p.hz, fmtNs(p.osCpuNs.total), fmtNs(p.profiledCpuNs), (p.ratio * 100).toFixed(1) + '%', p.signals, p.droppedByValidSIGPROF, p.delivered, p.inProfile, p.lostToOverflow]], [0]);
    if (s.trace) {
      var evs = 0; for (var k in s.trace.events) evs += s.trace.events[k];
      table(['trace format', 'events', 'bytes', 'generations', 'CPU samples taken', 'in trace', 'overflowed', 'lost at stop', 'misplaced'],
        [[s.trace.format, evs, s.trace.bytes, s.trace.generations === undefined ? '' : s.trace.generations, s.trace.cpuSamples.taken, s.trace.cpuSamples.inTrace, s.trace.cpuSamples.overflowed, s.trace.cpuSamples.lostAtStop, s.trace.cpuSamples.misplaced]], [0]);
    }

    var tl = d.timeline;
    if (tl) {
      section('Timeline: Ps and goroutines',
        'Bars: goroutine execution (per P, and per goroutine for the ' + tl.rows.filter(function (r) { return r[0] === 'G'; }).length + ' that ran longest), coloured by goroutine. Dots: CPU samples (' + tl.totals.cpuSamples + ' in the trace). ' +
        'Dashed red: generation boundaries (' + tl.generations.length + '). Grey band: GC. Showing ' + tl.totals.slicesShown + ' of ' + tl.totals.slices + ' slices and ' + tl.totals.samplesShown + ' of ' + tl.totals.samples + ' samples (' + tl.format + ').');
      var labels = tl.rows.concat(tl.gc.length ? ['GC'] : []);
      var barData = tl.slices.map(function (x) { return { x: [x[1], x[1] + Math.max(x[2], tl.spanUs / 5000)], y: tl.rows[x[0]], g: x[3] }; });
      var barColors = tl.slices.map(function (x) { return color(x[3]); });
      var gcData = tl.gc.map(function (x) { return { x: [x[0], x[0] + Math.max(x[1], tl.spanUs / 5000)], y: 'GC' }; });
      var sampleData = tl.samples.map(function (x) { return { x: x[1], y: x[0] >= 0 ? tl.rows[x[0]] : tl.rows[0], g: x[2] }; });
      chart('timeline', Math.max(240, 22 * labels.length + 80), {
        type: 'bar',
        data: { labels: labels, datasets: [
          { label: 'goroutine running', data: barData, backgroundColor: barColors, grouped: false, barPercentage: 0.9, categoryPercentage: 1 },
          { label: 'GC', data: gcData, backgroundColor: 'rgba(120,120,120,0.6)', grouped: false, barPercentage: 0.9, categoryPercentage: 1 },
          { type: 'scatter', label: 'CPU sample', data: sampleData, backgroundColor: '#000', pointRadius: 1.5, pointStyle: 'circle' }
        ] },
        options: {
          indexAxis: 'y',
          parsing: true,
          scales: { x: { type: 'linear', min: 0, max: tl.spanUs, title: { display: true, text: 'time (µs)' } }, y: { type: 'category', labels: labels, offset: true } },
          plugins: { legend: { display: true }, vlines: { lines: tl.generations, color: '#d00' },
            tooltip: { callbacks: { label: function (c) { var r = c.raw; return r && r.g !== undefined ? 'G' + r.g : c.dataset.label; } } } }
        }
      });
    } else {
      section('Timeline', d.timelineNote || 'no trace');
    }

    var spg = d.samplesPerGoroutine;
    section('CPU samples per goroutine: trace vs profile',
      'profile: samples delivered to cpuprof.add while the goroutine was m.curg (summary.json); trace: CPU sample events attributed to it in trace.out.');
    var ds = [{ label: 'profile', data: spg.map(function (x) { return x.profile; }), backgroundColor: '#4e79a7' }];
    if (spg.some(function (x) { return x.trace !== null; })) ds.push({ label: 'trace', data: spg.map(function (x) { return x.trace === null ? 0 : x.trace; }), backgroundColor: '#f28e2b' });
    chart('samples-per-goroutine', 320, {
      type: 'bar',
      data: { labels: spg.map(function (x) { return 'G' + x.g + ' ' + x.template; }), datasets: ds },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: 'samples' } } } }
    });

    var pb = d.profBuf;
    section('profBuf occupancy and overflow',
      'At each pass of the profile reader (every profile.readEvery, 100 ms by default, and at stop): the words it found in the profBuf (capacity ' + pb.capacityWords + ' words), and the writes lost to overflow since the previous pass.');
    chart('profbuf', 300, {
      type: 'line',
      data: { datasets: [
        { label: 'occupancy (% of capacity)', data: pb.reads.map(function (r) { return { x: r[0] / 1e6, y: pb.capacityWords ? 100 * r[1] / pb.capacityWords : r[1] }; }), borderColor: '#4e79a7', backgroundColor: '#4e79a7', yAxisID: 'y', stepped: false },
        { type: 'bar', label: 'writes lost to overflow', data: pb.reads.map(function (r) { return { x: r[0] / 1e6, y: r[2] }; }), backgroundColor: '#e15759', yAxisID: 'y1', barThickness: 6 }
      ] },
      options: { scales: {
        x: { type: 'linear', title: { display: true, text: 'time (ms)' } },
        y: { beginAtZero: true, position: 'left', title: { display: true, text: 'occupancy %' } },
        y1: { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false }, title: { display: true, text: 'lost writes' } }
      } }
    });

    section('Threads');
    table(['id', 'kind', 'name', 'user', 'sys', 'signals', 'dropped', 'samples'], s.threads.map(function (t) { return [t.id, t.kind, t.name || '', fmtNs(t.userNs), fmtNs(t.sysNs), t.signals, t.dropped, t.samples]; }), [1, 2]);
  }

  function sweepReport(d) {
    section('Sweep', d.rows.length + ' runs, ' + d.failed + ' failed; axes: ' + (d.axes.join(', ') || '(none)'));
    d.charts.forEach(function (c, ci) {
      section(c.title);
      // Ticks at the grid's own x values (a log axis's default ticks crowd).
      var xs = [];
      c.series.forEach(function (s) { s.points.forEach(function (p) { if (xs.indexOf(p[0]) < 0) xs.push(p[0]); }); });
      xs.sort(function (a, b) { return a - b; });
      chart('sweep-' + c.id.replace(/[^a-zA-Z0-9_-]/g, '_'), 320, {
        type: 'line',
        data: { datasets: c.series.map(function (s, i) { return { label: s.label, data: s.points.map(function (p) { return { x: p[0], y: p[1] }; }), borderColor: color(i), backgroundColor: color(i), pointRadius: 3 }; }) },
        options: { scales: {
          x: { type: c.logX ? 'logarithmic' : 'linear', title: { display: true, text: c.xLabel },
            afterBuildTicks: c.logX && xs.length ? function (axis) { axis.ticks = xs.map(function (v) { return { value: v }; }); } : undefined,
            ticks: { callback: function (v) { return Number(v).toLocaleString('en-US'); } } },
          y: { beginAtZero: true, title: { display: true, text: c.yLabel } }
        } }
      });
      void ci;
    });
    section('Rows');
    var metricCols = ['delivered', 'inProfile', 'lostToOverflow', 'ratio', 'traceCpuTaken', 'traceCpuInTrace'];
    table(['index'].concat(d.axes, ['seed', 'status'], metricCols, ['error']), d.rows.map(function (r) {
      return [r.index].concat(d.axes.map(function (a) { return typeof r.params[a] === 'string' ? r.params[a] : JSON.stringify(r.params[a]); }), [r.seed, r.status],
        metricCols.map(function (m) { return r.metrics ? r.metrics[m] : ''; }), [r.error || '']);
    }), []);
  }

  try {
    if (data.kind === 'run') runReport(data); else sweepReport(data);
    document.body.setAttribute('data-rendered', 'ok');
  } catch (e) {
    document.body.setAttribute('data-error', String(e && e.stack || e));
    throw e;
  }
})();
`;

// buildReport / `gotracesim report` in Node: the data a report.html embeds matches the run's
// summary.json and trace exactly; sweep curves are the seed means of the rows; the file is
// self-contained; bad input is an error naming the problem, exit 1 (2 for usage), no file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runToDir } from '../bindings/app/run.ts';
import { simulate, type Summary } from '../bindings/runtime/simulate.ts';
import { DEFAULT_SCENARIO } from '../bindings/scenario/default-scenario.ts';
import {
  buildReport,
  extractReportData,
  reportData,
  ReportError,
  TIMELINE_MAX_GOROUTINES,
  TIMELINE_MAX_SAMPLES,
  TIMELINE_MAX_SLICES,
  TimelineBuilder,
  timelineOf,
  timelineOfStream,
  type RunReportData,
  type SweepReportData,
} from '../bindings/app/report.ts';
import { runTracks, type TrackSink } from '../bindings/formats/chrome/index.ts';
import { reportCommand } from '../bindings/app/report-cli.ts';
import { traceSummary } from '../bindings/formats/index.ts';

const spin = [{ func: 'main.spin', file: '/app/main.go', line: 20 }];
let work = '';
let runDir = '';
let summary: Summary;
let html = '';
let data: RunReportData;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'gts-report-'));
  runDir = join(work, 'run');
  // A small profBuf so that the overflow series is not all zeros; two generations.
  const scenario = join(work, 'scenario.json');
  writeFileSync(
    scenario,
    JSON.stringify({
      name: 'report-test',
      go: '1.23',
      duration: '400ms',
      gomaxprocs: 4,
      profile: { hz: 500, profBuf: { words: 256 }, readEvery: '50ms' },
      trace: { period: '200ms' },
      goroutines: [
        { name: 'spin', count: 3, program: [{ loop: [{ compute: spin, for: '3ms' }] }] },
        { name: 'yield', program: [{ loop: [{ compute: spin, for: '40us' }, { gosched: true }] }] },
      ],
    }),
  );
  summary = (await runToDir({ scenarioFile: scenario, outDir: runDir, overrides: {} })).summary;
  html = await buildReport({ runDir });
  data = extractReportData(html) as RunReportData;
}, 60_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const quiet = { stdout: () => {}, stderr: () => {} };

describe('summary.profile.reads (the profile reader passes)', () => {
  it('one entry per pass and one at stop; overflow totals the lost samples', () => {
    const reads = summary.profile.reads;
    expect(reads.map((r) => r[0])).toEqual([50, 100, 150, 200, 250, 300, 350, 400, 400].map((ms) => ms * 1e6));
    expect(reads.reduce((a, r) => a + r[2], 0)).toBe(summary.profile.lostToOverflow);
    expect(summary.profile.lostToOverflow).toBeGreaterThan(0);
    for (const r of reads) expect(r[1]).toBeLessThanOrEqual(256);
    expect(summary.profile.profBufWords).toBe(256);
  });

  it('is deterministic', () => {
    const a = simulate(DEFAULT_SCENARIO, { overrides: { duration: '300ms' } }).summary.profile.reads;
    const b = simulate(DEFAULT_SCENARIO, { overrides: { duration: '300ms' } }).summary.profile.reads;
    expect(a).toEqual(b);
    expect(a.length).toBe(4);
  });
});

describe('report of a run directory', () => {
  it('embeds the summary as it is in summary.json', () => {
    expect(data.kind).toBe('run');
    expect(data.summary).toEqual(JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')));
    expect(data.profBuf).toEqual({ capacityWords: 256, reads: summary.profile.reads });
    expect(data.title).toBe('gotracesim report: report-test (Go 1.23, seed 1)');
  });

  it('samples per goroutine: profile from the summary, trace from trace.out', async () => {
    const ts = await traceSummary(new Uint8Array(readFileSync(join(runDir, 'trace.out'))));
    const byG = new Map(data.samplesPerGoroutine.map((x) => [x.g, x]));
    for (const g of summary.goroutines) {
      if (g.samples > 0) expect(byG.get(g.id)?.profile).toBe(g.samples);
    }
    for (const [g, n] of Object.entries(ts.cpuSamples.byGoroutine)) {
      const gid = Number(g) < 0 ? 0 : Number(g);
      expect(byG.get(gid)?.trace, `G${g}`).toBe(n);
    }
    expect(data.samplesPerGoroutine.reduce((a, x) => a + (x.trace ?? 0), 0)).toBe(summary.trace!.cpuSamples.inTrace);
    expect(data.samplesPerGoroutine.reduce((a, x) => a + x.profile, 0)).toBe(summary.goroutines.reduce((a, g) => a + g.samples, 0));
  });

  it('timeline: every P, the goroutines, sample marks and the generation boundary', () => {
    const tl = data.timeline!;
    expect(tl.format).toBe('go1.23');
    expect(tl.rows.slice(0, 4)).toEqual(['P0', 'P1', 'P2', 'P3']);
    for (const g of summary.goroutines.filter((g) => g.template === 'spin' || g.template === 'yield')) expect(tl.rows).toContain(`G${g.id}`);
    expect(tl.totals.cpuSamples).toBe(summary.trace!.cpuSamples.inTrace);
    expect(tl.generations.length).toBe(1);
    expect(Math.abs(tl.generations[0] - 200_000)).toBeLessThan(1000);
    expect(tl.slices.length).toBe(tl.totals.slicesShown);
    expect(tl.slices.length).toBeLessThanOrEqual(TIMELINE_MAX_SLICES);
    expect(tl.samples.length).toBeLessThanOrEqual(TIMELINE_MAX_SAMPLES);
    for (const s of tl.slices) {
      expect(s[0]).toBeGreaterThanOrEqual(0);
      expect(s[0]).toBeLessThan(tl.rows.length);
      expect(s[1] + s[2]).toBeLessThanOrEqual(tl.spanUs + 1e-3);
    }
  });

  it('is one self-contained file, and the same every time', async () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('Chart.js v4');
    expect(html).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(html).not.toMatch(/<link[^>]*\shref=/i);
    expect(await buildReport({ runDir })).toBe(html);
  });

  it('a go 1.11-format trace (Go 1.17: no CPU samples in it): timeline without generations, no trace column', async () => {
    const dir = join(work, 'go117');
    await runToDir({ outDir: dir, overrides: { go: '1.17', duration: '200ms' } });
    const d = (await reportData({ runDir: dir })) as RunReportData;
    expect(d.timeline!.format).toBe('go1.11');
    expect(d.timeline!.generations).toEqual([]);
    expect(d.timeline!.totals.cpuSamples).toBe(0);
    expect(d.timeline!.slices.length).toBeGreaterThan(0);
    expect(d.samplesPerGoroutine.length).toBeGreaterThan(0);
    expect(d.samplesPerGoroutine.every((x) => x.trace === null && x.profile > 0)).toBe(true);
  });

  it('without trace.out: no timeline, the rest is there', async () => {
    const dir = join(work, 'no-trace');
    mkdirSync(dir);
    writeFileSync(join(dir, 'summary.json'), readFileSync(join(runDir, 'summary.json')));
    const d = (await reportData({ runDir: dir })) as RunReportData;
    expect(d.timeline).toBeNull();
    expect(d.timelineNote).toMatch(/no trace\.out/);
    expect(d.samplesPerGoroutine.every((x) => x.trace === null)).toBe(true);
  });
});

describe('the timeline: one pass over the model, bounded by what it shows', () => {
  /** Every P slice and CPU sample the export's model hands out (ns), in order. */
  function collect(bytes: Uint8Array) {
    const slices: { p: number; g: number; start: number; end: number }[] = [];
    const samples: { p: number; g: number; t: number }[] = [];
    let span = 0;
    const nop = () => {};
    const sink: TrackSink = {
      detail: false,
      generation: nop,
      execution: (g, _fn, p, start, end) => void (p >= 0 && slices.push({ p, g, start, end })),
      cpuSample: (g, p, t) => void samples.push({ p, g, t }),
      end: (t) => void (span = t),
      syscall: nop, assist: nop, region: nop, task: nop, log: nop, gc: nop, stw: nop, sweep: nop, metric: nop, goroutines: nop,
    };
    runTracks(bytes, sink);
    return { slices, samples, span };
  }

  it("a trace within its bounds: exactly the chart's selection of all slices (rows, merge by pixel, the longest)", () => {
    const bytes = simulate(DEFAULT_SCENARIO, { overrides: { go: '1.23', duration: '150ms' }, trace: true }).trace!;
    const { slices, span } = collect(bytes);
    const tl = timelineOf(bytes).timeline;
    // The reference, on everything at once: rows are the Ps, then the goroutines that ran longest.
    const run = new Map<number, number>();
    for (const s of slices) run.set(s.g, (run.get(s.g) ?? 0) + s.end - s.start);
    const procs = [...new Set(slices.map((s) => s.p))].sort((a, b) => a - b);
    const top = [...run].filter(([g]) => g > 0).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, TIMELINE_MAX_GOROUTINES).map(([g]) => g).sort((a, b) => a - b);
    expect(tl.rows.filter((r) => r.startsWith('G'))).toEqual(top.map((g) => `G${g}`));
    expect(tl.rows.slice(0, procs.length)).toEqual(procs.map((p) => `P${p}`));
    let all = [...slices.map((s) => [procs.indexOf(s.p), s.start, s.end, s.g]), ...slices.filter((s) => top.includes(s.g)).map((s) => [tl.rows.indexOf(`G${s.g}`), s.start, s.end, s.g])];
    expect(tl.totals.slices).toBe(all.length);
    expect(all.length).toBeGreaterThan(TIMELINE_MAX_SLICES);
    all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const merged: number[][] = [];
    for (const s of all) {
      const l = merged[merged.length - 1];
      if (l && l[0] === s[0] && l[3] === s[3] && s[1] - l[2] <= span / 2000) l[2] = Math.max(l[2], s[2]);
      else merged.push([...s]);
    }
    all = merged.map((s, i) => [...s, i]).sort((a, b) => b[2] - b[1] - (a[2] - a[1]) || a[4] - b[4]).slice(0, TIMELINE_MAX_SLICES).sort((a, b) => a[4] - b[4]);
    expect(tl.slices).toEqual(all.map(([r, s, e, g]) => [r, Math.round(s) / 1000, Math.round(e - s) / 1000, g]));
  });

  it('a large trace: the rows, totals and top goroutines exact, the memory held bounded', () => {
    // 2 million slices of 300 goroutines on 8 Ps over 200 s; goroutine g runs g µs at a time.
    const b = new TimelineBuilder();
    const G = 300;
    const run = new Map<number, number>();
    const count = new Map<number, number>();
    let t = 0;
    let maxHeld = 0;
    for (let i = 0; i < 2_000_000; i++) {
      const g = 1 + ((i * 7) % G);
      const p = i % 8;
      const d = g * 1000;
      b.execution(g, '', p, t, t + d, 'GoStop', '');
      run.set(g, (run.get(g) ?? 0) + d);
      count.set(g, (count.get(g) ?? 0) + 1);
      if (i % 3 === 0) b.cpuSample(g, p, t + 1);
      if (i % 1000 === 0) b.gc(t, t + 500);
      t += 100_000 / 8;
      if (i % 100_000 === 0) maxHeld = Math.max(maxHeld, b.held().segments + b.held().samples);
    }
    b.end(t + G * 1000);
    const tl = b.result('go1.23');
    const top = [...run].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, TIMELINE_MAX_GOROUTINES).map(([g]) => g).sort((a, b) => a - b);
    expect(tl.rows).toEqual([...[0, 1, 2, 3, 4, 5, 6, 7].map((p) => `P${p}`), ...top.map((g) => `G${g}`)]);
    expect(tl.totals.slices).toBe(2_000_000 + top.reduce((a, g) => a + count.get(g)!, 0));
    expect(tl.totals.goroutines).toBe(G);
    expect(tl.totals.cpuSamples).toBe(Math.ceil(2_000_000 / 3));
    expect(tl.slices.length).toBe(TIMELINE_MAX_SLICES);
    expect(tl.samples.length).toBeLessThanOrEqual(TIMELINE_MAX_SAMPLES);
    expect(tl.gc.length).toBeLessThanOrEqual(8192);
    // Held: a bounded number of segments per row (8 Ps, at most 64 goroutine rows, GC, STW).
    expect(b.held().rows).toBeLessThanOrEqual(8 + 64 + 2);
    expect(maxHeld).toBeLessThan((8 + 64 + 2) * 8192 + 6000);
    // A top goroutine's row covers (at least) every interval it ran: merging only fills gaps
    // narrower than a pixel.
    for (const g of top) {
      const row = tl.rows.indexOf(`G${g}`);
      const covered = tl.slices.filter((s) => s[0] === row).reduce((a, s) => a + s[2], 0);
      expect(covered * 1000).toBeGreaterThanOrEqual(run.get(g)!);
    }
  });

  it('read as a stream (a generation at a time) or whole: the same timeline', async () => {
    const bytes = new Uint8Array(readFileSync(join(runDir, 'trace.out')));
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 4093) yield bytes.subarray(i, i + 4093);
    }
    const whole = timelineOf(bytes);
    const streamed = await timelineOfStream(chunks());
    expect(streamed.timeline).toEqual(whole.timeline);
    expect(streamed.traceSamplesByG).toEqual(whole.traceSamplesByG);
    expect(whole.timeline).toEqual(data.timeline);
  });
});

describe('report of a sweep directory', () => {
  const row = (index: number, params: Record<string, unknown>, seed: number, m: Record<string, number>) => ({ index, id: `r${index}`, params, seed, status: 'ok', metrics: m, wall_ms: 1 });
  let dir = '';
  beforeAll(() => {
    dir = join(work, 'sweep');
    mkdirSync(dir);
    const rows = [
      row(0, { 'profile.timer': 'setitimer', gomaxprocs: 1, 'profile.profBuf.words': 64 }, 1, { delivered: 100, lostToOverflow: 10, ratio: 0.9 }),
      row(1, { 'profile.timer': 'setitimer', gomaxprocs: 1, 'profile.profBuf.words': 64 }, 2, { delivered: 100, lostToOverflow: 30, ratio: 0.7 }),
      row(2, { 'profile.timer': 'setitimer', gomaxprocs: 4, 'profile.profBuf.words': 1024 }, 1, { delivered: 100, lostToOverflow: 0, ratio: 0.5 }),
      row(3, { 'profile.timer': 'per-thread', gomaxprocs: 4, 'profile.profBuf.words': 64 }, 1, { delivered: 200, lostToOverflow: 50, ratio: 1 }),
      { index: 4, id: 'r4', params: { 'profile.timer': 'per-thread', gomaxprocs: 4, 'profile.profBuf.words': 1024 }, seed: 1, status: 'failed', error: 'boom', wall_ms: 1 },
    ];
    writeFileSync(join(dir, 'results.jsonl'), rows.map((r) => JSON.stringify(r) + '\n').join(''));
  });

  it('magnitude curves per timer (seed means), loss vs buffer size, every row', async () => {
    const d = (await reportData({ sweepDir: dir })) as SweepReportData;
    expect(d.kind).toBe('sweep');
    expect(d.axes).toEqual(['profile.timer', 'gomaxprocs', 'profile.profBuf.words']);
    expect(d.failed).toBe(1);
    expect(d.rows.length).toBe(5);
    const [mag, loss, perRun] = d.charts;
    expect(mag.id).toBe('magnitude-gomaxprocs');
    expect(mag.series).toEqual([
      { label: 'profile.timer=setitimer', points: [[1, 0.8], [4, 0.5]] },
      { label: 'profile.timer=per-thread', points: [[4, 1]] },
    ]);
    expect(loss.id).toBe('loss-profile.profBuf.words');
    expect(loss.series).toEqual([
      { label: 'profile: profile.timer=setitimer, gomaxprocs=1', points: [[64, 0.2]] },
      { label: 'profile: profile.timer=setitimer, gomaxprocs=4', points: [[1024, 0]] },
      { label: 'profile: profile.timer=per-thread, gomaxprocs=4', points: [[64, 0.25]] },
    ]);
    expect(perRun.id).toBe('per-run');
    expect(perRun.series[0].points).toEqual([[0, 0.9], [1, 0.7], [2, 0.5], [3, 1]]);
  });

  it('loss vs reader period, and trace loss, from a trace sweep', async () => {
    const d2 = join(work, 'sweep-trace');
    mkdirSync(d2);
    const m = (taken: number, inTrace: number) => ({ delivered: 10, lostToOverflow: 0, ratio: 1, traceCpuTaken: taken, traceCpuInTrace: inTrace });
    const rows = [row(0, { go: '1.22', 'trace.period': '50ms' }, 1, m(100, 80)), row(1, { go: '1.22', 'trace.period': '250ms' }, 1, m(100, 95)), row(2, { go: '1.23', 'trace.period': '50ms' }, 1, m(100, 100))];
    writeFileSync(join(d2, 'results.jsonl'), rows.map((r) => JSON.stringify(r) + '\n').join(''));
    const d = (await reportData({ sweepDir: d2 })) as SweepReportData;
    const loss = d.charts.find((c) => c.id === 'loss-trace.period')!;
    expect(loss.xLabel).toBe('trace.period (ms)');
    expect(loss.series.find((s) => s.label === 'trace: go=1.22')!.points).toEqual([[50, 0.2], [250, 0.05]]);
    expect(loss.series.find((s) => s.label === 'trace: go=1.23')!.points).toEqual([[50, 0]]);
  });
});

describe('bad input', () => {
  it('errors name the problem', async () => {
    await expect(buildReport({})).rejects.toThrow(ReportError);
    await expect(buildReport({ runDir: join(work, 'nope') })).rejects.toThrow(/nope: no such directory/);
    const empty = join(work, 'empty');
    mkdirSync(empty);
    await expect(buildReport({ runDir: empty })).rejects.toThrow(/neither a run directory \(summary\.json\) nor a sweep directory \(results\.jsonl\)/);
    const bad = join(work, 'bad-summary');
    mkdirSync(bad);
    writeFileSync(join(bad, 'summary.json'), '{"profile": 1');
    await expect(buildReport({ runDir: bad })).rejects.toThrow(/summary\.json: not valid JSON/);
    writeFileSync(join(bad, 'summary.json'), '{"hello": 1}');
    await expect(buildReport({ runDir: bad })).rejects.toThrow(/summary\.json: not a gotracesim summary: missing "profile"/);
    const badRows = join(work, 'bad-rows');
    mkdirSync(badRows);
    writeFileSync(join(badRows, 'results.jsonl'), '{"index":0,"params":{},"status":"ok"}\nnot json\n');
    await expect(buildReport({ sweepDir: badRows })).rejects.toThrow(/results\.jsonl:2: not valid JSON/);
    writeFileSync(join(badRows, 'results.jsonl'), '');
    await expect(buildReport({ sweepDir: badRows })).rejects.toThrow(/results\.jsonl: no rows/);
  });

  it('a broken trace.out is reported in place of the timeline, not thrown', async () => {
    const dir = join(work, 'bad-trace');
    mkdirSync(dir);
    writeFileSync(join(dir, 'summary.json'), readFileSync(join(runDir, 'summary.json')));
    writeFileSync(join(dir, 'trace.out'), readFileSync(join(runDir, 'trace.out')).subarray(0, 5000));
    const d = (await reportData({ runDir: dir })) as RunReportData;
    expect(d.timeline).toBeNull();
    expect(d.timelineNote).toMatch(/trace\.out: .* \(at byte \d+\)/);
  });
});

describe('gotracesim report (reportCommand)', () => {
  it('writes DIR/report.html or -o FILE, exit 0', async () => {
    const out: string[] = [];
    expect(await reportCommand([runDir], { stdout: (s) => out.push(s), stderr: () => {} })).toBe(0);
    expect(out.join('')).toMatch(/wrote .*report\.html/);
    expect(readFileSync(join(runDir, 'report.html'), 'utf8')).toBe(html);
    const file = join(work, 'custom.html');
    expect(await reportCommand([runDir, '-o', file], quiet)).toBe(0);
    expect(extractReportData(readFileSync(file, 'utf8')).kind).toBe('run');
  });

  it('exit 2 for usage, 1 for bad input, and no file either way', async () => {
    const err: string[] = [];
    const io = { stdout: () => {}, stderr: (s: string) => err.push(s) };
    expect(await reportCommand([], io)).toBe(2);
    expect(err.pop()).toMatch(/missing DIR/);
    expect(await reportCommand([runDir, '--bogus'], io)).toBe(2);
    expect(err.pop()).toMatch(/unknown flag --bogus/);
    expect(await reportCommand([runDir, '-o'], io)).toBe(2);
    expect(await reportCommand([runDir, runDir], io)).toBe(2);
    const empty = join(work, 'empty2');
    mkdirSync(empty);
    expect(await reportCommand([empty], io)).toBe(1);
    expect(err.pop()).toMatch(/neither a run directory/);
    expect(readdirSync(empty)).toEqual([]);
    expect(await reportCommand([join(work, 'missing')], io)).toBe(1);
    expect(existsSync(join(work, 'missing'))).toBe(false);
    // unwritable destination: exit 2 (as every unwritable output), no temporary left behind
    expect(await reportCommand([runDir, '-o', join(work, 'no-such-dir', 'r.html')], io)).toBe(2);
    expect(err.pop()).toMatch(/cannot write/);
    expect(readdirSync(work).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

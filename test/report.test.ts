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
import { buildReport, extractReportData, reportData, ReportError, TIMELINE_MAX_SAMPLES, TIMELINE_MAX_SLICES, type RunReportData, type SweepReportData } from '../bindings/app/report.ts';
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
  html = buildReport({ runDir });
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

  it('is one self-contained file, and the same every time', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('Chart.js v4');
    expect(html).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(html).not.toMatch(/<link[^>]*\shref=/i);
    expect(buildReport({ runDir })).toBe(html);
  });

  it('a go 1.11-format trace (Go 1.17: no CPU samples in it): timeline without generations, no trace column', async () => {
    const dir = join(work, 'go117');
    await runToDir({ outDir: dir, overrides: { go: '1.17', duration: '200ms' } });
    const d = reportData({ runDir: dir }) as RunReportData;
    expect(d.timeline!.format).toBe('go1.11');
    expect(d.timeline!.generations).toEqual([]);
    expect(d.timeline!.totals.cpuSamples).toBe(0);
    expect(d.timeline!.slices.length).toBeGreaterThan(0);
    expect(d.samplesPerGoroutine.length).toBeGreaterThan(0);
    expect(d.samplesPerGoroutine.every((x) => x.trace === null && x.profile > 0)).toBe(true);
  });

  it('without trace.out: no timeline, the rest is there', () => {
    const dir = join(work, 'no-trace');
    mkdirSync(dir);
    writeFileSync(join(dir, 'summary.json'), readFileSync(join(runDir, 'summary.json')));
    const d = reportData({ runDir: dir }) as RunReportData;
    expect(d.timeline).toBeNull();
    expect(d.timelineNote).toMatch(/no trace\.out/);
    expect(d.samplesPerGoroutine.every((x) => x.trace === null)).toBe(true);
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

  it('magnitude curves per timer (seed means), loss vs buffer size, every row', () => {
    const d = reportData({ sweepDir: dir }) as SweepReportData;
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

  it('loss vs reader period, and trace loss, from a trace sweep', () => {
    const d2 = join(work, 'sweep-trace');
    mkdirSync(d2);
    const m = (taken: number, inTrace: number) => ({ delivered: 10, lostToOverflow: 0, ratio: 1, traceCpuTaken: taken, traceCpuInTrace: inTrace });
    const rows = [row(0, { go: '1.22', 'trace.period': '50ms' }, 1, m(100, 80)), row(1, { go: '1.22', 'trace.period': '250ms' }, 1, m(100, 95)), row(2, { go: '1.23', 'trace.period': '50ms' }, 1, m(100, 100))];
    writeFileSync(join(d2, 'results.jsonl'), rows.map((r) => JSON.stringify(r) + '\n').join(''));
    const d = reportData({ sweepDir: d2 }) as SweepReportData;
    const loss = d.charts.find((c) => c.id === 'loss-trace.period')!;
    expect(loss.xLabel).toBe('trace.period (ms)');
    expect(loss.series.find((s) => s.label === 'trace: go=1.22')!.points).toEqual([[50, 0.2], [250, 0.05]]);
    expect(loss.series.find((s) => s.label === 'trace: go=1.23')!.points).toEqual([[50, 0]]);
  });
});

describe('bad input', () => {
  it('errors name the problem', () => {
    expect(() => buildReport({})).toThrow(ReportError);
    expect(() => buildReport({ runDir: join(work, 'nope') })).toThrow(/nope: no such directory/);
    const empty = join(work, 'empty');
    mkdirSync(empty);
    expect(() => buildReport({ runDir: empty })).toThrow(/neither a run directory \(summary\.json\) nor a sweep directory \(results\.jsonl\)/);
    const bad = join(work, 'bad-summary');
    mkdirSync(bad);
    writeFileSync(join(bad, 'summary.json'), '{"profile": 1');
    expect(() => buildReport({ runDir: bad })).toThrow(/summary\.json: not valid JSON/);
    writeFileSync(join(bad, 'summary.json'), '{"hello": 1}');
    expect(() => buildReport({ runDir: bad })).toThrow(/summary\.json: not a gotracesim summary: missing "profile"/);
    const badRows = join(work, 'bad-rows');
    mkdirSync(badRows);
    writeFileSync(join(badRows, 'results.jsonl'), '{"index":0,"params":{},"status":"ok"}\nnot json\n');
    expect(() => buildReport({ sweepDir: badRows })).toThrow(/results\.jsonl:2: not valid JSON/);
    writeFileSync(join(badRows, 'results.jsonl'), '');
    expect(() => buildReport({ sweepDir: badRows })).toThrow(/results\.jsonl: no rows/);
  });

  it('a broken trace.out is reported in place of the timeline, not thrown', () => {
    const dir = join(work, 'bad-trace');
    mkdirSync(dir);
    writeFileSync(join(dir, 'summary.json'), readFileSync(join(runDir, 'summary.json')));
    writeFileSync(join(dir, 'trace.out'), readFileSync(join(runDir, 'trace.out')).subarray(0, 5000));
    const d = reportData({ runDir: dir }) as RunReportData;
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

// The sweep report's data (report-sweep.ts): plots by axis of the seed means, never lines
// across unrelated runs: magnitude against GOMAXPROCS with setitimer's 2.5/N expectation, loss
// and misplacement against buffer size and generation period, the truth distance against
// timer and GOMAXPROCS; a named axis is a category axis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportData, type SweepReportData } from '../bindings/app/report.ts';

let work = '';
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'gts-report-sweep-'));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('report of a sweep directory', () => {
  const row = (index: number, params: Record<string, unknown>, seed: number, m: Record<string, number>) => ({ index, id: `r${index}`, params, seed, status: 'ok', metrics: m, wall_ms: 1 });
  let dir = '';
  beforeAll(() => {
    dir = join(work, 'sweep');
    mkdirSync(dir);
    const m = (delivered: number, lost: number, ratio: number, tvd: number) => ({ delivered, lostToOverflow: lost, ratio, hz: 100, tickNs: 4e6, truthTvdFunctions: tvd, truthTvdGoroutines: tvd / 2 });
    const rows = [
      row(0, { 'profile.timer': 'setitimer', gomaxprocs: 1, 'profile.profBuf.words': 64 }, 1, m(100, 10, 0.9, 0.1)),
      row(1, { 'profile.timer': 'setitimer', gomaxprocs: 1, 'profile.profBuf.words': 64 }, 2, m(100, 30, 0.7, 0.3)),
      row(2, { 'profile.timer': 'setitimer', gomaxprocs: 4, 'profile.profBuf.words': 1024 }, 1, m(100, 0, 0.5, 0.02)),
      row(3, { 'profile.timer': 'per-thread', gomaxprocs: 4, 'profile.profBuf.words': 64 }, 1, m(200, 50, 1, 0.04)),
      { index: 4, id: 'r4', params: { 'profile.timer': 'per-thread', gomaxprocs: 4, 'profile.profBuf.words': 1024 }, seed: 1, status: 'failed', error: 'boom', wall_ms: 1 },
    ];
    writeFileSync(join(dir, 'results.jsonl'), rows.map((r) => JSON.stringify(r) + '\n').join(''));
  });

  it('plots by axis: magnitude with 2.5/N, loss vs buffer size, truth distance vs timer and GOMAXPROCS', async () => {
    const d = (await reportData({ sweepDir: dir })) as SweepReportData;
    expect(d.kind).toBe('sweep');
    expect(d.axes).toEqual(['profile.timer', 'gomaxprocs', 'profile.profBuf.words']);
    expect(d.failed).toBe(1);
    expect(d.rows.length).toBe(5);
    expect(d.charts.map((c) => c.id)).toEqual(['magnitude-gomaxprocs', 'loss-profile.profBuf.words', 'truth-profile.timer', 'truth-gomaxprocs', 'ratio-profile.timer']);
    const [mag, loss, tTimer, tProcs, rTimer] = d.charts;
    expect(mag.xType).toBe('log');
    expect(mag.series).toEqual([
      { label: 'profile.timer=setitimer', points: [[1, 0.8], [4, 0.5]] },
      { label: 'profile.timer=per-thread', points: [[4, 1]] },
      { label: 'setitimer expectation min(1, 2.5/N)', points: [[1, 1], [4, 0.625]], dashed: true },
    ]);
    expect(loss.series).toEqual([
      { label: 'profile lost: profile.timer=setitimer, gomaxprocs=1', points: [[64, 0.2]] },
      { label: 'profile lost: profile.timer=setitimer, gomaxprocs=4', points: [[1024, 0]] },
      { label: 'profile lost: profile.timer=per-thread, gomaxprocs=4', points: [[64, 0.25]] },
    ]);
    // A named axis is a category axis: x is the index of the name.
    expect(tTimer.xType).toBe('category');
    expect(tTimer.categories).toEqual(['setitimer', 'per-thread']);
    expect(tTimer.series).toEqual([
      { label: 'functions: gomaxprocs=1, profile.profBuf.words=64', points: [[0, 0.2]] },
      { label: 'functions: gomaxprocs=4, profile.profBuf.words=1024', points: [[0, 0.02]] },
      { label: 'functions: gomaxprocs=4, profile.profBuf.words=64', points: [[1, 0.04]] },
      { label: 'goroutines: gomaxprocs=1, profile.profBuf.words=64', points: [[0, 0.1]] },
      { label: 'goroutines: gomaxprocs=4, profile.profBuf.words=1024', points: [[0, 0.01]] },
      { label: 'goroutines: gomaxprocs=4, profile.profBuf.words=64', points: [[1, 0.02]] },
    ]);
    expect(tProcs.series[0]).toEqual({ label: 'functions: profile.timer=setitimer, profile.profBuf.words=64', points: [[1, 0.2]] });
    expect(rTimer.series.map((s) => s.points.length)).toEqual([1, 1, 1]);
  });

  it('loss and misplacement vs generation period, from a trace sweep', async () => {
    const d2 = join(work, 'sweep-trace');
    mkdirSync(d2);
    const m = (taken: number, inTrace: number, mis: number) => ({ delivered: 10, lostToOverflow: 0, ratio: 1, traceCpuTaken: taken, traceCpuInTrace: inTrace, traceCpuMisplaced: mis });
    const rows = [row(0, { go: '1.22-dev', 'trace.period': '50ms' }, 1, m(100, 80, 40)), row(1, { go: '1.22-dev', 'trace.period': '250ms' }, 1, m(100, 95, 10)), row(2, { go: '1.23', 'trace.period': '50ms' }, 1, m(100, 100, 0))];
    writeFileSync(join(d2, 'results.jsonl'), rows.map((r) => JSON.stringify(r) + '\n').join(''));
    const d = (await reportData({ sweepDir: d2 })) as SweepReportData;
    const loss = d.charts.find((c) => c.id === 'loss-trace.period')!;
    expect(loss.xLabel).toBe('trace.period (ms)');
    expect(loss.series.find((s) => s.label === 'trace lost: go=1.22-dev')!.points).toEqual([[50, 0.2], [250, 0.05]]);
    expect(loss.series.find((s) => s.label === 'trace misplaced: go=1.22-dev')!.points).toEqual([[50, 0.4], [250, 0.1]]);
    expect(loss.series.find((s) => s.label === 'trace misplaced: go=1.23')!.points).toEqual([[50, 0]]);
    expect(d.charts.find((c) => c.id === 'ratio-go')!.categories).toEqual(['1.22-dev', '1.23']);
  });
});


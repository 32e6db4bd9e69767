// buildReport / `gotracesim report` in Node, run directories: the data a report.html embeds
// matches the run's files exactly (summary.json; flame graphs and top functions from cpu.pprof
// and truth.pprof, and by hand on a small pair; the timeline, which report-timeline.test.ts
// checks slice by slice); the file is self-contained; bad input is an error naming the
// problem, exit 1 (2 for usage), no file. Sweeps: report-sweep.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Profile as PProfile, StringTable } from 'pprof-format';
import { runToDir } from '../bindings/app/run.ts';
import type { Summary } from '../bindings/runtime/simulate.ts';
import { decodeProfile } from '../bindings/formats/pprof.ts';
import { buildReport, extractReportData, profileView, reportData, ReportError, type FlameNode, type RunReportData } from '../bindings/app/report.ts';
import { reportCommand } from '../bindings/app/report-cli.ts';

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
      // A 1ms kernel tick (HZ=1000): 500 Hz per busy thread; at 4ms it would be 250.
      profile: { hz: 500, tick: '1ms', profBuf: { words: 256 }, readEvery: '50ms' },
      trace: { period: '200ms' },
      goroutines: [
        { name: 'spin', count: 3, labels: { kind: 'spin' }, program: [{ loop: [{ compute: spin, for: '3ms' }] }] },
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
});

describe('report of a run directory', () => {
  it('embeds the summary as it is in summary.json', () => {
    expect(data.kind).toBe('run');
    expect(data.summary).toEqual(JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')));
    expect(data.profBuf).toEqual({ capacityWords: 256, reads: summary.profile.reads });
    expect(data.title).toBe('gotracesim report: report-test (Go 1.23, seed 1)');
  });

  it('flame graphs and top functions from cpu.pprof and truth.pprof', () => {
    const cpu = decodeProfile(new Uint8Array(readFileSync(join(runDir, 'cpu.pprof'))));
    const truth = decodeProfile(new Uint8Array(readFileSync(join(runDir, 'truth.pprof'))));
    expect(data.profile).toEqual(JSON.parse(JSON.stringify(profileView(cpu, truth))));
    const v = data.profile!;
    expect(v.profiledNs).toBe(summary.truth!.profiledCpuNs);
    expect(v.trueNs).toBe(summary.profile.osCpuNs.total);
    expect(v.flame.profile.value).toBe(v.profiledNs);
    expect(v.flame.truth!.value).toBe(v.trueNs);
    expect(v.flame.diff!.value).toBeCloseTo(v.trueNs!, 3);
    // Inclusive values: a frame holds at least its children.
    const check = (n: FlameNode) => {
      const kids = n.children ?? [];
      expect(kids.reduce((a, k) => a + k.value, 0)).toBeLessThanOrEqual(n.value * (1 + 1e-12));
      kids.forEach(check);
    };
    check(v.flame.profile);
    check(v.flame.truth!);
    check(v.flame.diff!);
    // The profile's lost samples show as lostProfileEvent, the truth has none of it.
    const lost = v.top.find((f) => f.name === 'runtime/pprof.lostProfileEvent')!;
    expect(lost.flatP).toBe(summary.profile.lostToOverflow * summary.profile.periodNs);
    expect(lost.flatT).toBe(0);
    expect(v.top.reduce((a, f) => a + f.flatT, 0)).toBe(v.trueNs);
    expect(v.top.reduce((a, f) => a + f.flatP, 0)).toBe(v.profiledNs);
  });

  it('goroutines: true CPU and samples from the summary, trace samples from trace.out', () => {
    const byG = new Map(data.goroutines.map((x) => [x.g, x]));
    for (const g of summary.goroutines) {
      if (g.cpuNs > 0 || g.samples > 0) {
        expect(byG.get(g.id)?.trueNs).toBe(g.cpuNs);
        expect(byG.get(g.id)?.profile).toBe(g.samples);
      }
    }
    expect(data.goroutines.reduce((a, x) => a + (x.trace ?? 0), 0)).toBe(summary.trace!.cpuSamples.inTrace);
    expect(data.goroutines.map((x) => x.trueNs)).toEqual([...data.goroutines.map((x) => x.trueNs)].sort((a, b) => b - a));
  });

  it('timeline: every P and goroutine, as report-timeline.test.ts checks it', () => {
    const tl = data.timeline!;
    expect(tl.format).toBe('go1.23');
    expect(tl.procs).toBe(4);
    expect(tl.tracks.slice(0, 4).map((t) => t.name)).toEqual(['P0', 'P1', 'P2', 'P3']);
    for (const g of summary.goroutines.filter((g) => g.cpuNs > 0 && g.id > 0)) expect(tl.tracks.some((t) => t.name === `G${g.id}`), `G${g.id}`).toBe(true);
    expect(tl.totals.cpuSamples).toBe(summary.trace!.cpuSamples.inTrace);
    expect(tl.generations.length).toBe(1);
  });

  it('is one self-contained file with its libraries, and the same every time', async () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('Chart.js v4');
    expect(html).toContain('d3-flame-graph');
    expect(html).toContain('window.GtsTimeline');
    expect(html).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(html).not.toMatch(/<link[^>]*\shref="(?!data:)/i);
    expect(await buildReport({ runDir })).toBe(html);
  });

  it('a go 1.11-format trace (Go 1.17: no CPU samples in it): timeline without generations, no trace column', async () => {
    const dir = join(work, 'go117');
    await runToDir({ outDir: dir, overrides: { go: '1.17', duration: '200ms' } });
    const d = (await reportData({ runDir: dir })) as RunReportData;
    expect(d.timeline!.format).toBe('go1.11');
    expect(d.timeline!.generations).toEqual([]);
    expect(d.timeline!.totals.cpuSamples).toBe(0);
    expect(d.timeline!.tracks.filter((t) => t.kind === 'p').length).toBe(4);
    expect(d.goroutines.length).toBeGreaterThan(0);
    expect(d.goroutines.every((x) => x.trace === null)).toBe(true);
  });

  it('without trace.out or the profiles: those views left out, with the reason', async () => {
    const dir = join(work, 'no-trace');
    mkdirSync(dir);
    writeFileSync(join(dir, 'summary.json'), readFileSync(join(runDir, 'summary.json')));
    const d = (await reportData({ runDir: dir })) as RunReportData;
    expect(d.timeline).toBeNull();
    expect(d.timelineNote).toMatch(/no trace\.out/);
    expect(d.profile).toBeNull();
    expect(d.profileNote).toMatch(/no .*cpu\.pprof/);
    expect(d.goroutines.every((x) => x.trace === null)).toBe(true);
    writeFileSync(join(dir, 'cpu.pprof'), readFileSync(join(runDir, 'cpu.pprof')));
    const d2 = (await reportData({ runDir: dir })) as RunReportData;
    expect(d2.profile!.flame.truth).toBeNull();
    expect(d2.profile!.flame.diff).toBeNull();
    expect(d2.profileNote).toMatch(/truth\.pprof: the profile alone/);
  });
});

describe('profileView: flame trees and top functions, by hand', () => {
  /** A profile of [stack leaf-first, ns] rows. */
  function prof(rows: [string[], number][]): PProfile {
    const st = new StringTable();
    const fn = new Map<string, number>();
    const fid = (n: string) => {
      if (!fn.has(n)) fn.set(n, fn.size + 1);
      return fn.get(n)!;
    };
    const sample = rows.map(([stack, ns]) => ({ locationId: stack.map(fid), value: [ns / 10, ns], label: [] }));
    const names = [...fn.keys()];
    return new PProfile({
      sampleType: [{ type: st.dedup('samples'), unit: st.dedup('count') }, { type: st.dedup('cpu'), unit: st.dedup('nanoseconds') }],
      sample,
      location: names.map((n, i) => ({ id: i + 1, mappingId: 1, address: 0x1000 + i, line: [{ functionId: i + 1, line: 1 }] })),
      function: names.map((n, i) => ({ id: i + 1, name: st.dedup(n), systemName: st.dedup(n), filename: st.dedup('x.go') })),
      mapping: [{ id: 1, memoryStart: 0, memoryLimit: 0x2000, filename: st.dedup('x') }],
      stringTable: st,
      period: 10,
    });
  }

  it('profile 30 a + 10 b, truth 20 a + 20 b + 10 c', () => {
    const v = profileView(prof([[['a', 'main'], 30], [['b', 'main'], 10]]), prof([[['a', 'main'], 20], [['b', 'main'], 20], [['c'], 10]]));
    expect(v.profiledNs).toBe(40);
    expect(v.trueNs).toBe(50);
    expect(v.flame.profile).toEqual({ name: 'all', value: 40, children: [{ name: 'main', value: 40, children: [{ name: 'a', value: 30 }, { name: 'b', value: 10 }] }] });
    expect(v.flame.truth).toEqual({ name: 'all', value: 50, children: [{ name: 'c', value: 10 }, { name: 'main', value: 40, children: [{ name: 'a', value: 20 }, { name: 'b', value: 20 }] }] });
    // The profile scaled to the truth's 50: main 50, a 37.5, b 12.5; width the mean, delta p̂ − t.
    expect(v.flame.diff).toEqual({
      name: 'all', value: 50, delta: 0, p: 40, t: 50,
      children: [
        { name: 'c', value: 5, delta: -10, p: 0, t: 10 },
        { name: 'main', value: 45, delta: 10, p: 40, t: 40, children: [{ name: 'a', value: 28.75, delta: 17.5, p: 30, t: 20 }, { name: 'b', value: 16.25, delta: -7.5, p: 10, t: 20 }] },
      ],
    });
    expect(v.top).toEqual([
      { name: 'a', flatP: 30, cumP: 30, flatT: 20, cumT: 20 },
      { name: 'b', flatP: 10, cumP: 10, flatT: 20, cumT: 20 },
      { name: 'c', flatP: 0, cumP: 0, flatT: 10, cumT: 10 },
      { name: 'main', flatP: 0, cumP: 40, flatT: 0, cumT: 40 },
    ]);
    expect(v.functions).toBe(4);
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

  it('a broken trace.out or pprof is reported in place of its view, not thrown', async () => {
    const dir = join(work, 'bad-trace');
    mkdirSync(dir);
    writeFileSync(join(dir, 'summary.json'), readFileSync(join(runDir, 'summary.json')));
    writeFileSync(join(dir, 'trace.out'), readFileSync(join(runDir, 'trace.out')).subarray(0, 5000));
    writeFileSync(join(dir, 'cpu.pprof'), 'not a profile');
    const d = (await reportData({ runDir: dir })) as RunReportData;
    expect(d.timeline).toBeNull();
    expect(d.timelineNote).toMatch(/trace\.out: .* \(at byte \d+\)/);
    expect(d.profile).toBeNull();
    expect(d.profileNote).toMatch(/cpu\.pprof: not a pprof profile/);
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

  it('refuses to write over an input: truth.pprof too', async () => {
    const err: string[] = [];
    expect(await reportCommand([runDir, '-o', join(runDir, 'truth.pprof')], { stdout: () => {}, stderr: (s) => err.push(s) })).toBe(2);
    expect(err.join('')).toMatch(/refusing to write: it is the input/);
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

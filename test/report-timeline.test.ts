// The report's timeline (report-timeline.ts), gathered in one pass over the trace: every P and
// goroutine slice, CPU sample, GC and STW interval of a run exactly (resolution 0) as the
// export's model hands them out; a huge trace held within the segment budget at a coarser
// resolution that still covers all it ran; misplaced samples found as the simulator counted
// them; streamed and whole alike, and the same as the report embeds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runToDir } from '../bindings/app/run.ts';
import { simulate, type Summary } from '../bindings/runtime/simulate.ts';
import { DEFAULT_SCENARIO } from '../bindings/scenario/default-scenario.ts';
import { reportData, SEGMENT_BUDGET, TimelineBuilder, timelineOf, timelineOfStream, type RunReportData, type TimelineData } from '../bindings/app/report.ts';
import { decodeVarints, unzigzag } from '../bindings/app/report-codec.ts';
import { runTracks, type TrackSink } from '../bindings/formats/chrome/index.ts';

const spin = [{ func: 'main.spin', file: '/app/main.go', line: 20 }];
let work = '';
let runDir = '';
let summary: Summary;
let data: RunReportData;
let bytes: Uint8Array;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'gts-report-tl-'));
  runDir = join(work, 'run');
  const scenario = join(work, 'scenario.json');
  writeFileSync(
    scenario,
    JSON.stringify({
      name: 'timeline-test',
      go: '1.23',
      duration: '400ms',
      gomaxprocs: 4,
      profile: { hz: 500 },
      trace: { period: '200ms' },
      goroutines: [
        { name: 'spin', count: 3, program: [{ loop: [{ compute: spin, for: '3ms' }] }] },
        { name: 'yield', program: [{ loop: [{ compute: spin, for: '40us' }, { gosched: true }] }] },
      ],
    }),
  );
  summary = (await runToDir({ scenarioFile: scenario, outDir: runDir, overrides: {} })).summary;
  data = (await reportData({ runDir })) as RunReportData;
  bytes = new Uint8Array(readFileSync(join(runDir, 'trace.out')));
}, 60_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A timeline's tracks back as segments [start, end, g] (ns), and its samples [t, row, g]. */
function decode(tl: TimelineData) {
  const tracks = tl.tracks.map((t) => {
    const v = decodeVarints(t.seg);
    const step = t.kind === 'p' ? 3 : 2;
    const segs: [number, number, number][] = [];
    let prev = 0;
    for (let i = 0; i < t.n; i++) {
      const s = prev + unzigzag(v[i * step]);
      const e = s + v[i * step + 1];
      segs.push([s, e, t.kind === 'p' ? v[i * step + 2] : t.id]);
      prev = e;
    }
    expect(v.length).toBe(t.n * step);
    return { name: t.name, segs };
  });
  const v = decodeVarints(tl.samples);
  const samples: [number, number, number][] = [];
  let t = 0;
  for (let i = 0; i < v.length; i += 3) {
    t += unzigzag(v[i]);
    samples.push([t, v[i + 1] - 1, v[i + 2]]);
  }
  const bands = (b: string) => {
    const x = decodeVarints(b);
    const out: [number, number][] = [];
    let p = 0;
    for (let i = 0; i < x.length; i += 2) {
      const s = p + unzigzag(x[i]);
      out.push([s, s + x[i + 1]]);
      p = s + x[i + 1];
    }
    return out;
  };
  return { tracks, samples, gc: bands(tl.gc), stw: bands(tl.stw) };
}

/** Every P and goroutine slice, CPU sample, GC and STW interval the export's model hands out. */
function collect(bytes: Uint8Array) {
  const slices: { p: number; g: number; start: number; end: number }[] = [];
  const samples: { p: number; g: number; t: number }[] = [];
  const gc: [number, number][] = [];
  const stw: [number, number][] = [];
  let span = 0;
  const nop = () => {};
  const sink: TrackSink = {
    detail: false,
    generation: nop,
    execution: (g, _fn, p, start, end) => void slices.push({ p, g, start, end }),
    cpuSample: (g, p, t) => void samples.push({ p, g, t }),
    end: (t) => void (span = t),
    gc: (s, e) => void gc.push([s, e]),
    stw: (s, e) => void stw.push([s, e]),
    syscall: nop, assist: nop, region: nop, task: nop, log: nop, sweep: nop, metric: nop, goroutines: nop,
  };
  runTracks(bytes, sink);
  return { slices, samples, gc, stw, span };
}

/** Slices in time order, touching neighbours of one goroutine merged (resolution 0). */
function exact(xs: [number, number, number][]): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (const [s, e, g] of xs.map(([s, e, g]) => [Math.round(s), Math.round(e), g] as [number, number, number])) {
    const l = out[out.length - 1];
    if (l && l[2] === g && s <= l[1]) l[1] = Math.max(l[1], e);
    else out.push([s, e, g]);
  }
  return out;
}


describe('a run directory\'s timeline', () => {
  it('timeline: every P and goroutine slice, every sample, GC and STW, exactly', () => {
    const tl = data.timeline!;
    const ref = collect(bytes);
    const d = decode(tl);
    expect(tl.format).toBe('go1.23');
    expect(tl.resNs).toBe(0);
    const procs = [...new Set(ref.slices.filter((s) => s.p >= 0).map((s) => s.p))].sort((a, b) => a - b);
    const gs = [...new Set(ref.slices.filter((s) => s.g > 0).map((s) => s.g))].sort((a, b) => a - b);
    expect(tl.procs).toBe(4);
    expect(d.tracks.map((t) => t.name)).toEqual([...procs.map((p) => `P${p}`), ...(tl.tracks.some((t) => t.kind === 'none') ? ['no P'] : []), ...gs.map((g) => `G${g}`)]);
    for (const p of procs) expect(d.tracks.find((t) => t.name === `P${p}`)!.segs, `P${p}`).toEqual(exact(ref.slices.filter((s) => s.p === p).map((s) => [s.start, s.end, s.g])));
    for (const g of gs) expect(d.tracks.find((t) => t.name === `G${g}`)!.segs, `G${g}`).toEqual(exact(ref.slices.filter((s) => s.g === g).map((s) => [s.start, s.end, g])));
    expect(tl.totals.slices).toBe(ref.slices.length);
    expect(tl.totals.cpuSamples).toBe(summary.trace!.cpuSamples.inTrace);
    expect(d.samples).toEqual(ref.samples.map((s) => [Math.round(s.t), s.p >= 0 ? procs.indexOf(s.p) : procs.length, s.g]));
    expect(d.gc).toEqual(ref.gc.map(([s, e]) => [Math.round(s), Math.round(e)]));
    expect(d.stw).toEqual(ref.stw.map(([s, e]) => [Math.round(s), Math.round(e)]));
    // The second generation began when the advancer goroutine's 200ms timer ran: at 200ms, or up
    // to a preemption later when its P was running a spinner (every P is busy here).
    const starts = (summary.trace as { genStarts: number[] }).genStarts;
    expect(tl.generations.length).toBe(1);
    expect(Math.abs(tl.generations[0] - starts[0])).toBeLessThan(1e6);
    expect(starts[0] - 200e6).toBeGreaterThanOrEqual(0);
    expect(starts[0] - 200e6).toBeLessThan(12e6);
    expect(tl.spanNs).toBe(Math.round(ref.span));
  });

});

describe('the timeline: one pass, bounded memory', () => {
  it('a huge trace: every P and goroutine track, the budget kept, coverage kept, the resolution said', () => {
    // 3 million slices of 300 goroutines on 8 Ps over 300 s; goroutine g runs g µs at a time.
    const b = new TimelineBuilder();
    const G = 300;
    const run = new Map<number, number>();
    const pRun = new Map<number, number>();
    const count = new Map<number, number>();
    let t = 0;
    let maxHeld = 0;
    const gap = 100_000 / 8;
    for (let i = 0; i < 3_000_000; i++) {
      const g = 1 + ((i * 7) % G);
      const p = i % 8;
      const d = Math.min(g * 1000, 8 * gap - 1);
      b.execution(g, '', p, t, t + d, 'GoStop', '');
      run.set(g, (run.get(g) ?? 0) + d);
      count.set(g, (count.get(g) ?? 0) + 1);
      pRun.set(p, (pRun.get(p) ?? 0) + d);
      if (i % 3 === 0) b.cpuSample(g, p, t + 1);
      if (i % 1000 === 0) b.gc(t, t + 500);
      t += gap;
      if (i % 50_000 === 0) maxHeld = Math.max(maxHeld, b.held().segments);
    }
    b.end(t + 8 * gap);
    expect(maxHeld).toBeLessThanOrEqual(SEGMENT_BUDGET);
    const tl = b.result('go1.23');
    expect(tl.resNs).toBeGreaterThan(0);
    expect(tl.tracks.map((x) => x.name)).toEqual([...[0, 1, 2, 3, 4, 5, 6, 7].map((p) => `P${p}`), ...Array.from({ length: G }, (_, i) => `G${i + 1}`)]);
    expect(tl.totals).toMatchObject({ slices: 3_000_000, goroutines: G, cpuSamples: 1_000_000 });
    expect(tl.totals.segments).toBeLessThanOrEqual(SEGMENT_BUDGET);
    const d = decode(tl);
    expect(d.samples.length).toBe(tl.samplesShown);
    expect(tl.samplesShown).toBeLessThanOrEqual(1 << 18);
    // Merging only fills gaps up to the resolution: every track still covers all it ran, and
    // no more than that plus one resolution per merge; a goroutine's own track keeps every
    // gap wider than the resolution.
    for (const tr of d.tracks) {
      const covered = tr.segs.reduce((a, s) => a + s[1] - s[0], 0);
      const id = Number(tr.name.slice(1));
      const [want, slices] = tr.name.startsWith('P') ? [pRun.get(id)!, 3_000_000 / 8] : [run.get(id)!, count.get(id)!];
      expect(covered, tr.name).toBeGreaterThanOrEqual(want - tr.segs.length);
      expect(covered, tr.name).toBeLessThanOrEqual(want + (slices - tr.segs.length) * tl.resNs + tr.segs.length);
      for (let i = 1; i < tr.segs.length; i++) expect(tr.segs[i][0] - tr.segs[i - 1][1]).toBeGreaterThan(tr.name.startsWith('G') ? tl.resNs : 0);
    }
  });

  it('misplaced samples (Go 1.22 as shipped, one CPU buffer): seen in the trace as the simulator counted them', () => {
    const sc = { ...DEFAULT_SCENARIO, trace: { period: '50ms' }, profile: { hz: 1000 } };
    const r = simulate(sc, { overrides: { go: '1.22-dev', duration: '400ms' }, trace: true });
    const tl = timelineOf(r.trace!).timeline;
    expect(r.summary.trace!.cpuSamples.misplaced).toBeGreaterThan(100);
    expect(tl.totals.misplaced).toBe(r.summary.trace!.cpuSamples.misplaced);
    expect(tl.misplaced.length).toBe(tl.totals.misplaced);
    // The boundaries stay where the generations began (every 50 ms or a little later: the
    // advancer goroutine's timer waits for a P), after the misplaced.
    const starts = (r.summary.trace as { genStarts: number[] }).genStarts;
    expect(tl.generations.length).toBe(7);
    expect(starts.length).toBe(7);
    tl.generations.forEach((g, i) => expect(Math.abs(g - starts[i])).toBeLessThan(1e6));
    starts.forEach((g, i) => expect(g - 50e6 * (i + 1)).toBeGreaterThanOrEqual(0));
    for (const m of tl.misplaced) expect(tl.generations.some((g) => g >= m[0] && g - m[0] < 1e6)).toBe(true);
    // Two buffers (Go 1.22 as released): none.
    const r2 = simulate(sc, { overrides: { go: '1.23', duration: '400ms' }, trace: true });
    expect(r2.summary.trace!.cpuSamples.misplaced).toBe(0);
    expect(timelineOf(r2.trace!).timeline.totals.misplaced).toBe(0);
  });

  it('read as a stream (a generation at a time) or whole: the same timeline', async () => {
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


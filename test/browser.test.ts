// In a real browser: report.html (a run, a sweep, a 10,000-goroutine run) and the examples
// page, in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core), served
// by `gotracesim serve` (a child process on 127.0.0.1, stopped by its PID), so pages are
// cross-origin isolated (shared memory for the simulator).
// Asserts: no console errors or page errors; the flame graphs draw frames, the timeline and
// every chart draw non-blank pixels; zoom and pan change the visible range; every P's row of
// the timeline is painted; the report loads nothing but itself (it works offline); the
// examples page shows the same summary our Node reader computes for an uploaded real Go 1.19
// trace and for the simulated default scenario, with the same views; opened from disk it says
// why it cannot simulate. Screenshots go to test/artifacts/ (gitignored).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { bundleBrowser } from '../scripts/bundle.ts';
import { runToDir } from '../bindings/app/run.ts';
import { sweep } from '../bindings/app/sweep.ts';
import { reportCommand } from '../bindings/app/report-cli.ts';
import { extractReportData, type RunReportData } from '../bindings/app/report.ts';
import { traceSummary } from '../bindings/formats/index.ts';
import { simulate } from '../bindings/runtime/simulate.ts';
import { DEFAULT_SCENARIO } from '../bindings/scenario/default-scenario.ts';
import { fixtureCounts, fixturePath } from './data.ts';
import { ROOT, startServe, stopServe } from './serve-child.ts';

const ARTIFACTS = join(ROOT, 'test', 'artifacts');
const CHROMIUM = '/usr/bin/chromium';
const FIXTURE = fixturePath('hog'); // a real Go 1.19 trace (test/fixtures/go1.19)
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) console.warn(`test/browser.test.ts: skipped: ${CHROMIUM} is absent (apt-get install -y chromium; .ci/run installs it)`);

/** Console errors and uncaught exceptions of a page. */
function watch(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

/** Per Chart.js canvas: id, points in its datasets, and pixels drawn (alpha > 0). */
async function charts(page: Page): Promise<{ id: string; points: number; painted: number }[]> {
  return page.evaluate(() => {
    const C = (globalThis as unknown as { Chart: { getChart(c: HTMLCanvasElement): { data: { datasets: { data: unknown[] }[] } } | undefined } }).Chart;
    return [...document.querySelectorAll('canvas')]
      .filter((c) => C.getChart(c))
      .map((c) => {
        const ch = C.getChart(c)!;
        const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let painted = 0;
        for (let i = 3; i < px.length; i += 4) if (px[i] > 0) painted++;
        return { id: c.id, points: ch.data.datasets.reduce((a, d) => a + d.data.length, 0), painted };
      });
  });
}

interface TimelineState {
  start: number;
  end: number;
  procsPainted: number;
  tracks: number;
  goroutineRows: number;
  /** Per P row: pixels that are neither white nor the gutter's. */
  pRowInk: number[];
}

/** The timeline canvas's view, and the non-white pixels in each P row's band. */
async function timeline(page: Page, id = 'timeline'): Promise<TimelineState> {
  return page.evaluate((id) => {
    const c = document.getElementById(id) as HTMLCanvasElement & { gtsTimeline: { stats(): { tracks: number; goroutineRows: number; procs: number }; rowBox(i: number): { y: number; h: number; kind: string } } };
    const tl = c.gtsTimeline;
    const st = tl.stats();
    const dpr = c.width / c.clientWidth;
    const ctx = c.getContext('2d')!;
    const ink: number[] = [];
    for (let i = 0; i < st.procs; i++) {
      const b = tl.rowBox(i);
      const px = ctx.getImageData(Math.round(70 * dpr), Math.round((b.y + 1) * dpr), c.width - Math.round(70 * dpr), Math.round((b.h - 8) * dpr)).data;
      let n = 0;
      for (let k = 0; k < px.length; k += 4) if (px[k] < 250 || px[k + 1] < 250 || px[k + 2] < 250) n++;
      ink.push(n);
    }
    return { start: Number(c.dataset.viewStart), end: Number(c.dataset.viewEnd), procsPainted: Number(c.dataset.procsPainted), tracks: st.tracks, goroutineRows: st.goroutineRows, pRowInk: ink };
  }, id);
}

describe.skipIf(!HAVE_CHROMIUM)('in headless Chromium', () => {
  let ctx: BrowserContext;
  let serve: Awaited<ReturnType<typeof startServe>>;
  let profileDir = '';
  let work = '';

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'build/gotracesim.wasm')) || !existsSync(join(ROOT, 'build/lib/app/sweep-worker.js'))) {
      execSync('npm run build', { cwd: ROOT, stdio: 'ignore' });
    }
    // The browser bundle the examples page loads (build/gotracesim-browser.js, wasm inlined).
    await bundleBrowser();
    mkdirSync(ARTIFACTS, { recursive: true });
    serve = await startServe([ARTIFACTS]);
    profileDir = mkdtempSync(join(tmpdir(), 'gts-chromium-'));
    work = mkdtempSync(join(tmpdir(), 'gts-browser-'));
    const { chromium } = await import('playwright-core');
    ctx = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
  }, 120_000);

  afterAll(async () => {
    await ctx?.close();
    if (serve) expect(await stopServe(serve.child)).toBe(0);
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Open a report over HTTP with every other request refused (it must need nothing else). */
  async function openReport(file: string) {
    const page = await ctx.newPage();
    const errors = watch(page);
    const url = `${serve.base}/data/${file}`;
    const others: string[] = [];
    await page.route('**/*', (route) => {
      if (route.request().url() === url) return route.continue();
      others.push(route.request().url());
      return route.abort();
    });
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('body[data-rendered="ok"]', { timeout: 30_000 });
    expect(await page.getAttribute('body', 'data-error')).toBeNull();
    return { page, errors, others };
  }

  async function report(dir: string, file: string): Promise<RunReportData> {
    const out = join(ARTIFACTS, file);
    expect(await reportCommand([dir, '-o', out], { stdout: () => {}, stderr: () => {} })).toBe(0);
    return extractReportData(readFileSync(out, 'utf8')) as RunReportData;
  }

  it('report.html of a run: flame graphs, top functions, timeline with zoom and pan, charts; no errors, offline', async () => {
    const dir = join(work, 'run');
    const scenario = join(work, 'scenario.json');
    writeFileSync(scenario, JSON.stringify({ ...DEFAULT_SCENARIO, trace: { period: '250ms' } }));
    const r = await runToDir({ scenarioFile: scenario, outDir: dir, overrides: {} });
    const data = await report(dir, 'report-run.html');
    const { page, errors, others } = await openReport('report-run.html');
    expect(errors).toEqual([]);
    expect(others).toEqual([]);

    // Flame graphs: every frame of each tree drawn (d3-flame-graph: one rect per frame).
    const count = (n: { children?: unknown[] }): number => 1 + ((n.children ?? []) as { children?: unknown[] }[]).reduce((a: number, k) => a + count(k), 0);
    const frames = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-frames]')].map((e) => [e.id, Number(e.getAttribute('data-frames'))])));
    expect(frames).toEqual({ 'flame-diff': count(data.profile!.flame.diff!), 'flame-profile': count(data.profile!.flame.profile), 'flame-truth': count(data.profile!.flame.truth!) });
    // The diff colours frames: some over-sampled (red), some under-sampled (blue).
    const fills = await page.evaluate(() => [...document.querySelectorAll('#flame-diff svg rect')].map((e) => getComputedStyle(e).fill));
    const rgb = fills.map((f) => f.match(/\d+/g)!.map(Number));
    expect(rgb.some(([r, , b]) => r > b + 20)).toBe(true);
    expect(rgb.some(([r, , b]) => b > r + 20)).toBe(true);
    expect(await page.locator('#top-functions tr').count()).toBe(data.profile!.top.length + 1);
    await page.locator('#flames').screenshot({ path: join(ARTIFACTS, 'report-flame.png') });

    // The timeline: every P painted over the whole run; zoom and pan change the visible range.
    const t0 = await timeline(page);
    expect([t0.start, t0.end]).toEqual([0, data.timeline!.spanNs]);
    expect(t0.procsPainted).toBe(r.summary.gomaxprocs);
    for (const ink of t0.pRowInk) expect(ink).toBeGreaterThan(1000);
    expect(t0.tracks).toBe(data.timeline!.tracks.length + 2);
    await page.locator('#timeline-view').screenshot({ path: join(ARTIFACTS, 'report-timeline.png') });
    await page.click('#timeline-view .tl-bar button[title^="zoom in"]');
    const t1 = await timeline(page);
    expect(Math.abs(t1.end - t1.start - t0.end / 2)).toBeLessThanOrEqual(1);
    await page.click('#timeline-view .tl-bar button[title^="pan right"]');
    const t2 = await timeline(page);
    expect(t2.start).toBeGreaterThan(t1.start);
    expect(Math.abs(t2.end - t2.start - (t1.end - t1.start))).toBeLessThanOrEqual(1);
    // Ctrl+wheel over the canvas zooms in at the cursor.
    const box = (await page.locator('#timeline').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + 60);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -400);
    await page.keyboard.up('Control');
    await page.waitForFunction((w) => { const c = document.getElementById('timeline')!; return Number(c.dataset.viewEnd) - Number(c.dataset.viewStart) < w; }, t2.end - t2.start);
    const t3 = await timeline(page);
    expect(t3.start).toBeGreaterThanOrEqual(t2.start);
    expect(t3.end).toBeLessThanOrEqual(t2.end);
    expect(t3.procsPainted).toBe(r.summary.gomaxprocs);
    await page.locator('#timeline-view').screenshot({ path: join(ARTIFACTS, 'report-timeline-zoomed.png') });

    const cs = await charts(page);
    expect(cs.map((c) => c.id)).toEqual(['profbuf']);
    expect(cs[0].points).toBe(2 * r.summary.profile.reads.length);
    expect(cs[0].painted).toBeGreaterThan(1000);
    await page.screenshot({ path: join(ARTIFACTS, 'report-run.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('report.html of a 10,000-goroutine run: every P painted, a row for every goroutine', async () => {
    const dir = join(work, 'g10k');
    const work1 = [{ func: 'main.work', file: '/app/main.go', line: 9 }];
    const scenario = join(work, 'g10k.json');
    writeFileSync(scenario, JSON.stringify({ name: 'g10k', duration: '400ms', gomaxprocs: 8, goroutines: [{ name: 'w', count: 10_000, program: [{ compute: work1, for: '100us' }, { sleep: '10ms' }, { compute: work1, for: '100us' }] }] }));
    await runToDir({ scenarioFile: scenario, outDir: dir, overrides: {} });
    const data = await report(dir, 'report-g10k.html');
    expect(data.timeline!.totals.goroutines).toBeGreaterThanOrEqual(10_000);
    const { page, errors, others } = await openReport('report-g10k.html');
    const t = await timeline(page);
    expect(t.procsPainted).toBe(8);
    expect(t.pRowInk.length).toBe(8);
    for (const ink of t.pRowInk) expect(ink).toBeGreaterThan(1000);
    expect(t.goroutineRows).toBe(data.timeline!.totals.goroutines);
    // Scrolled to the last goroutines: their rows are painted too.
    await page.evaluate(() => (document.getElementById('timeline') as unknown as { gtsTimeline: { scrollRows(n: number): void } }).gtsTimeline.scrollRows(1e6));
    const rows = await page.evaluate(() => Number(document.getElementById('timeline')!.dataset.rowsPainted));
    expect(rows).toBeGreaterThan(8 + 20);
    await page.locator('#timeline-view').screenshot({ path: join(ARTIFACTS, 'report-g10k-timeline.png') });
    expect(errors).toEqual([]);
    expect(others).toEqual([]);
    await page.close();
  }, 120_000);

  it('report.html of a sweep: plots by axis, the 2.5/N expectation, truth distance; no errors, offline', async () => {
    const dir = join(work, 'sweep');
    const spin = [{ func: 'main.spin', file: '/app/main.go', line: 20 }];
    const grid = {
      base: { name: 'report-sweep', duration: '200ms', profile: { hz: 100, tick: '4ms' }, goroutines: [{ name: 'spin', count: 8, program: [{ loop: [{ compute: spin, for: '5ms' }] }] }] },
      axes: { 'profile.timer': ['setitimer', 'per-thread'], gomaxprocs: [1, 2, 4, 8], 'profile.profBuf.words': [32, 131072] },
      seeds: [1],
    };
    await sweep(grid, { outDir: dir, jobs: 2, progress: false });
    const out = join(ARTIFACTS, 'report-sweep.html');
    expect(await reportCommand([dir, '-o', out], { stdout: () => {}, stderr: () => {} })).toBe(0);
    const data = extractReportData(readFileSync(out, 'utf8'));
    if (data.kind !== 'sweep') throw new Error('not a sweep report');
    const { page, errors, others } = await openReport('report-sweep.html');
    const cs = await charts(page);
    expect(cs.map((c) => c.id)).toEqual(['sweep-magnitude-gomaxprocs', 'sweep-loss-profile_profBuf_words', 'sweep-truth-profile_timer', 'sweep-truth-gomaxprocs', 'sweep-ratio-profile_timer']);
    for (const c of cs) {
      expect(c.points, c.id).toBeGreaterThan(0);
      expect(c.painted, c.id).toBeGreaterThan(1000);
    }
    // magnitude: one curve per timer over 4 GOMAXPROCS values and the expectation; setitimer
    // attenuates at 8 busy threads as 2.5/N says, per-thread timers do not.
    const mag = data.charts[0];
    expect(cs[0].points).toBe(12);
    expect(mag.series.map((s) => s.label)).toEqual(['profile.timer=setitimer', 'profile.timer=per-thread', 'setitimer expectation min(1, 2.5/N)']);
    const at8 = (i: number) => mag.series[i].points.find(([x]) => x === 8)![1];
    expect(at8(2)).toBe(0.3125);
    expect(Math.abs(at8(0) - at8(2))).toBeLessThan(0.1);
    expect(at8(1)).toBeGreaterThan(0.95);
    // the tiny profBuf loses samples, the default one does not
    const loss = data.charts[1].series;
    expect(loss.some((s) => s.points.some(([x, y]) => x === 32 && y > 0))).toBe(true);
    expect(loss.every((s) => s.points.every(([x, y]) => x !== 131072 || y === 0))).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'report-sweep.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(others).toEqual([]);
    await page.close();
  }, 120_000);

  it('examples page: uploads a real Go 1.19 trace and simulates the default scenario, with the report’s views', async () => {
    const page = await ctx.newPage();
    const errors = watch(page);
    await page.goto(`${serve.base}/examples/index.html`, { waitUntil: 'load' });
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

    // A real trace, uploaded: the page's summary equals our Node reader's, and the CPU samples
    // equal what `go tool trace -d` counted (hog.counts); its timeline is drawn.
    await page.setInputFiles('#trace-file', FIXTURE);
    await page.waitForSelector('#result[data-source="file"]', { timeout: 30_000 });
    const want = await traceSummary(new Uint8Array(readFileSync(FIXTURE)));
    const got = await page.evaluate(() => ({ ...document.getElementById('result')!.dataset }));
    expect(got).toMatchObject({ format: want.format, events: String(want.totalEvents), goroutines: String(want.goroutines.length), samples: String(want.cpuSamples.total) });
    expect(got.samples).toBe(String(fixtureCounts('hog').CPUSample));
    expect(await page.textContent('#format')).toBe('go1.19');
    expect(await page.isVisible('#profile-section')).toBe(false);
    const tf = await timeline(page);
    expect(tf.procsPainted).toBe(want.procs.length);
    await page.screenshot({ path: join(ARTIFACTS, 'examples-upload.png'), fullPage: true });

    // The simulator, in the page: deterministic, so it equals the same run in Node; the same
    // flame graphs and timeline as the report.
    await page.click('#simulate');
    await page.waitForSelector('#result[data-source="simulated"]', { timeout: 60_000 });
    const sim = simulate(DEFAULT_SCENARIO, { trace: true });
    const ws = await traceSummary(sim.trace!);
    const gs = await page.evaluate(() => ({ ...document.getElementById('result')!.dataset }));
    expect(gs).toMatchObject({ format: ws.format, events: String(ws.totalEvents), goroutines: String(ws.goroutines.length), samples: String(ws.cpuSamples.total) });
    expect(Number(gs.samples)).toBeGreaterThan(0);
    expect(await page.isVisible('#sim-table')).toBe(true);
    const frames = await page.evaluate(() => [...document.querySelectorAll('[data-frames]')].map((e) => [e.id, Number(e.getAttribute('data-frames'))]));
    expect(frames.map((f) => f[0])).toEqual(['flame-diff', 'flame-profile', 'flame-truth']);
    for (const [, n] of frames) expect(n).toBeGreaterThan(10);
    const ts = await timeline(page);
    expect(ts.procsPainted).toBe(sim.summary.gomaxprocs);
    for (const ink of ts.pRowInk) expect(ink).toBeGreaterThan(1000);
    await page.click('#timeline-view .tl-bar button[title^="zoom in"]');
    const tz = await timeline(page);
    expect(Math.abs(tz.end - tz.start - ts.end / 2)).toBeLessThanOrEqual(1);
    await page.screenshot({ path: join(ARTIFACTS, 'examples-simulate.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('examples page opened from disk: says why it cannot simulate', async () => {
    const page = await ctx.newPage();
    const errors = watch(page);
    await page.goto(`file://${join(ROOT, 'examples', 'index.html')}`, { waitUntil: 'load' });
    await page.waitForSelector('body[data-ready="unavailable"]', { timeout: 10_000 });
    const why = await page.textContent('#why');
    expect(await page.isVisible('#why')).toBe(true);
    expect(why).toMatch(/opened from disk \(file:\/\/\), so it cannot simulate/);
    expect(why).toMatch(/Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp/);
    expect(why).toMatch(/npx gotracesim serve/);
    expect(await page.isDisabled('#simulate')).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'examples-file.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});

// In a real browser: report.html (a run and a sweep) and the examples page, in headless
// Chromium (Debian's /usr/bin/chromium, driven by playwright-core), served from 127.0.0.1
// with COOP/COEP so that the page is cross-origin isolated (shared memory for the simulator).
// Asserts: no console errors or page errors; every chart has data points and non-blank
// pixels; the report loads nothing but itself (it works offline); the examples page shows
// the same summary our Node reader computes for an uploaded real Go 1.19 trace and for the
// simulated default scenario. Screenshots go to test/artifacts/ (gitignored).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { bundleBrowser } from '../scripts/bundle.ts';
import { runToDir } from '../bindings/app/run.ts';
import { sweep } from '../bindings/app/sweep.ts';
import { reportCommand } from '../bindings/app/report-cli.ts';
import { extractReportData } from '../bindings/app/report.ts';
import { traceSummary } from '../bindings/formats/index.ts';
import { simulate } from '../bindings/runtime/simulate.ts';
import { DEFAULT_SCENARIO } from '../bindings/scenario/default-scenario.ts';
import { fixtureCounts, fixturePath } from './data.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ARTIFACTS = join(ROOT, 'test', 'artifacts');
const CHROMIUM = '/usr/bin/chromium';
const FIXTURE = fixturePath('hog'); // a real Go 1.19 trace (test/fixtures/go1.19)
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) console.warn(`test/browser.test.ts: skipped: ${CHROMIUM} is absent (apt-get install -y chromium; .ci/run installs it)`);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.png': 'image/png',
};

/** A static server of the repository with the headers that make a page cross-origin isolated. */
function serve(root: string): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
    const file = join(root, rel);
    if (!(file + sep).startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, base: `http://127.0.0.1:${(server.address() as { port: number }).port}` })));
}

/** Console errors and uncaught exceptions of a page. */
function watch(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

/** Per canvas: id, points in its Chart.js datasets, and pixels drawn (alpha > 0). */
async function canvases(page: Page): Promise<{ id: string; points: number; painted: number; width: number; height: number }[]> {
  return page.evaluate(() => {
    const C = (globalThis as unknown as { Chart: { getChart(c: HTMLCanvasElement): { data: { datasets: { data: unknown[] }[] } } | undefined } }).Chart;
    return [...document.querySelectorAll('canvas')].map((c) => {
      const ch = C.getChart(c);
      const points = ch ? ch.data.datasets.reduce((a, d) => a + d.data.length, 0) : 0;
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let painted = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i] > 0) painted++;
      return { id: c.id, points, painted, width: c.width, height: c.height };
    });
  });
}

describe.skipIf(!HAVE_CHROMIUM)('in headless Chromium', () => {
  let ctx: BrowserContext;
  let server: Server;
  let base = '';
  let profileDir = '';
  let work = '';

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'build/gotracesim.wasm')) || !existsSync(join(ROOT, 'build/lib/app/sweep-worker.js'))) {
      execSync('npm run build', { cwd: ROOT, stdio: 'ignore' });
    }
    // The browser bundle the examples page loads (build/gotracesim-browser.js, wasm inlined).
    await bundleBrowser();
    mkdirSync(ARTIFACTS, { recursive: true });
    ({ server, base } = await serve(ROOT));
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
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Open a report over HTTP with every other request refused (it must need nothing else). */
  async function openReport(file: string, shot: string) {
    const page = await ctx.newPage();
    const errors = watch(page);
    const url = `${base}/test/artifacts/${file}`;
    const others: string[] = [];
    await page.route('**/*', (route) => {
      if (route.request().url() === url) return route.continue();
      others.push(route.request().url());
      return route.abort();
    });
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('body[data-rendered="ok"]', { timeout: 30_000 });
    const cs = await canvases(page);
    await page.screenshot({ path: join(ARTIFACTS, shot), fullPage: true });
    const bodyError = await page.getAttribute('body', 'data-error');
    await page.close();
    return { errors, cs, others, bodyError };
  }

  it('report.html of a run: timeline, samples per goroutine, profBuf, no errors, offline', async () => {
    const dir = join(work, 'run');
    // The default scenario with a generation every 250ms.
    const scenario = join(work, 'scenario.json');
    writeFileSync(scenario, JSON.stringify({ ...DEFAULT_SCENARIO, trace: { period: '250ms' } }));
    const r = await runToDir({ scenarioFile: scenario, outDir: dir, overrides: {} });
    const out = join(ARTIFACTS, 'report-run.html');
    expect(await reportCommand([dir, '-o', out], { stdout: () => {}, stderr: () => {} })).toBe(0);
    const data = extractReportData(readFileSync(out, 'utf8'));
    if (data.kind !== 'run') throw new Error('not a run report');
    const { errors, cs, others, bodyError } = await openReport('report-run.html', 'report-run.png');
    expect(bodyError).toBeNull();
    expect(errors).toEqual([]);
    expect(others).toEqual([]);
    expect(cs.map((c) => c.id)).toEqual(['timeline', 'samples-per-goroutine', 'profbuf']);
    for (const c of cs) {
      expect(c.points, c.id).toBeGreaterThan(0);
      expect(c.painted, c.id).toBeGreaterThan(1000);
    }
    // The timeline draws every embedded slice, GC cycle and sample mark.
    const tl = data.timeline!;
    expect(cs[0].points).toBe(tl.slices.length + tl.gc.length + tl.samples.length);
    // Generation boundaries at 250, 500 and 750 ms (µs in the data).
    expect(tl.generations.length).toBe(3);
    tl.generations.forEach((t, i) => expect(Math.abs(t - 250_000 * (i + 1))).toBeLessThan(1000));
    // samples per goroutine: one bar per goroutine for each of profile and trace.
    expect(cs[1].points).toBe(2 * data.samplesPerGoroutine.length);
    expect(cs[2].points).toBe(2 * r.summary.profile.reads.length);
  }, 90_000);

  it('report.html of a sweep: magnitude and loss curves, no errors, offline', async () => {
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
    const { errors, cs, others, bodyError } = await openReport('report-sweep.html', 'report-sweep.png');
    expect(bodyError).toBeNull();
    expect(errors).toEqual([]);
    expect(others).toEqual([]);
    expect(cs.map((c) => c.id)).toEqual(['sweep-magnitude-gomaxprocs', 'sweep-loss-profile_profBuf_words', 'sweep-per-run']);
    for (const c of cs) {
      expect(c.points, c.id).toBeGreaterThan(0);
      expect(c.painted, c.id).toBeGreaterThan(1000);
    }
    // magnitude: one curve per timer over 4 GOMAXPROCS values; setitimer attenuates at 8 busy
    // threads, per-thread timers do not.
    expect(cs[0].points).toBe(8);
    expect(data.charts[0].series.map((s) => s.label)).toEqual(['profile.timer=setitimer', 'profile.timer=per-thread']);
    const at8 = (i: number) => data.charts[0].series[i].points.find(([x]) => x === 8)![1];
    expect(at8(0)).toBeLessThan(0.5);
    expect(at8(1)).toBeGreaterThan(0.95);
    // the tiny profBuf loses samples, the default one does not
    const loss = data.charts[1].series;
    expect(loss.some((s) => s.points.some(([x, y]) => x === 32 && y > 0))).toBe(true);
    expect(loss.every((s) => s.points.every(([x, y]) => x !== 131072 || y === 0))).toBe(true);
  }, 90_000);

  it('examples page: uploads a real Go 1.19 trace and simulates the default scenario', async () => {
    const page = await ctx.newPage();
    const errors = watch(page);
    await page.goto(`${base}/examples/index.html`, { waitUntil: 'load' });
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

    // A real trace, uploaded: the page's summary equals our Node reader's, and the CPU samples
    // equal what `go tool trace -d` counted (hog.counts).
    await page.setInputFiles('#trace-file', FIXTURE);
    await page.waitForSelector('#result[data-source="file"]', { timeout: 30_000 });
    const want = await traceSummary(new Uint8Array(readFileSync(FIXTURE)));
    const got = await page.evaluate(() => ({ ...document.getElementById('result')!.dataset }));
    expect(got).toMatchObject({ format: want.format, events: String(want.totalEvents), goroutines: String(want.goroutines.length), samples: String(want.cpuSamples.total) });
    expect(got.samples).toBe(String(fixtureCounts('hog').CPUSample));
    expect(await page.textContent('#format')).toBe('go1.19');
    await page.screenshot({ path: join(ARTIFACTS, 'examples-upload.png'), fullPage: true });

    // The simulator, in the page: deterministic, so it equals the same run in Node.
    await page.click('#simulate');
    await page.waitForSelector('#result[data-source="simulated"]', { timeout: 60_000 });
    const sim = simulate(DEFAULT_SCENARIO, { trace: true });
    const ws = await traceSummary(sim.trace!);
    const gs = await page.evaluate(() => ({ ...document.getElementById('result')!.dataset }));
    expect(gs).toMatchObject({ format: ws.format, events: String(ws.totalEvents), goroutines: String(ws.goroutines.length), samples: String(ws.cpuSamples.total) });
    expect(Number(gs.samples)).toBeGreaterThan(0);
    expect(await page.isVisible('#sim-table')).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'examples-simulate.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);
});

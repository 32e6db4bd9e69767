// `gotracesim serve`: started as a child process on a free loopback port, it prints the URL,
// serves the examples page, the libraries and views, and DIR under /data/ with the
// cross-origin isolation headers, refuses paths outside its roots, and exits 0 on SIGINT
// (sent to its PID). Usage errors exit 2 without listening.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, get, serveNode, startServe, stopServe } from './serve-child.ts';

describe('gotracesim serve', () => {
  let dir = '';
  let s: Awaited<ReturnType<typeof startServe>>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gts-serve-'));
    writeFileSync(join(dir, 'summary.json'), '{"scenario":"x"}');
    writeFileSync(join(dir, 'report.html'), '<!doctype html><title>r</title>');
    writeFileSync(join(dir, '.secret'), 'no');
    symlinkSync(join(ROOT, 'package.json'), join(dir, 'escape.json'));
    s = await startServe([dir]);
  }, 60_000);
  afterAll(async () => {
    if (s) await stopServe(s.child);
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the URL: DIR’s report.html when it has one, on 127.0.0.1', () => {
    expect(s.url).toBe(`${s.base}/data/report.html`);
    expect(s.out()).toContain(`${dir} is under ${s.base}/data/`);
  });

  it('serves the examples page, the bundle route, the libraries and views, cross-origin isolated', async () => {
    const page = await get(`${s.base}/examples/index.html`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(page.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(page.body).toContain('gotracesim in the browser');
    const app = await get(`${s.base}/examples/app.js`);
    expect(app.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const libs = await get(`${s.base}/vendor/libs.js`);
    expect(libs.body).toContain('Chart.js v4');
    expect(libs.body).toContain('flamegraph');
    const views = await get(`${s.base}/vendor/views.js`);
    expect(views.body).toContain('window.GtsTimeline');
    expect(views.body).toContain('window.GtsFlame');
    const root = await get(`${s.base}/`);
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/examples/index.html');
  });

  it('serves DIR under /data/ and lists it; nothing outside the roots, no dotfiles, GET and HEAD only', async () => {
    expect((await get(`${s.base}/data/summary.json`)).body).toBe('{"scenario":"x"}');
    expect(JSON.parse((await get(`${s.base}/data/`)).body)).toEqual({ files: ['escape.json', 'report.html', 'summary.json'] });
    expect((await get(`${s.base}/data/escape.json`)).status).toBe(404);
    expect((await get(`${s.base}/data/.secret`)).status).toBe(404);
    expect((await get(`${s.base}/data/%2e%2e/%2e%2e/etc/passwd`)).status).toBe(404);
    expect((await get(`${s.base}/examples/../package.json`)).status).toBe(404);
    expect((await get(`${s.base}/package.json`)).status).toBe(404);
    expect((await get(`${s.base}/data/summary.json`, 'POST')).status).toBe(405);
    const head = await get(`${s.base}/data/summary.json`, 'HEAD');
    expect([head.status, head.body, head.headers['content-length']]).toEqual([200, '', '16']);
  });

  it('SIGINT closes it: exit 0, "stopped"', async () => {
    const t = await startServe([]);
    expect(t.url).toBe(`${t.base}/examples/index.html`);
    expect(JSON.parse((await get(`${t.base}/data/`)).body)).toEqual({ files: [] });
    expect(await stopServe(t.child)).toBe(0);
    expect(t.out()).toContain('gotracesim serve: stopped (SIGINT)');
    await expect(get(`${t.base}/examples/index.html`)).rejects.toThrow(/ECONNREFUSED/);
  }, 60_000);

  it('usage errors: exit 2, one line', () => {
    const run = (args: string[]) => {
      const [cmd, argv] = serveNode(['serve', ...args]);
      return spawnSync(cmd, argv, { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    };
    const a = run(['--port', 'x']);
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/serve: --port: must be 0-65535, got "x"/);
    const b = run([join(dir, 'summary.json')]);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/summary\.json: not a directory/);
    const c = run([dir, dir]);
    expect(c.status).toBe(2);
    expect(c.stderr).toMatch(/at most one directory/);
  }, 60_000);
});

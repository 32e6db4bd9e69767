// Chrome Trace Event export throughput (`gotracesim export --chrome`): MB/s of input trace.
//
//   npx tsx bench/export.ts                 # fixtures + simulator traces, 5 rounds
//   npx tsx bench/export.ts --rounds 9
//
// Each case: the trace bytes are read once; writeChromeTrace runs into a sink that only counts
// characters (no disk), one warm-up run, then the median of `rounds` runs by wall clock and by
// this process's CPU time (user+system; steadier on a shared machine). MB/s = input MB (2^20
// bytes) per second; out_mb_per_s = JSON characters written per second. Also reported:
// toChromeTrace (the in-memory object) on the same input, and the CLI path end to end (read
// file, write a temp file, rename) for the largest case.
// exportBench() returns the rows; run standalone it prints a table.

import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { toChromeTrace, writeChromeTrace } from '../bindings/formats/chrome/index.ts';
import { exportChromeCommand } from '../bindings/app/chrome-cli.ts';
import { simulate } from '../bindings/runtime/simulate.ts';
import { DEFAULT_SCENARIO } from '../bindings/scenario/default-scenario.ts';
import { GO119_DIR } from '../test/data.ts';

export interface ExportBenchRow {
  name: string;
  /** 'writeChromeTrace' | 'toChromeTrace' | 'cli' */
  api: string;
  input_mb: number;
  input_events: number;
  output_mb: number;
  /** Median wall ms of one export. */
  wall_ms: number;
  /** Input MB per wall second. */
  mb_per_s: number;
  /** Input MB per CPU second of this process. */
  cpu_mb_per_s: number;
  /** Output (JSON) MB per wall second. */
  out_mb_per_s: number;
  /** Input events per wall second. */
  events_per_s: number;
}

const MB = 1 << 20;
const FIX = GO119_DIR; // the real Go 1.19 fixtures (test/fixtures/go1.19)

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Median wall and CPU ms of f (after one warm-up). */
async function time(rounds: number, f: () => unknown): Promise<{ wall: number; cpu: number }> {
  await f();
  const ws: number[] = [];
  const cs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await f();
    ws.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cs.push((c.user + c.system) / 1000);
  }
  return { wall: median(ws), cpu: median(cs) };
}

function inputs(): { name: string; bytes: Uint8Array }[] {
  const out: { name: string; bytes: Uint8Array }[] = [];
  for (const f of ['hog', 'annot', 'mixed']) {
    out.push({ name: `go1.19 fixture ${f}`, bytes: new Uint8Array(readFileSync(join(FIX, `${f}.trace`))) });
  }
  out.push({ name: 'sim go1.19 default 2s', bytes: simulate(DEFAULT_SCENARIO, { overrides: { go: '1.19', duration: '2s' }, trace: true }).trace! });
  try {
    out.push({ name: 'sim go1.23 default 2s', bytes: simulate(DEFAULT_SCENARIO, { overrides: { go: '1.23', duration: '2s' }, trace: true }).trace! });
  } catch (e) {
    console.error(`v2 simulator trace unavailable: ${(e as Error).message}`);
  }
  return out;
}

export async function exportBench(rounds = 5): Promise<ExportBenchRow[]> {
  const rows: ExportBenchRow[] = [];
  const cases = inputs();
  for (const { name, bytes } of cases) {
    let chars = 0;
    let events = 0;
    const w = await time(rounds, () => {
      chars = 0;
      events = writeChromeTrace(bytes, (s) => {
        chars += s.length;
      }).inputEvents;
    });
    const inMb = bytes.length / MB;
    const outMb = chars / MB;
    rows.push({
      name,
      api: 'writeChromeTrace',
      input_mb: +inMb.toFixed(3),
      input_events: events,
      output_mb: +outMb.toFixed(1),
      wall_ms: +w.wall.toFixed(1),
      mb_per_s: +(inMb / (w.wall / 1000)).toFixed(2),
      cpu_mb_per_s: +(inMb / (w.cpu / 1000)).toFixed(2),
      out_mb_per_s: +(outMb / (w.wall / 1000)).toFixed(1),
      events_per_s: Math.round(events / (w.wall / 1000)),
    });
    const o = await time(rounds, () => toChromeTrace(bytes));
    rows.push({
      name,
      api: 'toChromeTrace',
      input_mb: +inMb.toFixed(3),
      input_events: events,
      output_mb: 0,
      wall_ms: +o.wall.toFixed(1),
      mb_per_s: +(inMb / (o.wall / 1000)).toFixed(2),
      cpu_mb_per_s: +(inMb / (o.cpu / 1000)).toFixed(2),
      out_mb_per_s: 0,
      events_per_s: Math.round(events / (o.wall / 1000)),
    });
  }
  // The CLI end to end on the largest input (file read, JSON to a temp file, fsync, rename).
  const big = cases.reduce((a, b) => (b.bytes.length > a.bytes.length ? b : a));
  const dir = mkdtempSync(join(tmpdir(), 'gts-export-bench-'));
  try {
    const f = join(dir, 'big.trace');
    writeFileSync(f, big.bytes);
    const io = { out: () => {}, err: () => {} };
    const c = await time(Math.min(rounds, 3), async () => {
      if ((await exportChromeCommand(['--chrome', f, '-o', join(dir, 'big.json')], io)) !== 0) throw new Error('export failed');
    });
    const inMb = big.bytes.length / MB;
    const outMb = statSync(join(dir, 'big.json')).size / MB;
    const ev = rows.find((r) => r.name === big.name)!.input_events;
    rows.push({
      name: big.name,
      api: 'cli (file → file)',
      input_mb: +inMb.toFixed(3),
      input_events: ev,
      output_mb: +outMb.toFixed(1),
      wall_ms: +c.wall.toFixed(1),
      mb_per_s: +(inMb / (c.wall / 1000)).toFixed(2),
      cpu_mb_per_s: +(inMb / (c.cpu / 1000)).toFixed(2),
      out_mb_per_s: +(outMb / (c.wall / 1000)).toFixed(1),
      events_per_s: Math.round(ev / (c.wall / 1000)),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--rounds');
  const rounds = i >= 0 ? Number(process.argv[i + 1]) : 5;
  console.log(`Chrome export: node ${process.version}, median of ${rounds} rounds after 1 warm-up; MB = 2^20 bytes of input trace`);
  const rows = await exportBench(rounds);
  const head = ['trace', 'api', 'in MB', 'events', 'out MB', 'wall ms', 'MB/s', 'MB/s (cpu)', 'out MB/s', 'events/s'];
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map((_, k) => (k < 2 ? '---' : '---:')).join('|')}|`);
  for (const r of rows) {
    console.log(`| ${[r.name, r.api, r.input_mb, r.input_events, r.output_mb, r.wall_ms, r.mb_per_s, r.cpu_mb_per_s, r.out_mb_per_s, r.events_per_s].join(' | ')} |`);
  }
}

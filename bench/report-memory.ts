// The report's memory and time on a long run: `gotracesim run --duration 20s` (the default
// scenario, a ~40 MB trace), then `gotracesim report` on it in a fresh process, whose peak RSS
// (process.resourceUsage().maxRSS) and wall time are the figures; also the HTML's size and
// the timeline's segments and resolution. Writes bench/results/report-memory.json.
//   npx tsx bench/report-memory.ts [--duration 20s] [--keep DIR]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runToDir } from '../bindings/app/run.ts';
import { extractReportData, type RunReportData } from '../bindings/app/report.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { duration: { type: 'string', default: '20s' }, keep: { type: 'string' } } });
const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'gts-bench-report-'));
const run = join(dir, 'run');

const t0 = performance.now();
await runToDir({ outDir: run, overrides: { duration: values.duration } });
const runS = (performance.now() - t0) / 1000;
const traceMB = statSync(join(run, 'trace.out')).size / 2 ** 20;

// The report in its own process: its peak RSS is the report's, not this script's.
const child = `
  const { reportCommand } = await import(${JSON.stringify(join(ROOT, 'bindings/app/report-cli.ts'))});
  const t0 = performance.now();
  const code = await reportCommand([${JSON.stringify(run)}, '-o', ${JSON.stringify(join(dir, 'report.html'))}], { stdout: () => {} });
  console.log(JSON.stringify({ code, wallS: (performance.now() - t0) / 1000, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
`;
const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], { cwd: ROOT, encoding: 'utf8' });
if (r.status !== 0) throw new Error(`report failed: ${r.stderr}`);
const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as { code: number; wallS: number; maxRssMB: number };
const data = extractReportData(readFileSync(join(dir, 'report.html'), 'utf8')) as RunReportData;
const tl = data.timeline!;
const result = {
  duration: values.duration,
  run_s: Math.round(runS * 10) / 10,
  trace_mb: Math.round(traceMB * 10) / 10,
  report_wall_s: Math.round(m.wallS * 10) / 10,
  report_max_rss_mb: Math.round(m.maxRssMB),
  html_kib: Math.round(statSync(join(dir, 'report.html')).size / 1024),
  slices: tl.totals.slices,
  segments_kept: tl.totals.segments,
  resolution_ns: tl.resNs,
  cpu_samples: tl.totals.cpuSamples,
};
console.log(JSON.stringify(result, null, 2));
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/report-memory.json'), JSON.stringify(result, null, 2) + '\n');
if (values.keep === undefined) rmSync(dir, { recursive: true, force: true });

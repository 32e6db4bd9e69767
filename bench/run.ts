// npm run bench: every suite, printed as tables and written to bench/results/*.json.
// `npm run bench -- core|sim|trace|parse|export|sweep|queue|goals` runs one suite.
import { coreBench } from './core.ts';
import { simBench, magnitudeTable } from './sim.ts';
import { traceBench, memoryBench } from './trace.ts';
import { printTable, writeResults } from './report.ts';
import { parseBench, markdown } from './parse.ts';
import { exportBench } from './export.ts';
import { sweepBench, TRACE_GRID } from './sweep.ts';
import { queueBench } from './queue.ts';
import { goalsBench, goalsMarkdown, writeGoals } from './goals.ts';

const only = process.argv[2];
const want = (s: string) => !only || only === s;

function table(title: string, head: string[], rows: (string | number)[][]): void {
  console.log(`\n${title}`);
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
  for (const r of rows) console.log(`| ${r.map((x) => (typeof x === 'number' ? x.toLocaleString('en-US') : x)).join(' | ')} |`);
}

if (want('core')) {
  const rows = await coreBench();
  printTable('core (bench/results/core.json)', rows);
  writeResults('core.json', rows);
}

if (want('sim')) {
  const rows = await simBench();
  table('simulation (bench/results/sim.json)', ['benchmark', 'wall ms per run', 'simulated s per wall s', 'signals', 'signals per wall s'], rows.map((r) => [r.name, (r.ns_per_op / 1e6).toFixed(1), r.sim_s_per_wall_s, r.signals, r.signals_per_wall_s]));
  writeResults('sim.json', rows);
  const mag = magnitudeTable();
  table('magnitude: profiled CPU / OS CPU, N busy goroutines on N Ps, 100 Hz, 4ms tick (bench/results/magnitude.json)', ['N', 'per-thread timers', 'setitimer', 'min(1, 2.5/N)'], mag.map((r) => [r.n, r.perThread.toFixed(3), r.setitimer.toFixed(3), r.expectedSetitimer.toFixed(3)]));
  writeResults('magnitude.json', mag as never);
}

if (want('trace')) {
  const rows = traceBench();
  table('tracing while simulating (bench/results/trace.json)', ['benchmark', 'format', 'wall ms', 'events', 'events per wall s', 'MB/s written'], rows.map((r) => [r.name, r.format, r.wall_ms, r.events, r.events_per_s, r.mb_per_s]));
  writeResults('trace.json', rows as never);
  const mem = memoryBench();
  table('trace memory: default scenario streamed to a counting sink, fresh process each (bench/results/trace-memory.json)', ['format', 'simulated s', 'wall s', 'trace MB', 'peak RSS MB', 'peak heap MB', 'live heap after GC MB'], mem.map((r) => [`Go ${r.go}`, r.simulated_s, r.wall_s, r.trace_mb, r.peak_rss_mb, r.peak_heap_mb, r.live_heap_mb]));
  writeResults('trace-memory.json', mem as never);
}

if (want('parse')) {
  const rows = await parseBench();
  console.log('\ntrace readers: parse + validate (bench/results/parse.json)');
  console.log(markdown(rows));
  writeResults('parse.json', rows as never);
}

if (want('export')) {
  const rows = await exportBench();
  table('Chrome JSON export (bench/results/export.json)', ['input', 'API', 'input MB', 'MB/s (wall)', 'MB/s (CPU)', 'M events/s', 'JSON MB/s'], rows.map((r) => [r.name, r.api, r.input_mb, r.mb_per_s, r.cpu_mb_per_s, Math.round(r.events_per_s / 1e4) / 100, r.out_mb_per_s]));
  writeResults('export.json', rows as never);
}

if (want('sweep')) {
  const rows = await sweepBench();
  table('sweep throughput (bench/results/sweep.json)', ['grid', 'workers', 'runs', 'wall ms', 'runs/s', 'simulated s per wall s'], rows.map((r) => [r.name, r.jobs, r.runs, r.wall_ms, r.runs_per_s, r.sim_s_per_wall_s]));
  writeResults('sweep.json', rows as never);
}

if (want('queue')) {
  const rows = [...(await queueBench()), ...(await queueBench({ grid: TRACE_GRID, seeds: 0 }))];
  table('queued sweeps: local pool vs worker processes on one Redis (bench/results/queue.json)', ['grid', 'processes', 'threads', 'runs', 'wall ms', 'runs/s', 'simulated s per wall s'], rows.map((r) => [r.name, r.processes, r.threads, r.runs, r.wall_ms, r.runs_per_s, r.sim_s_per_wall_s]));
  writeResults('queue.json', rows as never);
}

if (want('goals')) {
  // Issue 13's goals, each against its anchor measured now (bench/goals.ts).
  const rows = await goalsBench();
  console.log('\ngoals: whole processes, medians, anchors measured in this run (bench/results/goals.json)');
  console.log(goalsMarkdown(rows));
  writeGoals(rows);
}

// npm run bench: every suite, printed as tables and written to bench/results/*.json.
// `npm run bench -- core|sim` runs one suite.
import { writeFileSync } from 'node:fs';
import { coreBench } from './core.ts';
import { simBench, magnitudeTable } from './sim.ts';
import { printTable, writeResults } from './report.ts';

const only = process.argv[2];

if (!only || only === 'core') {
  const rows = await coreBench();
  printTable('core (bench/results/core.json)', rows);
  writeResults('core.json', rows);
}

if (!only || only === 'sim') {
  const rows = await simBench();
  console.log('\nsimulation (bench/results/sim.json)');
  console.log('| benchmark | wall ms per run | simulated s per wall s | signals | signals per wall s |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.name} | ${(r.ns_per_op / 1e6).toFixed(1)} | ${r.sim_s_per_wall_s} | ${r.signals} | ${r.signals_per_wall_s.toLocaleString('en-US')} |`);
  writeResults('sim.json', rows);
  const mag = magnitudeTable();
  console.log('\nmagnitude: profiled CPU / OS CPU, N busy goroutines on N Ps, 100 Hz, 4ms tick (bench/results/magnitude.json)');
  console.log('| N | per-thread timers | setitimer | min(1, 2.5/N) |');
  console.log('|---:|---:|---:|---:|');
  for (const r of mag) console.log(`| ${r.n} | ${r.perThread.toFixed(3)} | ${r.setitimer.toFixed(3)} | ${r.expectedSetitimer.toFixed(3)} |`);
  writeResults('magnitude.json', mag as unknown as never);
  void writeFileSync;
}

// Tracing benchmarks: trace events per wall second and MB/s written while simulating with
// tracing on (the default scenario and a 64-goroutine churn scenario), and peak memory for
// 10s and 100s of simulated time (each measured in a fresh process, streaming to a sink that
// only counts bytes), to show memory stays flat as the simulated duration grows.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { simulate } from '../bindings/runtime/simulate.ts';
import { DEFAULT_SCENARIO } from '../bindings/scenario/default-scenario.ts';
import type { Scenario } from '../bindings/scenario/scenario.ts';

export const CHURN: Scenario = {
  name: 'churn64',
  gomaxprocs: 8,
  duration: '1s',
  goroutines: [
    { name: 'parent', count: 64, labels: { role: 'parent' }, program: [{ loop: [{ spawn: 'child' }, { compute: [{ func: 'main.parent', file: '/app/main.go', line: 10 }], for: '200us' }, { sleep: '100us' }] }] },
    { name: 'child', count: 0, program: [{ compute: [{ func: 'main.child', file: '/app/main.go', line: 20 }], for: '30us' }, { send: 'done' }] },
    { name: 'collector', count: 2, program: [{ loop: [{ recv: 'done' }] }] },
  ],
};

export interface TraceRow {
  name: string;
  format: string;
  wall_ms: number;
  events: number;
  events_per_s: number;
  mb_per_s: number;
  bytes: number;
}

function measure(name: string, sc: Scenario, go: string): TraceRow | null {
  const run = () => {
    let bytes = 0;
    const t0 = performance.now();
    const r = simulate(sc, { overrides: { go }, trace: (c) => (bytes += c.length) });
    return { ms: performance.now() - t0, bytes, r };
  };
  try {
    run(); // warm up
  } catch (e) {
    if (/not available/.test(String(e))) return null;
    throw e;
  }
  const runs = [run(), run(), run()].sort((a, b) => a.ms - b.ms);
  const { ms, bytes, r } = runs[1];
  const events = Object.values(r.summary.trace!.events).reduce((a, b) => a + b, 0);
  return {
    name,
    format: r.summary.trace!.format,
    wall_ms: Math.round(ms * 10) / 10,
    events,
    events_per_s: Math.round(events / (ms / 1000)),
    mb_per_s: Math.round((bytes / 1e6 / (ms / 1000)) * 10) / 10,
    bytes,
  };
}

export function traceBench(): TraceRow[] {
  const rows: (TraceRow | null)[] = [];
  for (const go of ['1.19', '1.23']) {
    rows.push(measure('default scenario, 1s, tracing on', DEFAULT_SCENARIO, go));
    rows.push(measure('64-goroutine churn, 1s, tracing on', CHURN, go));
  }
  return rows.filter((r): r is TraceRow => r !== null);
}

export interface MemoryRow {
  scenario: string;
  go: string;
  simulated_s: number;
  wall_s: number;
  trace_mb: number;
  peak_rss_mb: number;
  peak_heap_mb: number;
  /** Heap still live after a full GC at the end: what the run retains. */
  live_heap_mb: number;
}

/** Peak memory of a fresh process simulating `seconds` with tracing to a counting sink. */
export function memoryRun(scenario: 'default' | 'churn', go: string, seconds: number): MemoryRow {
  const lib = fileURLToPath(new URL('../build/lib/', import.meta.url));
  const code = `
    const { simulate } = await import(${JSON.stringify(lib + 'runtime/simulate.js')});
    const { DEFAULT_SCENARIO } = await import(${JSON.stringify(lib + 'runtime/default-scenario.js')});
    const sc = ${scenario === 'default' ? 'DEFAULT_SCENARIO' : JSON.stringify(CHURN)};
    let bytes = 0, peakHeap = 0, n = 0;
    const t0 = performance.now();
    simulate(sc, { overrides: { go: ${JSON.stringify(go)}, duration: '${seconds}s' }, trace: (c) => {
      bytes += c.length;
      if ((++n & 63) === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    } });
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    const wall = (performance.now() - t0) / 1000;
    globalThis.gc();
    const live = process.memoryUsage().heapUsed;
    console.log(JSON.stringify({ wall, bytes, rss: process.resourceUsage().maxRSS * 1024, heap: peakHeap, live }));
  `;
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', code], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`memory run failed: ${r.stderr}`);
  const o = JSON.parse(r.stdout.trim().split('\n').pop()!);
  const mb = (x: number) => Math.round((x / 1e6) * 10) / 10;
  return { scenario, go, simulated_s: seconds, wall_s: Math.round(o.wall * 10) / 10, trace_mb: mb(o.bytes), peak_rss_mb: mb(o.rss), peak_heap_mb: mb(o.heap), live_heap_mb: mb(o.live) };
}

export function memoryBench(): MemoryRow[] {
  const rows: MemoryRow[] = [];
  for (const go of ['1.19', '1.23']) {
    for (const s of [10, 100]) {
      try {
        rows.push(memoryRun('default', go, s));
      } catch (e) {
        if (/not available/.test(String(e))) break;
        throw e;
      }
    }
  }
  return rows;
}

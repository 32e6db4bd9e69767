// Where a sweep's CPU goes, with 1 and 2 worker threads: each run's own on-CPU time, the CPU
// of the process's other threads (V8's background JIT and GC, worker start-up), the main
// thread's, from Linux's per-thread schedstat (/proc/thread-self/schedstat: ns on a CPU and
// ns waiting for one, which a busy machine inflates, so both are shown).
//
//   npm run build && npx tsx bench/sweep-cpu.ts [--jobs 1,2] [--runs N] [--grid FILE] [--seeds N]
//
// The runs are the sweep's own (build/lib/app/sweep-worker.js's runSweepTask, traced like
// `gotracesim sweep` of a grid with "trace": true), split round-robin over plain worker
// threads, so the figures are the runs' and V8's, not the pool's bookkeeping (which the rows
// and sweep-pool.ts add on top, and which bench/sweep.ts times whole). Linux only.
// What it showed (README, Benchmarks): runs cost the same per run on 1 or 2 workers (within
// the noise of a shared machine); each worker isolate pays its own TurboFan compilation of the
// simulator's hot functions (about 280 functions, ~0.8 s of background CPU), which with one
// worker runs on the otherwise idle second core and with two competes with the runs.
// Who may touch: the bench owner.

import { readdirSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SweepTask } from '../bindings/app/sweep-worker.ts';
import type { Run } from '../bindings/app/sweep-grid.ts';

const LIB = new URL('../build/lib/', import.meta.url);
const TRACE_GRID = fileURLToPath(new URL('../examples/grids/trace-cpu-loss.json', import.meta.url));

/** A worker's code (plain JS, so that it runs without a TypeScript loader): each run between
 *  two readings of its thread's schedstat (ns on a CPU, ns waiting for one). */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const sched = () => readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
import(workerData.lib + 'app/sweep-worker.js').then(({ runSweepTask }) => {
  const out = [];
  for (const t of workerData.tasks) {
    const a = sched();
    runSweepTask(t);
    const b = sched();
    out.push({ on: b[0] - a[0], wait: b[1] - a[1] });
  }
  parentPort.postMessage(out);
});
`;

/** ns on a CPU of every live thread of this process, by thread name. */
function threads(): Map<string, number> {
  const by = new Map<string, number>();
  for (const t of readdirSync('/proc/self/task')) {
    try {
      const name = readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim();
      by.set(name, (by.get(name) ?? 0) + Number(readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').split(' ')[0]));
    } catch {
      // the thread ended meanwhile
    }
  }
  return by;
}

/** CPU (user + system) of the whole process so far, ns. */
function processCpu(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) * 1000;
}

interface RunCpu {
  on: number;
  wait: number;
}


export interface SweepCpuRow {
  jobs: number;
  runs: number;
  wall_ms: number;
  process_cpu_ms: number;
  runs_on_cpu_ms: number;
  on_cpu_ms_per_run: number;
  /** The process's CPU outside the runs: V8 background threads, worker start-up, main. */
  other_cpu_ms: number;
  runqueue_wait_ms: number;
}

async function measure(tasks: SweepTask[], jobs: number): Promise<SweepCpuRow> {
  const c0 = processCpu();
  const t0 = performance.now();
  const per: RunCpu[] = [];
  await Promise.all(
    Array.from({ length: jobs }, (_, w) => {
      const mine = tasks.filter((_, i) => i % jobs === w);
      return new Promise<void>((resolve, reject) => {
        const worker = new Worker(WORKER, { eval: true, workerData: { tasks: mine, lib: LIB.href } });
        worker.on('message', (m: RunCpu[]) => per.push(...m));
        worker.on('error', reject);
        worker.on('exit', () => resolve());
      });
    }),
  );
  const wall = performance.now() - t0;
  const cpu = processCpu() - c0;
  const on = per.reduce((a, p) => a + p.on, 0);
  const ms = (ns: number) => Math.round(ns / 1e6);
  return {
    jobs,
    runs: per.length,
    wall_ms: Math.round(wall),
    process_cpu_ms: ms(cpu),
    runs_on_cpu_ms: ms(on),
    on_cpu_ms_per_run: Math.round(on / 1e5 / per.length) / 10,
    other_cpu_ms: ms(cpu - on),
    runqueue_wait_ms: ms(per.reduce((a, p) => a + p.wait, 0)),
  };
}

export async function sweepCpuBench(opts: { jobs?: number[]; runs?: number; grid?: string; seeds?: number } = {}): Promise<SweepCpuRow[]> {
  const { expandGrid, parseGrid } = await import(new URL('app/sweep-grid.js', LIB).href);
  const file = opts.grid ?? TRACE_GRID;
  const grid = JSON.parse(readFileSync(file, 'utf8'));
  grid.seeds = Array.from({ length: opts.seeds ?? 8 }, (_, i) => i + 1);
  const all = expandGrid(parseGrid(grid, file), file) as Run[];
  const tasks: SweepTask[] = all.slice(0, opts.runs ?? all.length).map((r) => ({ index: r.index, id: r.id, params: r.params, seed: r.seed, scenario: r.scenario, trace: grid.trace === true }));
  const rows: SweepCpuRow[] = [];
  for (const jobs of opts.jobs ?? [1, 2]) rows.push(await measure(tasks, jobs));
  return rows;
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const args = process.argv.slice(2);
  const opt = (k: string) => {
    const i = args.indexOf(k);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const before = threads();
  const rows = await sweepCpuBench({ jobs: opt('--jobs')?.split(',').map(Number), runs: opt('--runs') ? Number(opt('--runs')) : undefined, grid: opt('--grid'), seeds: opt('--seeds') ? Number(opt('--seeds')) : undefined });
  const head = ['workers', 'runs', 'wall ms', 'process CPU ms', 'runs on-CPU ms', 'per run', 'other threads ms', 'waiting for a CPU ms'];
  console.log(`| ${head.join(' | ')} |\n|${head.map(() => '---:').join('|')}|`);
  for (const r of rows) console.log(`| ${[r.jobs, r.runs, r.wall_ms, r.process_cpu_ms, r.runs_on_cpu_ms, r.on_cpu_ms_per_run, r.other_cpu_ms, r.runqueue_wait_ms].join(' | ')} |`);
  const after = threads();
  const bg = [...after].map(([k, v]) => `${k} ${Math.round((v - (before.get(k) ?? 0)) / 1e6)} ms`).join(', ');
  console.log(`live threads' CPU over all cases (the workers' own threads have ended): ${bg}`);
}

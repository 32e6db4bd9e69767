// The sweep's worker pool: runs go to tinypool workers a bounded number at a time, each under
// a wall-clock and a heap limit, and come back in run order.
//
// A run that exceeds its limit, or whose worker dies under it, becomes a failed row naming
// the reason; tinypool drops that worker and starts another, and the sweep goes on. The timer
// starts when the worker begins the run (it says so on the sweep's BroadcastChannel), not
// when the run was queued. Failures that belong to no run (the worker file cannot load, an
// idle worker dies) are not rows: they stop the sweep, and a resume runs those runs again.

import { randomUUID } from 'node:crypto';
import { BroadcastChannel } from 'node:worker_threads';
import { Tinypool, type TinypoolWorker } from 'tinypool';
import type { Run } from './sweep-grid.ts';
import type { RunStarted, SweepRow, SweepTask } from './sweep-worker.ts';

/** Runs handed to the pool (running or queued there) per job. */
export const QUEUED_PER_JOB = 2;
/** How far past the first unwritten row a run may start, per job: bounds the rows held back
 *  behind one slow run, so a kill loses little and memory stays flat. */
export const AHEAD_PER_JOB = 32;

const MAX_TIMER_MS = 2 ** 31 - 1;

export interface PoolLimits {
  jobs: number;
  /** Wall-clock limit of one run, from the moment its worker starts it; none if undefined. */
  runTimeoutMs?: number;
  /** V8 old-generation heap limit of each worker (resourceLimits.maxOldGenerationSizeMb). */
  runMemoryMb: number;
}

/** 2h, 5m, 30s, 1.5s, 250ms: a limit as the user would have written it. */
export function fmtMs(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  return ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`;
}

function failedRow(run: Run, error: string, wallMs: number): SweepRow {
  return { index: run.index, id: run.id, params: run.params, seed: run.seed, status: 'failed', error, wall_ms: Math.round(wallMs) };
}

/** What a worker thread did when it ended: exit code, and whether it raised an error first
 *  (tinypool then fails its run with that error, e.g. ERR_WORKER_OUT_OF_MEMORY). */
interface ThreadEnd {
  code: number;
  errored: boolean;
}

/**
 * Run runs[from..] on a pool and hand each row to `deliver` in run order. Resolves when every
 * row was delivered; rejects if `deliver` throws or the pool fails outside any run.
 */
export async function runOrdered(runs: readonly Run[], from: number, trace: boolean, limits: PoolLimits, filename: string, deliver: (row: SweepRow) => void): Promise<void> {
  const end = runs.length;
  if (from >= end) return;
  const threads = Math.min(limits.jobs, end - from);
  const pool = new Tinypool({ filename, minThreads: threads, maxThreads: threads, resourceLimits: { maxOldGenerationSizeMb: limits.runMemoryMb } });
  const maxQueued = QUEUED_PER_JOB * limits.jobs;
  const maxAhead = Math.max(maxQueued, AHEAD_PER_JOB * limits.jobs);

  // Worker threads, watched for exits tinypool does not report (an exit without an error
  // leaves its run pending forever). A run registers under its thread when it starts.
  const watched = new WeakSet<TinypoolWorker>();
  const ended = new Map<number, ThreadEnd>();
  const runningOn = new Map<number, (end: ThreadEnd) => void>();
  const watchThreads = () => {
    for (const w of pool.threads) {
      if (watched.has(w)) continue;
      watched.add(w);
      const id = w.threadId;
      let errored = false;
      w.on('error', () => (errored = true));
      w.once('exit', (code: number) => {
        const e = { code, errored };
        ended.set(id, e);
        runningOn.get(id)?.(e);
      });
    }
  };

  // Workers announce each run as they start it; the run's handler takes it from there.
  const channel = `gotracesim-sweep-${randomUUID()}`;
  const announcements = new BroadcastChannel(channel);
  const onStart = new Map<number, (threadId: number) => void>();
  announcements.onmessage = (ev) => {
    const { index, threadId } = (ev as { data: RunStarted }).data;
    onStart.get(index)?.(threadId);
  };

  const finished = new Map<number, SweepRow>();
  let nextStart = from;
  let nextWrite = from;
  let queued = 0;
  let closing = false;
  // Runs handed out and not settled: how to drop each one when the sweep stops early.
  const live = new Set<() => void>();
  let resolveDone!: () => void;
  let rejectDone!: (e: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  const stop = (e?: { error: unknown }) => {
    if (closing) return;
    closing = true;
    for (const drop of [...live]) drop();
    if (e) rejectDone(e.error);
    else resolveDone();
  };
  pool.on('error', (e: Error) => stop({ error: new Error(`sweep worker failed outside any run: ${e.message}`) }));

  const pump = () => {
    if (closing) return;
    try {
      while (finished.has(nextWrite)) {
        const row = finished.get(nextWrite)!;
        finished.delete(nextWrite++);
        deliver(row);
      }
    } catch (error) {
      return stop({ error });
    }
    if (nextWrite === end) return stop();
    while (nextStart < end && queued < maxQueued && nextStart < nextWrite + maxAhead) {
      const run = runs[nextStart++];
      queued++;
      runOne(run).then(
        (row) => {
          queued--;
          finished.set(run.index, row);
          pump();
        },
        (error) => stop({ error }),
      );
    }
    watchThreads(); // new workers appear when one is replaced after a failure
  };

  const runOne = (run: Run): Promise<SweepRow> =>
    new Promise<SweepRow>((resolve, reject) => {
      const abort = new AbortController();
      let t0 = performance.now();
      let started = false;
      let thread = -1;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let settled = false;
      const settle = (row: SweepRow | null, err?: unknown) => {
        if (settled) return;
        settled = true;
        live.delete(drop);
        clearTimeout(timer);
        onStart.delete(run.index);
        if (runningOn.get(thread) === onThreadEnd) runningOn.delete(thread);
        if (row) resolve(row);
        else reject(err);
      };
      const drop = () => settle(null, new Error('sweep stopped'));
      live.add(drop);
      // The run failed but its worker may still be busy or half-dead: the abort makes tinypool
      // terminate that worker and start another (a no-op once tinypool settled the task).
      // Aborting first lets tinypool release the task before the next run is handed out.
      const fail = (reason: string) => {
        if (settled) return;
        abort.abort();
        settle(failedRow(run, reason, performance.now() - t0));
      };
      const onThreadEnd = (e: ThreadEnd) => {
        if (!e.errored) fail(`worker exited with code ${e.code}`);
      };
      onStart.set(run.index, (threadId) => {
        started = true;
        thread = threadId;
        t0 = performance.now();
        const e = ended.get(threadId);
        if (e) return onThreadEnd(e); // its exit was seen before this message
        runningOn.set(threadId, onThreadEnd);
        const ms = limits.runTimeoutMs;
        // setTimeout cannot wait longer than MAX_TIMER_MS (it would fire at once): wait in steps.
        const arm = (left: number) => (timer = setTimeout(() => (left > MAX_TIMER_MS ? arm(left - MAX_TIMER_MS) : fail(`run exceeded --run-timeout ${fmtMs(ms!)}`)), Math.min(left, MAX_TIMER_MS)));
        if (ms !== undefined) arm(ms);
      });
      const task: SweepTask = { index: run.index, id: run.id, params: run.params, seed: run.seed, scenario: run.scenario, trace, started: channel };
      pool.run(task, { signal: abort.signal }).then(
        (row: SweepRow) => settle(row),
        (e: unknown) => {
          if (settled) return;
          if ((e as { code?: string })?.code === 'ERR_WORKER_OUT_OF_MEMORY') return fail(`worker ran out of memory (--run-memory ${limits.runMemoryMb} MB)`);
          if (started) return fail(`worker crashed: ${String((e as Error)?.message ?? e)}`);
          settle(null, e);
        },
      );
    });

  watchThreads();
  pump();
  try {
    await done;
  } finally {
    announcements.close();
    await pool.destroy();
  }
}

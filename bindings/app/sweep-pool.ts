// The sweep's worker pool: runs go to tinypool workers, each under a wall-clock and a heap
// limit. RunPool runs one run at a time as asked (the queue worker, queue-worker.ts, hands it
// the jobs it takes); runOrdered drives a RunPool over a list of runs, a bounded number at a
// time, and hands the rows back in run order (the local sweep, sweep.ts).
//
// A run that exceeds its limit, or whose worker dies under it, becomes a failed row naming
// the reason; tinypool drops that worker and starts another, and the sweep goes on. The timer
// starts when the worker begins the run (it says so on the pool's BroadcastChannel), not
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

/** The row of a run that did not produce its own (the run's fields, the error, the time). */
export function failedRow(run: Pick<Run, 'index' | 'id' | 'params' | 'seed'>, error: string, wallMs: number): SweepRow {
  return { index: run.index, id: run.id, params: run.params, seed: run.seed, status: 'failed', error, wall_ms: Math.round(wallMs) };
}

/** What a worker thread did when it ended: exit code, and whether it raised an error first
 *  (tinypool then fails its run with that error, e.g. ERR_WORKER_OUT_OF_MEMORY). */
interface ThreadEnd {
  code: number;
  errored: boolean;
}

/** A run's outcome on the pool: its row, and whether the pool made that row because the run
 *  hit a limit or lost its worker (`limit`: the reason), rather than the run itself. */
export interface PoolRun {
  row: SweepRow;
  limit?: string;
}

/**
 * A pool of `threads` workers running runs one call at a time. run() resolves with the run's
 * row (a failed row when the run failed, hit a limit or lost its worker) and rejects only when
 * the pool broke outside any run (also reported to onError) or was closed under it.
 */
export class RunPool {
  readonly threads: number;
  private readonly pool: Tinypool;
  private readonly limits: Omit<PoolLimits, 'jobs'>;
  // Worker threads, watched for exits tinypool does not report (an exit without an error
  // leaves its run pending forever). A run registers under its thread when it starts.
  private readonly watched = new WeakSet<TinypoolWorker>();
  private readonly ended = new Map<number, ThreadEnd>();
  private readonly runningOn = new Map<number, (end: ThreadEnd) => void>();
  // Workers announce each run as they start it; the run's handler takes it from there.
  private readonly channel = `gotracesim-sweep-${randomUUID()}`;
  private readonly announcements: BroadcastChannel;
  private readonly onStart = new Map<number, (threadId: number) => void>();
  // Runs handed out and not settled: how to drop each one when the pool closes.
  private readonly live = new Set<(e?: Error) => void>();
  private closed = false;
  private seq = 0;
  /** Called once if the pool fails outside any run. */
  onError: (e: Error) => void = () => {};

  constructor(threads: number, limits: Omit<PoolLimits, 'jobs'>, filename: string) {
    this.threads = threads;
    this.limits = limits;
    this.pool = new Tinypool({ filename, minThreads: threads, maxThreads: threads, resourceLimits: { maxOldGenerationSizeMb: limits.runMemoryMb } });
    this.announcements = new BroadcastChannel(this.channel);
    this.announcements.onmessage = (ev) => {
      const { index, threadId, key } = (ev as { data: RunStarted }).data;
      this.onStart.get(key ?? index)?.(threadId);
    };
    this.pool.on('error', (e: Error) => {
      const error = new Error(`sweep worker failed outside any run: ${e.message}`);
      this.onError(error);
      for (const drop of [...this.live]) drop(error);
    });
    this.watchThreads();
  }

  private watchThreads(): void {
    for (const w of this.pool.threads) {
      if (this.watched.has(w)) continue;
      this.watched.add(w);
      const id = w.threadId;
      let errored = false;
      w.on('error', () => (errored = true));
      w.once('exit', (code: number) => {
        const e = { code, errored };
        this.ended.set(id, e);
        this.runningOn.get(id)?.(e);
      });
    }
  }

  /** Run one run (of any grid: runs in flight are told apart by a key of their own). */
  run(run: Run, trace: boolean): Promise<PoolRun> {
    if (this.closed) return Promise.reject(new Error('sweep stopped'));
    const { limits, onStart, runningOn, ended, live } = this;
    const key = this.seq++;
    const p = new Promise<PoolRun>((resolve, reject) => {
      const abort = new AbortController();
      let t0 = performance.now();
      let started = false;
      let thread = -1;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let settled = false;
      const settle = (out: PoolRun | null, err?: unknown) => {
        if (settled) return;
        settled = true;
        live.delete(drop);
        clearTimeout(timer);
        onStart.delete(key);
        if (runningOn.get(thread) === onThreadEnd) runningOn.delete(thread);
        if (out) resolve(out);
        else reject(err);
      };
      const drop = (e?: Error) => settle(null, e ?? new Error('sweep stopped'));
      live.add(drop);
      // The run failed but its worker may still be busy or half-dead: the abort makes tinypool
      // terminate that worker and start another (a no-op once tinypool settled the task).
      // Aborting first lets tinypool release the task before the next run is handed out.
      const fail = (reason: string) => {
        if (settled) return;
        abort.abort();
        settle({ row: failedRow(run, reason, performance.now() - t0), limit: reason });
      };
      const onThreadEnd = (e: ThreadEnd) => {
        if (!e.errored) fail(`worker exited with code ${e.code}`);
      };
      onStart.set(key, (threadId) => {
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
      const task: SweepTask = { index: run.index, id: run.id, params: run.params, seed: run.seed, scenario: run.scenario, trace, started: this.channel, key };
      this.pool.run(task, { signal: abort.signal }).then(
        (row: SweepRow) => settle({ row }),
        (e: unknown) => {
          if (settled) return;
          if ((e as { code?: string })?.code === 'ERR_WORKER_OUT_OF_MEMORY') return fail(`worker ran out of memory (--run-memory ${limits.runMemoryMb} MB)`);
          if (started) return fail(`worker crashed: ${String((e as Error)?.message ?? e)}`);
          settle(null, e);
        },
      );
    });
    // New workers appear when one is replaced after a failure.
    const watch = () => this.watchThreads();
    p.then(watch, watch);
    this.watchThreads();
    return p;
  }

  /** Drop the runs in flight (they reject) and stop the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const drop of [...this.live]) drop();
    this.announcements.close();
    await this.pool.destroy();
  }
}

/**
 * Run runs[from..] on a pool and hand each row to `deliver` in run order. Resolves when every
 * row was delivered; rejects if `deliver` throws or the pool fails outside any run.
 */
export async function runOrdered(runs: readonly Run[], from: number, trace: boolean, limits: PoolLimits, filename: string, deliver: (row: SweepRow) => void): Promise<void> {
  const end = runs.length;
  if (from >= end) return;
  const pool = new RunPool(Math.min(limits.jobs, end - from), limits, filename);
  const maxQueued = QUEUED_PER_JOB * limits.jobs;
  const maxAhead = Math.max(maxQueued, AHEAD_PER_JOB * limits.jobs);

  const finished = new Map<number, SweepRow>();
  let nextStart = from;
  let nextWrite = from;
  let queued = 0;
  let closing = false;
  let resolveDone!: () => void;
  let rejectDone!: (e: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  const stop = (e?: { error: unknown }) => {
    if (closing) return;
    closing = true;
    if (e) rejectDone(e.error);
    else resolveDone();
  };
  pool.onError = (error) => stop({ error });

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
      pool.run(run, trace).then(
        ({ row }) => {
          queued--;
          finished.set(run.index, row);
          pump();
        },
        (error) => stop({ error }),
      );
    }
  };

  pump();
  try {
    await done;
  } finally {
    await pool.close();
  }
}

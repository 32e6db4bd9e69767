// A sweep on a BullMQ queue in Redis: `gotracesim sweep GRID --queue redis://HOST:PORT[/DB]`.
//
// Every run of the grid that DIR does not hold yet becomes a job (queue.ts: the job id is the
// grid's hash and the run, so enqueueing twice adds nothing); `gotracesim worker` processes on
// any number of machines run them (queue-worker.ts) and each job's result is the run's row,
// made by the same code as a local sweep's. This process collects the rows and writes them in
// run order through the local sweep's writer (sweep-writer.ts): the same files, progress bar
// and resume rules, and, wall times aside, the same rows.
//
// Rows arrive by QueueEvents ("completed", with the row) and by reading the jobs of the next
// unwritten runs (each poll, and at once after a restart), so rows that completed while this
// process was down, or whose event was missed, are collected too. A written row's job is
// removed; jobs left behind by a sweep that is never resumed expire after KEEP_S. A job that
// is missing (Redis restarted without persistence) is enqueued again. Redis unreachable at the
// start is an error naming the URL before any file is written; Redis lost during the sweep is
// waited for (redisTimeoutMs), then the same error, with the rows written so far kept.

import { Job, Queue, QueueEvents } from 'bullmq';
import { expandGrid, parseGrid, type Run } from './sweep-grid.ts';
import { gridHash, SweepError } from './sweep-dir.ts';
import { fmtMs, failedRow } from './sweep-pool.ts';
import { RowWriter } from './sweep-writer.ts';
import type { SweepRow } from './sweep-worker.ts';
import { QUEUE_PREFIX, QueueError, checkRedis, errorText, jobId, jobIdPrefix, parseRedisUrl, queueName, runJob, withTimeout, type RedisTarget } from './queue.ts';

/** Attempts of a run whose worker hit a limit or died (a run that fails by itself fails once). */
export const DEFAULT_ATTEMPTS = 2;
/** How long Redis may stay unreachable during a sweep before it gives up. */
export const DEFAULT_REDIS_TIMEOUT_MS = 60_000;
/** Jobs a sweep that is never resumed leaves in Redis expire after this (seconds). */
export const KEEP_S = 7 * 24 * 3600;
/** Runs past the first unwritten one whose rows are held in memory (the rest wait in Redis). */
const HOLD = 4096;
/** Jobs read per poll. */
const CHECK = 128;
/** Jobs per addBulk call. */
const CHUNK = 500;
/** Longest wait for one round of Redis commands. */
const OP_TIMEOUT_MS = 10_000;

export interface QueueSweepOptions {
  /** redis://HOST:PORT[/DB], or one parsed with parseRedisUrl. */
  queue: string | RedisTarget;
  outDir: string;
  /** Start afresh: DIR's results and manifest are deleted, and the grid's finished jobs too. */
  force?: boolean;
  file?: string;
  /** Tries of a run whose worker hits --run-timeout or --run-memory, or dies (default 2). */
  attempts?: number;
  /** How long to wait for a lost Redis before failing (ms, default 60 s). */
  redisTimeoutMs?: number;
  /** Between two reads of the next unwritten runs' jobs (ms, default 1000). */
  pollMs?: number;
  /** Redis was checked already (the CLI checks before it makes DIR). */
  checked?: boolean;
  progress?: boolean;
  onRow?: (row: SweepRow) => void;
  /** Warnings and notices: "no worker yet", "lost Redis, retrying", "re-enqueued N runs". */
  warn?: (message: string) => void;
}

export interface QueueSweepResult {
  total: number;
  /** Rows collected now (run or collected from the queue). */
  ran: number;
  /** Rows DIR already held. */
  skipped: number;
  failed: number;
  /** Workers seen taking runs from the queue, at most. */
  workers: number;
  rows: SweepRow[];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A job's result as this run's row; anything else is a failed row saying so. */
function rowOf(result: unknown, run: Run): SweepRow {
  let r = result;
  if (typeof r === 'string') {
    try {
      r = JSON.parse(r);
    } catch {
      /* checked below */
    }
  }
  if (isObj(r) && r.index === run.index && r.id === run.id && (r.status === 'ok' || r.status === 'failed') && isObj(r.params) && typeof r.wall_ms === 'number') return r as unknown as SweepRow;
  return failedRow(run, `queue: the job's result is not this run's row`, 0);
}

export async function queueSweep(gridInput: unknown, opts: QueueSweepOptions): Promise<QueueSweepResult> {
  const grid = parseGrid(gridInput, opts.file);
  const runs = expandGrid(grid, opts.file); // every run validated before anything is touched
  const attempts = opts.attempts ?? DEFAULT_ATTEMPTS;
  if (!Number.isSafeInteger(attempts) || attempts < 1 || attempts > 100) throw new SweepError('--attempts', `must be an integer from 1 to 100, got ${attempts}`);
  const redisTimeoutMs = opts.redisTimeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
  if (!(Number.isFinite(redisTimeoutMs) && redisTimeoutMs > 0)) throw new SweepError('--redis-timeout', `must be a positive number of milliseconds, got ${redisTimeoutMs}`);
  const pollMs = opts.pollMs ?? 1000;
  const target = typeof opts.queue === 'string' ? parseRedisUrl(opts.queue) : opts.queue;
  if (!opts.checked) await checkRedis(target);
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`gotracesim: ${m}\n`));

  const hash = gridHash(grid);
  const idOf = (r: Run) => jobId(hash, r);
  const idPrefix = jobIdPrefix(hash);
  const end = runs.length;
  const name = queueName();
  // Commands fail at once while Redis is down (no offline queue): the poll notices and waits.
  const connection = { ...target.options, enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: (n: number) => Math.min(250 * n, 2000) };
  const queue = new Queue(name, { connection, prefix: QUEUE_PREFIX });
  const events = new QueueEvents(name, { connection: { ...target.options, retryStrategy: (n: number) => Math.min(250 * n, 2000) }, prefix: QUEUE_PREFIX });
  let lastError: unknown = null;
  queue.on('error', (e) => (lastError = e));
  events.on('error', (e) => (lastError = e));
  // Closing waits for Redis: bounded, so that a lost Redis cannot hold the process.
  const closeAll = () => withTimeout(Promise.all([events.close(), queue.close()]), 2000, 'close').catch(() => {});
  try {
    await withTimeout(Promise.all([queue.waitUntilReady(), events.waitUntilReady()]), OP_TIMEOUT_MS, 'Redis did not answer');
  } catch (e) {
    await closeAll();
    throw new QueueError(`${target.url}: cannot reach Redis: ${errorText(lastError ?? e)}`);
  }

  let writer: RowWriter;
  try {
    writer = new RowWriter(grid, runs, { ...opts, barMore: { format: ' | workers {workers}', fields: { workers: '?' } } });
  } catch (e) {
    await closeAll();
    throw e;
  }
  const skipped = writer.prefix.length;
  let next = skipped;
  const held = new Map<number, SweepRow>();
  const written: string[] = []; // job ids of rows written, to remove
  let failure = null as { error: unknown } | null;
  let wake: (() => void) | null = null;
  const poke = () => {
    wake?.();
    wake = null;
  };

  /** Write the rows that are next in run order. */
  const flush = () => {
    try {
      while (held.has(next)) {
        const row = held.get(next)!;
        held.delete(next);
        writer.write(row);
        written.push(idOf(runs[next]));
        next++;
      }
    } catch (error) {
      failure ??= { error };
    }
    if (next === end || failure) poke();
  };
  const take = (run: Run, row: SweepRow) => {
    if (run.index < next || run.index >= next + HOLD || held.has(run.index)) return false;
    held.set(run.index, row);
    return true;
  };
  /** The run of one of this grid's job ids, or null. */
  const runOfId = (id: string): Run | null => {
    if (!id.startsWith(idPrefix)) return null;
    const [index, rid] = id.slice(idPrefix.length).split('-');
    const run = runs[Number(index)];
    return run && /^\d+$/.test(index) && run.id === rid ? run : null;
  };

  events.on('completed', ({ jobId: id, returnvalue }) => {
    const run = runOfId(id);
    if (run && take(run, rowOf(returnvalue, run))) flush();
  });
  events.on('failed', ({ jobId: id }) => {
    if (runOfId(id)) poke(); // read its state at once (a retry, or failed for good)
  });

  const jobOf = (r: Run) => ({ name: 'run', data: runJob(hash, r, grid.trace), opts: { jobId: idOf(r), attempts, removeOnComplete: { age: KEEP_S }, removeOnFail: { age: KEEP_S } } });
  const enqueue = async (list: Run[]) => {
    for (let i = 0; i < list.length; i += CHUNK) await withTimeout(queue.addBulk(list.slice(i, i + CHUNK).map(jobOf)), OP_TIMEOUT_MS, 'Redis did not answer');
  };
  const removeJobs = async (ids: string[]) => {
    for (let i = 0; i < ids.length; i += CHUNK) await Promise.all(ids.slice(i, i + CHUNK).map((id) => queue.remove(id).catch(() => 0)));
  };

  let requeuedAt = -Infinity;
  /** Read the jobs of the next unwritten runs; true if rows were written. */
  const poll = async (): Promise<boolean> => {
    const want: Run[] = [];
    for (let i = next; i < end && want.length < CHECK && i < next + HOLD; i++) if (!held.has(i)) want.push(runs[i]);
    if (!want.length) return false;
    const jobs = await withTimeout(Promise.all(want.map((r) => Job.fromId(queue, idOf(r)))), OP_TIMEOUT_MS, 'Redis did not answer');
    const missing: Run[] = [];
    const before = next;
    for (let k = 0; k < want.length; k++) {
      const job = jobs[k];
      const run = want[k];
      if (!job) missing.push(run);
      else if (job.returnvalue !== null && job.returnvalue !== undefined) take(run, rowOf(job.returnvalue, run));
      else if (job.finishedOn && (await job.getState()) === 'failed') take(run, failedRow(run, `queue: ${job.failedReason || 'the job failed'}`, 0));
    }
    if (missing.length) {
      // Gone from Redis (restarted without persistence, or removed by hand): run them again.
      // One missing job suggests others: every unwritten run is enqueued again (jobs that
      // exist are left as they are), at most every 10 s.
      const all = performance.now() - requeuedAt > 10_000;
      const list = all ? runs.slice(next).filter((r) => !held.has(r.index)) : missing;
      if (all) requeuedAt = performance.now();
      await enqueue(list);
      if (all) warn(`sweep: ${missing.length} queued run${missing.length === 1 ? ' was' : 's were'} missing from ${target.url} (Redis restarted without its data?); enqueued again`);
    }
    flush();
    return next > before;
  };

  let workers = 0;
  let workersAt = -Infinity;
  let toldNoWorker = false;
  const since = performance.now();
  const countWorkers = async () => {
    if (performance.now() - workersAt < 3000) return;
    workersAt = performance.now();
    const n = await withTimeout(queue.getWorkersCount(), OP_TIMEOUT_MS, 'Redis did not answer');
    workers = Math.max(workers, n);
    writer.show({ workers: n });
    if (n > 0 || performance.now() - since < 2000) return void (toldNoWorker = false); // workers may be starting with the sweep
    if (!toldNoWorker) warn(`sweep: no worker is taking runs from ${target.url} yet: start \`gotracesim worker ${target.url}\` (gotracesim ${name.slice(1)}) where the runs should run`);
    toldNoWorker = true;
  };

  try {
    try {
      // Rows written but whose jobs were not removed yet when the last sweep stopped.
      await removeJobs(writer.prefix.slice(-1000).map((r) => idOf(runs[r.index])));
      if (opts.force) {
        // Start afresh: this grid's finished jobs are results of the sweep that was cleared.
        for (let i = 0; i < end; i += CHUNK) {
          const old = await withTimeout(Promise.all(runs.slice(i, i + CHUNK).map((r) => Job.fromId(queue, idOf(r)))), OP_TIMEOUT_MS, 'Redis did not answer');
          await removeJobs(old.filter((j): j is Job => !!j && !!j.finishedOn).map((j) => j.id!));
        }
      }
      await enqueue(runs.slice(next));
    } catch (e) {
      throw new QueueError(`${target.url}: lost Redis while enqueueing the runs (${errorText(lastError ?? e)}); kept ${writer.rows.length} rows in ${opts.outDir} (run the same command again to resume)`);
    }

    let downSince: number | null = null;
    let seen = -1; // `next` at the last poll
    let polledAt = -Infinity;
    while (next < end && !failure) {
      let progressed = false;
      try {
        // Rows arriving by events need no poll; a gap (a slow run, a missed event, a job lost
        // with Redis) is read from the jobs: when no row came since the last poll, or every 5 s.
        if (next === seen || performance.now() - polledAt > 5000) {
          polledAt = performance.now();
          progressed = await poll();
        }
        seen = next;
        await countWorkers();
        if (written.length) await removeJobs(written.splice(0));
        if (downSince !== null) warn(`sweep: ${target.url} answers again`);
        downSince = null;
        lastError = null;
      } catch (e) {
        if (failure) break;
        const why = errorText(lastError ?? e);
        if (downSince === null) {
          downSince = performance.now();
          warn(`sweep: lost Redis at ${target.url} (${why}); waiting up to ${fmtMs(redisTimeoutMs)} for it`);
        } else if (performance.now() - downSince > redisTimeoutMs) {
          throw new QueueError(`${target.url}: lost Redis for more than ${fmtMs(redisTimeoutMs)} (${why}); kept ${writer.rows.length} rows in ${opts.outDir} (run the same command again to resume)`);
        }
      }
      if (progressed || next === end || failure) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = null;
    }
    if (failure) throw failure.error;
    await withTimeout(removeJobs(written.splice(0)), OP_TIMEOUT_MS, 'remove').catch(() => {});
  } finally {
    writer.close();
    await closeAll();
  }
  return { total: end, ran: end - skipped, skipped, failed: writer.failed, workers, rows: writer.rows };
}

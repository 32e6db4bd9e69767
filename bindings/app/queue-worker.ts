// `gotracesim worker redis://HOST:PORT[/DB]`: take runs from the queue (queue.ts) and run them
// on this machine's worker-thread pool (sweep-pool.ts, the local sweep's), under its per-run
// limits. A job's result is the run's row, made by the local sweep's code (sweep-worker.ts).
//
// Failures:
// - a run that fails by itself (a bad scenario, a program that dies or makes no progress) is
//   a failed row at once: seeded, it would fail again anywhere;
// - a run that hits --run-timeout or --run-memory, or whose worker thread dies, is tried again
//   (by any worker) until the job's attempts are used up; the last attempt's failed row is the
//   result;
// - a worker process that dies (kill -9, a lost machine) stops renewing its jobs' locks:
//   after the stall timeout another worker's stalled check hands them to a worker again
//   (BullMQ), at most MAX_STALLED times, then the job fails and the sweep records why.
// stop('finish') takes no new job and lets those in progress finish (SIGTERM); stop('return')
// puts those in progress back in the queue at once for another worker (a second SIGTERM).

import { hostname } from 'node:os';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { RunPool, QUEUED_PER_JOB, type PoolRun } from './sweep-pool.ts';
import { limitsOf, workerFile } from './sweep.ts';
import { toolVersion } from './sweep-dir.ts';
import { describe } from './sweep-grid.ts';
import type { SweepRow } from './sweep-worker.ts';
import { QUEUE_PREFIX, checkRedis, errorText, parseRedisUrl, queueName, runOfJob, type RedisTarget } from './queue.ts';

/** How long a worker that stopped answering keeps its jobs before another takes them. */
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;
/** Times a job may be taken back from a worker that stopped answering before it fails. */
export const MAX_STALLED = 2;

export interface QueueWorkerOptions {
  /** redis://HOST:PORT[/DB], or one parsed with parseRedisUrl. */
  queue: string | RedisTarget;
  /** Worker threads (default and at most: the machine's cores). */
  jobs?: number;
  runTimeoutMs?: number;
  runMemoryMb?: number;
  /** lockDuration and stalledInterval of the BullMQ worker (ms, default 30 s). */
  stallTimeoutMs?: number;
  /** One line per run (started, ok/failed, retried, returned). */
  verbose?: boolean;
  /** Where the worker's lines go (default: stderr, "gotracesim: worker: …"). */
  log?: (line: string) => void;
}

export interface RunningWorker {
  threads: number;
  /** Worker threads asked beyond the cores (capped, for a warning). */
  asked: number;
  url: string;
  /** 'finish': take no new job, finish those in progress; 'return': put them back now. */
  stop(how: 'finish' | 'return'): Promise<void>;
  /** Runs in progress. */
  active(): number;
  /** Settles when the worker has stopped (after stop(), or if it broke: see `failure`). */
  closed: Promise<void>;
  /** Why the worker stopped by itself (its thread pool or BullMQ broke), if it did. */
  failure(): string | undefined;
}

export async function startWorker(opts: QueueWorkerOptions): Promise<RunningWorker> {
  const limits = limitsOf(opts);
  const stallMs = opts.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  if (!(Number.isSafeInteger(stallMs) && stallMs >= 1000)) throw new Error(`--stall-timeout: must be at least 1s, got ${stallMs} ms`);
  const target = typeof opts.queue === 'string' ? parseRedisUrl(opts.queue) : opts.queue;
  await checkRedis(target);
  const log = opts.log ?? ((line: string) => process.stderr.write(`gotracesim: worker: ${line}\n`));
  const verbose = opts.verbose ? log : () => {};
  const version = toolVersion();

  const pool = new RunPool(limits.jobs, limits, workerFile());
  let returning: (() => void) | null = null;
  const returned = new Promise<'return'>((resolve) => (returning = () => resolve('return')));
  let inFlight = 0;

  const processor = async (job: Job, token?: string): Promise<SweepRow> => {
    let task;
    try {
      task = runOfJob(job.data);
    } catch (e) {
      throw new UnrecoverableError(`not a gotracesim run: ${errorText(e)}`);
    }
    if (task.v !== version) throw new UnrecoverableError(`a run of gotracesim ${task.v} in the queue of ${version}`);
    const tries = job.opts.attempts ?? 1;
    const attempt = `attempt ${job.attemptsMade + 1} of ${tries}`;
    const what = `run ${job.id} (${describe(task.run.params, task.run.seed)})`;
    verbose(`${what}: started, ${attempt}`);
    inFlight++;
    let out: PoolRun | 'return';
    try {
      out = await Promise.race([pool.run(task.run, task.trace), returned]);
    } finally {
      inFlight--;
    }
    if (out === 'return') {
      await job.moveToWait(token);
      verbose(`${what}: returned to the queue`);
      throw new WaitingError();
    }
    if (out.limit !== undefined && job.attemptsMade + 1 < tries) {
      verbose(`${what}: ${out.limit}; will be tried again (${attempt})`);
      throw new Error(out.limit); // BullMQ retries it, here or on another worker
    }
    verbose(`${what}: ${out.row.status}${out.row.error ? `: ${out.row.error}` : ''} (${out.row.wall_ms} ms)`);
    return out.row;
  };

  const worker = new Worker(queueName(), processor, {
    connection: { ...target.options, maxRetriesPerRequest: null, retryStrategy: (n: number) => Math.min(250 * n, 2000) },
    prefix: QUEUE_PREFIX,
    name: `${hostname()}:${process.pid}`,
    concurrency: QUEUED_PER_JOB * limits.jobs,
    lockDuration: stallMs,
    stalledInterval: stallMs,
    maxStalledCount: MAX_STALLED,
    autorun: false,
  });
  // Redis lost: BullMQ reconnects by itself; say so once per outage, not once per retry.
  // Other errors (a run's job gone with a Redis restarted empty: its sweep enqueues it again)
  // are said as they come.
  let down = false;
  worker.on('error', (e) => {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    const lost = /^E(CONNREFUSED|CONNRESET|TIMEDOUT|PIPE|NOTFOUND|HOSTUNREACH|NETUNREACH|AI_AGAIN)$/.test(code) || /Connection is closed|connect ETIMEDOUT/.test(e.message);
    if (!lost) return log(`BullMQ: ${errorText(e)}`);
    if (down) return;
    down = true;
    log(`lost Redis at ${target.url} (${errorText(e)}); reconnecting`);
  });
  const up = () => {
    if (!down) return;
    down = false;
    log(`${target.url} answers again`);
  };
  worker.on('ready', up);
  worker.on('active', up);

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let stopping: Promise<void> | null = null;
  const shutDown = async (how: 'finish' | 'return') => {
    if (how === 'return') returning?.();
    if (!stopping) {
      stopping = (async () => {
        await worker.close();
        await pool.close();
        resolveClosed();
      })();
    }
    return stopping;
  };
  let failure: string | undefined;
  const broke = (why: string) => {
    failure ??= why;
    log(`${why}; putting the runs in progress back in the queue`);
    void shutDown('return');
  };
  pool.onError = (e) => broke(e.message);
  worker.run().catch((e) => broke(`BullMQ worker stopped: ${errorText(e)}`));
  await worker.waitUntilReady();
  return { threads: limits.jobs, asked: limits.asked, url: target.url, stop: shutDown, active: () => inFlight, closed, failure: () => failure };
}

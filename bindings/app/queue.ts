// What the queued sweep (queue-sweep.ts) and the queue worker (queue-worker.ts) share: the
// Redis URL, the queue's name, the job a run becomes, and the check that Redis answers.
//
// One BullMQ queue per gotracesim version, "gotracesim:v0.1.0" in Redis (prefix "gotracesim",
// queue "v0.1.0"): a worker only takes the runs of its own simulator, whose rows are those a
// local sweep of that version writes. Sweeps of different grids share the queue; a run's job
// id is "<grid hash>-<run index>-<run id>" (the first 32 hex digits of the grid's sha256), so
// the jobs of two grids never mix and enqueueing the same grid twice adds nothing. The job
// carries everything a worker on another machine needs to run it (the run's resolved
// scenario, seed, trace flag, index and id): workers never read the grid file.

import { Redis, type RedisOptions } from 'ioredis';
import type { Run } from './sweep-grid.ts';
import { toolVersion } from './sweep-dir.ts';

/** Key prefix of every gotracesim queue in Redis. */
export const QUEUE_PREFIX = 'gotracesim';

/** The queue of this gotracesim version (BullMQ queue names may not contain ":"). */
export function queueName(): string {
  return `v${toolVersion()}`;
}

/** A Redis URL that cannot be used (exit 2): bad syntax, or nobody answers there. */
export class QueueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueueError';
  }
}

export interface RedisTarget {
  /** The URL as shown in messages: the password, if any, replaced by "***". */
  url: string;
  /** ioredis connection options (host, port, db, credentials, tls). */
  options: RedisOptions;
}

/** redis://[user:password@]host[:port][/db] (or rediss:// for TLS); port 6379, db 0 by default. */
export function parseRedisUrl(text: string): RedisTarget {
  const bad = (why: string): never => {
    const shown = text.replace(/^([a-z]+:\/\/[^/@:]*:)[^@/]*@/i, '$1***@'); // never echo a password
    throw new QueueError(`${JSON.stringify(shown)}: not a Redis URL (${why}); expected redis://HOST:PORT[/DB]`);
  };
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return bad('malformed');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') bad(`scheme "${u.protocol.replace(/:$/, '')}"`);
  if (!u.hostname) bad('no host');
  if (u.search || u.hash) bad('query or fragment');
  const port = u.port === '' ? 6379 : Number(u.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) bad(`port ${u.port}`);
  const path = u.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,5}$/.test(path)) bad(`database "${decodeURIComponent(path)}" is not a number`);
  const db = path === '' ? 0 : Number(path);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1'); // [::1] → ::1
  const options: RedisOptions = { host, port, db };
  if (u.username) options.username = decodeURIComponent(u.username);
  if (u.password) options.password = decodeURIComponent(u.password);
  if (u.protocol === 'rediss:') options.tls = { servername: host };
  const auth = u.username || u.password ? `${u.username}${u.password ? ':***' : ''}@` : '';
  return { url: `${u.protocol}//${auth}${u.host}/${db}`, options };
}

/** First line of an error's message. */
export function errorText(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}

/**
 * Connect once, PING, and disconnect: a clear error naming the URL when nobody answers
 * (refused, unknown host, timeout, wrong password, no such database) instead of BullMQ's
 * endless reconnecting.
 */
export async function checkRedis(target: RedisTarget, timeoutMs = 5000): Promise<void> {
  const client = new Redis({ ...target.options, lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, reconnectOnError: () => false });
  let last: unknown = null;
  client.on('error', (e) => (last = e));
  try {
    await withTimeout(
      (async () => {
        await client.connect();
        await client.select(target.options.db ?? 0); // ioredis only logs a bad database
        await client.ping();
      })(),
      timeoutMs + 1000,
      'no answer',
    );
  } catch (e) {
    const why = errorText(last ?? e);
    throw new QueueError(`${target.url}: cannot reach Redis: ${why === 'Connection is closed.' && last === null ? 'connection closed' : why}`);
  } finally {
    client.disconnect();
  }
}

/** `p`, or a rejection with `what` after `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} after ${ms} ms`)), ms);
    }),
  ]);
}

/** What a run's job carries (its data, as JSON in Redis). */
export interface RunJob {
  /** The gotracesim version that enqueued it (also the queue's name). */
  v: string;
  /** The grid's identity hash ("sha256:…"). */
  grid: string;
  index: number;
  id: string;
  params: Record<string, unknown>;
  seed: number;
  /** The run's resolved scenario: the grid's base with this run's axis values and seed. */
  scenario: Record<string, unknown>;
  trace: boolean;
}

/** "<first 32 hex digits of the grid hash>-": what every job id of the grid starts with. */
export function jobIdPrefix(gridHash: string): string {
  return `${gridHash.replace(/^sha256:/, '').slice(0, 32)}-`;
}

/** "<first 32 hex digits of the grid hash>-<index>-<run id>". */
export function jobId(gridHash: string, run: Pick<Run, 'index' | 'id'>): string {
  return `${jobIdPrefix(gridHash)}${run.index}-${run.id}`;
}

export function runJob(gridHash: string, run: Run, trace: boolean): RunJob {
  return { v: toolVersion(), grid: gridHash, index: run.index, id: run.id, params: run.params, seed: run.seed, scenario: run.scenario, trace };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The run a job's data describes, checked field by field (Redis is shared: trust nothing). */
export function runOfJob(data: unknown): { run: Run; trace: boolean; v: string; grid: string } {
  if (!isObj(data)) throw new Error('job data is not an object');
  const { v, grid, index, id, params, seed, scenario, trace } = data;
  if (typeof v !== 'string') throw new Error('job data: "v" is not a version');
  if (typeof grid !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(grid)) throw new Error('job data: "grid" is not a grid hash');
  if (!Number.isSafeInteger(index) || (index as number) < 0) throw new Error('job data: "index" is not a run index');
  if (typeof id !== 'string' || !/^[0-9a-f]{8}$/.test(id)) throw new Error('job data: "id" is not a run id');
  if (!isObj(params)) throw new Error('job data: "params" is not an object');
  if (!Number.isSafeInteger(seed) || (seed as number) < 0) throw new Error('job data: "seed" is not a seed');
  if (!isObj(scenario)) throw new Error('job data: "scenario" is not an object');
  if (typeof trace !== 'boolean') throw new Error('job data: "trace" is not true or false');
  return { run: { index: index as number, id, params, seed: seed as number, scenario }, trace, v, grid };
}

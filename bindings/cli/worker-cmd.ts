// `gotracesim worker redis://HOST:PORT[/DB]`: a long-running process that takes the runs of
// queued sweeps (`gotracesim sweep GRID --queue URL`) and runs them on this machine's worker
// threads (app/queue-worker.ts). SIGTERM or SIGINT: no new run is taken, those in progress
// finish, then exit 0; a second signal puts them back in the queue at once (exit 0), a third
// exits 130 at once. A bad URL or a Redis that does not answer at the start: exit 2. Redis lost
// later is waited for (BullMQ reconnects); a worker whose thread pool breaks exits 2.

import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import { MIN_RUN_MEMORY_MB } from '../app/sweep.ts';
import { EXIT, commandHelp, durationFlag, fail, jobsFlag, memoryFlag, usageFail, wantsHelp } from './common.ts';

export async function workerCmd(args: string[]): Promise<void> {
  if (wantsHelp(args)) {
    process.stdout.write(commandHelp('worker'));
    return;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        jobs: { type: 'string', short: 'j' },
        'run-timeout': { type: 'string' },
        'run-memory': { type: 'string' },
        'stall-timeout': { type: 'string' },
        verbose: { type: 'boolean', short: 'v' },
      },
    });
  } catch (e) {
    usageFail('worker', (e as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) usageFail('worker', `takes one Redis URL (redis://HOST:PORT[/DB]), got ${positionals.length} arguments`);
  const jobs = jobsFlag('worker', values.jobs);
  const runTimeoutMs = durationFlag('worker', '--run-timeout', values['run-timeout']);
  const stallTimeoutMs = durationFlag('worker', '--stall-timeout', values['stall-timeout'], 1000);
  const runMemoryMb = memoryFlag('worker', values['run-memory'], MIN_RUN_MEMORY_MB);
  const { QueueError, parseRedisUrl } = await import('../app/queue.ts');
  let target;
  try {
    target = parseRedisUrl(positionals[0]);
  } catch (e) {
    if (e instanceof QueueError) usageFail('worker', e.message);
    throw e;
  }

  // A signal before the worker is up: nothing taken yet, exit at once.
  let worker: Awaited<ReturnType<typeof import('../app/queue-worker.ts').startWorker>> | null = null;
  let signals = 0;
  const say = (line: string) => process.stderr.write(`gotracesim: worker: ${line}\n`);
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (!worker) fail(EXIT.interrupted, `worker: interrupted (${sig}) before it took any run`);
    if (signals === 1) {
      const n = worker.active();
      say(`${sig}: taking no more runs; finishing the ${n} in progress (${sig} again puts them back in the queue)`);
      void worker.stop('finish');
    } else if (signals === 2) {
      say(`${sig}: putting the runs in progress back in the queue`);
      void worker.stop('return');
    } else fail(EXIT.interrupted, `worker: interrupted (${sig}) while stopping`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const { startWorker } = await import('../app/queue-worker.ts');
  try {
    worker = await startWorker({ queue: target, jobs, runTimeoutMs, runMemoryMb, stallTimeoutMs, verbose: values.verbose === true, log: say });
  } catch (e) {
    if (e instanceof QueueError) fail(EXIT.usage, e.message);
    throw e;
  }
  if (worker.asked > worker.threads) process.stderr.write(`gotracesim: warning: --jobs ${worker.asked} is more than this machine's ${availableParallelism()} cores; using ${worker.threads}\n`);
  say(`taking runs from ${worker.url} on ${worker.threads} thread${worker.threads === 1 ? '' : 's'} (gotracesim queue ${(await import('../app/queue.ts')).queueName()}); SIGTERM finishes the runs in progress and exits`);
  await worker.closed;
  const failure = worker.failure();
  if (failure !== undefined) fail(EXIT.usage, `worker: stopped: ${failure}`);
  say('stopped');
  process.exit(EXIT.ok);
}

// `gotracesim sweep GRID.json`: parse the flags, check the grid and make the output directory
// (the CLI's own mkdir, which fails fast where Node's recursive one spins), run the sweep,
// and answer SIGINT/SIGTERM with one line and exit 130, keeping the rows already written.
// With --queue URL the runs go to `gotracesim worker` processes through Redis
// (app/queue-sweep.ts): Redis is checked before anything is written (exit 2 if it does not
// answer), and the files, rows and resume rules are the local sweep's.

import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MIN_RUN_MEMORY_MB, sweep, type SweepOptions } from '../app/sweep.ts';
import { GridError, expandGrid, parseGrid } from '../app/sweep-grid.ts';
import { EXIT, commandHelp, durationFlag, fail, jobsFlag, memoryFlag, usageFail, wantsHelp } from './common.ts';
import { makeDirs, outputError, reason } from '../app/files.ts';


/** Complete rows in a results.jsonl (a line cut by a kill does not count). */
function rowsIn(file: string): number {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => {
        try {
          return l.trim() !== '' && JSON.parse(l) !== null;
        } catch {
          return false;
        }
      }).length;
  } catch {
    return 0;
  }
}

export async function sweepCmd(args: string[]): Promise<void> {
  if (wantsHelp(args)) {
    process.stdout.write(commandHelp('sweep'));
    return;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' },
        jobs: { type: 'string', short: 'j' },
        force: { type: 'boolean' },
        'run-timeout': { type: 'string' },
        'run-memory': { type: 'string' },
        progress: { type: 'boolean' },
        'no-progress': { type: 'boolean' },
        queue: { type: 'string' },
        attempts: { type: 'string' },
        'redis-timeout': { type: 'string' },
      },
    });
  } catch (e) {
    usageFail('sweep', (e as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) usageFail('sweep', `takes one grid file, got ${positionals.length}`);
  const file = positionals[0];
  const jobs = jobsFlag('sweep', values.jobs);
  const runTimeoutMs = durationFlag('sweep', '--run-timeout', values['run-timeout']);
  const runMemoryMb = memoryFlag('sweep', values['run-memory'], MIN_RUN_MEMORY_MB);
  if (values.out === '') usageFail('sweep', '-o: empty directory name');
  // --queue: the runs go to `gotracesim worker` processes through Redis; the per-run limits
  // and the threads are the workers' own.
  const queued = values.queue !== undefined;
  for (const flag of ['jobs', 'run-timeout', 'run-memory'] as const) {
    if (queued && values[flag] !== undefined) usageFail('sweep', `--${flag} is the workers' with --queue: give it to \`gotracesim worker\``);
  }
  for (const flag of ['attempts', 'redis-timeout'] as const) {
    if (!queued && values[flag] !== undefined) usageFail('sweep', `--${flag} goes with --queue`);
  }
  let attempts: number | undefined;
  if (values.attempts !== undefined) {
    attempts = Number(values.attempts);
    if (!/^[1-9]\d*$/.test(values.attempts) || attempts > 100) usageFail('sweep', `--attempts: must be an integer from 1 to 100, got "${values.attempts}"`);
  }
  const redisTimeoutMs = durationFlag('sweep', '--redis-timeout', values['redis-timeout']);
  let queue: import('../app/queue.ts').RedisTarget | undefined;
  if (queued) {
    const { QueueError, parseRedisUrl } = await import('../app/queue.ts');
    try {
      queue = parseRedisUrl(values.queue!);
    } catch (e) {
      if (e instanceof QueueError) usageFail('sweep', `--queue: ${e.message}`);
      throw e;
    }
  }
  if (values.progress && values['no-progress']) usageFail('sweep', '--progress and --no-progress contradict each other');

  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    fail(EXIT.usage, `${file}: cannot read: ${reason(e)}`);
  }
  let grid: unknown;
  try {
    grid = JSON.parse(text);
  } catch (e) {
    fail(EXIT.invalid, `${file}: grid: malformed JSON: ${(e as Error).message}`);
  }
  // Every run is checked before any file is touched (sweep() checks again; it is cheap).
  try {
    expandGrid(parseGrid(grid, file), file);
  } catch (e) {
    if (e instanceof GridError) fail(EXIT.invalid, e.message);
    throw e;
  }
  if (queue) {
    // Redis must answer before anything is written.
    const { QueueError, checkRedis } = await import('../app/queue.ts');
    try {
      await checkRedis(queue);
    } catch (e) {
      if (e instanceof QueueError) fail(EXIT.usage, e.message);
      throw e;
    }
  }
  const outDir = values.out ?? 'gotracesim-sweep';
  const jsonl = join(outDir, 'results.jsonl');
  const progress = values['no-progress'] ? false : values.progress ? true : undefined;
  const barShown = progress ?? process.stderr.isTTY === true;
  let created: string | null = null;

  // The workers are threads of this process: exiting stops the pool. Rows are appended whole
  // by synchronous writes on this thread, so a handler that runs between them sees a clean
  // prefix.
  const onSignal = (sig: NodeJS.Signals) => {
    // sweep()'s bar (cli-progress) turned line wrapping off and cannot be stopped from here:
    // turn it back on, and end the bar's line.
    if (barShown && process.stderr.isTTY) process.stderr.write('\x1b[?7h\n');
    const kept = rowsIn(jsonl);
    let note: string;
    if (kept === 0 && created) {
      rmSync(created, { recursive: true, force: true });
      note = `no row written; removed ${created}`;
    } else note = `kept ${kept} row${kept === 1 ? '' : 's'} in ${jsonl} (run the same command again to resume${queue ? '; the workers go on with the queued runs' : ''})`;
    fail(EXIT.interrupted, `interrupted (${sig}); ${note}`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    created = makeDirs(outDir);
  } catch (e) {
    fail(EXIT.usage, outputError(outDir, e).message);
  }

  try {
    // Fault injection for the resume test: die by SIGKILL right after the Nth row is written.
    const killAfter = Number(process.env.GOTRACESIM_SWEEP_KILL_AFTER ?? 0);
    let rows = 0;
    const onRow = killAfter > 0 ? () => void (++rows === killAfter && process.kill(process.pid, 'SIGKILL')) : undefined;
    if (queue) {
      const { queueSweep } = await import('../app/queue-sweep.ts');
      const r = await queueSweep(grid, { queue, checked: true, outDir, progress, file, onRow, force: values.force === true, attempts, redisTimeoutMs });
      process.stdout.write(
        `gotracesim: sweep ${file}: ${r.total} runs (${r.skipped} already done, ${r.ran} run now, ${r.failed} failed) by ${r.workers} queue worker${r.workers === 1 ? '' : 's'} at ${queue.url}` +
          ` → ${outDir}/results.jsonl, ${outDir}/results.csv\n`,
      );
      if (r.failed > 0) process.stderr.write(`gotracesim: sweep ${file}: ${r.failed} of ${r.total} runs failed; their rows in ${jsonl} say why\n`);
      // BullMQ's connections are closed; exit now rather than wait on a socket that lingers.
      process.exit(r.failed > 0 ? EXIT.invalid : EXIT.ok);
    }
    const opts: SweepOptions = { outDir, jobs, progress, file, onRow };
    if (values.force) opts.force = true;
    if (runTimeoutMs !== undefined) opts.runTimeoutMs = runTimeoutMs;
    if (runMemoryMb !== undefined) opts.runMemoryMb = runMemoryMb;
    const r = await sweep(grid, opts);
    process.stdout.write(
      `gotracesim: sweep ${file}: ${r.total} runs (${r.skipped} already done, ${r.ran} run now, ${r.failed} failed) on ${r.jobs} worker${r.jobs === 1 ? '' : 's'}` +
        ` → ${outDir}/results.jsonl, ${outDir}/results.csv\n`,
    );
    if (r.failed > 0) {
      process.stderr.write(`gotracesim: sweep ${file}: ${r.failed} of ${r.total} runs failed; their rows in ${jsonl} say why\n`);
      process.exitCode = EXIT.invalid;
    }
  } catch (e) {
    // A bad grid, or (SweepError) a folder that holds another sweep: invalid input. The
    // options a SweepError could also name were checked above, as usage.
    if (e instanceof GridError) {
      if (created) rmSync(created, { recursive: true, force: true });
      fail(EXIT.invalid, e.message);
    }
    if ((e as Error)?.name === 'QueueError') fail(EXIT.usage, (e as Error).message); // Redis lost for good
    const code = (e as NodeJS.ErrnoException)?.code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) fail(EXIT.usage, `${(e as NodeJS.ErrnoException).path ?? outDir}: cannot write: ${reason(e)}`);
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

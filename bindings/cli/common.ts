// What every command shares: exit codes, usage texts, failing with one line, --help.

import { readFileSync } from 'node:fs';
import { interruptedLine, yieldToLoop } from '../app/interrupt.ts';
import { parseGoDuration } from '../scenario/duration.ts';

export { interruptedLine, yieldToLoop };

/** Exit codes of every command. */
export const EXIT = {
  ok: 0,
  /** Invalid input: a bad scenario or grid, an invalid trace, a simulated program that dies
   *  or stops making progress, a sweep with failed runs, a sweep folder of another grid. */
  invalid: 1,
  /** Bad usage, an unreadable input, an unwritable output. */
  usage: 2,
  /** Stopped by SIGINT or SIGTERM (128 + SIGINT, as shells report Ctrl-C). */
  interrupted: 130,
} as const;

export const USAGES: Record<string, string> = {
  run: `usage: gotracesim run [scenario.json] [-o DIR] [--go RELEASE] [--seed N] [--duration D] [--no-progress]
  simulate a scenario (the built-in default when none is given; flags override the file) and
  write DIR/cpu.pprof, DIR/truth.pprof (the exact CPU time per stack, to compare with),
  DIR/trace.out (the release's trace format) and DIR/summary.json
  (DIR defaults to ./gotracesim-out; made if missing). Files appear only when all are
  complete. A run of more than a second shows simulated time against the duration on
  stderr when it is a terminal (--no-progress: never).`,
  sweep: `usage: gotracesim sweep GRID.json [-o DIR] [--jobs N] [--force] [--run-timeout D]
                       [--run-memory MB] [--progress | --no-progress]
       gotracesim sweep GRID.json --queue redis://HOST:PORT[/DB] [-o DIR] [--force]
                       [--attempts N] [--redis-timeout D] [--progress | --no-progress]
  run every combination of the grid's axes and seeds on a worker pool; rows stream to
  DIR/results.jsonl and DIR/results.csv in run order; a sweep that was stopped resumes
  where it stopped (DIR defaults to ./gotracesim-sweep; DIR/sweep.json names its grid).
    -j, --jobs N       workers (default and at most: the machine's cores)
    --force            start afresh in a DIR that holds results (another grid's, or this
                       one's), deleting them, instead of refusing or resuming
    --run-timeout D    wall-clock limit of one run (e.g. 30s, 2m); past it the run is a
                       failed row (default: none)
    --run-memory MB    JS heap limit of each worker (default 2048); past it the run is a
                       failed row
    --[no-]progress    progress bar on stderr (default: when stderr is a terminal)
    --queue URL        enqueue the runs in Redis instead, for \`gotracesim worker URL\`
                       processes on any machines, and collect their rows (same files,
                       same rows); --jobs and the limits are then the workers'
    --attempts N       with --queue: tries of a run whose worker hits a limit or dies
                       (default 2); a run that fails by itself is not tried again
    --redis-timeout D  with --queue: how long to wait for a lost Redis (default 1m)`,
  worker: `usage: gotracesim worker redis://HOST:PORT[/DB] [--jobs N] [--run-timeout D]
                        [--run-memory MB] [--stall-timeout D] [--verbose]
  take the runs of queued sweeps (gotracesim sweep GRID --queue URL) from Redis and run
  them on this machine's worker threads, until SIGTERM or SIGINT: then no new run is
  taken, those in progress finish, and it exits 0 (the signal again puts them back in
  the queue). Start as many as you like, on any machines that reach Redis.
    -j, --jobs N        worker threads (default and at most: the machine's cores)
    --run-timeout D     wall-clock limit of one run; past it the run is retried, then a
                        failed row (default: none)
    --run-memory MB     JS heap limit of each thread (default 2048); same as --run-timeout
    --stall-timeout D   how long the runs of a worker that stopped answering (killed,
                        cut off) stay its own before another worker takes them (default
                        30s)
    -v, --verbose       one line per run on stderr`,
  validate: `usage: gotracesim validate FILE
  check an execution trace (go 1.5-1.21 or Go1.22/1.23/1.25 wire bytes, or Go's text
  format, detected from the content); prints OK or the first error with its location.`,
  dump: `usage: gotracesim dump FILE [--text] [--raw]
  print the trace's events in order, exactly as Go 1.23's \`go tool trace -d=1\` prints them
  (M= P= G= Kind Time=..., with Stack= and TransitionStack= blocks); --raw prints the reader's
  events one per line (name, G/P/M, generation, byte offset, arguments); --text prints a
  Go1.22+ trace in Go's text format instead (not available for go 1.5-1.21 traces).`,
  stats: `usage: gotracesim stats FILE [--json]
  event counts by type (named as Go names them), per-goroutine and per-P time in states,
  CPU samples per goroutine and per top frame; --json prints {"format": "go1.19"|"go1.22"|...,
  "events": {"<EventName>": count, ...}, ...}.`,
  export: `usage: gotracesim export --chrome FILE [-o OUT.json] [--gzip] [--from D] [--to D]
                         [--counter-resolution D]
  turn any trace (ours or a real Go trace, either format, or Go's text format) into Chrome
  Trace Event JSON for Perfetto UI and chrome://tracing (OUT defaults to FILE.json, or
  FILE.json.gz with --gzip; never the input itself): goroutine slices per P, syscalls,
  GC/STW, tasks and regions, CPU samples with their stacks, counters (written when they
  change, at most once per --counter-resolution, default 1ms; 0: every change).
  --from/--to keep a window of the trace (durations since it began, e.g. 1.5s).`,
  report: `usage: gotracesim report DIR [-o report.html]
  a self-contained HTML report (charts inlined, works offline) of a run directory or of a
  sweep directory (OUT defaults to DIR/report.html).`,
  serve: `usage: gotracesim serve [DIR] [--port N]
  serve the examples page (simulate in the browser, read a trace, the report's flame graphs
  and timeline) on http://127.0.0.1:PORT with the COOP/COEP headers shared memory needs, and
  DIR (a run or report directory) under /data/; prints the URL; Ctrl-C stops it (exit 0).
    -p, --port N   the port (default 8370; 0: any free one)`,
};

export const EXIT_TEXT = `exit status:
  0    success
  1    invalid input: a bad scenario or grid, an invalid trace, a simulated program that
       dies or makes no progress, a sweep with failed runs (their rows say why), a sweep
       folder that holds another grid's results (--force starts afresh)
  2    bad usage, an unreadable input, an unwritable output (one line naming the path),
       a Redis that does not answer (the URL named)
  130  interrupted by SIGINT or SIGTERM: temporary files, and a directory the command
       made, are removed; a sweep keeps the rows it has written (run it again to resume)`;

export const USAGE = `gotracesim: a simulator of the Go runtime's CPU profiler and execution tracer

${Object.values(USAGES)
  .map((u) => u.replace(/^usage: /, '  ').replace(/\n  /g, '\n      '))
  .join('\n\n')}

  gotracesim help [COMMAND]    this message, or COMMAND's (also: gotracesim COMMAND --help)
  gotracesim --version         the version

${EXIT_TEXT}
`;

/** One command's usage with the exit codes, as --help prints it. */
export function commandHelp(cmd: string): string {
  return `${USAGES[cmd]}\n\n${EXIT_TEXT}\n`;
}

/** Print `gotracesim: msg` on stderr and exit with `code`. */
export function fail(code: number, msg: string): never {
  process.stderr.write(`gotracesim: ${msg}\n`);
  process.exit(code);
}

/** A usage error of `cmd`: the message, then the command's usage; exit 2. */
export function usageFail(cmd: string, msg: string): never {
  fail(EXIT.usage, `${cmd}: ${msg}\n\n${USAGES[cmd]}`);
}

// ---- flags that sweep and worker share --------------------------------------------------------

/** --jobs: a positive integer (undefined: not given). */
export function jobsFlag(cmd: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(text)) usageFail(cmd, `--jobs: must be a positive integer, got "${text}"`);
  return Number(text);
}

/** A duration flag such as --run-timeout: a positive Go duration, in whole ms (at least minMs). */
export function durationFlag(cmd: string, flag: string, text: string | undefined, minMs = 1): number | undefined {
  if (text === undefined) return undefined;
  const d = parseGoDuration(text);
  if (!d.ok || d.ns <= 0n) usageFail(cmd, `${flag}: must be a positive duration such as "30s" or "2m", got "${text}"`);
  const ms = Math.max(1, Math.ceil(Number(d.ns) / 1e6));
  if (ms < minMs) usageFail(cmd, `${flag}: must be at least ${minMs / 1000}s, got "${text}"`);
  return ms;
}

/** --run-memory: a whole number of MB, at least minMb. */
export function memoryFlag(cmd: string, text: string | undefined, minMb: number): number | undefined {
  if (text === undefined) return undefined;
  const mb = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(mb) || mb < minMb) usageFail(cmd, `--run-memory: must be a whole number of MB, at least ${minMb}, got "${text}"`);
  return mb;
}

/** Whether the arguments ask for help (before any "--"): it wins over every other word. */
export function wantsHelp(args: string[]): boolean {
  for (const a of args) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/** The package's version, from package.json (next to build/ or to bindings/). */
export function version(): string {
  for (const rel of ['../package.json', '../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'gotracesim' && pkg.version) return pkg.version;
    } catch {
      // not there: try the next level up
    }
  }
  return 'unknown';
}

/**
 * Run `fn` with SIGINT and SIGTERM caught into an AbortSignal (its reason is the signal's
 * name), so that the command can stop at its next check, remove what it wrote, and exit 130.
 * The listeners stay until `fn` is over: a second Ctrl-C must not kill it while it cleans up.
 */
export async function withSignals<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => ac.abort(sig);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(ac.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}


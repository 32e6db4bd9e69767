#!/usr/bin/env node
// gotracesim command line. Exit codes: 0 success, 1 invalid input (a bad scenario, an invalid
// trace), 2 usage or an unreadable file.

import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import {
  TraceError,
  detectTrace,
  readTrace,
  traceSummary,
  traceText,
  validateTrace,
  parseTextTrace,
  writeTextTrace,
  wireToText,
  type TraceEvent,
  type TraceSummary,
} from './formats/index.ts';
import { runToDir, humanSummary } from './runtime/run.ts';
import { ScenarioError } from './runtime/resolve.ts';
import { sweep } from './runtime/sweep.ts';
import { exportChromeCommand } from './formats/chrome-cli.ts';
import { reportCommand } from './runtime/report-cli.ts';
import { GridError } from './runtime/sweep-grid.ts';

const USAGE = `gotracesim: a simulator of the Go runtime's CPU profiler and execution tracer

usage:
  gotracesim run [scenario.json] [-o DIR] [--go RELEASE] [--seed N] [--duration D]
      simulate a scenario (the built-in default when none is given) and write
      DIR/cpu.pprof, DIR/trace.out (the release's trace format) and DIR/summary.json
      (DIR defaults to ./gotracesim-out)
  gotracesim sweep GRID.json [-o DIR] [--jobs N] [--progress | --no-progress]
      run every combination of the grid's axes and seeds on a worker pool (one worker
      per core by default); rows stream to DIR/results.jsonl and DIR/results.csv in run
      order; a sweep that was stopped resumes where it stopped (DIR defaults to
      ./gotracesim-sweep)
  gotracesim validate FILE
      check an execution trace (go 1.5-1.21 or Go1.22/1.23/1.25 wire bytes, or Go's
      text format, detected from the content); prints OK or the first error with its
      location. Exit 0 valid, 1 invalid, 2 unreadable file or bad usage
  gotracesim dump FILE [--text]
      print the trace's events, one per line, in validated order; --text prints a
      Go1.22+ trace in Go's text format instead (not available for go 1.19 traces)
  gotracesim stats FILE [--json]
      event counts by type (named as Go names them), per-goroutine and per-P time in
      states, CPU samples per goroutine and per top frame; --json prints
      {"format": "go1.19"|"go1.22"|..., "events": {"<EventName>": count, ...}, ...}
  gotracesim export --chrome FILE [-o OUT.json]
      turn any trace (ours or a real Go trace, either format, or Go's text format) into
      Chrome Trace Event JSON for Perfetto UI and chrome://tracing (OUT defaults to
      FILE.json): goroutine slices per P, syscalls, GC/STW, tasks and regions, CPU
      samples with their stacks, counters
  gotracesim report DIR [-o report.html]
      a self-contained HTML report (charts inlined, works offline) of a run directory
      (timeline of Ps and goroutines with CPU samples and generation boundaries, samples
      per goroutine in the trace vs the profile, profBuf occupancy and overflow) or of a
      sweep directory (profiled/OS CPU vs parallelism per timer, loss vs buffer size and
      reader period)
  gotracesim help          print this message
`;

function fail(code: number, msg: string): never {
  process.stderr.write(`gotracesim: ${msg}\n`);
  process.exit(code);
}

function run(args: string[]): void {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { out: { type: 'string', short: 'o' }, go: { type: 'string' }, seed: { type: 'string' }, duration: { type: 'string' } },
    });
  } catch (e) {
    fail(2, `${(e as Error).message}\n\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) fail(2, `run takes at most one scenario file, got ${positionals.length}`);
  let seed: number | undefined;
  if (values.seed !== undefined) {
    if (!/^\d+$/.test(values.seed)) fail(2, `--seed: must be a non-negative integer, got "${values.seed}"`);
    seed = Number(values.seed);
  }
  const outDir = values.out ?? 'gotracesim-out';
  try {
    const r = runToDir({ scenarioFile: positionals[0], outDir, overrides: { go: values.go, seed, duration: values.duration } });
    process.stdout.write(humanSummary(r, outDir) + '\n');
  } catch (e) {
    if (e instanceof ScenarioError) fail(1, e.message);
    throw e;
  }
}

/** Parse FILE [--flag] for the trace commands; exits 2 on bad usage. */
function traceArgs(cmd: string, args: string[], flag: string | null): { file: string; on: boolean } {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: flag ? { [flag]: { type: 'boolean' } } : {} });
  } catch (e) {
    fail(2, `${cmd}: ${(e as Error).message}\n\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) fail(2, `${cmd} takes exactly one trace file, got ${positionals.length}\n\n${USAGE}`);
  return { file: positionals[0], on: flag ? Boolean((values as Record<string, unknown>)[flag]) : false };
}

function readInput(file: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    fail(2, `${file}: cannot read: ${err.message}`);
  }
}

/** "at byte offset N, generation G, batch B" for an error. */
function where(e: TraceError): string {
  const parts: string[] = [];
  if (e.offset >= 0) parts.push(`byte offset ${e.offset}`);
  if (e.gen > 0) parts.push(`generation ${e.gen}`);
  if (e.batch >= 0) parts.push(`batch ${e.batch}`);
  return parts.length ? ` (at ${parts.join(', ')})` : '';
}

function traceFail(file: string, e: unknown): never {
  if (e instanceof TraceError) fail(1, `${file}: invalid trace: ${e.message}${where(e)}`);
  throw e;
}

/** Buffered stdout that respects back-pressure and ends quietly on EPIPE (| head). */
class Out {
  private buf: string[] = [];
  private n = 0;
  line(s: string): Promise<void> | void {
    this.buf.push(s);
    this.n += s.length + 1;
    if (this.n >= 1 << 16) return this.flush();
  }
  flush(): Promise<void> | void {
    if (this.buf.length === 0) return;
    const chunk = this.buf.join('\n') + '\n';
    this.buf = [];
    this.n = 0;
    if (!process.stdout.write(chunk)) return new Promise((r) => process.stdout.once('drain', () => r()));
  }
}

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

function formatEvent(e: TraceEvent): string {
  // The event's context in capitals (G, P, M: -1 = none), then its own arguments.
  let s = `${e.ts} ${e.name} G=${e.g} P=${e.p}`;
  if (e.m >= 0) s += ` M=${e.m}`;
  if (e.gen > 0) s += ` gen=${e.gen}`;
  s += ` off=${e.offset}`;
  if (e.stack !== 0 && !('stack' in e.args)) s += ` stack=${e.stack}`;
  for (const k in e.args) s += ` ${k}=${e.args[k]}`;
  if (e.strings) for (const k in e.strings) s += ` ${k}=${JSON.stringify(e.strings[k])}`;
  return s;
}

async function validateCmd(args: string[]): Promise<void> {
  const { file } = traceArgs('validate', args, null);
  const bytes = readInput(file);
  const err = await validateTrace(bytes);
  if (err) {
    process.stdout.write(`${file}: ${err.message}${where(err)}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write('OK\n');
}

async function dumpCmd(args: string[]): Promise<void> {
  const { file, on: text } = traceArgs('dump', args, 'text');
  const bytes = readInput(file);
  let det;
  try {
    det = detectTrace(bytes);
  } catch (e) {
    traceFail(file, e);
  }
  if (text) {
    if (det.kind === 'v1') fail(2, `dump --text: ${file} is a ${det.format} trace; Go's text format exists only for Go1.22+ traces`);
    let out: string | TraceError;
    if (det.kind === 'text') {
      const raw = parseTextTrace(traceText(new TextDecoder().decode(bytes)));
      out = raw instanceof TraceError ? raw : writeTextTrace(raw);
    } else {
      out = wireToText(bytes);
    }
    if (out instanceof TraceError) traceFail(file, out);
    process.stdout.write(out);
    return;
  }
  const o = new Out();
  try {
    for await (const ev of readTrace(bytes)) {
      const w = o.line(formatEvent(ev));
      if (w) await w;
    }
  } catch (e) {
    await o.flush();
    traceFail(file, e);
  }
  await o.flush();
}

function ms(ns: number): string {
  return (ns / 1e6).toFixed(3);
}

function humanStats(file: string, s: TraceSummary): string {
  const lines: string[] = [];
  lines.push(`${file}: ${s.format} trace, ${s.totalEvents} events, ${ms(s.durationNs)} ms` + (s.generations ? `, ${s.generations} generations` : ''));
  lines.push('', 'events:');
  for (const [k, v] of Object.entries(s.events)) lines.push(`  ${String(v).padStart(10)} ${k}`);
  lines.push('', 'goroutines (ms): g running runnable waiting syscall absent cpuSamples');
  for (const g of s.goroutines) {
    lines.push(`  ${g.g} ${ms(g.running)} ${ms(g.runnable)} ${ms(g.waiting)} ${ms(g.syscall)} ${ms(g.absent)} ${g.cpuSamples}`);
  }
  lines.push('', 'procs (ms): p running idle');
  for (const p of s.procs) lines.push(`  ${p.p} ${ms(p.running)} ${ms(p.idle)}`);
  lines.push('', `CPU samples: ${s.cpuSamples.total}`);
  for (const [f, n] of Object.entries(s.cpuSamples.byStack)) lines.push(`  ${String(n).padStart(8)} ${f}`);
  return lines.join('\n') + '\n';
}

async function statsCmd(args: string[]): Promise<void> {
  const { file, on: json } = traceArgs('stats', args, 'json');
  const bytes = readInput(file);
  let s: TraceSummary;
  try {
    s = await traceSummary(bytes);
  } catch (e) {
    traceFail(file, e);
  }
  process.stdout.write(json ? JSON.stringify(s, null, 2) + '\n' : humanStats(file, s));
}

async function sweepCmd(args: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { out: { type: 'string', short: 'o' }, jobs: { type: 'string', short: 'j' }, progress: { type: 'boolean' }, 'no-progress': { type: 'boolean' } },
    });
  } catch (e) {
    fail(2, `${(e as Error).message}\n\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) fail(2, `sweep takes one grid file, got ${positionals.length}`);
  const file = positionals[0];
  let jobs: number | undefined;
  if (values.jobs !== undefined) {
    if (!/^[1-9]\d*$/.test(values.jobs)) fail(2, `--jobs: must be a positive integer, got "${values.jobs}"`);
    jobs = Number(values.jobs);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    fail(2, `${file}: cannot read: ${(e as Error).message}`);
  }
  let grid: unknown;
  try {
    grid = JSON.parse(text);
  } catch (e) {
    fail(1, `${file}: grid: malformed JSON: ${(e as Error).message}`);
  }
  const outDir = values.out ?? 'gotracesim-sweep';
  try {
    const progress = values['no-progress'] ? false : values.progress ? true : undefined;
    // Fault injection for the resume test: die by SIGKILL right after the Nth row is written.
    const killAfter = Number(process.env.GOTRACESIM_SWEEP_KILL_AFTER ?? 0);
    let rows = 0;
    const onRow = killAfter > 0 ? () => void (++rows === killAfter && process.kill(process.pid, 'SIGKILL')) : undefined;
    const r = await sweep(grid, { outDir, jobs, progress, file, onRow });
    process.stdout.write(`gotracesim: sweep ${file}: ${r.total} runs (${r.skipped} already done, ${r.ran} run now, ${r.failed} failed) → ${outDir}/results.jsonl, ${outDir}/results.csv\n`);
  } catch (e) {
    if (e instanceof GridError) fail(1, e.message);
    throw e;
  }
}

const [cmd, ...rest] = process.argv.slice(2);
switch (cmd) {
  case undefined:
  case 'help':
  case '-h':
  case '--help':
    process.stdout.write(USAGE);
    break;
  case 'run':
    run(rest);
    break;
  case 'validate':
    await validateCmd(rest);
    break;
  case 'dump':
    await dumpCmd(rest);
    break;
  case 'stats':
    await statsCmd(rest);
    break;
  case 'sweep':
    await sweepCmd(rest);
    break;
  case 'export':
    process.exitCode = await exportChromeCommand(rest);
    break;
  case 'report':
    process.exitCode = await reportCommand(rest);
    break;
  default:
    fail(2, `unknown command "${cmd}"\n\n${USAGE}`);
}

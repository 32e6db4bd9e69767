// `gotracesim validate | dump | stats FILE`: read a trace and print what it says.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  ModelPrinter,
  TraceError,
  detectTrace,
  readTrace,
  runModel,
  runModelStream,
  traceSummary,
  traceText,
  validateTrace,
  parseTextTrace,
  writeTextTrace,
  wireToText,
  type TraceEvent,
  type TraceSummary,
} from '../formats/index.ts';
import { EXIT, commandHelp, fail, usageFail, wantsHelp } from './common.ts';
import { reason } from '../app/files.ts';

/** Parse FILE [--flag] for the trace commands; prints help and exits 0 on --help, exits 2
 *  on bad usage. */
function traceArgs(cmd: string, args: string[], flag: string | null, more: string[] = []): { file: string; on: boolean; flags: Record<string, boolean> } {
  if (wantsHelp(args)) {
    process.stdout.write(commandHelp(cmd));
    process.exit(EXIT.ok);
  }
  let parsed;
  try {
    const options: Record<string, { type: 'boolean' }> = {};
    for (const f of flag ? [flag, ...more] : more) options[f] = { type: 'boolean' };
    parsed = parseArgs({ args, allowPositionals: true, options });
  } catch (e) {
    usageFail(cmd, (e as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) usageFail(cmd, `takes exactly one trace file, got ${positionals.length}`);
  const flags: Record<string, boolean> = {};
  for (const f of flag ? [flag, ...more] : more) flags[f] = Boolean((values as Record<string, unknown>)[f]);
  return { file: positionals[0], on: flag ? flags[flag] : false, flags };
}

function readInput(file: string): Uint8Array {
  try {
    // A plain Uint8Array over the Buffer's memory: one class for the readers, and no copy.
    const b = readFileSync(file);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    fail(EXIT.usage, `${file}: cannot read: ${reason(e)}`);
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
  if (e instanceof TraceError) fail(EXIT.invalid, `${file}: invalid trace: ${e.message}${where(e)}`);
  throw e;
}

/** Buffered stdout that respects back-pressure and ends quietly on EPIPE (| head). */
class Out {
  private buf: string[] = [];
  private n = 0;
  line(s: string): Promise<void> | void {
    return this.text(s + '\n');
  }
  /** Text as it is (its own newlines). */
  text(s: string): Promise<void> | void {
    this.buf.push(s);
    this.n += s.length;
    if (this.n >= 1 << 16) return this.flush();
  }
  flush(): Promise<void> | void {
    if (!this.write()) return new Promise((r) => process.stdout.once('drain', () => r()));
  }
  /** Hand the buffer to stdout; false when stdout wants a 'drain' first. */
  private write(): boolean {
    if (this.buf.length === 0) return true;
    const chunk = this.buf.join('');
    this.buf = [];
    this.n = 0;
    return process.stdout.write(chunk);
  }
  /** Text from a synchronous producer: buffered, handed to stdout without waiting (see drained()). */
  push(s: string): void {
    this.buf.push(s);
    this.n += s.length;
    if (this.n >= 1 << 16) this.write();
  }
  /** Flush, then wait until stdout has taken everything written so far (writes not awaited included). */
  drained(): Promise<void> | void {
    const w = this.flush();
    if (w) return w;
    if (process.stdout.writableNeedDrain) return new Promise((r) => process.stdout.once('drain', () => r()));
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

export async function validateCmd(args: string[]): Promise<void> {
  const { file } = traceArgs('validate', args, null);
  const bytes = readInput(file);
  const err = await validateTrace(bytes);
  if (err) {
    process.stdout.write(`${file}: ${err.message}${where(err)}\n`);
    process.exitCode = EXIT.invalid;
    return;
  }
  process.stdout.write('OK\n');
}

/** Input slices dump feeds the model reader, waiting for stdout between them. */
const DUMP_SLICE = 1 << 20;

export async function dumpCmd(args: string[]): Promise<void> {
  const { file, on: text, flags } = traceArgs('dump', args, 'text', ['raw']);
  if (text && flags.raw) usageFail('dump', '--raw and --text exclude each other');
  const bytes = readInput(file);
  let det;
  try {
    det = detectTrace(bytes);
  } catch (e) {
    traceFail(file, e);
  }
  if (text) {
    if (det.kind === 'v1') fail(EXIT.usage, `dump --text: ${file} is a ${det.format} trace; Go's text format exists only for Go1.22+ traces`);
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
  if (!flags.raw) {
    // The model, as Go 1.23's `go tool trace -d=1` prints it. Go1.22+ wire bytes are read
    // generation by generation, stdout drained between input slices.
    const printer = new ModelPrinter((s) => o.push(s));
    let err: TraceError | null;
    if (det.kind === 'v2') {
      async function* slices(): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < bytes.length; i += DUMP_SLICE) {
          const w = o.drained();
          if (w) await w;
          yield bytes.subarray(i, i + DUMP_SLICE);
        }
      }
      err = await runModelStream(slices(), printer);
    } else {
      err = runModel(bytes, printer);
    }
    await o.flush();
    if (err) traceFail(file, err);
    return;
  }
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

export async function statsCmd(args: string[]): Promise<void> {
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


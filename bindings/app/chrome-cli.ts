// `gotracesim export --chrome FILE [-o OUT.json] [--gzip] [--from D] [--to D]
// [--counter-resolution D]`: a Go execution trace (v1/v2 wire or Go's text format) → Chrome
// Trace Event JSON for Perfetto UI / chrome://tracing.
//
// Exit codes: 0 written; 1 the input is not a valid trace (message names the file and the
// byte offset); 2 usage error, unreadable input, or unwritable output (one line naming it).
// The input is read as a stream (a Go1.22+ trace a generation at a time); the JSON goes to
// the output in ~64 KiB pieces as it is made (through fflate's streaming gzip with --gzip),
// never whole in memory. The output is written atomically: to a new temporary file next to
// OUT (random name, created exclusively, never through a symlink), renamed over OUT once
// complete; on any error the temporary file is removed and OUT is left as it was. OUT may
// not be the input. The Node side of the export (files, signals, gzip); the export itself
// (formats/chrome/) is browser-safe. bindings/cli.ts dispatches `export` here.

import { createReadStream, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { Gzip } from 'fflate';
import { TraceError } from '../formats/event.ts';
import { DEFAULT_COUNTER_RESOLUTION, writeChromeTraceStream, type ChromeOptions } from '../formats/chrome/index.ts';
import { parseDuration } from '../scenario/duration.ts';
import { AtomicFiles, OutputError, checkOutputFile, reason, sameFile } from './files.ts';
import { interruptedLine } from './interrupt.ts';

export const EXPORT_USAGE = `usage: gotracesim export --chrome FILE [-o OUT.json] [--gzip] [--from D] [--to D]
                        [--counter-resolution D]

Convert a Go execution trace (go 1.5-1.21 or Go1.22+ wire format, or Go's text format)
to Chrome Trace Event JSON, loadable by Perfetto UI (ui.perfetto.dev) and chrome://tracing.

  --chrome        write Chrome Trace Event JSON (the only export format)
  -o, --output    output file (default: FILE.json, FILE.json.gz with --gzip); written atomically
  --gzip          gzip the JSON (Perfetto UI opens .json.gz as it is)
  --from D, --to D
                  keep only this window of the trace (Go durations since the trace began,
                  e.g. 1.5s, 200ms): slices clipped to it, instants inside it, counters from
                  their value at --from
  --counter-resolution D
                  counters (heap, goroutines by state, GOMAXPROCS) are written when they
                  change, at most once per D per counter, exact at every multiple of D
                  (default ${DEFAULT_COUNTER_RESOLUTION / 1e6}ms; 0: every change)
  -h, --help      show this help

Exit status: 0 written, 1 invalid trace, 2 usage error or unreadable/unwritable file
(OUT may not be FILE itself).
`;

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const defaultIo: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

function usage(io: Io, msg: string): number {
  io.err(`gotracesim export: ${msg}\n${EXPORT_USAGE}`);
  return 2;
}

/** A flag's value: `--flag V` or `--flag=V`; advances i. undefined when missing. */
function flagValue(a: string[], i: { i: number }, w: string): string | undefined {
  const eq = w.indexOf('=');
  if (eq > 0) return w.slice(eq + 1);
  if (i.i + 1 >= a.length) return undefined;
  return a[++i.i];
}

/** The JSON text into `put`: as it is (written as UTF-8), or gzipped (fflate, streaming). */
function encoder(gzip: boolean, put: (b: Uint8Array | string) => void): { write: (s: string) => void; end: () => void } {
  if (!gzip) return { write: put, end: () => {} }; // the file write encodes the text itself
  const utf8 = new TextEncoder();
  // mtime 0: no time in the header, so the same trace gives the same bytes.
  const gz = new Gzip({ level: 6, mtime: 0 }, (chunk) => put(chunk));
  return { write: (s) => gz.push(utf8.encode(s)), end: () => gz.push(new Uint8Array(0), true) };
}

/**
 * Run `gotracesim export ...`; `args` are the words after "export" (a leading "export" is
 * skipped). `signal` (SIGINT/SIGTERM) is checked between input chunks: an interrupted export
 * removes its temporary file and returns 130.
 */
export async function exportChromeCommand(args: string[], io: Io = defaultIo, signal?: AbortSignal): Promise<number> {
  const a = args[0] === 'export' ? args.slice(1) : args.slice();
  let chrome = false;
  let gzip = false;
  let out: string | undefined;
  const opts: ChromeOptions = {};
  const files: string[] = [];
  const at = { i: 0 };
  for (; at.i < a.length; at.i++) {
    const w = a[at.i];
    const name = w.includes('=') ? w.slice(0, w.indexOf('=')) : w;
    if (w === '-h' || w === '--help') {
      io.out(EXPORT_USAGE);
      return 0;
    } else if (w === '--chrome') {
      chrome = true;
    } else if (w === '--gzip') {
      gzip = true;
    } else if (name === '-o' || name === '--output') {
      out = flagValue(a, at, w);
      if (!out) return usage(io, `${name} needs a file name`);
    } else if (name === '--from' || name === '--to' || name === '--counter-resolution') {
      const v = flagValue(a, at, w);
      if (v === undefined) return usage(io, `${name} needs a duration (e.g. 1.5s, 200ms)`);
      const ns = v === '0' ? 0 : parseDuration(v);
      if (ns === undefined || ns < 0) return usage(io, `${name}: not a non-negative duration: "${v}" (e.g. 1.5s, 200ms, 100us)`);
      if (name === '--from') opts.from = ns;
      else if (name === '--to') opts.to = ns;
      else opts.counterResolution = ns;
    } else if (w.startsWith('-') && w !== '-') {
      return usage(io, `unknown flag ${w}`);
    } else {
      files.push(w);
    }
  }
  if (!chrome) return usage(io, 'choose an export format: --chrome');
  if (files.length !== 1) return usage(io, files.length === 0 ? 'missing trace FILE' : `expected one trace FILE, got ${files.length}: ${files.join(' ')}`);
  if (opts.from !== undefined && opts.to !== undefined && !(opts.to > opts.from)) return usage(io, '--to must be later than --from');
  const file = files[0];
  const outFile = out ?? `${file}.json${gzip ? '.gz' : ''}`;

  try {
    if (!statSync(file).isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
  } catch (e) {
    io.err(`gotracesim export: cannot read ${file}: ${reason(e)}\n`);
    return 2;
  }
  // The rename would replace the input (or, through a link, the file it names).
  if (outFile === file || sameFile(file, outFile)) {
    io.err(`gotracesim export: ${outFile}: refusing to write: it is the input trace ${file}\n`);
    return 2;
  }

  let output: AtomicFiles | undefined;
  let stats;
  try {
    checkOutputFile(outFile);
    output = AtomicFiles.inExistingDir(dirname(outFile));
    const sink = output.open(basename(outFile));
    const enc = encoder(gzip, sink.write);
    stats = await writeChromeTraceStream(chunksOf(file, signal), enc.write, opts);
    enc.end();
    if (signal?.aborted) {
      io.err(`gotracesim export: ${interruptedLine(signal, output.discard())}\n`);
      return 130;
    }
    output.commit();
  } catch (e) {
    if (e instanceof Interrupted && signal) {
      io.err(`gotracesim export: ${interruptedLine(signal, output?.discard() ?? [])}\n`);
      return 130;
    }
    output?.discard();
    if (e instanceof TraceError) {
      const where = e.offset >= 0 ? ` at byte offset ${e.offset}` : '';
      const gen = e.gen > 0 ? ` (generation ${e.gen})` : '';
      io.err(`gotracesim export: ${file}: invalid trace${where}${gen}: ${e.message}\n`);
      return 1;
    }
    if (e instanceof OutputError) {
      io.err(`gotracesim export: ${e.message}\n`);
      return 2;
    }
    if (e instanceof ReadError) {
      io.err(`gotracesim export: cannot read ${file}: ${reason(e.cause)}\n`);
      return 2;
    }
    throw e;
  }
  io.err(
    `gotracesim export: wrote ${outFile} (${stats.format} trace: ${stats.inputEvents} events → ${stats.outputEvents} Chrome events, ${stats.goroutineSlices} goroutine slices, ${stats.chars} characters of JSON${gzip ? ', gzipped' : ''})\n`,
  );
  return 0;
}

class Interrupted extends Error {}
class ReadError extends Error {
  constructor(readonly cause: unknown) {
    super('read failed');
  }
}

/** The file in 1 MiB chunks; stops with Interrupted once `signal` fired, ReadError on an I/O error. */
async function* chunksOf(file: string, signal?: AbortSignal): AsyncIterable<Uint8Array> {
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  try {
    for await (const b of stream) {
      if (signal?.aborted) throw new Interrupted();
      const buf = b as Buffer;
      yield new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    }
  } catch (e) {
    if (e instanceof Interrupted) throw e;
    throw new ReadError(e);
  } finally {
    stream.destroy();
  }
}

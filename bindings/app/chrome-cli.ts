// `gotracesim export --chrome FILE [-o OUT.json]`: a Go execution trace (v1/v2 wire or Go's
// text format) → Chrome Trace Event JSON for Perfetto UI / chrome://tracing.
//
// Exit codes: 0 written; 1 the input is not a valid trace (message names the file and the
// byte offset); 2 usage error, unreadable input, or unwritable output (one line naming it).
// The output is written atomically: to a new temporary file next to OUT (random name,
// created exclusively, never through a symlink), renamed over OUT once complete; on any
// error the temporary file is removed and OUT is left as it was. OUT may not be the input.
// The Node side of the export (files, signals); the export itself (formats/chrome/) is
// browser-safe. bindings/cli.ts dispatches `export` here.

import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { TraceError } from '../formats/event.ts';
import { writeChromeTrace } from '../formats/chrome/index.ts';
import { AtomicFiles, OutputError, checkOutputFile, reason, sameFile } from './files.ts';
import { interruptedLine, yieldToLoop } from './interrupt.ts';

export const EXPORT_USAGE = `usage: gotracesim export --chrome FILE [-o OUT.json]

Convert a Go execution trace (go 1.5-1.21 or Go1.22+ wire format, or Go's text format)
to Chrome Trace Event JSON, loadable by Perfetto UI (ui.perfetto.dev) and chrome://tracing.

  --chrome        write Chrome Trace Event JSON (the only export format)
  -o, --output    output file (default: FILE.json); written atomically
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

/**
 * Run `gotracesim export ...`; `args` are the words after "export" (a leading "export" is
 * skipped). `signal` (SIGINT/SIGTERM) is checked after the conversion, which is synchronous:
 * an interrupted export removes its temporary file and returns 130.
 */
export async function exportChromeCommand(args: string[], io: Io = defaultIo, signal?: AbortSignal): Promise<number> {
  const a = args[0] === 'export' ? args.slice(1) : args.slice();
  let chrome = false;
  let out: string | undefined;
  const files: string[] = [];
  for (let i = 0; i < a.length; i++) {
    const w = a[i];
    if (w === '-h' || w === '--help') {
      io.out(EXPORT_USAGE);
      return 0;
    } else if (w === '--chrome') {
      chrome = true;
    } else if (w === '-o' || w === '--output') {
      if (i + 1 >= a.length || a[i + 1] === '') return usage(io, `${w} needs a file name`);
      out = a[++i];
    } else if (w.startsWith('--output=') || w.startsWith('-o=')) {
      out = w.slice(w.indexOf('=') + 1);
      if (!out) return usage(io, `${w} needs a file name`);
    } else if (w.startsWith('-') && w !== '-') {
      return usage(io, `unknown flag ${w}`);
    } else {
      files.push(w);
    }
  }
  if (!chrome) return usage(io, 'choose an export format: --chrome');
  if (files.length !== 1) return usage(io, files.length === 0 ? 'missing trace FILE' : `expected one trace FILE, got ${files.length}: ${files.join(' ')}`);
  const file = files[0];
  const outFile = out ?? `${file}.json`;

  let bytes: Uint8Array;
  try {
    const b = readFileSync(file);
    bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
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
    stats = writeChromeTrace(bytes, sink.write);
    await yieldToLoop();
    if (signal?.aborted) {
      io.err(`gotracesim export: ${interruptedLine(signal, output.discard())}\n`);
      return 130;
    }
    output.commit();
  } catch (e) {
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
    throw e;
  }
  io.err(
    `gotracesim export: wrote ${outFile} (${stats.format} trace: ${stats.inputEvents} events → ${stats.outputEvents} Chrome events, ${stats.goroutineSlices} goroutine slices, ${stats.chars} characters of JSON)\n`,
  );
  return 0;
}

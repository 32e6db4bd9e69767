// `gotracesim report DIR [-o report.html]`: DIR is a run directory (summary.json, trace.out)
// or a sweep directory (results.jsonl); writes one self-contained HTML file (default
// DIR/report.html) atomically: a new temporary file (random name, created exclusively, never
// through a symlink), renamed when complete. The output may not be one of the inputs.
// Exit 0 on success, 1 for bad input (not a run/sweep directory, unreadable or malformed
// files, a trace that cannot be read), 2 for bad usage or an unwritable output (one line
// naming it).

import { basename, dirname, join } from 'node:path';
import { buildReport, detectReportDir, ReportError } from './report.ts';
import { AtomicFiles, OutputError, checkOutputFile, sameFile } from './files.ts';
import { interruptedLine, yieldToLoop } from './interrupt.ts';

export const REPORT_USAGE =
  'usage: gotracesim report DIR [-o report.html]\n  DIR: a `gotracesim run` output directory (summary.json) or a `gotracesim sweep` output directory (results.jsonl)\n  exit status: 0 written, 1 not a run or sweep directory (or unreadable inside), 2 usage error or unwritable output';

/** The files of a run or sweep directory a report reads: never an output. */
const INPUTS = ['summary.json', 'trace.out', 'cpu.pprof', 'truth.pprof', 'results.jsonl', 'results.csv'];

export interface ReportIO {
  stdout?: (s: string) => void;
  stderr?: (s: string) => void;
}

/** `signal` (SIGINT/SIGTERM) is checked once the report is built: an interrupted report
 *  writes nothing and returns 130. */
export async function reportCommand(args: string[], io: ReportIO = {}, signal?: AbortSignal): Promise<number> {
  const out = io.stdout ?? ((s: string) => process.stdout.write(s));
  const err = io.stderr ?? ((s: string) => process.stderr.write(s));
  let dir: string | undefined;
  let output: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-h' || a === '--help') {
      out(REPORT_USAGE + '\n');
      return 0;
    }
    if (a === '-o' || a === '--output') {
      if (i + 1 >= args.length) {
        err(`gotracesim report: ${a} needs a file name\n${REPORT_USAGE}\n`);
        return 2;
      }
      output = args[++i];
    } else if (a.startsWith('-o=') || a.startsWith('--output=')) output = a.slice(a.indexOf('=') + 1);
    else if (a.startsWith('-') && a !== '-') {
      err(`gotracesim report: unknown flag ${a}\n${REPORT_USAGE}\n`);
      return 2;
    } else if (dir === undefined) dir = a;
    else {
      err(`gotracesim report: one directory only (got ${dir} and ${a})\n${REPORT_USAGE}\n`);
      return 2;
    }
  }
  if (dir === undefined) {
    err(`gotracesim report: missing DIR\n${REPORT_USAGE}\n`);
    return 2;
  }
  if (output === '') {
    err(`gotracesim report: empty output file name\n${REPORT_USAGE}\n`);
    return 2;
  }
  const file = output ?? join(dir, 'report.html');
  let html: string;
  try {
    const kind = detectReportDir(dir);
    html = await buildReport(kind === 'run' ? { runDir: dir } : { sweepDir: dir });
  } catch (e) {
    if (e instanceof ReportError) {
      err(`gotracesim report: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  await yieldToLoop();
  if (signal?.aborted) {
    err(`gotracesim report: ${interruptedLine(signal, [])}\n`);
    return 130;
  }
  const input = INPUTS.map((n) => join(dir, n)).find((f) => sameFile(f, file));
  if (input) {
    err(`gotracesim report: ${file}: refusing to write: it is the input ${input}\n`);
    return 2;
  }
  let files: AtomicFiles | undefined;
  try {
    checkOutputFile(file);
    files = AtomicFiles.inExistingDir(dirname(file));
    files.write(basename(file), html);
    files.commit();
  } catch (e) {
    files?.discard();
    if (e instanceof OutputError) {
      err(`gotracesim report: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  out(`gotracesim report: wrote ${file} (${(html.length / 1024).toFixed(0)} KiB)\n`);
  return 0;
}

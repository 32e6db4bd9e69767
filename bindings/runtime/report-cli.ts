// `gotracesim report DIR [-o report.html]`: DIR is a run directory (summary.json, trace.out)
// or a sweep directory (results.jsonl); writes one self-contained HTML file (default
// DIR/report.html) atomically: a temporary name, renamed when complete.
// Exit 0 on success, 1 for bad input (not a run/sweep directory, unreadable or malformed
// files, a trace that cannot be read), 2 for bad usage.

import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { buildReport, detectReportDir, ReportError } from './report.ts';

export const REPORT_USAGE = 'usage: gotracesim report DIR [-o report.html]\n  DIR: a `gotracesim run` output directory (summary.json) or a `gotracesim sweep` output directory (results.jsonl)';

export interface ReportIO {
  stdout?: (s: string) => void;
  stderr?: (s: string) => void;
}

export async function reportCommand(args: string[], io: ReportIO = {}): Promise<number> {
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
    html = buildReport(kind === 'run' ? { runDir: dir } : { sweepDir: dir });
  } catch (e) {
    if (e instanceof ReportError) {
      err(`gotracesim report: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const tmp = join(dirname(resolve(file)), `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, html);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    err(`gotracesim report: cannot write ${file}: ${(e as Error).message}\n`);
    return 1;
  }
  out(`gotracesim report: wrote ${file} (${(html.length / 1024).toFixed(0)} KiB)\n`);
  return 0;
}

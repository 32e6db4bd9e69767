// `gotracesim run`: simulate a scenario and write its outputs into a directory, atomically:
// every file is written to a temporary name and renamed into place only once all of them
// are complete, so a failed run leaves no output behind.

import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { simulate, type SimResult } from './simulate.ts';
import { DEFAULT_SCENARIO } from './default-scenario.ts';
import { ScenarioError, resolveScenarioText, type Overrides } from './resolve.ts';
import { simulateResolved } from './simulate.ts';

export interface RunOptions {
  scenarioFile?: string;
  outDir: string;
  overrides: Overrides;
}

export function runToDir(opts: RunOptions): SimResult {
  let text: string | undefined;
  if (opts.scenarioFile) {
    try {
      text = readFileSync(opts.scenarioFile, 'utf8');
    } catch (e) {
      throw new ScenarioError('', `cannot read: ${(e as Error).message}`, opts.scenarioFile);
    }
  }
  // Validate before touching the output directory.
  const sc = text !== undefined ? resolveScenarioText(text, opts.overrides, opts.scenarioFile) : undefined;
  const created = !existsSync(opts.outDir);
  mkdirSync(opts.outDir, { recursive: true });
  // The trace streams to a temporary file as it is produced, so memory stays flat.
  const traceTmp = join(opts.outDir, `.trace.out.${process.pid}.tmp`);
  const fd = openSync(traceTmp, 'w');
  let result: SimResult;
  try {
    const sink = (chunk: Uint8Array) => {
      writeSync(fd, chunk);
    };
    result = sc ? simulateResolved(sc, undefined, sink) : simulate(DEFAULT_SCENARIO, { overrides: opts.overrides, trace: sink });
    closeSync(fd);
    writeAll(opts.outDir, [
      ['cpu.pprof', result.pprof],
      ['summary.json', JSON.stringify(result.summary, null, 2) + '\n'],
    ]);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(traceTmp, { force: true });
    if (created) rmSync(opts.outDir, { recursive: true, force: true });
    throw e;
  }
  renameSync(traceTmp, join(opts.outDir, 'trace.out'));
  return result;
}

/** Write all files or none: temporaries first, then renames. */
export function writeAll(dir: string, files: [string, Uint8Array | string][]): void {
  const created = !existsSync(dir);
  mkdirSync(dir, { recursive: true });
  const tmp: string[] = [];
  try {
    for (const [name, data] of files) {
      const t = join(dir, `.${name}.${process.pid}.tmp`);
      tmp.push(t);
      writeFileSync(t, data);
    }
    files.forEach(([name], i) => renameSync(tmp[i], join(dir, name)));
  } catch (e) {
    for (const t of tmp) rmSync(t, { force: true });
    if (created) rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** The short human summary `run` prints. */
export function humanSummary(r: SimResult, outDir: string): string {
  const s = r.summary;
  const p = s.profile;
  const sec = (ns: number) => `${(ns / 1e9).toFixed(3)}s`;
  return [
    `gotracesim: ${s.scenario} (Go ${s.go}, seed ${s.seed}, ${sec(s.durationNs)} simulated, GOMAXPROCS=${s.gomaxprocs}, ${p.timer} timer at ${p.hz} Hz)`,
    `  OS CPU      ${sec(p.osCpuNs.total)} (user ${sec(p.osCpuNs.user)}, sys ${sec(p.osCpuNs.sys)})`,
    `  profiled    ${sec(p.profiledCpuNs)} (${(p.ratio * 100).toFixed(1)}% of OS CPU)`,
    `  SIGPROF     ${p.signals} signals, ${p.droppedByValidSIGPROF} dropped by validSIGPROF, ${p.delivered} samples`,
    `  profile     ${p.inProfile} samples written, ${p.lostToOverflow} lost to profBuf overflow`,
    ...(s.trace
      ? [
          `  trace       ${s.trace.format}, ${Object.values(s.trace.events).reduce((a, b) => a + b, 0)} events, ${s.trace.bytes} bytes, ${s.trace.cpuSamples.inTrace} CPU samples (${s.trace.cpuSamples.overflowed} lost to overflow)`,
        ]
      : []),
    `  wrote       ${join(outDir, 'cpu.pprof')}, ${join(outDir, 'summary.json')}, ${join(outDir, 'trace.out')}`,
  ].join('\n');
}

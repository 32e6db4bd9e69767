// `gotracesim run`: simulate a scenario and write its outputs into a directory (cpu.pprof,
// truth.pprof: the ground truth beside it, summary.json, trace.out), atomically:
// every file is written to a temporary name and renamed into place only once all of them
// are complete, so a failed or interrupted run leaves no output behind (nor the directory,
// when the run created it).
//
// The simulation runs in slices of simulated time with a turn of the event loop between
// slices, so that SIGINT/SIGTERM (an AbortSignal here) and the progress bar get to run while
// a long run is under way. Slicing does not change the output bytes.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { loadCore } from '../core/wasm.ts';
import { Simulation, type SimResult } from '../runtime/simulate.ts';
import { DEFAULT_SCENARIO } from '../scenario/default-scenario.ts';
import { ScenarioError, resolveScenario, resolveScenarioText, type Overrides } from '../scenario/resolve.ts';
import { SimulationStall } from '../sim/progress.ts';
import { AtomicFiles, reason } from './files.ts';
import { yieldToLoop } from './interrupt.ts';

export interface RunOptions {
  scenarioFile?: string;
  outDir: string;
  overrides: Overrides;
  /** Draw a progress bar (simulated time against the duration) on stderr once the run has
   *  taken more than PROGRESS_AFTER_MS of wall time; drawn only when stderr is a terminal. */
  progress?: boolean;
  /** Checked between slices: when aborted, the run removes its temporary files and any
   *  directory it created, and rejects with RunInterrupted. */
  signal?: AbortSignal;
}

/** The run was aborted; `removed` lists what it deleted (temporaries, the directory it made). */
export class RunInterrupted extends Error {
  constructor(
    readonly reason: string,
    readonly removed: string[],
  ) {
    super(`interrupted (${reason})`);
    this.name = 'RunInterrupted';
  }
}

/** The scenario file cannot be read (the CLI's exit 2, where a bad scenario is 1). A
 *  ScenarioError, so callers that catch those catch it too. */
export class UnreadableScenario extends ScenarioError {
  constructor(file: string, why: string) {
    super('', `cannot read: ${why}`, file);
    this.name = 'UnreadableScenario';
  }
}

/** The simulated program died (the thread limit) or stopped making progress: a fault of the
 *  scenario, reported as bad input. */
export class RunFailed extends Error {
  constructor(
    readonly scenario: string,
    cause: Error,
  ) {
    super(`${scenario}: ${cause.message}`, { cause });
    this.name = 'RunFailed';
  }
}

/** Wall time after which the progress bar appears: short runs stay quiet. */
export const PROGRESS_AFTER_MS = 1000;
/** Wall time one slice aims at: long enough that yielding costs nothing, short enough that
 *  Ctrl-C answers at once. */
const SLICE_WALL_MS = 25;

/** Errors by which the simulated program stops: the progress guard's SimulationStall, and
 *  the fatal errors of the Go runtime it models (e.g. "runtime: program exceeds 10000-thread
 *  limit"), whose messages start with "runtime: " as Go's do. */
function isProgramStop(e: unknown): e is Error {
  return e instanceof SimulationStall || (e instanceof Error && e.message.startsWith('runtime: '));
}

export async function runToDir(opts: RunOptions): Promise<SimResult> {
  let text: string | undefined;
  if (opts.scenarioFile) {
    try {
      text = readFileSync(opts.scenarioFile, 'utf8');
    } catch (e) {
      throw new UnreadableScenario(opts.scenarioFile, reason(e));
    }
  }
  // Validate before touching the output directory.
  const sc = text !== undefined ? resolveScenarioText(text, opts.overrides, opts.scenarioFile) : resolveScenario(DEFAULT_SCENARIO, opts.overrides);
  const signal = opts.signal;
  if (signal?.aborted) throw new RunInterrupted(String(signal.reason ?? 'aborted'), []);

  const files = AtomicFiles.inDir(opts.outDir);
  const bar = new RunProgress(sc.durationNs, opts.progress === true);
  try {
    // The trace streams to its temporary file as it is produced, so memory stays flat.
    const trace = files.open('trace.out');
    let traceBytes = 0;
    const sim = new Simulation(sc, loadCore(), (chunk) => {
      traceBytes += chunk.length;
      trace.write(chunk);
    });
    let slice = 1e6; // 1 ms of simulated time to start with; adapted to SLICE_WALL_MS
    while (sim.now < sc.durationNs) {
      const w0 = performance.now();
      sim.advance(Math.min(sc.durationNs, sim.now + slice));
      const dt = performance.now() - w0;
      slice = Math.max(1e3, Math.round(Math.min(slice * 4, dt > 0 ? (slice * SLICE_WALL_MS) / dt : slice * 4)));
      bar.update(sim.now, traceBytes);
      await yieldToLoop();
      if (signal?.aborted) throw new RunInterrupted(String(signal.reason ?? 'aborted'), []);
    }
    const result = sim.finish();
    trace.close();
    files.write('cpu.pprof', result.pprof);
    files.write('truth.pprof', result.truthPprof);
    files.write('summary.json', JSON.stringify(result.summary, null, 2) + '\n');
    bar.stop();
    await yieldToLoop(); // a signal during the last slice or finish() still stops the run
    if (signal?.aborted) throw new RunInterrupted(String(signal.reason ?? 'aborted'), []);
    files.commit();
    return result;
  } catch (e) {
    bar.stop();
    const removed = files.discard();
    if (e instanceof RunInterrupted) throw new RunInterrupted(e.reason, removed);
    if (isProgramStop(e)) throw new RunFailed(opts.scenarioFile ?? 'default scenario', e);
    throw e;
  }
}

/** The run's progress bar: simulated time against the duration, and the trace's size. */
class RunProgress {
  private bar: SingleBar | null = null;
  private readonly t0 = performance.now();

  constructor(
    private readonly durationNs: number,
    private readonly enabled: boolean,
  ) {}

  update(nowNs: number, traceBytes: number): void {
    if (!this.enabled) return;
    const payload = { sim: fmtNs(nowNs), dur: fmtNs(this.durationNs), trace: `${(traceBytes / 2 ** 20).toFixed(1)} MiB` };
    if (this.bar) {
      this.bar.update(nowNs / 1e6, payload);
      return;
    }
    if (performance.now() - this.t0 < PROGRESS_AFTER_MS) return;
    this.bar = new SingleBar(
      { format: 'run |{bar}| {percentage}% | {sim} of {dur} simulated | trace {trace} | ETA {eta_formatted}', stream: process.stderr, etaBuffer: 50 },
      Presets.shades_classic,
    );
    this.bar.start(this.durationNs / 1e6, nowNs / 1e6, payload);
  }

  /** Stop drawing, restoring the terminal (cli-progress turns line wrapping off). */
  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

function fmtNs(ns: number): string {
  if (ns >= 60e9) return `${Math.floor(ns / 60e9)}m${((ns % 60e9) / 1e9).toFixed(1).padStart(4, '0')}s`;
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(1)}s`;
  return `${(ns / 1e6).toFixed(0)}ms`;
}

/** A signed share of CPU in percentage points. */
function fmtShare(d: number): string {
  return `${d >= 0 ? '+' : ''}${(d * 100).toFixed(2)} pp`;
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
    ...(s.truth
      ? [
          `  truth       TVD ${s.truth.tvd.functions.toFixed(4)} over functions, ${s.truth.tvd.goroutines.toFixed(4)} over goroutines; worst ${s.truth.worstFunction?.name ?? '-'} (${fmtShare(s.truth.worstFunction?.shareDiff ?? 0)} of CPU)`,
        ]
      : []),
    `  wrote       ${join(outDir, 'cpu.pprof')}, ${join(outDir, 'truth.pprof')}, ${join(outDir, 'summary.json')}, ${join(outDir, 'trace.out')}`,
  ].join('\n');
}

// Running both sides of the realism table: the real program (built with a Go toolchain, run for
// its wall time) and the simulation of its scenario, each giving a trace, a CPU profile and the
// CPU the process used; then both measured the same way (measure.ts).
//
// A real run shares the machine: when other processes take more than MAX_OTHERS_CORES of it
// during the run (/proc/stat, less the program's own CPU), the run is repeated, up to `attempts`
// times, and the least disturbed one is kept; its disturbance is reported beside the table.
// Who may touch: the realism test owner.

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simulate } from '../../bindings/runtime/simulate.ts';
import { goBuild, type Toolchain } from '../oracle/go.ts';
import { measureProfile, measureTrace, type ProfileMeasures, type TraceMeasures } from './measure.ts';
import { GO_PROGRAM_DIR, GOMAXPROCS, RUN_DURATION, type RealismProgram } from './programs.ts';

/** What one side of a comparison wrote, and the CPU it used. */
export interface RunOutput {
  trace: Uint8Array;
  pprof: Uint8Array;
  wallNs: number;
  cpuNs: number;
  /** Real runs: cores other processes used meanwhile, and runs made to get this one. */
  othersCores?: number;
  attempts?: number;
}

/** A side of a comparison, measured. */
export interface Measured {
  trace: TraceMeasures;
  profile: ProfileMeasures;
  /** CPU used over the run, in cores. */
  cores: number;
  othersCores?: number;
  attempts?: number;
}

/** Above this many cores taken by other processes, a real run is repeated. */
export const MAX_OTHERS_CORES = 0.3;

/** Build test/go/realism with `tc` into `dir`; the binary's path. */
export function buildRealism(tc: Toolchain, dir: string): string {
  const bin = join(dir, 'realism');
  goBuild(tc, '.', bin, { cwd: GO_PROGRAM_DIR });
  return bin;
}

/** Busy and total CPU time of the whole machine so far (/proc/stat, clock ticks). */
function machineTicks(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  // idle and iowait are the 4th and 5th fields.
  return { busy: total - cpu[3] - cpu[4], total };
}

function runOnce(bin: string, p: RealismProgram, dir: string): Promise<RunOutput> {
  mkdirSync(dir, { recursive: true });
  const before = machineTicks();
  return new Promise((resolve, reject) => {
    const args = ['-program', p.name, '-o', dir, '-dur', RUN_DURATION, '-procs', String(GOMAXPROCS)];
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`realism -program ${p.name} exited ${code}: ${stderr.trim().split('\n')[0]}`));
      const after = machineTicks();
      const usage = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { wallNs: number; cpuNs: number; numCPU: number };
      // Machine CPU seconds over the window, less the program's own: what others took.
      const cores = ((after.busy - before.busy) / (after.total - before.total)) * usage.numCPU;
      const othersCores = Math.max(0, cores - usage.cpuNs / usage.wallNs);
      resolve({
        trace: readFileSync(join(dir, 'trace.out')),
        pprof: readFileSync(join(dir, 'cpu.pprof')),
        wallNs: usage.wallNs,
        cpuNs: usage.cpuNs,
        othersCores,
      });
    });
  });
}

/** Run a real program (repeated while the machine is busy, see the header); the least disturbed run. */
export async function runReal(bin: string, p: RealismProgram, dir: string, attempts = 3): Promise<RunOutput> {
  let best: RunOutput | null = null;
  let made = 0;
  while (made < attempts) {
    const r = await runOnce(bin, p, join(dir, `${p.name}-${++made}`));
    if (!best || r.othersCores! < best.othersCores!) best = r;
    if (r.othersCores! <= MAX_OTHERS_CORES) break;
  }
  best!.attempts = made;
  return best!;
}

/** Simulate a program's scenario with the trace on. */
export function runSim(p: RealismProgram): RunOutput {
  const r = simulate(JSON.parse(readFileSync(p.scenario, 'utf8')), { trace: true, file: p.scenario });
  return { trace: r.trace!, pprof: r.pprof, wallNs: r.summary.durationNs, cpuNs: r.summary.profile.osCpuNs.total };
}

/** Measure one side. */
export function measure(p: RealismProgram, out: RunOutput): Measured {
  return {
    trace: measureTrace(out.trace, p.sleeper ? [p.sleeper] : []),
    profile: measureProfile(out.pprof),
    cores: out.cpuNs / out.wallNs,
    othersCores: out.othersCores,
    attempts: out.attempts,
  };
}

// simulate: one scenario, one seed → the CPU profile and the summary the real runtime's
// numbers would give. Single-threaded and deterministic: the same scenario and seed give
// byte-identical outputs.

import { loadCore, type Core } from '../core/wasm.ts';
import { Rand } from '../core/rand.ts';
import { Sched } from '../sim/sched.ts';
import { NoopObserver } from '../sim/observer.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';
import { CPUProfiler } from './cpuprof.ts';
import { resolveScenario, type Overrides } from '../scenario/resolve.ts';
import { encodeProfile, type Profile } from '../formats/pprof.ts';
import { concatBytes } from '../formats/bytes.ts';
import { TraceV1 } from './tracev1.ts';
import { TraceV2 } from './tracev2.ts';
import type { Tracer, TraceSink, TraceStats } from './tracer.ts';
import { TruthProfile } from './truth.ts';
import { truthMeasures, type TruthMeasures } from './truth-measures.ts';

export interface ThreadSummary {
  id: number;
  kind: 'm' | 'cgo';
  name?: string;
  userNs: number;
  sysNs: number;
  signals: number;
  dropped: number;
  samples: number;
  profiledNs: number;
}

export interface GoroutineSummary {
  id: number;
  template: string;
  cpuNs: number;
  samples: number;
  profiledNs: number;
}

export interface Summary {
  scenario: string;
  go: string;
  seed: number;
  durationNs: number;
  gomaxprocs: number;
  switches: Record<string, unknown>;
  profile: {
    hz: number;
    periodNs: number;
    timer: string;
    tickNs: number;
    /** SIGPROFs that reached the handler. */
    signals: number;
    /** Rejected by validSIGPROF (a second source for the same thread). */
    droppedByValidSIGPROF: number;
    /** Accepted and handed to cpuprof.add / addNonGo. */
    delivered: number;
    /** In the written profile (sum of sample counts, lostProfileEvent excluded). */
    inProfile: number;
    /** Lost to profBuf overflow (the lostProfileEvent count). */
    lostToOverflow: number;
    nonGo: number;
    osCpuNs: { user: number; sys: number; total: number };
    profiledCpuNs: number;
    /** profiledCpuNs / osCpuNs.total */
    ratio: number;
    /** profBuf capacity in words (profile.profBuf.words). */
    profBufWords: number;
    /** One entry per pass of the profile reader: [time ns, words of sample records read (the
     *  profBuf's occupancy when it woke, overflow records aside), writes lost to overflow
     *  since the previous pass]. */
    reads: [number, number, number][];
  };
  /** Kernel ticks; setitimer expiries, the signals they sent, and those that found no thread
   *  on CPU to send to; per-thread timer signals, and the periods that passed before a tick
   *  found their thread on CPU (overruns: no signal). */
  kernel: { ticks: number; itimerExpiries: number; itimerSignals: number; itimerNoTarget: number; timerSignals: number; timerOverruns: number };
  threads: ThreadSummary[];
  goroutines: GoroutineSummary[];
  /** Exited goroutines beyond the first 10000, totalled per template. */
  goroutinesFolded: { template: string; goroutines: number; cpuNs: number; samples: number; profiledNs: number }[];
  /** Execution-trace figures, when the trace was written. */
  trace?: TraceStats;
  /** How far the profile is from the ground truth (truth.pprof): runtime/truth-measures.ts. */
  truth?: TruthMeasures;
}

export interface SimResult {
  scenario: ResolvedScenario;
  profile: Profile;
  pprof: Uint8Array;
  /** The ground truth beside the profile: the exact CPU ns per stack and labels (truth.ts). */
  truth: Profile;
  truthPprof: Uint8Array;
  summary: Summary;
  /** The execution trace, when it was collected in memory (`trace: true`). */
  trace?: Uint8Array;
}

export interface SimulateOptions {
  overrides?: Overrides;
  /** Scenario file name, for error messages. */
  file?: string;
  core?: Core;
  /** Also run the execution tracer of the release: true collects trace.out in memory, a
   *  function receives its bytes as they are produced (streaming). */
  trace?: boolean | TraceSink;
}

export function simulate(input: unknown, opts: SimulateOptions = {}): SimResult {
  const sc = resolveScenario(input, opts.overrides, opts.file);
  return simulateResolved(sc, opts.core, opts.trace);
}

export function simulateResolved(sc: ResolvedScenario, core: Core = loadCore(), trace: boolean | TraceSink = false): SimResult {
  const sim = new Simulation(sc, core, trace);
  sim.advance(sc.durationNs);
  return sim.finish();
}

/**
 * One simulation that the caller drives in slices of simulated time, so that a long run can
 * report progress and be interrupted between slices (the CLI yields to the event loop after
 * each). `advance(t)` runs the program up to simulated time t; `finish()` stops the tracer and
 * the profiler (letting the program run on while StopTrace waits) and returns the result.
 * Slicing does not change the output: the same scenario and seed give the same bytes.
 */
export class Simulation {
  readonly sched: Sched;
  private readonly prof: CPUProfiler;
  private readonly tracer: Tracer | null;
  private readonly chunks: Uint8Array[] = [];
  private readonly truth: TruthProfile;
  private finished = false;

  constructor(
    readonly sc: ResolvedScenario,
    core: Core = loadCore(),
    private readonly trace: boolean | TraceSink = false,
  ) {
    const rand = new Rand(sc.seed);
    const sink: TraceSink | null = typeof trace === 'function' ? trace : trace ? (c) => this.chunks.push(c) : null;
    const tracer: Tracer | null = sink ? newTracer(core, sc, sink) : null;
    this.tracer = tracer;
    const obs = tracer ?? new NoopObserver(true);
    let prof: CPUProfiler | null = null;
    this.sched = new Sched(sc, rand, obs, (t, src, now) => prof!.onSignal(t, src, now), tracer !== null);
    prof = this.prof = new CPUProfiler(core, sc, this.sched);
    this.truth = new TruthProfile(sc.symtab);
    this.sched.kernel.actObserver = this.truth;
    prof.start(0);
    if (tracer) {
      tracer.start(0);
      if (sc.switches.traceCPUSamples) prof.traceSample = (m, gp, stack, now) => tracer.cpuSample(m!, gp, stack, now);
    }
    this.sched.start();
  }

  /** Simulated time reached so far (ns). */
  get now(): number {
    return this.sched.now;
  }

  /** Run the program up to simulated time t (at most the scenario's duration). */
  advance(t: number): void {
    if (this.finished) throw new Error('simulation already finished');
    this.sched.run(Math.min(t, this.sc.durationNs));
  }

  finish(): SimResult {
    if (this.finished) throw new Error('simulation already finished');
    const { sc, sched, tracer, prof } = this;
    if (sched.now < sc.durationNs) sched.run(sc.durationNs);
    this.finished = true;
    const stopNs = tracer ? runUntilStopCan(sched, tracer, sc.durationNs + STOP_WAIT_MAX_NS) : sc.durationNs;
    sched.finish();
    tracer?.stop(stopNs);
    // The program stops the CPU profile right after the trace (trace.Stop; pprof.StopCPUProfile).
    const profile = prof.stop(stopNs);
    const pprof = encodeProfile(profile);
    const truth = this.truth.build(prof.builder, sc.profile.hz, stopNs);
    const summary = summarize(sc, sched, prof);
    if (tracer) summary.trace = tracer.stats;
    summary.truth = truthMeasures(profile, truth, summary);
    const result: SimResult = { scenario: sc, profile, pprof, truth, truthPprof: encodeProfile(truth), summary };
    if (this.trace === true) result.trace = concatBytes(this.chunks);
    return result;
  }
}

/** Longest the program runs past its duration while StopTrace waits for a GC cycle or a stop. */
const STOP_WAIT_MAX_NS = 1e9;

/** Run the program on until StopTrace would not block (or `cap`); the instant it stops. */
function runUntilStopCan(sched: Sched, tracer: Tracer, cap: number): number {
  while (tracer.stopWaits() && sched.now < cap) {
    const next = sched.q.peekTime();
    if (next > cap) {
      sched.run(cap);
      break;
    }
    sched.run(next);
  }
  return sched.now;
}

function newTracer(core: Core, sc: ResolvedScenario, sink: TraceSink): Tracer {
  if (sc.switches.tracer === 'v1') return new TraceV1(core, sc, sink);
  return new TraceV2(core, sc, sink);
}


function summarize(sc: ResolvedScenario, sched: Sched, prof: CPUProfiler): Summary {
  const period = sc.profile.periodNs;
  const totals = prof.builder.totals;
  const threads: ThreadSummary[] = [];
  let user = 0;
  let sys = 0;
  for (const m of sched.ms) {
    threads.push({ id: m.id, kind: 'm', userNs: m.cpuUser, sysNs: m.cpuSys, signals: m.signals, dropped: m.dropped, samples: m.samples, profiledNs: m.samples * period });
    user += m.cpuUser;
    sys += m.cpuSys;
  }
  for (const t of sched.foreign) {
    threads.push({ id: t.id, kind: 'cgo', name: t.name, userNs: t.cpuUser, sysNs: t.cpuSys, signals: t.signals, dropped: t.dropped, samples: t.samples, profiledNs: t.samples * period });
    user += t.cpuUser;
    sys += t.cpuSys;
  }
  const delivered = prof.stats.samples;
  const lost = totals.lost;
  const inProfile = totals.samples;
  // Goroutines still present, plus the exited ones the scheduler kept whole; beyond those,
  // exited goroutines are only counted per template (goroutinesFolded).
  const all = [...sched.finished, ...sched.gs.map((g) => ({ id: g.id, template: g.name, cpuNs: g.cpuNs, samples: g.samples }))].sort((a, b) => a.id - b.id);
  const goroutines: GoroutineSummary[] = all.map((g) => ({ ...g, profiledNs: g.samples * period }));
  const goroutinesFolded = [...sched.finishedByTemplate].map(([template, t]) => ({ template, ...t, profiledNs: t.samples * period }));
  return {
    scenario: sc.name,
    go: sc.go,
    seed: sc.seed,
    durationNs: sc.durationNs,
    gomaxprocs: sc.gomaxprocs,
    switches: { ...sc.switches },
    profile: {
      hz: sc.profile.hz,
      periodNs: period,
      timer: sc.switches.timer,
      tickNs: sc.profile.tickNs,
      signals: prof.stats.signals,
      droppedByValidSIGPROF: prof.stats.dropped,
      delivered,
      inProfile,
      lostToOverflow: lost,
      nonGo: prof.stats.nonGo,
      osCpuNs: { user, sys, total: user + sys },
      profiledCpuNs: delivered * period,
      ratio: user + sys > 0 ? (delivered * period) / (user + sys) : 0,
      profBufWords: sc.profile.words,
      reads: prof.readLog.map((r) => [...r] as [number, number, number]),
    },
    kernel: { ...sched.kernel.stats },
    threads,
    goroutines,
    goroutinesFolded,
  };
}

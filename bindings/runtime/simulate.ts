// simulate: one scenario, one seed → the CPU profile and the summary the real runtime's
// numbers would give. Single-threaded and deterministic: the same scenario and seed give
// byte-identical outputs.

import { loadCore, type Core } from '../core/wasm.ts';
import { Rand } from '../core/rand.ts';
import { Sched } from '../sim/sched.ts';
import { NoopObserver } from '../sim/observer.ts';
import { ForeignThread } from '../sim/world.ts';
import type { ResolvedScenario } from '../sim/resolved.ts';
import { CPUProfiler } from './cpuprof.ts';
import { resolveScenario, type Overrides } from './resolve.ts';
import { encodeProfile, type Profile } from '../formats/pprof.ts';

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
  };
  kernel: { ticks: number; itimerExpiries: number; itimerSignals: number; timerSignals: number };
  threads: ThreadSummary[];
  goroutines: GoroutineSummary[];
}

export interface SimResult {
  scenario: ResolvedScenario;
  profile: Profile;
  pprof: Uint8Array;
  summary: Summary;
}

export interface SimulateOptions {
  overrides?: Overrides;
  /** Scenario file name, for error messages. */
  file?: string;
  core?: Core;
}

export function simulate(input: unknown, opts: SimulateOptions = {}): SimResult {
  const sc = resolveScenario(input, opts.overrides, opts.file);
  return simulateResolved(sc, opts.core);
}

export function simulateResolved(sc: ResolvedScenario, core: Core = loadCore()): SimResult {
  const rand = new Rand(sc.seed);
  const obs = new NoopObserver(true);
  let prof: CPUProfiler | null = null;
  const sched = new Sched(sc, rand, obs, (t, src, now) => prof!.onSignal(t, src, now));
  prof = new CPUProfiler(core, sc, sched);
  prof.start(0);
  sched.start();
  sched.run(sc.durationNs);
  sched.finish();
  const profile = prof.stop(sc.durationNs);
  const pprof = encodeProfile(profile);
  return { scenario: sc, profile, pprof, summary: summarize(sc, sched, prof) };
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
  const goroutines: GoroutineSummary[] = sched.gs.map((g) => ({ id: g.id, template: g.name, cpuNs: g.cpuNs, samples: g.samples, profiledNs: g.samples * period }));
  void ForeignThread;
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
    },
    kernel: { ...sched.kernel.stats, itimerNoTarget: undefined } as Summary['kernel'],
    threads,
    goroutines,
  };
}

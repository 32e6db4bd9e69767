// How far the sampled CPU profile is from the ground truth (summary.json's "truth"):
//   - total variation distance (TVD) between the two normalised distributions of CPU time,
//     over functions (flat: the leaf function of each stack), over goroutines and over label
//     sets. TVD = ½ Σ |p_i − q_i| with p, q the shares: 0 when the profile has every share
//     right, 1 when the two put their time on disjoint sets. Shares, not ns, so that the
//     magnitude error (profiled/true CPU overall) does not count twice;
//   - the worst-misattributed function: the largest |profiled share − true share|, signed
//     (> 0: over-sampled), with both ns figures;
//   - per thread, profiled CPU (samples handed to cpuprof.add × period) over its true CPU.
// Inputs: the two Profiles (cpu.pprof, truth.pprof) and the summary's goroutine and thread
// figures. Goroutines: the profile side counts the samples taken while g was m.curg, lost to
// overflow or not (the profile itself has no goroutine ids), the truth side the CPU charged
// while g was m.curg; exited goroutines beyond the summary's first 10000 are one bucket per
// template, and CPU with no goroutine (scheduling on g0 with no curg, threads outside Go) one
// bucket. The profile's lostProfileEvent counts as a function of its own (time the truth
// spent elsewhere). Figures are rounded to 1e-6.
// Who may touch: the report/truth owner.

import type { Profile } from '../formats/pprof.ts';
import { profileStacks } from './profile-stacks.ts';

export interface TruthFunctionError {
  name: string;
  trueNs: number;
  profiledNs: number;
  trueShare: number;
  profiledShare: number;
  /** profiledShare − trueShare: > 0 over-sampled, < 0 under-sampled. */
  shareDiff: number;
}

export interface TruthMeasures {
  /** CPU the simulator charged while the profile was on (all threads): truth.pprof's total. */
  trueCpuNs: number;
  /** cpu.pprof's total (lostProfileEvent included). */
  profiledCpuNs: number;
  tvd: { functions: number; goroutines: number; labels: number };
  worstFunction: TruthFunctionError | null;
  threads: { id: number; kind: string; name?: string; trueNs: number; profiledNs: number; ratio: number | null }[];
}

/** What the measures need of the summary (a subset of runtime/simulate.ts's Summary). */
export interface TruthSummaryInput {
  profile: { periodNs: number; delivered: number };
  threads: { id: number; kind: string; name?: string; userNs: number; sysNs: number; samples: number }[];
  goroutines: { id: number; cpuNs: number; samples: number }[];
  goroutinesFolded: { template: string; cpuNs: number; samples: number }[];
}

const r6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** ½ Σ |p_i/P − q_i/Q| over the union of keys (P or Q zero: 0 if both are, else 1). */
export function totalVariation(p: Map<string, number>, q: Map<string, number>): number {
  let P = 0;
  let Q = 0;
  for (const v of p.values()) P += v;
  for (const v of q.values()) Q += v;
  if (P <= 0 || Q <= 0) return P === Q ? 0 : 1;
  let s = 0;
  for (const [k, v] of p) s += Math.abs(v / P - (q.get(k) ?? 0) / Q);
  for (const [k, v] of q) if (!p.has(k)) s += v / Q;
  return s / 2;
}

function add(m: Map<string, number>, k: string, v: number): void {
  m.set(k, (m.get(k) ?? 0) + v);
}

/** CPU ns per leaf function and per label set of a profile. */
export function flatByFunction(p: Profile): { byFunc: Map<string, number>; byLabels: Map<string, number>; total: number } {
  const byFunc = new Map<string, number>();
  const byLabels = new Map<string, number>();
  let total = 0;
  for (const r of profileStacks(p)) {
    add(byFunc, r.funcs[0] ?? '(no frames)', r.ns);
    add(byLabels, r.labels, r.ns);
    total += r.ns;
  }
  return { byFunc, byLabels, total };
}

export function truthMeasures(cpu: Profile, truth: Profile, s: TruthSummaryInput): TruthMeasures {
  const prof = flatByFunction(cpu);
  const tru = flatByFunction(truth);
  const period = s.profile.periodNs;

  // Goroutines: the profile's samples per curg, against the CPU charged per curg.
  const gp = new Map<string, number>();
  const gt = new Map<string, number>();
  let gSamples = 0;
  let gCpu = 0;
  for (const g of s.goroutines) {
    add(gp, `G${g.id}`, g.samples * period);
    add(gt, `G${g.id}`, g.cpuNs);
    gSamples += g.samples;
    gCpu += g.cpuNs;
  }
  for (const f of s.goroutinesFolded) {
    add(gp, `folded ${f.template}`, f.samples * period);
    add(gt, `folded ${f.template}`, f.cpuNs);
    gSamples += f.samples;
    gCpu += f.cpuNs;
  }
  add(gp, 'no goroutine', Math.max(0, s.profile.delivered - gSamples) * period);
  add(gt, 'no goroutine', Math.max(0, tru.total - gCpu));

  let worst: TruthFunctionError | null = null;
  const names = new Set([...tru.byFunc.keys(), ...prof.byFunc.keys()]);
  for (const name of names) {
    const t = tru.byFunc.get(name) ?? 0;
    const p = prof.byFunc.get(name) ?? 0;
    const ts = tru.total > 0 ? t / tru.total : 0;
    const ps = prof.total > 0 ? p / prof.total : 0;
    const d = ps - ts;
    if (worst === null || Math.abs(d) > Math.abs(worst.shareDiff) || (Math.abs(d) === Math.abs(worst.shareDiff) && name < worst.name)) {
      worst = { name, trueNs: t, profiledNs: p, trueShare: ts, profiledShare: ps, shareDiff: d };
    }
  }
  if (worst) worst = { ...worst, trueShare: r6(worst.trueShare), profiledShare: r6(worst.profiledShare), shareDiff: r6(worst.shareDiff) };

  return {
    trueCpuNs: tru.total,
    profiledCpuNs: prof.total,
    tvd: { functions: r6(totalVariation(prof.byFunc, tru.byFunc)), goroutines: r6(totalVariation(gp, gt)), labels: r6(totalVariation(prof.byLabels, tru.byLabels)) },
    worstFunction: worst,
    threads: s.threads.map((t) => {
      const trueNs = t.userNs + t.sysNs;
      const profiledNs = t.samples * period;
      return { id: t.id, kind: t.kind, ...(t.name !== undefined ? { name: t.name } : {}), trueNs, profiledNs, ratio: trueNs > 0 ? r6(profiledNs / trueNs) : null };
    }),
  };
}

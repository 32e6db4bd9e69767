// The comparison of a real program with its simulation: rows of the realism table, each a
// measure read the same way from both sides (measure.ts), with the tolerance it is held to
// (programs.ts TOLERANCE) and a verdict. Rows per program:
//   CPU used (cores)                         factor
//   event types                              every real type (≥ typeMinEvents) simulated, or listed
//                                            in NOT_MODELLED
//   rate TYPE (/s)                           factor or absolute, for each type with ≥ rateMinEvents on a side
//   goroutines                               absolute difference
//   CPU samples/s per goroutine [worker=W]   factor, per busy label
//   sleeper sleep, sleeper wake→run (median) factor (wake→run: or an absolute bound)
//   GC cycles, and per 64 MiB allocated      relative
// Verdicts: 'pass', 'FAIL', or 'info' (shown, not held to a tolerance: the rate of a type that
// is not modelled yet). With several real runs of a program (a real program differs from run to
// run: table.ts runs it again while a row fails), a row passes when the simulation is within
// tolerance of any of them, and shows the real runs' range.
// Who may touch: the realism test owner.

import { median } from './measure.ts';
import { NOT_MODELLED, TOLERANCE as T, type RealismProgram } from './programs.ts';
import type { Measured } from './run.ts';

export type Verdict = 'pass' | 'FAIL' | 'info';

/** The measure a row belongs to (the test has one case per program and measure). */
export const MEASURES = ['cpu', 'types', 'rate', 'goroutines', 'samples', 'sleep', 'wake', 'gc'] as const;
export type MeasureKind = (typeof MEASURES)[number];

export interface Row {
  program: string;
  kind: MeasureKind;
  measure: string;
  real: string;
  sim: string;
  tolerance: string;
  verdict: Verdict;
  /** What a FAIL or info row is about (missing types, raw counts). */
  note?: string;
  realValue?: number;
  simValue?: number;
}

/** a and b within a factor f of each other (both 0 counts as equal). */
export function withinFactor(a: number, b: number, f: number): boolean {
  if (a === 0 && b === 0) return true;
  if (!(a > 0 && b > 0)) return false;
  return Math.max(a, b) / Math.min(a, b) <= f;
}

/** A number with 3 significant digits (integers above 100 as they are). */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return '—';
  if (Math.abs(x) >= 100) return String(Math.round(x));
  return String(Number(x.toPrecision(3)));
}

/** A duration in ns as ns, µs or ms. */
export function fmtNs(ns: number): string {
  if (!Number.isFinite(ns)) return '—';
  // The unit is chosen after rounding (999 999 ns is "1 ms", not "1000 µs").
  if (Number(fmt(ns)) < 1e3) return `${fmt(ns)} ns`;
  if (Number(fmt(ns / 1e3)) < 1e3) return `${fmt(ns / 1e3)} µs`;
  return `${fmt(ns / 1e6)} ms`;
}

const perSecond = (count: number, spanNs: number) => (spanNs > 0 ? count / (spanNs / 1e9) : 0);

/** Real event types (with enough events) that the simulation lacks. */
export function missingTypes(real: Measured, sim: Measured): string[] {
  return Object.entries(real.trace.counts)
    .filter(([type, n]) => n >= T.typeMinEvents && !(sim.trace.counts[type] > 0))
    .map(([type]) => type)
    .sort();
}

/** NOT_MODELLED types that some simulated trace has after all (the list is stale). */
export function staleNotModelled(sims: readonly Measured[]): string[] {
  return NOT_MODELLED.filter((type) => sims.some((s) => s.trace.counts[type] > 0));
}

/** The rows of a program against its real runs: per measure, the first real run it passes
 *  against (else the first run's row), with the range of the real values. */
export function compareProgram(p: RealismProgram, reals: readonly Measured[], sim: Measured): Row[] {
  const per = reals.map((real) => compareRun(p, real, sim));
  const order: string[] = [];
  for (const rows of per) for (const r of rows) if (!order.includes(r.measure)) order.push(r.measure);
  return order.map((measure) => {
    const rows = per.map((rs) => rs.find((r) => r.measure === measure)).filter((r): r is Row => r !== undefined);
    const best = rows.find((r) => r.verdict === 'pass') ?? rows.find((r) => r.verdict === 'info') ?? rows[0];
    const byValue = [...rows].sort((a, b) => (a.realValue ?? 0) - (b.realValue ?? 0));
    const lo = byValue[0].real;
    const hi = byValue[byValue.length - 1].real;
    return { ...best, real: lo === hi ? lo : `${lo}–${hi}` };
  });
}

/** The rows of one real run against the simulation. */
function compareRun(p: RealismProgram, real: Measured, sim: Measured): Row[] {
  const rows: Row[] = [];
  const row = (kind: MeasureKind, measure: string, r: number, s: number, tolerance: string, ok: boolean | null, show = fmt, note?: string) =>
    rows.push({ program: p.name, kind, measure, real: show(r), sim: show(s), tolerance, verdict: ok === null ? 'info' : ok ? 'pass' : 'FAIL', realValue: r, simValue: s, ...(note ? { note } : {}) });

  row('cpu', 'CPU used (cores)', real.cores, sim.cores, `×${T.cpuFactor}`, withinFactor(real.cores, sim.cores, T.cpuFactor));

  const missing = missingTypes(real, sim);
  const unexplained = missing.filter((t) => !NOT_MODELLED.includes(t));
  const realTypes = Object.keys(real.trace.counts).length;
  const simTypes = Object.keys(sim.trace.counts).length;
  const extra = Object.keys(sim.trace.counts).filter((t) => !(real.trace.counts[t] > 0));
  const notes = [
    unexplained.length ? `missing: ${unexplained.join(', ')}` : '',
    missing.length > unexplained.length ? `not modelled: ${missing.filter((t) => NOT_MODELLED.includes(t)).join(', ')}` : '',
    extra.length ? `only simulated: ${extra.join(', ')}` : '',
  ].filter(Boolean);
  rows.push({
    program: p.name,
    kind: 'types',
    measure: 'event types',
    real: String(realTypes),
    sim: String(simTypes),
    tolerance: `real (≥${T.typeMinEvents} events) ⊆ sim ∪ not modelled`,
    verdict: unexplained.length ? 'FAIL' : 'pass',
    ...(notes.length ? { note: notes.join('; ') } : {}),
    realValue: realTypes,
    simValue: simTypes,
  });

  const types = new Set([...Object.keys(real.trace.counts), ...Object.keys(sim.trace.counts)]);
  const rated = [...types]
    .filter((t) => Math.max(real.trace.counts[t] ?? 0, sim.trace.counts[t] ?? 0) >= T.rateMinEvents)
    .sort((a, b) => (real.trace.counts[b] ?? 0) - (real.trace.counts[a] ?? 0) || (a < b ? -1 : 1));
  for (const t of rated) {
    const r = perSecond(real.trace.counts[t] ?? 0, real.trace.spanNs);
    const s = perSecond(sim.trace.counts[t] ?? 0, sim.trace.spanNs);
    const notModelled = NOT_MODELLED.includes(t) && s === 0;
    const within = withinFactor(r, s, T.rateFactor) || Math.abs(r - s) <= T.rateAbsPerSec;
    row('rate', `rate ${t} (/s)`, r, s, `×${T.rateFactor} or ±${T.rateAbsPerSec}`, notModelled ? null : within, fmt, notModelled ? 'not modelled' : undefined);
  }

  row('goroutines', 'goroutines', real.trace.goroutines, sim.trace.goroutines, `±${T.goroutines}`, Math.abs(real.trace.goroutines - sim.trace.goroutines) <= T.goroutines);

  for (const b of p.busy) {
    const key = `worker=${b.worker}`;
    // Per second of trace: the goroutines run only while tracing, and a real profile's duration
    // also counts its writer's last wait after sampling stopped (~100ms).
    const rate = (m: Measured) => perSecond(m.profile.samplesByLabel[key] ?? 0, m.trace.spanNs) / b.goroutines;
    const r = rate(real);
    const s = rate(sim);
    row('samples', `CPU samples/s per goroutine [${key}]`, r, s, `×${T.samplesFactor}`, withinFactor(r, s, T.samplesFactor));
  }

  if (p.sleeper) {
    const rs = real.trace.sleeps[p.sleeper];
    const ss = sim.trace.sleeps[p.sleeper];
    const rSlept = median(rs.sleptNs);
    const sSlept = median(ss.sleptNs);
    row('sleep', 'sleeper sleep, median', rSlept, sSlept, `×${T.sleepFactor}`, withinFactor(rSlept, sSlept, T.sleepFactor), fmtNs, `sleeps: real ${rs.count}, sim ${ss.count}`);
    const rWake = median(rs.wakeToRunNs);
    const sWake = median(ss.wakeToRunNs);
    const ok = Number.isFinite(rWake) && Number.isFinite(sWake) && (withinFactor(rWake, sWake, T.wakeFactor) || Math.abs(rWake - sWake) <= T.wakeAbsNs);
    row('wake', 'sleeper wake→run, median', rWake, sWake, `×${T.wakeFactor} or ±${fmtNs(T.wakeAbsNs)}`, ok, fmtNs);
  }

  if (p.allocates) {
    const within = (r: number, s: number) => Number.isFinite(r) && Number.isFinite(s) && r > 0 && Math.abs(s - r) <= T.gcRelative * r;
    const mib = (m: Measured) => m.trace.allocatedBytes / 2 ** 20;
    const rate = `allocated: real ${fmt(mib(real) / (real.trace.spanNs / 1e9))} MiB/s, sim ${fmt(mib(sim) / (sim.trace.spanNs / 1e9))} MiB/s`;
    row('gc', 'GC cycles', real.trace.gcs, sim.trace.gcs, `±${T.gcRelative * 100}%`, within(real.trace.gcs, sim.trace.gcs), fmt, rate);
    const per = (m: Measured) => (mib(m) > 0 ? (m.trace.gcs * 64) / mib(m) : NaN);
    row('gc', 'GC cycles per 64 MiB allocated', per(real), per(sim), `±${T.gcRelative * 100}%`, within(per(real), per(sim)));
  }
  return rows;
}

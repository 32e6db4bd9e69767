// The run report's profile views, from cpu.pprof and truth.pprof: three flame graphs (the
// profile, the truth, and their difference) and the top-functions table, flat and cumulative,
// sampled against true.
//   - Trees are root → leaf with inclusive values in ns (d3-flame-graph's input, selfValue
//     off). One merged tree keeps both figures per node: p (profile ns) and t (truth ns).
//   - The diff tree compares shares: the profile is scaled to the truth's total (p̂ = p·T/P) so
//     that the overall magnitude error does not colour every frame; width = (t + p̂)/2, which
//     stays additive, so a frame only one side has is still visible; delta = p̂ − t (> 0: the
//     profile over-samples it).
//   - top: every function by true flat time (then profiled flat), at most TOP_MAX.
// Browser-safe (the examples page draws the same views).
// Who may touch: the report owner.

import type { Profile } from '../formats/pprof.ts';
import { profileStacks, type StackRow } from '../runtime/profile-stacks.ts';

export const TOP_MAX = 200;

export interface FlameNode {
  name: string;
  value: number;
  children?: FlameNode[];
  /** diff only: p̂ − t (ns). */
  delta?: number;
  /** Profile and truth ns of the frame (diff only). */
  p?: number;
  t?: number;
}

export interface TopFunction {
  name: string;
  /** Profile flat and cumulative ns, truth flat and cumulative ns. */
  flatP: number;
  cumP: number;
  flatT: number;
  cumT: number;
}

export interface ProfileView {
  profiledNs: number;
  trueNs: number | null;
  flame: { profile: FlameNode; truth: FlameNode | null; diff: FlameNode | null };
  top: TopFunction[];
  /** Functions in all (the table may show fewer). */
  functions: number;
}

interface Both {
  name: string;
  p: number;
  t: number;
  kids: Map<string, Both>;
}

function insert(root: Both, rows: StackRow[], side: 'p' | 't'): void {
  for (const r of rows) {
    root[side] += r.ns;
    let n = root;
    for (let i = r.funcs.length - 1; i >= 0; i--) {
      const f = r.funcs[i];
      let k = n.kids.get(f);
      if (k === undefined) n.kids.set(f, (k = { name: f, p: 0, t: 0, kids: new Map() }));
      k[side] += r.ns;
      n = k;
    }
  }
}

function tree(n: Both, value: (b: Both) => number, extra?: (b: Both) => Partial<FlameNode>): FlameNode | null {
  const v = value(n);
  if (!(v > 0)) return null;
  const kids = [...n.kids.values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((k) => tree(k, value, extra))
    .filter((k): k is FlameNode => k !== null);
  return { name: n.name, value: v, ...(extra ? extra(n) : {}), ...(kids.length ? { children: kids } : {}) };
}

function flatCum(rows: StackRow[], flat: Map<string, number>, cum: Map<string, number>): void {
  for (const r of rows) {
    if (r.funcs.length) flat.set(r.funcs[0], (flat.get(r.funcs[0]) ?? 0) + r.ns);
    for (const f of new Set(r.funcs)) cum.set(f, (cum.get(f) ?? 0) + r.ns);
  }
}

export function profileView(cpu: Profile, truth: Profile | null): ProfileView {
  const pr = profileStacks(cpu);
  const tr = truth ? profileStacks(truth) : [];
  const root: Both = { name: 'all', p: 0, t: 0, kids: new Map() };
  insert(root, pr, 'p');
  insert(root, tr, 't');
  const P = root.p;
  const T = root.t;
  const scale = P > 0 ? T / P : 0;
  const empty: FlameNode = { name: 'all', value: 0 };
  const flame = {
    profile: tree(root, (b) => b.p) ?? empty,
    truth: truth ? (tree(root, (b) => b.t) ?? empty) : null,
    diff: truth && P > 0 && T > 0 ? tree(root, (b) => (b.t + b.p * scale) / 2, (b) => ({ delta: b.p * scale - b.t, p: b.p, t: b.t })) : null,
  };
  const fp = new Map<string, number>();
  const cp = new Map<string, number>();
  const ft = new Map<string, number>();
  const ct = new Map<string, number>();
  flatCum(pr, fp, cp);
  flatCum(tr, ft, ct);
  const names = [...new Set([...cp.keys(), ...ct.keys()])];
  const top = names
    .map((name) => ({ name, flatP: fp.get(name) ?? 0, cumP: cp.get(name) ?? 0, flatT: ft.get(name) ?? 0, cumT: ct.get(name) ?? 0 }))
    .sort((a, b) => b.flatT - a.flatT || b.flatP - a.flatP || b.cumT - a.cumT || (a.name < b.name ? -1 : 1))
    .slice(0, TOP_MAX);
  return { profiledNs: P, trueNs: truth ? T : null, flame, top, functions: names.length };
}

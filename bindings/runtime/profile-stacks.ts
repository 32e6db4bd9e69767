// profileStacks: a CPU Profile (pprof-format) as flat rows the error measures and the report
// use: per Sample, its function names leaf first (one per Location line, inlined frames
// included), its label set as one string, and its CPU ns (the "cpu" sample type's value; the
// last value when no sample type is named cpu). Pure; reads only the Profile.
// Who may touch: the report/truth owner.

import type { Profile } from '../formats/pprof.ts';

export interface StackRow {
  /** Function names, leaf first. */
  funcs: string[];
  /** Labels as "k=v,k2=v2" (keys sorted), "" for none. */
  labels: string;
  ns: number;
}

const num = (x: unknown): number => (typeof x === 'bigint' ? Number(x) : Number(x ?? 0));

export function profileStacks(p: Profile): StackRow[] {
  const str = p.stringTable.strings;
  const at = (i: unknown) => str[num(i)] ?? '';
  let vi = p.sampleType.findIndex((t) => at(t.type) === 'cpu');
  if (vi < 0) vi = Math.max(0, p.sampleType.length - 1);
  const funcName = new Map<number, string>();
  for (const f of p.function) funcName.set(num(f.id), at(f.name));
  const locFuncs = new Map<number, string[]>();
  for (const l of p.location) {
    // Lines are innermost first, as the locations of a sample are leaf first.
    // A loop, not map(): optimized map() returns holey arrays, a second map for readers.
    const names: string[] = [];
    for (const ln of l.line) names.push(funcName.get(num(ln.functionId)) ?? '?');
    locFuncs.set(num(l.id), names.length ? names : [`0x${num(l.address).toString(16)}`]);
  }
  return p.sample.map((s) => {
    const funcs: string[] = [];
    for (const id of s.locationId) funcs.push(...(locFuncs.get(num(id)) ?? ['?']));
    const pairs: string[] = []; // a loop: see names above
    for (const l of s.label) if (num(l.str) !== 0) pairs.push(`${at(l.key)}=${at(l.str)}`);
    const labels = pairs
      .sort()
      .join(',');
    return { funcs, labels, ns: num(s.value[vi]) };
  });
}

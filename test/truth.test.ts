// truth.pprof, the ground truth beside cpu.pprof, and summary.json's error measures:
//   - the truth charges exactly the OS CPU time, per thread and in total; every stack and label
//     set the profile sampled is in it, with the same functions, locations and mapping;
//   - g0 work is charged under the labels of m.curg, cgo threads as runtime._ExternalCode;
//   - the measures equal what we compute by hand from the two pprof files;
//   - real `go tool pprof` (1.19, 1.23) reads both: -raw totals agree within one period per
//     thread (per-thread timers), labels survive, -diff_base truth.pprof cpu.pprof runs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToDir } from '../bindings/app/run.ts';
import { decodeProfile, type Profile } from '../bindings/formats/pprof.ts';
import { simulate, type SimResult } from '../bindings/runtime/simulate.ts';
import { totalVariation } from '../bindings/runtime/truth-measures.ts';
import type { Scenario } from '../bindings/scenario/scenario.ts';
import { describeWithGo, goPprofRaw } from './oracle/go.ts';

const f = (func: string, line: number) => ({ func, file: '/app/main.go', line });
/** Two Ps; a labelled spinner, a yielder (g0 work on its behalf), an allocator (GC assists,
 *  mark workers, stop-the-world), a short syscall reader, and one cgo thread. */
const SMALL: Scenario = {
  name: 'truth-small',
  go: '1.23',
  seed: 7,
  duration: '400ms',
  gomaxprocs: 2,
  profile: { hz: 100 },
  goroutines: [
    { name: 'spin', labels: { worker: 'spin' }, program: [{ loop: [{ compute: [f('main.spin', 10), f('main.spinner', 20)], for: '3ms' }] }] },
    { name: 'yield', labels: { worker: 'yield', shard: '1' }, program: [{ loop: [{ compute: [f('main.step', 30)], for: '30us' }, { gosched: true }] }] },
    { name: 'alloc', labels: { worker: 'alloc' }, program: [{ loop: [{ compute: [f('main.build', 40)], for: '50us' }, { alloc: '64KiB' }] }] },
    { name: 'read', labels: { worker: 'io' }, program: [{ loop: [{ syscall: [f('main.read', 50)], cpu: '8us', block: '200us' }] }] },
  ],
  gc: { trigger: '2MiB' },
  threads: [{ name: 'C.work', busy: 0.5 }],
};

const num = (x: unknown) => Number(x);
/** Per sample of a profile: function names leaf first, labels "k=v" sorted, cpu ns. */
function rows(p: Profile) {
  const s = p.stringTable.strings;
  const fn = new Map(p.function.map((x) => [num(x.id), s[num(x.name)]]));
  const loc = new Map(p.location.map((l) => [num(l.id), fn.get(num(l.line[0].functionId))!]));
  return p.sample.map((x) => ({
    funcs: x.locationId.map((id) => loc.get(num(id))!),
    labels: x.label.map((l) => `${s[num(l.key)]}=${s[num(l.str)]}`).sort().join(','),
    ns: num(x.value[1]),
    count: num(x.value[0]),
  }));
}
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const r6 = (x: number) => Math.round(x * 1e6) / 1e6;

let r: SimResult;
let cpu: Profile;
let truth: Profile;
beforeAll(() => {
  r = simulate(SMALL);
  cpu = decodeProfile(r.pprof);
  truth = decodeProfile(r.truthPprof);
});

describe('truth.pprof', () => {
  it('charges exactly the OS CPU time, per thread and in total', () => {
    const s = r.summary;
    const total = sum(rows(truth).map((x) => x.ns));
    expect(total).toBe(s.profile.osCpuNs.total);
    expect(s.truth!.trueCpuNs).toBe(total);
    for (const t of s.truth!.threads) {
      const th = s.threads.find((x) => x.id === t.id)!;
      expect(t.trueNs).toBe(th.userNs + th.sysNs);
    }
    // The cgo thread: all of its CPU, under its own frame and runtime._ExternalCode, no labels.
    const cgo = s.threads.find((t) => t.kind === 'cgo')!;
    const ext = rows(truth).filter((x) => x.funcs[x.funcs.length - 1] === 'runtime._ExternalCode');
    expect(ext.map((x) => [x.funcs, x.labels])).toEqual([[['C.work', 'runtime._ExternalCode'], '']]);
    expect(ext[0].ns).toBe(cgo.userNs + cgo.sysNs);
    expect(ext[0].ns).toBeGreaterThan(0);
  });

  it('has every stack and label set the profile sampled, and charges g0 work to curg', () => {
    const key = (x: { funcs: string[]; labels: string }) => `${x.funcs.join(';')}|${x.labels}`;
    const t = new Map(rows(truth).map((x) => [key(x), x.ns]));
    const sampled = rows(cpu).filter((x) => x.funcs[0] !== 'runtime/pprof.lostProfileEvent');
    expect(sampled.length).toBeGreaterThanOrEqual(5);
    for (const x of sampled) expect(t.get(key(x)), key(x)).toBeGreaterThan(0);
    // g0 work on behalf of a goroutine carries its labels: gosched_m for the yielder, GC
    // assists and the stop-the-world on the systemstack for the allocator (gcStart's, and
    // gcMarkDone's when its assist finds the mark work done with no worker running).
    // (The runtime's own goroutines yield too, without labels.)
    const gosched = rows(truth).filter((x) => x.funcs.includes('runtime.gosched_m'));
    expect(gosched.map((x) => x.labels)).toContain('shard=1,worker=yield');
    for (const x of gosched) expect(['shard=1,worker=yield', '']).toContain(x.labels);
    const onBehalf = rows(truth).filter((x) => x.funcs.includes('runtime.systemstack_switch') && x.funcs.includes('main.build'));
    expect(onBehalf.map((x) => x.funcs[1]).sort()).toEqual(['runtime.gcDrainN', 'runtime.gcMarkDone', 'runtime.gcStart']);
    for (const x of onBehalf) expect(x.labels).toBe('worker=alloc');
    // Scheduling with no curg: no labels.
    for (const x of rows(truth).filter((x) => x.funcs[0] === 'runtime.schedule' || x.funcs[0] === 'runtime.stealWork')) expect(x.labels).toBe('');
    // The samples column: the samples a perfect profiler would take, rounded.
    for (const x of rows(truth)) expect(x.count).toBe(Math.round(x.ns / 1e7));
  });

  it('the same functions, locations, mapping file and period as cpu.pprof', () => {
    const s = (p: Profile, i: unknown) => p.stringTable.strings[num(i)];
    const locs = (p: Profile) => {
      const fns = new Map(p.function.map((x) => [num(x.id), `${s(p, x.name)} ${s(p, x.filename)}`]));
      return new Map(p.location.map((l) => [num(l.address), `${fns.get(num(l.line[0].functionId))}:${num(l.line[0].line)}`]));
    };
    const tl = locs(truth);
    for (const [addr, what] of locs(cpu)) if (!what.startsWith('runtime/pprof.lostProfileEvent')) expect(tl.get(addr), `0x${addr.toString(16)}`).toBe(what);
    expect(num(truth.period)).toBe(num(cpu.period));
    expect(truth.sampleType.map((t) => [s(truth, t.type), s(truth, t.unit)])).toEqual(cpu.sampleType.map((t) => [s(cpu, t.type), s(cpu, t.unit)]));
    expect(num(truth.timeNanos)).toBe(num(cpu.timeNanos));
    expect(num(truth.durationNanos)).toBe(num(cpu.durationNanos));
    const [mt, mc] = [truth.mapping[0], cpu.mapping[0]];
    expect([s(truth, mt.filename), s(truth, mt.buildId), num(mt.memoryStart), mt.hasFunctions]).toEqual([s(cpu, mc.filename), s(cpu, mc.buildId), num(mc.memoryStart), mc.hasFunctions]);
    expect(num(mt.memoryLimit)).toBeGreaterThanOrEqual(num(mc.memoryLimit));
  });

  it('is deterministic', () => {
    expect(simulate(SMALL).truthPprof).toEqual(r.truthPprof);
  });
});

describe('summary.truth: the error measures, as computed by hand from the pprof files', () => {
  it('total variation distance: ½ Σ |p_i − q_i| over shares', () => {
    const m = (o: Record<string, number>) => new Map(Object.entries(o));
    expect(totalVariation(m({ a: 3, b: 1 }), m({ a: 1, b: 1, c: 2 }))).toBe(0.5);
    expect(totalVariation(m({ a: 5 }), m({ a: 2 }))).toBe(0);
    expect(totalVariation(m({ a: 1 }), m({ b: 1 }))).toBe(1);
    expect(totalVariation(m({}), m({}))).toBe(0);
  });

  it('over functions and labels, the worst function, per goroutine and per thread', () => {
    const s = r.summary;
    const flat = (p: Profile, by: (x: ReturnType<typeof rows>[number]) => string) => {
      const out = new Map<string, number>();
      for (const x of rows(p)) out.set(by(x), (out.get(by(x)) ?? 0) + x.ns);
      return out;
    };
    const tvd = (a: Map<string, number>, b: Map<string, number>) => {
      const A = sum([...a.values()]);
      const B = sum([...b.values()]);
      const keys = new Set([...a.keys(), ...b.keys()]);
      return sum([...keys].map((k) => Math.abs((a.get(k) ?? 0) / A - (b.get(k) ?? 0) / B))) / 2;
    };
    const pf = flat(cpu, (x) => x.funcs[0]);
    const tf = flat(truth, (x) => x.funcs[0]);
    expect(s.truth!.tvd.functions).toBe(r6(tvd(pf, tf)));
    expect(s.truth!.tvd.labels).toBe(r6(tvd(flat(cpu, (x) => x.labels), flat(truth, (x) => x.labels))));
    expect(s.truth!.tvd.functions).toBeGreaterThan(0);
    expect(s.truth!.profiledCpuNs).toBe(sum([...pf.values()]));

    const P = sum([...pf.values()]);
    const T = sum([...tf.values()]);
    const diffs = [...new Set([...pf.keys(), ...tf.keys()])].map((k) => ({ k, d: (pf.get(k) ?? 0) / P - (tf.get(k) ?? 0) / T }));
    const worst = diffs.sort((a, b) => Math.abs(b.d) - Math.abs(a.d) || (a.k < b.k ? -1 : 1))[0];
    expect(s.truth!.worstFunction).toEqual({ name: worst.k, trueNs: tf.get(worst.k) ?? 0, profiledNs: pf.get(worst.k) ?? 0, trueShare: r6((tf.get(worst.k) ?? 0) / T), profiledShare: r6((pf.get(worst.k) ?? 0) / P), shareDiff: r6(worst.d) });

    // Goroutines: samples while curg against CPU while curg; the rest is "no goroutine".
    const period = s.profile.periodNs;
    const gp = new Map(s.goroutines.map((g) => [`G${g.id}`, g.samples * period]));
    const gt = new Map(s.goroutines.map((g) => [`G${g.id}`, g.cpuNs]));
    expect(s.goroutinesFolded).toEqual([]);
    gp.set('none', (s.profile.delivered - sum(s.goroutines.map((g) => g.samples))) * period);
    gt.set('none', s.profile.osCpuNs.total - sum(s.goroutines.map((g) => g.cpuNs)));
    expect(gt.get('none')).toBeGreaterThan(0);
    expect(s.truth!.tvd.goroutines).toBe(r6(tvd(gp, gt)));

    expect(s.truth!.threads).toEqual(s.threads.map((t) => ({ id: t.id, kind: t.kind, ...(t.name ? { name: t.name } : {}), trueNs: t.userNs + t.sysNs, profiledNs: t.samples * period, ratio: t.userNs + t.sysNs > 0 ? r6((t.samples * period) / (t.userNs + t.sysNs)) : null })));
  });

  it('setitimer on 4 busy threads (Go 1.17): the profile is attenuated, the shares barely', () => {
    const spin = [f('main.spin', 10)];
    const sc: Scenario = { name: 'att', go: '1.17', duration: '1s', gomaxprocs: 4, goroutines: [{ name: 's', count: 4, program: [{ loop: [{ compute: spin, for: '5ms' }] }] }] };
    const t = simulate(sc).summary.truth!;
    // ≈ (250 ticks/s ÷ 100 Hz) / 4 threads of the true CPU is profiled.
    expect(t.profiledCpuNs / t.trueCpuNs).toBeGreaterThan(0.5);
    expect(t.profiledCpuNs / t.trueCpuNs).toBeLessThan(0.75);
    expect(t.worstFunction!.name).toBe('main.spin');
    expect(t.tvd.functions).toBeLessThan(0.05);
  });
});

/** `-raw` output: per sample [count, ns, labels] and the label sets. */
function parseRaw(out: string) {
  const lines = out.split('\n');
  const i = lines.findIndex((l) => l.trim() === 'samples/count cpu/nanoseconds');
  const end = lines.findIndex((l) => l.startsWith('Locations'));
  const samples: { count: number; ns: number; labels: string }[] = [];
  for (const l of lines.slice(i + 1, end)) {
    const m = /^\s+(\d+)\s+(\d+):/.exec(l);
    if (m) samples.push({ count: Number(m[1]), ns: Number(m[2]), labels: '' });
    else if (l.trim() && samples.length) samples[samples.length - 1].labels = l.trim();
  }
  return samples;
}

for (const release of ['1.19', '1.23'] as const) {
  describeWithGo(release, `go tool pprof ${release} reads truth.pprof beside cpu.pprof`, (tc) => {
    let dir = '';
    let res: SimResult;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'gts-truth-'));
      // Per-thread timers, no cgo thread: each M's samples are its CPU time in whole periods.
      res = await runToDir({ outDir: join(dir, 'run'), overrides: { go: release, duration: '1s' } });
    }, 60_000);
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('-raw: totals within one period per thread, the same label sets', () => {
      const t = goPprofRaw(tc, join(dir, 'run', 'truth.pprof'));
      const c = goPprofRaw(tc, join(dir, 'run', 'cpu.pprof'));
      expect(t.error).toBe('');
      expect(c.error).toBe('');
      const ts = parseRaw(t.out);
      const cs = parseRaw(c.out);
      const s = res.summary;
      expect(ts.length).toBe(decodeProfile(res.truthPprof).sample.length);
      expect(sum(ts.map((x) => x.ns))).toBe(s.profile.osCpuNs.total);
      expect(sum(cs.map((x) => x.ns))).toBe(s.profile.delivered * s.profile.periodNs);
      // A per-thread timer fires once per period of its thread's CPU: each M's samples differ
      // from its CPU by less than one period, so the totals by less than one period per M.
      const period = s.profile.periodNs;
      for (const th of s.truth!.threads) expect(Math.abs(th.profiledNs - th.trueNs), `M${th.id}`).toBeLessThan(period);
      expect(Math.abs(sum(cs.map((x) => x.ns)) - sum(ts.map((x) => x.ns)))).toBeLessThan(period * s.threads.length);
      const labelSets = (xs: { labels: string }[]) => [...new Set(xs.map((x) => x.labels))].sort();
      expect(labelSets(cs).every((l) => labelSets(ts).includes(l))).toBe(true);
      expect(labelSets(ts)).toContain('worker:[hash]');
    });

    it('-diff_base truth.pprof cpu.pprof runs and shows the difference', () => {
      const p = spawnSync(tc.go, ['tool', 'pprof', '-top', '-diff_base', join(dir, 'run', 'truth.pprof'), join(dir, 'run', 'cpu.pprof')], { encoding: 'utf8', env: tc.env });
      expect(p.stderr).not.toMatch(/error|failed/i);
      expect(p.status).toBe(0);
      expect(p.stdout).toMatch(/flat\s+flat%\s+sum%\s+cum\s+cum%/);
      expect(p.stdout).toMatch(/-?\d+(\.\d+)?(s|ms|us)\s.*main\./);
    });
  });
}

describe('run writes truth.pprof', () => {
  it('beside cpu.pprof, byte-identical to the API', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gts-truth-run-'));
    try {
      const res = await runToDir({ outDir: join(dir, 'o'), overrides: { duration: '200ms' } });
      expect(new Uint8Array(readFileSync(join(dir, 'o', 'truth.pprof')))).toEqual(res.truthPprof);
      expect(JSON.parse(readFileSync(join(dir, 'o', 'summary.json'), 'utf8')).truth).toEqual(res.summary.truth);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

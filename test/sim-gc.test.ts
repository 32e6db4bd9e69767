// The GC as the runtime runs it (issue 12): the background mark workers mgcpacer.go asks for on
// each GOMAXPROCS, mark termination's events in gcMarkTermination's order, assists that park
// for want of work, the runtime goroutines StartTrace finds parked, bgsweep's sweeps (no range
// of its own), and traceAdvance on the advancer goroutine's thread. Each is read back from the
// simulated trace with our readers and, when Go is installed, with Go's tools and from the
// traces of a real program of the same shape (test/go/gcworkers: one goroutine allocating,
// every other P idle).
// Who may touch: the simulator's owner (bindings/sim, bindings/scenario).

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { simulate } from '../bindings/runtime/simulate.ts';
import { markWorkerSplit } from '../bindings/sim/gcworkers.ts';
import { readV2Sync, validateV2 } from '../bindings/formats/v2/index.ts';
import { forEachEventV1, parseV1, validateV1 } from '../bindings/formats/v1/index.ts';
import type { TraceEvent } from '../bindings/formats/event.ts';
import type { Scenario } from '../bindings/scenario/scenario.ts';
import { describeWithGo, goBuild, goTraceDumpLines, goValidate, scratchDirFor, scratchFile, type Toolchain } from './oracle/go.ts';

/** test/go/gcworkers's program: one goroutine allocating 8 KiB objects without pause. */
const alloc = (gomaxprocs: number, duration = '150ms'): Scenario => ({
  gomaxprocs,
  duration,
  goroutines: [{ name: 'alloc', program: [{ loop: [{ compute: [{ func: 'main.main.func1', file: '/app/main.go', line: 36 }], for: '2us' }, { alloc: '8KiB' }] }] }],
  gc: { trigger: '4MiB' },
});

const GO_PROGRAM_DIR = fileURLToPath(new URL('./go/gcworkers', import.meta.url));

/** Every event of a trace (a go1.19 one when go is '1.19') as our readers give them, in order,
 *  and bgsweep's goroutine (v1: created in runtime.bgsweep; v2: waiting as the sweeper). */
function read(trace: Uint8Array, go: '1.19' | '1.23'): { evs: TraceEvent[]; bgsweep: number } {
  if (go === '1.19') {
    const t = parseV1(trace);
    const evs: TraceEvent[] = [];
    forEachEventV1(t, (e) => evs.push(e));
    const create = evs.find((e) => e.name === 'GoCreate' && t.stacks.get(e.args.stack)?.[0]?.func === 'runtime.bgsweep');
    return { evs, bgsweep: create?.args.g ?? -1 };
  }
  const r = readV2Sync(trace);
  if (r.error) throw r.error;
  const block = r.events.find((e) => e.name === 'GoBlock' && e.strings?.reason_string === 'GC background sweeper wait');
  return { evs: r.events, bgsweep: block?.g ?? -1 };
}

const events = (trace: Uint8Array, go: '1.19' | '1.23') => read(trace, go).evs;

function simTrace(sc: Scenario, go: '1.19' | '1.23'): Uint8Array {
  return simulate(sc, { overrides: { go }, trace: true }).trace!;
}

// ---- mark workers ------------------------------------------------------------------------------

/** Per GC cycle: the dedicated workers started before the first of them stopped (a worker that
 *  finds no work left at the end frees its slot for another), and whether a fractional one ran. */
function workerCycles(evs: TraceEvent[]): { dedicated: number; fractional: boolean }[] {
  const out: { dedicated: number; fractional: boolean }[] = [];
  let cur: { ded: Set<number>; closed: boolean; fractional: boolean } | null = null;
  const stops = new Set(['GoBlock', 'GoStop', 'GoDestroy', 'GoSched', 'GoPreempt', 'GoSleep', 'GoBlockSync', 'GoBlockGC', 'GoEnd']);
  for (const e of evs) {
    if (e.name === 'GCBegin' || e.name === 'GCStart') cur = { ded: new Set(), closed: false, fractional: false };
    else if ((e.name === 'GCEnd' || e.name === 'GCDone') && cur) {
      out.push({ dedicated: cur.ded.size, fractional: cur.fractional });
      cur = null;
    } else if (cur && (e.name === 'GoLabel' || e.name === 'GoStartLabel')) {
      const label = e.strings?.label_string ?? e.strings?.label;
      if (label === 'GC (dedicated)' && !cur.closed) cur.ded.add(e.g);
      if (label === 'GC (fractional)') cur.fractional = true;
    } else if (cur && stops.has(e.name) && cur.ded.has(e.g)) cur.closed = true;
  }
  return out;
}

const mode = (xs: number[]) => [...new Set(xs)].sort((a, b) => xs.filter((x) => x === b).length - xs.filter((x) => x === a).length)[0];

describe('mark workers: mgcpacer.go startCycle on each GOMAXPROCS', () => {
  it('the split of 25% of GOMAXPROCS: int(0.25·P + 0.5) dedicated, one fewer and a fractional worker when 30% off', () => {
    const split = [1, 2, 3, 4, 5, 6, 8, 16].map((p) => [p, markWorkerSplit(p, 0.25).dedicated, markWorkerSplit(p, 0.25).fractionalGoal]);
    expect(split).toEqual([
      [1, 0, 0.25],
      [2, 0, 0.25],
      [3, 0, 0.25],
      [4, 1, 0],
      [5, 1, 0],
      [6, 1, 0.5 / 6],
      [8, 2, 0],
      [16, 4, 0],
    ]);
    expect(markWorkerSplit(4, 0)).toEqual({ dedicated: 0, fractionalGoal: 0 });
    expect(markWorkerSplit(4, 0.5)).toEqual({ dedicated: 2, fractionalGoal: 0 });
  });

  for (const procs of [1, 2, 3, 4, 8, 16]) {
    it(`GOMAXPROCS=${procs}: every cycle runs exactly the dedicated workers of the split; fractional ones iff it has a fractional goal`, () => {
      const { dedicated, fractionalGoal } = markWorkerSplit(procs, 0.25);
      const evs = events(simTrace(alloc(procs), '1.23'), '1.23');
      const cycles = workerCycles(evs);
      expect(cycles.length).toBeGreaterThan(20);
      expect(new Set(cycles.map((c) => c.dedicated))).toEqual(new Set([dedicated]));
      // On one P the allocator never yields: a fractional worker runs only when the P schedules.
      if (procs > 1) expect(new Set(cycles.map((c) => c.fractional))).toEqual(new Set([fractionalGoal > 0]));
      // Idle workers fill the idle Ps, never more at once than GOMAXPROCS − dedicated: at least
      // all the Ps the allocator and the dedicated workers leave (one more while the allocator
      // waits in an assist, which the workers' scan credit makes rare).
      const idle = new Set<number>();
      let most = 0;
      for (const e of evs) {
        if (e.name === 'GoLabel' && e.strings?.label_string === 'GC (idle)') most = Math.max(most, idle.add(e.g).size);
        else if (e.name === 'GoBlock' || e.name === 'GoStop') idle.delete(e.g);
      }
      expect(most).toBeLessThanOrEqual(procs - dedicated);
      expect(most).toBeGreaterThanOrEqual(procs - dedicated - 1);
    });
  }

  it('gc.workers 0: no mark worker at all; the allocating goroutine finishes each mark, never parks', () => {
    const r = simulate({ ...alloc(4), gc: { trigger: '4MiB', workers: 0 } }, { overrides: { go: '1.19' }, trace: true });
    const n = r.summary.trace!.events;
    expect([n.GoStartLabel ?? 0, n.GoBlockGC ?? 0]).toEqual([0, 0]);
    expect(n.GCDone).toBeGreaterThan(20);
  });
});

// ---- mark termination --------------------------------------------------------------------------

/** bgsweep's goroutine in the simulation (runtime.main's gcenable creates it third). */
const BGSWEEP = 3;

/** At each mark termination, the initiator's events among bgsweep's wakeup, GC end, heap goal,
 *  GOMAXPROCS and the end of the stop, in order (v1: on the stopping P; v2: on its thread). */
function markTerminations({ evs, bgsweep }: { evs: TraceEvent[]; bgsweep: number }): string[][] {
  const out: string[][] = [];
  let on: number | null = null;
  let cur: string[] = [];
  for (const e of evs) {
    const v2 = e.gen > 0;
    const where = v2 ? e.m : e.p;
    if (on === null) {
      const kind = e.strings?.kind_string ?? e.strings?.kind;
      if ((e.name === 'STWBegin' || e.name === 'GCSTWStart') && /mark termination/.test(kind ?? '')) [on, cur] = [where, []];
      continue;
    }
    if (where !== on) continue;
    if (e.name === 'GoUnblock' && e.args.g === bgsweep) cur.push('bgsweep');
    else if (['GCEnd', 'GCDone', 'HeapGoal', 'ProcsChange', 'Gomaxprocs'].includes(e.name)) cur.push(e.name);
    else if (e.name === 'STWEnd' || e.name === 'GCSTWDone') {
      out.push([...cur, e.name]);
      on = null;
    }
  }
  return out;
}

const ORDER = { '1.19': ['bgsweep', 'GCDone', 'HeapGoal', 'Gomaxprocs', 'GCSTWDone'], '1.23': ['bgsweep', 'GCEnd', 'HeapGoal', 'ProcsChange', 'STWEnd'] };

/** The order must be the runtime's, bgsweep's wakeup aside when it was still sweeping. */
function expectOrder(stops: string[][], go: '1.19' | '1.23'): void {
  expect(stops.length).toBeGreaterThan(5);
  for (const s of stops) expect(s[0] === 'bgsweep' ? s : ['bgsweep', ...s]).toEqual(ORDER[go]);
  expect(stops.filter((s) => s[0] === 'bgsweep').length).toBeGreaterThan(stops.length / 2);
}

describe('mark termination: bgsweep readied, GC done, heap goal, GOMAXPROCS, then the world restarts', () => {
  for (const go of ['1.19', '1.23'] as const) {
    it(`Go ${go}: gcMarkTermination's order, then startTheWorldWithSema's`, () => {
      const r = read(simTrace(alloc(4, '100ms'), go), go);
      expect(r.bgsweep).toBe(BGSWEEP);
      expectOrder(markTerminations(r), go);
    });
  }
});

// ---- assists that park -----------------------------------------------------------------------

describe('mark assists park when the mark work runs out (gcParkAssist)', () => {
  for (const go of ['1.19', '1.23'] as const) {
    it(`Go ${go}: GoBlockGC / "GC mark assist wait for work" inside the assist, woken by a worker or mark termination, then the assist ends`, () => {
      // Assists that outrun the workers' scan credit (5× the default assist work per KiB), so
      // that some are still working when the mark work runs out.
      const trace = simTrace({ ...alloc(2, '300ms'), gc: { trigger: '4MiB', assistNsPerKiB: 1000 } }, go);
      expect(go === '1.19' ? validateV1(trace) : validateV2(trace)).toBeNull();
      const evs = events(trace, go);
      const inAssist = new Set<number>();
      const parked = new Map<number, 'parked' | 'woken' | 'running'>();
      let parks = 0;
      for (const e of evs) {
        const g = e.name === 'GoUnblock' || e.name === 'GoStart' ? e.args.g : e.g;
        if (e.name === 'GCMarkAssistStart' || e.name === 'GCMarkAssistBegin') inAssist.add(g);
        else if (e.name === 'GoBlockGC' || (e.name === 'GoBlock' && e.strings?.reason_string === 'GC mark assist wait for work')) {
          expect(inAssist.has(g)).toBe(true);
          parked.set(g, 'parked');
          parks++;
        } else if (parked.has(g)) {
          // Woken (GoUnblock), started, and the first thing it does is end its assist.
          const want = { parked: 'GoUnblock', woken: 'GoStart', running: e.gen > 0 ? 'GCMarkAssistEnd' : 'GCMarkAssistDone' }[parked.get(g)!];
          if (e.name === 'GoStatus') continue;
          expect(e.name).toBe(want);
          if (want === 'GoUnblock') parked.set(g, 'woken');
          else if (want === 'GoStart') parked.set(g, 'running');
          else parked.delete(g);
        }
        if (e.name === 'GCMarkAssistDone' || e.name === 'GCMarkAssistEnd') inAssist.delete(e.g);
      }
      expect(parks).toBeGreaterThan(10);
    });
  }
});

// ---- runtime goroutines, bgsweep, the advancer --------------------------------------------------

/** The goroutines alive when the trace started, main aside, and those of them parked. v1:
 *  StartTrace's GoCreate (before anything runs) and GoWaiting; v2: their status in the first
 *  generation (GoStatus when first touched, GoStatusStack at its end). */
function atStart(evs: TraceEvent[]): { alive: number[]; parked: number[] } {
  const alive = new Set<number>();
  const parked = new Set<number>();
  let started = false;
  for (const e of evs) {
    started ||= e.name === 'GoStart';
    if (e.name === 'GoCreate' && e.gen === 0 && !started) alive.add(e.args.g);
    else if (e.name === 'GoWaiting') parked.add(e.g);
    else if ((e.name === 'GoStatus' || e.name === 'GoStatusStack') && e.gen === 1) {
      alive.add(e.args.g);
      if (e.args.gstatus === 4) parked.add(e.args.g);
    }
  }
  alive.delete(1);
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
  return { alive: sorted(alive), parked: sorted(parked) };
}

const sweepersOf = (evs: TraceEvent[]) => new Set(evs.filter((e) => e.name === 'GCSweepStart' || e.name === 'GCSweepBegin').map((e) => e.g));

describe("the runtime's goroutines at trace start, bgsweep's sweeps, the trace advancer", () => {
  for (const go of ['1.19', '1.23'] as const) {
    it(`Go ${go}: forcegc, bgsweep, bgscavenge and runfinq are parked when the trace starts; only allocating goroutines have sweep ranges`, () => {
      const r = simulate(alloc(2, '100ms'), { overrides: { go }, trace: true });
      const evs = events(r.trace!, go);
      // The profile writer StartCPUProfile started (6) is runnable; the four others are parked.
      expect(atStart(evs)).toEqual({ alive: [2, 3, 4, 5, 6], parked: [2, 3, 4, 5] });
      if (go === '1.19') expect(evs.filter((e) => e.name === 'GoInSyscall').length).toBe(0);
      // bgsweep sweeps without GCSweepStart (no maySweep on its P): no range of its own.
      expect(sweepersOf(evs)).toEqual(new Set([r.summary.goroutines.find((g) => g.template === 'alloc')!.id]));
    });
  }

  it('Go 1.23: each later generation opens (ProcsChange, GCActive) on the advancer goroutine that called traceAdvance', () => {
    const r = simulate({ ...alloc(2, '200ms'), gc: { trigger: '4MiB', mark: '8ms' }, trace: { period: '10ms' } }, { overrides: { go: '1.23' }, trace: true });
    const advancer = r.summary.goroutines.find((g) => g.template === 'runtime.(*traceAdvancerState).start.func1')!.id;
    const evs = events(r.trace!, '1.23');
    const gens = r.summary.trace!.generations!;
    expect(gens).toBeGreaterThan(10);
    let active = 0;
    for (let gen = 2; gen <= gens; gen++) {
      const opening = evs.filter((e) => e.gen === gen && (e.name === 'ProcsChange' || e.name === 'GCActive'));
      expect(opening[0].g, `generation ${gen}`).toBe(advancer);
      if (opening[1]?.name === 'GCActive') {
        expect([opening[1].g, opening[1].m]).toEqual([advancer, opening[0].m]);
        active++;
      }
    }
    expect(active).toBeGreaterThan(0);
  });
});

// ---- against Go -------------------------------------------------------------------------------

for (const go of ['1.19', '1.23'] as const) {
  describeWithGo(go, `Go ${go}: its tools read the simulated GC, and a real program's traces agree`, (tc: Toolchain) => {
    const real = new Map<number, Uint8Array>();
    beforeAll(() => {
      const dir = scratchDirFor(`gcworkers-${go}`);
      const bin = join(dir, 'gcworkers');
      goBuild(tc, '.', bin, { cwd: GO_PROGRAM_DIR });
      for (const procs of [1, 2, 3, 4, 8]) {
        const out = join(dir, `trace-${procs}.out`);
        const r = spawnSync(bin, ['-procs', String(procs), '-mib', '1000', '-o', out], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`gcworkers -procs ${procs}: ${r.stderr}`);
        real.set(procs, readFileSync(out));
      }
    }, 120_000);

    it('mark termination: the same order in the simulated trace as Go prints it, and in the real ones', () => {
      const sim = simTrace(alloc(4, '100ms'), go);
      if (go === '1.19') {
        const d = goTraceDumpLines(tc, sim);
        expect(d.error).toBe('');
        const lines = d.lines.map((l) => l.split(' ')[1] + (/ g=3 seq/.test(l) ? ':3' : ''));
        const stops: string[][] = [];
        let cur: string[] | null = null;
        d.lines.forEach((l, i) => {
          if (/GCSTWStart .*kind=mark termination/.test(l)) cur = [];
          else if (cur && lines[i] === 'GCSTWDone') stops.push([...cur, 'GCSTWDone']), (cur = null);
          else if (cur && ['GoUnblock:3', 'GCDone', 'HeapGoal', 'Gomaxprocs'].includes(lines[i])) cur.push(lines[i] === 'GoUnblock:3' ? 'bgsweep' : lines[i]);
        });
        expectOrder(stops, go);
      } else {
        // -d=1: the events as Go's trace API sees them (GCEnd ends the mark phase range).
        const r = spawnSync(tc.go, ['tool', 'trace', '-d=1', scratchFile(sim)], { encoding: 'utf8', env: tc.env, maxBuffer: 1 << 30 });
        expect(r.status).toBe(0);
        const stops: string[][] = [];
        let cur: string[] | null = null;
        for (const l of r.stdout.split('\n')) {
          if (/RangeBegin .*"stop-the-world \(GC mark termination\)"/.test(l)) cur = [];
          else if (!cur) continue;
          else if (/RangeEnd .*"stop-the-world \(GC mark termination\)"/.test(l)) stops.push([...cur, 'STWEnd']), (cur = null);
          else if (/Resource=Goroutine\(3\) .*Waiting->Runnable/.test(l)) cur.push('bgsweep');
          else if (/RangeEnd .*"GC concurrent mark phase"/.test(l)) cur.push('GCEnd');
          else if (/Metric .*gc\/heap\/goal/.test(l)) cur.push('HeapGoal');
          else if (/Metric .*sched\/gomaxprocs/.test(l)) cur.push('ProcsChange');
        }
        expectOrder(stops, go);
        expect(goValidate(tc, sim)).toBe('');
      }
      for (const procs of [2, 4, 8]) expectOrder(markTerminations(read(real.get(procs)!, go)), go);
    });

    it('mark workers: in the real traces, the usual number of dedicated workers per cycle is the split; fractional ones iff it has a fractional goal', () => {
      // GOMAXPROCS 16 is left out: on a 2-core machine a mark often ends before 4 dedicated
      // workers have got a thread each (measured: 2 in most cycles).
      for (const procs of [1, 2, 3, 4, 8]) {
        const { dedicated, fractionalGoal } = markWorkerSplit(procs, 0.25);
        const cycles = workerCycles(events(real.get(procs)!, go));
        expect(cycles.length, `GOMAXPROCS=${procs}`).toBeGreaterThan(10);
        expect(mode(cycles.map((c) => c.dedicated)), `GOMAXPROCS=${procs}`).toBe(dedicated);
        if (procs > 1) expect(cycles.some((c) => c.fractional), `GOMAXPROCS=${procs}`).toBe(fractionalGoal > 0);
      }
    });

    it('trace start: the same four runtime goroutines alive, parked but for one now and then; no sweep range on bgsweep', () => {
      for (const procs of [1, 2, 3, 4, 8]) {
        const { evs, bgsweep } = read(real.get(procs)!, go);
        // forcegc, bgsweep, bgscavenge and runfinq: Go numbers them 2, 3, 4, 5, or from 17 on
        // when the goroutine creating them had moved to a P with a fresh batch of goids; no
        // profile writer in this program. One may have been woken just before (the scavenger by
        // sysmon): runnable.
        const { alive, parked } = atStart(evs);
        expect(alive.length, `GOMAXPROCS=${procs}`).toBe(4);
        if (bgsweep >= 0) expect(alive).toContain(bgsweep);
        expect(parked.length).toBeGreaterThanOrEqual(3);
        expect(parked.every((g) => alive.includes(g))).toBe(true);
        expect(sweepersOf(evs).has(bgsweep)).toBe(false);
      }
      if (go === '1.19') {
        const d = goTraceDumpLines(tc, simTrace(alloc(2, '50ms'), go));
        expect(d.error).toBe('');
        expect(d.counts.GoWaiting).toBe(4);
      }
    });
  });
}

// What the writers add beside the scheduler's events, as the runtime writes it (issue 12):
// the trace clock (Linux's nanotime/64 from Go 1.22), thread ids that are Linux TIDs, the
// events StartTrace, procresize, traceAdvance and gcControllerCommit write (ProcsChange,
// GoStatusStack, GCActive, HeapGoal, GCSweep*, Gomaxprocs, GoWaiting, GoInSyscall), and the
// CPU profile as the release's runtime/pprof writes it (time_nanos, the Linux mappings,
// Function.start_line, lostProfileEvent's line). Counts are exact, against the formulas the
// runtime's code gives; real Go reads every trace and profile back.

import { describe, expect, it } from 'vitest';
import { simulate, type SimResult } from '../bindings/runtime/simulate.ts';
import { ProcessIdentity } from '../bindings/runtime/process.ts';
import { decodeRaw, validateV2, EvEventBatch, EvFrequency, EvGoStatusStack, NoThread, specTables, GO123 } from '../bindings/formats/v2/index.ts';
import { TraceError } from '../bindings/formats/event.ts';
import { decodeProfile } from '../bindings/formats/pprof.ts';
import { forEachEventV1, parseV1, validateV1 } from '../bindings/formats/v1/index.ts';
import { TraceV1 } from '../bindings/runtime/tracev1.ts';
import { TraceV2 } from '../bindings/runtime/tracev2.ts';
import { resolveScenario } from '../bindings/scenario/resolve.ts';
import type { ResolvedScenario } from '../bindings/scenario/resolved.ts';
import { loadCore } from '../bindings/core/wasm.ts';
import { G, GStatus, M, P, PStatus } from '../bindings/sim/world.ts';
import { concatBytes } from '../bindings/formats/bytes.ts';
import type { Scenario } from '../bindings/scenario/scenario.ts';
import { ORACLE_SCENARIOS } from './oracle/scenarios.ts';
import { describeWithGo, goCheckV2, goPprofRaw, goTraceDumpLines, goValidate } from './oracle/go.ts';

const GC: Scenario = { ...ORACLE_SCENARIOS['gc-stress'], seed: 5, trace: { period: '20ms' } };

function run(sc: Scenario, go: string, extra: Partial<Scenario> = {}): SimResult & { trace: Uint8Array } {
  const r = simulate({ ...sc, ...extra }, { overrides: { go: go as Scenario['go'] }, trace: true });
  return r as SimResult & { trace: Uint8Array };
}

const ev = (r: SimResult, name: string) => r.summary.trace!.events[name] ?? 0;

interface WireEvent {
  gen: number;
  m: bigint;
  type: number;
  tick: bigint;
  args: bigint[];
}

/** Every timed event of a v2 trace with its absolute tick (batch time + deltas), in wire order. */
function wireEvents(bytes: Uint8Array): { events: WireEvent[]; frequencies: bigint[] } {
  const raw = decodeRaw(bytes);
  if (raw instanceof TraceError) throw raw;
  const specs = specTables[raw.version].specs;
  const events: WireEvent[] = [];
  const frequencies: bigint[] = [];
  let gen = 0;
  let m = 0n;
  let tick = 0n;
  for (const e of raw.events) {
    if (e.type === EvEventBatch) {
      [gen, m, tick] = [Number(e.args[0]), e.args[1], e.args[2]];
      continue;
    }
    if (e.type === EvFrequency) frequencies.push(e.args[0]);
    const spec = specs[e.type];
    if (!spec?.timed || e.type === EvFrequency) continue;
    tick += e.args[0];
    events.push({ gen, m, type: e.type, tick, args: e.args.slice(1) });
  }
  return { events, frequencies };
}

describe('v2 clock: nanotime/64 (Frequency 15 625 000), ticks strictly increasing', () => {
  for (const go of ['1.22', '1.23']) {
    it(`Go ${go}: every tick is the ns clock's divided by 64, or the last tick + 1`, () => {
      const r64 = run(GC, go);
      const rns = run(GC, go, { switches: { traceClock: 'ns' } });
      const a = wireEvents(r64.trace);
      const b = wireEvents(rns.trace);
      expect(a.frequencies.length).toBe(r64.summary.trace!.generations);
      expect(new Set(a.frequencies)).toEqual(new Set([15_625_000n]));
      expect(new Set(b.frequencies)).toEqual(new Set([1_000_000_000n]));
      // The same events, thread by thread (the clock changes nothing else); paired by their
      // place in their thread's sequence of the generation.
      const seqs = (evs: WireEvent[]) => {
        const m = new Map<string, WireEvent[]>();
        for (const e of evs) (m.get(`${e.gen}/${e.m}`) ?? m.set(`${e.gen}/${e.m}`, []).get(`${e.gen}/${e.m}`)!).push(e);
        return m;
      };
      const sa = seqs(a.events);
      const pairs: [WireEvent, WireEvent][] = [];
      for (const [k, evs] of seqs(b.events)) {
        const other = sa.get(k)!;
        expect(other.map((e) => e.type), k).toEqual(evs.map((e) => e.type));
        evs.forEach((e, i) => pairs.push([e, other[i]]));
      }
      // In the order written (the ns clock's ticks are unique and increasing), each tick is
      // the ns tick / 64, or the previous one + 1.
      pairs.sort((x, y) => (x[0].tick < y[0].tick ? -1 : 1));
      let last = 0n; // the clock starts at 0: the first event is tick 1
      let bumped = 0;
      for (const [ns, t64] of pairs) {
        let want = ns.tick / 64n;
        if (want <= last) {
          want = last + 1n;
          bumped++;
        }
        expect(t64.tick).toBe(want);
        last = want;
      }
      // Bumps happen where the model writes several events at one instant, not elsewhere.
      expect(bumped).toBeGreaterThan(0);
      expect(bumped).toBeLessThan(pairs.length / 2);
      expect(validateV2(r64.trace)).toBeNull();
    });
  }
});

describe('v2 events of the runtime: counts as the runtime code gives them', () => {
  for (const go of ['1.22', '1.23']) {
    it(`Go ${go}: ProcsChange = 1 + stops + later generations; HeapGoal = 1 + GCs; GCActive, sweeps, statuses`, () => {
      const r = run(GC, go);
      const gens = r.summary.trace!.generations!;
      expect(gens).toBeGreaterThanOrEqual(5);
      expect(ev(r, 'GCEnd')).toBeGreaterThan(3);
      // StartTrace: Gomaxprocs, then its own stop (STWBegin "start trace"), whose
      // startTheWorld's procresize writes another, like every stop's; each later generation
      // opens with one (traceAdvance).
      expect(ev(r, 'ProcsChange')).toBe(1 + ev(r, 'STWBegin') + (gens - 1));
      // StartTrace's heap goal, then gcControllerCommit at every mark termination.
      expect(ev(r, 'HeapGoal')).toBe(1 + ev(r, 'GCEnd'));
      expect(ev(r, 'GCSweepBegin')).toBeGreaterThan(0);
      expect(ev(r, 'GCSweepEnd')).toBe(ev(r, 'GCSweepBegin'));
      // GoStatusStack is 1.23's; 1.22 states silent goroutines with GoStatus.
      if (go === '1.23') expect(ev(r, 'GoStatusStack')).toBeGreaterThan(0);
      else expect(ev(r, 'GoStatusStack')).toBe(0);
      expect(validateV2(r.trace)).toBeNull();
    });
  }

  it('Go 1.23: GoStatusStack only in the batches of no thread, written as a generation ends', () => {
    const r = run(GC, '1.23');
    const { events } = wireEvents(r.trace);
    const statuses = events.filter((e) => e.type === EvGoStatusStack);
    expect(statuses.length).toBe(ev(r, 'GoStatusStack'));
    expect(statuses.every((e) => e.m === NoThread)).toBe(true);
    // Each one names a stack (the goroutine's), and no thread for a waiting or runnable one.
    expect(statuses.every((e) => e.args[3] > 0n)).toBe(true);
    // At most one per goroutine and generation.
    const keys = statuses.map((e) => `${e.gen}/${e.args[0]}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('Go 1.23: GCActive opens exactly the generations that begin inside a cycle', () => {
    const r = run({ ...GC, gc: { ...GC.gc!, mark: '8ms' } }, '1.23');
    const { events } = wireEvents(r.trace);
    const spec = specTables[GO123].specs;
    const name = (t: number) => spec[t]!.name;
    // GC state at each generation's end, replayed from GCBegin/GCEnd in tick order.
    const byGen = new Map<number, WireEvent[]>();
    for (const e of events) (byGen.get(e.gen) ?? byGen.set(e.gen, []).get(e.gen)!).push(e);
    let running = false;
    let expected = 0;
    for (const [gen, evs] of [...byGen].sort((x, y) => x[0] - y[0])) {
      const active = evs.filter((e) => name(e.type) === 'GCActive').length;
      const first = [...evs].sort((x, y) => (x.tick < y.tick ? -1 : 1)).find((e) => ['GCActive', 'GCBegin', 'GCEnd'].includes(name(e.type)));
      if (gen > 1) {
        // A generation that begins inside a cycle states it first.
        expect(active, `generation ${gen}`).toBe(running ? 1 : 0);
        if (running) expect(name(first!.type)).toBe('GCActive');
        expected += active;
      }
      for (const e of [...evs].sort((x, y) => (x.tick < y.tick ? -1 : 1))) {
        if (name(e.type) === 'GCBegin') running = true;
        if (name(e.type) === 'GCEnd') running = false;
      }
    }
    expect(expected).toBeGreaterThan(0);
    expect(ev(r, 'GCActive')).toBe(expected);
  });

  it('threads are Linux TIDs from 1.22 (main thread = pid, the others above it), m.id before', () => {
    const r = run(GC, '1.23');
    const { pid, sysmonTid } = new ProcessIdentity(5);
    const ms = new Set(wireEvents(r.trace).events.map((e) => e.m));
    ms.delete(NoThread);
    const tids = [...ms].map(Number).sort((a, b) => a - b);
    expect(tids[0]).toBe(pid);
    expect(tids).toContain(sysmonTid);
    expect(tids.every((t) => t >= pid && t < pid + 1000)).toBe(true);
    expect(pid).toBeGreaterThanOrEqual(1000);
    // Another seed, another process; the same seed, the same ids.
    expect(new ProcessIdentity(6).pid).not.toBe(pid);
    expect(new ProcessIdentity(5).tidOfM(7)).toBe(new ProcessIdentity(5).tidOfM(7));
    const legacy = run(GC, '1.23', { switches: { traceThreadIds: 'm.id' } });
    const small = [...new Set(wireEvents(legacy.trace).events.map((e) => e.m))].filter((m) => m !== NoThread);
    expect(small).toContain(0n);
  });
});

/** A scheduler stand-in for StartTrace: goroutines in the given states, one P and M0. */
function fakeSched(sc: { symtab: { stack(f: { func: string; file: string; line: number }[]): number } }, states: GStatus[]) {
  const p0 = new P(0);
  const m0 = new M(0);
  const m1 = new M(1);
  const gs = states.map((st, i) => {
    const root = sc.symtab.stack([{ func: `main.w${i}`, file: '/app/main.go', line: 5 + i }]);
    const g = new G(i + 1, 0, i === 0 ? 'main' : `w${i}`, root, 0, [], false);
    g.status = st;
    if (st === GStatus.Syscall) g.m = m1;
    return g;
  });
  return { sched: { gs, ps: [p0], ms: [m0, m1], mainG: gs[0], at: () => {} }, p0, m0, m1, gs };
}

describe('goroutines alive at StartTrace', () => {
  const sc = resolveScenario({ name: 'start', duration: '1ms', gomaxprocs: 1, goroutines: [{ name: 'idle', program: [{ sleep: '1ms' }] }] }, { go: '1.19' });

  /** StartTrace finds main runnable, one goroutine waiting, one in a syscall; main runs, readies
   *  the waiting one, stops: played on tracer t. */
  function playStart(t: TraceV1 | TraceV2, sc: ResolvedScenario): void {
    const { sched, p0, m0, gs } = fakeSched(sc, [GStatus.Runnable, GStatus.Waiting, GStatus.Syscall]);
    t.start(0);
    t.init(sched, 0);
    p0.status = PStatus.Running;
    p0.m = m0;
    m0.p = p0;
    t.procStart(p0, m0, 10);
    gs[0].status = GStatus.Running;
    gs[0].m = m0;
    m0.curg = gs[0];
    t.goStart(gs[0], m0, 20);
    gs[1].status = GStatus.Runnable;
    t.goUnblock(gs[1], m0, p0, 30);
    t.stop(100);
  }

  function v1Trace(): Uint8Array {
    const chunks: Uint8Array[] = [];
    playStart(new TraceV1(loadCore(), sc, (c) => chunks.push(c.slice())), sc);
    return concatBytes(chunks);
  }

  it('v1: GoCreate for each, then GoWaiting / GoInSyscall (seq 1), as Go 1.19 StartTrace writes them', () => {
    const bytes = v1Trace();
    expect(validateV1(bytes)).toBeNull();
    const names: string[] = [];
    forEachEventV1(parseV1(bytes), (e) => names.push(`${e.name} ${e.args.g ?? ''}`.trim()));
    expect(names.slice(0, 5)).toEqual(['GoCreate 1', 'GoCreate 2', 'GoWaiting 2', 'GoCreate 3', 'GoInSyscall 3']);
  });

  describeWithGo('1.19', 'Go 1.19 reads them', (tc) => {
    it('GoWaiting g=2 and GoInSyscall g=3 right after their GoCreate; GoUnblock of g2 is seq 2', () => {
      const v = goTraceDumpLines(tc, v1Trace());
      expect(v.error).toBe('');
      const lines = v.lines.map((l) => l.replace(/^\d+ /, '').replace(/ off=\d+/, ''));
      const i = lines.findIndex((l) => l.startsWith('GoWaiting'));
      expect(lines.slice(i - 1, i + 3)).toEqual([expect.stringMatching(/^GoCreate .* g=2 /), 'GoWaiting p=0 g=2 g=2', expect.stringMatching(/^GoCreate .* g=3 /), 'GoInSyscall p=0 g=3 g=3']);
      expect(lines.find((l) => l.startsWith('GoUnblock'))).toMatch(/g=2 seq=2/);
    });
  });

  /** The same start under the 1.23 tracer. */
  function v2Trace(): { bytes: Uint8Array; tid1: number } {
    const sc2 = resolveScenario({ name: 'start', duration: '1ms', gomaxprocs: 1, goroutines: [{ name: 'idle', program: [{ sleep: '1ms' }] }] }, { go: '1.23' });
    const chunks: Uint8Array[] = [];
    const t = new TraceV2(loadCore(), sc2, (c) => chunks.push(c.slice()));
    playStart(t, sc2);
    return { bytes: concatBytes(chunks), tid1: t.proc.tidOfM(1) };
  }

  it('v2: the reader learns their states lazily; a silent one is stated (with its stack, 1.23) as the trace ends', () => {
    const { bytes, tid1 } = v2Trace();
    expect(validateV2(bytes)).toBeNull();
    const { events } = wireEvents(bytes);
    const stated = events.filter((e) => e.type === EvGoStatusStack);
    // g3, in its syscall on M1 the whole time, named by M1's TID.
    expect(stated.map((e) => [e.args[0], e.args[1], e.args[2]])).toEqual([[3n, BigInt(tid1), 3n]]);
  });

  describeWithGo('1.23', 'Go 1.23 reads the v2 start', (tc) => {
    it('gotracevalidate accepts it', () => {
      expect(goValidate(tc, v2Trace().bytes)).toBe('');
    });
  });
});

describe('v1 events of the runtime', () => {
  for (const go of ['1.19', '1.21']) {
    it(`Go ${go}: Gomaxprocs = 1 + every stop; HeapGoal = GCDone; GCSweepStart = GCSweepDone`, () => {
      const r = run({ ...GC, goroutines: GC.goroutines.filter((g) => g.name !== 'monitor') }, go);
      const stops = ev(r, go === '1.19' ? 'GCSTWStart' : 'STWStart');
      expect(stops).toBeGreaterThan(4);
      expect(ev(r, 'Gomaxprocs')).toBe(1 + stops);
      expect(ev(r, 'HeapGoal')).toBe(ev(r, 'GCDone'));
      expect(ev(r, 'GCSweepStart')).toBeGreaterThan(0);
      expect(ev(r, 'GCSweepDone')).toBe(ev(r, 'GCSweepStart'));
    });
  }

  it('Go 1.19: untraced stops (read mem stats) still announce GOMAXPROCS', () => {
    const r = run(GC, '1.19');
    const r21 = run(GC, '1.21');
    expect(ev(r, 'Gomaxprocs')).toBeGreaterThan(1 + ev(r, 'GCSTWStart'));
    expect(ev(r21, 'Gomaxprocs')).toBe(1 + ev(r21, 'STWStart'));
  });
});

/** `go tool pprof -raw`: the header's Time, the mappings, and each location's function, file:line and start line. */
function raw(out: string) {
  const time = /^Time: (.*)$/m.exec(out)?.[1];
  const mappings = out.split('Mappings\n')[1]?.trim().split('\n') ?? [];
  const locs = [...out.matchAll(/^\s+\d+: 0x[0-9a-f]+ M=1 (\S+) (\S+?):(\d+)(?::\d+)? s=(\d+)/gm)].map((m) => ({ func: m[1], file: m[2], line: +m[3], start: +m[4] }));
  return { time, mappings, locs };
}

const OVERFLOW: Scenario = { ...ORACLE_SCENARIOS['gc-stress'], seed: 9, profile: { hz: 1000, profBuf: { words: 512, tags: 32 } } };

describe('pprof as the release writes it', () => {
  it('time_nanos is the process start (seed), duration the profile, three Linux mappings', () => {
    const r = simulate(OVERFLOW, { overrides: { go: '1.23' } });
    const p = decodeProfile(r.pprof);
    const proc = new ProcessIdentity(9);
    expect(BigInt(p.timeNanos)).toBe(proc.wallStartNs);
    expect(Number(p.durationNanos)).toBe(r.summary.durationNs);
    const s = (i: number | bigint) => p.stringTable.strings[Number(i)];
    expect(p.mapping.map((m) => [BigInt(m.memoryStart), BigInt(m.memoryLimit), s(m.filename), m.hasFunctions])).toEqual([
      [0x400000n, BigInt(p.mapping[0].memoryLimit), '/tmp/gotracesim/scenario', true],
      [BigInt(proc.vdsoStart), BigInt(proc.vdsoStart + 0x2000), '[vdso]', false],
      [0xffffffffff600000n, 0xffffffffff601000n, '[vsyscall]', false],
    ]);
  });

  it('start lines from 1.20 (at or before each line of the function), none before; lostProfileEvent per release', () => {
    const s = (p: ReturnType<typeof decodeProfile>, i: number | bigint) => p.stringTable.strings[Number(i)];
    for (const [go, startLines, lostLine] of [['1.19', false, 24], ['1.20', true, 23], ['1.23', true, 23]] as const) {
      const p = decodeProfile(simulate(OVERFLOW, { overrides: { go } }).pprof);
      const lines = new Map<bigint, number>();
      for (const l of p.location) lines.set(BigInt(l.line[0].functionId), Number(l.line[0].line));
      for (const f of p.function) {
        const start = Number(f.startLine);
        if (!startLines) expect(start).toBe(0);
        else {
          expect(start, s(p, f.name)).toBeGreaterThan(0);
          expect(start).toBeLessThanOrEqual(lines.get(BigInt(f.id))!);
        }
      }
      const lost = p.function.find((f) => s(p, f.name) === 'runtime/pprof.lostProfileEvent')!;
      expect(s(p, lost.filename)).toBe('/usr/lib/go/src/runtime/pprof/proto.go');
      const loc = p.location.find((l) => l.line[0].functionId === lost.id)!;
      expect(Number(loc.line[0].line)).toBe(lostLine);
    }
  });

  for (const [tool, go, startLines, lostLine] of [['1.19', '1.19', false, 24], ['1.23', '1.23', true, 23]] as const) {
    describeWithGo(tool, `go tool pprof -raw ${tool} reads a ${go} profile back`, (tc) => {
      it('Time, the three mappings, start lines, lostProfileEvent at its line', () => {
        const r = simulate(OVERFLOW, { overrides: { go } });
        const { out, error } = goPprofRaw(tc, r.pprof);
        expect(error).toBe('');
        const got = raw(out);
        const proc = new ProcessIdentity(9);
        const ns = proc.wallStartNs % 1_000_000_000n;
        expect(got.time).toContain(`.${ns.toString().padStart(9, '0')} +0000 UTC`);
        expect(new Date(Number(proc.wallStartNs / 1_000_000n)).toISOString().slice(0, 19).replace('T', ' ')).toBe(got.time!.slice(0, 19));
        // Go 1.19's pprof lists only the binary's mapping, as it does for a real Go 1.19
        // profile; Go 1.23's lists all three.
        const want = [
          `0x400000/${got.mappings[0].split('/')[1]}`,
          `0x${proc.vdsoStart.toString(16)}/0x${(proc.vdsoStart + 0x2000).toString(16)}`,
          '0xffffffffff600000/0xffffffffff601000',
        ];
        expect(got.mappings.map((m) => m.replace(/^\d+: /, '').split(' ')[0].split('/').slice(0, 2).join('/'))).toEqual(tool === '1.23' ? want : want.slice(0, 1));
        if (tool === '1.23') expect(got.mappings.slice(1).map((m) => m.trim().split(/\s+/).pop())).toEqual(['[vdso]', '[vsyscall]']);
        expect(got.locs.length).toBeGreaterThan(5);
        for (const l of got.locs) {
          if (startLines) expect(l.start).toBeGreaterThan(0);
          else expect(l.start).toBe(0);
        }
        const lost = got.locs.find((l) => l.func === 'runtime/pprof.lostProfileEvent')!;
        expect([lost.file, lost.line, lost.start]).toEqual(['/usr/lib/go/src/runtime/pprof/proto.go', lostLine, startLines ? lostLine : 0]);
      });
    });
  }
});

for (const tool of ['1.22', '1.23'] as const) {
  describeWithGo(tool, `Go ${tool} accepts the new events and counts them as we do`, (tc) => {
    it('gc-stress with short generations: valid, per-type counts equal', () => {
      const r = run(GC, tool);
      const got = goCheckV2(tc, r.trace);
      expect(got.error).toBe('');
      expect(got.counts).toEqual(r.summary.trace!.events);
      for (const e of ['ProcsChange', 'HeapGoal', 'GCSweepBegin', 'GCSweepEnd', ...(tool === '1.23' ? ['GoStatusStack'] : [])]) expect(got.counts![e], e).toBeGreaterThan(0);
    });
  });
}

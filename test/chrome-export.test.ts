// Chrome Trace Event export (`gotracesim export --chrome`): the JSON follows the Trace Event
// Format's rules (checked by our validator, itself tested on broken inputs), and its slices are
// exactly the trace's: one goroutine slice per execution interval `go tool trace -d` shows (per
// goroutine, at the same P and time), one CPU-sample instant per CPUSample, one GC slice per
// GCStart, one region slice per region. The CLI's exit codes and atomic output.
// Data: the real Go 1.19 fixtures (test/fixtures/go1.19, with what `go tool trace -d` counted in
// them) and Go's own text tests read from GOROOT (test/data.ts).
import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'fflate';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  TID_G0,
  TID_GC,
  TID_P0,
  TID_STW,
  DEFAULT_COUNTER_RESOLUTION,
  TrackFilter,
  type TrackSink,
  toChromeTrace,
  writeChromeTrace,
  type ChromeEvent,
  type ChromeTrace,
  validateChromeTrace,
} from '../bindings/formats/chrome/index.ts';
import { exportChromeCommand } from '../bindings/app/chrome-cli.ts';
import { TraceError } from '../bindings/formats/event.ts';
import { parseV1 } from '../bindings/formats/v1/index.ts';
import { countsV2, readV2Sync, textToWire } from '../bindings/formats/v2/index.ts';
import { simulate } from '../bindings/runtime/simulate.ts';
import { DEFAULT_SCENARIO } from '../bindings/scenario/default-scenario.ts';
import type { Scenario } from '../bindings/scenario/scenario.ts';
import { conformanceTests, fixtureCounts, fixturePath, fixtureTrace, goTextTestsDir, V1_FIXTURES, type V1Fixture } from './data.ts';
import { describeWithGo, type Toolchain } from './oracle/go.ts';

vi.setConfig({ testTimeout: 60_000 });

const dir = mkdtempSync(join(tmpdir(), 'gts-chrome-'));

const fixture = (name: V1Fixture) => fixtureTrace(name);

/** The goroutine of an execution slice: its name is "G<id>" or "G<id> <start function>". */
function gOf(e: ChromeEvent): number {
  const m = /^G(\d+)( |$)/.exec(e.name);
  if (!m) throw new Error(`not a goroutine slice: ${e.name}`);
  return Number(m[1]);
}

/** What an export contains, counted by kind. */
function tally(t: ChromeTrace) {
  const evs = t.traceEvents;
  const by = (f: (e: ChromeEvent) => boolean) => evs.filter(f);
  const threadNames = new Map<number, string>();
  for (const e of evs) if (e.ph === 'M' && e.name === 'thread_name') threadNames.set(e.tid!, String(e.args!.name));
  // Execution slices are the X events without a category (the layout's rule: tracks.ts).
  const goroutine = by((e) => e.ph === 'X' && e.cat === undefined);
  const perG = new Map<number, number>();
  for (const e of goroutine) perG.set(gOf(e), (perG.get(gOf(e)) ?? 0) + 1);
  return {
    threadNames,
    goroutine,
    perG,
    cpu: by((e) => e.ph === 'i' && e.cat === 'cpu'),
    gc: by((e) => e.ph === 'X' && e.tid === TID_GC),
    stw: by((e) => e.ph === 'X' && e.tid === TID_STW),
    regions: by((e) => e.ph === 'X' && e.cat === 'region'),
    logs: by((e) => e.ph === 'i' && e.cat === 'log'),
    taskB: by((e) => e.ph === 'b' && e.cat === 'task'),
    taskE: by((e) => e.ph === 'e' && e.cat === 'task'),
    syscalls: by((e) => e.ph === 'X' && e.cat === 'syscall'),
    counters: by((e) => e.ph === 'C'),
  };
}

/** `go tool trace -d FILE`: events as lines "ts Name p=P g=G off=O args...". */
function goDump(tc: Toolchain, file: string): { name: string; ts: number; p: number; args: Record<string, string> }[] {
  const r = spawnSync(tc.go, ['tool', 'trace', '-d', file], { encoding: 'utf8', env: tc.env, maxBuffer: 1 << 30 });
  expect(r.status, r.stderr).toBe(0);
  const out = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^(\d+) (\w+) p=(-?\d+) g=\d+ off=\d+(.*)$/.exec(line);
    if (!m) continue;
    const args: Record<string, string> = {};
    for (const kv of m[4].trim().split(' ')) {
      const i = kv.indexOf('=');
      if (i > 0) args[kv.slice(0, i)] = kv.slice(i + 1);
    }
    out.push({ name: m[2], ts: Number(m[1]), p: Number(m[3]), args });
  }
  return out;
}

// What Go 1.19.8's `go tool trace -d` counted in each fixture (its *.counts): execution
// intervals = GoStart + GoStartLabel lines; regions = UserRegion lines / 2 (each begins and ends
// inside the trace); GC and STW slices = GCStart and GCSTWStart lines.
const EXPECTED: Record<V1Fixture, { slices: number; cpu: number; gc: number; stw: number; regions: number; logs: number; tasks: number }> = Object.fromEntries(
  V1_FIXTURES.map((name) => {
    const c = fixtureCounts(name);
    const n = (k: string) => c[k] ?? 0;
    return [name, { slices: n('GoStart') + n('GoStartLabel'), cpu: n('CPUSample'), gc: n('GCStart'), stw: n('GCSTWStart'), regions: n('UserRegion') / 2, logs: n('UserLog'), tasks: n('UserTaskCreate') }];
  }),
) as Record<V1Fixture, { slices: number; cpu: number; gc: number; stw: number; regions: number; logs: number; tasks: number }>;

/**
 * Go's reader since Go 1.22 (its oldtrace conversion, which our model follows) makes event
 * times strictly increasing, moving an event 1 ns past a predecessor at the same time: this many
 * goroutine starts of each fixture moved (by 1 ns), as Go 1.23's `go tool trace -d=1` reads them.
 */
const MOVED_STARTS: Record<V1Fixture, number> = { hog: 1, annot: 29, mixed: 0 };

/**
 * Our goroutine slices against a list of starts, per goroutine in time order: the same P and
 * the same time, or 1 ns later (moved, counted). What differs is listed.
 */
function matchStarts(slices: ChromeEvent[], starts: { g: number; p: number; ts: number }[]): { problems: string[]; moved: number } {
  const byG = new Map<number, { p: number; ts: number }[]>();
  const push = (m: Map<number, { p: number; ts: number }[]>, g: number, x: { p: number; ts: number }) => {
    const l = m.get(g);
    if (l) l.push(x);
    else m.set(g, [x]);
  };
  for (const s of starts) push(byG, s.g, s);
  const ours = new Map<number, { p: number; ts: number }[]>();
  for (const e of slices) push(ours, gOf(e), { p: e.tid! - TID_P0, ts: Math.round(e.ts! * 1000) });
  const problems: string[] = [];
  let moved = 0;
  for (const [g, want] of byG) {
    const got = (ours.get(g) ?? []).sort((a, b) => a.ts - b.ts);
    if (got.length !== want.length) problems.push(`G${g}: ${got.length} slices, want ${want.length}`);
    want.forEach((w, i) => {
      const o = got[i];
      if (o === undefined) return;
      if (o.p !== w.p || o.ts < w.ts || o.ts > w.ts + 1) problems.push(`G${g} #${i}: P${o.p}@${o.ts}, want P${w.p}@${w.ts}`);
      else if (o.ts !== w.ts) moved++;
    });
  }
  for (const g of ours.keys()) if (!byG.has(g)) problems.push(`G${g}: not started`);
  return { problems: problems.slice(0, 20), moved };
}

describe('validateChromeTrace: the Trace Event Format rules', () => {
  const base = (): { traceEvents: Record<string, unknown>[]; stackFrames: Record<string, unknown>; displayTimeUnit: string } => ({
    displayTimeUnit: 'ns',
    stackFrames: { '1': { name: 'main.main', category: 'main.go:1' }, '2': { name: 'main.f', category: 'main.go:2', parent: '1' } },
    traceEvents: [
      { name: 'thread_name', ph: 'M', pid: 1, tid: 10, args: { name: 'P0' } },
      { name: 'thread_sort_index', ph: 'M', pid: 1, tid: 10, args: { sort_index: 10 } },
      { name: 'G1', ph: 'X', pid: 1, tid: 10, ts: 1, dur: 10 },
      { name: 'inner', ph: 'X', pid: 1, tid: 10, ts: 2, dur: 3 },
      { name: 'b', ph: 'B', pid: 1, tid: 11, ts: 1 },
      { name: 'b2', ph: 'B', pid: 1, tid: 11, ts: 2 },
      { name: 'b2', ph: 'E', pid: 1, tid: 11, ts: 3 },
      { name: 'b', ph: 'E', pid: 1, tid: 11, ts: 4 },
      { name: 'CPU sample', ph: 'i', s: 't', pid: 1, tid: 10, ts: 3, sf: '2' },
      { name: 'task', ph: 'b', pid: 1, ts: 0, cat: 'task', id: '7' },
      { name: 'task', ph: 'e', pid: 1, ts: 9, cat: 'task', id: '7' },
      { name: 'Heap', ph: 'C', pid: 1, ts: 5, args: { bytes: 100 } },
    ],
  });

  it('accepts a well-formed trace, in object and array form', () => {
    expect(validateChromeTrace(base())).toEqual([]);
    expect(validateChromeTrace(base().traceEvents.filter((e) => e.sf === undefined))).toEqual([]);
  });

  const broken: [string, (t: ReturnType<typeof base>) => void, RegExp][] = [
    ['unknown phase', (t) => (t.traceEvents[2].ph = 'Q'), /^traceEvents\[2\]: unknown phase "Q"$/],
    ['non-integer pid', (t) => (t.traceEvents[2].pid = 1.5), /^traceEvents\[2\]: pid 1\.5 is not an integer$/],
    ['string tid', (t) => (t.traceEvents[2].tid = '10'), /^traceEvents\[2\]: tid "10" is not an integer$/],
    ['negative ts', (t) => (t.traceEvents[2].ts = -1), /^traceEvents\[2\]: ts -1 is negative$/],
    ['NaN ts', (t) => (t.traceEvents[2].ts = NaN), /^traceEvents\[2\]: ts null is not a finite number$/],
    ['missing ts', (t) => delete t.traceEvents[8].ts, /^traceEvents\[8\]: ts undefined is not a finite number$/],
    ['negative dur', (t) => (t.traceEvents[3].dur = -2), /^traceEvents\[3\]: X event dur -2 is negative$/],
    ['missing dur', (t) => delete t.traceEvents[3].dur, /^traceEvents\[3\]: X event dur undefined is not a finite number$/],
    ['X slices overlapping', (t) => (t.traceEvents[3].dur = 20), /^traceEvents\[3\]: slice "inner" \[2, 22\] on 1\/10 overlaps "G1" \[1, 11\]/],
    ['E without B', (t) => t.traceEvents.splice(4, 1), /^traceEvents\[6\]: E event on 1\/11 has no matching B$/],
    ['B without E', (t) => t.traceEvents.splice(7, 1), /^traceEvents\[4\]: B event "b" on 1\/11 has no matching E$/],
    ['B/E crossing', (t) => ((t.traceEvents[6].name = 'b'), (t.traceEvents[7].name = 'b2')), /^traceEvents\[6\]: E event "b" on 1\/11 closes B "b2" \(traceEvents\[5\]\): not properly nested$/],
    ['bad instant scope', (t) => (t.traceEvents[8].s = 'x'), /^traceEvents\[8\]: instant event scope "x" is not one of g, p, t$/],
    ['dangling sf', (t) => (t.traceEvents[8].sf = '99'), /^traceEvents\[8\]: sf "99" is not in stackFrames$/],
    ['dangling parent', (t) => ((t.stackFrames['2'] as Record<string, unknown>).parent = '42'), /^stackFrames\[2\]: parent "42" does not exist$/],
    ['parent cycle', (t) => ((t.stackFrames['1'] as Record<string, unknown>).parent = '2'), /^stackFrames\[\d\]: parent chain has a cycle$/],
    ['async e without b', (t) => t.traceEvents.splice(9, 1), /^traceEvents\[9\]: async e event "task" has no matching b \(same cat and id\)$/],
    ['async b without e (other id)', (t) => (t.traceEvents[10].id = '8'), /has no matching (b|e) \(same cat and id\)$/],
    ['async without cat', (t) => delete t.traceEvents[9].cat, /^traceEvents\[9\]: async event cat undefined is not a string$/],
    ['counter with a string value', (t) => (t.traceEvents[11].args = { bytes: 'lots' }), /^traceEvents\[11\]: counter series "bytes" value "lots" is not a finite number$/],
    ['metadata with unknown name', (t) => (t.traceEvents[0].name = 'thread_nickname'), /^traceEvents\[0\]: unknown metadata name "thread_nickname"$/],
    ['thread_name without a name', (t) => (t.traceEvents[0].args = {}), /^traceEvents\[0\]: thread_name args\.name undefined is not a string$/],
    ['sort index not integer', (t) => (t.traceEvents[1].args = { sort_index: 'a' }), /^traceEvents\[1\]: thread_sort_index args\.sort_index "a" is not an integer$/],
    ['bad displayTimeUnit', (t) => (t.displayTimeUnit = 'us'), /^displayTimeUnit: "us" is not "ms" or "ns"$/],
  ];
  for (const [what, breakIt, msg] of broken) {
    it(`rejects ${what}`, () => {
      const t = base();
      breakIt(t);
      const errs = validateChromeTrace(t);
      expect(errs.length, JSON.stringify(errs)).toBeGreaterThan(0);
      expect(errs.some((e) => msg.test(e)), JSON.stringify(errs)).toBe(true);
    });
  }

  it('rejects non-traces', () => {
    expect(validateChromeTrace(null)).toEqual(['trace: not an object or an array']);
    expect(validateChromeTrace({ events: [] })).toEqual(['traceEvents: missing or not an array']);
    expect(validateChromeTrace([42])).toEqual(['traceEvents[0]: not an object']);
  });
});

describe('export of the real Go 1.19 fixtures', () => {
  const exports = new Map<string, ChromeTrace>();
  const get = (name: V1Fixture) => {
    let t = exports.get(name);
    if (!t) exports.set(name, (t = toChromeTrace(fixture(name))));
    return t;
  };

  it('the fixtures have what these tests look at (per go tool trace -d)', () => {
    expect(EXPECTED.hog).toMatchObject({ regions: 2, logs: 0, tasks: 0, gc: 0 });
    expect(EXPECTED.annot).toMatchObject({ regions: 3, logs: 6, tasks: 1 });
    for (const name of V1_FIXTURES) expect(EXPECTED[name].cpu, name).toBeGreaterThan(0);
    expect(EXPECTED.mixed.gc).toBeGreaterThan(0);
    expect(EXPECTED.mixed.stw).toBe(2 * EXPECTED.mixed.gc);
  });

  for (const name of V1_FIXTURES) {
    const want = EXPECTED[name];
    it(`${name}: validates; slices = execution intervals, CPU samples, GC, STW, regions, logs, tasks`, () => {
      const t = get(name);
      expect(validateChromeTrace(t)).toEqual([]);
      expect(t.displayTimeUnit).toBe('ns');
      expect(t.otherData.format).toBe('go1.19');
      const c = tally(t);
      expect(c.goroutine.length).toBe(want.slices);
      expect(c.cpu.length).toBe(want.cpu);
      expect(c.gc.length).toBe(want.gc);
      expect(c.stw.length).toBe(want.stw);
      expect(c.regions.length).toBe(want.regions);
      expect(c.logs.length).toBe(want.logs);
      expect(c.taskB.length).toBe(want.tasks);
      expect(c.taskE.length).toBe(want.tasks);
      // Every goroutine slice sits on a P track named after its P.
      for (const e of c.goroutine.slice(0, 2000)) expect(c.threadNames.get(e.tid!)).toBe(`P${e.tid! - TID_P0}`);
    });

    it(`${name}: per goroutine, as many slices as our reader's GoStart events, starting at their times on their Ps`, () => {
      const tr = parseV1(fixture(name));
      const starts = tr.events.filter((ev) => ev.name === 'GoStart' || ev.name === 'GoStartLabel' || ev.name === 'GoStartLocal').map((ev) => ({ g: ev.args.g, p: ev.p, ts: ev.ts }));
      const c = tally(get(name));
      const perG = new Map<number, number>();
      for (const s of starts) perG.set(s.g, (perG.get(s.g) ?? 0) + 1);
      expect(c.perG).toEqual(perG);
      expect(matchStarts(c.goroutine, starts)).toEqual({ problems: [], moved: MOVED_STARTS[name] });
      // Slices on one P never overlap (validated), and each ends no earlier than it starts.
      for (const e of c.goroutine) expect(e.dur!).toBeGreaterThanOrEqual(0);
    });
  }

  it('mixed: each slice ends at the event that takes its goroutine off the P, and says which', () => {
    // The end, as Go's reader (1.22+, oldtrace) names the event a go 1.19 event becomes
    // (GoStop/GoBlock with its reason string).
    const ENDS: Record<string, string> = {
      GoEnd: 'GoDestroy',
      GoStop: 'GoBlock: forever',
      GoSched: 'GoStop: runtime.Gosched',
      GoPreempt: 'GoStop: preempted',
      GoSleep: 'GoBlock: sleep',
      GoBlock: 'GoBlock',
      GoBlockSend: 'GoBlock: chan send',
      GoBlockRecv: 'GoBlock: chan receive',
      GoBlockSelect: 'GoBlock: select',
      GoBlockSync: 'GoBlock: sync',
      GoBlockCond: 'GoBlock: sync.(*Cond).Wait',
      GoBlockNet: 'GoBlock: network',
      GoBlockGC: 'GoBlock: GC mark assist wait for work',
    };
    const tr = parseV1(fixture('mixed'));
    const open = new Map<number, number>();
    /** P → goroutine that blocked in a syscall on it (GoSysBlock) and still holds it. */
    const inSyscall = new Map<number, number>();
    const want: string[] = [];
    let last = 0;
    for (const ev of tr.events) {
      last = Math.max(last, ev.ts);
      if (ev.name === 'GoStart' || ev.name === 'GoStartLabel') open.set(ev.args.g, ev.ts);
      else if (ENDS[ev.name] && open.has(ev.g)) {
        want.push(`${ev.g}@${open.get(ev.g)}-${ev.ts}:${ENDS[ev.name]}`);
        open.delete(ev.g);
      } else if (ev.name === 'GoSysBlock' && open.has(ev.g)) {
        // Go's reader drops GoSysBlock: a goroutine in a syscall executes on its P until the P
        // stops (Go's trace viewer ends the goroutine's slice there too).
        inSyscall.set(ev.p, ev.g);
      } else if (ev.name === 'ProcStop' && inSyscall.has(ev.p)) {
        const g = inSyscall.get(ev.p)!;
        want.push(`${g}@${open.get(g)}-${ev.ts}:ProcStop`);
        open.delete(g);
        inSyscall.delete(ev.p);
      }
    }
    expect(inSyscall.size).toBe(0);
    for (const [g, t0] of open) want.push(`${g}@${t0}-${last}:end of trace`);
    const got = tally(get('mixed')).goroutine.map((e) => `${gOf(e)}@${Math.round(e.ts! * 1000)}-${Math.round((e.ts! + e.dur!) * 1000)}:${e.args!.end}`);
    // Per goroutine in time order: the same end, at the same times or 1 ns later (moved as
    // Go's reader moves events: see MOVED_STARTS; 2 ends of mixed moved).
    const parse = (x: string) => {
      const m = /^(\d+)@(\d+)-(\d+):(.*)$/.exec(x)!;
      return { g: Number(m[1]), start: Number(m[2]), end: Number(m[3]), why: m[4] };
    };
    const byG = (l: string[]) => {
      const m = new Map<number, ReturnType<typeof parse>[]>();
      for (const x of l.map(parse)) {
        const v = m.get(x.g);
        if (v) v.push(x);
        else m.set(x.g, [x]);
      }
      for (const v of m.values()) v.sort((a, b) => a.start - b.start);
      return m;
    };
    const w = byG(want);
    const o = byG(got);
    expect([...o.keys()].sort()).toEqual([...w.keys()].sort());
    const problems: string[] = [];
    let moved = 0;
    for (const [g, ws] of w) {
      const os = o.get(g)!;
      if (os.length !== ws.length) problems.push(`G${g}: ${os.length} slices, want ${ws.length}`);
      ws.forEach((x, i) => {
        const y = os[i];
        if (!y || y.why !== x.why || y.start < x.start || y.start > x.start + 1 || y.end < x.end || y.end > x.end + 1) problems.push(`G${g} #${i}: ${JSON.stringify(y)}, want ${JSON.stringify(x)}`);
        else if (y.start !== x.start || y.end !== x.end) moved++;
      });
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(moved).toBe(2);
    const ends = new Set(got.map((x) => parse(x).why));
    for (const e of ['GoBlock: chan receive', 'GoBlock: chan send', 'GoStop: runtime.Gosched', 'GoStop: preempted', 'ProcStop', 'GoBlock: sleep']) expect(ends.has(e), e).toBe(true);
  });

  it('mixed: each syscall is a slice on its goroutine track: a blocking one from GoSysCall to GoSysExit, the others 1 ns', () => {
    // Go's reader (oldtrace) makes a GoSysCall followed by its goroutine's GoSysBlock a syscall
    // that ends at GoSysExit, and any other GoSysCall a syscall of 1 ns.
    const tr = parseV1(fixture('mixed'));
    const pending = new Map<number, number>();
    const blocked = new Map<number, number>();
    const want: string[] = [];
    for (const ev of tr.events) {
      const g = ev.name === 'GoSysExit' ? ev.args.g : ev.g;
      const call = pending.get(g);
      if (call !== undefined) {
        pending.delete(g);
        if (ev.name === 'GoSysBlock') blocked.set(g, call);
        else want.push(`${g}@${call}-${call + 1}`);
      }
      if (ev.name === 'GoSysCall') pending.set(ev.g, ev.ts);
      else if (ev.name === 'GoSysExit') {
        want.push(`${g}@${blocked.get(g)}-${ev.ts}`);
        blocked.delete(g);
      }
    }
    for (const [g, call] of pending) want.push(`${g}@${call}-${call + 1}`);
    const c = tally(get('mixed'));
    expect(c.syscalls.length).toBe(fixtureCounts('mixed').GoSysCall);
    expect(want.length).toBe(fixtureCounts('mixed').GoSysCall);
    const wantSet = new Set(want);
    expect(c.syscalls.map((e) => `${e.args!.g}@${Math.round(e.ts! * 1000)}-${Math.round((e.ts! + e.dur!) * 1000)}`).filter((x) => !wantSet.has(x))).toEqual([]);
    expect(c.syscalls.filter((e) => e.dur! > 0.001).length).toBe(fixtureCounts('mixed').GoSysExit);
    for (const e of c.syscalls) expect(c.threadNames.get(e.tid!)).toMatch(new RegExp(`^G${e.args!.g}( |$)`));
  });

  describeWithGo('1.19', 'against go tool trace -d', (tc) => {
    it('go tool trace -d agrees: intervals (P, start time, goroutine), CPU samples, GC cycles, regions', () => {
      for (const name of V1_FIXTURES) {
        const d = goDump(tc, fixturePath(name));
        const starts = d.filter((e) => e.name === 'GoStart' || e.name === 'GoStartLabel');
        expect(starts.length, name).toBe(EXPECTED[name].slices);
        expect(d.filter((e) => e.name === 'CPUSample').length, name).toBe(EXPECTED[name].cpu);
        expect(d.filter((e) => e.name === 'GCStart').length, name).toBe(EXPECTED[name].gc);
        expect(d.filter((e) => e.name === 'UserRegion').length, name).toBe(2 * EXPECTED[name].regions);
        const c = tally(get(name));
        expect(matchStarts(c.goroutine, starts.map((e) => ({ g: Number(e.args.g), p: e.p, ts: e.ts }))), name).toEqual({ problems: [], moved: MOVED_STARTS[name] });
        // CPU samples: same times and goroutines.
        const wantCpu = d.filter((e) => e.name === 'CPUSample').map((e) => `${e.ts}@${e.args.g}`).sort();
        expect(c.cpu.map((e) => `${Math.round(e.ts! * 1000)}@${e.args!.g}`).sort()).toEqual(wantCpu);
      }
    }, 60_000);
  });

  it('CPU samples carry their stack: sf resolves through stackFrames to the same frames as args.stack', () => {
    const t = get('mixed');
    const tr = parseV1(fixture('mixed'));
    const sampleStacks = tr.events.filter((e) => e.name === 'CPUSample').map((e) => tr.stacks.get(e.stack)!.map((f) => f.func));
    const c = tally(t);
    let withStack = 0;
    for (const e of c.cpu) {
      if (e.sf === undefined) continue;
      withStack++;
      const chain: string[] = [];
      for (let id: string | undefined = e.sf; id !== undefined; id = t.stackFrames[id].parent) chain.push(t.stackFrames[id].name);
      const text = String(e.args!.stack).split('\n').map((l) => l.split(' ')[0]);
      expect(chain).toEqual(text);
    }
    expect(withStack).toBe(sampleStacks.filter((s) => s.length > 0).length);
    // Every CPU sample go tool trace -d counted has a stack here.
    expect(withStack).toBe(fixtureCounts('mixed').CPUSample);
    // Sample stacks, innermost first, as the reader gives them.
    expect(c.cpu.filter((e) => e.sf).map((e) => String(e.args!.stack).split('\n')[0].split(' ')[0]).sort()).toEqual(
      sampleStacks.filter((s) => s.length > 0).map((s) => s[0]).sort(),
    );
  });

  it('goroutine slices are named after the start function; regions and logs sit on goroutine tracks', () => {
    const c = tally(get('annot'));
    const names = new Set(c.goroutine.map((e) => e.name));
    expect([...names].some((n) => /^G\d+ main\./.test(n))).toBe(true);
    for (const r of c.regions) {
      expect(r.name).toBe('step');
      expect(c.threadNames.get(r.tid!)).toMatch(/^G\d+/);
    }
    // Each of tracegen's 3 annot goroutines logs once under "worker" and once under "phase".
    expect(c.logs.map((e) => e.args!.category).sort()).toEqual(['phase', 'phase', 'phase', 'worker', 'worker', 'worker']);
    expect(c.taskB[0].name).toBe('job');
    expect(c.taskE[0].id).toBe(c.taskB[0].id);
  });

  it('counters (every change): HeapAlloc follows the trace, goroutine states are never negative', () => {
    const t = toChromeTrace(fixture('mixed'), { counterResolution: 0 });
    const tr = parseV1(fixture('mixed'));
    const heap = tr.events.filter((e) => e.name === 'HeapAlloc').map((e) => e.args.mem);
    const c = tally(t);
    // mixed's HeapAlloc values all differ from their predecessor: each is one counter event.
    expect(heap.every((v, i) => i === 0 || v !== heap[i - 1])).toBe(true);
    expect(c.counters.filter((e) => e.name === 'HeapAlloc').map((e) => e.args!.bytes)).toEqual(heap);
    const g = c.counters.filter((e) => e.name === 'Goroutines');
    expect(g.length).toBe(54_442);
    let minV = Infinity;
    let maxRunning = 0;
    for (const e of g) {
      for (const v of Object.values(e.args!)) minV = Math.min(minV, v as number);
      maxRunning = Math.max(maxRunning, e.args!.running as number);
    }
    expect(minV).toBe(0);
    expect(maxRunning).toBe(2); // GOMAXPROCS=2: both Ps busy at times, never more
  });

  it('options: counters and CPU samples can be left out; pid is configurable', () => {
    const full = tally(get('mixed'));
    const t = toChromeTrace(fixture('mixed'), { counters: false, cpuSamples: false, pid: 7 });
    expect(validateChromeTrace(t)).toEqual([]);
    const c = tally(t);
    expect(c.counters.length).toBe(0);
    expect(c.cpu.length).toBe(0);
    expect(c.goroutine.length).toBe(full.goroutine.length);
    expect(c.gc.length).toBe(full.gc.length);
    expect(new Set(t.traceEvents.map((e) => e.pid))).toEqual(new Set([7]));
  });

  it('writeChromeTrace emits the same JSON in bounded pieces', () => {
    const pieces: string[] = [];
    const stats = writeChromeTrace(fixture('hog'), (s) => pieces.push(s));
    expect(pieces.length).toBeGreaterThan(10);
    for (const p of pieces) expect(p.length).toBeLessThan(70_000);
    const json = pieces.join('');
    expect(stats.chars).toBe(json.length);
    expect(JSON.parse(json)).toEqual(get('hog'));
    expect(stats.goroutineSlices).toBe(EXPECTED.hog.slices);
    expect(stats.outputEvents).toBe(get('hog').traceEvents.length);
    // mixed: labelled slices (GoStartLabel), syscalls with stacks, GC, every counter.
    const mixed: string[] = [];
    writeChromeTrace(fixture('mixed'), (s) => mixed.push(s));
    const t = JSON.parse(mixed.join(''));
    expect(t).toEqual(get('mixed'));
    expect(tally(t).goroutine.filter((e) => e.args!.label !== undefined).length).toBe(fixtureCounts('mixed').GoStartLabel);
  });
});

const ANNOTATED: Scenario = {
  gomaxprocs: 3,
  duration: '100ms',
  goroutines: [
    {
      name: 'job',
      count: 3,
      program: [{ task: 'job', do: [{ loop: [{ region: 'step', do: [{ compute: [{ func: 'main.step', file: '/app/main.go', line: 10 }], for: '300us' }, { log: 'progress', category: 'step' }] }, { gosched: true }, { sleep: '50us' }] }] }],
    },
    { name: 'io', count: 2, program: [{ loop: [{ syscall: [{ func: 'main.read', file: '/app/main.go', line: 20 }], cpu: '5us', block: '300us' }, { compute: [{ func: 'main.parse', file: '/app/main.go', line: 30 }], for: '20us' }] }] },
    { name: 'alloc', program: [{ loop: [{ compute: [{ func: 'main.build', file: '/app/main.go', line: 40 }], for: '30us' }, { alloc: '32KiB' }] }] },
  ],
  gc: { trigger: '1MiB', mark: '1ms' },
} as Scenario;

describe('export of simulator traces', () => {
  for (const go of ['1.19', '1.21', '1.22', '1.23', '1.25']) {
    for (const [name, sc] of [['default', DEFAULT_SCENARIO], ['annotated', ANNOTATED]] as const) {
      it(`go ${go}, ${name}: validates; slices match the trace's events`, (ctx) => {
        let r;
        try {
          // A short generation period: v2 traces then span several generations.
          r = simulate({ ...sc, trace: { period: '15ms' } }, { overrides: { go, duration: '100ms' }, trace: true });
        } catch (e) {
          if (/not available/.test((e as Error).message)) ctx.skip(`the go ${go} tracer is not available: ${(e as Error).message}`);
          throw e;
        }
        const bytes = r.trace!;
        const t = toChromeTrace(bytes);
        expect(validateChromeTrace(t)).toEqual([]);
        const c = tally(t);
        let counts: Record<string, number>;
        if (Number(go.split('.')[1]) <= 21) {
          const tr = parseV1(bytes);
          counts = {};
          let regionStarts = 0;
          for (const ev of tr.events) {
            counts[ev.name] = (counts[ev.name] ?? 0) + 1;
            if (ev.name === 'UserRegion' && ev.args.mode === 0) regionStarts++;
          }
          expect(c.goroutine.length).toBe((counts.GoStart ?? 0) + (counts.GoStartLabel ?? 0) + (counts.GoStartLocal ?? 0));
          expect(c.gc.length).toBe(counts.GCStart ?? 0);
          expect(c.stw.length).toBe(counts.GCSTWStart ?? counts.STWStart ?? 0); // STWStart: Go 1.21's name
          // Every region starts inside the trace (some are still open at its end).
          expect(c.regions.length).toBe(regionStarts);
          expect(c.logs.length).toBe(counts.UserLog ?? 0);
          expect(c.taskB.length).toBe(counts.UserTaskCreate ?? 0);
          // One goroutine-track slice per syscall (blocking or not).
          expect(c.syscalls.length).toBe(counts.GoSysCall ?? 0);
        } else {
          const cv = countsV2(bytes);
          expect(cv.error).toBeNull();
          counts = cv.counts;
          // Per goroutine: one slice per GoStart of it (the reader hands out a GoSwitch's start of
          // the next goroutine as a GoStart of its own), plus one if it was already
          // running when the trace began (its first mention is a GoStatus "running") or returns
          // (GoSyscallEnd) from a syscall it was in then; the GoStatus events repeated at each
          // generation start no slice.
          const rd = readV2Sync(bytes);
          expect(rd.error).toBeNull();
          expect(new Set(rd.events.map((e) => e.gen)).size).toBeGreaterThan(3);
          const want = new Map<number, number>();
          const seen = new Set<number>();
          const inSyscallAtStart = new Set<number>();
          for (const e of rd.events) {
            if (inSyscallAtStart.has(e.g) && (e.name === 'GoSyscallEnd' || e.name === 'GoSyscallEndBlocked' || e.name === 'GoDestroySyscall')) {
              if (e.name === 'GoSyscallEnd') want.set(e.g, (want.get(e.g) ?? 0) + 1);
              inSyscallAtStart.delete(e.g);
            }
            const g = e.name === 'GoStart' || e.name === 'GoStatus' || e.name === 'GoStatusStack' ? e.args.g : -1;
            if (g < 0) continue;
            const runningAtStart = (e.name === 'GoStatus' || e.name === 'GoStatusStack') && e.args.gstatus === 2 && !seen.has(g);
            if ((e.name === 'GoStatus' || e.name === 'GoStatusStack') && e.args.gstatus === 3 && !seen.has(g)) inSyscallAtStart.add(g);
            seen.add(g);
            if (e.name === 'GoStart' || runningAtStart) want.set(g, (want.get(g) ?? 0) + 1);
          }
          expect(c.perG).toEqual(want);
          expect(c.gc.length).toBe(counts.GCBegin ?? 0);
          expect(c.stw.length).toBe(counts.STWBegin ?? 0);
          expect(c.regions.length).toBe(counts.UserRegionBegin ?? 0);
          expect(c.logs.length).toBe(counts.UserLog ?? 0);
          expect(c.taskB.length).toBe(counts.UserTaskBegin ?? 0);
          expect(c.syscalls.length).toBe(counts.GoSyscallBegin ?? 0);
        }
        expect(c.cpu.length).toBe(counts.CPUSample ?? 0);
        expect(c.cpu.length).toBeGreaterThan(0);
        if (name === 'annotated') {
          expect(c.regions.length).toBeGreaterThan(10);
          expect(c.taskB.length).toBe(3);
        }
      }, 60_000);
    }
  }
});

describeWithGo('1.23', "export of Go's own v2 text traces (conformance tests, from GOROOT, and ours)", (tc) => {
  const tests = tc ? conformanceTests(tc.goroot) : [];
  const conf = (name: string) => readFileSync(join(goTextTestsDir(tc.goroot), name), 'utf8');
  it('found the text tests', () => {
    expect(tests.filter((t) => t.name.startsWith('go122-')).length).toBeGreaterThanOrEqual(13);
    expect(tests.filter((t) => t.name.includes('go125')).length).toBeGreaterThanOrEqual(1);
  });
  for (const { name: f, file: text, ok } of tests) {
    it(`${f}: ${ok ? 'exports and validates' : 'is rejected with a TraceError'}`, () => {
      if (!ok) {
        expect(() => toChromeTrace(text)).toThrow(TraceError);
        return;
      }
      const t = toChromeTrace(text);
      expect(validateChromeTrace(t)).toEqual([]);
      // Wire bytes of the same trace give the same export.
      const body = text.slice(text.indexOf('-- trace --\n') + '-- trace --\n'.length);
      const w = textToWire(body);
      if (w instanceof TraceError) throw w;
      const tw = toChromeTrace(w);
      expect(tw.otherData.kind).toBe('v2');
      expect(t.otherData.kind).toBe('text');
      expect(tw.traceEvents).toEqual(t.traceEvents);
      expect(tw.stackFrames).toEqual(t.stackFrames);
    });
  }

  it('annotations: the exact regions, task and log of go122-annotations', () => {
    const t = toChromeTrace(conf('go122-annotations.test'));
    const c = tally(t);
    const regions = c.regions.map((e) => `${c.threadNames.get(e.tid!)}:${e.name}`).sort();
    expect(regions).toEqual([
      'G1:post-existing region',
      'G1:task0 region',
      'G9 main.main.func1:region0',
      'G9 main.main.func1:region1',
      'G9 main.main.func1:unended region',
    ]);
    const r1 = c.regions.find((e) => e.name === 'region1')!;
    const r0 = c.regions.find((e) => e.name === 'region0')!;
    expect(r1.ts! >= r0.ts! && r1.ts! + r1.dur! <= r0.ts! + r0.dur!).toBe(true);
    expect(c.taskB.map((e) => e.name)).toEqual(['task0']);
    expect(c.taskE.map((e) => e.id)).toEqual(c.taskB.map((e) => e.id));
    expect(c.logs.map((e) => e.name)).toEqual(['key0: 0123456789abcdef']);
    expect(c.stw.map((e) => e.name)).toEqual(['STW (start trace)']);
    // G1 ran at the start (GoStatus running), blocked, and ran again: two slices; G9 one.
    expect(c.perG.get(1)).toBe(2);
    expect(c.perG.get(9)).toBe(1);
  });

  it('a syscall whose P is stolen: the goroutine slice ends at ProcSteal, the syscall at GoSyscallEndBlocked', () => {
    const t = toChromeTrace(conf('go122-syscall-steal-proc-simple.test'));
    const c = tally(t);
    const g1 = c.goroutine.filter((e) => gOf(e) === 1);
    expect(g1.map((e) => e.args!.end)).toEqual(['ProcSteal']);
    const sys = c.syscalls;
    expect(sys.length).toBe(1);
    expect(sys[0].ts!).toBeLessThan(g1[0].ts! + g1[0].dur!);
    expect(sys[0].ts! + sys[0].dur!).toBeGreaterThan(g1[0].ts! + g1[0].dur!);
  });

  // Where the model (state transitions) answers better than the export's old reading of event
  // names did: both cases are in Go's own go122-gc-stress test trace.
  it('go122-gc-stress: a goroutine in a syscall when the trace starts executes from its return (GoSyscallEnd) to its block', () => {
    // G131's first events: GoStatus syscall on P23, GoSyscallEnd, GoBlock. The name-based export
    // started slices only at GoStart, so this interval was missing.
    const text = conf('go122-gc-stress.test');
    const ev = readV2Sync(textToWire(text.slice(text.indexOf('-- trace --\n') + 12)) as Uint8Array).events.filter((e) => e.g === 131 || e.args.g === 131);
    expect(ev.slice(0, 3).map((e) => `${e.name}${e.name === 'GoStatus' ? ` gstatus=${e.args.gstatus}` : ''}`)).toEqual(['GoStatus gstatus=3', 'GoSyscallEnd', 'GoBlock']);
    const c = tally(toChromeTrace(text));
    const first = c.goroutine.filter((e) => gOf(e) === 131).sort((a, b) => a.ts! - b.ts!)[0];
    // Times: the model's (Go's reader makes the first event's time 1 ns past 0, as EventBuilder
    // does not), so compare durations and neighbours.
    expect(first.tid! - TID_P0).toBe(ev[0].p);
    expect(Math.round(first.dur! * 1000)).toBe(ev[2].ts - ev[1].ts);
    expect(first.args!.end).toBe('GoBlock: system goroutine wait');
    expect(c.perG.get(131)).toBe(ev.filter((e) => e.name === 'GoStart').length + 1);
  });

  it('go122-gc-stress: each GoLabel labels its goroutine\'s execution slice (the GC workers: "GC (dedicated)", "GC (idle)")', () => {
    const text = conf('go122-gc-stress.test');
    const labels = readV2Sync(textToWire(text.slice(text.indexOf('-- trace --\n') + 12)) as Uint8Array).events.filter((e) => e.name === 'GoLabel');
    const c = tally(toChromeTrace(text));
    const labelled = c.goroutine.filter((e) => e.args!.label !== undefined);
    expect(labels.length).toBeGreaterThan(10);
    expect(labelled.length).toBe(labels.length);
    expect(new Set(labelled.map((e) => e.args!.label))).toEqual(new Set(['GC (dedicated)', 'GC (idle)']));
    expect(new Set(labelled.map((e) => gOf(e)))).toEqual(new Set(labels.map((e) => e.g)));
  });
});

describe('gotracesim export --chrome (CLI function)', () => {
  const quiet = { out: () => {}, err: () => {} };
  const capture = () => {
    const io = { o: '', e: '', out: (s: string) => void (io.o += s), err: (s: string) => void (io.e += s) };
    return io;
  };
  const newDir = () => mkdtempSync(join(dir, 'cli-'));

  it('writes FILE.json by default, and -o OUT; exit 0; the output validates', async () => {
    const d = newDir();
    const f = join(d, 'annot.trace');
    writeFileSync(f, fixture('annot'));
    expect(await exportChromeCommand(['--chrome', f], quiet)).toBe(0);
    const t = JSON.parse(readFileSync(`${f}.json`, 'utf8'));
    expect(validateChromeTrace(t)).toEqual([]);
    expect(tally(t).goroutine.length).toBe(EXPECTED.annot.slices);
    const out = join(d, 'x.json');
    expect(await exportChromeCommand(['export', '--chrome', f, '-o', out], quiet)).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(`${f}.json`, 'utf8'));
    expect(readdirSync(d).sort()).toEqual(['annot.trace', 'annot.trace.json', 'x.json']);
  });

  describeWithGo('1.23', "Go's text format (a test file from GOROOT)", (tc) => {
    it("reads Go's text format too", async () => {
      const d = newDir();
      const f = join(d, 'annotations.test');
      writeFileSync(f, readFileSync(join(goTextTestsDir(tc.goroot), 'go122-annotations.test')));
      expect(await exportChromeCommand(['--chrome', f], quiet)).toBe(0);
      const t = JSON.parse(readFileSync(`${f}.json`, 'utf8'));
      expect(validateChromeTrace(t)).toEqual([]);
      expect(t.otherData).toMatchObject({ kind: 'text', format: 'go1.22' });
      expect(tally(t).regions.length).toBe(5);
      expect(readdirSync(d).sort()).toEqual(['annotations.test', 'annotations.test.json']);
    });
  });

  it('reads v2 wire traces too', async () => {
    const d = newDir();
    const v2 = join(d, 'sim.trace');
    const bytes = simulate(DEFAULT_SCENARIO, { overrides: { go: '1.23', duration: '50ms' }, trace: true }).trace!;
    writeFileSync(v2, bytes);
    const io = capture();
    expect(await exportChromeCommand(['--chrome', v2, '--output=' + join(d, 'sim.json')], io)).toBe(0);
    expect(io.e).toMatch(/wrote .*sim\.json \(go1\.23 trace: \d+ events/);
    const t2 = JSON.parse(readFileSync(join(d, 'sim.json'), 'utf8'));
    expect(t2).toEqual(toChromeTrace(bytes));
    expect(readdirSync(d).sort()).toEqual(['sim.json', 'sim.trace']);
  });

  it('usage errors exit 2', async () => {
    const d = newDir();
    const f = join(d, 'hog.trace');
    writeFileSync(f, fixture('hog'));
    for (const args of [[], [f], ['--chrome'], ['--chrome', f, f], ['--chrome', f, '--svg'], ['--chrome', f, '-o']]) {
      const io = capture();
      expect(await exportChromeCommand(args, io), args.join(' ')).toBe(2);
      expect(io.e).toMatch(/^gotracesim export: /);
      expect(io.e).toContain('usage: gotracesim export --chrome FILE');
    }
    // OUT = FILE is refused in one line (test/cli-hostile.test.ts covers links and ./FILE).
    const same = capture();
    expect(await exportChromeCommand(['--chrome', f, '-o', f], same)).toBe(2);
    expect(same.e).toBe(`gotracesim export: ${f}: refusing to write: it is the input trace ${f}\n`);
    expect(readdirSync(d)).toEqual(['hog.trace']);
    const io = capture();
    expect(await exportChromeCommand(['--help'], io)).toBe(0);
    expect(io.o).toContain('usage: gotracesim export --chrome FILE');
  });

  it('an unreadable input exits 2 naming the file; an unwritable output exits 2', async () => {
    const d = newDir();
    const io = capture();
    expect(await exportChromeCommand(['--chrome', join(d, 'missing.trace')], io)).toBe(2);
    expect(io.e).toContain(`cannot read ${join(d, 'missing.trace')}`);
    const f = join(d, 'hog.trace');
    writeFileSync(f, fixture('hog'));
    const io2 = capture();
    expect(await exportChromeCommand(['--chrome', f, '-o', join(d, 'no', 'such', 'dir.json')], io2)).toBe(2);
    expect(io2.e).toContain('cannot write');
    expect(readdirSync(d)).toEqual(['hog.trace']);
  });

  it('an invalid trace exits 1 naming the file and byte offset, and leaves no file (an existing OUT is kept)', async () => {
    const d = newDir();
    const cases: [string, Uint8Array, RegExp][] = [
      ['junk.trace', new TextEncoder().encode('this is not a trace at all'), /junk\.trace: invalid trace at byte offset 0: not a Go execution trace/],
      ['v1cut.trace', fixture('mixed').subarray(0, (fixture('mixed').length >> 1) + 1), /v1cut\.trace: invalid trace at byte offset \d+/],
    ];
    const v2 = simulate(DEFAULT_SCENARIO, { overrides: { go: '1.23', duration: '300ms' }, trace: true }).trace!;
    // Cut inside the last generation's data: earlier generations export before the error is found.
    cases.push(['v2cut.trace', v2.subarray(0, v2.length - 1000), /v2cut\.trace: invalid trace at byte offset \d+/]);
    for (const [name, bytes, msg] of cases) {
      const f = join(d, name);
      writeFileSync(f, bytes);
      const out = join(d, `${name}.out.json`);
      writeFileSync(out, 'previous');
      const io = capture();
      expect(await exportChromeCommand(['--chrome', f, '-o', out], io), name).toBe(1);
      expect(io.e).toMatch(msg);
      expect(readFileSync(out, 'utf8')).toBe('previous');
      expect(readdirSync(d).filter((x) => x.endsWith('.tmp'))).toEqual([]);
    }
  }, 60_000);
});

/** A TrackSink that writes down every call, for the filter's exact sequences. */
function recorder(): TrackSink & { calls: string[] } {
  const calls: string[] = [];
  const rec = (name: string) => (...a: unknown[]) => void calls.push(`${name} ${a.filter((x) => typeof x !== 'object' && x !== undefined).join(' ')}`);
  return {
    calls,
    detail: true,
    generation: rec('generation'),
    execution: rec('execution'),
    syscall: rec('syscall'),
    assist: rec('assist'),
    region: rec('region'),
    task: rec('task'),
    log: rec('log'),
    cpuSample: rec('cpuSample'),
    gc: rec('gc'),
    stw: rec('stw'),
    sweep: rec('sweep'),
    metric: rec('metric'),
    goroutines: rec('goroutines'),
    end: rec('end'),
  };
}

/** ns of a µs time the export wrote (whole ns as three decimals). */
const ns = (us: number) => Math.round(us * 1000);

/** Counter events of one name as [ns, args JSON], in time order. */
function series(t: ChromeTrace, name: string): [number, string][] {
  return t.traceEvents.filter((e) => e.ph === 'C' && e.name === name).map((e) => [ns(e.ts!), JSON.stringify(e.args)] as [number, string]).sort((a, b) => a[0] - b[0]);
}

/** The value a series shows just before time b ('' before its first event). */
function valueBefore(s: [number, string][], b: number): string {
  let v = '';
  for (const [t, x] of s) if (t < b) v = x;
  return v;
}

/**
 * The events of an export in a form that compares across exports: sf (an id of the export's
 * stackFrames) replaced by the frames it names, and a goroutine track's tid by its name (both
 * are numbered in order of first use, which a window changes).
 */
function comparable(t: ChromeTrace): (e: ChromeEvent) => ChromeEvent {
  const names = new Map<number, string>();
  for (const e of t.traceEvents) if (e.ph === 'M' && e.name === 'thread_name') names.set(e.tid!, String(e.args!.name));
  return (e) => {
    const x = { ...e };
    if (x.tid !== undefined && x.tid >= TID_G0) (x as Record<string, unknown>).tid = names.get(x.tid);
    if (x.sf !== undefined) {
      const chain: string[] = [];
      for (let id: string | undefined = x.sf; id !== undefined; id = t.stackFrames[id].parent) chain.push(t.stackFrames[id].name);
      x.sf = chain.join(' < ');
    }
    return x;
  };
}

/**
 * A full export (every counter change) cut to [from, to) by the rules of filter.ts, computed
 * here on the JSON: X slices clipped (a zero-length one kept when inside), instants inside,
 * task pairs clipped, counters from their value at `from`; metadata left out.
 */
function cutReference(full: ChromeTrace, from: number, to: number): string[] {
  const out: string[] = [];
  const events = full.traceEvents.map(comparable(full));
  const us = (x: number) => x / 1000;
  const openTasks = new Map<string, ChromeEvent>();
  const counters = new Map<string, [number, ChromeEvent][]>();
  for (const e of events) {
    if (e.ph === 'M') continue;
    if (e.ph === 'X') {
      const s = ns(e.ts!);
      const end = s + ns(e.dur!);
      if (end <= s) {
        if (s >= from && s < to) out.push(JSON.stringify(e));
        continue;
      }
      const cs = Math.max(s, from);
      const ce = Math.min(end, to);
      if (cs < ce) out.push(JSON.stringify({ ...e, ts: us(cs), dur: us(ce - cs) }));
    } else if (e.ph === 'i') {
      if (ns(e.ts!) >= from && ns(e.ts!) < to) out.push(JSON.stringify(e));
    } else if (e.ph === 'b') {
      openTasks.set(String(e.id), e);
    } else if (e.ph === 'e') {
      const b = openTasks.get(String(e.id))!;
      const [s, end] = [ns(b.ts!), ns(e.ts!)];
      const cs = Math.max(s, from);
      const ce = Math.min(end, to);
      if (cs < ce || (end <= s && s >= from && s < to)) {
        out.push(JSON.stringify({ ...b, ts: us(cs) }), JSON.stringify({ ...e, ts: us(ce) }));
      }
    } else if (e.ph === 'C') {
      const l = counters.get(e.name) ?? [];
      l.push([ns(e.ts!), e]);
      counters.set(e.name, l);
    }
  }
  for (const l of counters.values()) {
    l.sort((a, b) => a[0] - b[0]);
    let atFrom: ChromeEvent | undefined;
    const inside: ChromeEvent[] = [];
    for (const [t, e] of l) {
      if (t <= from) atFrom = t === from ? e : { ...e, ts: us(from) };
      else if (t < to) inside.push(e);
    }
    let last = '';
    for (const e of atFrom ? [atFrom, ...inside] : inside) {
      const v = JSON.stringify(e.args);
      if (v !== last) out.push(JSON.stringify(e));
      last = v;
    }
  }
  return out.sort();
}

describe('export options: counters only when they change, time windows, gzip', () => {
  it('TrackFilter: a counter series passes on only values that differ from the last passed on', () => {
    const r = recorder();
    const f = new TrackFilter(r, { counterResolution: 0 });
    f.goroutines(10, 1, 0, 0, 0);
    f.goroutines(20, 1, 0, 0, 0); // restated: dropped
    f.goroutines(30, 0, 1, 0, 0);
    f.goroutines(40, 1, 0, 0, 0); // back to an earlier value: a change
    for (const t of [10, 20, 30]) f.metric('Gomaxprocs', t, 4); // restated every generation
    f.metric('HeapAlloc', 10, 100);
    f.metric('HeapAlloc', 15, 100);
    f.metric('HeapAlloc', 20, 200);
    f.end(50);
    expect(r.calls).toEqual(['goroutines 10 1 0 0 0', 'goroutines 30 0 1 0 0', 'goroutines 40 1 0 0 0', 'metric Gomaxprocs 10 4', 'metric HeapAlloc 10 100', 'metric HeapAlloc 20 200', 'end 50']);
  });

  it('TrackFilter: with a resolution, the last change of each bucket, at its time; none when it restates the last', () => {
    const r = recorder();
    const f = new TrackFilter(r, { counterResolution: 100 });
    f.metric('HeapAlloc', 10, 1);
    f.metric('HeapAlloc', 50, 2);
    f.metric('HeapAlloc', 99, 3); // bucket [0, 100): 3 at 99
    f.metric('HeapAlloc', 100, 4);
    f.metric('HeapAlloc', 150, 3); // bucket [100, 200): 3 again, the value already shown: nothing
    f.metric('HeapAlloc', 250, 5); // bucket [200, 300): 5 at 250, passed on at the end
    f.end(260);
    expect(r.calls).toEqual(['metric HeapAlloc 99 3', 'metric HeapAlloc 250 5', 'end 260']);
  });

  it('TrackFilter: a window [from, to) clips intervals, keeps instants inside, starts counters at their value at from', () => {
    const r = recorder();
    const f = new TrackFilter(r, { from: 100, to: 300, counterResolution: 0 });
    f.metric('HeapAlloc', 50, 1);
    f.metric('HeapAlloc', 80, 2); // in effect at 100
    f.metric('HeapAlloc', 120, 3);
    f.metric('HeapAlloc', 300, 4); // at `to`: outside
    f.goroutines(60, 1, 0, 0, 0);
    f.goroutines(100, 2, 0, 0, 0); // changed right at `from`: the earlier value is never shown
    f.execution(1, 'main.a', 0, 50, 150, 'GoStop', ''); // → [100, 150]
    f.execution(1, 'main.a', 0, 0, 100, 'GoStop', ''); // ends at from: nothing inside
    f.execution(2, 'main.b', 1, 100, 100, 'GoStop', ''); // zero-length at from: inside
    f.execution(2, 'main.b', 1, 300, 300, 'GoStop', ''); // zero-length at to: outside
    f.execution(3, 'main.c', 2, 20, 500, 'end of trace', ''); // → [100, 300]
    f.syscall(4, 'main.d', 250, 400, undefined); // → [250, 300]
    f.gc(310, 320);
    f.task(7, 0, 'job', 0, 150); // → [100, 150]
    for (const t of [99, 100, 299, 300]) f.cpuSample(1, 0, t, undefined);
    f.log(1, 'main.a', 0, 'cat', 'msg', 299, undefined);
    f.end(400);
    expect(r.calls).toEqual([
      'metric HeapAlloc 100 2',
      'metric HeapAlloc 120 3',
      'goroutines 100 2 0 0 0',
      'execution 1 main.a 0 100 150 GoStop ',
      'execution 2 main.b 1 100 100 GoStop ',
      'execution 3 main.c 2 100 300 end of trace ',
      'syscall 4 main.d 250 300',
      'task 7 0 job 100 150',
      'cpuSample 1 0 100',
      'cpuSample 1 0 299',
      'log 1 main.a 0 cat msg 299',
      'end 300',
    ]);
    expect(() => new TrackFilter(r, { from: 5, to: 5 })).toThrow(RangeError);
    expect(() => new TrackFilter(r, { from: -1 })).toThrow(RangeError);
    expect(() => new TrackFilter(r, { counterResolution: -1 })).toThrow(RangeError);
  });

  it('mixed: counter events, exactly: every change at resolution 0; one per 1 ms bucket by default, exact at every bucket boundary', () => {
    const every = toChromeTrace(fixture('mixed'), { counterResolution: 0 });
    const byDefault = toChromeTrace(fixture('mixed'));
    const count = (t: ChromeTrace, n: string) => series(t, n).length;
    expect(DEFAULT_COUNTER_RESOLUTION).toBe(1_000_000);
    expect(['HeapAlloc', 'HeapGoal', 'Gomaxprocs', 'Goroutines'].map((n) => count(every, n))).toEqual([846, 15, 1, 54_442]);
    expect(['HeapAlloc', 'HeapGoal', 'Gomaxprocs', 'Goroutines'].map((n) => count(byDefault, n))).toEqual([66, 15, 1, 84]);
    expect(validateChromeTrace(byDefault)).toEqual([]);
    const end = Math.max(...every.traceEvents.filter((e) => e.ts !== undefined).map((e) => ns(e.ts!)));
    for (const name of ['HeapAlloc', 'Goroutines']) {
      const fine = series(every, name);
      const coarse = series(byDefault, name);
      for (let b = DEFAULT_COUNTER_RESOLUTION; b <= end + DEFAULT_COUNTER_RESOLUTION; b += DEFAULT_COUNTER_RESOLUTION) {
        expect(valueBefore(coarse, b), `${name} before ${b} ns`).toBe(valueBefore(fine, b));
      }
      const buckets = coarse.map(([t]) => Math.floor(t / DEFAULT_COUNTER_RESOLUTION));
      expect(new Set(buckets).size, name).toBe(buckets.length);
    }
    // Everything else is the same export.
    const rest = (t: ChromeTrace) => t.traceEvents.filter((e) => e.ph !== 'C').map((e) => JSON.stringify(e));
    expect(rest(byDefault)).toEqual(rest(every));
  });

  it('a Go 1.23 trace: GOMAXPROCS and the heap goal, restated by every generation and STW, are written when they change', () => {
    const bytes = simulate(DEFAULT_SCENARIO, { overrides: { go: '1.23', duration: '300ms' }, trace: true }).trace!;
    const ev = readV2Sync(bytes).events;
    const changes = (name: string, key: string) => {
      const v = ev.filter((e) => e.name === name).map((e) => Number(e.args[key]));
      return { all: v.length, changed: v.filter((x, i) => i === 0 || x !== v[i - 1]) };
    };
    const procs = changes('ProcsChange', 'procs_value');
    const goal = changes('HeapGoal', 'heapgoal_value');
    expect(procs.all).toBeGreaterThan(10);
    expect(goal.all).toBeGreaterThan(10);
    const t = toChromeTrace(bytes, { counterResolution: 0 });
    expect(series(t, 'Gomaxprocs').map(([, a]) => JSON.parse(a).procs)).toEqual(procs.changed);
    expect(series(t, 'HeapGoal').map(([, a]) => JSON.parse(a).bytes)).toEqual(goal.changed);
  });

  for (const name of ['annot', 'mixed'] as const) {
    it(`${name}: a window [1/3, 2/3) of the trace is the full export cut exactly (slices clipped, instants inside, counters from their value at from)`, () => {
      const full = toChromeTrace(fixture(name), { counterResolution: 0 });
      const end = Math.max(...full.traceEvents.filter((e) => e.ts !== undefined).map((e) => ns(e.ts! + (e.dur ?? 0))));
      const from = Math.round(end / 3);
      const to = Math.round((2 * end) / 3);
      const cut = toChromeTrace(fixture(name), { counterResolution: 0, from, to });
      expect(validateChromeTrace(cut)).toEqual([]);
      const got = cut.traceEvents.filter((e) => e.ph !== 'M').map(comparable(cut)).map((e) => JSON.stringify(e)).sort();
      const want = cutReference(full, from, to);
      expect(got.length).toBeGreaterThan(100);
      expect(got.length).toBeLessThan(full.traceEvents.length);
      expect(got).toEqual(want);
      // Tracks are named when something is on them (GC and STW always).
      const used = new Set(cut.traceEvents.filter((e) => e.ph !== 'M' && e.tid !== undefined && e.ph !== 'C' && e.ph !== 'b' && e.ph !== 'e').map((e) => e.tid));
      const named = new Set(cut.traceEvents.filter((e) => e.name === 'thread_name').map((e) => e.tid));
      expect(named).toEqual(new Set([TID_GC, TID_STW, ...used]));
    });
  }

  it('CLI: --from/--to/--counter-resolution are the options; --gzip writes FILE.json.gz that gunzips to the same JSON, byte for byte, with no time in it', async () => {
    const d = mkdtempSync(join(dir, 'opts-'));
    const f = join(d, 'annot.trace');
    writeFileSync(f, fixture('annot'));
    const quiet = { out: () => {}, err: () => {} };
    expect(await exportChromeCommand(['--chrome', f, '--from', '2ms', '--to=5ms', '--counter-resolution', '0', '-o', join(d, 'w.json')], quiet)).toBe(0);
    expect(JSON.parse(readFileSync(join(d, 'w.json'), 'utf8'))).toEqual(toChromeTrace(fixture('annot'), { from: 2e6, to: 5e6, counterResolution: 0 }));
    expect(await exportChromeCommand(['--chrome', f], quiet)).toBe(0);
    expect(await exportChromeCommand(['--chrome', f, '--gzip'], quiet)).toBe(0);
    const plain = readFileSync(`${f}.json`);
    const gz = readFileSync(`${f}.json.gz`);
    expect(gz.length).toBeLessThan(plain.length / 5);
    expect([...gz.subarray(0, 3)]).toEqual([0x1f, 0x8b, 8]);
    expect([...gz.subarray(4, 8)]).toEqual([0, 0, 0, 0]); // mtime 0: the same trace, the same bytes
    expect(Buffer.from(gunzipSync(gz)).equals(plain)).toBe(true);
    expect(await exportChromeCommand(['--chrome', f, '--gzip', '-o', join(d, 'again.gz')], quiet)).toBe(0);
    expect(readFileSync(join(d, 'again.gz')).equals(gz)).toBe(true);
    expect(readdirSync(d).sort()).toEqual(['again.gz', 'annot.trace', 'annot.trace.json', 'annot.trace.json.gz', 'w.json']);
    for (const [args, msg] of [
      [['--from', 'soon'], /--from: not a non-negative duration: "soon"/],
      [['--to', '1s', '--from', '2s'], /--to must be later than --from/],
      [['--counter-resolution', '-5us'], /--counter-resolution: not a non-negative duration/],
      [['--to'], /--to needs a duration/],
    ] as [string[], RegExp][]) {
      let err = '';
      expect(await exportChromeCommand(['--chrome', f, ...args], { out: () => {}, err: (s) => void (err += s) }), args.join(' ')).toBe(2);
      expect(err).toMatch(msg);
    }
  });
});

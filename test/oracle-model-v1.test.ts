// Differential test of the v1 model (go 1.5–1.21 traces converted into Go1.22+ base events,
// formats/v1/ runModelV1) against real Go: Go 1.23's `go tool trace -d=1` converts go 1.11–1.21
// traces with its oldtrace and prints every event's Event.String(); our model printed by
// formats/trace/print.ts must give the same records, event by event (stacks included).
// Inputs: Go's canned traces (read from GOROOT at test time), fresh traces from
// test/go/tracegen built and run with Go 1.19 and 1.21, and the simulator's own go 1.19 / 1.21
// traces of the structured oracle scenarios.
//
// Where Go 1.23 is not deterministic, the comparison allows what it leaves open: events Go's
// reader made strictly increasing in time by moving them 1 ns (equal timestamps on different
// Ps, which Go 1.23's heap takes in map order; the goroutines that existed when tracing started,
// which it lists in map order) form runs of consecutive nanoseconds; within such a run the
// records are compared as a set, their times as a list. Everything else is compared exactly.
// Who may touch: the v1 format owner.
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { describeWithGo, goTraceDump, scratchDirFor, toolchain } from './oracle/go.ts';
import { CANNED, cannedNamed, goModelDump, mutants, read, runTracegen, tracegen, WORKLOADS } from './oracle/v1-traces.ts';
import { ORACLE_SCENARIOS } from './oracle/scenarios.ts';
import { argCountCode, EvBatch, EvFrequency, EvGoBlockNet, EvGoCreate, EvGomaxprocs, EvGoSched, EvGoStart, EvGoSysBlock, EvGoSysCall, EvGoSysExit, EvGoWaiting, EvProcStart, EvProcStop, EvStack, EvString, readV1Wire, runModelV1, validateV1 } from '../bindings/formats/v1/index.ts';
import { encodeUvarint } from '../bindings/formats/uvarint.ts';
import { GO_STATE_NAMES, KindStateTransition, PROC_STATE_NAMES, ResourceGoroutine } from '../bindings/formats/trace/model.ts';
import { fixtureCounts, fixtureTrace } from './data.ts';
import { formatModelEvent } from '../bindings/formats/trace/print.ts';
import { simulate } from '../bindings/runtime/simulate.ts';
import type { GoRelease } from '../bindings/scenario/scenario.ts';

/** Our model of a v1 trace, printed as Go's -d=1 prints each event (final newline dropped). */
function ourRecords(bytes: Uint8Array): { error: string; events: string[] } {
  const events: string[] = [];
  const err = runModelV1(bytes, {
    generation() {},
    event(v) {
      events.push(formatModelEvent(v).replace(/\n+$/, ''));
    },
  });
  return { error: err?.message ?? '', events };
}

const timeOf = (r: string): number => Number(/ Time=(\d+)/.exec(r)![1]);

/**
 * Records with Go's run-to-run freedom taken out: each run of events at consecutive
 * nanoseconds becomes its records without times, sorted, then its times in order.
 */
function canonical(records: string[]): string[] {
  const out: string[] = [];
  let run: string[] = [];
  let last = -2;
  const flush = (): void => {
    out.push(...run.map((r) => r.replace(/ Time=\d+/, '')).sort(), `times ${run.map(timeOf).join(' ')}`);
    run = [];
  };
  for (const r of records) {
    const t = timeOf(r);
    if (t > last + 1 && run.length > 0) flush();
    run.push(r);
    last = t;
  }
  if (run.length > 0) flush();
  return out;
}

/** The first difference of two record lists, up to Go's freedom (null: equal). */
function firstDiff(go: string[], ours: string[]): { at: number; go?: string; ours?: string; goEvents: number; ourEvents: number } | null {
  const a = canonical(go);
  const b = canonical(ours);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return { at: i, go: a[i], ours: b[i], goEvents: go.length, ourEvents: ours.length };
  }
  return null;
}

const tc23 = toolchain('1.23');
const GO_OR_PROC = (resource: number): readonly string[] => (resource === ResourceGoroutine ? GO_STATE_NAMES : PROC_STATE_NAMES);

/**
 * Compare one trace Go 1.23 accepts: the same records. Returns Go's verdict ('' = accepted)
 * for the caller; a trace Go 1.23 refuses is checked by the caller.
 */
function compareModel(bytes: Uint8Array): { goError: string; events: number } {
  const go = goModelDump(tc23!, bytes);
  if (go.error !== '') return { goError: go.error, events: 0 };
  const ours = ourRecords(bytes);
  expect(ours.error, 'ours').toBe('');
  expect(firstDiff(go.events, ours.events)).toBeNull();
  return { goError: '', events: go.events.length };
}

/**
 * A mutant: when Go 1.23 reads it and so do we, the same events; when Go 1.23 refuses it, no
 * event, or (a futile wakeup it cannot convert) the same events before the refusal as ours.
 */
function compareModelOrRefusal(bytes: Uint8Array, weRead: boolean): 'compared' | 'refused' {
  const go = goModelDump(tc23!, bytes);
  if (go.error === 'unexpected event type 36' && weRead) {
    // Refused while converting: the events before the futile wakeup came out, as ours do.
    const ours = ourRecords(bytes);
    expect(ours.error).toBe(go.error);
    expect(firstDiff(go.events, ours.events)).toBeNull();
    return 'refused';
  }
  if (go.error !== '') {
    // Refused while parsing (oldtrace checks the whole trace before converting): no event.
    expect(go.events).toEqual([]);
    return 'refused';
  }
  // Go 1.23 reads a mutant Go 1.19's checks refuse only where its own checks differ: compare
  // only what both read. Strings that are not UTF-8 are JS strings in the model (U+FFFD for
  // each bad byte), where Go prints the bytes: not compared.
  if (!weRead || [...readV1Wire(bytes).strings.values()].some((x) => x.includes('\ufffd'))) return 'refused';
  const ours = ourRecords(bytes);
  expect(ours.error).toBe('');
  expect(firstDiff(go.events, ours.events)).toBeNull();
  return 'compared';
}

/**
 * Real go 1.19/1.21 traces Go 1.23's oldtrace refuses (while the release that wrote them reads
 * them): its own ordering (a frontier that keeps events it found ready, then "encountered
 * impossible goroutine state transition"), and the futile wakeups it cannot convert.
 */
const GO123_REFUSALS = /^(encountered impossible goroutine state transition|unexpected event type 36|no consistent ordering of events possible)$/;

describeWithGo('1.23', "v1 model vs Go 1.23's go tool trace -d=1 (oldtrace): Go's canned traces", () => {
  it('finds canned traces of every version', () => {
    const versions = [...new Set(CANNED.map((c) => c.version))].sort((a, b) => a - b);
    expect(versions).toEqual(toolchain('1.19') ? [1005, 1007, 1009, 1010, 1011, 1019, 1021] : [1011, 1019, 1021]);
  });

  // Go 1.23 reads go 1.11 – 1.21 only: the older ones are ours alone (listed by name).
  const older = CANNED.filter((c) => c.version < 1011);
  for (const c of CANNED.filter((x) => x.version >= 1011)) {
    it(`${c.label}: every event as Go 1.23 converts it`, () => {
      const bytes = read(c.path);
      const got = compareModel(bytes);
      expect(got.goError).toBe('');
      expect(got.events).toBeGreaterThan(0);
    }, 120_000);
  }

  it(`go 1.5 – 1.10 (${older.length} traces): refused by Go 1.23, converted by us as it converts 1.11`, () => {
    const seen: string[] = [];
    for (const c of older) {
      const bytes = read(c.path);
      const go = goModelDump(tc23!, bytes);
      const v = c.version;
      expect(go.error, c.label).toBe(`unknown or unsupported trace version go 1.${v % 1000}`);
      const ours = ourRecords(bytes);
      // The one canned trace Go 1.19 refuses is refused by our model with Go 1.19's reason.
      if (c.label.endsWith('_unordered')) expect(ours.error, c.label).toMatch(/^time stamps out of order/);
      else expect([ours.error, ours.events.length > 0], c.label).toEqual(['', true]);
      seen.push(c.label.replace(/^go1\.19\//, ''));
    }
    expect(seen.length).toBe(toolchain('1.19') ? 13 : 0);
  }, 120_000);
});

describeWithGo('1.23', "v1 model vs Go 1.23's go tool trace -d=1: seeded mutants", () => {
  it("Go's fuzz input with a lone futile wakeup: refused by Go 1.23 and by the model alike", () => {
    expect(goModelDump(tc23!, FUZZ_FUTILE)).toEqual({ error: 'unexpected event type 36', events: [] });
    expect(ourRecords(FUZZ_FUTILE)).toEqual({ error: 'unexpected event type 36', events: [] });
  });

  it('mutants of go 1.11, 1.19 and 1.21 traces: where Go 1.23 reads one, the same events', () => {
    const sources = ['go1.19/stress_start_stop_1_11_good', 'go1.19/user_task_region_1_19_good', 'go1.23-oldtrace/stress_start_stop_1_21_good'];
    let compared = 0;
    let refused = 0;
    for (const [k, label] of sources.entries()) {
      if (!CANNED.some((c) => c.label === label)) continue;
      for (const b of mutants(read(cannedNamed(label).path), 30, 4000 + k)) {
        const ours = validateV1(b);
        const got = compareModelOrRefusal(b, ours === null);
        if (got === 'compared') compared++;
        else refused++;
      }
    }
    // Mutants reach both: traces Go reads (compared event by event) and traces it refuses.
    console.log(`[gotracesim] v1 model mutants: ${compared} compared event by event, ${refused} refused by either reader`);
    expect([compared > 0, refused > 0]).toEqual([true, true]);
  }, 300_000);
});

describeWithGo('1.23', "v1 model vs Go 1.23's go tool trace -d=1: fresh traces from test/go/tracegen", () => {
  for (const release of ['1.19', '1.21'] as const) {
    describeWithGo(release, `written by Go ${release}`, (tc) => {
      let bin = '';
      let dir = '';
      beforeAll(async () => {
        for (const r of ['1.19', '1.21'] as const) if (toolchain(r)) void tracegen(r);
        bin = await tracegen(release);
        dir = scratchDirFor(`model-traces-${release}`);
      }, 300_000);
      for (const wl of WORKLOADS) {
        it(`${wl}: every event as Go 1.23 converts it`, () => {
          const bytes = runTracegen(bin, wl, join(dir, `${wl}.trace`), '50ms');
          expect(validateV1(bytes)).toBeNull();
          const got = compareModel(bytes);
          if (got.goError !== '') {
            // Go 1.23 refuses what the release that wrote it reads: ours reads it as that release
            // does (its order), or refuses it as Go 1.23 does (a futile wakeup).
            expect(got.goError).toMatch(GO123_REFUSALS);
            expect(goTraceDump(tc, bytes).error).toBe('');
            expect(ourRecords(bytes).error).toBe(got.goError === 'unexpected event type 36' ? got.goError : '');
            console.warn(`[gotracesim] Go 1.23 refused tracegen ${wl} (Go ${release}): ${got.goError}`);
            return;
          }
          expect(got.events).toBeGreaterThan(0);
        }, 180_000);
      }
    });
  }
});

describeWithGo('1.23', "v1 model vs Go 1.23's go tool trace -d=1: the simulator's go 1.19 and 1.21 traces", () => {
  for (const [name, sc] of Object.entries(ORACLE_SCENARIOS)) {
    for (const go of ['1.19', '1.21'] as GoRelease[]) {
      it(`${name} (go ${go}): every event as Go 1.23 converts it`, () => {
        const r = simulate(sc, { overrides: { go }, trace: true });
        const got = compareModel(r.trace!);
        expect(got.goError).toBe('');
        expect(got.events).toBeGreaterThan(0);
      }, 120_000);
    }
  }
});

/** A go 1.11 trace of one FutileWakeup, from Go's fuzz corpus. */
const FUZZ_FUTILE = Uint8Array.from('go 1.11 trace\0\0\0A00\x020$0', (c) => c.charCodeAt(0));

/** One go 1.11+ event: the type byte (nargs code), then uvarints (length-prefixed beyond 3). */
function ev(typ: number, args: number[]): number[] {
  const buf = new Uint8Array(10 * args.length);
  let n = 0;
  for (const v of args) n = encodeUvarint(buf, n, v);
  const body = [...buf.subarray(0, n)];
  const code = argCountCode(args.length);
  return code === 3 ? [typ | (code << 6), n, ...body] : [typ | (code << 6), ...body];
}

/** A go 1.19 trace made by hand; 1 tick = 1 ns. */
function handTrace(): Uint8Array {
  const head = Array.from('go 1.19 trace\0\0\0', (c) => c.charCodeAt(0));
  return Uint8Array.from([
    ...head,
    ...ev(EvBatch, [0, 100]),
    ...ev(EvGoCreate, [0, 1, 5, 0]), // t=0: G1 existed when tracing started ...
    ...ev(EvGoCreate, [1, 2, 5, 0]), // ... so did G2,
    ...ev(EvGoWaiting, [1, 2]), // blocked,
    ...ev(EvGoCreate, [1, 3, 5, 0]), // and G3 (t=3), never started
    ...ev(EvProcStart, [2, 7]), // t=5: P0 on thread 7
    ...ev(EvGoStart, [1, 1, 1]), // t=6: G1 was running
    ...ev(EvGomaxprocs, [1, 4, 0]), // t=7: the end of the start
    ...ev(EvGoSysCall, [3, 6]), // t=10: a syscall that does not block
    ...ev(EvGoSched, [0, 6]), // t=10 too: moved to 12, after the syscall's end at 11
    ...ev(EvGoStart, [2, 3, 1]), // t=12: G3, moved to 13
    ...ev(EvGoSysCall, [2, 6]), // t=14: blocks
    ...ev(EvGoSysBlock, [1]), // t=15: nothing
    ...ev(EvProcStop, [1]), // t=16
    ...ev(EvBatch, [1, 130]),
    ...ev(EvProcStart, [0, 9]), // t=30: P1 on thread 9
    ...ev(EvGoSysExit, [1, 3, 2, 0]), // t=31: G3 back, on Go's syscall P
    ...ev(EvGoStart, [1, 3, 3]), // t=32
    ...ev(EvGoBlockNet, [1, 6]), // t=33
    ...ev(EvStack, [6, 1, 0x4000, 1, 2, 12]),
    EvString, 1, 6, ...Array.from('main.f', (c) => c.charCodeAt(0)),
    EvString, 2, 5, ...Array.from('/a.go', (c) => c.charCodeAt(0)),
    ...ev(EvFrequency, [1e9]),
  ]);
}

describe('v1 model: what each event becomes (no Go needed)', () => {
  it('a hand-made go 1.19 trace: statuses at the start, syscalls, presentation Ps, threads, times', () => {
    const b = handTrace();
    expect(validateV1(b)).toBeNull();
    const got: unknown[] = [];
    const err = runModelV1(b, {
      generation(t) {
        expect([t.gen, t.string(1), t.frames(6)]).toEqual([1, 'main.f', [{ pc: 0x4000, func: 'main.f', file: '/a.go', line: 12 }]]);
      },
      event(v) {
        const e: unknown[] = [v.name(), v.time, v.g, v.p, v.m];
        if (v.kind() === KindStateTransition) {
          const t = v.transition();
          e.push(`${t.resource === ResourceGoroutine ? 'G' : 'P'}${t.id} ${GO_OR_PROC(t.resource)[t.from]}->${GO_OR_PROC(t.resource)[t.to]}`, t.reason, t.stack);
        }
        got.push(e);
      },
    });
    expect(err).toBeNull();
    const SP = 1000003; // Go's syscall pseudo-P
    expect(got).toEqual([
      ['GoStatus', 2, 2, 0, -1, 'G2 Undetermined->Waiting', '', 0],
      ['ProcStatus', 5, -1, 0, 7, 'P0 Undetermined->Running', '', 0],
      ['GoStatus', 6, 1, 0, 7, 'G1 Undetermined->Running', '', 0],
      ['GoStatus', 7, -1, -1, -1, 'G3 Undetermined->Runnable', '', 0],
      ['GoSyscallBegin', 10, 1, 0, 7, 'G1 Running->Syscall', '', 6],
      ['GoSyscallEnd', 11, 1, 0, 7, 'G1 Syscall->Running', '', 0],
      ['GoStop', 12, 1, 0, 7, 'G1 Running->Runnable', 'runtime.Gosched', 6],
      ['GoStart', 13, 3, 0, 7, 'G3 Runnable->Running', '', 0],
      ['GoSyscallBegin', 14, 3, 0, 7, 'G3 Running->Syscall', '', 6],
      ['ProcStop', 16, -1, 0, 7, 'P0 Running->Idle', '', 0],
      ['ProcStatus', 30, -1, 1, 9, 'P1 Undetermined->Running', '', 0],
      ['GoSyscallEndBlocked', 31, 3, SP, -1, 'G3 Syscall->Runnable', '', 0],
      ['GoStart', 32, 3, 1, 9, 'G3 Runnable->Running', '', 0],
      ['GoBlock', 33, 3, 1, 9, 'G3 Running->Waiting', 'network', 6],
    ]);
  });

  it('a futile wakeup Go 1.19 leaves in the stream: read by the reader, refused by the model', () => {
    // Go's fuzz corpus (internal/trace/testdata/fuzz/FuzzReader/4055b17cae1a3443).
    const b = FUZZ_FUTILE;
    expect(validateV1(b)).toBeNull();
    const err = runModelV1(b, { generation() {}, event() {} });
    expect([err?.message, err?.offset]).toEqual(['unexpected event type 36', 21]);
  });

  it('refuses what the reader refuses, before any event', () => {
    const events: string[] = [];
    const err = runModelV1(new Uint8Array(16), { generation() {}, event: (v) => void events.push(v.name()) });
    expect(err?.message).toBe('not a trace file');
    expect(events).toEqual([]);
  });

  it('a sink that throws: the exception propagates unchanged', () => {
    const boom = new Error('sink');
    expect(() =>
      runModelV1(fixtureTrace('hog'), {
        generation() {},
        event: () => {
          throw boom;
        },
      }),
    ).toThrow(boom);
  });

  it('seeded mutants of the go 1.19 fixtures: the verdict of the reader, every event printable, no exception', () => {
    const verdicts = new Map<string, number>();
    for (const [k, name] of (['hog', 'annot', 'mixed'] as const).entries()) {
      for (const b of mutants(fixtureTrace(name), 40, 3000 + k)) {
        let printed = 0;
        const err = runModelV1(b, {
          generation() {},
          event(v) {
            formatModelEvent(v);
            printed++;
          },
        });
        // The reader's verdict, but for a futile wakeup Go 1.19 left in the stream (refused by
        // the model as by Go 1.23).
        const reader = validateV1(b)?.message ?? '';
        if (!(reader === '' && err?.message === 'unexpected event type 36')) expect(err?.message ?? '').toBe(reader);
        expect(err?.message ?? '').not.toMatch(/^internal error/);
        if (err === null) expect(printed).toBeGreaterThan(0);
        const v = err === null ? 'valid' : err.message.replace(/\d+/g, 'N');
        verdicts.set(v, (verdicts.get(v) ?? 0) + 1);
      }
    }
    expect(verdicts.get('valid')).toBeGreaterThan(0);
    expect(verdicts.size).toBeGreaterThan(3);
  }, 120_000);

  it('counts: the v1 events by the names go tool trace -d prints', () => {
    let counts: Record<string, number> = {};
    expect(runModelV1(fixtureTrace('hog'), { generation() {}, event() {} }, (c) => (counts = c))).toBeNull();
    expect(counts).toEqual(fixtureCounts('hog'));
  });
});

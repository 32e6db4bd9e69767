// Differential tests of the Go1.22+ trace reader and validator against real Go 1.22 and 1.23.
//
// The judge is Go's gotracevalidate (Go's reader plus its testtrace validator) of the release
// that wrote or owns the input, and `go tool trace -d=2` (Go's raw wire reader) for counts.
// Inputs, all taken from GOROOT or made at test time, none stored here:
//  1. Go's text parser tests (GOROOT of each release): our verdict through the text reader is
//     the test's expectation, and Go's verdict on the wire bytes our textToWire makes is too.
//  2. Go's FuzzReader corpus (Go 1.23's GOROOT): our reader ends each in an error or a result,
//     with the verdict Go gives.
//  3. Real traces: Go's own trace test programs run with the release they belong to (default,
//     stress = a generation per scheduling round, and 1.23's alloc/free experiment), and this
//     repository's tracegen built with each release: same verdict, and traceSummary's counts
//     equal `-d=2`'s exactly.
//  4. Synthetic text traces for each rule of the validation layer (v2/check.ts) and of the
//     reader that Go enforces: accepted and refused variants, with Go's verdict on the same bytes.
//  5. Seeded mutations of Go's text tests at the event level (an argument changed, an event
//     dropped, duplicated, swapped or moved): the same verdict as Go 1.22's and Go 1.23's.
// Skips: each describe needs its Go release (skipped by name without it, a failure under
// GTS_REQUIRE_GO=1).

import { beforeAll, describe, expect, it } from 'vitest';
import { readTrace, traceSummary, validateTrace, TraceError, type TraceEvent } from '../bindings/formats/index.ts';
import {
  EvEventBatch,
  encodeRaw,
  parseHeader,
  parseTextTrace,
  rawEventSize,
  readV2Sync,
  specTables,
  textToWire,
  validateV2,
  writeTextTrace,
} from '../bindings/formats/v2/index.ts';
import { goFuzzCorpus, goTextTests } from './data.ts';
import { describeWithGo, goTraceDump, goValidate, toolchain, type Toolchain } from './oracle/go.ts';
import { TRACEGEN_WORKLOADS, V2Programs, V2_RELEASES, progsOf, type V2Release } from './oracle/v2-programs.ts';

type Release = V2Release;
const RELEASES = V2_RELEASES;

async function drain(input: Uint8Array | string): Promise<{ events: TraceEvent[]; error: TraceError | null }> {
  const events: TraceEvent[] = [];
  try {
    for await (const ev of readTrace(input)) events.push(ev);
  } catch (e) {
    if (!(e instanceof TraceError)) throw e; // a raw exception fails the test
    return { events, error: e };
  }
  return { events, error: null };
}

function sum(r: Record<string, number>): number {
  return Object.values(r).reduce((a, b) => a + b, 0);
}

// ---- 1. Go's text parser tests -----------------------------------------------------------

for (const release of RELEASES) {
  describeWithGo(release, `Go ${release}'s text parser tests: our verdict, and Go's on our wire bytes`, (tc) => {
    const tests = goTextTests(tc.goroot);

    it('are all there', () => {
      // 1.23 adds go122-fail-first-gen-first.test.
      expect(tests.length).toBe(release === '1.22' ? 19 : 20);
      expect(tests.filter((t) => !t.ok).map((t) => t.name)).toEqual(
        release === '1.22' ? ['go122-create-syscall-with-p.test'] : ['go122-create-syscall-with-p.test', 'go122-fail-first-gen-first.test'],
      );
    });

    for (const t of tests) {
      it(`${t.name}: ${t.ok ? 'SUCCESS' : `FAILURE ${t.re}`}`, async () => {
        const want = (msg: string | null): void => {
          if (t.ok) expect(msg).toBeNull();
          else expect(msg).toMatch(t.re!);
        };
        // Ours, from the text (and from the txtar file as a whole).
        want((await validateTrace(t.text))?.message ?? null);
        want((await validateTrace(t.file))?.message ?? null);
        // Our text → wire conversion, judged by Go and by us.
        const wire = textToWire(t.text);
        if (wire instanceof TraceError) throw wire;
        const go = goValidate(tc, wire);
        want(go === '' ? null : go);
        want((await validateTrace(wire))?.message ?? null);
        if (t.ok) {
          // Counts of a valid trace: ours (the summary) equal Go's raw reader's.
          const d = goTraceDump(tc, wire);
          expect(d.error).toBe('');
          expect((await traceSummary(wire)).events).toEqual(d.counts);
        }
      });
    }
  });
}

// ---- 2. Go's fuzz corpus -------------------------------------------------------------------

describeWithGo('1.23', "Go's FuzzReader corpus (GOROOT of Go 1.23): an error or a result, Go's verdict", (tc23) => {
  const tc22 = toolchain('1.22');
  const corpus = goFuzzCorpus(tc23.goroot);

  it('is all there', () => {
    expect(corpus.length).toBe(17);
  });

  for (const c of corpus) {
    it(c.name, async () => {
      // Never a raw exception, and the same verdict through the validator and the reader.
      const err = await validateTrace(c.bytes);
      expect(err === null || err instanceof TraceError).toBe(true);
      const read = await drain(c.bytes);
      if (read.error !== null) expect(err).not.toBeNull();
      const v = parseHeader(c.bytes, c.bytes.length);
      if (v !== 22 && v !== 23) {
        // A go 1.11 header: the go 1.19-format reader's business (test/oracle-readers-v1.test.ts).
        expect(v).toBe(11);
        return;
      }
      // Judged by the release the header names (Go 1.22 refuses "go 1.23 trace"), and every
      // Go1.22 input by Go 1.23 as well: verdicts agree (only wording may differ, as Go 1.23
      // knows Go 1.23's event types in any header).
      const judges = v === 22 ? [tc22, tc23] : [tc23];
      for (const tc of judges) {
        if (!tc) continue;
        const go = goValidate(tc, c.bytes);
        expect(err !== null, `${tc.version}: ${go}`).toBe(go !== '');
      }
      // Our wording is Go's (of the header's release), unless Go panics.
      const go = goValidate(v === 22 && tc22 ? tc22 : tc23, c.bytes);
      if (go !== '' && !go.startsWith('panic:')) expect(err!.message.startsWith(go.replace(/:$/, ''))).toBe(true);
    });
  }
});

// ---- 3. Real traces ------------------------------------------------------------------------

/** Go's verdict and ours on a real trace, and the counts when it is valid. */
async function compareReal(tc: Toolchain, bytes: Uint8Array): Promise<{ counts: Record<string, number>; generations: number }> {
  expect(new TextDecoder().decode(bytes.subarray(0, 13))).toBe(`go ${tc.release} trace`);
  const go = goValidate(tc, bytes);
  const ours = await validateTrace(bytes);
  expect(ours === null, `Go: ${go || 'valid'}; ours: ${ours?.message ?? 'valid'}`).toBe(go === '');
  const d = goTraceDump(tc, bytes);
  expect(d.error).toBe('');
  if (ours !== null) return { counts: d.counts, generations: 0 };
  const s = await traceSummary(bytes);
  expect(s.events).toEqual(d.counts);
  expect(s.totalEvents).toBe(sum(d.counts));
  return { counts: d.counts, generations: s.generations };
}

for (const release of RELEASES) {
  describeWithGo(release, `real Go ${release} traces: Go's test programs and tracegen, verdicts and -d=2 counts`, (tc) => {
    const progs = new V2Programs(tc, release);

    // Built once per toolchain (the oracle's GOCACHE keeps the work between runs).
    beforeAll(() => progs.build(), 300_000);

    for (const { prog: p, mode } of progsOf(release)) {
      it(`${p.name} (${mode})`, async () => {
        const { counts, generations } = await compareReal(tc, progs.runProg(p, mode));
        for (const name of p.needs) expect(counts[name] ?? 0, name).toBeGreaterThan(0);
        if (mode === 'stress' && p.multiGen) expect(generations).toBeGreaterThan(1);
        if (mode === 'allocfree') expect((counts.SpanAlloc ?? 0) + (counts.HeapObjectAlloc ?? 0) + (counts.Span ?? 0)).toBeGreaterThan(0);
      }, 120_000);
    }

    for (const wl of TRACEGEN_WORKLOADS) {
      it(`tracegen ${wl}`, async () => {
        const { counts } = await compareReal(tc, progs.runTracegen(wl));
        const need: Record<(typeof TRACEGEN_WORKLOADS)[number], string> = {
          spin: 'GoCreate',
          pingpong: 'GoUnblock',
          syscall: 'GoSyscallBegin',
          alloc: 'HeapAlloc',
          annot: 'UserRegionBegin',
        };
        expect(counts[need[wl]] ?? 0).toBeGreaterThan(0);
      }, 120_000);
    }
  });
}

// ---- 4. The rules, one synthetic trace each ------------------------------------------------

const NO_M = '18446744073709551615';

interface Gen {
  /** String table: ids 1, 2, ... */
  strings?: string[];
  /** Stacks batch body (Stack lines). */
  stacks?: string;
  /** CPU samples batch body. */
  cpu?: string;
  /** Per-M batch bodies by M ("-" = the no-thread M). */
  ms?: Record<string, string>;
  /** Ticks per second (default 15625000, 64 ns per tick as on Linux). */
  freq?: number;
}

/** Go's text form of a trace of generations 1, 2, ... (batch sizes filled in by `wireOf`). */
function trace(version: 22 | 23, gens: Gen[]): string {
  let s = `Trace Go1.${version}\n`;
  gens.forEach((g, i) => {
    const gen = i + 1;
    s += `EventBatch gen=${gen} m=${NO_M} time=0 size=0\nFrequency freq=${g.freq ?? 15625000}\n`;
    if (g.strings) {
      s += `EventBatch gen=${gen} m=${NO_M} time=0 size=0\nStrings\n`;
      g.strings.forEach((str, k) => (s += `String id=${k + 1}\n\tdata=${JSON.stringify(str)}\n`));
    }
    if (g.stacks) s += `EventBatch gen=${gen} m=${NO_M} time=0 size=0\nStacks\n${g.stacks}`;
    if (g.cpu) s += `EventBatch gen=${gen} m=${NO_M} time=0 size=0\nCPUSamples\n${g.cpu}`;
    for (const [m, body] of Object.entries(g.ms ?? {})) {
      s += `EventBatch gen=${gen} m=${m === '-' ? NO_M : m} time=${100 * gen + (m === '-' ? 0 : Number(m))} size=0\n${body}`;
    }
  });
  return s;
}

/** Wire bytes of a text trace, each batch's size set to its events' encoded size. */
function wireOf(text: string): Uint8Array {
  const t = parseTextTrace(text);
  if (t instanceof TraceError) throw t;
  for (let i = 0; i < t.events.length; i++) {
    if (t.events[i].type !== EvEventBatch) continue;
    let n = 0;
    for (let j = i + 1; j < t.events.length && t.events[j].type !== EvEventBatch; j++) n += rawEventSize(t.events[j]);
    t.events[i].args[3] = BigInt(n);
  }
  return encodeRaw(t);
}

/** M 1 runs P 0 and goroutine g. */
const running = (g = 1): string => `ProcStatus dt=1 p=0 pstatus=1\nGoStatus dt=1 g=${g} m=1 gstatus=2\n`;

interface RuleCase {
  name: string;
  text: string;
  /** Our validator's message (null: valid). */
  ours: string | null;
  /** Go's gotracevalidate per release ('' = valid; absent = that release does not read it). */
  go: Partial<Record<Release, string | RegExp>>;
  /** Where the rule lives: the reader (readTrace refuses too) or the validation layer only. */
  layer: 'reader' | 'validator';
}

const both = (v: string | RegExp): Partial<Record<Release, string | RegExp>> => ({ '1.22': v, '1.23': v });
const OK = both('');

const RULES: Array<{ rule: string; cases: RuleCase[] }> = [
  {
    rule: 'an STW range ends under the name its kind string has in the generation of the end',
    cases: [
      {
        name: 'begun and ended in one generation',
        text: trace(22, [{ strings: ['GC'], ms: { 1: running() + 'STWBegin dt=1 kind_string=1 stack=0\nSTWEnd dt=1\n' } }, { ms: { 1: running() } }]),
        ours: null,
        go: OK,
        layer: 'validator',
      },
      {
        name: 'across a boundary, the id names the same string in both tables',
        text: trace(22, [
          { strings: ['GC'], ms: { 1: running() + 'STWBegin dt=1 kind_string=1 stack=0\n' } },
          { strings: ['GC'], ms: { 1: running() + 'STWEnd dt=1\n' } },
        ]),
        ours: null,
        go: OK,
        layer: 'validator',
      },
      {
        name: 'across a boundary, the id names another string in the new table',
        text: trace(22, [
          { strings: ['GC'], ms: { 1: running() + 'STWBegin dt=1 kind_string=1 stack=0\n' } },
          { strings: ['other'], ms: { 1: running() + 'STWEnd dt=1\n' } },
        ]),
        ours: 'inactive range "stop-the-world (other)" on Goroutine(1) ended',
        go: both('inactive range "stop-the-world (other)" on Goroutine(1) ended'),
        layer: 'validator',
      },
      {
        name: 'across a boundary, the id is not in the new table (Go panics)',
        text: trace(22, [{ strings: ['GC'], ms: { 1: running() + 'STWBegin dt=1 kind_string=1 stack=0\n' } }, { ms: { 1: running() + 'STWEnd dt=1\n' } }]),
        ours: 'no string 1 in generation 2 for the stop-the-world kind',
        go: both(/^panic: expected id 1 in string table/),
        layer: 'validator',
      },
    ],
  },
  {
    rule: 'a range is named by its string: two kind ids of one string are one range',
    cases: [
      {
        name: 'nested STWs of two different kinds',
        text: trace(22, [{ strings: ['x', 'y'], ms: { 1: running() + 'STWBegin dt=1 kind_string=1 stack=0\nSTWBegin dt=1 kind_string=2 stack=0\n' } }]),
        ours: null,
        go: OK,
        layer: 'validator',
      },
      {
        name: 'nested STWs whose kind ids name the same string',
        text: trace(22, [{ strings: ['x', 'x'], ms: { 1: running() + 'STWBegin dt=1 kind_string=1 stack=0\nSTWBegin dt=1 kind_string=2 stack=0\n' } }]),
        ours: 'already active range "stop-the-world (x)" on Goroutine(1) begun again',
        go: both('already active range "stop-the-world (x)" on Goroutine(1) begun again'),
        layer: 'validator',
      },
    ],
  },
  {
    rule: 'a goroutine must not die inside a range',
    cases: [
      {
        name: 'mark assist ended, then GoDestroy',
        text: trace(22, [{ ms: { 1: running() + 'GCMarkAssistBegin dt=1 stack=0\nGCMarkAssistEnd dt=1\nGoDestroy dt=1\n' } }]),
        ours: null,
        go: OK,
        layer: 'validator',
      },
      {
        name: 'GoDestroy inside a mark assist',
        text: trace(22, [{ ms: { 1: running() + 'GCMarkAssistBegin dt=1 stack=0\nGoDestroy dt=1\n' } }]),
        ours: 'goroutine 1 died with active ranges',
        go: both('goroutine 1 died with active ranges'),
        layer: 'validator',
      },
      {
        name: 'GoDestroy inside a stop-the-world',
        text: trace(22, [{ strings: ['GC'], ms: { 1: running() + 'STWBegin dt=1 kind_string=1 stack=0\nGoDestroy dt=1\n' } }]),
        ours: 'goroutine 1 died with active ranges',
        go: both('goroutine 1 died with active ranges'),
        layer: 'validator',
      },
      {
        name: 'GoSwitchDestroy (Go1.23) without a range',
        text: trace(23, [{ ms: { 1: running() + `GoStatus dt=1 g=2 m=${NO_M} gstatus=4\nGoSwitchDestroy dt=1 g=2 g_seq=1\n` } }]),
        ours: null,
        go: { '1.23': '' },
        layer: 'validator',
      },
      {
        name: 'GoSwitchDestroy (Go1.23) inside a mark assist: the implied GoDestroy',
        text: trace(23, [
          { ms: { 1: running() + `GoStatus dt=1 g=2 m=${NO_M} gstatus=4\nGCMarkAssistBegin dt=1 stack=0\nGoSwitchDestroy dt=1 g=2 g_seq=1\n` } },
        ]),
        ours: 'goroutine 1 died with active ranges',
        go: { '1.23': 'goroutine 1 died with active ranges' },
        layer: 'validator',
      },
    ],
  },
  {
    rule: 'GCSweepActive opens the range on the P of the thread that emits it, whatever P it names',
    cases: [
      {
        name: 'emitted by the thread running the P it names',
        text: trace(22, [{ ms: { 2: 'ProcStatus dt=1 p=1 pstatus=1\nGCSweepActive dt=1 p=1\nGCSweepEnd dt=1 swept_value=0 reclaimed_value=0\n' } }]),
        ours: null,
        go: OK,
        layer: 'validator',
      },
      {
        name: "emitted for an idle P by another P's thread, then ended on the named P",
        text: trace(22, [
          {
            ms: {
              1: 'ProcStatus dt=1 p=0 pstatus=1\nProcStatus dt=1 p=1 pstatus=2\nGCSweepActive dt=1 p=1\n',
              2: 'ProcStart dt=5 p=1 p_seq=1\nGCSweepEnd dt=1 swept_value=0 reclaimed_value=0\n',
            },
          },
        ]),
        ours: 'inactive range "GC incremental sweep" on Proc(1) ended',
        go: both('inactive range "GC incremental sweep" on Proc(1) ended'),
        layer: 'validator',
      },
    ],
  },
  {
    rule: 'no transition to Undetermined (status 0); only the low byte of a status passes the ordering',
    cases: [
      {
        name: 'GoStatus 0',
        text: trace(22, [{ ms: { 1: running() + `GoStatus dt=1 g=2 m=${NO_M} gstatus=0\n` } }]),
        ours: 'transition to undetermined state for goroutine 2',
        go: both('transition to undetermined state for goroutine 2'),
        layer: 'validator',
      },
      {
        name: 'ProcStatus 0',
        text: trace(22, [{ ms: { 1: running() + 'ProcStatus dt=1 p=1 pstatus=0\n' } }]),
        ours: 'transition to undetermined state for proc 1',
        go: both('transition to undetermined state for proc 1'),
        layer: 'validator',
      },
      {
        name: 'GoStatus 257 (low byte 1: Go panics later)',
        text: trace(22, [{ ms: { 1: running() + `GoStatus dt=1 g=2 m=${NO_M} gstatus=257\n` } }]),
        ours: 'invalid status for goroutine 2: 257',
        go: both(/^panic: runtime error: index out of range \[257\] with length 5/),
        layer: 'validator',
      },
      {
        name: 'ProcStatus 258 (low byte 2: Go panics later)',
        text: trace(22, [{ ms: { 1: running() + 'ProcStatus dt=1 p=1 pstatus=258\n' } }]),
        ours: 'invalid status for proc 1: 258',
        go: both(/^panic: runtime error: index out of range \[258\] with length 5/),
        layer: 'validator',
      },
      {
        name: 'GoStatus 261 (low byte 5: the ordering refuses it, naming the byte)',
        text: trace(22, [{ ms: { 1: running() + `GoStatus dt=1 g=2 m=${NO_M} gstatus=261\n` } }]),
        ours: 'invalid status for goroutine 2: 5',
        go: both('invalid status for goroutine 2: 5'),
        layer: 'reader',
      },
    ],
  },
  {
    rule: 'a thread executes one goroutine and one proc at a time, and an executing one needs a thread',
    cases: [
      {
        name: 'two running goroutines on two threads',
        text: trace(22, [{ ms: { 1: running(), 2: 'ProcStatus dt=1 p=1 pstatus=1\nGoStatus dt=1 g=2 m=2 gstatus=2\n' } }]),
        ours: null,
        go: OK,
        layer: 'validator',
      },
      {
        name: 'a second running goroutine on the same thread',
        text: trace(22, [{ ms: { 1: running() + 'GoStatus dt=1 g=2 m=1 gstatus=2\n' } }]),
        ours: 'tried to run goroutine 2 when one was already executing (1) on thread 1',
        go: both('tried to run goroutine 2 when one was already executing (1) on thread 1'),
        layer: 'validator',
      },
      {
        name: 'a goroutine in a syscall on a thread running another (first generation)',
        text: trace(22, [{ ms: { 1: running() + 'GoStatus dt=1 g=2 m=1 gstatus=3\n' } }]),
        ours: 'tried to run goroutine 2 when one was already executing (1) on thread 1',
        go: both('tried to run goroutine 2 when one was already executing (1) on thread 1'),
        layer: 'validator',
      },
      {
        name: 'an idle proc announced by a thread running another',
        text: trace(22, [{ ms: { 1: running() + 'ProcStatus dt=1 p=1 pstatus=2\n' } }]),
        ours: null,
        go: OK,
        layer: 'validator',
      },
      {
        name: 'a second running proc on the same thread',
        text: trace(22, [{ ms: { 1: running() + 'ProcStatus dt=1 p=1 pstatus=1\n' } }]),
        ours: 'tried to run proc 1 when one was already executing (0) on thread 1',
        go: both('tried to run proc 1 when one was already executing (0) on thread 1'),
        layer: 'validator',
      },
      {
        name: 'a runnable goroutine announced with no thread',
        text: trace(22, [{ ms: { '-': `GoStatus dt=1 g=1 m=${NO_M} gstatus=1\n` } }]),
        ours: null,
        go: OK,
        layer: 'validator',
      },
      {
        name: 'a running goroutine announced with no thread',
        text: trace(22, [{ ms: { '-': `GoStatus dt=1 g=1 m=${NO_M} gstatus=2\n` } }]),
        ours: 'must have thread, but thread ID is none',
        go: both('must have thread, but thread ID is none'),
        layer: 'validator',
      },
      {
        name: 'a running proc announced with no thread',
        text: trace(22, [{ ms: { '-': 'ProcStatus dt=1 p=0 pstatus=1\n' } }]),
        ours: 'must have thread, but thread ID is none',
        go: both('must have thread, but thread ID is none'),
        layer: 'validator',
      },
    ],
  },
  {
    rule: "a transition starts from the state last seen: a goroutine that ended is not Undetermined",
    cases: [
      {
        name: 'GoStatus, in the first generation, of a goroutine destroyed earlier in it',
        text: trace(22, [{ ms: { 1: running() + `GoDestroy dt=1\nGoStatus dt=1 g=1 m=${NO_M} gstatus=1\n` } }]),
        ours: 'bad old state for goroutine 1: got Undetermined, want NotExist',
        go: both('bad old state for goroutine 1: got Undetermined, want NotExist'),
        layer: 'validator',
      },
    ],
  },
  {
    rule: 'the first generation is the first one with events; after a boundary nothing is Undetermined',
    cases: [
      {
        name: 'one generation of CPU samples only',
        text: trace(22, [{ cpu: 'CPUSample time=5 m=1 p=0 g=1 stack=0\n' }]),
        ours: null,
        go: OK,
        layer: 'validator',
      },
      {
        name: 'CPU samples only, then a generation announcing its procs and goroutines',
        text: trace(22, [{ cpu: 'CPUSample time=5 m=1 p=0 g=1 stack=0\n' }, { ms: { 1: running() } }]),
        ours: 'undetermined proc 0 after first global sync',
        go: both('undetermined proc 0 after first global sync'),
        layer: 'validator',
      },
    ],
  },
  {
    rule: 'labels are not empty; task ids are neither 0 nor 2^64-1',
    cases: [
      {
        name: 'a label',
        text: trace(22, [{ strings: ['lbl'], ms: { 1: running() + 'GoLabel dt=1 label_string=1\n' } }]),
        ours: null,
        go: OK,
        layer: 'validator',
      },
      {
        name: 'an empty label',
        text: trace(22, [{ strings: ['lbl'], ms: { 1: running() + 'GoLabel dt=1 label_string=0\n' } }]),
        ours: 'invalid label ""',
        go: both('invalid label ""'),
        layer: 'validator',
      },
      {
        name: 'task 5',
        text: trace(22, [{ strings: ['job'], ms: { 1: running() + 'UserTaskBegin dt=1 task=5 parent_task=0 name_string=1 stack=0\n' } }]),
        ours: null,
        go: OK,
        layer: 'validator',
      },
      {
        name: 'task 0 (the background task)',
        text: trace(22, [{ strings: ['job'], ms: { 1: running() + 'UserTaskBegin dt=1 task=0 parent_task=0 name_string=1 stack=0\n' } }]),
        ours: 'found invalid task ID for task of type job',
        go: both('found invalid task ID for task of type job'),
        layer: 'validator',
      },
      {
        name: 'task 2^64-1 (no task)',
        text: trace(22, [{ strings: ['job'], ms: { 1: running() + `UserTaskBegin dt=1 task=${NO_M} parent_task=0 name_string=1 stack=0\n` } }]),
        ours: 'found invalid task ID for task of type job',
        go: both('found invalid task ID for task of type job'),
        layer: 'validator',
      },
    ],
  },
  {
    rule: "a CPU sample's stack must exist (Go's reader does not look; its validator panics)",
    cases: [
      {
        name: 'a sample with stack 7 and no stack table',
        text: trace(22, [{ cpu: 'CPUSample time=5 m=1 p=0 g=1 stack=7\n', ms: { 1: running() } }]),
        ours: 'found invalid stack ID 7 for event CPUSample',
        go: both(/^panic: expected id 7 in trace\.stack table/),
        layer: 'validator',
      },
    ],
  },
  {
    rule: "reader: every generation has something to hand out (Go 1.22/1.23); a header alone has no frequency",
    cases: [
      {
        name: 'a second generation with a frequency and nothing else',
        text: trace(22, [{ ms: { 1: running() } }, {}]),
        ours: 'broken trace: frontier is empty: [gen=2]',
        go: both('broken trace: frontier is empty:'),
        layer: 'reader',
      },
    ],
  },
  {
    rule: 'reader: a frequency of 0 is accepted (ns per tick +Inf, as in Go)',
    cases: [
      {
        name: 'frequency 0',
        text: trace(22, [{ freq: 0, ms: { 1: running() + 'GoStop dt=1 reason_string=0 stack=0\n' } }]),
        ours: null,
        go: OK,
        layer: 'reader',
      },
    ],
  },
  {
    rule: "reader: Go 1.22 checks every frame's strings, Go 1.23 the first frame seen for a PC",
    cases: [
      {
        name: 'Go1.22 trace: a PC seen again with an unknown function string',
        text: trace(22, [
          {
            strings: ['f', 'file.go'],
            stacks: 'Stack id=1 nframes=1\n\tpc=100 func=1 file=2 line=1\nStack id=2 nframes=1\n\tpc=100 func=99 file=2 line=2\n',
            ms: { 1: running() },
          },
        ]),
        ours: 'found invalid func string ID 99 for stack 2',
        // Go 1.23 reads go 1.22 traces with its own rule; we follow the release of the header.
        go: { '1.22': 'found invalid func string ID 99 for stack 2', '1.23': '' },
        layer: 'reader',
      },
      {
        name: 'Go1.23 trace: the same stacks',
        text: trace(23, [
          {
            strings: ['f', 'file.go'],
            stacks: 'Stack id=1 nframes=1\n\tpc=100 func=1 file=2 line=1\nStack id=2 nframes=1\n\tpc=100 func=99 file=2 line=2\n',
            ms: { 1: running() },
          },
        ]),
        ours: null,
        go: { '1.23': '' },
        layer: 'reader',
      },
    ],
  },
];

/** A byte-level case: what the text form cannot hold (a batch cut inside its values). */
interface ByteCase {
  name: string;
  bytes: () => Uint8Array;
  ours: string | null;
  go: Partial<Record<Release, string | RegExp>>;
}

const NO_M_VARINT = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
/** A one-generation trace (M 1 runs P 0 and goroutine 1) followed by `tail`. */
function withTail(version: 22 | 23, tail: number[]): Uint8Array {
  const head = wireOf(trace(version, [{ ms: { 1: running() } }]));
  const out = new Uint8Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}
/** A batch of the no-thread M holding `payload`. */
const rawBatch = (gen: number, payload: number[]): number[] => [EvEventBatch, gen, ...NO_M_VARINT, 0, payload.length, ...payload];

const BYTE_RULES: Array<{ rule: string; cases: ByteCase[] }> = [
  {
    rule: "reader: a table batch cut where a value starts is Go's io.EOF, the end of the trace (inside a value: an error)",
    cases: [
      { name: "generation 2's Frequency without its value", bytes: () => withTail(22, rawBatch(2, [0x08])), ours: null, go: OK },
      { name: "generation 2's Frequency cut inside its value", bytes: () => withTail(22, rawBatch(2, [0x08, 0x80])), ours: 'unexpected EOF', go: both('unexpected EOF') },
      { name: 'a String without its id (the first generation is dropped: nothing left)', bytes: () => withTail(22, rawBatch(1, [0x04, 0x05])), ours: null, go: OK },
      { name: 'a String cut inside its id', bytes: () => withTail(22, rawBatch(1, [0x04, 0x05, 0x81])), ours: 'unexpected EOF', go: both('unexpected EOF') },
      { name: 'a Stack without its frame count', bytes: () => withTail(22, rawBatch(1, [0x02, 0x03, 0x01])), ours: null, go: OK },
      {
        name: 'a Stack without its frame (frame reads are wrapped: an error)',
        bytes: () => withTail(22, rawBatch(1, [0x02, 0x03, 0x01, 0x01])),
        ours: "reading frame 1's PC for stack 1: EOF",
        go: both("reading frame 1's PC for stack 1: EOF"),
      },
      { name: 'a CPUSample cut after two fields', bytes: () => withTail(22, rawBatch(1, [0x06, 0x07, 0x05, 0x01])), ours: null, go: OK },
      {
        name: 'a batch header cut after its generation (wrapped: an error)',
        bytes: () => withTail(22, [EvEventBatch, 0x02]),
        ours: 'error reading batch M ID: EOF',
        go: both('error reading batch M ID: EOF'),
      },
      { name: 'Go1.23 trace: an ExperimentalBatch type byte at the very end', bytes: () => withTail(23, [0x31]), ours: null, go: { '1.23': '' } },
      {
        name: 'Go1.22 trace: the same byte (not a batch type in Go 1.22; Go 1.23 reads it as in 1.23 traces)',
        bytes: () => withTail(22, [0x31]),
        ours: 'expected batch event, got event 49',
        go: { '1.22': 'expected batch event (EventBatch), got Invalid(49)', '1.23': '' },
      },
    ],
  },
];

describe('rules of the validation layer and the reader, on synthetic traces', () => {
  for (const { rule, cases } of BYTE_RULES) {
    describe(rule, () => {
      for (const c of cases) {
        it(`${c.name}: ${c.ours === null ? 'valid' : c.ours}`, async () => {
          const bytes = c.bytes();
          expect((await validateTrace(bytes))?.message ?? null).toBe(c.ours);
          // Reader rules: the reader alone agrees, and so does the streaming reader.
          expect(readV2Sync(bytes).error?.message ?? null).toBe(c.ours);
          expect((await drain(bytes)).error?.message ?? null).toBe(c.ours);
        });
      }
    });
  }

  for (const { rule, cases } of RULES) {
    describe(rule, () => {
      for (const c of cases) {
        it(`${c.name}: ${c.ours === null ? 'valid' : c.ours}`, async () => {
          const wire = wireOf(c.text);
          // The text path and the wire path agree.
          expect((await validateTrace(c.text))?.message ?? null).toBe(c.ours);
          expect((await validateTrace(wire))?.message ?? null).toBe(c.ours);
          // Layering: the reader alone (as Go's trace.Reader) refuses only the reader's rules.
          const read = readV2Sync(wire).error?.message ?? null;
          expect(read).toBe(c.layer === 'reader' ? c.ours : null);
        });
      }
    });
  }

  it('a header alone: no frequency event found', async () => {
    const bytes = new TextEncoder().encode('go 1.22 trace\0\0\0');
    expect((await validateTrace(bytes))?.message).toBe('no frequency event found');
    expect(readV2Sync(bytes).error?.message).toBe('no frequency event found');
  });
});

for (const release of RELEASES) {
  describeWithGo(release, `Go ${release}'s gotracevalidate on the same synthetic traces`, (tc) => {
    for (const { rule, cases } of BYTE_RULES) {
      for (const c of cases) {
        const want = c.go[release];
        if (want === undefined) continue;
        it(`${rule}: ${c.name}`, () => {
          const bytes = c.bytes();
          const go = goValidate(tc, bytes);
          if (typeof want === 'string') expect(go).toBe(want);
          else expect(go).toMatch(want);
          if (bytes[5] === release.charCodeAt(2) && bytes[6] === release.charCodeAt(3)) expect(go === '').toBe(c.ours === null);
        });
      }
    }

    for (const { rule, cases } of RULES) {
      for (const c of cases) {
        const want = c.go[release];
        if (want === undefined) continue;
        it(`${rule}: ${c.name}`, () => {
          const go = goValidate(tc, wireOf(c.text));
          if (typeof want === 'string') expect(go).toBe(want);
          else expect(go).toMatch(want);
          // Same verdict as ours whenever the header is this release's (Go 1.23 also reads 1.22).
          const ownRelease = c.text.startsWith(`Trace Go${release}\n`);
          if (ownRelease) expect(go === '').toBe(c.ours === null);
        });
      }
    }

    it('a header alone: no frequency event found', () => {
      expect(goValidate(tc, new TextEncoder().encode(`go ${release} trace\0\0\0`))).toBe('no frequency event found');
    });
  });
}

// ---- 5. Event-level mutations of Go's text tests ------------------------------------------

/**
 * The same trace with no two Ms' events at the same instant: each M's batch times fall in their
 * own residue class modulo a prime and every delta is a multiple of it (64 ns per tick keeps
 * the classes apart). Go 1.22/1.23 put the Ms into their frontier in map order, so which of two
 * Ms with tied times goes first is random there (a trace can pass or fail from run to run);
 * without ties every choice is the unique earliest, in Go and here.
 */
function tieFree(text: string): string {
  const t = parseTextTrace(text);
  if (t instanceof TraceError) throw t;
  const K = 1009n;
  const ms = new Map<bigint, bigint>();
  for (const e of t.events) {
    if (e.type === EvEventBatch) {
      if (!ms.has(e.args[1])) ms.set(e.args[1], BigInt(ms.size + 1));
      e.args[2] = e.args[2] * K + ms.get(e.args[1])!;
    } else if (specTables[t.version].specs[e.type]!.timed) {
      e.args[0] *= K;
    }
  }
  return writeTextTrace(t);
}

/** Deterministic PRNG (mulberry32). */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/** One or two edits of event lines: an argument (not dt) changed, or a line dropped, duplicated, swapped or moved. */
function mutate(text: string, pick: (n: number) => number): string {
  const lines = text.split('\n');
  const events = lines.flatMap((l, i) => (/^[A-Z]\w* dt=/.test(l) ? [i] : []));
  for (let m = 1 + pick(2); m > 0; m--) {
    const i = events[pick(events.length)];
    const j = events[pick(events.length)];
    switch (pick(5)) {
      case 0: {
        const parts = lines[i].split(' ');
        if (parts.length > 2) {
          const k = 2 + pick(parts.length - 2);
          const [key, v] = parts[k].split('=');
          parts[k] = `${key}=${[0, 1, 2, 3, 4, 5, Number(v) + 1, Math.max(0, Number(v) - 1)][pick(8)]}`;
          lines[i] = parts.join(' ');
        }
        break;
      }
      case 1:
        lines[i] = '';
        break;
      case 2:
        lines.splice(i, 0, lines[i]);
        break;
      case 3:
        [lines[i], lines[j]] = [lines[j], lines[i]];
        break;
      default: {
        const line = lines[i];
        lines[i] = '';
        lines.splice(j, 0, line);
      }
    }
  }
  return lines.join('\n');
}

describeWithGo('1.23', "event-level mutations of Go's text tests: our verdict is Go 1.22's and Go 1.23's", (tc23) => {
  const tc22 = toolchain('1.22');
  const seeds = goTextTests(tc23.goroot).map((t) => tieFree(t.text));

  it('400 seeded mutations', () => {
    const pick = prng(0x7e57);
    let refused = 0;
    let accepted = 0;
    let tried = 0;
    while (tried < 400) {
      const text = mutate(seeds[pick(seeds.length)], pick);
      let wire: Uint8Array;
      try {
        wire = wireOf(text);
      } catch {
        continue; // a mutation the text form cannot hold (none expected, but not a verdict)
      }
      tried++;
      const ours = validateV2(wire)?.message ?? '';
      for (const tc of [tc22, tc23]) {
        if (!tc) continue;
        const go = goValidate(tc, wire);
        if ((ours === '') !== (go === '')) expect.fail(`${tc.version}: Go: ${go || 'valid'}; ours: ${ours || 'valid'}\n${text}`);
      }
      if (ours === '') accepted++;
      else refused++;
    }
    // Both verdicts are exercised.
    expect(refused).toBeGreaterThan(100);
    expect(accepted).toBeGreaterThan(40);
  }, 120_000);
});

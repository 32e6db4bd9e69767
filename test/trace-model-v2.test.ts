// The trace model over the Go1.22+ reader (formats/trace/read.ts, formats/v2/model.ts), on small
// hand-written traces: what only the ordering knows reaches the view (before-states of status and
// steal events, the STW kind of an end, an ended task's parent and type), Go's times and Sync
// events, one reused view, the same events through bytes, text and a chunked stream, and the
// events before an error. (Every event of real traces against Go's own reader:
// test/oracle-model-v2.test.ts.)

import { describe, expect, it } from 'vitest';
import { TraceError } from '../bindings/formats/event.ts';
import { ModelPrinter, formatModelEvent, runModel, runModelStream } from '../bindings/formats/index.ts';
import type { TraceEventView, TraceModelSink, TraceTables } from '../bindings/formats/trace/event.ts';
import {
  GO_STATE_NAMES,
  KIND_NAMES,
  KindStateTransition,
  PROC_STATE_NAMES,
  ResourceGoroutine,
} from '../bindings/formats/trace/model.ts';
import { EvEventBatch, parseTextTrace, rawEventSize, textToWire, writeTextTrace } from '../bindings/formats/v2/index.ts';

const NO_M = '18446744073709551615';

/** Hand-written text with size=0 placeholders → canonical text with true batch sizes. */
function mk(src: string): string {
  const t = parseTextTrace(src.replace(/^\s+/gm, (m) => (m.includes('\t') ? '\t' : '')));
  if (t instanceof TraceError) throw t;
  const evs = t.events;
  for (let i = 0; i < evs.length; i++) {
    if (evs[i].type !== EvEventBatch) continue;
    let size = 0;
    for (let j = i + 1; j < evs.length && evs[j].type !== EvEventBatch; j++) size += rawEventSize(evs[j]);
    evs[i].args[3] = BigInt(size);
  }
  return writeTextTrace(t);
}

function wire(text: string): Uint8Array {
  const w = textToWire(text);
  if (w instanceof TraceError) throw w;
  return w;
}

/** Records each event as "Kind name ctx time | detail", and which views it was handed. */
class Rec implements TraceModelSink {
  readonly lines: string[] = [];
  readonly views = new Set<TraceEventView>();
  readonly gens: number[] = [];
  generation(t: TraceTables): void {
    this.gens.push(t.gen);
  }
  event(v: TraceEventView): void {
    this.views.add(v);
    let s = `${KIND_NAMES[v.kind()]} ${v.name()} M=${v.m} P=${v.p} G=${v.g} t=${v.time}`;
    if (v.kind() === KindStateTransition) {
      const t = v.transition();
      const names = t.resource === ResourceGoroutine ? GO_STATE_NAMES : PROC_STATE_NAMES;
      s += ` | ${t.resource === ResourceGoroutine ? 'G' : 'P'}${t.id} ${names[t.from]}->${names[t.to]}`;
    }
    this.lines.push(s);
  }
}

// Generation 1: M 1 runs P 0 and goroutine 1, creates 2, begins task 5 (no parent) and an STW of
// kind "GC"; P 1 idle. Generation 2: a new P 2 appears, the STW ends under the kind it had, the
// task ends; M 2 steals P 0 while M 1 is in a syscall.
const GEN1 = `Trace Go1.22
EventBatch gen=1 m=${NO_M} time=0 size=0
Frequency freq=15625000
EventBatch gen=1 m=${NO_M} time=0 size=0
Strings
String id=1
	data="GC"
String id=2
	data="job"
EventBatch gen=1 m=1 time=10 size=0
ProcStatus dt=1 p=0 pstatus=1
ProcStatus dt=1 p=1 pstatus=2
GoStatus dt=1 g=1 m=1 gstatus=2
GoCreate dt=1 new_g=2 new_stack=0 stack=0
UserTaskBegin dt=1 task=5 parent_task=0 name_string=2 stack=0
STWBegin dt=1 kind_string=1 stack=0
`;
const GEN2 = `EventBatch gen=2 m=${NO_M} time=0 size=0
Frequency freq=15625000
EventBatch gen=2 m=${NO_M} time=0 size=0
Strings
String id=1
	data="GC"
EventBatch gen=2 m=1 time=30 size=0
ProcStatus dt=1 p=0 pstatus=1
ProcStatus dt=1 p=1 pstatus=2
ProcStatus dt=1 p=2 pstatus=2
GoStatus dt=1 g=1 m=1 gstatus=2
GoStatus dt=1 g=2 m=${NO_M} gstatus=1
STWEnd dt=1
UserTaskEnd dt=1 task=5 stack=0
UserTaskEnd dt=1 task=6 stack=0
GoSyscallBegin dt=1 p_seq=1 stack=0
EventBatch gen=2 m=2 time=60 size=0
ProcSteal dt=1 p=0 p_seq=2 m=1
`;
const TRACE = mk(GEN1 + GEN2);

describe('the model of a Go1.22+ trace', () => {
  it('hands out what only the ordering knows: before-states, the STW kind, ended tasks', () => {
    const r = new Rec();
    const printed: string[] = [];
    const p = new ModelPrinter((s) => printed.push(s));
    expect(runModel(wire(TRACE), r)).toBeNull();
    expect(runModel(wire(TRACE), p)).toBeNull();
    expect(r.gens).toEqual([1, 2]);
    const st = r.lines.filter((l) => l.startsWith('StateTransition')).map((l) => l.replace(/.* \| /, ''));
    expect(st).toEqual([
      // New in the first generation: Undetermined.
      'P0 Undetermined->Running',
      'P1 Undetermined->Idle',
      'G1 Undetermined->Running',
      'G2 NotExist->Runnable',
      // Known: the state its status names; a P new after the first generation did not exist.
      'P0 Running->Running',
      'P1 Idle->Idle',
      'P2 NotExist->Idle',
      'G1 Running->Running',
      'G2 Runnable->Runnable',
      'G1 Running->Syscall',
      // Stolen out of a syscall: Running.
      'P0 Running->Idle',
    ]);
    const out = printed.join('');
    // The STW ends under the kind its begin had, named in the end's generation; the task's
    // parent 0 is Go's NoTask; an end of an unknown task has no parent and no type.
    expect(out).toMatch(/ RangeEnd Time=\d+ Name="stop-the-world \(GC\)" Scope=Goroutine\(1\) Attributes=\[\]\n/);
    expect(out).toMatch(/ TaskBegin Time=\d+ ID=5 Parent=18446744073709551615 Type="job"\n/);
    expect(out).toMatch(/ TaskEnd Time=\d+ ID=5 Parent=18446744073709551615 Type="job"\n/);
    expect(out).toMatch(/ TaskEnd Time=\d+ ID=6 Parent=18446744073709551615 Type=""\n/);
    // A Sync after each generation.
    expect(out.match(/^M=-1 P=-1 G=-1 Sync Time=\d+$/gm)).toHaveLength(2);
  });

  it('one reused view; times as Go gives them: ticks × ns per tick, strictly increasing', () => {
    const r = new Rec();
    expect(runModel(wire(TRACE), r)).toBeNull();
    expect(r.views.size).toBe(1);
    const times = r.lines.map((l) => Number(/ t=(\d+)/.exec(l)![1]));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]);
    // 64 ns per tick: M 1's batch at tick 10, its first event 1 tick later.
    expect(times[0]).toBe(704);
    expect(r.lines[1]).toMatch(/ t=768 /);
    // A Sync after each generation, 1 ns after its last event (Go's reader makes times increase).
    const syncs = r.lines.flatMap((l, i) => (l.startsWith('Sync') ? [i] : []));
    expect(syncs).toHaveLength(2);
    for (const i of syncs) expect(times[i]).toBe(times[i - 1] + 1);
  });

  it('the same events from wire bytes, text, bytes holding text, and a chunked stream', async () => {
    const dump = (input: Uint8Array | string): string => {
      const out: string[] = [];
      expect(runModel(input, new ModelPrinter((s) => out.push(s)))).toBeNull();
      return out.join('');
    };
    const want = dump(wire(TRACE));
    expect(dump(TRACE)).toBe(want);
    expect(dump(new TextEncoder().encode(TRACE))).toBe(want);
    const bytes = wire(TRACE);
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i += 7) yield bytes.slice(i, i + 7);
    }
    const out: string[] = [];
    expect(await runModelStream(chunks(), new ModelPrinter((s) => out.push(s)))).toBeNull();
    expect(out.join('')).toBe(want);
  });

  it('a broken trace: the events before the error, then the TraceError (also for bad input)', async () => {
    const broken = mk(GEN1 + GEN2.replace('ProcSteal dt=1 p=0 p_seq=2 m=1', 'ProcSteal dt=1 p=0 p_seq=2 m=7'));
    const r = new Rec();
    const err = runModel(wire(broken), r);
    expect(err).toBeInstanceOf(TraceError);
    expect(err!.message).toBe('stole proc from non-existent thread 7');
    expect(r.lines.at(-1)).toMatch(/^StateTransition GoSyscallBegin /);
    expect(runModel(new Uint8Array([1, 2, 3]), new Rec())?.message).toMatch(/^not a Go execution trace/);
    expect((await runModelStream(null as unknown as Uint8Array, new Rec()))?.message).toMatch(/^input must be/);
  });

  it("formatModelEvent is Go's Event.String(): stacks and transition stacks", () => {
    const t = mk(`Trace Go1.23
EventBatch gen=1 m=${NO_M} time=0 size=0
Frequency freq=15625000
EventBatch gen=1 m=${NO_M} time=0 size=0
Strings
String id=1
	data="main.f"
String id=2
	data="/x.go"
String id=3
	data="sleep"
EventBatch gen=1 m=${NO_M} time=0 size=0
Stacks
Stack id=1 nframes=2
	pc=4096 func=1 file=2 line=7
	pc=4352 func=1 file=2 line=9
EventBatch gen=1 m=1 time=10 size=0
ProcStatus dt=1 p=0 pstatus=1
GoStatusStack dt=1 g=1 m=1 gstatus=2 stack=1
GoCreate dt=1 new_g=2 new_stack=0 stack=1
GoBlock dt=1 reason_string=3 stack=1
`);
    const out: string[] = [];
    expect(runModel(t, { generation() {}, event: (v) => out.push(formatModelEvent(v)) })).toBeNull();
    const frames = '\tmain.f @ 0x1000\n\t\t/x.go:7\n\tmain.f @ 0x1100\n\t\t/x.go:9\n';
    expect(out[1]).toBe(`M=1 P=0 G=-1 StateTransition Time=768 Resource=Goroutine(1) Reason="" GoID=1 Undetermined->Running\nStack=\n${frames}`);
    // A create's transition stack is printed even when it is empty.
    expect(out[2]).toBe(`M=1 P=0 G=1 StateTransition Time=832 Resource=Goroutine(2) Reason="" GoID=2 NotExist->Runnable\nTransitionStack=\n\nStack=\n${frames}`);
    expect(out[3]).toBe(`M=1 P=0 G=1 StateTransition Time=896 Resource=Goroutine(1) Reason="sleep" GoID=1 Running->Waiting\nTransitionStack=\n${frames}\nStack=\n${frames}`);
    expect(out[4]).toBe('M=-1 P=-1 G=-1 Sync Time=897');
  });
});

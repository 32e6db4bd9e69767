// Ordering semantics of Go1.22+ traces on small hand-written traces: state carried
// across generations, Go1.23 coroutine switches, CPU samples, streaming behaviour.

import { describe, expect, it } from 'vitest';
import { TraceError, type TraceEvent } from '../bindings/formats/event.ts';
import {
  EvEventBatch,
  allSpecs,
  parseTextTrace,
  quoteBytes,
  rawEventSize,
  readV2,
  readV2Chunks,
  readV2Sync,
  specTables,
  textToWire,
  unquoteBytes,
  validateTextV2,
  validateV2,
  wireToText,
  writeTextTrace,
  type RawTrace,
} from '../bindings/formats/v2/index.ts';

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

/** Verdict through both paths, which must agree. */
function verdict(text: string): string | null {
  const a = validateTextV2(text)?.message ?? null;
  const b = validateV2(wire(text))?.message ?? null;
  expect(a).toBe(b);
  return b;
}

function names(text: string): string[] {
  const r = readV2Sync(wire(text));
  if (r.error) throw r.error;
  return r.events.map((e) => e.name);
}

const gen1 = `Trace Go1.22
EventBatch gen=1 m=${NO_M} time=0 size=0
Frequency freq=1000000000
EventBatch gen=1 m=${NO_M} time=0 size=0
Strings
String id=1
	data="r1"
String id=2
	data="task"
EventBatch gen=1 m=1 time=10 size=0
ProcStatus dt=1 p=0 pstatus=1
GoStatus dt=1 g=1 m=1 gstatus=2
GoCreate dt=1 new_g=2 new_stack=0 stack=0
UserTaskBegin dt=1 task=5 parent_task=0 name_string=2 stack=0
UserRegionBegin dt=1 task=5 name_string=1 stack=0
GoStop dt=1 reason_string=0 stack=0
GoStart dt=1 g=2 g_seq=1
`;

function gen2(body: string, regionName = 'r1'): string {
  return mk(`${gen1}EventBatch gen=2 m=${NO_M} time=0 size=0
Frequency freq=1000000000
EventBatch gen=2 m=${NO_M} time=0 size=0
Strings
String id=7
	data="${regionName}"
EventBatch gen=2 m=1 time=20 size=0
${body}`);
}

const okGen2 = `ProcStatus dt=1 p=0 pstatus=1
GoStatus dt=1 g=2 m=1 gstatus=2
GoStatus dt=1 g=1 m=${NO_M} gstatus=1
GoStop dt=1 reason_string=0 stack=0
GoStart dt=1 g=1 g_seq=1
UserRegionEnd dt=1 task=5 name_string=7 stack=0
UserTaskEnd dt=1 task=5 stack=0
`;

describe('state across generations', () => {
  it('a consistent second generation is valid, and regions match by name across string tables', () => {
    const t = gen2(okGen2);
    expect(verdict(t)).toBeNull();
    const r = readV2Sync(wire(t));
    expect(r.events.map((e) => `${e.gen}:${e.name}`)).toEqual([
      '1:ProcStatus',
      '1:GoStatus',
      '1:GoCreate',
      '1:UserTaskBegin',
      '1:UserRegionBegin',
      '1:GoStop',
      '1:GoStart',
      '2:ProcStatus',
      '2:GoStatus',
      '2:GoStatus',
      '2:GoStop',
      '2:GoStart',
      '2:UserRegionEnd',
      '2:UserTaskEnd',
    ]);
    const end = r.events.find((e) => e.name === 'UserRegionEnd')!;
    expect(end.strings).toEqual({ name_string: 'r1' });
    expect(end.g).toBe(1);
  });

  it('ending a region with another name is a misuse of region', () => {
    expect(verdict(gen2(okGen2, 'r2'))).toMatch(/^misuse of region in goroutine 1: region end \{5 r2\}/);
  });

  it('a goroutine first seen in a later generation is refused', () => {
    const body = okGen2.replace('GoStop', `GoStatus dt=1 g=99 m=${NO_M} gstatus=4\nGoStop`);
    expect(verdict(gen2(body))).toBe(
      'found goroutine status for new goroutine after the first generation: id=99 status=Waiting',
    );
  });

  it('a status that contradicts the previous generation is refused', () => {
    const body = okGen2.replace(`g=1 m=${NO_M} gstatus=1`, `g=1 m=${NO_M} gstatus=4`);
    expect(verdict(gen2(body))).toBe('inconsistent status for goroutine 1: old Runnable vs. new Waiting');
  });

  it("sequence numbers do not carry over: without its GoStatus a G can't start", () => {
    const body = okGen2.replace(`GoStatus dt=1 g=1 m=${NO_M} gstatus=1\n`, '');
    expect(verdict(gen2(body))).toMatch(/^broken trace: failed to advance: frontier: \[gen=2\] M 1 \[GoStart/);
  });

  it('a task begun again while active is a conflict, even across generations', () => {
    const body = okGen2.replace('UserTaskEnd', 'UserTaskBegin dt=1 task=5 parent_task=0 name_string=7 stack=0\nUserTaskEnd');
    expect(verdict(gen2(body))).toBe('task ID conflict: 5');
  });

  it('generations must follow each other', () => {
    const t = gen2(okGen2).replace(/gen=2/g, 'gen=4');
    expect(verdict(t)).toBe('generations out of order');
  });

  it('a generation without a frequency is refused', () => {
    const t = gen2(okGen2).replace(new RegExp(`EventBatch gen=2 m=${NO_M} time=0 size=6\nFrequency freq=1000000000\n`), '');
    expect(t.match(/Frequency/g)!.length).toBe(1);
    expect(verdict(t)).toBe('no frequency event found');
  });
});

describe('Go1.23 coroutine switches', () => {
  const t = mk(`Trace Go1.23
EventBatch gen=1 m=${NO_M} time=0 size=0
Frequency freq=1000000000
EventBatch gen=1 m=3 time=10 size=0
ProcStatus dt=1 p=0 pstatus=1
GoStatus dt=1 g=1 m=3 gstatus=2
GoCreateBlocked dt=1 new_g=2 new_stack=0 stack=0
GoSwitch dt=1 g=2 g_seq=1
GoSwitchDestroy dt=1 g=1 g_seq=1
GoDestroy dt=1
`);

  it('a switch is a block of the current G and a start of the next', () => {
    const r = readV2Sync(wire(t));
    expect(r.error).toBeNull();
    const short = r.events.map((e: TraceEvent) => `${e.name} g=${e.g}${e.name === 'GoStart' ? ` ->${e.args.g}` : ''}`);
    expect(short).toEqual([
      'ProcStatus g=-1',
      'GoStatus g=-1',
      'GoCreateBlocked g=1',
      'GoSwitch g=1',
      'GoBlock g=1',
      'GoStart g=-1 ->2',
      'GoSwitchDestroy g=2',
      'GoDestroy g=2',
      'GoStart g=-1 ->1',
      'GoDestroy g=1',
    ]);
    expect(r.events[4].offset).toBe(-1);
  });

  it('GoSwitch does not exist in Go1.22 traces', () => {
    const old = t.replace('Trace Go1.23', 'Trace Go1.22');
    expect(validateTextV2(old)?.message).toMatch(/unidentified event: GoCreateBlocked/);
    const bytes = wire(t);
    bytes[6] = 0x32; // "go 1.23" → "go 1.22"
    expect(validateV2(bytes)?.message).toMatch(/found invalid event type: 47/);
  });

  it('experimental batches are framed and kept out of the event stream', () => {
    const withExp = t.replace(
      `EventBatch gen=1 m=3`,
      `ExperimentalBatch exp=1 gen=1 m=3 time=5\n\tdata="\\x80\\x01abc"\nEventBatch gen=1 m=3`,
    );
    expect(verdict(withExp)).toBeNull();
    expect(wireToText(wire(withExp))).toBe(withExp);
    expect(names(withExp)).toEqual(names(t));
  });
});

describe('Go1.25 sync batches', () => {
  const t = mk(`Trace Go1.25
EventBatch gen=1 m=${NO_M} time=9 size=0
Sync
Frequency freq=1000000000
ClockSnapshot dt=1 mono=99 sec=1740755049 nsec=123
EventBatch gen=1 m=1 time=15 size=0
ProcStatus dt=1 p=0 pstatus=1
`);

  it('carry the frequency and the clock snapshot', () => {
    expect(verdict(t)).toBeNull();
    expect(names(t)).toEqual(['ProcStatus']);
  });

  it('a sync batch without a frequency leaves the generation without one', () => {
    expect(verdict(mk(t.replace('Frequency freq=1000000000\n', '')))).toBe('no frequency event found');
  });

  it('two frequencies in a generation are refused', () => {
    const twice = t.replace('Frequency freq=1000000000\n', 'Frequency freq=1000000000\nFrequency freq=1000000000\n');
    expect(verdict(mk(twice))).toBe('found multiple frequency events');
  });

  it('a lone Frequency batch (the pre-Go1.25 form) does not count in Go1.25', () => {
    // It is then an M batch; the generation check (no frequency) comes before ordering.
    expect(verdict(mk(t.replace('Sync\n', '')))).toBe('no frequency event found');
  });

  it('a ClockSnapshot outside the sync batch cannot be ordered', () => {
    const stray = t.replace('ProcStatus dt=1 p=0 pstatus=1', 'ProcStatus dt=1 p=0 pstatus=1\nClockSnapshot dt=1 mono=1 sec=1 nsec=1');
    expect(verdict(mk(stray))).toBe('bad event type found while ordering: 51');
  });
});

describe('CPU samples', () => {
  const base = mk(`Trace Go1.22
EventBatch gen=1 m=${NO_M} time=0 size=0
Frequency freq=1000000000
EventBatch gen=1 m=${NO_M} time=0 size=0
Strings
String id=1
	data="main.f"
EventBatch gen=1 m=${NO_M} time=0 size=0
Stacks
Stack id=3 nframes=1
	pc=4096 func=1 file=1 line=7
EventBatch gen=1 m=${NO_M} time=0 size=0
CPUSamples
CPUSample time=13 m=1 p=0 g=1 stack=3
CPUSample time=2 m=1 p=0 g=0 stack=0
EventBatch gen=1 m=1 time=10 size=0
ProcStatus dt=1 p=0 pstatus=1
GoStatus dt=1 g=1 m=1 gstatus=2
HeapAlloc dt=1 heapalloc_value=4096
GoStop dt=1 reason_string=1 stack=3
`);

  it('are merged by time, with their own context', () => {
    const r = readV2Sync(wire(base));
    expect(r.error).toBeNull();
    expect(r.events.map((e) => e.name)).toEqual(['CPUSample', 'ProcStatus', 'GoStatus', 'HeapAlloc', 'CPUSample', 'GoStop']);
    const s = r.events[4];
    expect([s.g, s.p, s.m, s.stack]).toEqual([1, 0, 1, 3]);
    expect(r.events[0].g).toBe(-1);
  });

  it('must reference stacks that exist', () => {
    expect(verdict(base.replace('stack=3\nCPUSample', 'stack=4\nCPUSample'))).toBe(
      'found invalid stack ID 4 for event CPUSample',
    );
  });

  it('stack frames must reference strings that exist', () => {
    expect(verdict(base.replace('func=1 file=1', 'func=1 file=9'))).toBe('found invalid file string ID 9 for stack 3');
  });
});

describe('syscalls and ProcSteal', () => {
  const head = `Trace Go1.22
EventBatch gen=1 m=${NO_M} time=0 size=0
Frequency freq=1000000000
`;
  it('a bare M may steal a P whose thread is in a syscall', () => {
    const t = mk(`${head}EventBatch gen=1 m=1 time=0 size=0
ProcStatus dt=1 p=0 pstatus=1
GoStatus dt=1 g=1 m=1 gstatus=2
GoSyscallBegin dt=1 p_seq=1 stack=0
GoSyscallEndBlocked dt=5
EventBatch gen=1 m=2 time=0 size=0
ProcSteal dt=3 p=0 p_seq=2 m=1
`);
    expect(verdict(t)).toBeNull();
    expect(names(t)).toEqual(['ProcStatus', 'GoStatus', 'GoSyscallBegin', 'ProcSteal', 'GoSyscallEndBlocked']);
  });

  it('stealing from the wrong thread is refused', () => {
    const t = mk(`${head}EventBatch gen=1 m=1 time=0 size=0
ProcStatus dt=1 p=0 pstatus=1
GoStatus dt=1 g=1 m=1 gstatus=2
GoSyscallBegin dt=1 p_seq=1 stack=0
EventBatch gen=1 m=2 time=0 size=0
ProcSteal dt=3 p=0 p_seq=2 m=7
`);
    expect(verdict(t)).toBe('stole proc from non-existent thread 7');
  });

  it('a syscall without a P to hand back is refused', () => {
    const t = mk(`${head}EventBatch gen=1 m=1 time=0 size=0
GoStatus dt=1 g=1 m=1 gstatus=2
GoSyscallBegin dt=1 p_seq=1 stack=0
`);
    expect(verdict(t)).toBe("expected a proc but didn't have one");
  });

  it('GoSyscallBegin with a skipped P sequence number is refused', () => {
    const t = mk(`${head}EventBatch gen=1 m=1 time=0 size=0
ProcStatus dt=1 p=0 pstatus=1
GoStatus dt=1 g=1 m=1 gstatus=2
GoSyscallBegin dt=1 p_seq=2 stack=0
`);
    expect(verdict(t)).toBe("failed to advance GoSyscallBegin: can't make sequence: 0 (gen=1) -> 2 (gen=1)");
  });
});

describe('streaming', () => {
  it('yields a generation before reading the bytes after it', async () => {
    const bytes = wire(gen2(okGen2));
    // Split right after the first batch of generation 2 (the one that closes generation 1).
    const text = writeTextTrace(parseTextTrace(gen2(okGen2)) as RawTrace);
    const firstGen2 = text.indexOf('EventBatch gen=2');
    const prefixBytes = wire(text.slice(0, text.indexOf('EventBatch', firstGen2 + 1))).length;
    const log: string[] = [];
    async function* src() {
      yield bytes.subarray(0, prefixBytes);
      log.push('second chunk requested');
      yield bytes.subarray(prefixBytes);
    }
    for await (const ev of readV2(src())) log.push(`${ev.gen}:${ev.name}`);
    expect(log.indexOf('second chunk requested')).toBe(7);
    expect(log.length).toBe(15);
  });

  it('readV2Chunks hands out the same events in bulk', async () => {
    const bytes = wire(gen2(okGen2));
    async function* src() {
      for (let i = 0; i < bytes.length; i += 40) yield bytes.subarray(i, i + 40);
    }
    const all: TraceEvent[] = [];
    let arrays = 0;
    for await (const evs of readV2Chunks(src())) {
      arrays++;
      all.push(...evs);
    }
    expect(arrays).toBe(Math.ceil(bytes.length / 40) + 1);
    expect(all).toEqual(readV2Sync(bytes).events);
  });

  it('throws a TraceError after the events that preceded it', async () => {
    const bytes = wire(gen2(okGen2, 'r2'));
    const seen: string[] = [];
    let err: unknown = null;
    try {
      for await (const ev of readV2(bytes)) seen.push(ev.name);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TraceError);
    expect((err as TraceError).gen).toBe(2);
    expect(seen.length).toBe(12);
  });

  it('a truncated last batch: the generations read so far are ordered first, then the truncation', async () => {
    const bytes = wire(gen2(okGen2));
    const cut = bytes.subarray(0, bytes.length - 3);
    // Generation 2 lost its only M batch: Go 1.23 orders what it read of it (nothing), and its
    // reader has nothing to hand out there (Go 1.22 reports the truncation itself).
    expect(validateV2(cut)?.message).toMatch(/^broken trace: frontier is empty: \[gen=2\]$/);
    const seen: TraceEvent[] = [];
    await expect(
      (async () => {
        for await (const ev of readV2(cut)) seen.push(ev);
      })(),
    ).rejects.toThrow(/frontier is empty/);
    // Generation 1's events, then the error.
    expect(seen.map((e) => e.gen)).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });
});

describe('spec tables and text details', () => {
  it('names and ids are unique per version, and versions only add events', () => {
    for (const v of [22, 23, 25] as const) {
      const t = specTables[v];
      const seen = new Set<string>();
      for (const s of t.specs) {
        if (!s) continue;
        expect(seen.has(s.name)).toBe(false);
        seen.add(s.name);
        expect(s.timed ? s.args[0] : 'dt').toBe('dt');
        for (const i of s.stringArgs) expect(s.args[i]).toMatch(/_string$/);
        for (const i of s.stackArgs) expect(s.args[i]).toMatch(/stack$/);
      }
    }
    expect(specTables[22].byName.size).toBe(44);
    expect(specTables[23].byName.size).toBe(44 + 5 + 9);
    expect(specTables[25].byName.size).toBe(44 + 5 + 9 + 3);
    expect(allSpecs[21]!.name).toBe('GoUnblock');
    expect(allSpecs[51]!.name).toBe('ClockSnapshot');
  });

  it('quotes bytes exactly as Go strconv.Quote does', () => {
    const q = (b: number[]) => quoteBytes(Uint8Array.from(b));
    expect(q([0x61, 0x22, 0x5c, 0x0a, 0x09, 0x00, 0x7f])).toBe('"a\\"\\\\\\n\\t\\x00\\x7f"');
    expect(q([0xff, 0xc3, 0xa9])).toBe('"\\xffé"');
    expect(q([0xe2, 0x80, 0xa8])).toBe('"\\u2028"');
    expect(q([0xef, 0xbb, 0xbf])).toBe('"\\ufeff"');
    expect(q([0xf0, 0x9f, 0x98, 0x80])).toBe('"😀"');
    expect(q([0xed, 0xa0, 0x80])).toBe('"\\xed\\xa0\\x80"');
    for (const s of ['"\\xffé\\u2028"', '"\\101\\x41"', '`raw\\n`']) {
      const b = unquoteBytes(s)!;
      expect(b).not.toBeNull();
      if (s.startsWith('"')) expect(unquoteBytes(quoteBytes(b))).toEqual(b);
    }
    expect(unquoteBytes('"\\q"')).toBeNull();
    expect(unquoteBytes('"abc')).toBeNull();
  });

  it('text parse errors say what is wrong', () => {
    expect((parseTextTrace('Trace Go1.21\n') as TraceError).message).toMatch(/unsupported Go version 1\.21/);
    expect((parseTextTrace('Trace Go1.22\nGoStart dt=1 g=2\n') as TraceError).message).toMatch(/no argument/);
    expect((parseTextTrace('Trace Go1.22\nGoStart dt=1 g=2 seq=1\n') as TraceError).message).toMatch(
      /expected argument "g_seq", but got "seq"/,
    );
    expect((parseTextTrace('Trace Go1.22\nGoStart dt=1 g=2 g_seq=18446744073709551616\n') as TraceError).message).toMatch(
      /failed to parse argument value/,
    );
    expect((parseTextTrace('Trace Go1.22\nNope\n') as TraceError).message).toMatch(/unidentified event: Nope/);
  });

  it('headers: wrong magic and unsupported versions are refused', () => {
    expect(validateV2(new TextEncoder().encode('not a trace at all'))?.message).toBe(
      'bad file format: not a Go execution trace?',
    );
    expect(validateV2(new TextEncoder().encode('go 1.24 trace\0\0\0'))?.message).toBe(
      'unknown or unsupported trace version go 1.24',
    );
    // A header alone: Go reads a first generation and finds no frequency in it.
    expect(validateV2(new TextEncoder().encode('go 1.22 trace\0\0\0'))?.message).toBe('no frequency event found');
  });
});

// Differential test of the v1 reader (go 1.5 – 1.21 traces) against real Go: our verdict, our
// per-type counts (traceSummary, what `gotracesim stats` prints) and every event line against
// `go tool trace -d` of the release that judges the trace's version (Go 1.19 up to 1.19, Go 1.21
// for 1.21; go 1.5 traces need a binary to symbolize, /bin/true will do since only counts and
// lines are compared). Inputs: Go's own canned traces read from GOROOT at test time (never
// copied here), fresh traces from test/go/tracegen built with each release, targeted breakages,
// and seeded mutants of canned traces. The first block checks the table facts and the go 1.5
// layout on hand-made bytes, without Go.
// Who may touch: the v1 format owner.
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { describeWithGo, goTraceDumpLines, scratchDirFor, scratchFile, toolchain, type OracleRelease, type Toolchain } from './oracle/go.ts';
import { CANNED, cannedNamed, mutants, read, runTracegen, tracegen, WORKLOADS } from './oracle/v1-traces.ts';
import { encodeUvarint, traceSummary, validateTrace } from '../bindings/formats/index.ts';
import {
  argCountCode,
  argsFor,
  EvBatch,
  EvFrequency,
  EvGoCreate,
  EvGoStart,
  eventName,
  EvStack,
  EvCPUSample,
  EvGCSTWStart,
  EvGoSysExit,
  GC_P,
  NETPOLL_P,
  parseV1,
  readV1Header,
  readV1Wire,
  SYSCALL_P,
  TIMER_P,
  stwKindId,
  stwKindName,
  V1_BY_NAME,
  wireArgCount,
  type V1Trace,
} from '../bindings/formats/v1/index.ts';

/** Any binary serves `-d` for go 1.5 traces (it only feeds addr2line). */
const ANY_BINARY = '/bin/true';
/** The release whose `go tool trace -d` judges a trace of this version. */
const judge = (version: number): OracleRelease => (version >= 1021 ? '1.21' : '1.19');

/**
 * A verdict as both readers state it: Go's message without its "failed to parse trace: ",
 * ours without the offset we add to ordering errors. Messages that cannot agree in their
 * details compare up to them: Go's failed argument reads say "at offset 0" and its string
 * reads add the io error; its version error advises updating Go.
 */
function verdict(message: string): string {
  return message
    .replace(/^failed to parse trace: /, '')
    .replace(/^(time stamps out of order|stray syscall exit|event sequences are broken) \(offset \d+\)$/, '$1')
    .replace(/^(failed to read event \d+ argument) at offset .*$/, '$1')
    .replace(/^(failed to read trace at offset \d+): .*$/, '$1')
    .replace(/^(unsupported trace file version \d+\.\d+) .*$/, '$1');
}

/** Our events as `go tool trace -d` prints them (Go's presentation Ps applied, as its parser does). */
function dumpLines(tr: V1Trace): string[] {
  const lastBlock = new Map<number, string>(); // G -> name of the event that last set its state
  const lines: string[] = [];
  for (const e of tr.events) {
    let p = e.p;
    if (e.type === EvGoSysExit) p = SYSCALL_P;
    if (e.name === 'GCStart') p = GC_P;
    if (e.name === 'GoUnblock') {
      if (tr.timerGoroutines.has(e.g)) p = TIMER_P;
      else if (lastBlock.get(e.args.g) === 'GoBlockNet') p = NETPOLL_P;
    }
    if (e.name === 'GoStart' || e.name === 'GoStartLabel') lastBlock.delete(e.g);
    else if (e.name === 'GoUnblock' || e.name === 'GoCreate') lastBlock.set(e.args.g, e.name);
    else if (/^Go(Block|Sleep|Sched|Preempt|SysCall|SysExit|Waiting|InSyscall)/.test(e.name)) lastBlock.set(e.g, e.name);
    let s = `${e.ts} ${e.name} p=${p} g=${e.g} off=${e.offset}`;
    // Go prints the latest argument list whatever the version (absent ones as 0).
    for (const a of argsFor(V1_BY_NAME.get(e.name)!, 1021)) {
      let v: number | bigint = e.args[a] ?? 0;
      if (e.type === EvCPUSample && a === 'p' && v < 0) v = (1n << 64n) + BigInt(v);
      s += ` ${a}=${v}`;
    }
    for (const k of Object.keys(e.strings ?? {})) s += ` ${k}=${e.strings![k]}`;
    lines.push(s);
  }
  return lines;
}

/** Go breaks ties between equal timestamps by map order: runs of equal time become sorted sets. */
function canonical(lines: string[]): string[] {
  const out: string[] = [];
  let run: string[] = [];
  let ts = '';
  for (const l of lines) {
    const t = l.slice(0, l.indexOf(' '));
    if (t !== ts) {
      out.push(...run.sort());
      run = [];
      ts = t;
    }
    run.push(l);
  }
  out.push(...run.sort());
  return out;
}

/** The first line where two dumps differ (null: equal), small enough for a readable failure. */
function firstDiff(go: string[], ours: string[]): { line: number; go?: string; ours?: string; goLines: number; ourLines: number } | null {
  const a = canonical(go);
  const b = canonical(ours);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return { line: i, go: a[i], ours: b[i], goLines: a.length, ourLines: b.length };
  }
  return null;
}

interface Compared {
  error: string;
  counts: Record<string, number>;
  /** STW start kinds in Go's dump, in order. */
  goKinds: string[];
}

/**
 * Verdict, counts and event lines of one trace against Go's; returns Go's verdict and counts
 * for the caller's own checks.
 */
async function compare(tc: Toolchain, bytes: Uint8Array, version: number): Promise<Compared> {
  const file = scratchFile(bytes);
  const go = goTraceDumpLines(tc, file, version < 1007 ? ANY_BINARY : undefined);
  const err = await validateTrace(bytes);
  expect(verdict(err?.message ?? ''), `ours: ${err?.message ?? 'valid'}`).toBe(verdict(go.error));
  if (err === null) {
    const s = await traceSummary(bytes);
    expect(s.events).toEqual(go.counts);
    expect(s.totalEvents).toBe(go.lines.length);
    expect(firstDiff(go.lines, dumpLines(parseV1(bytes)))).toBeNull();
  }
  const goKinds = go.lines.filter((l) => /^\d+ (GC)?STWStart /.test(l)).map((l) => l.slice(l.indexOf(' kind=') + 6));
  return { error: go.error, counts: go.counts, goKinds };
}

/** True if a go 1.5 trace repeats a sequence number: Go's order then depends on its map order. */
function seqAmbiguous(bytes: Uint8Array): boolean {
  let w;
  try {
    w = readV1Wire(bytes);
  } catch {
    return false; // wire errors come in file order, the same in every run
  }
  if (w.seq === null) return false;
  const seen = new Set<number>();
  for (let i = 0; i < w.n; i++) {
    const s = w.type[i] === EvGoSysExit ? w.args[w.argAt[i] + 1] : w.seq[i];
    if (seen.has(s)) return true;
    seen.add(s);
  }
  return false;
}

/** A copy of `bytes` with the kind argument of its first STW start set to `kind` (< 128). */
function withStwKind(bytes: Uint8Array, kind: number): Uint8Array {
  const tr = parseV1(bytes);
  const ev = tr.events.find((e) => e.type === EvGCSTWStart)!;
  const b = new Uint8Array(bytes);
  expect(b[ev.offset] >> 6, 'STW start with two inline arguments').toBe(1);
  let p = ev.offset + 1;
  while (b[p] & 0x80) p++; // the tick delta
  p++;
  expect(b[p]).toBe(ev.args.kindid);
  b[p] = kind;
  return b;
}

/** tracegen built with each installed release: both builds start before the first test. */
beforeAll(() => {
  for (const release of ['1.19', '1.21'] as const) if (toolchain(release)) void tracegen(release);
});

/** One go 1.5 event: the type byte (nargs code counting the seq), then uvarints. */
function ev105(typ: number, args: number[]): number[] {
  const buf = new Uint8Array(10 * args.length);
  let n = 0;
  for (const v of args) n = encodeUvarint(buf, n, v);
  const body = [...buf.subarray(0, n)];
  const code = argCountCode(args.length, 1005);
  return code === 3 ? [typ | (code << 6), n, ...body] : [typ | (code << 6), ...body];
}

/** A go 1.5 trace: G1 created on P0 (global seq 1, tick 110), started on P1 (seq 2, tick `startTick`). */
function trace105(startTick: number): Uint8Array {
  const head = Array.from('go 1.5 trace\0\0\0\0', (c) => c.charCodeAt(0));
  return Uint8Array.from([
    ...head,
    // P1's batch comes first in the file: the order is the sequence numbers'.
    ...ev105(EvBatch, [1, 0, 100]),
    ...ev105(EvGoStart, [2, startTick - 100, 1]),
    ...ev105(EvBatch, [0, 0, 100]),
    ...ev105(EvGoCreate, [1, 10, 1, 0x1000, 7]), // [seq, tick deltas, g, start PC, stack]
    ...ev105(EvStack, [7, 2, 0x2000, 0x3000]), // PCs only
    ...ev105(EvFrequency, [1e9, 0]),
  ]);
}

describe('v1 table facts and the go 1.5 layout (no Go needed)', () => {
  it('names and STW kinds by version, as Go 1.19 and Go 1.21 print them', () => {
    expect([eventName(EvGCSTWStart, 1019), eventName(EvGCSTWStart, 1021), eventName(EvGCSTWStart + 1, 1021)]).toEqual(['GCSTWStart', 'STWStart', 'STWDone']);
    expect([stwKindName(1009, 0), stwKindName(1019, 1), stwKindName(1019, 2)]).toEqual(['mark termination', 'sweep termination', null]);
    expect([stwKindName(1021, 1), stwKindName(1021, 9), stwKindName(1021, 16), stwKindName(1021, 17)]).toEqual([
      'GC mark termination',
      'GOMAXPROCS',
      'ResetDebugLog (test)',
      'unknown',
    ]);
    expect([stwKindId(1019, 'sweep termination'), stwKindId(1021, 'GC sweep termination'), stwKindId(1021, 'stop trace')]).toEqual([1, 2, 11]);
    expect(() => stwKindId(1019, 'GOMAXPROCS')).toThrow(RangeError);
  });

  it('go 1.5 wire: a seq delta before the tick delta, nargs codes counting it, seq-less GoStart', () => {
    expect([wireArgCount(V1_BY_NAME.get('GoStart')!, 1005), wireArgCount(V1_BY_NAME.get('GoStart')!, 1007)]).toEqual([3, 3]);
    expect([wireArgCount(V1_BY_NAME.get('GoCreate')!, 1005), wireArgCount(V1_BY_NAME.get('Batch')!, 1005)]).toEqual([5, 3]);
    expect([2, 3, 4, 5].map((n) => argCountCode(n, 1005))).toEqual([0, 1, 2, 3]);
    expect([1, 2, 3, 4].map((n) => argCountCode(n))).toEqual([0, 1, 2, 3]);
  });

  it('go 1.5 trace: ordered by sequence number, start PC as a one-frame stack, PC-only frames', async () => {
    const bytes = trace105(120);
    expect(await validateTrace(bytes)).toBeNull();
    const tr = parseV1(bytes);
    expect(tr.events.map((e) => [e.name, e.ts, e.p, e.g, e.args.g])).toEqual([
      ['GoCreate', 0, 0, 0, 1],
      ['GoStart', 10, 1, 1, 1],
    ]);
    expect(tr.stacks.get(7)).toEqual([
      { pc: 0x2000, func: '', file: '', line: 0 },
      { pc: 0x3000, func: '', file: '', line: 0 },
    ]);
    // Go gives the first start the created goroutine's start PC + 1 as its stack.
    expect(tr.stacks.get(tr.events[1].stack)).toEqual([{ pc: 0x1001, func: '', file: '', line: 0 }]);
    expect((await traceSummary(bytes)).events).toEqual({ GoCreate: 1, GoStart: 1 });
  });

  it('go 1.5 trace whose ticks go backwards in sequence order: time stamps out of order', async () => {
    const bytes = trace105(105);
    expect((await validateTrace(bytes))?.message).toMatch(/^time stamps out of order \(offset \d+\)$/);
  });
});

for (const release of ['1.19', '1.21'] as const) {
  describeWithGo(release, `v1 reader vs go tool trace -d of Go ${release}: Go's canned traces`, (tc) => {
    const mine = CANNED.filter((c) => judge(c.version) === release);

    it('finds the canned traces of every version it judges', () => {
      const versions = [...new Set(mine.map((c) => c.version))].sort((a, b) => a - b);
      if (release === '1.19') {
        expect(versions).toEqual([1005, 1007, 1009, 1010, 1011, 1019]);
        expect(mine.map((c) => c.label)).toContain('go1.19/stress_1_5_unordered');
      } else {
        // Go 1.23 keeps the 1.21 traces (oldtrace); without Go 1.23 there are none to judge.
        expect(versions).toEqual(toolchain('1.23') ? [1021] : []);
      }
    });

    for (const c of mine) {
      it(`${c.label} (go ${Math.floor(c.version / 1000)}.${c.version % 1000})`, async () => {
        const bytes = read(c.path);
        const got = await compare(tc, bytes, c.version);
        if (c.label.endsWith('_good')) expect(got.error).toBe('');
        if (c.label.endsWith('_unordered')) {
          expect(got.error).toBe('failed to parse trace: time stamps out of order');
          expect((await validateTrace(bytes))?.message).toMatch(/^time stamps out of order \(offset \d+\)$/);
        }
        // Go 1.21 renamed the STW events and names their kind by the runtime's stwReason.
        const stw = Object.keys(got.counts).filter((k) => /STW/.test(k)).sort();
        if (stw.length > 0) expect(stw).toEqual(release === '1.21' ? ['STWDone', 'STWStart'] : ['GCSTWDone', 'GCSTWStart']);
      }, 60_000);
    }
  });

  describeWithGo(release, `v1 reader vs go tool trace -d of Go ${release}: fresh traces from test/go/tracegen`, (tc) => {
    let dir = '';
    let bin = '';
    beforeAll(async () => {
      bin = await tracegen(release);
      dir = scratchDirFor(`traces-${release}`);
    }, 300_000);

    for (const wl of WORKLOADS) {
      it(`${wl}: verdict, counts and event lines equal`, async () => {
        const bytes = runTracegen(bin, wl, join(dir, `${wl}.trace`), '150ms');
        expect(readV1Header(bytes)).toBe(release === '1.21' ? 1021 : 1019);
        const got = await compare(tc, bytes, readV1Header(bytes));
        expect(got.error).toBe('');
        const n = (name: string): number => got.counts[name] ?? 0;
        const stwStart = release === '1.21' ? 'STWStart' : 'GCSTWStart';
        // What each workload is there for (deterministic: each loop body runs at least once).
        switch (wl) {
          case 'spin':
            expect(n('GoCreate')).toBeGreaterThanOrEqual(3);
            break;
          case 'pingpong':
            expect(n('GoUnblock')).toBeGreaterThan(0);
            break;
          case 'syscall':
            expect(n('GoSysCall')).toBeGreaterThan(0);
            break;
          case 'alloc':
            expect(n('HeapAlloc')).toBeGreaterThan(0);
            break;
          case 'gomaxprocs':
            expect(n('Gomaxprocs')).toBeGreaterThanOrEqual(2);
            // Only Go 1.21 traces stops of the world that are not GC's.
            if (release === '1.21') expect(got.goKinds).toContain('GOMAXPROCS');
            else expect(got.goKinds.filter((k) => k !== 'mark termination' && k !== 'sweep termination')).toEqual([]);
            break;
          case 'gc':
            expect(n('GCStart')).toBeGreaterThan(0);
            expect(n(stwStart)).toBeGreaterThanOrEqual(2);
            expect(got.goKinds).toEqual(
              expect.arrayContaining(release === '1.21' ? ['GC sweep termination', 'GC mark termination'] : ['sweep termination', 'mark termination']),
            );
            break;
          case 'annot':
            expect([n('UserTaskCreate'), n('UserRegion'), n('UserLog')]).toEqual([1, 6, 6]);
            break;
        }
      }, 120_000);
    }
  });
}

describeWithGo('1.19', 'v1 reader vs go tool trace -d of Go 1.19: breakages and mutants', (tc) => {
  it('a "go 1.6 trace" header: no trace ever had one, Go refuses the version', async () => {
    const b = read(cannedNamed('go1.19/stress_1_5_good').path);
    b[5] = 0x36; // "go 1.5" -> "go 1.6"
    const go = goTraceDumpLines(tc, b, ANY_BINARY);
    expect(go.error).toBe('failed to parse trace: unsupported trace file version 1.6 (update Go toolchain) 1006');
    expect(verdict((await validateTrace(b))!.message)).toBe('unsupported trace file version 1.6');
  }, 60_000);

  it("Go's corrupted go 1.5 inputs: the same errors", async () => {
    const inputs = ['\x020', 'Q00\x020', 'T00\x020', '\xc3\x0200'].map((s) =>
      Uint8Array.from('go 1.5 trace\0\0\0\0' + s, (c) => c.charCodeAt(0)),
    );
    const verdicts = [];
    for (const b of inputs) {
      const go = goTraceDumpLines(tc, b, ANY_BINARY);
      const ours = (await validateTrace(b))?.message ?? '';
      verdicts.push([verdict(go.error), verdict(ours)]);
    }
    expect(verdicts).toEqual([
      ['failed to read event 2 argument', 'failed to read event 2 argument'],
      ['unknown event type 48 at offset 0x14', 'unknown event type 48 at offset 0x14'],
      ['unknown event type 48 at offset 0x14', 'unknown event type 48 at offset 0x14'],
      // go 1.5 stack frames are a PC each: 48 frames want 2 + 48 arguments.
      ['EvStack has wrong number of arguments at offset 0x10: want 50, got 2', 'EvStack has wrong number of arguments at offset 0x10: want 50, got 2'],
    ]);
  }, 60_000);

  it('a go 1.19 trace whose STW kind is 2: unknown before 1.21', async () => {
    const b = withStwKind(read(cannedNamed('go1.19/stress_1_19_good').path), 2);
    const got = await compare(tc, b, 1019);
    expect(got.error).toBe('failed to parse trace: unknown STW kind 2');
  }, 60_000);

  it('seeded mutants of go 1.5, 1.9, 1.11 and 1.19 traces: same verdicts, counts and lines', async () => {
    const sources = ['stress_1_5_good', 'stress_start_stop_1_5_good', 'stress_start_stop_1_9_good', 'stress_start_stop_1_11_good', 'user_task_region_1_19_good'];
    const verdicts = new Map<string, number>();
    let skipped = 0;
    for (const [k, name] of sources.entries()) {
      const c = cannedNamed(`go1.19/${name}`);
      for (const b of mutants(read(c.path), 10, 1000 + k)) {
        if (seqAmbiguous(b)) {
          skipped++;
          continue;
        }
        const got = await compare(tc, b, c.version);
        const v = verdict(got.error) || 'valid';
        verdicts.set(v, (verdicts.get(v) ?? 0) + 1);
      }
    }
    // The mutants reach valid traces, ordering errors and wire errors alike.
    expect(verdicts.get('valid')).toBeGreaterThan(0);
    expect(verdicts.size).toBeGreaterThan(3);
    expect(skipped).toBeLessThan(25);
  }, 120_000);
});

describeWithGo('1.21', 'v1 reader vs go tool trace -d of Go 1.21: breakages and mutants', (tc) => {
  it('a go 1.21 trace whose STW reason is beyond the list: valid, kind "unknown"', async () => {
    const c = CANNED.find((x) => x.label.endsWith('/stress_start_stop_1_21_good'));
    if (!c) return expect(toolchain('1.23')).toBeNull(); // the 1.21 traces come with Go 1.23
    const b = withStwKind(read(c.path), 100);
    const got = await compare(tc, b, 1021);
    expect(got.error).toBe('');
    expect(got.goKinds[0]).toBe('unknown');
    const first = parseV1(b).events.find((e) => e.type === EvGCSTWStart)!;
    expect([first.name, first.args.kindid, first.strings?.kind]).toEqual(['STWStart', 100, 'unknown']);
  }, 60_000);

  it('seeded mutants of go 1.21 traces: same verdicts, counts and lines', async () => {
    const sources = CANNED.filter((c) => c.version === 1021 && /stress_start_stop|user_task_region/.test(c.label));
    if (sources.length === 0) return expect(toolchain('1.23')).toBeNull();
    const verdicts = new Map<string, number>();
    for (const [k, c] of sources.entries()) {
      for (const b of mutants(read(c.path), 12, 2000 + k)) {
        const got = await compare(tc, b, c.version);
        const v = verdict(got.error) || 'valid';
        verdicts.set(v, (verdicts.get(v) ?? 0) + 1);
      }
    }
    expect(verdicts.get('valid')).toBeGreaterThan(0);
    expect(verdicts.size).toBeGreaterThan(3);
  }, 120_000);
});

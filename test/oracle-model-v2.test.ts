// Differential test of the trace model on Go1.22+ traces: `gotracesim dump` (formats/trace/print.ts
// over runModel) prints exactly what `go tool trace -d=1` prints, line for line.
//
// `go tool trace -d=1` prints every event Go's reader hands out with fmt.Println(ev.String()):
// the ordering's inferred events (a GoSwitch's block and start, a GoDestroySyscall's self-steal),
// the Sync after each generation, Go's times (Event.Time()), the schedCtx, the state transition
// with the before-state only the ordering knows, ranges with their scope, tasks with their parent
// and type, and every stack. Each trace is judged by the release that wrote it (Go 1.22's -d=1 for
// go 1.22 traces, Go 1.23's for go 1.23 traces).
// Inputs, made at test time (none stored here):
//  1. Go's trace test programs of each release (default, stress and 1.23's alloc/free modes) and
//     this repository's tracegen (test/oracle/v2-programs.ts, shared with oracle-readers-v2);
//  2. the simulator's own traces: the structured oracle scenarios with go 1.22 and go 1.23;
//  3. Go's text parser tests that Go accepts (our text → wire bytes, under the header of the
//     release judging them), which hold the rare cases (self-steals of abandoned Ps, syscalls on
//     other threads, tasks across generations...).
// Go's own nondeterminism, the one thing normalized: Go 1.22/1.23 put each generation's threads
// into their frontier in map order, so when events of different threads share a timestamp,
// which goes first (and, through the frontier sort's skip of index 0, sometimes a later event
// too) changes from run to run of `go tool trace` (we use one fixed order: the first batch's).
// Only the simulator's traces and one of Go's text tests have such ties. A trace whose dump
// differs must (a) have events of different threads at one instant, (b) give per generation
// the same events (each event's text without Time=) as Go's, and (c) give exactly Go's dump once
// its ties are removed (every thread's times moved into their own residue class, which keeps
// each thread's order and Go's verdict): that trace is counted as "order differs at ties".
// Anything else fails with the first differing line. The totals are printed per release.
// Skips: each describe needs its Go release (skipped by name without it, a failure under
// GTS_REQUIRE_GO=1).

import { afterAll, beforeAll, expect, it } from 'vitest';
import { ModelPrinter, runModel, TraceError, textToWire } from '../bindings/formats/index.ts';
import {
  EvCPUSample,
  EvCPUSamples,
  EvEventBatch,
  EvExperimentalBatch,
  EvFrequency,
  EvStacks,
  EvStrings,
  decodeRaw,
  encodeRaw,
  rawEventSize,
  runV2,
  specTables,
  type V2Sink,
} from '../bindings/formats/v2/index.ts';
import { simulate } from '../bindings/runtime/simulate.ts';
import { goTextTests } from './data.ts';
import { describeWithGo } from './oracle/go.ts';
import { ORACLE_SCENARIOS } from './oracle/scenarios.ts';
import { TRACEGEN_WORKLOADS, V2Programs, V2_RELEASES, goTraceModelDump, progsOf } from './oracle/v2-programs.ts';

/** Our dump of a trace (what `gotracesim dump` prints), and our error ('' when none). */
function ourDump(bytes: Uint8Array): { out: string; error: string; events: number } {
  const parts: string[] = [];
  const printer = new ModelPrinter((s) => parts.push(s));
  const err = runModel(bytes, printer);
  return { out: parts.join(''), error: err?.message ?? '', events: printer.events };
}

/**
 * The same trace with no two threads' events at one instant: every batch's time and every delta
 * scaled by K, and each thread's times put in their own residue class mod K (in nanoseconds, so
 * the frequency's ticks per ns is taken into account). Times are rebased near 0 first so they
 * stay exact in a double.
 */
function tieFree(bytes: Uint8Array): Uint8Array {
  const t = decodeRaw(bytes);
  if (t instanceof TraceError) throw t;
  const specs = specTables[t.version].specs;
  const freq = t.events.find((e) => e.type === EvFrequency)!.args[0];
  const nsPerTick = 1e9 / Number(freq);
  // u ticks make a whole number of ns; K ticks a multiple of u.
  const u = nsPerTick >= 1 ? 1n : BigInt(Math.round(1 / nsPerTick));
  if (!Number.isInteger(nsPerTick) && Number(u) * nsPerTick !== 1) throw new Error(`tieFree: frequency ${freq}`);
  const ms = new Map<bigint, bigint>();
  let min = -1n;
  let inSamples = false;
  for (const e of t.events) {
    if (e.type === EvEventBatch) {
      inSamples = false;
      if (!ms.has(e.args[1])) ms.set(e.args[1], BigInt(ms.size + 1));
      if (min < 0n || e.args[2] < min) min = e.args[2];
    } else if (e.type === EvCPUSamples) {
      inSamples = true;
    } else if (inSamples && e.type === EvCPUSample) {
      if (!ms.has(e.args[1])) ms.set(e.args[1], BigInt(ms.size + 1));
      if (e.args[0] < min) min = e.args[0];
    }
  }
  let P = BigInt(ms.size + 2);
  const prime = (n: bigint): boolean => {
    for (let d = 2n; d * d <= n; d++) if (n % d === 0n) return false;
    return true;
  };
  while (!prime(P)) P++;
  const K = u * P;
  const base = min - 1n;
  inSamples = false;
  for (const e of t.events) {
    if (e.type === EvEventBatch) {
      inSamples = false;
      e.args[2] = (e.args[2] - base) * K + u * ms.get(e.args[1])!;
    } else if (e.type === EvCPUSamples) {
      inSamples = true;
    } else if (inSamples && e.type === EvCPUSample) {
      e.args[0] = (e.args[0] - base) * K + u * ms.get(e.args[1])!;
    } else if (specs[e.type]?.timed) {
      e.args[0] *= K;
    }
  }
  // Batch sizes follow the longer varints; an event batch that outgrows Go's 64 KiB limit is split
  // in two batches of the same thread, the second based at the time its first event follows.
  const out: typeof t.events = [];
  let header: (typeof t.events)[number] | null = null;
  let special = false; // a table or CPU-sample batch: its first event names it, so it stays whole
  let size = 0;
  let now = 0n;
  const close = (): void => {
    if (header) header.args[3] = BigInt(size);
  };
  for (const e of t.events) {
    if (e.type === EvEventBatch || e.type === EvExperimentalBatch) {
      close();
      header = e.type === EvEventBatch ? e : null;
      size = 0;
      now = e.args[2] ?? 0n;
      out.push(e);
      continue;
    }
    const n = rawEventSize(e);
    if (size === 0) special = e.type === EvStacks || e.type === EvStrings || e.type === EvCPUSamples;
    else if (header && !special && size + n > 60_000) {
      close();
      header = { type: EvEventBatch, args: [header.args[0], header.args[1], now, 0n], data: null };
      out.push(header);
      size = 0;
    }
    if (!special && specs[e.type]?.timed) now += e.args[0];
    size += n;
    out.push(e);
  }
  close();
  t.events = out;
  return encodeRaw(t);
}

/** Some events of different threads share a timestamp (as the reader computes it, before Go makes times increase). */
function crossThreadTies(bytes: Uint8Array): boolean {
  const first = new Map<number, number>();
  let tie = false;
  const sink: V2Sink = {
    generation() {
      first.clear();
    },
    event(_type, time, _g, _p, m) {
      const seen = first.get(time);
      if (seen === undefined) first.set(time, m);
      else if (seen !== m) tie = true;
    },
  };
  runV2(bytes, sink);
  return tie;
}

/** A dump as, per generation (a Sync ends one), its events' texts without Time=, sorted. */
function perGeneration(out: string): string[][] {
  const gens: string[][] = [[]];
  for (const block of out.split(/\n(?=M=)/)) {
    const ev = block.replace(/ Time=\d+/, '');
    gens[gens.length - 1].push(ev);
    if (/^M=-1 P=-1 G=-1 Sync/.test(ev)) gens.push([]);
  }
  return gens.map((g) => g.sort());
}

/** The first line where two dumps differ, with its number and both sides (null: equal). */
function firstDiff(go: string, ours: string): string | null {
  if (go === ours) return null;
  const a = go.split('\n');
  const b = ours.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `line ${i + 1} of ${a.length} (ours: ${b.length}):\n  go:   ${a[i] ?? '<end>'}\n  ours: ${b[i] ?? '<end>'}`;
  }
  return 'equal lines, different bytes';
}

for (const release of V2_RELEASES) {
  describeWithGo(release, `the model of real Go ${release} traces: our dump is \`go tool trace -d=1\``, (tc) => {
    const progs = new V2Programs(tc, release);
    const total = { traces: 0, lines: 0, events: 0, ties: 0, tieLines: 0 };
    /** Go's dump of a valid trace. */
    function goDump(bytes: Uint8Array): string {
      const go = goTraceModelDump(tc, bytes);
      expect(go.error).toBe('');
      return go.out;
    }
    /**
     * Our dump of a valid trace is Go's; or, when events of different threads share an
     * instant, Go's but for the order Go's map order gives them (see the header).
     */
    function judge(bytes: Uint8Array, go: string, ours: string): void {
      if (go === ours) return;
      const diff = firstDiff(go, ours);
      expect(crossThreadTies(bytes), `no ties, yet ${diff}`).toBe(true);
      expect(perGeneration(ours), 'the same events per generation').toEqual(perGeneration(go));
      const free = tieFree(bytes);
      expect(crossThreadTies(free)).toBe(false);
      const freeOurs = ourDump(free);
      expect(freeOurs.error).toBe('');
      expect(firstDiff(goDump(free), freeOurs.out), 'without ties').toBeNull();
      total.ties++;
      total.tieLines += go.split('\n').length - 1;
    }

    beforeAll(() => progs.build(), 300_000);
    afterAll(() => {
      console.log(
        `[oracle-model-v2] Go ${release}: ${total.traces} traces, ${total.events} events, ${total.lines} lines of -d=1; ` +
          `${total.traces - total.ties} traces (${total.lines - total.tieLines} lines) equal line for line, ` +
          `${total.ties} (${total.tieLines} lines) with events of different threads at one instant: ` +
          `the same events per generation in Go's map-dependent order, and equal line for line without the ties`,
      );
    });

    /** Both dumps of a valid trace: equal, and not trivially (events of every kind the trace needs). */
    function same(bytes: Uint8Array, need: string[] = []): string {
      expect(new TextDecoder().decode(bytes.subarray(0, 13))).toBe(`go ${release} trace`);
      const go = goDump(bytes);
      const ours = ourDump(bytes);
      expect(ours.error).toBe('');
      judge(bytes, go, ours.out);
      for (const n of need) expect(ours.out, n).toContain(n);
      total.traces++;
      total.lines += go.split('\n').length - 1;
      total.events += ours.events;
      return ours.out;
    }

    for (const { prog, mode } of progsOf(release)) {
      it(`${prog.name} (${mode})`, () => {
        const out = same(progs.runProg(prog, mode), [' Sync Time=', 'StateTransition']);
        if (mode === 'stress' && prog.multiGen) expect(out.split(' Sync Time=').length - 1).toBeGreaterThan(1);
        if (prog.name === 'iter-pull') expect(out).toMatch(/ GoID=\d+ Waiting->Runnable\n/);
        if (prog.name === 'cgo-callback') expect(out).toMatch(/ NotExist->Syscall\n/);
        if (prog.name === 'annotations') expect(out).toMatch(/ TaskEnd Time=\d+ ID=\d+ Parent=\d+ Type="\w+/);
        if (prog.name === 'cpu-profile') expect(out).toContain(' StackSample Time=');
      }, 120_000);
    }

    for (const wl of TRACEGEN_WORKLOADS) {
      it(`tracegen ${wl}`, () => {
        same(progs.runTracegen(wl), ['TransitionStack=', 'Stack=', 'RangeBegin']);
      }, 120_000);
    }

    for (const [name, sc] of Object.entries(ORACLE_SCENARIOS)) {
      it(`simulator: ${name} (go ${release})`, () => {
        const r = simulate(sc, { overrides: { go: release }, trace: true });
        same(r.trace!, ['StateTransition']);
      }, 120_000);
    }

    it(`Go's text parser tests that Go accepts (our wire bytes of each, as go ${release} traces)`, () => {
      let n = 0;
      for (const t of goTextTests(tc.goroot)) {
        // Go's tests are written as Go1.22 traces; each is a Go1.23 trace too (1.23 only adds events).
        if (!t.ok || !t.text.startsWith('Trace Go1.22\n')) continue;
        const wire = textToWire(t.text.replace(/^Trace Go1\.22\n/, `Trace Go${release}\n`));
        if (wire instanceof TraceError) throw wire;
        const go = goDump(wire);
        const ours = ourDump(wire);
        expect(ours.error, t.name).toBe('');
        judge(wire, go, ours.out);
        total.lines += go.split('\n').length - 1;
        total.events += ours.events;
        n++;
      }
      total.traces += n;
      expect(n).toBeGreaterThan(10);
    }, 120_000);
  });
}

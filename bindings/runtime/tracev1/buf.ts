// The go 1.19 tracer's buffers, batches and tables (runtime/trace.go's traceBuf,
// traceFlush, traceEvent, traceString and the stack table's dump).
//
// Owns: one 64 KiB WASM traceBuf per P, one for events without a P (pid -1, traceGlobProc)
// and one for CPU samples; the tracer's clock (the last tick handed out); the string table
// (inline at first use) and the stack table (dumped at stop); the event counts by wire id and
// the bytes/batches figures of the stats.
// Invariants:
// - each buffer holds one batch at a time (EvBatch [pid, ticks], then events whose tick
//   deltas are from the batch's ticks, at least 1 each), and is written out whole when the
//   next event does not fit or at stop;
// - ticks are TICKS_BASE plus the trace clock (switches.traceClock: nanoseconds, Frequency
//   1e9, the releases' setting; or nanotime/64), strictly increasing across all buffers, so
//   that events of one instant keep the order the runtime wrote them in on whatever P;
// - a string is emitted (EvString) into the buffer of its first use, before the event that
//   refers to it; stack ids refer to the table dumped at the end, in a batch of pid 0.
// Who may touch what: the tracer (tracev1.ts) writes events only through ev(), and learns
// through onHandover that a full non-CPU buffer went out (when ReadTrace runs, and drains the
// CPU samples first); every buffer out wakes runtime/trace's reader goroutine (reader).

import type { Core } from '../../core/wasm.ts';
import { TraceBuf } from '../../core/tracebuf.ts';
import * as V1 from '../../formats/v1/spec.ts';
import type { ResolvedScenario } from '../../scenario/resolved.ts';
import type { P } from '../../sim/world.ts';
import { NS_PER_TICK, type TraceSink, type TraceStats } from '../tracer.ts';
import { ReaderWakeups } from '../trace-reader.ts';

const BUF_BYTES = 64 * 1024;
const MAX_EVENT = 2 + 5 * 10;
const TICKS_BASE = 1_000_000;
export const U64_MAX = (1n << 64n) - 1n;
const HAS_STACK = V1.V1_EVENTS.map((e) => e.stack);
// Local bindings of the spec's constants (module namespace reads are slow on the hot path).
const { ARG_COUNT_SHIFT } = V1;

export interface Buf {
  pid: number;
  tb: TraceBuf;
  used: boolean;
}

export class V1Writer {
  private readonly pbufs: (Buf | null)[] = [];
  private glob: Buf | null = null;
  private cpuBuf: Buf | null = null;
  private readonly strings = new Map<string, number>();
  private readonly stackIds = new Map<number, number>();
  /** stackIds by stack, for the per-event lookup (0: not yet in the table). */
  private stackIdOf = new Int32Array(1024);
  private lastTick = 0;
  /** Events written, by wire id (named in stats.events at stop). */
  private readonly counts = new Float64Array(V1.EvCount);
  /** Every buffer written out is one the trace reader goroutine writes to the file. */
  readonly reader = new ReaderWakeups();
  /** A full buffer other than the CPU samples' was handed over (ReadTrace runs). */
  onHandover: (now: number) => void = () => {};
  private readonly nsPerTick: number;

  constructor(
    private readonly core: Core,
    private readonly sc: ResolvedScenario,
    private readonly sink: TraceSink,
    private readonly stats: TraceStats,
  ) {
    this.nsPerTick = NS_PER_TICK[sc.switches.traceClock];
  }

  out(bytes: Uint8Array): void {
    this.stats.bytes += bytes.length;
    this.sink(bytes);
  }

  /** A time as ticks, for arguments (GoSysExit's and CPUSample's real times). */
  ticks(now: number): number {
    return TICKS_BASE + Math.floor(now / this.nsPerTick);
  }

  /** A syscall exit's real time as ticks (sysexitticks): exitsyscall waits until its
   *  GoSysBlock, if any, is written before it reads the clock, so it is after every tick handed
   *  out so far (events of one instant get ticks one apart). */
  exitTicks(now: number): number {
    return Math.max(this.ticks(now), this.lastTick + 1);
  }

  /** The tick of the next event or batch: strictly increasing across all buffers. */
  private stamp(now: number): number {
    let t = this.ticks(now);
    if (t <= this.lastTick) t = this.lastTick + 1;
    this.lastTick = t;
    return t;
  }

  private newBuf(pid: number): Buf {
    return { pid, tb: TraceBuf.create(this.core, BUF_BYTES), used: false };
  }

  /** Start a batch in b: EvBatch [pid, ticks]; later events' deltas are from its ticks. */
  private beginBatch(b: Buf, now: number): void {
    const tb = b.tb;
    tb.reset();
    const t = this.stamp(now);
    tb.byte(V1.EvBatch | (1 << V1.ARG_COUNT_SHIFT));
    tb.uvarint(b.pid >= 0 ? b.pid : U64_MAX);
    tb.uvarint(t);
    tb.lastTs = t;
    b.used = true;
    this.stats.batches++;
  }

  private flush(b: Buf, now: number, handover: boolean): void {
    if (b.used) {
      this.out(b.tb.bytes().slice());
      this.reader.bufferOut();
    }
    b.used = false;
    // Handing over a full buffer is when ReadTrace runs, and it drains the CPU samples first.
    if (handover) this.onHandover(now);
  }

  private room(b: Buf, n: number, now: number): void {
    if (!b.used) this.beginBatch(b, now);
    else if (!b.tb.ensure(n)) {
      this.flush(b, now, b !== this.cpuBuf);
      this.beginBatch(b, now);
    }
  }

  bufOf(p: P | null): Buf {
    if (!p) return (this.glob ??= this.newBuf(V1.GLOBAL_PROC));
    return (this.pbufs[p.id] ??= this.newBuf(p.id));
  }

  /** The CPU samples' buffer. */
  cpu(): Buf {
    return (this.cpuBuf ??= this.newBuf(0));
  }

  str(b: Buf, s: string, now: number): number {
    if (s === '') return 0;
    let id = this.strings.get(s);
    if (id !== undefined) return id;
    id = this.strings.size + 1;
    this.strings.set(s, id);
    this.room(b, 1 + 20 + 3 * s.length, now);
    b.tb.byte(V1.EvString);
    b.tb.uvarint(id);
    b.tb.string(s);
    return id;
  }

  stk(stack: number | undefined): number {
    if (stack === undefined) return 0;
    if (stack < this.stackIdOf.length) {
      const id = this.stackIdOf[stack];
      if (id !== 0) return id;
    }
    let id = this.stackIds.get(stack);
    if (id === undefined) this.stackIds.set(stack, (id = this.stackIds.size + 1));
    if (stack >= this.stackIdOf.length && stack < 0x200000) {
      const a = new Int32Array(Math.max(stack + 1, 2 * this.stackIdOf.length));
      a.set(this.stackIdOf);
      this.stackIdOf = a;
    }
    if (stack < this.stackIdOf.length) this.stackIdOf[stack] = id;
    return id;
  }

  /** ev with n (at most 3) number arguments given one by one, no array: the hot events. */
  evN(b: Buf, ev: number, now: number, n: number, a0: number, a1: number, a2: number, stack?: number): void {
    if (HAS_STACK[ev]) {
      const id = this.stk(stack);
      if (n === 0) a0 = id;
      else if (n === 1) a1 = id;
      else if (n === 2) a2 = id;
      else return this.ev(b, ev, now, [a0, a1, a2], stack);
      n++;
    }
    const narg = n < 3 ? n : 3;
    this.room(b, MAX_EVENT, now);
    b.tb.timedN(ev | (narg << ARG_COUNT_SHIFT), narg === 3, this.stamp(now), 1, n, a0, a1, a2, 0);
    this.counts[ev]++;
  }

  /** Write event `ev` into b: args after the timestamp, and the stack id if the table has one. */
  ev(b: Buf, ev: number, now: number, args: (number | bigint)[], stack?: number, inline?: string): void {
    if (HAS_STACK[ev]) args.push(this.stk(stack));
    const narg = Math.min(args.length, 3);
    this.room(b, MAX_EVENT + (inline ? 10 + 3 * inline.length : 0), now);
    b.tb.timedEvent(ev | (narg << ARG_COUNT_SHIFT), narg === 3, this.stamp(now), 1, args);
    if (inline !== undefined) b.tb.string(inline);
    this.counts[ev]++;
  }

  /** StopTrace's end: every buffer out (no handover), the Frequency event, the stack table. */
  finish(now: number): void {
    for (const b of this.pbufs) if (b) this.flush(b, now, false);
    if (this.glob) this.flush(this.glob, now, false);
    if (this.cpuBuf) this.flush(this.cpuBuf, now, false);
    this.out(new Uint8Array([V1.EvFrequency, ...uvarintBytes(1e9 / this.nsPerTick)]));
    this.dumpStacks(now);
  }

  private dumpStacks(now: number): void {
    const b = this.newBuf(0);
    const symtab = this.sc.symtab;
    for (const [stack, id] of this.stackIds) {
      const frames = symtab.stacks[stack];
      const payload: number[] = [id, frames.length];
      for (const f of frames) {
        const fr = symtab.frames[f];
        payload.push(symtab.pcOf(f), this.str(b, fr.func, now), this.str(b, fr.file, now), fr.line);
      }
      const bytes = payload.flatMap((v) => uvarintBytes(v));
      this.room(b, 1 + 10 + bytes.length, now);
      b.tb.byte(V1.EvStack | (3 << V1.ARG_COUNT_SHIFT));
      b.tb.uvarint(bytes.length);
      b.tb.raw(new Uint8Array(bytes));
    }
    this.flush(b, now, false);
  }

  /** Counts under the names `go tool trace -d` of release `version` prints (the *Local forms
   *  print as their base; 1.21 renamed the STW events). */
  countEvents(version: number): void {
    this.counts.forEach((n, ev) => {
      if (n === 0) return;
      const spec = V1.V1_EVENTS[ev];
      const name = V1.eventName(spec.printedAs ?? ev, version);
      this.stats.events[name] = (this.stats.events[name] ?? 0) + n;
    });
  }
}

function uvarintBytes(v: number): number[] {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

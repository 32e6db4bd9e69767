// The generational tracer's buffers and batches, and the order in which they reach the sink
// (runtime/trace2buf.go's traceWriter and traceBuf, trace2event.go's event encoding).
//
// Owns: the tracer's clock (switches.traceClock: Linux's nanotime()/64, or one tick per ns),
// the last tick handed out, the per-M batch being filled in the current and the previous
// generation (a WASM traceBuf each, recycled through a pool), the generation being written
// to the sink and the finished batches of later ones, and the bytes/batches/events figures.
// Invariants:
// - an event's tick is the clock at its instant, or the last tick handed out + 1 when that is
//   not later: ticks increase strictly across the whole trace, so the reader's timestamp
//   order is the order the tracer wrote things in. (Go's traceWriter bumps per thread only;
//   threads then share ticks, and Go's reader, when the earliest event cannot go first, sorts
//   its frontier and retries from the second: a tie there can wedge it. Real events are
//   ~200 ns apart, 64 ns ticks rarely tie; the model's bursts at one instant would.)
// - a batch's time is just before its first event's tick; a batch holds events of one M and
//   one generation only, and is flushed when the next event does not fit, or at the end of
//   its generation (flushGen);
// - the sink gets the header, then generation after generation, never interleaved: batches
//   of a generation later than the one being written wait in `queued` until genDone.
// Who may touch what: every part writes timed events through ev() (inside the M's critical
// section, see sections.ts) and structural batches through batch(); only the generations
// (gen.ts) call flushGen and genDone.

import type { Core } from '../../core/wasm.ts';
import { TraceBuf } from '../../core/tracebuf.ts';
import * as V2 from '../../formats/v2/index.ts';
import { NS_PER_TICK, type TraceSink } from '../tracer.ts';
import type { TraceV2 } from '../tracev2.ts';
import { ReaderWakeups } from '../trace-reader.ts';
import { holeyObjects } from '../../core/packed.ts';

const { batchHeaderSize, writeBatchHeader } = V2;

const BUF_BYTES = 64 * 1024 - 64;
/** Thread ids below this have their batches in arrays (real Ms; the pseudo threads are above). */
const SMALL_M = 65536;
/** The largest timed event the tracer writes: a header byte and up to 6 varint arguments. */
export const MAX_EVENT = 1 + 11 * 6;

interface MBuf {
  mid: number;
  gen: number;
  tb: TraceBuf;
  used: boolean;
  /** Tick of the batch's first event. */
  t0: number;
}

export class BatchWriter {
  /** Nanoseconds per tick, and the Frequency event's ticks per second. */
  readonly nsPerTick: number;
  readonly frequency: number;
  private lastTick = 0;
  /** Per-M batches of the current and the previous generation (index gen % 2). */
  private readonly bufs: Map<number, MBuf>[] = [new Map(), new Map()];
  /** The same batches by thread id, for real Ms (ids below SMALL_M): an array load per event
   *  instead of a Map lookup. Always equal to `bufs` on those ids. */
  private readonly byMid: (MBuf | undefined)[][] = [holeyObjects(), holeyObjects()];
  private readonly pool: TraceBuf[] = [];
  /** Output: generation being written to the sink, and later generations' finished batches. */
  private outGen = 1;
  private readonly queued = new Map<number, Uint8Array[]>();
  /** Every batch written out is one the trace reader goroutine writes to the file. */
  readonly reader = new ReaderWakeups();

  constructor(
    private readonly t: TraceV2,
    private readonly core: Core,
    private readonly sink: TraceSink,
  ) {
    this.nsPerTick = NS_PER_TICK[t.sc.switches.traceClock];
    this.frequency = 1e9 / this.nsPerTick;
  }

  /** The trace clock at simulated instant `now` (traceClockNow). */
  tick(now: number): number {
    return Math.floor(now / this.nsPerTick);
  }

  /** The trace header, first of everything. */
  header(bytes: Uint8Array): void {
    this.out(1, bytes);
    this.outGen = 1;
  }

  private out(gen: number, bytes: Uint8Array): void {
    if (gen === this.outGen) {
      this.t.stats.bytes += bytes.length;
      this.sink(bytes);
      return;
    }
    let q = this.queued.get(gen);
    if (!q) this.queued.set(gen, (q = []));
    q.push(bytes);
  }

  /** A generation is complete: everything of the next one may go out. */
  genDone(gen: number): void {
    this.outGen = gen + 1;
    const q = this.queued.get(this.outGen);
    if (q) {
      this.queued.delete(this.outGen);
      for (const b of q) this.out(this.outGen, b);
    }
  }

  batch(gen: number, m: number | bigint, time: number, payload: Uint8Array): void {
    const hdr = new Uint8Array(batchHeaderSize(gen, m, time, payload.length));
    writeBatchHeader(hdr, 0, gen, m, time, payload.length);
    const all = new Uint8Array(hdr.length + payload.length);
    all.set(hdr, 0);
    all.set(payload, hdr.length);
    this.t.stats.batches++;
    this.out(gen, all);
    this.reader.bufferOut();
  }

  private newTB(): TraceBuf {
    const tb = this.pool.pop() ?? TraceBuf.create(this.core, BUF_BYTES);
    tb.reset();
    return tb;
  }

  private flushBuf(b: MBuf): void {
    if (b.used) this.batch(b.gen, this.t.wireM(b.mid), b.t0, b.tb.bytes().slice());
    b.used = false;
    b.tb.reset();
  }

  /** The M's batch in generation gen with room for n bytes (for an event at tick ts). */
  private room(mid: number, gen: number, n: number, ts: number): MBuf {
    const small = mid >= 0 && mid < SMALL_M;
    let b = small ? this.byMid[gen % 2][mid] : this.bufs[gen % 2].get(mid);
    if (!b) {
      b = { mid, gen, tb: this.newTB(), used: false, t0: 0 };
      this.bufs[gen % 2].set(mid, b);
      if (small) this.byMid[gen % 2][mid] = b;
    }
    if (b.used && !b.tb.ensure(n)) this.flushBuf(b);
    if (!b.used) {
      b.used = true;
      b.t0 = Math.max(0, ts - 1);
      b.tb.lastTs = b.t0;
    }
    return b;
  }

  /** Events written, by type, and the types in the order of their first event (the order of
   *  the names in stats.events; countEvents puts them there at stop). */
  private readonly counts = new Float64Array(256);
  private readonly firstSeen: number[] = [];

  /** One more event of this type in the stats, under the name of the version's spec table. */
  count(type: number): void {
    if (this.counts[type]++ === 0) this.firstSeen.push(type);
  }

  /** StopTrace: the counts go into stats.events, under the names of the version's spec table. */
  countEvents(): void {
    const events = this.t.stats.events;
    for (const type of this.firstSeen) {
      const name = this.t.table.specs[type]!.name;
      events[name] = (events[name] ?? 0) + this.counts[type];
    }
    this.counts.fill(0);
    this.firstSeen.length = 0;
  }

  /** Write a timed event (args after dt) on thread mid's batch of generation gen (default:
   *  the current one; traceAdvance writes the statuses of silent goroutines into the old). */
  ev(mid: number, type: number, now: number, args: (number | bigint)[], gen = this.t.gen): void {
    let ts = this.tick(now);
    if (ts <= this.lastTick) ts = this.lastTick + 1;
    const b = this.room(mid, gen, MAX_EVENT, ts);
    if (!b.tb.timedEvent(type, false, ts, 1, args)) throw new Error(`tracev2: event ${type} does not fit an empty batch`);
    this.lastTick = ts;
    this.count(type);
  }

  /** ev with n (at most 4) number arguments given one by one, no array: the hot events. */
  evN(mid: number, type: number, now: number, n: number, a0: number, a1: number, a2: number, a3: number): void {
    let ts = this.tick(now);
    if (ts <= this.lastTick) ts = this.lastTick + 1;
    const b = this.room(mid, this.t.gen, MAX_EVENT, ts);
    if (!b.tb.timedN(type, false, ts, 1, n, a0, a1, a2, a3)) throw new Error(`tracev2: event ${type} does not fit an empty batch`);
    this.lastTick = ts;
    this.count(type);
  }

  /** The per-M batches of generation gen go out; their buffers go back to the pool. */
  flushGen(gen: number): void {
    const map = this.bufs[gen % 2];
    for (const b of map.values()) {
      if (b.gen !== gen) continue;
      this.flushBuf(b);
      this.pool.push(b.tb);
      map.delete(b.mid);
      if (b.mid >= 0 && b.mid < SMALL_M) this.byMid[gen % 2][b.mid] = undefined;
    }
  }
}

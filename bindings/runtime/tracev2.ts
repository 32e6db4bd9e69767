// TraceV2: the generational execution tracer of Go 1.22+ (runtime/trace2*.go), writing the
// Go1.22 / Go1.23 / Go1.25 wire format from the simulation's events.
//
// What reaches the sink: the 16-byte header, then generation after generation (never
// interleaved): per-M batches (EventBatch gen m time size) of timed events, the CPUSamples,
// Stacks and Strings batches and the sync batch (Frequency; Sync + Frequency + ClockSnapshot
// from Go1.25), all with m = NoThread. Event ids and argument order come from the one v2 spec
// table (formats/v2/spec.ts). Timestamps are ticks at TICKS_PER_NS per nanosecond, made
// strictly increasing across the whole trace so that the reader's timestamp order is the
// simulation's order.
//
// State: every event is written inside a tracer critical section of its M (traceAcquire:
// the M's seqlock in the WASM core goes odd). The section stays held for a short modelled
// while after the write (CS_MIN_NS..CS_MAX_NS), so a SIGPROF can land inside it; a new event
// on the same M ends the old section and starts a new one. Releases are applied lazily, at
// their modelled instant, by the only observers of the seqlocks (an advance, a SIGPROF). Statuses are written lazily, as the runtime's eventWriter does: before an event
// about a P or G whose status was not yet written in this generation, a ProcStatus/GoStatus
// with the state the trace reader holds for it (kept here as a shadow: G/P statuses, seqs,
// the M each P and G is bound to).
// traceAdvance runs every `trace.period`: snapshot the seqlocks, bump the generation, then
// check (advanceReady) until every M that was inside a section at the snapshot has left it,
// retrying when the blocking M's section ends; then the old generation's CPU samples are
// drained (two buffers), and its batches and tables are flushed.
// CPU samples: see tracecpu.ts. The reader goroutine drains every `trace.cpuReaderEvery`
// (100ms) under traceAcquire of its own M into the current generation's CPUSamples batch.
// Pseudo threads of the tracer: sysmon (retake's ProcSteal, wakeups by timers) and the
// trace reader/advancer. GC phases always run on a goroutine (the allocating or runtime.GC
// caller, or the mark worker that finishes marking), as in the runtime.

import type { Core } from '../core/wasm.ts';
import { Seqlocks } from '../core/seqlock.ts';
import { TraceBuf } from '../core/tracebuf.ts';
import * as V2 from '../formats/v2/index.ts';
import type { V2Version, VersionTable } from '../formats/v2/index.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';
import type { Sched } from '../sim/sched.ts';
import type { BlockKind, StwReason } from '../sim/observer.ts';
import type { G, M, P } from '../sim/world.ts';
import { RT } from '../scenario/symtab.ts';
import { TraceCPULog, type CPUSampleRecord } from './tracecpu.ts';
import type { Tracer, TraceSink, TraceStats } from './tracer.ts';
import type { TraceFormat } from '../scenario/releases.ts';

// Local bindings of the spec table's constants (read once: module namespace reads are slow on the hot path).
const {
  EvGoLabel,
  EvProcsChange,
  EvCPUSample,
  EvCPUSamples,
  EvClockSnapshot,
  EvFrequency,
  EvGCBegin,
  EvGCEnd,
  EvGCMarkAssistBegin,
  EvGCMarkAssistEnd,
  EvGoBlock,
  EvGoCreate,
  EvGoDestroy,
  EvGoStart,
  EvGoStatus,
  EvGoStop,
  EvGoSyscallBegin,
  EvGoSyscallEnd,
  EvGoSyscallEndBlocked,
  EvGoUnblock,
  EvHeapAlloc,
  EvProcStart,
  EvProcStatus,
  EvProcSteal,
  EvProcStop,
  EvSTWBegin,
  EvSTWEnd,
  EvStack,
  EvStacks,
  EvString,
  EvStrings,
  EvSync,
  EvUserLog,
  EvUserRegionBegin,
  EvUserRegionEnd,
  EvUserTaskBegin,
  EvUserTaskEnd,
  GO122,
  GO123,
  GO125,
  GoRunnable,
  GoRunning,
  GoSyscall,
  GoWaiting,
  MaxBatchSize,
  MaxEventTrailerDataSize,
  MaxFramesPerStack,
  NoProc,
  NoThread,
  ProcIdle,
  ProcRunning,
  ProcSyscall,
  ProcSyscallAbandoned,
  batchHeaderSize,
  headerFor,
  specTables,
  writeBatchHeader,
  writeEvent,
} = V2;

/** The wire version each v2 format writes. */
const V2_VERSION_OF: Partial<Record<TraceFormat, V2Version>> = { 'go1.22': GO122, 'go1.23': GO123, 'go1.25': GO125 };

export const TICKS_PER_NS = 64;
const BUF_BYTES = 64 * 1024 - 64;
const MAX_EVENT = 1 + 11 * 6;
/** Seqlocks for every thread Go allows alive at once (debug.SetMaxThreads' 10000) and the pseudo threads. */
const SEQLOCK_SLOTS = 16384;
const SYSMON_SLOT = SEQLOCK_SLOTS - 1;
const READER_SLOT = SEQLOCK_SLOTS - 2;
/** Wire ids of the tracer's pseudo threads (real Ms use their sim id). */
export const SYSMON_M = 100_000;
export const READER_M = 100_001;
const CS_MIN_NS = 200;
const CS_MAX_NS = 500;
const CLOCK_EPOCH_SEC = 1_700_000_000;

const BLOCK_REASON: Record<BlockKind, string> = {
  sleep: 'sleep',
  chan: 'chan receive',
  chansend: 'chan send',
  chanrecv: 'chan receive',
  select: 'select',
  sync: 'sync',
  cond: 'sync.(*Cond).Wait',
  net: 'network',
  gcworker: 'system goroutine wait',
};

interface GShadow {
  status: number;
  /** Generation whose status was written (0: never). */
  gen: number;
  seq: number;
  /** Thread it is bound to (Running, Syscall), else -1. */
  m: number;
  /** User-annotation ends waiting for the goroutine to run again. */
  pending: (() => void)[] | null;
}

interface PShadow {
  status: number;
  gen: number;
  seq: number;
  m: number;
  /** The thread that began the syscall the P is in (the runtime's mSyscallID). */
  mSyscall: number;
}

interface MShadow {
  p: number;
  g: number;
}

interface MBuf {
  mid: number;
  gen: number;
  tb: TraceBuf;
  used: boolean;
}

interface CPUBatch {
  buf: Uint8Array;
  pos: number;
  t0: number;
}

interface GenTables {
  strings: Map<string, number>;
  stacks: Map<number, number>;
  cpu: CPUBatch | null;
}

export type TraceV2Stats = TraceStats & {
  /** Simulated instants (ns) at which generations 2, 3, ... began. */
  genStarts: number[];
  /** Times an advance found an M still inside a critical section and retried. */
  advanceWaits: number;
  /** entersyscall_gcwaits that found the P in another M's syscall (stolen and handed back meanwhile). */
  gcwaitStolenBetween: number;
};

export class TraceV2 implements Tracer {
  readonly stats: TraceV2Stats;
  private sched!: Sched;
  private readonly version: V2Version;
  private readonly table: VersionTable;
  private readonly seq: Seqlocks;
  private readonly cpu: TraceCPULog;
  private readonly nbufs: 1 | 2;
  private readonly periodNs: number;
  private readonly readerEveryNs: number;
  private gen = 0;
  private enabled = false;
  private lastTick = 0;
  /** Per-M batches of the current and the previous generation (index gen % 2). */
  private bufs: Map<number, MBuf>[] = [new Map(), new Map()];
  private tables: GenTables[] = [];
  private pool: TraceBuf[] = [];
  /** Output: generation being written to the sink, and later generations' finished batches. */
  private outGen = 1;
  private queued = new Map<number, Uint8Array[]>();
  private gs = new Map<number, GShadow>();
  private ps: PShadow[] = [];
  private ms = new Map<number, MShadow>();
  /** Release time and epoch of each seqlock slot's open section. */
  private relAt = new Float64Array(SEQLOCK_SLOTS);
  private held = new Set<number>();
  private slots = new Map<number, number>();
  private freeSlots: number[] = [];
  private nextSlot = 0;
  private csCounter = 0;
  private advancing = false;
  private gcSeq = 0;
  private gcRunning = false;
  private stwInitiator = -1;
  private tasks = 0;
  private procsAnnounced = false;
  /** Between STWBegin and STWEnd (the initiator holds worldsema), and the advance waiting on it. */
  private inSTW = false;
  private advanceAfterSTW: ((now: number) => void) | null = null;

  constructor(
    private readonly core: Core,
    private readonly sc: ResolvedScenario,
    private readonly sink: TraceSink,
  ) {
    this.version = V2_VERSION_OF[sc.switches.traceFormat]!;
    this.table = specTables[this.version];
    this.nbufs = sc.switches.cpuBuffersPerGen;
    this.periodNs = sc.trace.periodNs;
    this.readerEveryNs = sc.trace.cpuReaderEveryNs;
    this.seq = Seqlocks.create(core, SEQLOCK_SLOTS);
    this.cpu = new TraceCPULog(core, sc.symtab, this.nbufs, sc.profile.words, sc.profile.tags, 3);
    this.stats = {
      format: `go1.${this.version}`,
      events: {},
      bytes: 0,
      batches: 0,
      cpuSamples: { taken: 0, buffered: 0, overflowed: 0, inTrace: 0, lostAtStop: 0, misplaced: 0 },
      generations: 0,
      signalsInsideTracer: 0,
      procSteals: 0,
      selfSteals: 0,
      genStarts: [],
      advanceWaits: 0,
      gcwaitStolenBetween: 0,
    };
  }

  // ---- clock, output ------------------------------------------------------------------------

  private tick(now: number): number {
    let t = now * TICKS_PER_NS;
    if (t <= this.lastTick) t = this.lastTick + 1;
    this.lastTick = t;
    return t;
  }

  private out(gen: number, bytes: Uint8Array): void {
    if (gen === this.outGen) {
      this.stats.bytes += bytes.length;
      this.sink(bytes);
      return;
    }
    let q = this.queued.get(gen);
    if (!q) this.queued.set(gen, (q = []));
    q.push(bytes);
  }

  /** A generation is complete: everything of the next one may go out. */
  private genDone(gen: number): void {
    this.outGen = gen + 1;
    const q = this.queued.get(this.outGen);
    if (q) {
      this.queued.delete(this.outGen);
      for (const b of q) this.out(this.outGen, b);
    }
  }

  private batch(gen: number, m: number | bigint, time: number, payload: Uint8Array): void {
    const hdr = new Uint8Array(batchHeaderSize(gen, m, time, payload.length));
    writeBatchHeader(hdr, 0, gen, m, time, payload.length);
    const all = new Uint8Array(hdr.length + payload.length);
    all.set(hdr, 0);
    all.set(payload, hdr.length);
    this.stats.batches++;
    this.out(gen, all);
  }

  private newTB(): TraceBuf {
    const tb = this.pool.pop() ?? TraceBuf.create(this.core, BUF_BYTES);
    tb.reset();
    return tb;
  }

  private flushBuf(b: MBuf): void {
    if (b.used) {
      const data = b.tb.bytes();
      // The batch time is the first event's tick, recorded when the batch began.
      this.batch(b.gen, b.mid === -1 ? NoThread : b.mid, (b as MBuf & { t0: number }).t0, data.slice());
    }
    b.used = false;
    b.tb.reset();
  }

  /** The M's batch in the current generation with room for n bytes (for an event at tick ts). */
  private room(mid: number, n: number, ts: number): MBuf {
    const map = this.bufs[this.gen % 2];
    let b = map.get(mid);
    if (!b) {
      b = { mid, gen: this.gen, tb: this.newTB(), used: false };
      map.set(mid, b);
    }
    if (b.used && !b.tb.ensure(n)) this.flushBuf(b);
    if (!b.used) {
      b.used = true;
      (b as MBuf & { t0: number }).t0 = ts;
      b.tb.lastTs = ts;
    }
    return b;
  }

  private count(type: number): void {
    const name = this.table.specs[type]!.name;
    this.stats.events[name] = (this.stats.events[name] ?? 0) + 1;
  }

  /** Write a timed event (args after dt) on thread mid's batch. */
  private ev(mid: number, type: number, now: number, args: (number | bigint)[]): void {
    const ts = this.tick(now);
    const b = this.room(mid, MAX_EVENT, ts);
    if (!b.tb.timedEvent(type, false, ts, 0, args)) throw new Error(`tracev2: event ${type} does not fit an empty batch`);
    this.count(type);
  }

  // ---- tables ----------------------------------------------------------------------------

  private tab(): GenTables {
    let t = this.tables[this.gen];
    if (!t) this.tables[this.gen] = t = { strings: new Map(), stacks: new Map(), cpu: null };
    return t;
  }

  private str(s: string): number {
    const t = this.tab().strings;
    let id = t.get(s);
    if (id === undefined) t.set(s, (id = t.size + 1));
    return id;
  }

  private stk(stack: number | undefined): number {
    if (stack === undefined) return 0;
    if (this.sc.symtab.stacks[stack].length === 0) return 0;
    const t = this.tab().stacks;
    let id = t.get(stack);
    if (id === undefined) t.set(stack, (id = t.size + 1));
    return id;
  }

  /** The Stacks and Strings batches of generation gen (stack frames intern their strings first). */
  private dumpTables(gen: number, now: number): void {
    const t = this.tables[gen];
    if (!t) return;
    const symtab = this.sc.symtab;
    const stackBytes: Uint8Array[] = [];
    const scratch = new Uint8Array(16 + 4 * 10 * MaxFramesPerStack + 20);
    const strings = t.strings;
    const sid = (s: string) => {
      let id = strings.get(s);
      if (id === undefined) strings.set(s, (id = strings.size + 1));
      return id;
    };
    for (const [stack, id] of t.stacks) {
      const frames = symtab.stacks[stack].slice(0, MaxFramesPerStack);
      const args: number[] = [id, frames.length];
      for (const f of frames) {
        const fr = symtab.frames[f];
        args.push(symtab.pcOf(f) + 1, sid(fr.func), sid(fr.file), fr.line);
      }
      const end = writeEvent(scratch, 0, EvStack, args);
      stackBytes.push(scratch.slice(0, end));
    }
    const time = this.tick(now);
    this.chunked(gen, EvStacks, stackBytes, time);
    const enc = new TextEncoder();
    const strBytes: Uint8Array[] = [];
    for (const [s, id] of strings) {
      let data = enc.encode(s);
      if (data.length > MaxEventTrailerDataSize) data = data.subarray(0, MaxEventTrailerDataSize);
      const buf = new Uint8Array(1 + 10 + 10 + data.length);
      strBytes.push(buf.slice(0, writeEvent(buf, 0, EvString, [id], data)));
    }
    this.chunked(gen, EvStrings, strBytes, time);
    delete this.tables[gen];
  }

  /** Structural batches of one kind (first byte `head`), each under MaxBatchSize. */
  private chunked(gen: number, head: number, items: Uint8Array[], time: number): void {
    let parts: Uint8Array[] = [];
    let size = 1;
    const emit = () => {
      if (parts.length === 0) return;
      const payload = new Uint8Array(size);
      payload[0] = head;
      let o = 1;
      for (const p of parts) {
        payload.set(p, o);
        o += p.length;
      }
      this.batch(gen, NoThread, time, payload);
      parts = [];
      size = 1;
    };
    for (const it of items) {
      if (size + it.length > MaxBatchSize) emit();
      parts.push(it);
      size += it.length;
    }
    emit();
  }

  private syncBatch(gen: number, now: number): void {
    const freq = TICKS_PER_NS * 1e9;
    const time = this.tick(now);
    const buf = new Uint8Array(64);
    let o = 0;
    if (this.version >= GO125) {
      buf[o++] = EvSync;
      o = writeEvent(buf, o, EvFrequency, [freq]);
      o = writeEvent(buf, o, EvClockSnapshot, [0, now, CLOCK_EPOCH_SEC + Math.floor(now / 1e9), now % 1e9]);
    } else {
      o = writeEvent(buf, o, EvFrequency, [freq]);
    }
    this.batch(gen, NoThread, time, buf.slice(0, o));
  }

  // ---- critical sections (traceAcquire / traceRelease) ------------------------------------

  /** The seqlock slot of thread mid: the pseudo threads have fixed ones, real Ms take a free
   *  slot at their first section and give it back when they exit (locked Ms come and go). */
  private slot(mid: number): number {
    if (mid === SYSMON_M) return SYSMON_SLOT;
    if (mid === READER_M) return READER_SLOT;
    let s = this.slots.get(mid);
    if (s === undefined) {
      s = this.freeSlots.pop() ?? this.nextSlot++;
      if (s >= READER_SLOT) throw new RangeError(`tracev2: more than ${READER_SLOT} threads alive at once`);
      this.slots.set(mid, s);
    }
    return s;
  }

  /** traceAcquire on thread mid; the section is released a short modelled time later. */
  private acquire(mid: number, now: number): void {
    const s = this.slot(mid);
    if (this.held.has(s)) this.seq.end(s);
    this.seq.begin(s);
    // A deterministic spread of section lengths, independent of the simulation's Rand.
    this.csCounter = (this.csCounter * 1103515245 + 12345) >>> 0;
    this.relAt[s] = now + CS_MIN_NS + ((this.csCounter >>> 8) % (CS_MAX_NS - CS_MIN_NS + 1));
    this.held.add(s);
  }

  /** traceRelease of every section whose modelled end has passed (done lazily: the sections
   *  are only observed by an advance and by a SIGPROF, which call this first). */
  private release(now: number): void {
    for (const s of this.held) {
      if (this.relAt[s] <= now) {
        this.seq.end(s);
        this.held.delete(s);
      }
    }
  }

  /** Release slot s's section if its end has passed; whether it is still held. */
  private heldAt(s: number, now: number): boolean {
    if (!this.held.has(s)) return false;
    if (this.relAt[s] <= now) {
      this.seq.end(s);
      this.held.delete(s);
      return false;
    }
    return true;
  }

  // ---- shadow state and lazy statuses ---------------------------------------------------------

  private mst(mid: number): MShadow {
    let s = this.ms.get(mid);
    if (!s) this.ms.set(mid, (s = { p: -1, g: -1 }));
    return s;
  }

  private gst(gid: number): GShadow {
    let s = this.gs.get(gid);
    if (!s) this.gs.set(gid, (s = { status: GoRunnable, gen: 0, seq: 0, m: -1, pending: null }));
    return s;
  }

  private pst(pid: number): PShadow {
    let s = this.ps[pid];
    if (!s) this.ps[pid] = s = { status: ProcIdle, gen: 0, seq: 0, m: -1, mSyscall: -1 };
    return s;
  }

  /** Enter a section on mid and write the statuses of the P and G the reader binds to it. */
  private begin(mid: number, now: number): MShadow {
    this.acquire(mid, now);
    const ms = this.mst(mid);
    if (ms.p >= 0) this.procStatus(mid, ms.p, now);
    if (ms.g >= 0) this.goStatus(mid, ms.g, now);
    return ms;
  }

  private procStatus(mid: number, pid: number, now: number): PShadow {
    const s = this.pst(pid);
    if (s.gen !== this.gen) {
      let st = s.status;
      // Only the bound thread may say Running/Syscall; anyone else sees an abandoned syscall.
      if (st === ProcSyscall && s.m !== mid) st = ProcSyscallAbandoned;
      this.ev(mid, EvProcStatus, now, [pid, st]);
      s.gen = this.gen;
      s.seq = 0;
    }
    return s;
  }

  private goStatus(mid: number, gid: number, now: number): GShadow {
    const s = this.gst(gid);
    if (s.gen !== this.gen) {
      const bound = s.status === GoRunning || s.status === GoSyscall;
      this.ev(mid, EvGoStatus, now, [gid, bound ? s.m : NoThread, s.status]);
      s.gen = this.gen;
      s.seq = 0;
    }
    return s;
  }

  /** Every event on a real M happens inside that M's critical section. */
  private onM(m: M, now: number): MShadow {
    return this.begin(m.id, now);
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  start(now: number): void {
    this.enabled = true;
    this.gen = 1;
    this.stats.generations = 1;
    this.out(1, headerFor(this.version));
    this.outGen = 1;
  }

  init(sched: unknown, now: number): void {
    this.sched = sched as Sched;
    const every = this.readerEveryNs;
    const reader = (t: number) => {
      if (!this.enabled) return;
      this.readCPU(t);
      this.sched.at(t + every, reader);
    };
    this.sched.at(now + every, reader);
    // The trace advancer: sleeps a period, then traceAdvance, which takes worldsema before it
    // switches generations: a stop-the-world in progress delays it until startTheWorld.
    const advance = (t: number) => {
      // No new generation at the instant tracing stops: StopTrace ends the current one.
      if (!this.enabled || t >= this.sc.durationNs) return;
      if (this.inSTW) {
        this.advanceAfterSTW = advance;
        return;
      }
      this.advance(t);
      this.sched.at(t + this.periodNs, advance);
    };
    this.sched.at(now + this.periodNs, advance);
  }

  profiling(): boolean {
    return true;
  }

  /** StopTrace is traceAdvance(true): it too takes worldsema, so it waits out a stop-the-world. */
  stopWaits(): boolean {
    return this.inSTW;
  }

  stop(now: number): void {
    if (!this.enabled) return;
    const gen = this.gen;
    if (this.advancing) {
      // An advance still waits: finish it now (the world is stopping; every section ends).
      this.advancing = false;
      if (this.nbufs === 2) this.drainInto((gen - 1) % 2, gen - 1, now);
      this.finishGen(gen - 1, now);
    }
    this.enabled = false;
    this.cpu.close();
    const cs = this.stats.cpuSamples;
    if (this.nbufs === 2) {
      this.drainInto(gen % 2, gen, now);
      this.drainInto((gen + 1) % 2, gen, now);
    } else {
      // Go 1.22: the reader stops with the trace; what it had not read yet is lost.
      cs.lostAtStop += this.cpu.discard(0);
    }
    this.finishGen(gen, now);
    cs.buffered = this.cpu.written;
    cs.overflowed = this.cpu.overflowed;
  }

  // ---- generations ---------------------------------------------------------------------------

  private advance(now: number): void {
    if (this.advancing) return;
    this.release(now);
    this.seq.snapshot();
    this.gen++;
    this.stats.generations = this.gen;
    this.stats.genStarts.push(now);
    this.advancing = true;
    this.tryFinish(now);
  }

  /**
   * Once every M has left the old generation, the new one gets the state of everything that
   * is not running: as Go's traceAdvance does, a GoStatus for each goroutine that is runnable
   * or waiting and a ProcStatus for each idle P, written by the advancing thread. Running
   * goroutines and Ps (and those in syscalls) are announced by their own M's first event.
   */
  private announce(now: number): void {
    this.acquire(READER_M, now);
    for (const [gid, g] of this.gs) if (g.status === GoRunnable || g.status === GoWaiting) this.goStatus(READER_M, gid, now);
    this.ps.forEach((p, pid) => {
      if (p && p.status === ProcIdle) this.procStatus(READER_M, pid, now);
    });
  }

  private tryFinish(now: number): void {
    if (!this.advancing || !this.enabled) return;
    this.release(now);
    const blocking = this.seq.advanceReady();
    if (blocking >= 0) {
      this.stats.advanceWaits++;
      this.sched.at(Math.max(now + 1, this.relAt[blocking] + 1), (t) => this.tryFinish(t));
      return;
    }
    this.advancing = false;
    this.announce(now);
    if (this.nbufs === 2) this.drainInto((this.gen - 1) % 2, this.gen - 1, now);
    this.finishGen(this.gen - 1, now);
  }

  /** Flush generation gen: per-M batches, CPU samples, stacks, strings, sync. */
  private finishGen(gen: number, now: number): void {
    const map = this.bufs[gen % 2];
    for (const b of map.values()) {
      if (b.gen !== gen) continue;
      this.flushBuf(b);
      this.pool.push(b.tb);
      map.delete(b.mid);
    }
    const t = this.tables[gen];
    if (t?.cpu) {
      this.flushCPU(gen, t.cpu);
      t.cpu = null;
    }
    this.dumpTables(gen, now);
    this.syncBatch(gen, now);
    this.genDone(gen);
  }

  // ---- CPU samples -----------------------------------------------------------------------

  cpuSample(m: M, gp: G | null, stack: number, now: number): void {
    if (!this.enabled) return;
    const cs = this.stats.cpuSamples;
    cs.taken++;
    const s = this.slot(m.id);
    const inside = this.heldAt(s, now);
    if (inside) this.stats.signalsInsideTracer!++;
    else this.seq.begin(s);
    const gen = this.gen;
    this.cpu.lock.acquire(0n);
    this.cpu.write(this.nbufs === 2 ? gen % 2 : 0, m.p ? m.p.id : -1, gp ? gp.id : 0, stack, now, m.id, gen);
    this.cpu.lock.release();
    if (!inside) this.seq.end(s);
  }

  /** The reader goroutine: under its own section, drain into the current generation. */
  private readCPU(now: number): void {
    this.acquire(READER_M, now);
    this.drainInto(this.nbufs === 2 ? this.gen % 2 : 0, this.gen, now);
  }

  private drainInto(i: number, gen: number, now: number): void {
    const cs = this.stats.cpuSamples;
    this.cpu.read(i, (r: CPUSampleRecord) => {
      this.cpuEvent(gen, r, now);
      cs.inTrace++;
      if (r.gen !== gen) cs.misplaced++;
    });
  }

  private cpuEvent(gen: number, r: CPUSampleRecord, now: number): void {
    // Stack ids are the generation's: intern in gen's tables (gen is current or being finished).
    const saved = this.gen;
    this.gen = gen;
    const t = this.tab();
    const stackId = this.stk(r.stack);
    this.gen = saved;
    let b = t.cpu;
    if (b && b.pos + MAX_EVENT > MaxBatchSize) {
      this.flushCPU(gen, b);
      b = null;
    }
    if (!b) {
      t.cpu = b = { buf: new Uint8Array(MaxBatchSize), pos: 1, t0: this.tick(now) };
      b.buf[0] = EvCPUSamples;
    }
    b.pos = writeEvent(b.buf, b.pos, EvCPUSample, [r.time * TICKS_PER_NS, r.m, r.p >= 0 ? r.p : NoProc, r.goid, stackId]);
    this.count(EvCPUSample);
  }

  private flushCPU(gen: number, b: CPUBatch): void {
    if (b.pos > 1) this.batch(gen, NoThread, b.t0, b.buf.slice(0, b.pos));
  }

  // ---- scheduler events -----------------------------------------------------------------------

  threadCreate(): void {}

  /** An M exits (a locked goroutine took it along): its last section ends, its slot is free. */
  threadExit(m: M): void {
    const s = this.slots.get(m.id);
    if (s === undefined) return;
    if (this.held.has(s)) {
      this.seq.end(s);
      this.held.delete(s);
    }
    this.slots.delete(m.id);
    this.freeSlots.push(s);
  }

  procStart(p: P, m: M, now: number): void {
    const ms = this.onM(m, now);
    if (ms.p >= 0 && ms.p !== p.id) {
      // The model hands a P to a thread that still holds another (a locked M that ran other
      // goroutines): in the trace, the thread lets go of the old P first.
      this.ev(m.id, EvProcStop, now, []);
      const old = this.pst(ms.p);
      old.status = ProcIdle;
      old.m = -1;
      ms.p = -1;
    }
    const cur = this.pst(p.id);
    if (cur.status === ProcRunning && cur.m !== m.id && cur.m >= 0) {
      // Likewise a P the model takes from a thread without stopping it there.
      const other = cur.m;
      this.begin(other, now);
      this.ev(other, EvProcStop, now, []);
      this.mst(other).p = -1;
      cur.status = ProcIdle;
      cur.m = -1;
      this.begin(m.id, now);
    } else if (cur.status === ProcSyscall) {
      this.steal(m.id, p, now);
    }
    const ps = this.procStatus(m.id, p.id, now);
    this.ev(m.id, EvProcStart, now, [p.id, ++ps.seq]);
    ps.status = ProcRunning;
    ps.m = m.id;
    ms.p = p.id;
  }

  procStop(_p: P, m: M, now: number): void {
    const ms = this.onM(m, now);
    // The thread stops the P it holds in the trace (none: nothing to stop).
    if (ms.p < 0) return;
    this.ev(m.id, EvProcStop, now, []);
    const ps = this.pst(ms.p);
    ps.status = ProcIdle;
    ps.m = -1;
    ms.p = -1;
  }

  /** ProcSteal of P (in a syscall) by thread mid; returns the victim thread. */
  private steal(mid: number, p: P, now: number): number {
    const ps = this.procStatus(mid, p.id, now);
    const victim = ps.mSyscall;
    this.ev(mid, EvProcSteal, now, [p.id, ++ps.seq, victim >= 0 ? victim : NoThread]);
    this.stats.procSteals!++;
    ps.status = ProcIdle;
    ps.m = -1;
    ps.mSyscall = -1;
    if (victim >= 0) this.mst(victim).p = -1;
    return victim;
  }

  procSteal(p: P, _owner: M | null, now: number): void {
    // sysmon's retake: a thread with no P steals from the thread in the syscall.
    this.begin(SYSMON_M, now);
    this.steal(SYSMON_M, p, now);
  }

  procStopForSTW(p: P, _owner: M | null, now: number): void {
    // stopTheWorldWithSema on the initiating thread, which holds its own P.
    const mid = this.stwInitiator >= 0 ? this.stwInitiator : SYSMON_M;
    this.begin(mid, now);
    this.steal(mid, p, now);
  }

  gcwait(p: P, m: M, now: number): void {
    const ms = this.onM(m, now);
    const ps = this.pst(p.id);
    const stolenBetween = ps.mSyscall !== m.id;
    if (stolenBetween) this.stats.gcwaitStolenBetween++;
    if (this.sc.switches.gcwaitEvent === 'ProcSteal') {
      const victim = this.steal(m.id, p, now);
      if (victim === m.id) this.stats.selfSteals!++;
      return;
    }
    // Go 1.22.0: a ProcStop, as if this thread still held the P.
    this.ev(m.id, EvProcStop, now, []);
    if (ps.mSyscall >= 0) this.mst(ps.mSyscall).p = -1;
    ps.status = ProcIdle;
    ps.m = -1;
    ps.mSyscall = -1;
    ms.p = -1;
  }

  goCreate(parent: G | null, g: G, m: M | null, now: number): void {
    const mid = m ? m.id : SYSMON_M;
    if (m) this.onM(m, now);
    else this.begin(mid, now);
    const start = this.sc.symtab.stack([g.system ? RT.gcBgMarkWorker : { func: `main.${g.name}`, file: '/app/main.go', line: 1 }]);
    this.ev(mid, EvGoCreate, now, [g.id, this.stk(start), this.stk(parent && !parent.system ? parent.userStack : undefined)]);
    const s = this.gst(g.id);
    s.status = GoRunnable;
    s.gen = this.gen;
    s.seq = 0;
    s.m = -1;
  }

  goStart(g: G, m: M, now: number): void {
    const ms = this.onM(m, now);
    let s = this.goStatus(m.id, g.id, now);
    if (s.status === GoWaiting) {
      // Made runnable without a traced wakeup: trace one.
      this.ev(m.id, EvGoUnblock, now, [g.id, ++s.seq, 0]);
      s.status = GoRunnable;
    } else if (s.status === GoRunning && s.m !== m.id && s.m >= 0) {
      const other = s.m;
      this.begin(other, now);
      this.ev(other, EvGoStop, now, [this.str('preempted'), 0]);
      this.mst(other).g = -1;
      s.status = GoRunnable;
      s.m = -1;
      this.begin(m.id, now);
      s = this.gst(g.id);
    }
    this.ev(m.id, EvGoStart, now, [g.id, ++s.seq]);
    s.status = GoRunning;
    s.m = m.id;
    ms.g = g.id;
    // A mark worker is labelled as it starts; GOMAXPROCS is announced by the first goroutine.
    if (g.system) this.ev(m.id, EvGoLabel, now, [this.str('GC (dedicated)')]);
    if (!this.procsAnnounced) {
      this.procsAnnounced = true;
      this.ev(m.id, EvProcsChange, now, [this.sc.gomaxprocs, this.stk(g.userStack)]);
    }
    this.runPending(s);
  }

  private runPending(s: GShadow): void {
    const p = s.pending;
    if (!p) return;
    s.pending = null;
    for (const f of p) f();
  }

  private stopG(g: G, m: M, now: number, type: number, args: (number | bigint)[], status: number): void {
    const ms = this.onM(m, now);
    this.ev(m.id, type, now, args);
    const s = this.gst(g.id);
    s.status = status;
    s.m = -1;
    ms.g = -1;
    if (type === EvGoDestroy) this.gs.delete(g.id);
  }

  goEnd(g: G, m: M, now: number): void {
    this.stopG(g, m, now, EvGoDestroy, [], GoRunnable);
  }

  goSched(g: G, m: M, now: number): void {
    this.stopG(g, m, now, EvGoStop, [this.str('runtime.Gosched'), this.stk(g.userStack)], GoRunnable);
  }

  goPreempt(g: G, m: M, now: number): void {
    this.stopG(g, m, now, EvGoStop, [this.str('preempted'), this.stk(g.userStack)], GoRunnable);
  }

  goBlock(g: G, why: BlockKind, m: M, now: number): void {
    this.stopG(g, m, now, EvGoBlock, [this.str(BLOCK_REASON[why]), this.stk(g.system ? undefined : g.userStack)], GoWaiting);
  }

  goUnblock(g: G, by: M | null, p: P | null, now: number): void {
    // Timers and the netpoller run on whichever thread checks them; here, the P's or sysmon.
    const m = by ?? p?.m ?? null;
    const mid = m ? m.id : SYSMON_M;
    this.begin(mid, now);
    const s = this.goStatus(mid, g.id, now);
    this.ev(mid, EvGoUnblock, now, [g.id, ++s.seq, this.stk(by?.curg && !by.curg.system ? by.curg.userStack : undefined)]);
    s.status = GoRunnable;
  }

  goSysCall(g: G, m: M, now: number): void {
    const ms = this.onM(m, now);
    const ps = this.pst(ms.p);
    this.ev(m.id, EvGoSyscallBegin, now, [++ps.seq, this.stk(this.syscallStack(g))]);
    ps.status = ProcSyscall;
    ps.mSyscall = m.id;
    this.gst(g.id).status = GoSyscall;
  }

  /** The stack at entersyscall: the raw syscall on top of the step's frames. */
  private syscallStack(g: G): number {
    const fr = g.pc[g.pc.length - 1];
    const step = fr?.steps[fr.i];
    if (!step || step.k !== 'syscall') return g.userStack;
    const symtab = this.sc.symtab;
    return symtab.concat(symtab.stack([RT.syscall6]), step.stack);
  }

  goSysExit(g: G, m: M, lostP: boolean, now: number): void {
    const ms = this.onM(m, now);
    const s = this.gst(g.id);
    if (!lostP) {
      this.ev(m.id, EvGoSyscallEnd, now, []);
      s.status = GoRunning;
      const ps = this.pst(ms.p);
      ps.status = ProcRunning;
      ps.mSyscall = -1;
      return;
    }
    this.ev(m.id, EvGoSyscallEndBlocked, now, []);
    s.status = GoRunnable;
    s.m = -1;
    ms.g = -1;
    if (m.p) {
      // exitsyscallfast_pidle: another P, and the goroutine starts again at once.
      this.ev(m.id, EvGoStart, now, [g.id, ++s.seq]);
      s.status = GoRunning;
      s.m = m.id;
      ms.g = g.id;
      this.runPending(s);
    }
  }

  heapAlloc(bytes: number, m: M, now: number): void {
    this.onM(m, now);
    this.ev(m.id, EvHeapAlloc, now, [bytes]);
  }

  gcAssist(g: G, start: boolean, m: M, now: number): void {
    this.onM(m, now);
    if (start) this.ev(m.id, EvGCMarkAssistBegin, now, [this.stk(g.userStack)]);
    else this.ev(m.id, EvGCMarkAssistEnd, now, []);
  }

  gcStart(_cycle: number, m: M, now: number): void {
    this.onM(m, now);
    if (this.gcRunning) {
      // A cycle the model finished without a mark termination: end it where the next begins.
      this.ev(m.id, EvGCEnd, now, [++this.gcSeq]);
    }
    this.ev(m.id, EvGCBegin, now, [++this.gcSeq, this.stk(m.curg && !m.curg.system ? m.curg.userStack : undefined)]);
    this.gcRunning = true;
  }

  gcDone(m: M, now: number): void {
    this.onM(m, now);
    if (this.gcRunning) this.ev(m.id, EvGCEnd, now, [++this.gcSeq]);
    this.gcRunning = false;
  }

  stwStart(reason: StwReason, m: M, now: number): void {
    this.onM(m, now);
    this.inSTW = true;
    this.stwInitiator = m.id;
    this.ev(m.id, EvSTWBegin, now, [this.str(reason), 0]);
  }

  stwDone(m: M, now: number): void {
    this.onM(m, now);
    this.ev(m.id, EvSTWEnd, now, []);
    this.stwInitiator = -1;
    this.inSTW = false;
    const waiting = this.advanceAfterSTW;
    if (waiting) {
      // semrelease(worldsema) wakes the advancer once startTheWorld is done.
      this.advanceAfterSTW = null;
      this.sched.at(now, waiting);
    }
  }

  /** Run an annotation now if g runs on m in the trace, else when g next starts. */
  private onG(g: G, m: M | null, now: number, f: (mid: number, now: number) => void): void {
    const s = this.gst(g.id);
    if (m && this.mst(m.id).g === g.id && s.status === GoRunning) {
      this.onM(m, now);
      f(m.id, now);
      return;
    }
    (s.pending ??= []).push(() => {
      const t = this.sched.now;
      f(s.m, t);
    });
  }

  userTaskCreate(g: G, name: string, m: M, now: number): number {
    const id = ++this.tasks;
    const parent = g.tasks.length ? g.tasks[g.tasks.length - 1] : 0;
    const stack = g.userStack;
    this.onG(g, m, now, (mid, t) => this.ev(mid, EvUserTaskBegin, t, [id, parent, this.str(name), this.stk(stack)]));
    g.tasks.push(id);
    return id;
  }

  userTaskEnd(g: G, id: number, m: M, now: number): void {
    const stack = g.userStack;
    this.onG(g, m, now, (mid, t) => this.ev(mid, EvUserTaskEnd, t, [id, this.stk(stack)]));
    const i = g.tasks.lastIndexOf(id);
    if (i >= 0) g.tasks.splice(i, 1);
  }

  userRegion(g: G, name: string, start: boolean, m: M, now: number): void {
    const task = g.tasks.length ? g.tasks[g.tasks.length - 1] : 0;
    const stack = g.userStack;
    const type = start ? EvUserRegionBegin : EvUserRegionEnd;
    this.onG(g, m, now, (mid, t) => this.ev(mid, type, t, [task, this.str(name), this.stk(stack)]));
  }

  userLog(g: G, category: string, message: string, m: M, now: number): void {
    const task = g.tasks.length ? g.tasks[g.tasks.length - 1] : 0;
    const stack = g.userStack;
    this.onG(g, m, now, (mid, t) => this.ev(mid, EvUserLog, t, [task, this.str(category), this.str(message), this.stk(stack)]));
  }
}

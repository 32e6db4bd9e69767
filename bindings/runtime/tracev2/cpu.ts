// The generational tracer's CPU samples (runtime/trace2cpu.go): traceCPUSample from the
// SIGPROF handler into the trace's own profBufs, the reader goroutine that drains them every
// trace.cpuReaderEvery (100ms), and the CPUSamples batches of each generation. The profBufs
// and their signalLock are tracecpu.ts (shared with the go 1.19 tracer).
//
// Owns: the trace's CPU log (one profBuf, or two indexed by generation % 2 from Go 1.22 as
// shipped: switches.cpuBuffersPerGen), the CPUSamples batch being filled for each generation,
// and the cpuSamples figures of the stats.
// Invariants:
// - the handler writes into the buffer of the generation it read under its M's seqlock; it
//   enters the seqlock only when the M is outside a section (else it is already inside one:
//   signalsInsideTracer counts those), and writes under the log's signalLock;
// - with two buffers, a generation's buffer is drained into it before it is flushed, and at
//   stop both are: nothing is lost but overflow. With one, what was not read at stop is lost
//   (lostAtStop), and samples drained after an advance land in the next generation
//   (misplaced, told by the generation the handler tagged the record with);
// - a sample's stack id is its generation's (tables.ts).
// Who may touch what: the generations (gen.ts) call drainFor before they flush a generation,
// flush as they flush it, and stop at StopTrace.

import type { Core } from '../../core/wasm.ts';
import * as V2 from '../../formats/v2/index.ts';
import type { M, G } from '../../sim/world.ts';
import { TraceCPULog, type CPUSampleRecord } from '../tracecpu.ts';
import type { TraceV2 } from '../tracev2.ts';
import { MAX_EVENT } from './buf.ts';
import { READER_M } from './sections.ts';

const { EvCPUSample, EvCPUSamples, MaxBatchSize, NoProc, NoThread, writeEvent } = V2;

interface CPUBatch {
  buf: Uint8Array;
  pos: number;
  t0: number;
}

export class CPUTrace {
  private readonly log: TraceCPULog;
  private readonly batches = new Map<number, CPUBatch>();

  constructor(
    private readonly t: TraceV2,
    core: Core,
    private readonly nbufs: 1 | 2,
  ) {
    const sc = t.sc;
    this.log = new TraceCPULog(core, sc.symtab, nbufs, sc.profile.words, sc.profile.tags, 3);
  }

  /** traceCPUSample, in the SIGPROF handler on m. */
  sample(m: M, gp: G | null, stack: number, now: number): void {
    const t = this.t;
    const cs = t.stats.cpuSamples;
    cs.taken++;
    const s = t.cs.slot(m.id);
    const inside = t.cs.heldAt(s, now);
    if (inside) t.stats.signalsInsideTracer!++;
    else t.cs.seq.begin(s);
    const gen = t.gen;
    this.log.lock.acquire(0n);
    this.log.write(this.nbufs === 2 ? gen % 2 : 0, m.p ? m.p.id : -1, gp ? gp.id : 0, stack, now, m.id, gen);
    this.log.lock.release();
    if (!inside) t.cs.seq.end(s);
  }

  /** The reader goroutine: under its own section, drain into the current generation. */
  read(now: number): void {
    const t = this.t;
    t.cs.acquire(READER_M, now);
    this.drainInto(this.nbufs === 2 ? t.gen % 2 : 0, t.gen, now);
  }

  /** Before generation gen is flushed: with a buffer per generation, drain gen's into it. */
  drainFor(gen: number, now: number): void {
    if (this.nbufs === 2) this.drainInto(gen % 2, gen, now);
  }

  private drainInto(i: number, gen: number, now: number): void {
    const cs = this.t.stats.cpuSamples;
    this.log.read(i, (r: CPUSampleRecord) => {
      this.event(gen, r, now);
      cs.inTrace++;
      if (r.gen !== gen) cs.misplaced++;
    });
  }

  private event(gen: number, r: CPUSampleRecord, now: number): void {
    // Stack ids are the generation's (gen is current or being finished); a sample opens its
    // generation's tables even when its stack is empty (the tables' dump then takes a tick).
    const tables = this.t.tables;
    tables.open(gen);
    const stackId = tables.stk(gen, r.stack);
    let b = this.batches.get(gen);
    if (b && b.pos + MAX_EVENT > MaxBatchSize) {
      this.flushBatch(gen, b);
      b = undefined;
    }
    if (!b) {
      b = { buf: new Uint8Array(MaxBatchSize), pos: 1, t0: this.t.w.tick(now) };
      b.buf[0] = EvCPUSamples;
      this.batches.set(gen, b);
    }
    // The handler's clock and thread, as traceCPUSample records them (m.procid from 1.22).
    const w = this.t.w;
    b.pos = writeEvent(b.buf, b.pos, EvCPUSample, [w.tick(r.time), this.t.wireM(r.m), r.p >= 0 ? r.p : NoProc, r.goid, stackId]);
    this.t.w.count(EvCPUSample);
  }

  private flushBatch(gen: number, b: CPUBatch): void {
    if (b.pos > 1) this.t.w.batch(gen, NoThread, b.t0, b.buf.slice(0, b.pos));
  }

  /** Generation gen's CPUSamples batch goes out. */
  flush(gen: number): void {
    const b = this.batches.get(gen);
    if (b) {
      this.flushBatch(gen, b);
      this.batches.delete(gen);
    }
  }

  /** StopTrace, in generation gen: no more samples; drain what the buffers hold, or lose it. */
  stop(gen: number, now: number): void {
    this.log.close();
    if (this.nbufs === 2) {
      this.drainInto(gen % 2, gen, now);
      this.drainInto((gen + 1) % 2, gen, now);
    } else {
      // Go 1.22: the reader stops with the trace; what it had not read yet is lost.
      this.t.stats.cpuSamples.lostAtStop += this.log.discard(0);
    }
  }

  /** The figures of the log once the trace has ended. */
  final(): void {
    const cs = this.t.stats.cpuSamples;
    cs.buffered = this.log.written;
    cs.overflowed = this.log.overflowed;
  }
}

// V2Core: the Go1.22+ reader's layers after framing — complete batches in input order →
// generations → ordered events → the sink.
//
// Owns: V2Core (one per trace), and the table-id check of every ordered event (TableArgs).
// Layout: batches of one generation are collected into a Generation (generation.ts); the first
// batch of generation N+1 closes generation N, which is then checked (frequency, stack strings)
// and ordered by its Frontier (frontier.ts: one cursor per M, Go's frontier algorithm, CPU
// samples merged in by time) through the Ordering (order.ts). Each ordered event comes back
// here (OrderSink.event), has its stack and string ids checked as Go's reader checks them when
// it hands the event out, and goes to the sink; with `check` or a model sink it first passes
// through the model adapter (model.ts: one reused TraceEventView), whose consumers are the
// validation layer (check.ts) and the caller's model sink, in that order, before the caller's
// V2Sink sees the event. Bytes never reach this file: V2Loop (reader.ts) frames them.
// Go 1.22/1.23's reader is the model: a generation with nothing to hand out is an error; a
// table batch cut where a value starts ends the trace (Go's io.EOF, see generation.ts).
// Invariants: memory is bounded by one generation plus one batch (the input of a finished
// generation is dropped, and in incremental mode its events are handed out in slices as they
// are ordered); every error is a TraceError, thrown; a read error after a generation has
// started surfaces only after that generation is ordered (Go's deferred "spill" error), so an
// ordering error earlier in the trace wins, as in Go.
// Who may touch: the Go1.22+ format owner (bindings/formats/v2/); other modules import index.ts.

import type { UvarintResult } from '../uvarint.ts';
import { TraceError } from '../event.ts';
import type { TraceModelSink } from '../trace/event.ts';
import type { Batch } from './batch.ts';
import { Frontier } from './frontier.ts';
import { Generation } from './generation.ts';
import { Ordering, type EventArgs, type OrderSink } from './order.ts';
import { ModelAdapter, ModelTee } from './model.ts';
import { nullSink, type V2Sink } from './sinks.ts';
import { TraceChecker } from './check.ts';
import { HeaderSize, type VersionTable } from './spec.ts';

/**
 * Per-type indices (into args without dt) of stack and string ids, for the table
 * checks done on every event: at most two of each kind, -1 = none. Flat typed arrays
 * so the check is a few array reads.
 */
interface TableArgs {
  stack0: Int8Array;
  stack1: Int8Array;
  string0: Int8Array;
  string1: Int8Array;
}

function tableArgs(t: VersionTable): TableArgs {
  const mk = () => new Int8Array(256).fill(-1);
  const r: TableArgs = { stack0: mk(), stack1: mk(), string0: mk(), string1: mk() };
  for (const s of t.specs) {
    if (!s || !s.timed) continue;
    if (s.stackArgs.length > 0) r.stack0[s.type] = s.stackArgs[0] - 1;
    if (s.stackArgs.length > 1) r.stack1[s.type] = s.stackArgs[1] - 1;
    if (s.stringArgs.length > 0) r.string0[s.type] = s.stringArgs[0] - 1;
    if (s.stringArgs.length > 1) r.string1[s.type] = s.stringArgs[1] - 1;
    if (s.stackArgs.length > 2 || s.stringArgs.length > 2) throw new Error(`spec ${s.name}: too many table args`);
  }
  return r;
}

/** Events to the model adapter first (the validation layer may refuse them), then to a V2Sink. */
class CheckedSink implements V2Sink {
  constructor(
    private readonly first: ModelAdapter,
    private readonly then: V2Sink,
  ) {}
  generation(g: Generation): void {
    this.first.generation(g);
    this.then.generation(g);
  }
  generationEnd(g: Generation): void {
    this.first.generationEnd();
    this.then.generationEnd?.(g);
  }
  event(type: number, time: number, g: number, p: number, m: number, args: EventArgs, offset: number): void {
    this.first.event(type, time, g, p, m, args, offset);
    this.then.event(type, time, g, p, m, args, offset);
  }
}

/**
 * Batches in, ordered events out (to a V2Sink). One per trace.
 * With `check`, the ordered events also pass through the validation layer (check.ts, Go's
 * testtrace validator): what gotracevalidate accepts, not only Go's reader. With `model`, they
 * also go to that model sink (after the validation layer, before `sink`).
 */
export class V2Core implements OrderSink {
  readonly order: Ordering;
  private cur: Generation | null = null;
  private readonly u: UvarintResult = { value: 0, len: 0 };
  private readonly targs: TableArgs;
  private readonly sink: V2Sink;
  private readonly frontier: Frontier;
  /** Some batch was seen (a trace with none has no frequency: Go refuses it). */
  private sawBatch = false;

  constructor(
    readonly table: VersionTable,
    sink: V2Sink,
    check = false,
    model: TraceModelSink | null = null,
  ) {
    this.order = new Ordering(table, this);
    const models: TraceModelSink[] = [];
    const checker = check ? new TraceChecker(this.order) : null;
    if (checker !== null) models.push(checker);
    if (model !== null) models.push(model);
    let out = sink;
    if (models.length > 0) {
      const only = models.length === 1 ? models[0] : new ModelTee(models);
      const adapter = new ModelAdapter(only, this.order, only === checker ? checker : null);
      out = sink === nullSink ? adapter : new CheckedSink(adapter, sink);
    }
    this.sink = out;
    // The ordering's fast path checks table ids itself and feeds the sink directly.
    this.order.out = out === nullSink ? null : out;
    this.targs = tableArgs(table);
    this.frontier = new Frontier(table, this.order, out, this.u);
  }

  /**
   * Incremental mode (set before the first batch): a completed generation is not ordered
   * inside addBatch/end but left pending; the caller orders it in slices with pump() until
   * `pending` is false, taking the sink's output in between, so the events of a generation
   * never pile up. Errors surface from pump() in the same order as in the eager mode.
   */
  incremental = false;
  /** A completed generation waits to be ordered by pump() (incremental mode). */
  pending = false;
  private pendingGen: Generation | null = null;
  /** Batch of the next generation that closed the pending one (added once it is ordered). */
  private heldBatch: Batch | null = null;
  /** The pending generation is the last one; then throw this read error, if any. */
  private pendingEnd = false;
  private pendingErr: TraceError | null = null;

  /**
   * A table or sample batch ended where a value should start (Go's io.EOF): Go's reader ends
   * the trace there, valid, without ordering the generation it was reading. Everything after
   * is ignored.
   */
  private stopped = false;

  /** Add the next batch of the input. Throws TraceError. */
  addBatch(b: Batch): void {
    if (this.stopped) return;
    if (b.gen === 0) {
      // The runtime never writes generation 0.
      throw new TraceError(`invalid generation number ${b.gen}`, b.offset, b.gen, b.index);
    }
    const cur = this.cur;
    if (cur !== null && b.gen !== cur.gen) {
      if (b.gen !== cur.gen + 1) throw new TraceError('generations out of order', b.offset, b.gen, b.index);
      this.cur = null;
      if (this.incremental) {
        this.pending = true;
        this.pendingGen = cur;
        this.heldBatch = b;
        return;
      }
      this.runGeneration(cur);
    }
    this.addToCurrent(b);
  }

  private addToCurrent(b: Batch): void {
    this.sawBatch = true;
    if (this.cur === null) {
      this.cur = new Generation(this.table);
      this.cur.gen = b.gen;
    }
    const err = this.cur.add(b);
    if (err) throw err;
    if (this.cur.eof) {
      this.stopped = true;
      this.cur = null;
    }
  }

  /** End of input; `readErr` is a framing error found at the tail, reported after the open generation. */
  end(readErr: TraceError | null): void {
    if (this.stopped) return;
    const cur = this.cur;
    if (readErr !== null && cur === null) throw readErr;
    // Go reads a first generation even from a header alone, and finds no frequency in it.
    if (cur === null && !this.sawBatch) throw new TraceError('no frequency event found', HeaderSize, 0, -1);
    if (cur !== null) {
      this.cur = null;
      if (this.incremental) {
        this.pending = true;
        this.pendingGen = cur;
        this.pendingEnd = true;
        this.pendingErr = readErr;
        return;
      }
      this.runGeneration(cur);
    }
    if (readErr !== null) throw readErr;
  }

  /**
   * Incremental mode: order up to about `budget` more events of the pending generation;
   * when it is done, add the batch that closed it (or throw the pending read error).
   * Throws TraceError.
   */
  pump(budget: number): void {
    if (!this.pending) return;
    if (this.pendingGen !== null) {
      const g = this.pendingGen;
      this.pendingGen = null;
      this.startGeneration(g);
    }
    if (!this.orderSome(budget)) return;
    this.pending = false;
    if (this.pendingEnd) {
      const e = this.pendingErr;
      this.pendingErr = null;
      if (e !== null) throw e;
      return;
    }
    const b = this.heldBatch!;
    this.heldBatch = null;
    this.addToCurrent(b);
  }

  /** The generation being ordered. */
  private gen!: Generation;

  private runGeneration(g: Generation): void {
    this.startGeneration(g);
    while (!this.orderSome(1 << 30));
  }

  private startGeneration(g: Generation): void {
    const err = g.finish();
    if (err) throw err;
    this.gen = g;
    this.order.beginGeneration(g);
    this.sink.generation(g);
    this.frontier.start(g);
  }

  /** Order up to about `budget` events of the current generation; true when it is done. */
  private orderSome(budget: number): boolean {
    if (!this.frontier.run(budget)) return false;
    this.sink.generationEnd?.(this.gen);
    return true;
  }

  private checkStack(type: number, id: number, offset: number): void {
    if (id !== 0 && !this.gen.stacks.has(id)) {
      throw new TraceError(`found invalid stack ID ${id} for event ${this.table.specs[type]!.name}`, offset, this.gen.gen, this.order.batchIndex);
    }
  }

  private badString(type: number, id: number, offset: number): TraceError {
    const name = this.table.specs[type]!.name;
    return new TraceError(`found invalid string ID ${id} for event ${name}`, offset, this.gen.gen, this.order.batchIndex);
  }

  /** OrderSink: check the event's table ids (as Go does when it hands the event out), pass it on. */
  event(type: number, time: number, g: number, p: number, m: number, args: EventArgs, offset: number): void {
    if (offset >= 0) {
      const gen = this.gen;
      const ta = this.targs;
      let i = ta.stack0[type];
      if (i >= 0) {
        if (!gen.hasStack(args[i])) this.checkStack(type, args[i], offset);
        i = ta.stack1[type];
        if (i >= 0 && !gen.hasStack(args[i])) this.checkStack(type, args[i], offset);
      }
      i = ta.string0[type];
      if (i >= 0) {
        if (!gen.hasString(args[i])) throw this.badString(type, args[i], offset);
        i = ta.string1[type];
        if (i >= 0 && !gen.hasString(args[i])) throw this.badString(type, args[i], offset);
      }
    }
    this.sink.event(type, time, g, p, m, args, offset);
  }
}

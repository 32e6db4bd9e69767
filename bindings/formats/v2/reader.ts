// The layered Go1.22+ reader: bytes → batches → generations → ordering → events.
//
// Layout: V2Core takes complete batches in input order. Batches of one generation are
// collected into a Generation; the first batch of generation N+1 closes generation N,
// which is then checked (frequency, stack strings) and ordered: one cursor per M walks
// that M's batches in order, a min-heap on timestamps picks which M to try first, and
// when the head cannot advance the others are tried in timestamp order (Go's frontier
// algorithm). CPU samples are merged in by time. Optionally (validation) the ordered
// events pass through the validation layer (check.ts) before the sink.
// Go 1.22/1.23's reader is the model: the Ms of a generation enter the frontier in the
// order of their first batch (Go 1.22/1.23 use map order, random when first events tie;
// Go 1.24+ use this order); a generation with nothing to hand out is an error; a table
// batch cut where a value starts ends the trace (Go's io.EOF, see generation.ts).
//
// Invariants: memory is bounded by one generation plus one batch (the input of a
// finished generation is dropped, and in incremental mode its events are handed out in
// slices as they are ordered); every error is a TraceError thrown inside and
// returned at the API boundary; a read error after a generation has started surfaces
// only after that generation is ordered (Go's deferred "spill" error), so an ordering
// error earlier in the trace wins, as in Go.
// Owner: the Go1.22+ format (bindings/formats/v2/); other modules import index.ts only.

import type { UvarintResult } from '../uvarint.ts';
import { TraceError } from '../event.ts';
import { bytesOrError, inputError } from '../input.ts';
import { BatchFramer, READ_EOF, READ_OK, type Batch } from './batch.ts';
import { BatchCursor, heapRemove, siftDown, siftUp } from './cursor.ts';
import { Generation } from './generation.ts';
import { Ordering, type EventArgs, type OrderSink } from './order.ts';
import { nullSink, type V2Sink } from './sinks.ts';
import { TraceChecker } from './check.ts';
import {
  EvCPUSample,
  EvEventBatch,
  EvExperimentalBatch,
  GO125,
  HeaderSize,
  NoThreadWire,
  parseHeader,
  tableFor,
  type VersionTable,
} from './spec.ts';
import { encodeRawEvent, rawEventSize, type RawTrace } from './raw.ts';

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

/**
 * Batches in, ordered events out (to a V2Sink). One per trace.
 * With `check`, the ordered events also pass through the validation layer (check.ts, Go's
 * testtrace validator) before the sink: what gotracevalidate accepts, not only Go's reader.
 */
export class V2Core implements OrderSink {
  readonly order: Ordering;
  private cur: Generation | null = null;
  private readonly u: UvarintResult = { value: 0, len: 0 };
  private readonly targs: TableArgs;
  private readonly sink: V2Sink;
  /** Some batch was seen (a trace with none has no frequency: Go refuses it). */
  private sawBatch = false;

  constructor(
    readonly table: VersionTable,
    sink: V2Sink,
    check = false,
  ) {
    this.order = new Ordering(table, this);
    this.sink = check ? new TraceChecker(sink, this.order) : sink;
    // The ordering's fast path checks table ids itself and feeds the sink directly.
    this.order.out = this.sink === nullSink ? null : this.sink;
    this.targs = tableArgs(table);
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

  private gen!: Generation;
  // The generation being ordered.
  private frontier: BatchCursor[] = [];
  private ci = 0;
  private readonly cpuArgs: EventArgs = [0, 0, 0, 0];

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
    const table = this.table;
    const freq = g.freq;
    const u = this.u;
    const frontier: BatchCursor[] = [];
    this.frontier = frontier;
    this.ci = 0;
    for (const m of g.batchMs) {
      const c = new BatchCursor(m, g.batches.get(m)!, table, freq, g.gen, u);
      if (c.next()) {
        frontier.push(c);
        siftUp(frontier, frontier.length - 1);
      }
    }
    // Go 1.22/1.23's reader needs something to hand out in every generation it reads (from
    // Go 1.24 on, every generation starts with a Sync event, and an empty one is fine).
    if (frontier.length === 0 && g.cpuSamples.length === 0 && this.table.version < GO125) {
      throw new TraceError(`broken trace: frontier is empty: [gen=${g.gen}]`, g.firstOffset, g.gen, g.firstBatch);
    }
  }

  /** Order up to about `budget` (an int) events of the current generation; true when it is done. */
  private orderSome(budget: number): boolean {
    budget |= 0;
    const g = this.gen;
    const frontier = this.frontier;
    const cpu = g.cpuSamples;
    let ci = this.ci;
    const cpuArgs = this.cpuArgs;
    const order = this.order;
    // Earliest time among the head's children: while the head's next event is not later,
    // the heap needs no work. Only the head moves in the common case, so this changes
    // only when the heap is rearranged.
    let childMin = childMinOf(frontier);
    for (;;) {
      if (--budget < 0) {
        this.ci = ci;
        return false;
      }
      if (ci < cpu.length && (frontier.length === 0 || cpu[ci].time < frontier[0].time)) {
        const s = cpu[ci++];
        cpuArgs[0] = s.stack;
        // Go's reader does not look the sample's stack up; its validator does (check.ts).
        this.sink.event(EvCPUSample, s.time, s.g, s.p, s.m, cpuArgs, s.offset);
        continue;
      }
      if (frontier.length === 0) break;
      // The common case: the M with the earliest event can go.
      let c = frontier[0];
      if (order.tryAdvance(c) || order.advance(c)) {
        if (c.next()) {
          // Still the earliest? Then the heap is unchanged (the usual case for a busy M).
          if (childMin < c.time) {
            siftDown(frontier, 0);
            childMin = childMinOf(frontier);
          }
        } else {
          heapRemove(frontier, 0);
          childMin = childMinOf(frontier);
        }
        continue;
      }
      // Rare: try the others in timestamp order (a sorted array is still a heap).
      frontier.sort((a, b) => a.time - b.time);
      let advanced = false;
      for (let i = 1; i < frontier.length; i++) {
        c = frontier[i];
        if (order.tryAdvance(c) || order.advance(c)) {
          if (c.next()) {
            if (siftUp(frontier, i) === i) siftDown(frontier, i);
          } else {
            heapRemove(frontier, i);
          }
          advanced = true;
          break;
        }
      }
      if (!advanced) throw this.stuck(g, frontier);
      childMin = childMinOf(frontier);
    }
    // Done: drop the generation's bytes (its tables stay for whoever kept the Generation).
    this.ci = ci;
    this.frontier = [];
    // (Cursors the ordering still points at keep these lists: empty them too.)
    for (const list of g.batches.values()) list.length = 0;
    g.batches.clear();
    return true;
  }

  private stuck(g: Generation, frontier: BatchCursor[]): TraceError {
    const parts: string[] = [];
    for (const c of frontier.slice(0, 8)) {
      const spec = this.table.specs[c.type]!;
      let s = `M ${c.m} [${spec.name} time=${c.time}`;
      for (let i = 1; i < spec.args.length; i++) s += ` ${spec.args[i]}=${c.args[i - 1]}`;
      parts.push(s + ']');
    }
    if (frontier.length > 8) parts.push(`... ${frontier.length - 8} more`);
    const c = frontier[0];
    return new TraceError(
      `broken trace: failed to advance: frontier: [gen=${g.gen}] ${parts.join(' ')}`,
      c.offset,
      g.gen,
      c.batch,
    );
  }

  private checkStack(type: number, id: number, offset: number, batch = this.order.batchIndex): void {
    if (id !== 0 && !this.gen.stacks.has(id)) {
      throw new TraceError(`found invalid stack ID ${id} for event ${this.table.specs[type]!.name}`, offset, this.gen.gen, batch);
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

/** Smallest time among the root's children of a heap of cursors (Infinity: none). */
function childMinOf(h: BatchCursor[]): number {
  const n = h.length;
  if (n < 2) return Infinity;
  const a = h[1].time;
  if (n < 3) return a;
  const b = h[2].time;
  return b < a ? b : a;
}

/** Result of a synchronous run. */
export interface V2RunResult {
  /** Trace version (0 when the header could not be read). */
  version: number;
  error: TraceError | null;
}

function headerError(bytes: Uint8Array): TraceError | VersionTable {
  const v = parseHeader(bytes, bytes.length);
  if (v <= 0) return new TraceError('bad file format: not a Go execution trace?', 0);
  const t = tableFor(v);
  if (!t) return new TraceError(`unknown or unsupported trace version go 1.${v}`, 0);
  return t;
}

/**
 * Synchronous core on a whole buffer: frame, assemble, order; events go to `sink`.
 * `check` adds the validation layer (see V2Core).
 */
export function runV2(bytes: Uint8Array, sink: V2Sink, check = false): V2RunResult {
  const b = bytesOrError(bytes);
  if (b instanceof TraceError) return { version: 0, error: b };
  bytes = b;
  const t = headerError(bytes);
  if (t instanceof TraceError) return { version: 0, error: t };
  const core = new V2Core(t, sink, check);
  const framer = new BatchFramer(t);
  framer.pos = HeaderSize;
  try {
    for (;;) {
      const r = framer.read(bytes, bytes.length, 0, true);
      if (r === READ_OK) {
        core.addBatch(framer.batch!);
        continue;
      }
      core.end(r === READ_EOF ? null : (r as TraceError));
      break;
    }
  } catch (e) {
    if (e instanceof TraceError) return { version: t.version, error: e };
    throw e;
  }
  return { version: t.version, error: null };
}

/**
 * Synchronous core on a text trace: batches are framed by the text's EventBatch lines
 * (the size argument is not trusted), then assembled and ordered like wire batches.
 * Offsets are those of the canonical wire encoding of the same text.
 */
export function runV2Raw(trace: RawTrace, sink: V2Sink, check = false): V2RunResult {
  const t = typeof trace === 'object' && trace !== null && Array.isArray(trace.events) ? tableFor(trace.version) : undefined;
  if (t === undefined) return { version: 0, error: inputError('a RawTrace {version, events} from parseTextTrace or decodeRaw', trace) };
  const core = new V2Core(t, sink, check);
  let offset = HeaderSize;
  let index = 0;
  try {
    const evs = trace.events;
    let i = 0;
    while (i < evs.length) {
      const h = evs[i];
      if (h.type !== EvEventBatch && h.type !== EvExperimentalBatch) {
        throw new TraceError(`expected batch event, got event ${h.type}`, offset, 0, index);
      }
      const hsize = rawEventSize(h);
      let j = i + 1;
      let size = 0;
      let data: Uint8Array;
      if (h.type === EvExperimentalBatch) {
        data = h.data ?? new Uint8Array(0);
      } else {
        while (j < evs.length && evs[j].type !== EvEventBatch && evs[j].type !== EvExperimentalBatch) {
          size += rawEventSize(evs[j]);
          j++;
        }
        data = new Uint8Array(size);
        let pos = 0;
        for (let k = i + 1; k < j; k++) pos = encodeRawEvent(data, pos, evs[k]);
      }
      const a = h.args;
      const exp = h.type === EvExperimentalBatch ? Number(a[0]) : 0;
      const base = h.type === EvExperimentalBatch ? 1 : 0;
      const m = Number(a[base + 1]);
      core.addBatch({
        gen: Number(a[base]),
        m: m === NoThreadWire ? -1 : m,
        time: Number(a[base + 2]),
        exp,
        data,
        offset: offset + hsize - (h.type === EvExperimentalBatch ? data.length : 0),
        index: index++,
      });
      offset += hsize + size;
      i = j;
    }
    core.end(null);
  } catch (e) {
    if (e instanceof TraceError) return { version: t.version, error: e };
    throw e;
  }
  return { version: t.version, error: null };
}


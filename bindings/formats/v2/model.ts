// The Go1.22+ reader as a source of the trace model: ordered events → TraceEventView.
//
// Owns: ModelAdapter, the V2Sink that turns the ordered stream into calls of a TraceModelSink
// through ONE reused TraceEventView (no object per event), and GenTables, a generation's string
// and stack tables as the model's TraceTables.
// The view gets what Go's Event holds: the base event (wire type, args without dt as the
// ordering left them: an STWEnd's args[0] is its begin's kind), `time` exactly as Go's
// Event.Time() (the cursor's tick → ns conversion with Go's integer arithmetic, gotime.ts, then
// made strictly increasing across the whole trace from 0 as Go's Reader does), g/p/m as Go's
// schedCtx (-1: none), and what only the ordering knows, which the ordering writes into the view
// itself (Ordering.facts: before-states, ended tasks).
// Pure validation (the validation layer is the only model sink): fixed transitions (GoStart,
// GoBlock, ProcStop...: most events) skip the view and go to TraceChecker.fixed with their ids,
// as nothing else reads the view; every other event takes the view as usual.
// Sync events: Go's reader hands out a Sync after each generation's events (Go1.22/1.23; so
// also after the last one); here the adapter makes it when the reader says a generation is
// done (V2Sink.generationEnd), as an event of type EvSync, KindSync, with Go's time (the last
// time + 1) and no context.
// Invariants: a model sink sees generation(tables) before the generation's events; the view
// and the records it hands out are valid only during one sink call; frames are leaf first,
// one StackFrame array per stack and generation, built on first use.
// Who may touch: the Go1.22+ format owner.

import type { StackFrame } from '../event.ts';
import { FIXED_TRANSITIONS, TraceEventView, type TraceModelSink, type TraceTables } from '../trace/event.ts';
import { ResourceGoroutine } from '../trace/model.ts';
import type { TraceChecker } from './check.ts';
import type { Frame, Generation } from './generation.ts';
import { newEventArgs, type EventArgs, type Ordering } from './order.ts';
import type { V2Sink } from './sinks.ts';
import { EvSync } from './spec.ts';
import { TIME_ZERO } from './gotime.ts';

const NO_ARGS: EventArgs = newEventArgs(0);

const NO_FRAMES: readonly StackFrame[] = [];

/** A generation's tables, for the model. */
export class GenTables implements TraceTables {
  readonly gen: number;
  private readonly cache = new Map<number, readonly StackFrame[]>();

  constructor(readonly g: Generation) {
    this.gen = g.gen;
  }

  string(id: number): string | undefined {
    return this.g.string(id);
  }

  /** Frames of a stack, leaf first (Go 1.22 traces: the stack's own frame descriptions). */
  frames(id: number): readonly StackFrame[] | undefined {
    if (id === 0) return NO_FRAMES;
    const have = this.cache.get(id);
    if (have !== undefined) return have;
    const g = this.g;
    const pcs = g.stacks.get(id);
    if (pcs === undefined) return undefined;
    const own = g.ownFrames.get(id);
    const out: StackFrame[] = [];
    for (let i = 0; i < pcs.length; i++) {
      const f: Frame | undefined = own !== undefined ? own[i] : g.frames.get(pcs[i]);
      if (f === undefined) continue; // (the reader refuses stacks with unknown PCs)
      out.push({ pc: f.pc, func: g.string(f.funcID) ?? '', file: g.string(f.fileID) ?? '', line: f.line });
    }
    this.cache.set(id, out);
    return out;
  }
}

/** The ordered stream (a V2Sink) → a TraceModelSink, through one reused view. */
export class ModelAdapter implements V2Sink {
  readonly view = new TraceEventView();
  /** Go's Reader.lastTs: times are made strictly increasing from 0. */
  private lastTs = TIME_ZERO;

  /**
   * @param direct the validation layer when it is the only model sink (pure validation): fixed
   *   transitions then go to it without the view (TraceChecker.fixed), as nothing else reads them.
   */
  constructor(
    private readonly sink: TraceModelSink,
    order: Ordering,
    private readonly direct: TraceChecker | null = null,
  ) {
    // The ordering writes what only it knows (before-states, ended tasks) into the view itself.
    order.facts = this.view;
  }

  generation(g: Generation): void {
    const t = new GenTables(g);
    this.view.tables = t;
    this.sink.generation(t);
  }

  /** The reader finished handing out a generation: Go's Sync event, 1 ns after the last one. */
  generationEnd(): void {
    const v = this.view;
    const time = this.lastTs + 1;
    this.lastTs = time;
    v.type = EvSync;
    v.time = time;
    v.g = -1;
    v.p = -1;
    v.m = -1;
    v.args = NO_ARGS;
    v.offset = -1;
    this.sink.event(v);
  }

  event(type: number, time: number, g: number, p: number, m: number, args: EventArgs, offset: number): void {
    if (time <= this.lastTs) time = this.lastTs + 1;
    this.lastTs = time;
    const direct = this.direct;
    if (direct !== null) {
      const pk = FIXED_TRANSITIONS[type];
      if (pk !== 0) {
        direct.fixed(pk, (pk & 16) !== 0 ? args[0] : (pk & 15) === ResourceGoroutine ? g : p, m, offset);
        return;
      }
    }
    const v = this.view;
    v.type = type;
    v.time = time;
    v.g = g;
    v.p = p;
    v.m = m;
    // Mostly the same array as before (one cursor's): skip the store and its write barrier.
    if (v.args !== args) v.args = args;
    v.offset = offset;
    this.sink.event(v);
  }
}

/** Several model sinks fed the same view, in order (the validation layer first). */
export class ModelTee implements TraceModelSink {
  constructor(private readonly sinks: TraceModelSink[]) {}
  generation(t: TraceTables): void {
    for (const s of this.sinks) s.generation(t);
  }
  event(e: TraceEventView): void {
    for (const s of this.sinks) s.event(e);
  }
}

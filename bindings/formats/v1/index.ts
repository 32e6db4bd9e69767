// Public API of the v1 (go 1.5 – 1.21) trace reader: parse, validate, count, and the trace
// model.
//
// Layers, bottom up (as Go 1.19's parser, then Go 1.23's oldtrace):
//   wire     wire.ts — bytes -> raw event columns (columns.ts: V1Wire), strings and stacks
//            (entries.ts), frequency; header.ts, readval.ts, attribution.ts below it;
//   batches  every event in its batch group (a P, or the CPU-sample pseudo-P);
//   ordering order.ts — the groups merged as Go 1.19 merges them (merge.ts, frontier.ts,
//            merge-table.ts), syscall exits moved (sysexit.ts), futile wakeups dropped
//            (futile.ts); go 1.5 by sequence number (order-seq.ts);
//   state    state.ts — per-G / per-P checks, one handler per v1 type (state-table.ts), and
//            with a model (model.ts) the base events each event becomes;
//   here     the V1Trace (events.ts) or the model's sink.
// validateV1 stops after the state checks; parseV1 builds a V1Trace (its `events` built lazily);
// runModelV1 runs the same pipeline with a model attached to the state pass, whose handlers
// then also hand each event to a TraceModelSink as the Go1.22+ base events Go 1.23's oldtrace
// makes of it; it builds no V1Trace, and validateV1 does none of that work.
//
// Invariants: parseV1/validateV1 never throw anything but TraceError (parse) or return it
// (validate), on any input; an unexpected internal exception is reported as a TraceError whose
// message starts with "internal error" (a bug, never expected). countsV1 counts exactly the
// events `go tool trace -d` prints, by the names it prints.
// Who may touch: the v1 format owner.

import { TraceError, type TraceEvent } from '../event.ts';
import { inputError } from '../input.ts';
import { orderV1 } from './order.ts';
import * as spec from './spec.ts';
import { checkV1State } from './state.ts';
import { readV1Wire } from './wire.ts';
import type { V1Wire } from './columns.ts';
import { SinkFailure, V1Model } from './model.ts';
import * as events from './events.ts';
import type { V1Trace } from './events.ts';
import type { TraceModelSink } from '../trace/event.ts';

// Local bindings: imported bindings compile to getters under some loaders (tsx, vitest),
// which would sit in the per-event loop of forEachEventV1.
const { V1_EVENTS } = spec;
const { COLUMNS, eventAt, makeTrace } = events;

export * from './spec.ts';
export { readV1Wire } from './wire.ts';
export { readV1Header } from './header.ts';
export { eventG, eventP, pcStack, type V1Wire } from './columns.ts';
export { IdSlots } from './slots.ts';
export { orderV1, type V1Order } from './order.ts';
export { checkV1State } from './state.ts';
export { V1Model } from './model.ts';
export { V1Tables, stwReasonOf } from './tables.ts';
export type { V1Trace } from './events.ts';

function guard(e: unknown): TraceError {
  if (e instanceof TraceError) return e;
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new TraceError(`internal error: ${msg}`, -1);
}

/** Parse, order and check a v1 trace. Throws TraceError. */
export function parseV1(bytes: Uint8Array): V1Trace {
  try {
    const w = readV1Wire(bytes);
    const o = orderV1(w);
    checkV1State(w, o);
    return makeTrace(w, o.order);
  } catch (e) {
    throw guard(e);
  }
}

/** The first error of a v1 trace (with its byte offset), or null if Go's parser accepts it. */
export function validateV1(bytes: Uint8Array): TraceError | null {
  try {
    const w = readV1Wire(bytes);
    checkV1State(w, orderV1(w));
    return null;
  } catch (e) {
    return guard(e);
  }
}

/** A TraceError unless `trace` is a V1Trace (from parseV1, or built with an `events` array). */
function requireTrace(trace: V1Trace): void {
  if (typeof trace === 'object' && trace !== null && (COLUMNS.get(trace) !== undefined || (Array.isArray(trace.events) && typeof trace.version === 'number'))) return;
  throw inputError('a V1Trace from parseV1', trace);
}

/** Event counts by name, as `go tool trace -d` prints them (one line per event). */
export function countsV1(trace: V1Trace): Record<string, number> {
  requireTrace(trace);
  const c = COLUMNS.get(trace);
  if (c !== undefined) return countByName(c.w, c.order);
  const byType = new Float64Array(V1_EVENTS.length);
  for (const ev of trace.events) byType[ev.type]++;
  return byName(byType, trace.version);
}

/** Events of the merged order by the names `go tool trace -d` prints. */
function countByName(w: V1Wire, order: Int32Array): Record<string, number> {
  const byType = new Float64Array(V1_EVENTS.length);
  const type = w.type;
  for (let j = 0; j < order.length; j++) byType[type[order[j]]]++;
  return byName(byType, w.version);
}

function byName(byType: Float64Array, version: number): Record<string, number> {
  const out: Record<string, number> = {};
  const names = spec.eventNamesFor(version);
  for (let t = 0; t < byType.length; t++) if (byType[t] > 0) out[names[t]] = byType[t];
  return out;
}

/** Number of events of a parsed trace (trace.events.length, without building the array). */
export function eventCountV1(trace: V1Trace): number {
  requireTrace(trace);
  const c = COLUMNS.get(trace);
  return c !== undefined ? c.order.length : trace.events.length;
}

/**
 * Call fn with every event of the trace in order, as trace.events would list them. Until
 * `events` is first read, each event is built for the call and not kept (memory stays at the
 * columns' ~40 bytes per event); after, the objects of trace.events are passed.
 */
export function forEachEventV1(trace: V1Trace, fn: (ev: TraceEvent, index: number) => void): void {
  requireTrace(trace);
  const c = COLUMNS.get(trace);
  if (c === undefined) {
    const events = trace.events;
    for (let j = 0; j < events.length; j++) fn(events[j], j);
    return;
  }
  const order = c.order;
  for (let j = 0; j < order.length; j++) fn(eventAt(c, order[j]), j);
}

/**
 * The events of a parsed trace in order, as trace.events would list them, in arrays of `size`
 * (the last may be shorter; none is empty). Until `events` is first read, each array is built
 * from the columns when it is asked for and not kept: memory is the columns (~40 bytes per
 * event) plus one array of events, where trace.events would hold every event object at once.
 */
export function* eventSlicesV1(trace: V1Trace, size = 4096): Generator<TraceEvent[], void, void> {
  requireTrace(trace);
  if (!(size >= 1)) throw new RangeError(`eventSlicesV1: size must be at least 1, got ${size}`);
  const c = COLUMNS.get(trace);
  if (c === undefined) {
    const events = trace.events;
    for (let j = 0; j < events.length; j += size) yield events.slice(j, j + size);
    return;
  }
  const order = c.order;
  for (let j = 0; j < order.length; j += size) {
    const end = Math.min(order.length, j + size);
    const out: TraceEvent[] = [];
    for (let k = j; k < end; k++) out.push(eventAt(c, order[k]));
    yield out;
  }
}

// ---- the trace model (formats/trace/read.ts calls this for go 1.5–1.21 input) ----

/**
 * Read a v1 trace into the trace model: the sink gets the trace's one generation (its tables),
 * then every event as the Go1.22+ base events it becomes, as Go 1.23's oldtrace converts it
 * (state.ts says what each event becomes; model.ts has the conversion's state). Checks as
 * validateV1 does, in the same pass (on a state error the events before it have been handed
 * out), and refuses, as Go 1.23 does, a futile wakeup Go 1.19's ordering leaves in the stream
 * (no block after it; no runtime since 1.11 writes one): there is no base event for it.
 * Returns the trace's first error, or null. An exception thrown by the sink is not the
 * trace's: it propagates unchanged.
 * `counts`, when given, gets the v1 events by the names `go tool trace -d` prints (countsV1),
 * once the whole trace has been handed out.
 */
export function runModelV1(bytes: Uint8Array, sink: TraceModelSink, counts?: (byName: Record<string, number>) => void): TraceError | null {
  try {
    const w = readV1Wire(bytes);
    const o = orderV1(w);
    checkV1State(w, o, new V1Model(w, o, sink));
    if (counts !== undefined) counts(countByName(w, o.order));
    return null;
  } catch (e) {
    if (e instanceof SinkFailure) throw e.cause;
    return guard(e);
  }
}

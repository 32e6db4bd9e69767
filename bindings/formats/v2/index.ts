// Public API of the Go1.22+ (generational) execution-trace format.
//
// Layout: spec tables (spec.ts) → text form (text.ts) ⇄ raw events (raw.ts) ⇄ wire
// bytes; wire bytes → batches (batch.ts, the one read loop in reader.ts) → generations
// (generation.ts, assembled by core.ts) → frontier (frontier.ts, cursor.ts) → ordering
// (order.ts and its handlers order-*.ts) → events: V2Sinks (sinks.ts; stream.ts for async
// input) and the trace model (model.ts: one TraceEventView per trace, see formats/trace/);
// the validate* functions add the validation layer (check.ts: Go's testtrace validator, a
// model sink) on the ordered events, the readers do not (as Go's reader does not).
// Everything here returns a TraceError (or throws one from the async reader) on bad input;
// no other exception escapes for any bytes.
// Only the v2 format owner edits this directory.

import { TraceError, type TraceEvent } from '../event.ts';
import { decodeRaw, encodeRaw, type RawTrace } from './raw.ts';
import { parseTextTrace as parseText, writeTextTrace as writeText } from './text.ts';
import { runV2, runV2Raw } from './reader.ts';
import { CountSink, EventBuilder, nullSink } from './sinks.ts';
import { tableFor } from './spec.ts';

export { runV2, runV2Raw, V2Loop, LOOP_MORE, LOOP_PENDING, LOOP_DONE, type V2RunResult } from './reader.ts';
export { V2Core } from './core.ts';
export { EventBuilder, CountSink, nullSink, type V2Sink } from './sinks.ts';
export { readV2, readV2Slices, readV2Chunks, validateV2Stream, runV2Stream, READ_SLICE } from './stream.ts';
export { ModelAdapter, ModelTee, GenTables } from './model.ts';
export { TraceChecker, type EventLocation } from './check.ts';
export { Ordering } from './order.ts';
export type { EventArgs } from './order.ts';
export * from './spec.ts';
export type { RawEvent, RawTrace } from './raw.ts';
export { encodeRaw, decodeRaw, rawEventSize, encodeRawEvent, writeEvent } from './raw.ts';
export { writeBatchHeader, batchHeaderSize, BatchFramer, type Batch } from './batch.ts';
export { quoteBytes, unquoteBytes } from './goquote.ts';
export { Generation } from './generation.ts';

/** Parse Go's text trace form ("Trace Go1.NN" and one event per line). */
export function parseTextTrace(text: string): RawTrace | TraceError {
  return parseText(text);
}

/** Write the canonical text form. */
export function writeTextTrace(trace: RawTrace): string {
  return writeText(trace);
}

/** Text form → wire bytes (the batch sizes are written as the text states them). */
export function textToWire(text: string): Uint8Array | TraceError {
  const t = parseText(text);
  return t instanceof TraceError ? t : encodeRaw(t);
}

/** Wire bytes → text form (flat: batch sizes are not interpreted). */
export function wireToText(bytes: Uint8Array): string | TraceError {
  const t = decodeRaw(bytes);
  return t instanceof TraceError ? t : writeText(t);
}

/**
 * Parse and validate a whole wire trace as Go's gotracevalidate does (reader + testtrace
 * validator); the first error with its location, or null.
 */
export function validateV2(bytes: Uint8Array): TraceError | null {
  return runV2(bytes, nullSink, true).error;
}

/** Validate a text trace, framing batches by its EventBatch lines. */
export function validateTextV2(text: string): TraceError | null {
  const t = parseText(text);
  if (t instanceof TraceError) return t;
  return runV2Raw(t, nullSink, true).error;
}

/** All events of a wire trace, in validated order (synchronous, whole buffer). */
export function readV2Sync(bytes: Uint8Array): { events: TraceEvent[]; error: TraceError | null } {
  const b = new EventBuilder();
  const r = runV2(bytes, b);
  return { events: b.events, error: r.error };
}

/**
 * Events by name (CPUSample included) as the reader yields them, so with the events Go's
 * ordering infers (a GoSwitch's block and start, a GoDestroySyscall's self-steal); the
 * summary (traceSummary) counts wire events instead, as `go tool trace -d=2` lists them.
 * With the error that stopped counting, if any.
 */
export function countsV2(bytes: Uint8Array): { counts: Record<string, number>; error: TraceError | null } {
  const sink = new CountSink();
  const r = runV2(bytes, sink);
  const counts: Record<string, number> = {};
  const t = tableFor(r.version);
  if (t) {
    for (let i = 0; i < 256; i++) {
      if (sink.counts[i] > 0) counts[t.specs[i]!.name] = sink.counts[i];
    }
  }
  return { counts, error: r.error };
}

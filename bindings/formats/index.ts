// Public API of the trace readers: one entry for every format, detected from the content.
//
//   readTrace(input)     → AsyncIterable<TraceEvent>  (v2 wire bytes stream generation by
//                          generation, each ordered lazily from its raw batches; v1 is read
//                          whole into compact columns, its events built slice by slice; text
//                          is read whole)
//   readTraceBatches(input) → AsyncIterable<TraceEvent[]> (the same, in arrays of about
//                          READ_SLICE events)
//   validateTrace(input) → Promise<TraceError | null> (first error with offset, gen, batch)
//   traceSummary(input)  → Promise<TraceSummary>     (rejects with the TraceError of a bad trace)
//
// input: wire bytes (Uint8Array), an async iterable of chunks, or a string holding Go's text
// format ("Trace Go1.22" ..., or a txtar conformance file with a "-- trace --" section). Wire
// bytes whose content is Go's text format are read as text.
// Invariants: validateTrace never throws (an unexpected exception inside a reader comes back as
// a TraceError whose message starts with "internal error"); readTrace and traceSummary throw
// only TraceError for bad input, including input of the wrong type (null, a number, a plain
// object, an ArrayBuffer: see input.ts, which every reader entry point below uses).
// Browser-safe: nothing here or below imports a Node built-in.
// Who may touch: the formats API owner; the v1/ and v2/ owners own their directories.

import { TraceError, type TraceEvent } from './event.ts';
import { SummaryBuilder, type TraceSummary } from './summary.ts';
import { eventSlicesV1, parseV1, runModelV1, validateV1 } from './v1/index.ts';
import {
  EventBuilder,
  nullSink,
  parseTextTrace,
  readV2Slices,
  READ_SLICE,
  runV2Raw,
  runV2Stream,
  validateTextV2,
  validateV2,
  validateV2Stream,
  type RawTrace,
} from './v2/index.ts';

import { isBytes } from './input.ts';
import { resolve, type TraceInput } from './resolve.ts';
export { TraceError, type TraceEvent, type TraceFormat, type StackFrame } from './event.ts';
export { detectTrace, detectFormat, traceText, DETECT_BYTES, type DetectedTrace } from './detect.ts';
export { SummaryBuilder, G_STATES, type TraceSummary, type GoroutineSummary, type ProcSummary, type GState } from './summary.ts';
export { decodeUvarint, decodeUvarintBig, encodeUvarint, uvarintSize, type UvarintResult } from './uvarint.ts';
// The format readers themselves (their spec constants share names, so each also as a namespace).
export { parseV1, validateV1, countsV1, type V1Trace } from './v1/index.ts';
export {
  readV2,
  readV2Chunks,
  readV2Sync,
  runV2,
  runV2Raw,
  validateV2,
  validateTextV2,
  countsV2,
  parseTextTrace,
  writeTextTrace,
  textToWire,
  wireToText,
  type RawTrace,
  type RawEvent,
  type V2Sink,
  type V2RunResult,
} from './v2/index.ts';
export * as v1 from './v1/index.ts';
export * as v2 from './v2/index.ts';

export type { TraceInput } from './resolve.ts';
// The trace model: one event view for every format, and Go's -d=1 printer.
export { runModel, runModelStream } from './trace/read.ts';
export { formatModelEvent, ModelPrinter } from './trace/print.ts';
export { TraceEventView, type TraceModelSink, type TraceTables } from './trace/event.ts';
export * as model from './trace/model.ts';

function internal(e: unknown): TraceError {
  if (e instanceof TraceError) return e;
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new TraceError(`internal error: ${msg}`, -1);
}

function parseText(text: string): RawTrace {
  const raw = parseTextTrace(text);
  if (raw instanceof TraceError) throw raw;
  return raw;
}

/** r's bytes, which r then no longer holds (so a generator holding r does not keep them). */
function takeBytes(r: { bytes: Uint8Array }): Uint8Array {
  const b = r.bytes;
  r.bytes = new Uint8Array(0);
  return b;
}

/**
 * A v1 trace's events in arrays of READ_SLICE, built from its columns as they are asked for.
 * The input is let go once parsed (the columns hold all the slices need).
 */
function* v1Slices(r: { bytes: Uint8Array }): Generator<TraceEvent[], void, void> {
  let it: Iterator<TraceEvent[], void>;
  try {
    it = eventSlicesV1(parseV1(takeBytes(r)), READ_SLICE);
  } catch (e) {
    throw internal(e);
  }
  for (;;) {
    let r: IteratorResult<TraceEvent[], void>;
    try {
      r = it.next();
    } catch (e) {
      throw internal(e);
    }
    if (r.done) return;
    yield r.value;
  }
}

/**
 * The events of a trace in arrays, in validated order: the cheap way to consume a trace in bulk.
 * Each array holds about READ_SLICE events (v2 and v1; text: one array), none is empty.
 * v2 wire input is read generation by generation, whether it comes as one buffer or as a
 * stream: a complete generation is ordered from its raw batches one slice at a time, and no
 * more input is read until its last slice has been taken, so memory is the largest
 * generation's wire bytes plus one slice of events. v1 input is read whole into compact columns
 * (its ordering needs the whole trace) and its event objects are built one slice at a time.
 * Text input is read whole. On a broken trace the events before the error (v2) come first, then
 * the TraceError is thrown.
 */
export async function* readTraceBatches(input: TraceInput): AsyncGenerator<TraceEvent[]> {
  const r = await resolve(input);
  if (r.kind === 'v1') {
    yield* v1Slices(r);
    return;
  }
  if (r.kind === 'text') {
    const b = new EventBuilder();
    const res = runV2Raw(parseText(r.text), b);
    if (b.events.length > 0) yield b.events;
    if (res.error) throw res.error;
    return;
  }
  yield* readV2Slices(r.source);
}

/**
 * The events of a trace, one at a time, in the reader's validated order (see readTraceBatches
 * for memory: v2 streams generation by generation, v1 keeps compact columns). On a broken
 * trace, the events before the error (v2) are yielded, then the TraceError is thrown.
 */
export async function* readTrace(input: TraceInput): AsyncGenerator<TraceEvent> {
  for await (const evs of readTraceBatches(input)) {
    for (let i = 0; i < evs.length; i++) yield evs[i];
  }
}

/** The first error of a trace with its location (byte offset, generation, batch), or null if valid. */
export async function validateTrace(input: TraceInput): Promise<TraceError | null> {
  try {
    const r = await resolve(input);
    if (r.kind === 'v1') return validateV1(r.bytes);
    if (r.kind === 'text') return validateTextV2(r.text);
    if (isBytes(r.source)) return validateV2(r.source);
    // A stream: frame, order and check it generation by generation, keeping no events.
    return await validateV2Stream(r.source);
  } catch (e) {
    return internal(e);
  }
}

/**
 * Counts by event name, per-goroutine and per-P time in states, CPU samples per goroutine
 * and per top frame: a SummaryBuilder fed the trace model (a Go1.22+ stream generation by
 * generation; v1 counts by the names `go tool trace -d` prints). Rejects with the trace's
 * TraceError when it is invalid.
 */
export async function traceSummary(input: TraceInput): Promise<TraceSummary> {
  const r = await resolve(input);
  const sb = new SummaryBuilder(r.det.format);
  let err: TraceError | null;
  try {
    if (r.kind === 'v1') err = runModelV1(r.bytes, sb, (counts) => sb.setCounts(counts));
    else if (r.kind === 'text') err = runV2Raw(parseText(r.text), nullSink, false, sb).error;
    else err = await runV2Stream(r.source, nullSink, false, sb);
  } catch (e) {
    throw internal(e);
  }
  if (err) throw err;
  return sb.finish();
}

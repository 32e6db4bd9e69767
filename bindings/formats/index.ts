// Public API of the trace readers: one entry for every format, detected from the content.
//
//   readTrace(input)     → AsyncIterable<TraceEvent>  (v2 wire bytes stream generation by
//                          generation; v1 and text are read whole, then yielded)
//   readTraceBatches(input) → AsyncIterable<TraceEvent[]> (the same, an array per step)
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

import { TraceError, type TraceEvent, type TraceFormat } from './event.ts';
import { detectTrace, traceText, type DetectedTrace } from './detect.ts';
import { SummaryBuilder, type TraceSummary } from './summary.ts';
import { parseV1, validateV1 } from './v1/index.ts';
import {
  EventBuilder,
  parseTextTrace,
  readV2Chunks,
  runV2,
  runV2Raw,
  validateTextV2,
  validateV2,
  validateV2Stream,
  type Generation,
  type RawTrace,
  type V2Sink,
} from './v2/index.ts';

import { concatBytes } from './bytes.ts';
import { bytesOrError, describeInput, inputError, isBytes } from './input.ts';
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

/** What the readers accept. */
export type TraceInput = Uint8Array | AsyncIterable<Uint8Array> | string;

function internal(e: unknown): TraceError {
  if (e instanceof TraceError) return e;
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new TraceError(`internal error: ${msg}`, -1);
}

/** An input resolved to one of three shapes: whole bytes, a v2 chunk stream, or text. */
type Resolved =
  | { kind: 'v1'; det: DetectedTrace; bytes: Uint8Array }
  | { kind: 'v2'; det: DetectedTrace; source: Uint8Array | AsyncIterable<Uint8Array> }
  | { kind: 'text'; det: DetectedTrace; text: string };

/** Chunk `i` of a stream (at byte offset `at`) as bytes; a TraceError when it is something else. */
function chunkBytes(c: unknown, i: number, at: number): Uint8Array {
  const b = bytesOrError(c);
  if (b instanceof TraceError) throw new TraceError(`input chunk ${i} must be a Uint8Array, got ${describeInput(c)}`, at);
  return b;
}

/** `first`, then the rest of a stream (whose first chunk is chunk number `index`), back to back. */
async function concat(first: Uint8Array[], rest: AsyncIterator<Uint8Array> | null, index = 0): Promise<Uint8Array> {
  const parts = first.slice();
  let at = parts.reduce((n, p) => n + p.length, 0);
  if (rest) {
    for (let i = index; ; i++) {
      const r = await rest.next();
      if (r.done) break;
      const b = chunkBytes(r.value, i, at);
      parts.push(b);
      at += b.length;
    }
  }
  return concatBytes(parts);
}

/** Detect the format and shape the input for its reader. Throws TraceError (also for non-trace input types). */
async function resolve(input: TraceInput): Promise<Resolved> {
  if (typeof input === 'string') {
    const det = detectTrace(input);
    return { kind: 'text', det, text: traceText(input) };
  }
  if (isBytes(input)) {
    input = bytesOrError(input) as Uint8Array; // one-byte views of other types, re-viewed
    const det = detectTrace(input);
    if (det.kind === 'text') return { kind: 'text', det, text: traceText(new TextDecoder().decode(input)) };
    if (det.kind === 'v1') return { kind: 'v1', det, bytes: input };
    return { kind: 'v2', det, source: input };
  }
  if (input === null || typeof input !== 'object' || typeof (input as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] !== 'function') {
    throw inputError('a Uint8Array, an async iterable of Uint8Array chunks, or a text trace string', input);
  }
  // A stream: gather enough of a prefix to decide (copies: the caller may reuse its chunks).
  const it = (input as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let n = 0;
  let done = false;
  while (n < 16) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    const b = chunkBytes(r.value, head.length, n);
    head.push(b.slice());
    n += b.length;
  }
  const prefix = await concat(head, null);
  let det = detectTrace(prefix);
  if (det.kind === 'v2') {
    async function* rest(): AsyncGenerator<Uint8Array> {
      yield prefix;
      if (done) return;
      for (let i = head.length; ; i++) {
        const r = await it.next();
        if (r.done) return;
        yield chunkBytes(r.value, i, -1);
      }
    }
    return { kind: 'v2', det, source: rest() };
  }
  const all = await concat([prefix], done ? null : it, head.length);
  if (det.kind === 'text') {
    det = detectTrace(all); // a txtar file's trace section may start past the prefix
    return { kind: 'text', det, text: traceText(new TextDecoder().decode(all)) };
  }
  return { kind: 'v1', det, bytes: all };
}

function parseText(text: string): RawTrace {
  const raw = parseTextTrace(text);
  if (raw instanceof TraceError) throw raw;
  return raw;
}

/** Size of the slices a whole v2 buffer is fed to the streaming reader in (bounds memory per step). */
const V2_SLICE = 1 << 20;

async function* slices(b: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < b.length; i += V2_SLICE) yield b.subarray(i, Math.min(b.length, i + V2_SLICE));
}

/**
 * The events of a trace in arrays (each array: the events that one step of the reader
 * completed, in validated order; v2: whole generations). The cheap way to consume a trace in
 * bulk. v2 wire input is read generation by generation, whether it comes as one buffer or as a
 * stream, so memory is bounded by the largest generation (plus one slice of input); v1 and text
 * input are read whole. On a broken trace the events before the error (v2) come first, then the
 * TraceError is thrown.
 */
export async function* readTraceBatches(input: TraceInput): AsyncGenerator<TraceEvent[]> {
  const r = await resolve(input);
  if (r.kind === 'v1') {
    let events: TraceEvent[];
    try {
      events = parseV1(r.bytes).events;
    } catch (e) {
      throw internal(e);
    }
    yield events;
    return;
  }
  if (r.kind === 'text') {
    const b = new EventBuilder();
    const res = runV2Raw(parseText(r.text), b);
    yield b.events;
    if (res.error) throw res.error;
    return;
  }
  // A whole buffer is fed in slices: the reader then hands out each generation as it completes
  // instead of building every event of the trace before the first is seen.
  const src = isBytes(r.source) && r.source.length > V2_SLICE ? slices(r.source) : r.source;
  for await (const evs of readV2Chunks(src)) if (evs.length > 0) yield evs;
}

/**
 * The events of a trace, one at a time, in the reader's validated order (see readTraceBatches
 * for memory: v2 streams generation by generation). On a broken trace, the events before the
 * error (v2) are yielded, then the TraceError is thrown.
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

/** A V2Sink that builds each event, hands it to a SummaryBuilder, and keeps nothing. */
class SummarySink implements V2Sink {
  private readonly b = new EventBuilder();
  private gen: Generation | null = null;
  readonly sum: SummaryBuilder;
  constructor(format: TraceFormat) {
    this.sum = new SummaryBuilder(format, (ev) => this.top(ev.stack));
  }
  private top(id: number): string | undefined {
    const g = this.gen;
    if (!g) return undefined;
    const pcs = g.stacks.get(id);
    if (!pcs || pcs.length === 0) return undefined;
    const f = g.frames.get(pcs[0]);
    return f ? g.string(f.funcID) : undefined;
  }
  generation(g: Generation): void {
    this.gen = g;
    this.b.generation(g);
  }
  event(type: number, time: number, g: number, p: number, m: number, args: number[], offset: number): void {
    this.b.event(type, time, g, p, m, args, offset);
    this.sum.add(this.b.events.pop()!);
  }
}

/**
 * Counts by event name, per-goroutine and per-P time in states, CPU samples per goroutine
 * and per top frame. Rejects with the trace's TraceError when it is invalid. (A v2 chunk
 * stream is gathered whole first: the summary needs the generation's stack tables.)
 */
export async function traceSummary(input: TraceInput): Promise<TraceSummary> {
  const r = await resolve(input);
  if (r.kind === 'v1') {
    let tr;
    try {
      tr = parseV1(r.bytes);
    } catch (e) {
      throw internal(e);
    }
    const sb = new SummaryBuilder(tr.format, (ev) => tr.stacks.get(ev.stack)?.[0]?.func);
    for (const ev of tr.events) sb.add(ev);
    return sb.finish();
  }
  const sink = new SummarySink(r.det.format);
  const raw = r.kind === 'text' ? parseText(r.text) : null;
  const bytes = r.kind === 'text' ? null : isBytes(r.source) ? r.source : await concat([], r.source[Symbol.asyncIterator]());
  let res;
  try {
    res = raw ? runV2Raw(raw, sink) : runV2(bytes!, sink);
  } catch (e) {
    throw internal(e);
  }
  if (res.error) throw res.error;
  return sink.sum.finish();
}

// What a trace input is, decided before any reader runs: whole v1 bytes, a v2 wire source
// (whole bytes or a chunk stream), or Go's text format.
//
// Owns: TraceInput (what the readers accept) and resolve(), which detects the format of any
// input: a string or bytes at once, an async iterable of chunks from a prefix (v2 streams go on
// chunk by chunk; v1 and text are gathered whole, as their readers need).
// Invariants: throws only TraceError (also for inputs of the wrong type, see input.ts); a
// caller's chunks are copied before they are kept; a stream of v2 bytes is handed on with its
// prefix first, so no byte is read twice or lost.
// Browser-safe: no Node built-ins. Who may touch: the formats API owner.

import { concatBytes } from './bytes.ts';
import { detectTrace, traceText, type DetectedTrace } from './detect.ts';
import { TraceError } from './event.ts';
import { bytesOrError, describeInput, inputError, isBytes } from './input.ts';

/** What the readers accept. */
export type TraceInput = Uint8Array | AsyncIterable<Uint8Array> | string;

/** An input resolved to one of three shapes: whole bytes, a v2 chunk stream, or text. */
export type Resolved =
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
export async function concat(first: Uint8Array[], rest: AsyncIterator<Uint8Array> | null, index = 0): Promise<Uint8Array> {
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

/** Whole input (bytes or a string) resolved at once. Throws TraceError. */
export function resolveWhole(input: Uint8Array | string): Resolved {
  if (typeof input === 'string') {
    const det = detectTrace(input);
    return { kind: 'text', det, text: traceText(input) };
  }
  const bytes = bytesOrError(input);
  if (bytes instanceof TraceError) throw inputError('a Uint8Array of trace bytes or a text trace string', input);
  const det = detectTrace(bytes);
  if (det.kind === 'text') return { kind: 'text', det, text: traceText(new TextDecoder().decode(bytes)) };
  if (det.kind === 'v1') return { kind: 'v1', det, bytes };
  return { kind: 'v2', det, source: bytes };
}

/** Detect the format and shape the input for its reader. Throws TraceError (also for non-trace input types). */
export async function resolve(input: TraceInput): Promise<Resolved> {
  if (typeof input === 'string' || isBytes(input)) return resolveWhole(input as Uint8Array | string);
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

// Checks on what callers hand the trace readers. JavaScript callers (and `as any`) can pass
// anything; a reader entry point must answer with a TraceError that says what it wanted and
// what it got, never with a TypeError from deep inside a parser.
// Browser-safe: no Node built-ins.

import { TraceError } from './event.ts';

/** A Uint8Array, or any view with one-byte elements (Buffer, Int8Array, Uint8ClampedArray...). */
export function isBytes(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array || (ArrayBuffer.isView(x) && (x as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT === 1);
}

/** What a wrong input is, for an error message ("null", "a number", "an ArrayBuffer"...). */
export function describeInput(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (typeof x === 'string') return 'a string';
  if (typeof x !== 'object') return `a ${typeof x}`;
  if (Array.isArray(x)) return 'an array';
  if (x instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && x instanceof SharedArrayBuffer)) return 'an ArrayBuffer (wrap it: new Uint8Array(buffer))';
  const name = (x as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' && name !== 'Object' ? `a ${name}` : 'an object';
}

/** The TraceError for an input of the wrong kind (offset -1: it is not about any byte). */
export function inputError(want: string, got: unknown): TraceError {
  return new TraceError(`input must be ${want}, got ${describeInput(got)}`, -1);
}

const BYTES = 'a Uint8Array of trace bytes';

/** The input as a Uint8Array (one-byte views re-viewed without a copy), or a TraceError. */
export function bytesOrError(x: unknown): Uint8Array | TraceError {
  if (x instanceof Uint8Array) return x;
  if (isBytes(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  return inputError(BYTES, x);
}

/** The input as a Uint8Array; throws TraceError for anything else. */
export function requireBytes(x: unknown): Uint8Array {
  const b = bytesOrError(x);
  if (b instanceof TraceError) throw b;
  return b;
}

/** A text trace; throws TraceError for anything but a string. */
export function requireText(x: unknown): string {
  if (typeof x !== 'string') throw inputError('a string holding a text trace', x);
  return x;
}

/** Wire bytes or a text trace; throws TraceError for anything else. */
export function requireBytesOrText(x: unknown): Uint8Array | string {
  if (typeof x === 'string') return x;
  const b = bytesOrError(x);
  if (b instanceof TraceError) throw inputError(`${BYTES} or a string holding a text trace`, x);
  return b;
}

/**
 * Whole bytes, or an async iterable of byte chunks whose every chunk is checked as it
 * arrives (a wrong chunk is a TraceError naming its index). Throws TraceError for anything else.
 */
export function requireByteSource(x: unknown): Uint8Array | AsyncIterable<Uint8Array> {
  if (isBytes(x)) return requireBytes(x);
  if (x === null || typeof x !== 'object' || typeof (x as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function') {
    throw inputError(`${BYTES} or an async iterable of Uint8Array chunks`, x);
  }
  const src = x as AsyncIterable<unknown>;
  return (async function* checked(): AsyncGenerator<Uint8Array> {
    let i = 0;
    for await (const c of src) {
      const b = bytesOrError(c);
      if (b instanceof TraceError) throw new TraceError(`input chunk ${i} must be a Uint8Array, got ${describeInput(c)}`, -1);
      i++;
      yield b;
    }
  })();
}

// readV2 / readV2Chunks / validateV2Stream: the streaming (async) face of the Go1.22+ reader.
//
// Layout: chunks of any size in; complete batches are framed as soon as their bytes
// are there and handed to a V2Core; each ordered generation's events are yielded
// (readV2: in slices while the generation is being ordered; readV2Chunks: per chunk).
// Invariants: memory is one generation's bytes plus the unread tail (at most one batch),
// plus for readV2 one slice of events (readV2Chunks holds a whole generation's events);
// a caller's chunk is copied before it is kept (the caller may reuse it); on a broken
// trace the events before the error are yielded, then the TraceError is thrown.
// Measured by bench/v2-memory.ts.
// Owner: the Go1.22+ format (bindings/formats/v2/).

import { TraceError, type TraceEvent } from '../event.ts';
import { requireByteSource } from '../input.ts';
import { BatchFramer, READ_EOF, READ_MORE, READ_OK } from './batch.ts';
import { V2Core } from './reader.ts';
import { EventBuilder, nullSink, type V2Sink } from './sinks.ts';
import { HeaderSize, parseHeader, tableFor } from './spec.ts';

/**
 * Streaming reader: pulls chunks, frames batches as they complete, orders each
 * generation once it is complete and yields its events as they are ordered (in slices,
 * so a generation's events never pile up: memory is one generation's bytes plus one
 * slice of events). Throws TraceError (after yielding the events that preceded it) on a
 * broken trace.
 */
/**
 * The unread tail of buf (from pos) followed by the next chunk. Batches already read keep
 * views of the old buffer, so it is never written to. A caller's chunk may be reused after
 * we return, so it is copied unless it is the caller's whole input and nothing is left over.
 */
function appendChunk(buf: Uint8Array, pos: number, chunk: Uint8Array, whole: boolean): Uint8Array {
  const tail = buf.subarray(pos);
  if (tail.length === 0 && whole) return chunk;
  const next = new Uint8Array(tail.length + chunk.length);
  next.set(tail, 0);
  next.set(chunk, tail.length);
  return next;
}

export async function* readV2(source: AsyncIterable<Uint8Array> | Uint8Array): AsyncGenerator<TraceEvent> {
  const builder = new EventBuilder();
  const events = builder.events;
  let failure: TraceError | null = null;
  try {
    for await (const _ of drive(source, builder, true)) {
      if (events.length === 0) continue;
      const out = events.splice(0);
      for (let i = 0; i < out.length; i++) yield out[i];
    }
  } catch (e) {
    if (!(e instanceof TraceError)) throw e;
    failure = e;
  }
  const out = events.splice(0);
  for (let i = 0; i < out.length; i++) yield out[i];
  if (failure !== null) throw failure;
}

/** Events ordered per slice by readV2 before it hands them out. */
const SLICE = 4096;

/**
 * The streaming core: frames the chunks of `source` into a V2Core feeding `sink`, and
 * yields after every chunk and (incremental) after every ordered slice of events, so the
 * caller can drain the sink. Throws TraceError on a broken trace.
 */
async function* drive(
  source: AsyncIterable<Uint8Array> | Uint8Array,
  sink: V2Sink,
  incremental: boolean,
  check = false,
): AsyncGenerator<void, void, void> {
  source = requireByteSource(source); // TraceError for non-bytes, and for any chunk that is not bytes
  const whole = source instanceof Uint8Array;
  const chunks: AsyncIterable<Uint8Array> =
    source instanceof Uint8Array
      ? (async function* () {
          yield source;
        })()
      : source;
  let buf: Uint8Array = new Uint8Array(0);
  let base = 0; // input offset of buf[0]
  let core: V2Core | null = null;
  let framer: BatchFramer | null = null;
  const iter = chunks[Symbol.asyncIterator]();
  let done = false;
  try {
    for (let more = true; more; ) {
      let final = false;
      if (!done) {
        // Pull the next chunk (or learn that there is none).
        const r = await iter.next();
        const it = r.done ? null : r.value;
        if (it === null) {
          final = true;
          done = true;
        } else {
          const pos = framer ? framer.pos : 0;
          buf = appendChunk(buf, pos, it, whole);
          base += pos;
          if (framer) framer.pos = 0;
        }
      }
      more = !final;
      if (core === null) {
        const v = parseHeader(buf, buf.length);
        if (v === 0 && !final) {
          yield;
          continue;
        }
        if (v <= 0) throw new TraceError('bad file format: not a Go execution trace?', 0);
        const t = tableFor(v);
        if (!t) throw new TraceError(`unknown or unsupported trace version go 1.${v}`, 0);
        core = new V2Core(t, sink, check);
        core.incremental = incremental;
        framer = new BatchFramer(t);
        framer.pos = HeaderSize;
      }
      for (;;) {
        const r = framer!.read(buf, buf.length, base, final);
        if (r === READ_OK) {
          core.addBatch(framer!.batch!);
          while (core.pending) {
            core.pump(SLICE);
            yield;
          }
          continue;
        }
        if (r === READ_MORE) break;
        if (r === READ_EOF) {
          if (final) core.end(null);
        } else {
          core.end(r as TraceError);
        }
        while (core.pending) {
          core.pump(SLICE);
          yield;
        }
        break;
      }
      yield;
    }
  } finally {
    // Stopped early (an error, or the consumer left): let the source clean up.
    if (!done) await iter.return?.();
  }
}

/**
 * The same stream, one array per input chunk: the events of every generation that the
 * chunk completed (often empty). Cheaper than readV2 when events are consumed in bulk.
 */
export async function* readV2Chunks(source: AsyncIterable<Uint8Array> | Uint8Array): AsyncGenerator<TraceEvent[]> {
  source = requireByteSource(source); // TraceError for non-bytes, and for any chunk that is not bytes
  const whole = source instanceof Uint8Array;
  const chunks: AsyncIterable<Uint8Array> =
    source instanceof Uint8Array
      ? (async function* () {
          yield source;
        })()
      : source;
  let buf: Uint8Array = new Uint8Array(0);
  let base = 0; // input offset of buf[0]
  // Assigned inside step(); typed by assertion so the compiler does not narrow them to null.
  let core = null as V2Core | null;
  let builder = null as EventBuilder | null;
  let framer = null as BatchFramer | null;

  const flush = (): TraceEvent[] => (builder && builder.events.length ? builder.events.splice(0) : []);

  let failure: TraceError | null = null;
  const step = (final: boolean): void => {
    if (core === null) {
      const v = parseHeader(buf, buf.length);
      if (v === 0 && !final) return;
      if (v <= 0) throw new TraceError('bad file format: not a Go execution trace?', 0);
      const t = tableFor(v);
      if (!t) throw new TraceError(`unknown or unsupported trace version go 1.${v}`, 0);
      builder = new EventBuilder();
      core = new V2Core(t, builder);
      framer = new BatchFramer(t);
      framer.pos = HeaderSize;
    }
    for (;;) {
      const r = framer!.read(buf, buf.length, base, final);
      if (r === READ_OK) {
        core.addBatch(framer!.batch!);
        continue;
      }
      if (r === READ_MORE) return;
      if (r === READ_EOF) {
        if (final) core.end(null);
        return;
      }
      core.end(r as TraceError);
      return;
    }
  };

  try {
    for await (const chunk of chunks) {
      const pos = framer ? framer.pos : 0;
      buf = appendChunk(buf, pos, chunk, whole);
      base += pos;
      if (framer) framer.pos = 0;
      step(false);
      yield flush();
    }
    step(true);
  } catch (e) {
    if (!(e instanceof TraceError)) throw e;
    failure = e;
  }
  yield flush();
  if (failure) throw failure;
}


/**
 * Streaming validation (reader + validation layer, as validateV2): parse and order a chunked
 * trace without keeping its events. Memory is one generation plus one batch (and the
 * validation layer's per-id state). Resolves to the first error, or null.
 */
export async function validateV2Stream(source: AsyncIterable<Uint8Array> | Uint8Array): Promise<TraceError | null> {
  try {
    for await (const _ of drive(source, nullSink, false, true)) {
      // nothing to drain
    }
  } catch (e) {
    if (e instanceof TraceError) return e;
    throw e;
  }
  return null;
}

// The streaming (async) faces of the Go1.22+ reader, all on the one read loop (reader.ts V2Loop):
// readV2Slices (arrays of about READ_SLICE events, pulled from the batch cursors as a generation
// is ordered), readV2 (the same events one by one), readV2Chunks (an array per input chunk: whole
// generations), validateV2Stream (no events kept), runV2Stream (any V2Sink / model sink).
//
// Owns: drive(), which pulls chunks from the source, feeds the loop and yields whenever the
// caller may take the sink's output: after every chunk and, in incremental mode, after every
// ordered slice of a generation.
// Invariants: memory is one generation's bytes plus the unread tail (at most one batch), plus
// for readV2Slices/readV2 one slice of events (readV2Chunks holds a whole generation's events);
// in incremental mode no input is pulled while a generation is being ordered; a caller's
// chunk is copied before it is kept (the caller may reuse it); on a broken trace the events
// before the error are yielded, then the TraceError is thrown; a consumer that stops early
// closes the source. Measured by bench/v2-memory.ts.
// Who may touch: the Go1.22+ format owner (bindings/formats/v2/).

import { TraceError, type TraceEvent } from '../event.ts';
import { requireByteSource } from '../input.ts';
import type { TraceModelSink } from '../trace/event.ts';
import { LOOP_DONE, LOOP_PENDING, V2Loop } from './reader.ts';
import { V2Core } from './core.ts';
import { EventBuilder, nullSink, type V2Sink } from './sinks.ts';

/** Events ordered per slice by readV2Slices (and readV2) before it hands them out. */
export const READ_SLICE = 4096;

/**
 * Pull the chunks of `source` through a V2Loop whose core feeds `sink` (and `model`), yielding
 * after every chunk and (incremental) after every ordered slice; what the end of the input
 * completes is left in the sink for the caller's last look. Throws TraceError.
 */
async function* drive(
  source: AsyncIterable<Uint8Array> | Uint8Array,
  sink: V2Sink,
  incremental: boolean,
  check = false,
  model: TraceModelSink | null = null,
): AsyncGenerator<void, void, void> {
  source = requireByteSource(source); // TraceError for non-bytes, and for any chunk that is not bytes
  const loop = new V2Loop((t) => {
    const core = new V2Core(t, sink, check, model);
    core.incremental = incremental;
    return core;
  });
  /** Run the loop on what it has, yielding between ordered slices. */
  async function* run(): AsyncGenerator<void, void, void> {
    for (;;) {
      const r = loop.step();
      if (r !== LOOP_PENDING) return;
      const core = loop.core!;
      while (core.pending) {
        core.pump(READ_SLICE);
        yield;
      }
    }
  }
  if (source instanceof Uint8Array) {
    loop.feed(source, true);
    loop.end();
    yield* run();
    yield; // as after any chunk
    return;
  }
  const iter = source[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      const r = await iter.next();
      if (r.done) {
        done = true;
        break;
      }
      loop.feed(r.value);
      yield* run();
      yield;
    }
  } finally {
    // Stopped early (an error, or the consumer left): let the source clean up.
    if (!done) await iter.return?.();
  }
  loop.end();
  yield* run();
  if (loop.step() !== LOOP_DONE) throw new TraceError('internal error: the read loop did not finish', -1);
}

/**
 * Streaming reader in arrays: pulls chunks, frames batches as they complete, and once a
 * generation is complete orders it from its batch cursors READ_SLICE wire events at a time,
 * handing out each slice as an array (never empty; READ_SLICE events plus the few the ordering
 * infers, such as a GoSwitch's block and start) before ordering the next. Memory: one
 * generation's wire bytes (the batches' raw payloads) plus one slice of event objects.
 * Throws TraceError (after yielding the events that preceded it) on a broken trace.
 */
export async function* readV2Slices(source: AsyncIterable<Uint8Array> | Uint8Array): AsyncGenerator<TraceEvent[]> {
  const builder = new EventBuilder();
  const events = builder.events;
  let failure: TraceError | null = null;
  try {
    for await (const _ of drive(source, builder, true)) {
      if (events.length > 0) yield events.splice(0);
    }
  } catch (e) {
    if (!(e instanceof TraceError)) throw e;
    failure = e;
  }
  if (events.length > 0) yield events.splice(0);
  if (failure !== null) throw failure;
}

/** readV2Slices one event at a time. Throws TraceError after the events that preceded it. */
export async function* readV2(source: AsyncIterable<Uint8Array> | Uint8Array): AsyncGenerator<TraceEvent> {
  for await (const evs of readV2Slices(source)) {
    for (let i = 0; i < evs.length; i++) yield evs[i];
  }
}

/**
 * The same stream, one array per input chunk: the events of every generation that the
 * chunk completed (often empty), then one last array. Cheaper than readV2 when events are
 * consumed in bulk.
 */
export async function* readV2Chunks(source: AsyncIterable<Uint8Array> | Uint8Array): AsyncGenerator<TraceEvent[]> {
  const builder = new EventBuilder();
  let failure: TraceError | null = null;
  try {
    for await (const _ of drive(source, builder, false)) {
      yield builder.events.splice(0);
    }
  } catch (e) {
    if (!(e instanceof TraceError)) throw e;
    failure = e;
  }
  yield builder.events.splice(0);
  if (failure) throw failure;
}

/**
 * Streaming validation (reader + validation layer, as validateV2): parse and order a chunked
 * trace without keeping its events. Memory is one generation plus one batch (and the
 * validation layer's per-id state). Resolves to the first error, or null.
 */
export async function validateV2Stream(source: AsyncIterable<Uint8Array> | Uint8Array): Promise<TraceError | null> {
  return runV2Stream(source, nullSink, true);
}

/**
 * Run a chunked trace through the reader into `sink` (and the model sink `model`, after the
 * validation layer when `check`), generation by generation. Resolves to the first error, or null.
 */
export async function runV2Stream(
  source: AsyncIterable<Uint8Array> | Uint8Array,
  sink: V2Sink,
  check = false,
  model: TraceModelSink | null = null,
): Promise<TraceError | null> {
  try {
    for await (const _ of drive(source, sink, false, check, model)) {
      // nothing to drain: the sinks consume as they go
    }
  } catch (e) {
    if (e instanceof TraceError) return e;
    throw e;
  }
  return null;
}

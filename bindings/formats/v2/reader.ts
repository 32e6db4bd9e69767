// The one read loop of the Go1.22+ reader: wire bytes → batches, fed to a V2Core (core.ts:
// batches → generations → ordering → events).
//
// Owns: V2Loop, the ONE loop over wire bytes (the header, then batches framed as soon as their
// bytes are there: batch.ts), driven synchronously over a whole buffer (runV2 here) or
// asynchronously over chunks (stream.ts); and runV2Raw, which feeds the same core batches
// framed by a text trace's lines.
// Layout: the loop holds the unread tail of the input (at most one batch) and the framer's
// position in it; the core is made once the header names the trace's version table.
// Invariants: batches are handed to the core in input order, each exactly once; a framing
// error at the tail is handed to the core (V2Core.end), which reports it after the open
// generation, as Go does; every error is a TraceError, thrown inside and returned at the API
// boundary (runV2, runV2Raw).
// Who may touch: the Go1.22+ format owner (bindings/formats/v2/); other modules import index.ts.

import { TraceError } from '../event.ts';
import { bytesOrError, inputError } from '../input.ts';
import type { TraceModelSink } from '../trace/event.ts';
import { BatchFramer, READ_EOF, READ_MORE, READ_OK } from './batch.ts';
import { V2Core } from './core.ts';
import type { V2Sink } from './sinks.ts';
import { EvEventBatch, EvExperimentalBatch, HeaderSize, NoThreadWire, parseHeader, tableFor, type VersionTable } from './spec.ts';
import { encodeRawEvent, rawEventSize, type RawTrace } from './raw.ts';

/** V2Loop.step: more input needed; a generation waits for V2Core.pump (incremental); the end. */
export const LOOP_MORE = 0;
export const LOOP_PENDING = 1;
export const LOOP_DONE = 2;

const NO_BYTES = new Uint8Array(0);

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

/**
 * Wire bytes in (whole or in chunks), batches out into a V2Core made once the header is read.
 * feed() adds input, end() says there is no more, step() frames and adds as many batches as
 * the bytes allow. Memory: the unread tail (at most one batch) plus what the core holds.
 */
export class V2Loop {
  core: V2Core | null = null;
  private framer: BatchFramer | null = null;
  private buf: Uint8Array = NO_BYTES;
  /** Input offset of buf[0]. */
  private base = 0;
  private final = false;
  private done = false;

  /** `make` builds the core for the trace's version table (called once, after the header). */
  constructor(private readonly make: (t: VersionTable) => V2Core) {}

  /** Add a chunk; `whole`: it is the caller's whole input (kept without a copy when possible). */
  feed(chunk: Uint8Array, whole = false): void {
    const f = this.framer;
    const pos = f !== null ? f.pos : 0;
    this.buf = appendChunk(this.buf, pos, chunk, whole);
    this.base += pos;
    if (f !== null) f.pos = 0;
  }

  /** No more input will come. */
  end(): void {
    this.final = true;
  }

  /** Frame and add batches as far as the input goes. Throws TraceError. */
  step(): number {
    let core = this.core;
    if (core !== null && core.pending) return LOOP_PENDING;
    if (this.done) return LOOP_DONE;
    const buf = this.buf;
    const final = this.final;
    if (core === null) {
      const v = parseHeader(buf, buf.length);
      if (v === 0 && !final) return LOOP_MORE;
      if (v <= 0) throw new TraceError('bad file format: not a Go execution trace?', 0);
      const t = tableFor(v);
      if (!t) throw new TraceError(`unknown or unsupported trace version go 1.${v}`, 0);
      core = this.core = this.make(t);
      this.framer = new BatchFramer(t);
      this.framer.pos = HeaderSize;
    }
    const framer = this.framer!;
    for (;;) {
      const r = framer.read(buf, buf.length, this.base, final);
      if (r === READ_OK) {
        core.addBatch(framer.batch!);
        if (core.pending) return LOOP_PENDING;
        continue;
      }
      if (r === READ_MORE) return LOOP_MORE;
      if (r === READ_EOF) {
        if (!final) return LOOP_MORE;
        core.end(null);
      } else {
        core.end(r as TraceError);
      }
      this.done = true;
      return core.pending ? LOOP_PENDING : LOOP_DONE;
    }
  }

  /** Run to the end of what was fed (after end(): of the input), ordering pending generations whole. */
  drain(): number {
    for (;;) {
      const r = this.step();
      if (r !== LOOP_PENDING) return r;
      this.core!.pump(1 << 30);
    }
  }
}

/** Result of a synchronous run. */
export interface V2RunResult {
  /** Trace version (0 when the header could not be read). */
  version: number;
  error: TraceError | null;
}

/**
 * Synchronous core on a whole buffer: frame, assemble, order; events go to `sink`.
 * `check` adds the validation layer, `model` a model sink (see V2Core).
 */
export function runV2(bytes: Uint8Array, sink: V2Sink, check = false, model: TraceModelSink | null = null): V2RunResult {
  const b = bytesOrError(bytes);
  if (b instanceof TraceError) return { version: 0, error: b };
  const loop = new V2Loop((t) => new V2Core(t, sink, check, model));
  loop.feed(b, true);
  loop.end();
  try {
    loop.drain();
  } catch (e) {
    if (e instanceof TraceError) return { version: loop.core?.table.version ?? 0, error: e };
    throw e;
  }
  return { version: loop.core!.table.version, error: null };
}

/**
 * Synchronous core on a text trace: batches are framed by the text's EventBatch lines
 * (the size argument is not trusted), then assembled and ordered like wire batches.
 * Offsets are those of the canonical wire encoding of the same text.
 */
export function runV2Raw(trace: RawTrace, sink: V2Sink, check = false, model: TraceModelSink | null = null): V2RunResult {
  const t = typeof trace === 'object' && trace !== null && Array.isArray(trace.events) ? tableFor(trace.version) : undefined;
  if (t === undefined) return { version: 0, error: inputError('a RawTrace {version, events} from parseTextTrace or decodeRaw', trace) };
  const core = new V2Core(t, sink, check, model);
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

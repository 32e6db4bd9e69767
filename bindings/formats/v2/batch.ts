// Batch framing of the Go1.22+ wire format.
//
// Layout of one batch:
//   EventBatch(1)        gen m time size, then `size` bytes of events
//   ExperimentalBatch(49) exp(raw byte) gen m time size, then `size` bytes  (Go1.23+)
// Batch kinds are decided by the payload's first byte: Strings, Stacks, CPUSamples,
// the sync batch (Frequency before Go1.25, Sync from Go1.25), otherwise a per-M batch
// of timed events.
//
// Invariants: readBatch never reads past `end`, never allocates (the payload is a view
// of the input), and rejects a size above MaxBatchSize before waiting for the bytes, so
// a streaming caller never buffers more than one maximal batch beyond a generation.
// It reports "need more bytes" only when `final` is false.
// Owner: the Go1.22+ format (bindings/formats/v2/); other modules import index.ts only.

import { decodeUvarint, encodeUvarint, uvarintSize, type UvarintResult } from '../uvarint.ts';
import { TraceError } from '../event.ts';
import {
  EvCPUSamples,
  EvEventBatch,
  EvExperimentalBatch,
  EvFrequency,
  EvStacks,
  EvStrings,
  EvSync,
  GO125,
  MaxBatchSize,
  NoThreadWire,
  type VersionTable,
} from './spec.ts';

/** A batch, unparsed except for its header. */
export interface Batch {
  gen: number;
  /** M id; -1 for the runtime's "no M" (2^64-1). */
  m: number;
  /** Base timestamp (ticks). */
  time: number;
  /** Experiment id, 0 for ordinary batches. */
  exp: number;
  /** Payload (a view into the input). */
  data: Uint8Array;
  /** Byte offset of data[0] in the input. */
  offset: number;
  /** Index of the batch in the input (0-based). */
  index: number;
}

export const BATCH_EVENTS = 0;
export const BATCH_STRINGS = 1;
export const BATCH_STACKS = 2;
export const BATCH_CPU = 3;
export const BATCH_SYNC = 4;
export const BATCH_EXPERIMENTAL = 5;

/** Kind of a batch, by its first payload byte and the trace version. */
export function batchKind(b: Batch, version: number): number {
  if (b.exp !== 0) return BATCH_EXPERIMENTAL;
  if (b.data.length === 0) return BATCH_EVENTS;
  const t = b.data[0];
  if (t === EvStrings) return BATCH_STRINGS;
  if (t === EvStacks) return BATCH_STACKS;
  if (t === EvCPUSamples) return BATCH_CPU;
  if (version >= GO125 ? t === EvSync : t === EvFrequency) return BATCH_SYNC;
  return BATCH_EVENTS;
}

/** Outcome of readBatch besides a TraceError. */
export const READ_OK = 1;
export const READ_EOF = 2;
export const READ_MORE = 3;

const headerFieldNames = ['gen', 'M ID', 'timestamp', 'size'];

/** Reusable state of the framer. */
export class BatchFramer {
  /** Position after the last batch read. */
  pos = 0;
  /** Number of batches read so far. */
  count = 0;
  /** The batch just read (valid after READ_OK). */
  batch: Batch | null = null;
  private readonly u: UvarintResult = { value: 0, len: 0 };

  constructor(private readonly table: VersionTable) {}

  /**
   * Read the batch at buf[this.pos]; `base` is the input offset of buf[0].
   * Returns READ_OK, READ_EOF (no byte left), READ_MORE (incomplete, not final) or an error.
   */
  read(buf: Uint8Array, end: number, base: number, final: boolean): number | TraceError {
    let pos = this.pos;
    if (pos >= end) return READ_EOF;
    const start = pos;
    const typ = buf[pos++];
    if (typ !== EvEventBatch && !(typ === EvExperimentalBatch && this.table.specs[EvExperimentalBatch])) {
      return new TraceError(`expected batch event, got event ${typ}`, base + start, 0, this.count);
    }
    let exp = 0;
    if (typ === EvExperimentalBatch) {
      // Input ending right after the type byte is Go's bare io.EOF: the clean end of the trace.
      if (pos >= end) return final ? READ_EOF : READ_MORE;
      exp = buf[pos++];
    }
    const u = this.u;
    const fields = [0, 0, 0, 0];
    for (let i = 0; i < 4; i++) {
      decodeUvarint(buf, pos, end, u);
      if (u.len === 0) {
        // Go wraps io.EOF (no byte left) or io.ErrUnexpectedEOF (inside the varint).
        const why = pos >= end ? 'EOF' : 'unexpected EOF';
        return this.short(final, `error reading batch ${headerFieldNames[i]}: ${why}`, base + pos);
      }
      if (u.len < 0) {
        return new TraceError(`error reading batch ${headerFieldNames[i]}: varint overflows a 64-bit integer`, base + pos, 0, this.count);
      }
      fields[i] = u.value;
      pos += u.len;
    }
    const size = fields[3];
    if (size > MaxBatchSize) {
      return new TraceError(`invalid batch size ${size}, maximum is ${MaxBatchSize}`, base + start, fields[0], this.count);
    }
    if (end - pos < size) {
      if (!final) return READ_MORE;
      return new TraceError(
        `failed to read full batch: read ${end - pos} but wanted ${size}`,
        base + start,
        fields[0],
        this.count,
      );
    }
    this.batch = {
      gen: fields[0],
      m: fields[1] === NoThreadWire ? -1 : fields[1],
      time: fields[2],
      exp,
      data: buf.subarray(pos, pos + size),
      offset: base + pos,
      index: this.count,
    };
    this.pos = pos + size;
    this.count++;
    return READ_OK;
  }

  private short(final: boolean, msg: string, at: number): number | TraceError {
    return final ? new TraceError(msg, at, 0, this.count) : READ_MORE;
  }
}

/** Encoded size of an EventBatch header. */
export function batchHeaderSize(gen: number, m: number | bigint, time: number | bigint, size: number): number {
  return 1 + uvarintSize(gen) + uvarintSize(m) + uvarintSize(time) + uvarintSize(size);
}

/**
 * Write an EventBatch header at buf[pos] (the writer's side of readBatch); returns the
 * position after it. `size` is the payload length that must follow; m = NoThread for
 * structural batches.
 */
export function writeBatchHeader(
  buf: Uint8Array,
  pos: number,
  gen: number,
  m: number | bigint,
  time: number | bigint,
  size: number,
): number {
  if (size > MaxBatchSize) throw new RangeError(`batch size ${size} exceeds ${MaxBatchSize}`);
  buf[pos++] = EvEventBatch;
  pos = encodeUvarint(buf, pos, gen);
  pos = encodeUvarint(buf, pos, m);
  pos = encodeUvarint(buf, pos, time);
  return encodeUvarint(buf, pos, size);
}

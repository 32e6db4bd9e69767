// Raw (uninterpreted) events of the Go1.22+ wire format, and their flat wire codec.
//
// Layout: header, then events back to back: type byte, uvarint args (spec order),
// for Stack nframes*4 more uvarints, for data events a uvarint length + bytes.
// Batch framing (EventBatch.size) is *not* interpreted here: the flat reader sees a
// batch header as just another event, as Go's raw reader does, so that traces with a
// wrong size still convert to text and back unchanged.
//
// Invariants: args are bigint so every 64-bit value (e.g. m=2^64-1) survives a round
// trip exactly; a RawEvent's args include the stack frames. decodeRaw never throws on
// input bytes: it returns a TraceError, and bounds every count by the bytes left.
// This is the cold path (text conversion, tests); the binary reader does not use it.
// Owner: the Go1.22+ format (bindings/formats/v2/); other modules import index.ts only.

import { decodeUvarint, decodeUvarintBig, encodeUvarint, uvarintSize, type UvarintResult } from '../uvarint.ts';
import { TraceError } from '../event.ts';
import { bytesOrError } from '../input.ts';
import { EvStack, headerFor, HeaderSize, parseHeader, tableFor, type V2Version } from './spec.ts';

export interface RawEvent {
  /** Wire type id. */
  type: number;
  /** Arguments in wire order (Stack: id, nframes, then pc/func/file/line per frame). */
  args: bigint[];
  /** Data trailer for hasData events, else null. */
  data: Uint8Array | null;
}

export interface RawTrace {
  version: V2Version;
  events: RawEvent[];
}

/** Encoded size of one raw event. */
export function rawEventSize(ev: RawEvent): number {
  let n = 1;
  for (const a of ev.args) n += uvarintSize(a);
  if (ev.data) n += uvarintSize(ev.data.length) + ev.data.length;
  return n;
}

/** Encode one raw event at buf[pos]; returns the position after it. */
export function encodeRawEvent(buf: Uint8Array, pos: number, ev: RawEvent): number {
  buf[pos++] = ev.type;
  for (const a of ev.args) pos = encodeUvarint(buf, pos, a);
  if (ev.data) {
    pos = encodeUvarint(buf, pos, ev.data.length);
    buf.set(ev.data, pos);
    pos += ev.data.length;
  }
  return pos;
}

/**
 * Write one event from its spec-ordered args (dt first for timed events; Stack frames
 * after id and nframes) and optional data trailer; returns the position after it.
 * The number-based twin of encodeRawEvent for writers on a hot path.
 */
export function writeEvent(
  buf: Uint8Array,
  pos: number,
  type: number,
  args: ArrayLike<number | bigint>,
  data?: Uint8Array,
): number {
  buf[pos++] = type;
  for (let i = 0; i < args.length; i++) pos = encodeUvarint(buf, pos, args[i]);
  if (data) {
    pos = encodeUvarint(buf, pos, data.length);
    buf.set(data, pos);
    pos += data.length;
  }
  return pos;
}

/** Raw events → wire bytes (header included). */
export function encodeRaw(trace: RawTrace): Uint8Array {
  let size = HeaderSize;
  for (const ev of trace.events) size += rawEventSize(ev);
  const out = new Uint8Array(size);
  out.set(headerFor(trace.version), 0);
  let pos = HeaderSize;
  for (const ev of trace.events) pos = encodeRawEvent(out, pos, ev);
  return out;
}

const small: UvarintResult = { value: 0, len: 0 };

/** One uvarint as a bigint: [value, len], len as in decodeUvarint. Exact for all 64 bits. */
function uvarintBig(buf: Uint8Array, pos: number, end: number): [bigint, number] {
  // Up to 7 bytes (49 bits) the number decoder is exact and much cheaper.
  decodeUvarint(buf, pos, end, small);
  if (small.len > 0 && small.len <= 7) return [BigInt(small.value), small.len];
  return decodeUvarintBig(buf, pos, end);
}

/** Wire bytes → raw events, or the first error with its byte offset. */
export function decodeRaw(buf: Uint8Array): RawTrace | TraceError {
  const b = bytesOrError(buf);
  if (b instanceof TraceError) return b;
  buf = b;
  const v = parseHeader(buf, buf.length);
  if (v <= 0) return new TraceError('bad file format: not a Go execution trace?', 0);
  const table = tableFor(v);
  if (!table) return new TraceError(`unknown or unsupported trace version go 1.${v}`, 0);
  const events: RawEvent[] = [];
  let pos = HeaderSize;
  const end = buf.length;
  while (pos < end) {
    const at = pos;
    const type = buf[pos++];
    const spec = table.specs[type];
    if (!spec || type === 0) return new TraceError(`invalid event type: ${type}`, at);
    const args: bigint[] = [];
    for (let i = 0; i < spec.args.length; i++) {
      const [val, len] = uvarintBig(buf, pos, end);
      if (len <= 0) return new TraceError(len === 0 ? 'unexpected EOF' : 'varint overflows a 64-bit integer', pos);
      args.push(val);
      pos += len;
    }
    if (type === EvStack) {
      // Each frame takes at least 4 bytes: no count larger than the bytes left is credible.
      const nframes = args[1];
      if (nframes * 4n > BigInt(end - pos)) return new TraceError('unexpected EOF', pos);
      const n = Number(nframes) * 4;
      for (let i = 0; i < n; i++) {
        const [val, len] = uvarintBig(buf, pos, end);
        if (len <= 0) return new TraceError(len === 0 ? 'unexpected EOF' : 'varint overflows a 64-bit integer', pos);
        args.push(val);
        pos += len;
      }
    }
    let data: Uint8Array | null = null;
    if (spec.hasData) {
      const [dlen, len] = uvarintBig(buf, pos, end);
      if (len <= 0) return new TraceError(len === 0 ? 'unexpected EOF' : 'varint overflows a 64-bit integer', pos);
      pos += len;
      if (dlen > BigInt(end - pos)) return new TraceError('unexpected EOF', pos);
      data = buf.slice(pos, pos + Number(dlen));
      pos += Number(dlen);
    }
    events.push({ type, args, data });
  }
  return { version: table.version, events };
}

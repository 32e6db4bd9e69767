// The entries of a v1 trace that are not events, for the wire pass (wire.ts): string table
// entries (EvString), stack table entries (EvStack), and the message a UserLog event carries
// inline after its arguments.
//
// Owns: readStringEntry, stackEntry, readLogMessage, with Go 1.19's parser's checks and
// messages. Invariants: a framing error is thrown (it ends the read), a semantic error is
// returned (the wire pass keeps the first and frames on, as Go does); lengths are checked
// against the bytes left before anything is allocated; stacks are stored as
// [pc, func, file, line] per frame whatever the layout. Who may touch: the v1 format owner.

import type { UvarintResult } from '../uvarint.ts';
import { TraceError } from '../event.ts';
import { MAX_STACK_FRAMES, MAX_STRING_LEN, STACK_FRAME_FIELDS } from './spec.ts';
import { readVal } from './readval.ts';

const utf8 = new TextDecoder('utf-8');

/** A UserLog message, as readLogMessage found it. */
export interface LogText {
  text: string;
}

/** Read an EvString entry after its type byte (at pos) into `strings`; returns the next position. */
export function readStringEntry(buf: Uint8Array, pos: number, end: number, off0: number, vr: UvarintResult, strings: Map<number, string>): number {
  readVal(buf, pos, end, vr);
  if (vr.len <= 0) throw readFail(vr, pos);
  pos += vr.len;
  const id = vr.value;
  if (id === 0) throw new TraceError(`string at offset ${pos} has invalid id 0`, off0);
  if (strings.has(id)) throw new TraceError(`string at offset ${pos} has duplicate id ${id}`, off0);
  readVal(buf, pos, end, vr);
  if (vr.len <= 0) throw readFail(vr, pos);
  pos += vr.len;
  const ln = vr.value;
  if (ln === 0) throw new TraceError(`string at offset ${pos} has invalid length 0`, off0);
  if (ln > MAX_STRING_LEN) throw new TraceError(`string at offset ${pos} has too large length ${ln}`, off0);
  if (pos + ln > end) {
    throw new TraceError(`failed to read trace at offset ${pos}: read ${end - pos}, want ${ln}`, off0);
  }
  strings.set(id, utf8.decode(buf.subarray(pos, pos + ln)));
  return pos + ln;
}

/**
 * An EvStack entry whose `na` arguments are in scratch ([id, frames, frame fields...]): into
 * `stacks` (go 1.5's PCs stored in the later layout with no func, file or line). Returns the
 * entry's error, or null.
 */
export function stackEntry(scratch: Float64Array, na: number, frameFields: number, off0: number, stacks: Map<number, Float64Array>): TraceError | null {
  if (na < 2) {
    return new TraceError(`EvStack has wrong number of arguments at offset 0x${off0.toString(16)}: want at least 2, got ${na}`, off0);
  }
  const size = scratch[1];
  if (size > MAX_STACK_FRAMES) {
    return new TraceError(`EvStack has bad number of frames at offset 0x${off0.toString(16)}: ${size}`, off0);
  }
  const w = 2 + frameFields * size;
  if (na !== w) {
    return new TraceError(`EvStack has wrong number of arguments at offset 0x${off0.toString(16)}: want ${w}, got ${na}`, off0);
  }
  if (scratch[0] !== 0 && size > 0) {
    if (frameFields === STACK_FRAME_FIELDS) stacks.set(scratch[0], scratch.slice(2, na));
    else {
      const f = new Float64Array(STACK_FRAME_FIELDS * size);
      for (let k = 0; k < size; k++) f[STACK_FRAME_FIELDS * k] = scratch[2 + k];
      stacks.set(scratch[0], f);
    }
  }
  return null;
}

/**
 * The message of a UserLog, after its arguments (at pos), into out.text; returns the next
 * position. Go's parser never looks at the error of reading this message: a message it cannot
 * read is empty, and reading goes on after its length (a bad length: after ten bytes; one too
 * large: at its first byte) or stops at the end of the input (a truncated one).
 */
export function readLogMessage(buf: Uint8Array, pos: number, end: number, vr: UvarintResult, out: LogText): number {
  out.text = '';
  readVal(buf, pos, end, vr);
  if (vr.len === 0) return end;
  if (vr.len < 0) return pos + 10;
  pos += vr.len;
  const sz = vr.value;
  if (sz > MAX_STRING_LEN) return pos;
  if (pos + sz > end) return end;
  if (sz > 0) out.text = utf8.decode(buf.subarray(pos, pos + sz));
  return pos + sz;
}

function readFail(vr: UvarintResult, pos: number): TraceError {
  return vr.len === 0
    ? new TraceError(`failed to read trace at offset ${pos}: unexpected end of data`, pos)
    : new TraceError(`bad value at offset 0x${pos.toString(16)}`, pos);
}

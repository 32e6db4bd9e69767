// Wire layer of the v1 (go 1.5 – 1.21) trace reader: bytes -> columns of raw events.
//
// Owns: readV1Wire, the one pass over the bytes. Layout handled: the 16-byte header
// (header.ts), then events `type|nargs<<6, uvarint args...` (see spec.ts), grouped in batches
// (EvBatch [p, ticks]) whose timed events carry tick deltas; EvString and EvStack entries (the
// string and stack tables, the latter written at the end by the runtime: entries.ts); one
// EvFrequency. This pass also does what Go's parseEvents does per event: it checks argument
// counts, turns deltas into absolute ticks, tracks the P of the current batch and the G last
// started on it, attributes each event to a goroutine (attribution.ts) and assigns it to its
// batch group (its P, or PROFILE_P for CPU samples). What it fills is V1Wire (columns.ts).
//
// Invariants:
//  - never throws anything but TraceError; every loop is bounded by the input length (each
//    uvarint consumes >= 1 byte); every allocation is bounded by the input length (string and
//    argument lengths are checked against the bytes left before use); each column slot is
//    written once (about 38 bytes per event on real traces);
//  - error precedence is Go's: a framing error anywhere beats an argument/semantic error,
//    which is kept (first one) while framing continues to the end;
//  - go 1.5 traces (spec V1Layout): each timed event also gets its global sequence number (the
//    `seq` column), stack frames are stored as [pc, 0, 0, 0] like the later layout's.
// Who may touch: the v1 format owner.

import type { UvarintResult } from '../uvarint.ts';
import { TraceError } from '../event.ts';
import { requireBytes } from '../input.ts';
import * as spec from './spec.ts';
import { IdSlots, growF64 } from './slots.ts';
import * as attribution from './attribution.ts';
import * as readval from './readval.ts';
import { argSlots, Columns, type V1Wire } from './columns.ts';
import { readV1Header } from './header.ts';
import * as entries from './entries.ts';
import type { LogText } from './entries.ts';

/** Arguments of one length-prefixed event kept in scratch: a full EvStack's (2 + 4 per frame). */
const MAX_KEPT_ARGS = 2 + spec.STACK_FRAME_FIELDS * spec.MAX_STACK_FRAMES + 2;

// Local bindings: imported bindings compile to getters under some loaders (tsx, vitest),
// which would sit in the per-event loop.
const {
  EvBatch,
  EvCount,
  EvFrequency,
  EvFutileWakeup,
  EvStack,
  EvString,
  EvTimerGoroutine,
  EvUserLog,
  PROFILE_P,
  V1_EVENTS,
  V1_HEADER_LEN,
  wireArgCount,
  eventNamesFor,
  stwKindsFor,
  v1Layout,
} = spec;
const { A_STARTS_G, A_STW, A_GLOBAL, A_STOPS_G, A_G_IN_ARG, A_OTHER, A_CPU_SAMPLE, ATTRIBUTION, LAST_G_SLOT } = attribution;
const { readVal, signedAt, skipVarints } = readval;
const { readLogMessage, readStringEntry, stackEntry } = entries;

const TWO63 = 2 ** 63;

/**
 * Decode the whole input. Throws TraceError (framing errors first, then the first argument or
 * per-event error, then "trace is empty" / "no EvFrequency event").
 */
export function readV1Wire(buf: Uint8Array): V1Wire {
  buf = requireBytes(buf); // TraceError for non-bytes (one-byte views re-viewed as Uint8Array)
  const ver = readV1Header(buf);
  const end = buf.length;
  const layout = v1Layout(ver);
  // go 1.5: a sequence-number delta precedes each timed event's tick delta.
  const old = layout.seq;
  const argBase = layout.argBase;
  const frameFields = layout.frameFields;
  const stwKinds = stwKindsFor(ver);
  const names = eventNamesFor(ver);
  const vr: UvarintResult = { value: 0, len: 0 };
  const log: LogText = { text: '' };

  // Expected wire argument count per type for this version (EvStack: checked separately).
  const want = new Int32Array(EvCount);
  const hasStack = new Uint8Array(EvCount);
  const known = new Uint8Array(64); // any 6-bit type
  // Argument slots per type (see V1Wire.args).
  const reserve = argSlots(ver);

  for (let t = 1; t < EvCount; t++) {
    want[t] = wireArgCount(V1_EVENTS[t], ver);
    hasStack[t] = V1_EVENTS[t].stack ? 1 : 0;
    known[t] = V1_EVENTS[t].since <= ver ? 1 : 0;
  }

  // Real traces take ~3-5 bytes per event: usually one allocation, at most a few doublings.
  // (The columns are written once per event, so the unused tail is never touched.) Capped so
  // that no single array starts above 1 GiB (browsers limit ArrayBuffer sizes).
  const cols = new Columns(Math.max(1024, Math.min(Math.floor(end / 3), 1 << 27)), end > 0xffffffff, old);
  let cap = cols.cap;
  let cType = cols.type;
  let cTs = cols.ts;
  let cGs = cols.gs;
  let cStk = cols.stk;
  let A = cols.args;
  let cArgAt = cols.argAt;
  let ap = 0; // next free argument slot
  let cOff = cols.off;
  let cGroup = cols.group;
  let cSeq = cols.seq;
  let lastSeq = 0;
  let n = 0;
  let scratch = new Float64Array(64);

  const strings = new Map<number, string>();
  const stacks = new Map<number, Float64Array>();
  const timerGoids = new Set<number>();
  const inline = new Map<number, string>();
  const groupSlots = new IdSlots();
  const groupP: number[] = [];
  let lastKey = NaN;
  let lastGroup = -1;
  // The G last started on each P (by P slot), as Go's parser keeps it across batches.
  const pSlots = new IdSlots();
  let lastGs: Float64Array = new Float64Array(16);
  const gSlots = new IdSlots();
  let cacheG = NaN;
  let cacheS = -1;
  let ticksPerSec = 0;
  let lastP = 0;
  let lastPs = pSlots.get(0);
  let lastG = 0;
  let lastTs = 0;
  let hasFutile = false;
  let semantic: TraceError | null = null;

  let pos = V1_HEADER_LEN;
  while (pos < end) {
    const off0 = pos;
    const b = buf[pos++];
    const typ = b & 0x3f;
    const nargCode = b >> 6;
    if (known[typ] === 0) {
      throw new TraceError(`unknown event type ${typ} at offset 0x${off0.toString(16)}`, off0);
    }

    if (typ === EvString) {
      pos = readStringEntry(buf, pos, end, off0, vr, strings);
      continue;
    }

    // Arguments into scratch; one- and two-byte uvarints (nearly all of them) decoded inline.
    let na = 0;
    let argPos = pos;
    if (nargCode < 3) {
      const cnt = nargCode + argBase;
      for (; na < cnt; na++) {
        if (pos + 1 < end) {
          const c = buf[pos];
          if (c < 0x80) {
            scratch[na] = c;
            pos++;
            continue;
          }
          const d = buf[pos + 1];
          if (d < 0x80) {
            scratch[na] = (c & 0x7f) + d * 128;
            pos += 2;
            continue;
          }
        }
        readVal(buf, pos, end, vr);
        if (vr.len <= 0) throw argFail(vr, typ, pos, off0);
        scratch[na] = vr.value;
        pos += vr.len;
      }
    } else {
      readVal(buf, pos, end, vr);
      if (vr.len <= 0) throw argFail(vr, typ, pos, off0);
      pos += vr.len;
      const evLen = vr.value;
      const off1 = pos;
      argPos = pos;
      while (evLen > pos - off1) {
        if (na === scratch.length) {
          if (na >= MAX_KEPT_ARGS) {
            // More arguments than any valid event has (the largest, a full EvStack): count the
            // rest without keeping them, so a hostile length costs no memory.
            while (evLen > pos - off1) {
              readVal(buf, pos, end, vr);
              if (vr.len <= 0) throw argFail(vr, typ, pos, off0);
              pos += vr.len;
              na++;
            }
            break;
          }
          const s = new Float64Array(na * 2);
          s.set(scratch);
          scratch = s;
        }
        if (pos + 1 < end) {
          const c = buf[pos];
          if (c < 0x80) {
            scratch[na++] = c;
            pos++;
            continue;
          }
          const d = buf[pos + 1];
          if (d < 0x80) {
            scratch[na++] = (c & 0x7f) + d * 128;
            pos += 2;
            continue;
          }
        }
        readVal(buf, pos, end, vr);
        if (vr.len <= 0) throw argFail(vr, typ, pos, off0);
        scratch[na++] = vr.value;
        pos += vr.len;
      }
      if (evLen !== pos - off1) {
        throw new TraceError(
          `event has wrong length at offset 0x${off0.toString(16)}: want ${evLen}, got ${pos - off1}`,
          off0,
        );
      }
    }
    // UserLog's message follows its arguments (framing: read even after a semantic error).
    if (typ === EvUserLog) pos = readLogMessage(buf, pos, end, vr, log);
    if (semantic !== null) continue; // framing only from here on

    if (typ === EvStack) {
      semantic = stackEntry(scratch, na, frameFields, off0, stacks);
      continue;
    }
    if (na !== want[typ]) {
      semantic = new TraceError(
        `${names[typ]} has wrong number of arguments at offset 0x${off0.toString(16)}: want ${want[typ]}, got ${na}`,
        off0,
      );
      continue;
    }
    switch (typ) {
      case EvBatch: {
        lastGs[lastPs] = lastG;
        lastP = scratch[0] >= TWO63 ? signedAt(buf, argPos) : scratch[0];
        lastPs = pSlots.get(lastP);
        if (lastPs >= lastGs.length) lastGs = growF64(lastGs, lastPs + 1);
        lastG = lastGs[lastPs];
        if (old) {
          lastSeq = scratch[1];
          lastTs = scratch[2];
        } else {
          lastTs = scratch[1];
        }
        continue;
      }
      case EvFrequency:
        ticksPerSec = scratch[0];
        if (ticksPerSec <= 0 || ticksPerSec >= TWO63) {
          semantic = new TraceError(`time stamps out of order: bad frequency ${ticksPerSec}`, off0);
        }
        continue;
      case EvTimerGoroutine:
        timerGoids.add(scratch[0]);
        continue;
    }

    // A timed event.
    if (n === cap) {
      cols.grow();
      cap = cols.cap;
      cType = cols.type;
      cTs = cols.ts;
      cGs = cols.gs;
      cStk = cols.stk;
      cArgAt = cols.argAt;
      cOff = cols.off;
      cGroup = cols.group;
      cSeq = cols.seq;
    }
    // The first argument after the tick delta (go 1.5: after the seq and tick deltas).
    let first = 1;
    if (old) {
      lastSeq += scratch[0];
      cSeq![n] = lastSeq;
      scratch[0] = scratch[1];
      first = 2;
    }
    const ts = lastTs + scratch[0];
    lastTs = ts;
    // Fresh columns are zero and each slot is written once: unused arguments stay 0.
    if (ap + 8 > A.length) {
      cols.growArgs();
      A = cols.args;
    }
    const a = ap;
    ap += reserve[typ];
    let stk = 0;
    let last = na;
    if (hasStack[typ] === 1) stk = scratch[--last];
    // At most 3 arguments (want[] bounds na).
    if (last > first) {
      A[a] = scratch[first];
      if (last > first + 1) {
        A[a + 1] = scratch[first + 1];
        if (last > first + 2) A[a + 2] = scratch[first + 2];
      }
    }
    let g = lastG;
    let evTs = ts;
    let key = lastP;
    switch (ATTRIBUTION[typ]) {
      case A_STARTS_G:
        lastG = A[a];
        g = lastG;
        break;
      case A_STW:
        g = 0;
        A[a + LAST_G_SLOT[typ]] = lastG;
        if (A[a] >= stwKinds.kinds.length && stwKinds.unknown === null) {
          semantic = new TraceError(`unknown STW kind ${A[a]}`, off0);
          continue;
        }
        break;
      case A_GLOBAL:
        g = 0;
        A[a + LAST_G_SLOT[typ]] = lastG;
        break;
      case A_STOPS_G:
        lastG = 0;
        break;
      case A_G_IN_ARG:
        g = A[a];
        break;
      case A_OTHER:
        if (typ === EvUserLog) inline.set(n, log.text);
        else if (typ === EvFutileWakeup) hasFutile = true;
        break;
      case A_CPU_SAMPLE:
        // [delta, handler ticks, P, G, stack]: ordered by the handler's ticks on their own P.
        evTs = A[a];
        if (A[a + 1] >= TWO63) A[a + 1] = signedAt(buf, skipVarints(buf, argPos, 2));
        g = A[a + 2];
        A[a] = 0;
        key = PROFILE_P;
        break;
    }
    // Consecutive events almost always share their batch and goroutine: skip the lookups then.
    let gi = lastGroup;
    if (key !== lastKey) {
      gi = groupSlots.get(key);
      if (gi === groupP.length) groupP.push(key);
      lastKey = key;
      lastGroup = gi;
    }
    if (g !== cacheG) {
      cacheG = g;
      cacheS = gSlots.get(g);
    }
    if (stk > 0xffffffff && cStk instanceof Uint32Array) cStk = cols.stk = Float64Array.from(cStk);
    cType[n] = typ;
    cTs[n] = evTs;
    cGs[n] = cacheS;
    cStk[n] = stk;
    cOff[n] = off0;
    cArgAt[n] = a;
    cGroup[n] = gi;
    n++;
  }

  if (semantic !== null) throw semantic;
  if (n === 0) throw new TraceError('trace is empty', end);
  if (ticksPerSec === 0) throw new TraceError('no EvFrequency event', end);

  return {
    version: ver,
    ticksPerSec,
    n,
    type: cType,
    ts: cTs,
    gs: cGs,
    gSlots,
    stk: cStk,
    args: A,
    argAt: cArgAt,
    off: cOff,
    group: cGroup,
    groupP,
    inline,
    strings,
    stacks,
    timerGoids,
    hasFutile,
    seq: cSeq,
    names,
    pcStacks: null,
  };
}

function argFail(vr: UvarintResult, typ: number, pos: number, off0: number): TraceError {
  const why = vr.len === 0 ? 'unexpected end of data' : 'bad value';
  return new TraceError(`failed to read event ${typ} argument at offset ${pos} (${why})`, vr.len === 0 ? pos : off0);
}

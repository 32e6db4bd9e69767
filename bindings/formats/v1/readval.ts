// Uvarints as Go 1.19's trace parser reads them (readVal), for the v1 wire pass (wire.ts).
//
// Owns: readVal (the shared decoder, except that a 10th byte ends the value whatever its bits,
// and the value is then taken modulo 2^64), and the exact readings the wire pass needs for
// values past 2^53: readValBig (as a uint64), signedAt (as Go's int(uint64)), skipVarints.
// Invariants: never reads past `end`; allocates only for the rare values >= 2^53 (BigInt).
// Who may touch: the v1 format owner.

import * as uvarint from '../uvarint.ts';
import type { UvarintResult } from '../uvarint.ts';

const { decodeUvarint } = uvarint;

/**
 * A uvarint as Go 1.19's parser reads it (readVal): a 10th byte ends the value whatever its
 * bits (those past 64 are dropped); only ten bytes that all continue are a bad value. So where
 * the shared decoder says "longer than 64 bits", this takes the 10 bytes modulo 2^64.
 */
export function readVal(buf: Uint8Array, pos: number, end: number, vr: UvarintResult): void {
  decodeUvarint(buf, pos, end, vr);
  if (vr.len < 0 && pos + 9 < end && buf[pos + 9] < 0x80) {
    vr.value = Number(readValBig(buf, pos));
    vr.len = 10;
  }
}

/** The value of a well-formed readVal at pos, as a uint64. */
function readValBig(buf: Uint8Array, pos: number): bigint {
  let v = 0n;
  for (let i = 0; i < 10; i++) {
    const b = buf[pos + i];
    v |= BigInt(b & 0x7f) << BigInt(7 * i);
    if (b < 0x80) break;
  }
  return BigInt.asUintN(64, v);
}

/** Value of a uvarint read as Go's int(uint64): values >= 2^63 become negative, exactly. */
export function signedAt(buf: Uint8Array, pos: number): number {
  return Number(BigInt.asIntN(64, readValBig(buf, pos)));
}

/** Position of the k-th uvarint starting at pos (the caller knows they are well-formed). */
export function skipVarints(buf: Uint8Array, pos: number, k: number): number {
  while (k > 0) {
    while (buf[pos] & 0x80) pos++;
    pos++;
    k--;
  }
  return pos;
}

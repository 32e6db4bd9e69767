// The v1 trace header: 16 bytes, "go 1.N trace" padded with NULs, as Go's parser reads it.
//
// Owns: readV1Header. Invariants: accepts exactly the versions of V1_VERSIONS (Go's parser
// refuses the ones no release wrote); never throws anything but TraceError; reads at most the
// 16 header bytes. Who may touch: the v1 format owner.

import { TraceError } from '../event.ts';
import { requireBytes } from '../input.ts';
import { V1_HEADER_LEN, V1_VERSIONS } from './spec.ts';

/** Parse the header; returns the version as 1000*major+minor or throws TraceError. */
export function readV1Header(buf: Uint8Array): number {
  buf = requireBytes(buf);
  if (buf.length < V1_HEADER_LEN) {
    throw new TraceError(`failed to read header: read ${buf.length}, want ${V1_HEADER_LEN}`, 0);
  }
  if (
    buf[0] !== 0x67 || // g
    buf[1] !== 0x6f || // o
    buf[2] !== 0x20 ||
    buf[3] < 0x31 ||
    buf[3] > 0x39 ||
    buf[4] !== 0x2e || // .
    buf[5] < 0x31 ||
    buf[5] > 0x39
  ) {
    throw new TraceError('not a trace file', 0);
  }
  let ver = buf[5] - 0x30;
  let i = 0;
  // At most two more minor digits, as the runtime never writes more.
  while (i < 2 && buf[6 + i] >= 0x30 && buf[6 + i] <= 0x39) {
    ver = ver * 10 + (buf[6 + i] - 0x30);
    i++;
  }
  ver += (buf[3] - 0x30) * 1000;
  const tail = ' trace\x00\x00\x00\x00';
  for (let k = 6 + i, t = 0; k < V1_HEADER_LEN; k++, t++) {
    if (buf[k] !== tail.charCodeAt(t)) throw new TraceError('not a trace file', 0);
  }
  if (!(V1_VERSIONS as readonly number[]).includes(ver)) {
    throw new TraceError(`unsupported trace file version ${Math.floor(ver / 1000)}.${ver % 1000} (${ver})`, 0);
  }
  return ver;
}

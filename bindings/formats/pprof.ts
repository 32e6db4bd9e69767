// pprof profiles on the wire: the gzipped protobuf that runtime/pprof writes and `go tool pprof` reads.
//
// Handles: encodeProfile (Profile -> gzip bytes) and decodeProfile (gzip or bare protobuf -> Profile),
// symmetric: decodeProfile(encodeProfile(p)) has the same contents as p.
// Invariants: encoding is a pure function of the Profile (no clock in the gzip header), so the same
// Profile always gives byte-identical output; the gzip header is the one Go's compress/gzip writes
// at BestSpeed (mtime 0, XFL 4, OS 255), which is what runtime/pprof uses.
// Ownership: this file belongs to the pprof work (bindings/runtime/pprof-builder.ts builds the
// Profile); other files only import it. It depends on nothing in the repository.

import { Profile } from 'pprof-format';
import { gunzipSync, gzipSync } from 'fflate';

export { Profile };

/** True when bytes start with the gzip magic (1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Serialize a Profile as runtime/pprof does: protobuf, gzipped at the fastest level. */
export function encodeProfile(p: Profile): Uint8Array {
  const out = gzipSync(p.encode(), { level: 1, mtime: 0 });
  // fflate stamps OS=3 (Unix); Go's gzip.Writer leaves it "unknown". The header is outside the
  // CRC, so patching it keeps the stream valid and makes our bytes look like Go's.
  out[9] = 255;
  return out;
}

/**
 * Parse a profile. Accepts the gzipped form (what Go writes) or a bare protobuf (what
 * `go tool pprof` also accepts). Throws an Error prefixed "pprof:" on bytes that are neither.
 */
export function decodeProfile(bytes: Uint8Array): Profile {
  let raw = bytes;
  if (isGzip(bytes)) {
    try {
      raw = gunzipSync(bytes);
    } catch (e) {
      throw new Error(`pprof: bad gzip stream: ${(e as Error).message}`);
    }
  }
  try {
    return Profile.decode(raw);
  } catch (e) {
    throw new Error(`pprof: bad protobuf: ${(e as Error).message}`);
  }
}

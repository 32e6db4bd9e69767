// Trace format detection from the first bytes of an input.
//
// Recognized: the wire header "go 1.N trace\0..." (16 bytes) of every version in version.ts
// (v1 or v2 reader by its family), and Go's text test format ("Trace Go1.22" ..., optionally
// inside a txtar test file with "-- trace --").
// Everything else is a TraceError at offset 0 with a message that says what was seen.
// Browser-safe: no Node built-ins.

import { TraceError } from './event.ts';
import { HEADER_SIZE, headerVersion, SUPPORTED_HEADERS, SUPPORTED_TEXT, textVersion, type TraceFormat } from './version.ts';
import { requireBytesOrText, requireText } from './input.ts';

/** What detectTrace found. */
export interface DetectedTrace {
  /** 'v1' (go 1.5 – 1.21 wire), 'v2' (Go1.22+ wire) or 'text' (Go's text format, v2). */
  kind: 'v1' | 'v2' | 'text';
  format: TraceFormat;
  /** Go minor version from the header (19 for "go 1.19", 22 for "Trace Go1.22"). */
  minor: number;
}

/** Bytes of the first `n` characters needed to decide (the wire header is 16 bytes). */
export const DETECT_BYTES = 64;

function printable(head: Uint8Array): string {
  let s = '';
  for (let i = 0; i < Math.min(head.length, HEADER_SIZE); i++) {
    const c = head[i];
    s += c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return `"${s}"`;
}

const TEXT_RE = /^Trace Go1\.(\d+)\s/;

function detectText(s: string): DetectedTrace | null {
  let body = s.replace(/^\uFEFF/, '');
  if (body.startsWith('-- ')) {
    // A txtar test file (Go's conformance tests): the trace is the "-- trace --" section.
    const i = body.indexOf('-- trace --\n');
    if (i < 0) return null;
    body = body.slice(i + '-- trace --\n'.length);
  }
  body = body.replace(/^\s+/, '');
  const m = TEXT_RE.exec(body.length > 64 ? body.slice(0, 64) : body + '\n');
  if (!m) return null;
  const minor = Number(m[1]);
  const format = textVersion(minor);
  if (!format) throw new TraceError(`unsupported text trace version Go1.${minor} (supported: ${SUPPORTED_TEXT})`, 0);
  return { kind: 'text', format, minor };
}

/** Decide the format of an input from its first bytes (or from a text trace). Throws TraceError. */
export function detectTrace(input: Uint8Array | string): DetectedTrace {
  input = requireBytesOrText(input);
  if (typeof input === 'string') {
    const t = detectText(input);
    if (t) return t;
    throw new TraceError('not a Go execution trace: a text trace starts with "Trace Go1.NN"', 0);
  }
  const head = input;
  if (head.length === 0) throw new TraceError('not a Go execution trace: empty input', 0);
  // Wire header: "go 1.N trace\0..." padded with NULs to 16 bytes.
  if (head[0] === 0x67 && head[1] === 0x6f && head[2] === 0x20) {
    const s = String.fromCharCode(...head.subarray(0, Math.min(HEADER_SIZE, head.length)));
    const m = /^go 1\.(\d{1,2}) trace\0+$/.exec(s);
    if (!m || head.length < HEADER_SIZE) {
      throw new TraceError(`not a Go execution trace: bad wire header ${printable(head)} (want "go 1.N trace\\x00...")`, 0);
    }
    const minor = Number(m[1]);
    const v = headerVersion(minor);
    if (v) return { kind: v.family, format: v.format, minor };
    throw new TraceError(`unsupported trace version go 1.${minor} (supported: ${SUPPORTED_HEADERS})`, 0);
  }
  // Text: decode only a prefix (enough for a txtar header, then the "Trace Go1.NN" line).
  const prefix = new TextDecoder('utf-8', { fatal: false }).decode(head.subarray(0, 4096));
  if (/^\uFEFF?\s*(-- |Trace Go1\.)/.test(prefix)) {
    let text = prefix;
    if (prefix.replace(/^\uFEFF/, '').startsWith('-- ') && !prefix.includes('-- trace --\n')) {
      text = new TextDecoder().decode(head); // the trace section starts further in
    }
    const t = detectText(text);
    if (t) return t;
  }
  throw new TraceError(
    `not a Go execution trace: unknown header ${printable(head)} (want "go 1.N trace" wire bytes or a "Trace Go1.NN" text trace)`,
    0,
  );
}

/** The trace format of an input (see detectTrace). Throws TraceError for anything else. */
export function detectFormat(input: Uint8Array | string): TraceFormat {
  return detectTrace(input).format;
}

/** The trace text of a text input: strips a txtar test file down to its "-- trace --" section. */
export function traceText(s: string): string {
  const body = requireText(s).replace(/^\uFEFF/, '');
  if (!body.startsWith('-- ')) return body;
  const i = body.indexOf('-- trace --\n');
  if (i < 0) return body;
  const rest = body.slice(i + '-- trace --\n'.length);
  // A following section (if any) ends the trace.
  const j = rest.search(/^-- .* --$/m);
  return j < 0 ? rest : rest.slice(0, j);
}

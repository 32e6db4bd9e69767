// Go's text form of the Go1.22+ wire format (internal/trace/raw TextReader/TextWriter).
//
// Layout: first line "Trace Go1.NN"; then one event per line, "Name arg=value ...",
// args named and ordered as in the spec table. A Stack is followed by nframes lines
// "\tpc=.. func=.. file=.. line=.."; a data event by one line "\tdata=<Go quoted string>".
// Blank lines and text after '#' are ignored on input.
//
// Invariants: writeTextTrace(parseTextTrace(t)) === t for every canonical text (what
// Go's TextWriter emits); parse errors say what Go's TextReader says and carry the
// 1-based line number in the message. Values are bigint so 2^64-1 survives; values below
// 4096 share one BigInt each, and lines are read one at a time, so a 32 MB text (1.4 M events)
// costs ~170 MB of events, not 420 MB.
// Owner: the Go1.22+ format (bindings/formats/v2/); other modules import index.ts only.

import { TraceError } from '../event.ts';
import { inputError } from '../input.ts';
import { quoteBytes, unquoteBytes } from './goquote.ts';
import { frameFields, tableFor, type VersionTable } from './spec.ts';
import type { RawEvent, RawTrace } from './raw.ts';

const MAX_U64 = (1n << 64n) - 1n;

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\v' || c === '\f';
}

/** Next token of s (stops at space or '#'), and the rest; token "" at end or comment. */
function readToken(s: string): [string, string] {
  let i = 0;
  while (i < s.length && isSpace(s[i])) i++;
  if (i >= s.length || s[i] === '#') return ['', ''];
  let j = i;
  while (j < s.length && !isSpace(s[j]) && s[j] !== '#') j++;
  return [s.slice(i, j), s.slice(j)];
}

function restIsBlank(s: string): boolean {
  for (const c of s) if (!isSpace(c)) return false;
  return true;
}

/** The lines of the text, one at a time (no split into an array of every line first). */
class Lines {
  private pos = 0;
  private n = 0;
  constructor(private readonly text: string) {}
  /** Next non-blank, non-comment line, or null at the end. */
  next(): string | null {
    const t = this.text;
    // The segments between newlines, as text.split('\n') has them (a trailing empty one too).
    while (this.pos <= t.length) {
      let end = t.indexOf('\n', this.pos);
      if (end < 0) end = t.length;
      const l = t.slice(this.pos, end);
      this.pos = end + 1;
      this.n++;
      if (readToken(l)[0] !== '') return l;
    }
    return null;
  }
  get lineNo(): number {
    return this.n;
  }
}

/** Shared BigInts for small values: most arguments are small, and a bigint is a heap object. */
const SMALL = Array.from({ length: 4096 }, (_, i) => BigInt(i));

/** A decimal argument as a bigint, or null when it is not one Go's ParseUint accepts. */
function parseU64(val: string): bigint | null {
  const n = val.length;
  if (n === 0) return null;
  if (n <= 15) {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const d = val.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return null;
      v = v * 10 + d;
    }
    return v < SMALL.length ? SMALL[v] : BigInt(v);
  }
  if (!/^[0-9]+$/.test(val)) return null;
  const b = BigInt(val);
  return b > MAX_U64 ? null : b;
}

function fail(msg: string, lines: Lines): TraceError {
  return new TraceError(`line ${lines.lineNo}: ${msg}`, -1);
}

function readArgs(s: string, names: readonly string[], lines: Lines): bigint[] | TraceError {
  // Exactly sized: an array grown by push keeps room for 16 values, per event.
  const out: bigint[] = new Array(names.length);
  for (let k = 0; k < names.length; k++) {
    const name = names[k];
    const [tok, rest] = readToken(s);
    if (tok === '') return fail('no argument', lines);
    const eq = tok.indexOf('=');
    if (eq < 0) return fail(`malformed argument: "${tok}"`, lines);
    const arg = tok.slice(0, eq);
    const val = tok.slice(eq + 1);
    if (arg !== name) return fail(`expected argument "${name}", but got "${arg}"`, lines);
    const v = parseU64(val);
    if (v === null) return fail(`failed to parse argument value "${val}" for arg "${arg}"`, lines);
    out[k] = v;
    s = rest;
  }
  if (!restIsBlank(s)) return fail(`encountered unexpected non-space at the end of an event: "${s}"`, lines);
  return out;
}

/** Parse the text form (starting at its "Trace Go1.NN" line). */
export function parseTextTrace(text: string): RawTrace | TraceError {
  if (typeof text !== 'string') return inputError('a string holding a text trace', text);
  const lines = new Lines(text);
  const first = lines.next();
  if (first === null) return fail('failed to parse header', lines);
  const [trace, r1] = readToken(first);
  if (trace !== 'Trace') return fail('failed to parse header', lines);
  const [gover, r2] = readToken(r1);
  if (!gover.startsWith('Go1.') || !/^[0-9]+$/.test(gover.slice(4))) {
    return fail('failed to parse header Go version', lines);
  }
  const table: VersionTable | undefined = tableFor(Number(gover.slice(4)));
  if (!table) return fail(`unknown or unsupported Go version 1.${gover.slice(4)}`, lines);
  if (!restIsBlank(r2)) return fail(`encountered unexpected non-space at the end of the header: "${r2}"`, lines);

  const events: RawEvent[] = [];
  for (let line = lines.next(); line !== null; line = lines.next()) {
    const [name, rest] = readToken(line);
    const spec = table.byName.get(name);
    if (!spec) return fail(`unidentified event: ${name}`, lines);
    const args = readArgs(rest, spec.args, lines);
    if (args instanceof TraceError) return args;
    if (spec.isStack) {
      // A frame is a line: nframes lines can't exceed the lines left, so no huge loop.
      const n = args[1];
      for (let i = 0n; i < n; i++) {
        const fl = lines.next();
        if (fl === null) return fail(`unexpected EOF while reading stack: args=[${args.join(' ')}]`, lines);
        const frame = readArgs(fl, frameFields, lines);
        if (frame instanceof TraceError) return frame;
        args.push(...frame);
      }
    }
    let data: Uint8Array | null = null;
    if (spec.hasData) {
      const dl = lines.next();
      if (dl === null) return fail(`unexpected EOF while reading data for ${name}: args=[${args.join(' ')}]`, lines);
      const eq = dl.indexOf('=');
      if (eq < 0 || dl.slice(0, eq).trim() !== 'data') return fail(`malformed data: ${JSON.stringify(dl)}`, lines);
      data = unquoteBytes(dl.slice(eq + 1).trim());
      if (data === null) return fail(`failed to parse data: ${JSON.stringify(dl)}`, lines);
    }
    events.push({ type: spec.type, args, data });
  }
  return { version: table.version, events };
}

/** One event in its canonical text form (may span several lines, no trailing newline). */
export function formatRawEvent(table: VersionTable, ev: RawEvent): string {
  const spec = table.specs[ev.type];
  if (!spec) throw new RangeError(`event type ${ev.type} not in the Go1.${table.version} table`);
  let s = spec.name;
  for (let i = 0; i < spec.args.length; i++) s += ` ${spec.args[i]}=${ev.args[i]}`;
  if (spec.isStack) {
    for (let i = spec.args.length, k = 0; i < ev.args.length; i++, k++) {
      s += (k % 4 === 0 ? '\n\t' : ' ') + `${frameFields[k % 4]}=${ev.args[i]}`;
    }
  }
  if (ev.data) s += '\n\tdata=' + quoteBytes(ev.data);
  return s;
}

/** Canonical text form of a raw trace, as Go's TextWriter writes it. */
export function writeTextTrace(trace: RawTrace): string {
  const table = tableFor(trace.version)!;
  let out = `Trace Go1.${trace.version}\n`;
  for (const ev of trace.events) out += formatRawEvent(table, ev) + '\n';
  return out;
}

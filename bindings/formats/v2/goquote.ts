// Go string literals, as strconv.Quote writes them and strconv.Unquote reads them.
//
// Layout: the text trace format stores a String event's data as a double-quoted Go
// literal of raw bytes (not necessarily valid UTF-8). quoteBytes(b) must equal Go's
// strconv.Quote(string(b)) byte for byte so that text → wire → text is identical;
// unquoteBytes accepts every literal Go's Unquote accepts ("..." and `...`) and
// returns the raw bytes, or null on a malformed literal, in time and memory linear in the
// literal (a hostile 32 MB one included). Not on any hot path.
// Owner: the Go1.22+ format (bindings/formats/v2/); other modules import index.ts only.

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space. */
function isPrint(r: number): boolean {
  if (r === 0x20) return true;
  if (r < 0x20 || r === 0x7f) return false;
  if (r < 0x7f) return true;
  return printable.test(String.fromCodePoint(r));
}

/** Decode one UTF-8 sequence at i; returns [rune, size], rune -1 for an invalid byte. */
function decodeRune(b: Uint8Array, i: number): [number, number] {
  const c0 = b[i];
  if (c0 < 0x80) return [c0, 1];
  let need: number;
  let r: number;
  let min: number;
  if (c0 >= 0xc2 && c0 <= 0xdf) {
    need = 1;
    r = c0 & 0x1f;
    min = 0x80;
  } else if (c0 >= 0xe0 && c0 <= 0xef) {
    need = 2;
    r = c0 & 0x0f;
    min = 0x800;
  } else if (c0 >= 0xf0 && c0 <= 0xf4) {
    need = 3;
    r = c0 & 0x07;
    min = 0x10000;
  } else {
    return [-1, 1];
  }
  // Go's decoder also rejects overlong forms and surrogates via the second byte's range;
  // checking the decoded value afterwards rejects the same sequences.
  for (let k = 1; k <= need; k++) {
    if (i + k >= b.length) return [-1, 1];
    const c = b[i + k];
    if ((c & 0xc0) !== 0x80) return [-1, 1];
    r = (r << 6) | (c & 0x3f);
  }
  if (r < min || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) return [-1, 1];
  return [r, need + 1];
}

/** strconv.Quote of a byte string. */
export function quoteBytes(b: Uint8Array): string {
  let out = '"';
  for (let i = 0; i < b.length; ) {
    const [r, size] = decodeRune(b, i);
    if (r < 0) {
      out += '\\x' + hex(b[i], 2);
      i += 1;
      continue;
    }
    i += size;
    if (r === 0x22 || r === 0x5c) {
      out += '\\' + String.fromCharCode(r);
      continue;
    }
    if (isPrint(r)) {
      out += String.fromCodePoint(r);
      continue;
    }
    switch (r) {
      case 0x07:
        out += '\\a';
        continue;
      case 0x08:
        out += '\\b';
        continue;
      case 0x0c:
        out += '\\f';
        continue;
      case 0x0a:
        out += '\\n';
        continue;
      case 0x0d:
        out += '\\r';
        continue;
      case 0x09:
        out += '\\t';
        continue;
      case 0x0b:
        out += '\\v';
        continue;
    }
    if (r < 0x20 || r === 0x7f) out += '\\x' + hex(r, 2);
    else if (r < 0x10000) out += '\\u' + hex(r, 4);
    else out += '\\U' + hex(r, 8);
  }
  return out + '"';
}

const utf8 = new TextEncoder();

function isHex(c: string): boolean {
  return /^[0-9a-fA-F]$/.test(c);
}

/** A growable byte buffer: unquoting is linear in the literal, in time and in memory. */
class ByteOut {
  buf: Uint8Array;
  n = 0;
  constructor(cap: number) {
    this.buf = new Uint8Array(Math.max(16, cap));
  }
  private grow(need: number): void {
    const b = new Uint8Array(Math.max(this.buf.length * 2, this.n + need));
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }
  byte(v: number): void {
    if (this.n === this.buf.length) this.grow(1);
    this.buf[this.n++] = v;
  }
  /** s as UTF-8 (a lone surrogate as U+FFFD, as TextEncoder writes it). */
  str(s: string): void {
    for (;;) {
      const r = utf8.encodeInto(s, this.buf.subarray(this.n));
      this.n += r.written;
      if (r.read === s.length) return;
      s = s.slice(r.read);
      this.grow(Math.min(s.length * 3, Math.max(4, s.length)));
    }
  }
  bytes(): Uint8Array {
    return this.n === this.buf.length ? this.buf : this.buf.slice(0, this.n);
  }
}

const SIMPLE: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 0x5c, '"': 0x22 };

/** strconv.Unquote into bytes; null when the literal is malformed. */
export function unquoteBytes(s: string): Uint8Array | null {
  if (s.length < 2) return null;
  const q = s[0];
  if (q !== s[s.length - 1]) return null;
  const body = s.slice(1, -1);
  if (q === '`') {
    if (body.includes('`')) return null;
    return utf8.encode(body.replace(/\r/g, ''));
  }
  if (q !== '"') return null;
  const out = new ByteOut(body.length);
  for (let i = 0; i < body.length; ) {
    // A run of plain characters at once: a 32 MB literal is one encodeInto, not 32 M pushes.
    let j = i;
    while (j < body.length) {
      const c = body.charCodeAt(j);
      if (c === 0x5c || c === 0x22 || c === 0x0a) break;
      j++;
    }
    if (j > i) out.str(body.slice(i, j));
    if (j >= body.length) break;
    if (body[j] !== '\\') return null; // an unescaped quote or newline
    const e = body[j + 1];
    if (e === undefined) return null;
    i = j + 2;
    const simple = SIMPLE[e];
    if (simple !== undefined) {
      out.byte(simple);
      continue;
    }
    if (e === 'x') {
      const h = body.slice(i, i + 2);
      if (h.length !== 2 || !isHex(h[0]) || !isHex(h[1])) return null;
      out.byte(parseInt(h, 16));
      i += 2;
    } else if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      const h = body.slice(i, i + n);
      if (h.length !== n || ![...h].every(isHex)) return null;
      const cp = parseInt(h, 16);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
      out.str(String.fromCodePoint(cp));
      i += n;
    } else if (e >= '0' && e <= '7') {
      const o = body.slice(i - 1, i + 2);
      if (!/^[0-7]{3}$/.test(o)) return null;
      const v = parseInt(o, 8);
      if (v > 255) return null;
      out.byte(v);
      i += 2;
    } else {
      return null;
    }
  }
  return out.bytes();
}

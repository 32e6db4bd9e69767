// Where the tests, benches and scripts get their inputs. Nothing here is read from outside the
// repository except an installed Go's GOROOT:
//   - test/fixtures/go1.19/{hog,annot,mixed}.*: real Go 1.19 traces and CPU profiles written by
//     this repository's own Go program (test/go/tracegen) with the oracle files Go's own tools
//     printed for them (scripts/fixtures.sh regenerates all of it; README.md there says what each
//     file is);
//   - test/fixtures/go1.25/*.test: Go1.25-format text tests written here (Go's own tests of that
//     format are in golang.org/x/exp, which no installed Go has);
//   - Go's own parser tests in the text format and the fuzz corpus of its trace reader, read at
//     run time from GOROOT (Go 1.23: src/internal/trace/testdata/{tests,fuzz/FuzzReader}; Go 1.22
//     has most of them under src/internal/trace/v2/testdata). They are never copied here.
// No vitest import: scripts and benches use this module too. Tests that need GOROOT get it from
// describeWithGo (test/oracle/go.ts); scripts and benches from requireGoroot().

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const GO119_DIR = join(FIXTURES_DIR, 'go1.19');
export const GO125_DIR = join(FIXTURES_DIR, 'go1.25');

// ---- the real Go 1.19 fixtures -------------------------------------------------------------

export const V1_FIXTURES = ['hog', 'annot', 'mixed'] as const;
export type V1Fixture = (typeof V1_FIXTURES)[number];

/**
 * Path of a fixture file: trace, pprof (CPU profile), counts (`go tool trace -d` counts by
 * type), head (its first 100 lines), cpu (its CPUSample lines), pprof-raw (`go tool pprof -raw`).
 */
export function fixturePath(name: V1Fixture, ext: 'trace' | 'pprof' | 'counts' | 'head' | 'cpu' | 'pprof-raw' = 'trace'): string {
  return join(GO119_DIR, `${name}.${ext}`);
}

/** The bytes of a fixture's trace (a fresh copy each call). */
export function fixtureTrace(name: V1Fixture): Uint8Array {
  return new Uint8Array(readFileSync(fixturePath(name, 'trace')));
}

/** A `.counts` file ("  count Name" per line, as `uniq -c` prints them) as a record. */
export function parseCounts(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const m = /^\s*(\d+)\s+([A-Za-z]+)\s*$/.exec(line);
    if (!m) throw new Error(`not a counts line: ${JSON.stringify(line)}`);
    out[m[2]] = Number(m[1]);
  }
  return out;
}

/** Event counts by type of a fixture as Go 1.19's `go tool trace -d` printed them. */
export function fixtureCounts(name: V1Fixture): Record<string, number> {
  return parseCounts(readFileSync(fixturePath(name, 'counts'), 'utf8'));
}

/** Lines of a fixture's `go tool trace -d` excerpt: the first 100 (head) or the CPU samples (cpu). */
export function fixtureDumpLines(name: V1Fixture, part: 'head' | 'cpu'): string[] {
  return readFileSync(fixturePath(name, part), 'utf8').trimEnd().split('\n');
}

/** A `go tool trace -d` (Go 1.19) event line, split: "TS Name p=P g=G off=OFF k=v...". */
export interface DumpLine {
  ts: number;
  name: string;
  p: number;
  g: number;
  off: number;
  args: Record<string, string>;
}

export function parseDumpLine(line: string): DumpLine {
  const m = /^(\d+) (\w+) p=(-?\d+) g=(\d+) off=(\d+)(.*)$/.exec(line);
  if (!m) throw new Error(`not a go tool trace -d line: ${JSON.stringify(line)}`);
  const args: Record<string, string> = {};
  for (const kv of m[6].trim().split(' ')) {
    const i = kv.indexOf('=');
    if (i > 0) args[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return { ts: Number(m[1]), name: m[2], p: Number(m[3]), g: Number(m[4]), off: Number(m[5]), args };
}

// ---- text tests (txtar: "-- expect --" verdict, "-- trace --" Go's text form) ----------------

export interface TextTest {
  /** File name, e.g. go122-annotations.test. */
  name: string;
  /** Where it was read from. */
  path: string;
  /** The whole file (txtar). */
  file: string;
  /** The trace section. */
  text: string;
  ok: boolean;
  /** The error a FAILURE test expects. */
  re?: RegExp;
}

export function parseTextTest(name: string, path: string, file: string): TextTest {
  const e = file.indexOf('-- expect --\n');
  const t = file.indexOf('-- trace --\n');
  if (e < 0 || t < 0) throw new Error(`${path}: not a trace test file`);
  const exp = file.slice(e + '-- expect --\n'.length, t).trim();
  const text = file.slice(t + '-- trace --\n'.length);
  if (exp === 'SUCCESS') return { name, path, file, text, ok: true };
  const m = /^FAILURE (".*")$/.exec(exp);
  if (!m) throw new Error(`${path}: bad expectation ${exp}`);
  return { name, path, file, text, ok: false, re: new RegExp(JSON.parse(m[1])) };
}

function readTextTests(dir: string): TextTest[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.test'))
    .sort()
    .map((f) => parseTextTest(f, join(dir, f), readFileSync(join(dir, f), 'utf8')));
}

/** Go's parser tests in GOROOT (Go 1.23's location, else Go 1.22's). */
export function goTextTestsDir(goroot: string): string {
  for (const d of ['src/internal/trace/testdata/tests', 'src/internal/trace/v2/testdata/tests']) {
    if (existsSync(join(goroot, d))) return join(goroot, d);
  }
  throw new Error(`${goroot} has no trace parser tests (src/internal/trace/testdata/tests): not Go 1.22+?`);
}

/** Go's own text tests of its trace parser, from GOROOT. */
export function goTextTests(goroot: string): TextTest[] {
  return readTextTests(goTextTestsDir(goroot));
}

/** Our Go1.25-format text tests (test/fixtures/go1.25). */
export function ourTextTests(): TextTest[] {
  return readTextTests(GO125_DIR);
}

/** Every text test: Go's (GOROOT) and ours, by name. */
export function conformanceTests(goroot: string): TextTest[] {
  return [...goTextTests(goroot), ...ourTextTests()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

// ---- Go's fuzz corpus of its trace reader ----------------------------------------------------

/** GOROOT's corpus directory of the Go1.22+ reader's FuzzReader. */
export function goFuzzCorpusDir(goroot: string): string {
  for (const d of ['src/internal/trace/testdata/fuzz/FuzzReader', 'src/internal/trace/v2/testdata/fuzz/FuzzReader']) {
    if (existsSync(join(goroot, d))) return join(goroot, d);
  }
  throw new Error(`${goroot} has no trace reader fuzz corpus (src/internal/trace/testdata/fuzz/FuzzReader): not Go 1.22+?`);
}

export interface CorpusInput {
  /** The corpus file's name (Go names them by hash, or by what they exercise). */
  name: string;
  bytes: Uint8Array;
}

/** Every input of GOROOT's FuzzReader corpus, decoded, by name. */
export function goFuzzCorpus(goroot: string): CorpusInput[] {
  const dir = goFuzzCorpusDir(goroot);
  return readdirSync(dir)
    .sort()
    .map((name) => {
      const values = decodeGoFuzzFile(new Uint8Array(readFileSync(join(dir, name))));
      if (values.length !== 1) throw new Error(`${join(dir, name)}: ${values.length} values, FuzzReader takes one []byte`);
      return { name, bytes: values[0] };
    });
}

const enc = new TextEncoder();

/**
 * A corpus file of Go's fuzzer ("go test fuzz v1", then one value per line such as
 * `[]byte("go 1.22 trace\x00...")`): the []byte and string values, as bytes.
 */
export function decodeGoFuzzFile(file: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= file.length; i++) {
    if (i === file.length || file[i] === 0x0a) {
      if (i > start) lines.push(file.subarray(start, i));
      start = i + 1;
    }
  }
  const header = new TextDecoder().decode(lines[0] ?? new Uint8Array(0));
  if (header !== 'go test fuzz v1') throw new Error(`not a Go fuzz corpus file (first line ${JSON.stringify(header)})`);
  const out: Uint8Array[] = [];
  for (const line of lines.slice(1)) {
    let body: Uint8Array | null = null;
    for (const prefix of ['[]byte(', 'string(']) {
      const p = enc.encode(prefix);
      if (line.length > p.length && p.every((c, k) => line[k] === c) && line[line.length - 1] === 0x29 /* ) */) {
        body = line.subarray(p.length, line.length - 1);
      }
    }
    if (!body) throw new Error(`unsupported value in a fuzz corpus file: ${new TextDecoder().decode(line).slice(0, 40)}`);
    out.push(unquoteGo(body));
  }
  return out;
}

/**
 * The bytes of a Go string literal (the spec's interpreted "..." or raw `...` form), given as
 * the literal's own bytes (UTF-8 source): escapes \a \b \f \n \r \t \v \\ \" \xHH \OOO \uHHHH
 * \UHHHHHHHH; other bytes stand for themselves. Throws on a malformed literal.
 */
export function unquoteGo(lit: Uint8Array | string): Uint8Array {
  const b = typeof lit === 'string' ? enc.encode(lit) : lit;
  const bad = (why: string): never => {
    throw new Error(`malformed Go string literal (${why}): ${new TextDecoder().decode(b).slice(0, 60)}`);
  };
  if (b.length < 2) bad('too short');
  const q = b[0];
  if (b[b.length - 1] !== q) bad('unterminated');
  const out: number[] = [];
  if (q === 0x60 /* ` */) {
    for (let i = 1; i < b.length - 1; i++) {
      if (b[i] === 0x60) bad('backquote inside a raw string');
      if (b[i] !== 0x0d) out.push(b[i]); // carriage returns are discarded from raw strings
    }
    return Uint8Array.from(out);
  }
  if (q !== 0x22 /* " */) bad('not a string literal');
  const hexVal = (c: number): number => {
    if (c >= 0x30 && c <= 0x39) return c - 0x30;
    if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
    if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
    return -1;
  };
  const simple: Record<number, number> = { 0x61: 7, 0x62: 8, 0x66: 12, 0x6e: 10, 0x72: 13, 0x74: 9, 0x76: 11, 0x5c: 0x5c, 0x22: 0x22 };
  const end = b.length - 1;
  for (let i = 1; i < end; ) {
    const c = b[i];
    if (c === 0x22) bad('unescaped quote');
    if (c === 0x0a) bad('newline');
    if (c !== 0x5c) {
      out.push(c);
      i++;
      continue;
    }
    if (i + 1 >= end) bad('escape at the end');
    const e = b[i + 1];
    if (e in simple) {
      out.push(simple[e]);
      i += 2;
    } else if (e === 0x78 /* x */) {
      const h = hexVal(b[i + 2]);
      const l = hexVal(b[i + 3]);
      if (i + 3 >= end || h < 0 || l < 0) bad('\\x needs two hex digits');
      out.push((h << 4) | l);
      i += 4;
    } else if (e >= 0x30 && e <= 0x37) {
      let v = 0;
      for (let k = 1; k <= 3; k++) {
        const d = b[i + k];
        if (i + k >= end || d < 0x30 || d > 0x37) bad('octal escape needs three digits');
        v = v * 8 + (d - 0x30);
      }
      if (v > 255) bad('octal escape above 255');
      out.push(v);
      i += 4;
    } else if (e === 0x75 /* u */ || e === 0x55 /* U */) {
      const n = e === 0x75 ? 4 : 8;
      let v = 0;
      for (let k = 2; k < 2 + n; k++) {
        const d = hexVal(b[i + k]);
        if (i + k >= end || d < 0) bad(`\\${String.fromCharCode(e)} needs ${n} hex digits`);
        v = v * 16 + d;
      }
      if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) bad('invalid code point');
      out.push(...enc.encode(String.fromCodePoint(v)));
      i += 2 + n;
    } else {
      bad(`unknown escape \\${String.fromCharCode(e)}`);
    }
  }
  return Uint8Array.from(out);
}

// ---- GOROOT for scripts and benches (tests use describeWithGo) -----------------------------

/** GOROOT of an installed Go release (GTS_GO_1_XX overrides), or null. */
export function gorootOf(release: '1.19' | '1.22' | '1.23'): string | null {
  const root = process.env[`GTS_GO_${release.replace('.', '_')}`] ?? `/usr/lib/go-${release}`;
  return existsSync(join(root, 'src')) ? root : null;
}

/** GOROOT of Go 1.23, or an error that says how to get it. */
export function requireGoroot(what: string): string {
  const root = gorootOf('1.23');
  if (root) return root;
  const tried = process.env.GTS_GO_1_23 ?? '/usr/lib/go-1.23';
  throw new Error(
    `${what} reads Go's trace tests and fuzz corpus from an installed Go 1.23 (GOROOT/src/internal/trace/testdata): ` +
      `no Go source tree in ${tried} (apt-get install -y golang-1.23-go, or set GTS_GO_1_23=/path/to/goroot)`,
  );
}

// The test-data helper (test/data.ts): its decoder of Go string literals and of Go's fuzz corpus
// files (checked against Go's own strconv.Unquote on GOROOT's FuzzReader corpus), and the
// committed fixtures it hands out (present, and consistent with their oracle files).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  decodeGoFuzzFile,
  fixtureCounts,
  fixtureDumpLines,
  fixtureTrace,
  goFuzzCorpus,
  goFuzzCorpusDir,
  goTextTests,
  ourTextTests,
  parseCounts,
  parseDumpLine,
  unquoteGo,
  V1_FIXTURES,
} from './data.ts';
import { describeWithGo, scratchDirFor } from './oracle/go.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('unquoteGo: Go string literals to bytes', () => {
  it.each([
    ['"plain"', '706c61696e'],
    ['""', ''],
    ['"\\a\\b\\f\\n\\r\\t\\v\\\\\\""', '07080c0a0d090b5c22'],
    ['"\\x00\\x7f\\x80\\xff\\xAb"', '007f80ffab'],
    ['"\\000\\101\\377"', '0041ff'],
    ['"\\u00e9\\U0001F600"', 'c3a9f09f9880'],
    ['"ߕé"', 'df95c3a9'], // UTF-8 in the literal stands for itself
    ['`raw \\n "quoted"`', '726177205c6e202271756f74656422'],
    ['`a\r\nb`', '610a62'], // carriage returns are dropped from raw strings
  ])('%s', (lit, want) => {
    expect(hex(unquoteGo(lit))).toBe(want);
    expect(hex(unquoteGo(enc(lit)))).toBe(want);
  });

  it.each([
    ['"unterminated', /unterminated/],
    ['"a"b"', /unescaped quote/],
    ['"\\q"', /unknown escape \\q/],
    ['"\\x4"', /\\x needs two hex digits/],
    ['"\\12"', /octal escape needs three digits/],
    ['"\\400"', /octal escape above 255/],
    ['"\\ud800"', /invalid code point/],
    ['"\\U00110000"', /invalid code point/],
    ['"a\nb"', /newline/],
    ["'x'", /not a string literal/],
  ])('rejects %s', (lit, re) => {
    expect(() => unquoteGo(lit)).toThrow(re);
  });
});

describe('decodeGoFuzzFile: "go test fuzz v1" corpus files', () => {
  it('decodes each []byte and string value, one per line', () => {
    const file = enc('go test fuzz v1\n[]byte("go 1.22 trace\\x00\\x01")\nstring("a\\tb")\n');
    expect(decodeGoFuzzFile(file).map(hex)).toEqual([hex(enc('go 1.22 trace\x00\x01')), hex(enc('a\tb'))]);
  });

  it('rejects other files and values', () => {
    expect(() => decodeGoFuzzFile(enc('go test fuzz v2\n[]byte("x")\n'))).toThrow(/not a Go fuzz corpus file/);
    expect(() => decodeGoFuzzFile(enc('go test fuzz v1\nint(5)\n'))).toThrow(/unsupported value/);
    expect(() => decodeGoFuzzFile(enc('go test fuzz v1\n[]byte("x\\q")\n'))).toThrow(/unknown escape/);
  });
});

describe('the committed fixtures (test/fixtures)', () => {
  it.each(V1_FIXTURES)('%s: a go 1.19 trace, with its go tool trace -d excerpts and counts', (name) => {
    const trace = fixtureTrace(name);
    expect(new TextDecoder().decode(trace.subarray(0, 16))).toBe('go 1.19 trace\0\0\0');
    const counts = fixtureCounts(name);
    const head = fixtureDumpLines(name, 'head').map(parseDumpLine);
    const cpu = fixtureDumpLines(name, 'cpu').map(parseDumpLine);
    expect(head.length).toBe(100);
    expect(head[0]).toMatchObject({ ts: 0, name: 'GoCreate', args: { g: '1' } });
    expect(cpu.length).toBe(counts.CPUSample);
    for (const l of cpu) expect(l.name).toBe('CPUSample');
    for (const l of [...head, ...cpu]) expect(l.off).toBeLessThan(trace.length);
  });

  it('parseCounts reads `uniq -c` lines and refuses anything else', () => {
    expect(parseCounts('  12 GoStart\n      3 CPUSample\n\n')).toEqual({ GoStart: 12, CPUSample: 3 });
    expect(() => parseCounts('12 GoStart extra\n')).toThrow(/not a counts line/);
  });

  it('our Go1.25 text tests are there', () => {
    expect(ourTextTests().map((t) => t.name)).toEqual(['gotracesim-go125-sync.test']);
    for (const t of ourTextTests()) expect(t.text.startsWith('Trace Go1.25\n')).toBe(true);
  });
});

describeWithGo('1.23', "GOROOT's trace test data", (tc) => {
  it("Go's text tests: every file of the directory, with its verdict", () => {
    const tests = goTextTests(tc.goroot);
    expect(tests.length).toBeGreaterThanOrEqual(19);
    for (const t of tests) {
      expect(t.text.startsWith('Trace Go1.22\n'), t.name).toBe(true);
      if (!t.ok) expect(t.re).toBeInstanceOf(RegExp);
    }
    expect(tests.filter((t) => !t.ok).map((t) => t.name)).toEqual(['go122-create-syscall-with-p.test', 'go122-fail-first-gen-first.test']);
  });

  it("the FuzzReader corpus decodes to the bytes Go's own strconv.Unquote gives", () => {
    const dir = goFuzzCorpusDir(tc.goroot);
    const names = readdirSync(dir).sort();
    // Hashes of inputs the fuzzer found, and the ones Go's authors named after what they break.
    for (const n of ['closing-unknown-region', 'invalid-proc-state', 'large-id', 'malformed-timestamp']) expect(names).toContain(n);
    const corpus = goFuzzCorpus(tc.goroot);
    expect(corpus.map((c) => c.name)).toEqual(names);
    const prog = join(scratchDirFor('unquote'), 'unquote.go');
    writeFileSync(
      prog,
      `package main

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	for _, f := range os.Args[1:] {
		b, err := os.ReadFile(f)
		if err != nil {
			panic(err)
		}
		lines := strings.Split(strings.TrimRight(string(b), "\\n"), "\\n")
		for _, l := range lines[1:] {
			s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(l, "[]byte("), ")"))
			if err != nil {
				panic(err)
			}
			fmt.Println(filepath.Base(f), hex.EncodeToString([]byte(s)))
		}
	}
}
`,
    );
    const r = spawnSync(tc.go, ['run', prog, ...names.map((n) => join(dir, n))], { encoding: 'utf8', env: tc.env });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toEqual(corpus.map((c) => `${c.name} ${hex(c.bytes)}`));
    for (const c of corpus) expect(new TextDecoder().decode(c.bytes.subarray(0, 3))).toBe('go ');
  }, 120_000);
});

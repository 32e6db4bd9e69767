// Durations in the grammar of Go's time.ParseDuration, the one parser for every duration this
// package accepts (scenario fields, `--duration`, sweep grid values, report axes).
//
//   [-+]? ( [0-9]* ( "." [0-9]* )? unit )+      or "0" alone (with an optional sign)
//   unit: ns | us | µs (U+00B5) | μs (U+03BC) | ms | s | m | h
//
// "1h", "2m30s", "1.5ms", "300µs", "1h2m3.5s", "-1s", "+0" parse; "", "1", "1x", ".s",
// " 1s" do not, as in Go. The value is an int64 count of nanoseconds: anything beyond
// [-2^63, 2^63-1] is "invalid duration", again as in Go. A component's integer part is
// exact; its fraction goes through a float64 the way Go computes it (exact to the
// nanosecond for fractions of an hour), so every string gives the nanoseconds Go gives.
// Browser-safe: no Node built-ins.

const TWO63 = 1n << 63n;

/** Nanoseconds per unit, as in Go's unitMap. */
const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n], // micro sign
  ['\u03bcs', 1_000n], // Greek small letter mu
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

/** A parsed duration (ns, exact) or why the text is not one (Go's reason, without "time: "). */
export type DurationResult = { ok: true; ns: bigint } | { ok: false; error: string };

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const DOT = 0x2e;

/** Parse `s` exactly as Go's time.ParseDuration does. */
export function parseGoDuration(s: string): DurationResult {
  const bad = (why: string): DurationResult => ({ ok: false, error: why });
  const invalid = (): DurationResult => bad(`invalid duration ${JSON.stringify(s)}`);
  let i = 0;
  let neg = false;
  if (s.length > 0 && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    i = 1;
  }
  if (s.slice(i) === '0') return { ok: true, ns: 0n };
  if (i === s.length) return invalid();

  let d = 0n;
  while (i < s.length) {
    const c0 = s.charCodeAt(i);
    if (!(c0 === DOT || isDigit(c0))) return invalid();

    // Integer part: Go refuses a value that no longer fits in 2^63.
    const intStart = i;
    let v = 0n;
    for (; i < s.length && isDigit(s.charCodeAt(i)); i++) {
      if (v > TWO63 / 10n) return invalid();
      v = v * 10n + BigInt(s.charCodeAt(i) - 0x30);
      if (v > TWO63) return invalid();
    }
    const pre = i > intStart;

    // Fraction: digits past what fits in 63 bits only stop adding precision, as in Go.
    let f = 0n;
    let scale = 1;
    let post = false;
    if (i < s.length && s.charCodeAt(i) === DOT) {
      i++;
      const fracStart = i;
      let full = false;
      for (; i < s.length && isDigit(s.charCodeAt(i)); i++) {
        if (full) continue;
        if (f > (TWO63 - 1n) / 10n) {
          full = true;
          continue;
        }
        const y = f * 10n + BigInt(s.charCodeAt(i) - 0x30);
        if (y > TWO63) {
          full = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = i > fracStart;
    }
    if (!pre && !post) return invalid(); // no digits at all, e.g. ".s"

    // Unit: everything up to the next digit or dot.
    const unitStart = i;
    while (i < s.length && !(s.charCodeAt(i) === DOT || isDigit(s.charCodeAt(i)))) i++;
    if (i === unitStart) return bad(`missing unit in duration ${JSON.stringify(s)}`);
    const u = s.slice(unitStart, i);
    const unit = UNITS.get(u);
    if (unit === undefined) return bad(`unknown unit ${JSON.stringify(u)} in duration ${JSON.stringify(s)}`);

    if (v > TWO63 / unit) return invalid();
    v *= unit;
    if (f > 0n) {
      // Go: uint64(float64(f) * (float64(unit) / scale)), at most 3.6e12 (an hour in ns).
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > TWO63) return invalid();
    }
    d += v;
    if (d > TWO63) return invalid();
  }
  if (neg) return { ok: true, ns: -d };
  if (d > TWO63 - 1n) return invalid();
  return { ok: true, ns: d };
}

/**
 * A duration in nanoseconds as a number (exact up to 2^53 ns, about 104 days), or undefined
 * when `s` is not a string in Go's duration grammar.
 */
export function parseDuration(s: unknown): number | undefined {
  if (typeof s !== 'string') return undefined;
  const r = parseGoDuration(s);
  return r.ok ? Number(r.ns) : undefined;
}

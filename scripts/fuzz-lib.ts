// Seeded mutation fuzzer for the trace readers (shared by scripts/fuzz.ts and
// test/formats-fuzz.test.ts).
//
// Corpus (test/data.ts): Go's own trace parser tests from GOROOT of an installed Go 1.23
// (src/internal/trace/testdata/tests) plus our Go1.25 text test (test/fixtures/go1.25), each as
// wire bytes via textToWire and as text; the inputs of Go's FuzzReader corpus in the same GOROOT
// (named bad-go122/NAME, as they once broke a reader); and the real go 1.19 fixtures
// (test/fixtures/go1.19). Without Go 1.23 loadCorpus throws an error that says how to get it.
// Case i of seed s is a pure function of (s, i): a corpus entry and 1-3 mutations (bit flips,
// truncations, splices from another entry, byte stomps with interesting values, range
// duplication/deletion, varint stretching). Each case runs validateTrace, and every third case also
// drains readTrace and runs traceSummary (every fifth v2 case through a chunked stream). A case
// passes when each call ends with null, a result, or a TraceError that is not an "internal error";
// anything else (another exception, an internal error) is a failure, reported with its case id.
// Bounds: every case must finish within `maxCaseMs` (a hang shows up as a time-out of the run);
// the heap above the baseline is sampled after each case and its maximum reported.

import { TraceError, readTrace, textToWire, traceSummary, validateTrace } from '../bindings/formats/index.ts';
import { conformanceTests, fixtureTrace, goFuzzCorpus, requireGoroot, V1_FIXTURES } from '../test/data.ts';

export interface Seed {
  name: string;
  bytes: Uint8Array;
}

/** The seed corpus (see the header); goroot: an installed Go 1.23's (found by default). */
export function loadCorpus(goroot: string = requireGoroot('the fuzz corpus (scripts/fuzz-lib.ts)')): Seed[] {
  const out: Seed[] = [];
  for (const { name: f, text } of conformanceTests(goroot)) {
    const w = textToWire(text);
    if (w instanceof TraceError) throw new Error(`${f}: ${w.message}`);
    out.push({ name: `${f}:wire`, bytes: w });
    if (text.length < 20000) out.push({ name: `${f}:text`, bytes: new TextEncoder().encode(text) });
  }
  for (const { name, bytes } of goFuzzCorpus(goroot)) out.push({ name: `bad-go122/${name}`, bytes });
  for (const f of [...V1_FIXTURES].sort()) out.push({ name: `go1.19/${f}.trace`, bytes: fixtureTrace(f) });
  return out;
}

/** xorshift32-based PRNG seeded from (seed, case). */
export class Rng {
  private s: number;
  constructor(seed: number, index: number) {
    let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x7feb352d) >>> 0;
    this.s = h || 1;
  }
  u32(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  int(n: number): number {
    return n <= 0 ? 0 : this.u32() % n;
  }
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x3f, 0x40, 0xc0, 0x31];

/** One mutated input and what was done to it. */
export interface Mutant {
  seed: string;
  ops: string[];
  bytes: Uint8Array;
}

/** Pick a seed: v1 fixtures are large and slow; they get about a quarter of the cases. */
function pickSeed(r: Rng, corpus: Seed[]): Seed {
  const v1 = corpus.filter((s) => s.name.startsWith('go1.19/'));
  const rest = corpus.filter((s) => !s.name.startsWith('go1.19/'));
  return r.int(4) === 0 && v1.length ? v1[r.int(v1.length)] : rest[r.int(rest.length)];
}

/** Position biased towards the start (headers, first batches) half of the time. */
function pos(r: Rng, n: number): number {
  if (n <= 0) return 0;
  return r.int(2) === 0 ? r.int(Math.min(n, 256)) : r.int(n);
}

export function mutate(seed: number, index: number, corpus: Seed[]): Mutant {
  const r = new Rng(seed, index);
  const s = pickSeed(r, corpus);
  let b = s.bytes.slice();
  const ops: string[] = [];
  const nops = 1 + r.int(3);
  for (let k = 0; k < nops; k++) {
    const op = r.int(8);
    switch (op) {
      case 0: {
        const n = 1 + r.int(8);
        for (let i = 0; i < n && b.length; i++) {
          const p = pos(r, b.length);
          b[p] ^= 1 << r.int(8);
        }
        ops.push(`bitflip x${n}`);
        break;
      }
      case 1: {
        const n = r.int(b.length + 1);
        b = b.slice(0, n);
        ops.push(`truncate ${n}`);
        break;
      }
      case 2: {
        // Splice: a range of another seed (or this one) replaces or is inserted at a position.
        const o = corpus[r.int(corpus.length)].bytes;
        const from = r.int(o.length);
        const len = Math.min(o.length - from, 1 + r.int(512));
        const at = pos(r, b.length);
        const replace = r.int(2) === 0;
        const tail = b.subarray(replace ? Math.min(b.length, at + len) : at);
        const nb = new Uint8Array(at + len + tail.length);
        nb.set(b.subarray(0, at), 0);
        nb.set(o.subarray(from, from + len), at);
        nb.set(tail, at + len);
        b = nb;
        ops.push(`splice ${replace ? 'replace' : 'insert'} ${len}@${at}`);
        break;
      }
      case 3: {
        const at = pos(r, b.length);
        const n = 1 + r.int(16);
        const v = INTERESTING[r.int(INTERESTING.length)];
        const rnd = r.int(2) === 0;
        for (let i = at; i < Math.min(b.length, at + n); i++) b[i] = rnd ? r.int(256) : v;
        ops.push(`stomp ${n}@${at}=${rnd ? 'random' : v}`);
        break;
      }
      case 4: {
        const at = pos(r, b.length);
        const n = Math.min(b.length - at, 1 + r.int(1024));
        const nb = new Uint8Array(b.length + n);
        nb.set(b.subarray(0, at + n), 0);
        nb.set(b.subarray(at, at + n), at + n);
        nb.set(b.subarray(at + n), at + 2 * n);
        b = nb;
        ops.push(`duplicate ${n}@${at}`);
        break;
      }
      case 5: {
        const at = pos(r, b.length);
        const n = Math.min(b.length - at, 1 + r.int(256));
        const nb = new Uint8Array(b.length - n);
        nb.set(b.subarray(0, at), 0);
        nb.set(b.subarray(at + n), at);
        b = nb;
        ops.push(`delete ${n}@${at}`);
        break;
      }
      case 6: {
        // Stretch a varint: huge values (ids, sizes, counts) where small ones were.
        const at = pos(r, b.length);
        const n = 1 + r.int(10);
        for (let i = at; i < Math.min(b.length, at + n); i++) b[i] |= 0x80;
        ops.push(`varint-stretch ${n}@${at}`);
        break;
      }
      default: {
        const at = pos(r, b.length);
        if (at < b.length) b[at] = (b[at] + (r.int(2) ? 1 : -1)) & 0xff;
        ops.push(`inc/dec @${at}`);
      }
    }
  }
  return { seed: s.name, ops, bytes: b };
}

export interface CaseResult {
  outcome: 'valid' | 'error' | 'failure';
  message: string;
  ms: number;
}

async function* chunked(b: Uint8Array, n: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < b.length; i += n) yield b.subarray(i, i + n);
}

function classify(e: unknown): string | null {
  if (e instanceof TraceError) return e.message.startsWith('internal error') ? `internal: ${e.message}` : null;
  return `exception: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
}

/** Run one case through the API. */
export async function runCase(index: number, m: Mutant): Promise<CaseResult> {
  const t0 = performance.now();
  const err = await validateTrace(m.bytes);
  let failure = err ? classify(err) : null;
  let message = err ? err.message : 'OK';
  if (!failure && index % 3 === 0) {
    const src = index % 5 === 0 && m.seed.endsWith(':wire') ? chunked(m.bytes, 1 + (index % 97)) : m.bytes;
    // The readers (readTrace, traceSummary) are Go's reader; validateTrace adds Go's validator
    // (Go1.22+), so it refuses at least what they refuse. The summary counts wire events: not
    // the events the reader infers (offset -1).
    let n = 0;
    let readErr = false;
    try {
      for await (const ev of readTrace(src)) if (ev.offset >= 0) n++;
    } catch (e) {
      readErr = true;
      failure = classify(e);
      if (!err && !failure) failure = `readTrace failed on a trace validateTrace accepted: ${(e as Error).message}`;
    }
    try {
      const s = await traceSummary(m.bytes);
      if (readErr) failure ??= 'traceSummary succeeded on a trace readTrace rejected';
      else if (s.totalEvents !== n) failure ??= `summary counts ${s.totalEvents} events, readTrace ${n}`;
    } catch (e) {
      failure ??= classify(e);
      if (!readErr) failure ??= `traceSummary failed on a trace readTrace accepted: ${(e as Error).message}`;
    }
  }
  const ms = performance.now() - t0;
  if (failure) return { outcome: 'failure', message: failure, ms };
  return { outcome: err ? 'error' : 'valid', message, ms };
}

export interface FuzzReport {
  seed: number;
  cases: number;
  valid: number;
  errors: number;
  failures: { index: number; seed: string; ops: string[]; message: string }[];
  maxCaseMs: number;
  totalMs: number;
  /** Largest heapUsed above the baseline taken before the first case (MB). */
  maxHeapGrowthMB: number;
  /** Most frequent error messages (digits masked). */
  topErrors: [string, number][];
  bySeed: Record<string, number>;
}

export async function fuzz(opts: { seed: number; cases: number; start?: number; goroot?: string; onProgress?: (done: number) => void }): Promise<FuzzReport> {
  const corpus = loadCorpus(opts.goroot);
  const start = opts.start ?? 0;
  const base = process.memoryUsage().heapUsed;
  const rep: FuzzReport = {
    seed: opts.seed,
    cases: 0,
    valid: 0,
    errors: 0,
    failures: [],
    maxCaseMs: 0,
    totalMs: 0,
    maxHeapGrowthMB: 0,
    topErrors: [],
    bySeed: {},
  };
  const msgs = new Map<string, number>();
  const t0 = performance.now();
  for (let i = start; i < start + opts.cases; i++) {
    const m = mutate(opts.seed, i, corpus);
    const r = await runCase(i, m);
    rep.cases++;
    rep.bySeed[m.seed] = (rep.bySeed[m.seed] ?? 0) + 1;
    if (r.outcome === 'valid') rep.valid++;
    else if (r.outcome === 'error') {
      rep.errors++;
      const k = r.message.replace(/\d+/g, 'N').slice(0, 90);
      msgs.set(k, (msgs.get(k) ?? 0) + 1);
    } else rep.failures.push({ index: i, seed: m.seed, ops: m.ops, message: r.message });
    if (r.ms > rep.maxCaseMs) rep.maxCaseMs = r.ms;
    if (i % 16 === 0) {
      const h = (process.memoryUsage().heapUsed - base) / 1e6;
      if (h > rep.maxHeapGrowthMB) rep.maxHeapGrowthMB = h;
    }
    if (opts.onProgress && (i - start + 1) % 1000 === 0) opts.onProgress(i - start + 1);
  }
  rep.totalMs = performance.now() - t0;
  rep.topErrors = [...msgs].sort((a, b) => b[1] - a[1]).slice(0, 12);
  return rep;
}

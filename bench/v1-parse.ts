// Standalone timing of the go 1.19 (v1) trace reader: validateV1 and parseV1 on the real
// fixtures (../shared/fixtures/go1.19/*.trace) and on a large trace tiled from them.
//
//   npx tsx bench/v1-parse.ts                 # fixtures + a ~100 MB tiled trace
//   npx tsx bench/v1-parse.ts --big-mb 300    # size of the tiled trace
//   npx tsx bench/v1-parse.ts --rss validate  # one pass over the big trace, prints peak RSS
//   npx tsx bench/v1-parse.ts --rss stream    #   parseV1 + forEachEventV1 over every event
//   npx tsx bench/v1-parse.ts --rss parse     #   parseV1 + trace.events (run each in a fresh process)
//
// Prints MB/s and M events/s (median of tinybench samples; "best" is the fastest sample, which
// says more than the median on a shared, busy machine). The tiled trace repeats
// mixed.trace with goroutine ids, task ids, GC sequence numbers and ticks shifted per copy
// (strings and stacks written once), a ProcStop closing each P still running at the end of a
// copy; it is checked to validate before it is timed, and cached in /tmp (writing it takes
// about a second per MB).

import { Bench } from 'tinybench';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeUvarint, encodeUvarint } from '../bindings/formats/uvarint.ts';
import {
  parseV1,
  validateV1,
  forEachEventV1,
  readV1Wire,
  V1_EVENTS,
  argsFor,
  EvBatch,
  EvFrequency,
  EvStack,
  EvString,
  EvUserLog,
  EvProcStop,
  EvGCStart,
  EvGoSysExit,
  EvCPUSample,
  argCountCode,
} from '../bindings/formats/v1/index.ts';

const FIXTURES = fileURLToPath(new URL('../../shared/fixtures/go1.19/', import.meta.url));
const NAMES = ['hog', 'annot', 'mixed'];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Tile `src` `copies` times (see the header comment). */
function tile(src: Uint8Array, copies: number): Uint8Array {
  const ver = 1019;
  const w = readV1Wire(src);
  let minTs = Infinity;
  let maxTs = 0;
  for (let i = 0; i < w.n; i++) {
    minTs = Math.min(minTs, w.ts[i]);
    maxTs = Math.max(maxTs, w.ts[i]);
  }
  const tr = parseV1(src);
  // Ps running at the end, and the GC count.
  const running = new Map<number, boolean>();
  let gcs = 0;
  for (const e of tr.events) {
    if (e.name === 'ProcStart') running.set(e.p, true);
    if (e.name === 'ProcStop') running.set(e.p, false);
    if (e.name === 'GCStart') gcs++;
  }
  const openPs = [...running].filter(([, r]) => r).map(([p]) => p);
  const span = maxTs - minTs + 1000;
  const GOFF = 1 << 20;
  const TOFF = 1 << 20;

  const out = new Uint8Array(Math.ceil(src.length * copies * 1.6) + 64 * copies + 1024);
  let o = 0;
  out.set(src.subarray(0, 16));
  o = 16;
  const r = { value: 0, len: 0 };
  const put = (v: number): void => {
    o = encodeUvarint(out, o, v);
  };
  for (let k = 0; k < copies; k++) {
    const dt = k * span;
    let pos = 16;
    while (pos < src.length) {
      const start = pos;
      const b = src[pos++];
      const typ = b & 0x3f;
      const code = b >> 6;
      if (typ === EvString) {
        decodeUvarint(src, pos, src.length, r);
        pos += r.len;
        decodeUvarint(src, pos, src.length, r);
        pos += r.len + r.value;
        if (k === 0) {
          out.set(src.subarray(start, pos), o);
          o += pos - start;
        }
        continue;
      }
      // Argument byte ranges.
      const ranges: number[] = [];
      if (code < 3) {
        for (let a = 0; a <= code; a++) {
          decodeUvarint(src, pos, src.length, r);
          ranges.push(pos, pos + r.len);
          pos += r.len;
        }
      } else {
        decodeUvarint(src, pos, src.length, r);
        pos += r.len;
        const endArgs = pos + r.value;
        while (pos < endArgs) {
          decodeUvarint(src, pos, src.length, r);
          ranges.push(pos, pos + r.len);
          pos += r.len;
        }
      }
      let tail: Uint8Array | null = null;
      if (typ === EvUserLog) {
        const s = pos;
        decodeUvarint(src, pos, src.length, r);
        pos += r.len + r.value;
        tail = src.subarray(s, pos);
      }
      if (typ === EvStack || typ === EvFrequency) {
        if (k === 0) {
          out.set(src.subarray(start, pos), o);
          o += pos - start;
        }
        continue;
      }
      const spec = V1_EVENTS[typ];
      const names = ['', ...argsFor(spec, ver)];
      if (typ === EvBatch) names[0] = 'p';
      const vals: (number | Uint8Array)[] = [];
      for (let a = 0; a < ranges.length / 2; a++) {
        const raw = src.subarray(ranges[2 * a], ranges[2 * a + 1]);
        const name = typ === EvBatch ? ['p', 'ticks'][a] : names[a];
        decodeUvarint(src, ranges[2 * a], src.length, r);
        const v = r.value;
        let nv: number | null = null;
        if (name === 'ticks') nv = v + dt;
        else if (name === 'g' && v !== 0 && v < 2 ** 40) nv = v + k * GOFF;
        else if ((name === 'taskid' || name === 'pid') && v !== 0) nv = v + k * TOFF;
        else if (name === 'seq' && typ === EvGCStart) nv = v + k * gcs;
        else if (name === 'ts' && (typ === EvGoSysExit || typ === EvCPUSample) && v !== 0) nv = v + dt;
        vals.push(nv === null ? raw : nv);
      }
      const body = new Uint8Array(16 * vals.length + 8);
      let bl = 0;
      for (const v of vals) {
        if (typeof v === 'number') bl = encodeUvarint(body, bl, v);
        else {
          body.set(v, bl);
          bl += v.length;
        }
      }
      out[o++] = typ | (code << 6);
      if (code === 3) put(bl);
      out.set(body.subarray(0, bl), o);
      o += bl;
      if (tail) {
        out.set(tail, o);
        o += tail.length;
      }
    }
    // Close the Ps still running at the end of the copy.
    for (const p of openPs) {
      out[o++] = EvBatch | (argCountCode(2) << 6);
      put(p);
      put(maxTs + dt + 10);
      out[o++] = EvProcStop | (argCountCode(1) << 6);
      put(0);
    }
  }
  return out.subarray(0, o);
}

function bigTrace(mb: number): Uint8Array {
  const file = `/tmp/gotracesim-v1-big-${mb}.trace`;
  if (existsSync(file)) return new Uint8Array(readFileSync(file));
  const src = new Uint8Array(readFileSync(join(FIXTURES, 'mixed.trace')));
  const copies = Math.max(1, Math.round((mb * 1e6) / (src.length * 1.15)));
  const t = tile(src, copies);
  writeFileSync(file, t);
  return t;
}

function eventCount(b: Uint8Array): number {
  return readV1Wire(b).n;
}

async function main(): Promise<void> {
  const mb = Number(arg('--big-mb') ?? 100);
  const rss = arg('--rss');
  if (rss) {
    const big = bigTrace(mb);
    const before = process.memoryUsage().rss;
    const t0 = performance.now();
    let n = 0;
    if (rss === 'validate') {
      const e = validateV1(big);
      if (e) throw e;
      n = eventCount(big);
    } else if (rss === 'stream') {
      forEachEventV1(parseV1(big), () => {
        n++;
      });
    } else if (rss === 'parse') {
      n = parseV1(big).events.length;
    } else {
      throw new Error(`--rss validate|stream|parse`);
    }
    const s = (performance.now() - t0) / 1000;
    const peak = process.resourceUsage().maxRSS * 1024;
    console.log(
      `${rss} ${(big.length / 1e6).toFixed(0)} MB, ${(n / 1e6).toFixed(1)} M events: ${(big.length / 1e6 / s).toFixed(1)} MB/s, ` +
        `peak RSS ${(peak / 1e6).toFixed(0)} MB (RSS before ${(before / 1e6).toFixed(0)} MB with the input loaded); ` +
        `${((peak - before) / n).toFixed(1)} bytes/event above that`,
    );
    return;
  }

  const inputs: [string, Uint8Array][] = NAMES.map((n) => [n, new Uint8Array(readFileSync(join(FIXTURES, `${n}.trace`)))]);
  if (mb > 0) inputs.push([`tiled ${mb} MB`, bigTrace(mb)]);
  for (const [name, b] of inputs) {
    const e = validateV1(b);
    if (e) throw new Error(`${name} does not validate: ${e.message}`);
  }
  const rows: string[] = [];
  // Fixture totals per operation: [bytes, events, ms] summed over the three fixtures.
  const totals = new Map<string, [number, number, number]>();
  for (const [name, b] of inputs) {
    const events = eventCount(b);
    const big = b.length > 10e6;
    const bench = new Bench({ time: big ? 100 : 1500, iterations: big ? 3 : 10, warmupIterations: big ? 1 : 5 });
    bench.add(`validateV1 ${name}`, () => {
      validateV1(b);
    });
    bench.add(`parseV1 ${name}`, () => {
      parseV1(b);
    });
    bench.add(`parseV1 + forEachEventV1 ${name}`, () => {
      let s = 0;
      forEachEventV1(parseV1(b), (e) => {
        s += e.ts;
      });
      if (s < 0) throw new Error('unreachable');
    });
    if (!big) {
      // Every TraceEvent object kept (~100-200 bytes each): not for multi-hundred-MB traces.
      bench.add(`parseV1 + trace.events ${name}`, () => {
        const tr = parseV1(b);
        let s = 0;
        for (const e of tr.events) s += e.ts;
        if (s < 0) throw new Error('unreachable');
      });
    }
    await bench.run();
    for (const t of bench.tasks) {
      const res = t.result as { latency?: { p50: number; min: number } } | undefined;
      const ms = res?.latency?.p50;
      const best = res?.latency?.min ?? NaN;
      if (ms === undefined) {
        rows.push(`${t.name}: ${JSON.stringify(t.result)}`);
        continue;
      }
      const s = ms / 1000;
      if (NAMES.includes(name)) {
        const op = t.name.slice(0, t.name.length - name.length - 1);
        const tot = totals.get(op) ?? [0, 0, 0];
        totals.set(op, [tot[0] + b.length, tot[1] + events, tot[2] + ms]);
      }
      rows.push(
        `${t.name.padEnd(40)} ${(b.length / 1e6 / s).toFixed(1).padStart(7)} MB/s ${(events / 1e6 / s).toFixed(2).padStart(7)} M events/s  (median ${ms.toFixed(1)} ms, best ${(b.length / 1e3 / best).toFixed(1)} MB/s; ${(b.length / 1e6).toFixed(2)} MB, ${events} events)`,
      );
    }
  }
  for (const [op, [bytes, events, ms]] of totals) {
    rows.push(
      `${(op + ' (3 fixtures)').padEnd(40)} ${(bytes / 1e3 / ms).toFixed(1).padStart(7)} MB/s ${(events / ms / 1e3).toFixed(2).padStart(7)} M events/s  (sum of medians ${ms.toFixed(1)} ms)`,
    );
  }
  console.log(rows.join('\n'));
}

await main();

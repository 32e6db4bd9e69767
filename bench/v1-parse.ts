// Standalone timing of the go 1.19 (v1) trace reader: validateV1 and parseV1 on the real
// fixtures (test/fixtures/go1.19/*.trace, written by scripts/fixtures.sh) and on a large trace
// tiled from them.
//
//   npx tsx bench/v1-parse.ts                 # fixtures + a ~100 MB tiled trace
//   npx tsx bench/v1-parse.ts --big-mb 300    # size of the tiled trace
//   npx tsx bench/v1-parse.ts --rss validate  # one pass over the big trace, prints peak RSS
//   npx tsx bench/v1-parse.ts --rss stream    #   parseV1 + forEachEventV1 over every event
//   npx tsx bench/v1-parse.ts --rss parse     #   parseV1 + trace.events (run each in a fresh process)
//   npx tsx bench/v1-parse.ts --rss model     #   runModelV1 into a sink that keeps nothing
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
import { decodeUvarint, encodeUvarint } from '../bindings/formats/uvarint.ts';
import { tileV1 } from './parse.ts';
import { GO119_DIR, V1_FIXTURES } from '../test/data.ts';
import {
  parseV1,
  validateV1,
  forEachEventV1,
  runModelV1,
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

const FIXTURES = GO119_DIR;
const NAMES: readonly string[] = V1_FIXTURES;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Tile `src` `copies` times (see the header comment). */
function bigTrace(mb: number): Uint8Array {
  const file = `/tmp/gotracesim-v1-big-${mb}.trace`;
  if (existsSync(file)) return new Uint8Array(readFileSync(file));
  const src = new Uint8Array(readFileSync(join(FIXTURES, 'mixed.trace')));
  const copies = Math.max(1, Math.round((mb * 1e6) / (src.length * 1.15)));
  const t = tileV1(src, copies);
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
    } else if (rss === 'model') {
      const e = runModelV1(big, {
        generation() {},
        event() {
          n++;
        },
      });
      if (e) throw e;
    } else {
      throw new Error(`--rss validate|stream|parse|model`);
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
    // The trace model: every event converted into base events (as Go 1.23 does), handed to a sink.
    bench.add(`runModelV1 (null sink) ${name}`, () => {
      let s = 0;
      const err = runModelV1(b, {
        generation() {},
        event(v) {
          s += v.time;
        },
      });
      if (err || s < 0) throw new Error('unreachable');
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

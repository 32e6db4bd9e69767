import { readFileSync } from 'node:fs';
import { TraceError } from './bindings/formats/event.ts';
import { EvCPUSample, EvCPUSamples, EvEventBatch, EvExperimentalBatch, EvFrequency, decodeRaw, encodeRaw, rawEventSize, specTables, validateV2 } from './bindings/formats/v2/index.ts';
function tieFree(bytes: Uint8Array): Uint8Array {
  const t = decodeRaw(bytes);
  if (t instanceof TraceError) throw t;
  const specs = specTables[t.version].specs;
  const freq = t.events.find((e) => e.type === EvFrequency)!.args[0];
  const nsPerTick = 1e9 / Number(freq);
  // u ticks make a whole number of ns; K ticks a multiple of u.
  const u = nsPerTick >= 1 ? 1n : BigInt(Math.round(1 / nsPerTick));
  if (!Number.isInteger(nsPerTick) && Number(u) * nsPerTick !== 1) throw new Error(`tieFree: frequency ${freq}`);
  const ms = new Map<bigint, bigint>();
  let min = -1n;
  let inSamples = false;
  for (const e of t.events) {
    if (e.type === EvEventBatch) {
      inSamples = false;
      if (!ms.has(e.args[1])) ms.set(e.args[1], BigInt(ms.size + 1));
      if (min < 0n || e.args[2] < min) min = e.args[2];
    } else if (e.type === EvCPUSamples) {
      inSamples = true;
    } else if (inSamples && e.type === EvCPUSample) {
      if (!ms.has(e.args[1])) ms.set(e.args[1], BigInt(ms.size + 1));
      if (e.args[0] < min) min = e.args[0];
    }
  }
  let P = BigInt(ms.size + 2);
  const prime = (n: bigint): boolean => {
    for (let d = 2n; d * d <= n; d++) if (n % d === 0n) return false;
    return true;
  };
  while (!prime(P)) P++;
  const K = u * P;
  const base = min - 1n;
  inSamples = false;
  for (const e of t.events) {
    if (e.type === EvEventBatch) {
      inSamples = false;
      e.args[2] = (e.args[2] - base) * K + u * ms.get(e.args[1])!;
    } else if (e.type === EvCPUSamples) {
      inSamples = true;
    } else if (inSamples && e.type === EvCPUSample) {
      e.args[0] = (e.args[0] - base) * K + u * ms.get(e.args[1])!;
    } else if (specs[e.type]?.timed) {
      e.args[0] *= K;
    }
  }
  // Batch sizes follow the longer varints.
  for (let i = 0; i < t.events.length; i++) {
    if (t.events[i].type !== EvEventBatch) continue;
    let n = 0;
    for (let j = i + 1; j < t.events.length && t.events[j].type !== EvEventBatch && t.events[j].type !== EvExperimentalBatch; j++) {
      n += rawEventSize(t.events[j]);
    }
    t.events[i].args[3] = BigInt(n);
  }
  return encodeRaw(t);
}


for (const f of process.argv.slice(2)) { const b = new Uint8Array(readFileSync(f)); const e = tieFree(b); console.log(f, validateV2(e)?.message ?? 'ok'); }
import { wireToText } from './bindings/formats/v2/index.ts';
{
  const b = new Uint8Array(readFileSync('/tmp/w/gcs3.trace'));
  const a = (wireToText(b) as string).split('\n');
  const c = (wireToText(tieFree(b)) as string).split('\n');
  console.log(a.length, c.length);
  const strip = (l: string) => l.replace(/=\d+/g, '=N');
  for (let i = 0; i < a.length; i++) if (strip(a[i]) !== strip(c[i])) { console.log(i, a[i], '|', c[i]); break; }
  const gen90 = a.filter((l) => l.startsWith('EventBatch gen=90 ')); console.log(gen90.slice(0, 20).join('\n'));
}
{
  const b = new Uint8Array(readFileSync('/tmp/w/gcs3.trace'));
  const c = (wireToText(tieFree(b)) as string).split('\n');
  console.log(c.filter((l) => l.startsWith('EventBatch gen=90 ')).join('\n'));
}

// npm run fuzz [-- --cases N] [--seed S] [--start I] [--json]
// Runs the seeded mutation fuzzer (scripts/fuzz-lib.ts) over the conformance traces (Go's, read
// from an installed Go 1.23's GOROOT, and ours) and the go 1.19 fixtures: ≥ 10^4 cases by
// default. Prints a summary; exit 1 if any case failed (another exception than a TraceError, or
// an "internal error"), with the case ids to replay:
//   npm run fuzz -- --seed S --start I --cases 1
import { fuzz, loadCorpus, mutate } from './fuzz-lib.ts';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return def;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) {
    console.error(`${name}: want a non-negative integer, got ${process.argv[i + 1]}`);
    process.exit(2);
  }
  return v;
}

const cases = arg('--cases', 10000);
const seed = arg('--seed', 1);
const start = arg('--start', 0);
const t0 = Date.now();
const rep = await fuzz({
  seed,
  cases,
  start,
  onProgress: (n) => process.stderr.write(`  ${n}/${cases} cases, ${((Date.now() - t0) / 1000).toFixed(1)} s\n`),
});
if (process.argv.includes('--json')) {
  console.log(JSON.stringify(rep, null, 2));
} else {
  console.log(`fuzz: seed ${rep.seed}, cases ${start}..${start + rep.cases - 1}`);
  console.log(`  valid ${rep.valid}, rejected with a TraceError ${rep.errors}, failures ${rep.failures.length}`);
  console.log(`  total ${(rep.totalMs / 1000).toFixed(1)} s, slowest case ${rep.maxCaseMs.toFixed(1)} ms, max heap growth ${rep.maxHeapGrowthMB.toFixed(1)} MB`);
  console.log('  cases per seed:');
  for (const [k, v] of Object.entries(rep.bySeed).sort()) console.log(`    ${String(v).padStart(6)} ${k}`);
  console.log('  most frequent errors:');
  for (const [k, v] of rep.topErrors) console.log(`    ${String(v).padStart(6)} ${k}`);
  for (const f of rep.failures.slice(0, 20)) console.log(`  FAILURE case ${f.index} (${f.seed}; ${f.ops.join(', ')}): ${f.message}`);
}
if (process.argv.includes('--dump-case')) {
  const m = mutate(seed, start, loadCorpus());
  process.stderr.write(`case ${start}: ${m.seed}; ${m.ops.join(', ')} (${m.bytes.length} bytes)\n`);
}
process.exit(rep.failures.length ? 1 : 0);

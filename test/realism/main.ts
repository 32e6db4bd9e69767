// `npm run realism`: make the realism table (table.ts) with the installed Go 1.23, print it, and
// write bench/results/realism.json. `--markdown` prints the README's table instead of aligned
// text. Exit 0 whatever the verdicts (the test asserts them); 2 when Go 1.23 is missing.
// Who may touch: the realism test owner.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toolchain } from '../oracle/go.ts';
import { GOMAXPROCS, NOT_MODELLED, RUN_DURATION, TOLERANCE } from './programs.ts';
import { markdownTable, realismTable, runNotes, textTable } from './table.ts';
import type { Measured } from './run.ts';

const OUT = fileURLToPath(new URL('../../bench/results/realism.json', import.meta.url));

/** What realism.json keeps of a measured side. */
function side(m: Measured) {
  return { cores: m.cores, spanNs: m.trace.spanNs, counts: m.trace.counts, goroutines: m.trace.goroutines, gcs: m.trace.gcs, samplesByLabel: m.profile.samplesByLabel, profileNs: m.profile.durationNs };
}

async function main(): Promise<void> {
  const markdown = process.argv.includes('--markdown');
  const tc = toolchain('1.23');
  if (!tc) {
    console.error('realism: needs Go 1.23 in /usr/lib/go-1.23 (or GTS_GO_1_23=GOROOT)');
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), 'gotracesim-realism-'));
  try {
    const res = await realismTable(tc, dir, (msg) => console.error(`realism: ${msg}`));
    console.log(markdown ? markdownTable(res.rows) : textTable(res.rows));
    const failed = res.rows.filter((r) => r.verdict === 'FAIL');
    console.log(`\n${res.go}, GOMAXPROCS=${GOMAXPROCS}, ${RUN_DURATION} per program, ${cpus().length} cores; ${runNotes(res)}`);
    console.log(`${failed.length} of ${res.rows.filter((r) => r.verdict !== 'info').length} rows outside their tolerance`);
    const json = {
      go: res.go,
      gomaxprocs: GOMAXPROCS,
      duration: RUN_DURATION,
      cores: cpus().length,
      tolerance: TOLERANCE,
      notModelled: NOT_MODELLED,
      runs: res.programs.map(({ program, reals, sim }) => ({
        program: program.name,
        real: reals.map((real) => ({
          attempts: real.attempts,
          othersCores: Number(real.othersCores!.toFixed(3)),
          ...side(real),
        })),
        sim: side(sim),
      })),
      rows: res.rows,
    };
    writeFileSync(OUT, `${JSON.stringify(json, null, 2)}\n`);
    console.error(`realism: wrote ${OUT}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`realism: ${(e as Error).message}`);
  process.exit(1);
});

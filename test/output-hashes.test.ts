// Determinism across changes: the outputs (cpu.pprof, summary.json, trace.out) of a fixed set
// of scenarios, releases and seeds, hashed, must equal the committed hashes. A refactor or an
// optimization keeps them; a change of behaviour updates them on purpose and says why:
//   GTS_UPDATE_HASHES=1 npx vitest run test/output-hashes.test.ts
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { simulate } from '../bindings/runtime/simulate.ts';
import { DEFAULT_SCENARIO } from '../bindings/scenario/default-scenario.ts';
import { GO_RELEASES } from '../bindings/scenario/releases.ts';
import type { GoRelease, Scenario } from '../bindings/scenario/scenario.ts';
import { ORACLE_SCENARIOS } from './oracle/scenarios.ts';
import { randomScenario } from './random-scenario.ts';

const FILE = fileURLToPath(new URL('./fixtures/output-hashes.json', import.meta.url));
const UPDATE = process.env.GTS_UPDATE_HASHES === '1';

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex').slice(0, 16);

/** The set: every release on the default scenario; the structured scenarios on one v1 and one
 *  v2 release; seeded random programs on both; an untraced run. */
function cases(): [string, Scenario, GoRelease, boolean][] {
  const out: [string, Scenario, GoRelease, boolean][] = [];
  for (const go of GO_RELEASES) out.push([`default/${go}`, { ...DEFAULT_SCENARIO, duration: '150ms' }, go, true]);
  for (const go of ['1.19', '1.23'] as const) {
    for (const [name, sc] of Object.entries(ORACLE_SCENARIOS)) out.push([`${name}/${go}`, sc, go, true]);
    for (const seed of [1, 2, 3]) out.push([`random-${seed}/${go}`, randomScenario(seed, go), go, true]);
  }
  out.push(['default/untraced', { ...DEFAULT_SCENARIO, duration: '300ms' }, '1.23', false]);
  return out;
}

describe('output hashes', () => {
  it('every output of the fixed set equals the committed hash', () => {
    const got: Record<string, { pprof: string; summary: string; trace: string }> = {};
    for (const [name, sc, go, traced] of cases()) {
      const r = simulate(sc, { overrides: { go }, trace: traced });
      got[name] = { pprof: sha(r.pprof), summary: sha(JSON.stringify(r.summary)), trace: traced ? sha(r.trace!) : '' };
    }
    if (UPDATE) {
      writeFileSync(FILE, JSON.stringify(got, null, 1) + '\n');
      return;
    }
    const want = JSON.parse(readFileSync(FILE, 'utf8'));
    expect(got).toEqual(want);
  }, 600_000);
});

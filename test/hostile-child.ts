// Run by test/hostile-input.test.ts in a child process (node --import tsx): hostile scenarios
// and grids through the public API, then a report on stdout (one JSON object) of what each
// call threw and whether any built-in prototype changed. A separate process, because a
// pollution that happened would otherwise leak into the test runner itself.

import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandGrid, parseGrid, resolveScenario, resolveScenarioText, simulate, sweep } from '../bindings/index.ts';

const PROTOS: Record<string, object> = {
  Object: Object.prototype,
  Array: Array.prototype,
  Function: Function.prototype,
  String: String.prototype,
  Number: Number.prototype,
};
const ownKeys = () => Object.fromEntries(Object.entries(PROTOS).map(([n, p]) => [n, Reflect.ownKeys(p).map(String).sort()]));
const before = ownKeys();

const F = [{ func: 'main.f', file: '/app/f.go', line: 1 }];
const spin = (stack: unknown) => [{ loop: [{ compute: stack, for: '1ms' }] }];

type Outcome = { threw: false } | { threw: true; name: string; message: string };
const results: Record<string, Outcome> = {};

async function attempt(name: string, f: () => unknown): Promise<void> {
  try {
    await f();
    results[name] = { threw: false };
  } catch (e) {
    const err = e as Error;
    results[name] = { threw: true, name: err?.name ?? typeof e, message: String(err?.message ?? e) };
  }
}

// Scenarios: reserved names as stacks, labels and templates (JSON text makes them own keys).
await attempt('stack __proto__', () => resolveScenarioText(JSON.stringify({ goroutines: [{ name: 'a', program: spin('x') }] }).replace('{', `{"stacks":{"__proto__":${JSON.stringify(F)}},`), {}, 's.json'));
await attempt('stack constructor', () => resolveScenario(JSON.parse(`{"stacks":{"constructor":${JSON.stringify(F)}},"goroutines":[{"name":"a","program":[]}]}`), {}, 's.json'));
await attempt('stack reference toString, none defined', () => resolveScenario({ goroutines: [{ name: 'a', program: spin('toString') }] }, {}, 's.json'));
await attempt('label __proto__', () => resolveScenarioText('{"goroutines":[{"name":"a","labels":{"__proto__":"x"},"program":[]}]}', {}, 's.json'));
await attempt('step label prototype', () => resolveScenarioText('{"goroutines":[{"name":"a","program":[{"labels":{"prototype":"x"}}]}]}', {}, 's.json'));
await attempt('template constructor', () => resolveScenarioText('{"goroutines":[{"name":"constructor","program":[]}]}', {}, 's.json'));

// Names that merely look like Object.prototype members work like any other name.
let labelsInProfile: string[][] = [];
await attempt('simulate with toString names', () => {
  const r = simulate({ duration: '50ms', stacks: { toString: F }, goroutines: [{ name: 'hasOwnProperty', labels: { toString: 'yes', valueOf: 'too' }, program: spin('toString') }] });
  const s = r.profile.stringTable.strings;
  const seen = new Set<string>();
  for (const smp of r.profile.sample) for (const l of smp.label) seen.add(`${s[Number(l.key)]}=${s[Number(l.str)]}`);
  labelsInProfile = [[...seen].sort()];
});

// Grids: the axis paths of the issue, through parseGrid, expandGrid alone, and sweep().
const base = { duration: '10ms', goroutines: [{ name: 'a', program: spin(F) }] };
await attempt('parseGrid stacks.__proto__.error', () => parseGrid({ base, axes: { 'stacks.__proto__.error': ['polluted'] } }, 'g.json'));
await attempt('expandGrid goroutines.0.__proto__.isAdmin', () => expandGrid({ base, axes: { 'goroutines.0.__proto__.isAdmin': [true] }, seeds: [1], trace: false }, 'g.json'));
await attempt('expandGrid profile.constructor.prototype.polluted', () => expandGrid({ base, axes: { 'profile.constructor.prototype.polluted': [1] }, seeds: [1], trace: false }, 'g.json'));
const out = join(mkdtempSync(join(tmpdir(), 'gts-hostile-')), 'sweep');
await attempt('sweep goroutines.0.__proto__.isAdmin', () => sweep({ base, axes: { 'goroutines.0.__proto__.isAdmin': [true] }, seeds: [1] }, { outDir: out, jobs: 1, progress: false, file: 'g.json' }));
await attempt('sweep stacks.__proto__.error', () => sweep({ base, axes: { 'stacks.__proto__.error': ['polluted'] }, seeds: [1] }, { outDir: out, jobs: 1, progress: false, file: 'g.json' }));

const after = ownKeys();
const probe = {} as Record<string, unknown>;
process.stdout.write(
  JSON.stringify({
    results,
    labelsInProfile,
    sweepDirCreated: existsSync(out),
    protoKeysBefore: before,
    protoKeysAfter: after,
    objectProtoIsRoot: Object.getPrototypeOf(Object.prototype) === null && Object.getPrototypeOf({}) === Object.prototype,
    inherited: { isAdmin: probe.isAdmin ?? null, error: probe.error ?? null, polluted: probe.polluted ?? null },
  }),
);

// The scenario schema (bindings/scenario/schema.ts) is the one declaration of the scenario's
// fields: validation, defaults, the sweep grid's roots and the README's reference derive from it.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolveScenario, ScenarioError } from '../bindings/scenario/resolve.ts';
import { SCENARIO, SCENARIO_FIELDS, STEPS, STEP_KINDS, type Fields } from '../bindings/scenario/schema.ts';
import { scenarioDocs } from '../bindings/scenario/schema-docs.ts';
import { parseGrid, GridError } from '../bindings/app/sweep-grid.ts';
import { withDocs } from '../scripts/scenario-docs.ts';

const spin = [{ func: 'main.spin', file: '/app/main.go', line: 3 }];
const one = (extra: Record<string, unknown> = {}) => ({ goroutines: [{ name: 'a', program: [{ compute: spin, for: '1ms' }] }], ...extra });
const error = (input: unknown): string => {
  try {
    resolveScenario(input, {}, 's.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return (e as Error).message;
  }
  throw new Error('resolved');
};

describe('the scenario schema', () => {
  it('gives the defaults the model runs with', () => {
    const r = resolveScenario(one({ gc: {}, threads: [{ name: 't', busy: 0.5 }] }));
    expect([r.name, r.go, r.seed, r.durationNs, r.gomaxprocs]).toEqual(['scenario', '1.23', 1, 1e9, 4]);
    expect(r.profile).toEqual({ hz: 100, periodNs: 1e7, tickNs: 4e6, words: 1 << 17, tags: 1 << 14, readEveryNs: 100e6 });
    expect(r.gc).toEqual({ triggerBytes: 4 << 20, periodNs: Infinity, stwNs: 30_000, markNs: 2e6, workers: 0.25, assistNsPerKiB: 200 });
    expect(r.costs).toEqual({ scheduleNs: 250, goschedNs: 150, newprocNs: 800, findRunnableNs: 2000 });
    expect(r.trace).toEqual({ periodNs: 1e9, cpuReaderEveryNs: 100e6 });
    expect(r.limits).toEqual({ goroutines: 100_000 });
    expect(r.threads).toEqual([{ name: 't', count: 1, busy: 0.5, startNs: 0, lifeNs: Infinity }]);
    expect(r.templates[0]).toMatchObject({ name: 'a', count: 1, tag: 0, lockOSThread: false });
    expect(resolveScenario(one()).gc).toBeNull();
  });

  it('gives step defaults', () => {
    const program = [
      { syscall: spin },
      { block: '1ms' },
      { spawn: 'a' },
      { loop: [{ gosched: true }] },
      { task: 't' },
      { region: 'r' },
      { log: '' },
      { stopTheWorld: 'read mem stats' },
    ];
    const r = resolveScenario({ goroutines: [{ name: 'a', program }] });
    expect(r.templates[0].program).toEqual([
      { k: 'syscall', stack: 0, cpuNs: 1000, blockNs: 0 },
      { k: 'block', ns: 1e6, reason: 'chan' },
      { k: 'spawn', tmpl: 0, count: 1 },
      { k: 'loop', body: [{ k: 'gosched' }], times: Infinity },
      { k: 'task', name: 't', body: [] },
      { k: 'region', name: 'r', body: [] },
      { k: 'log', message: '', category: '' },
      { k: 'stw', reason: 'read mem stats', ns: 20_000 },
    ]);
  });

  it('names its fields in unknown-field errors, in schema order', () => {
    expect(error(one({ gomaxprocz: 1 }))).toBe(`s.json: gomaxprocz: unknown field (allowed: ${SCENARIO_FIELDS.join(', ')})`);
    expect(error(one({ gc: { trigga: 1 } }))).toBe(`s.json: gc.trigga: unknown field (allowed: ${Object.keys(SCENARIO.gc.fields).join(', ')})`);
    expect(error({ goroutines: [{ name: 'a', program: [{ bogus: 1 }] }] })).toBe(`s.json: goroutines[0].program[0]: names no step kind (one of: ${STEP_KINDS.join(', ')})`);
  });

  it('sweep grids accept exactly its top-level fields as axis roots', () => {
    const base = one();
    for (const root of SCENARIO_FIELDS.filter((f) => f !== 'seed')) expect(() => parseGrid({ base, axes: { [root]: [1] } })).not.toThrow();
    expect(() => parseGrid({ base, axes: { gomaxprocz: [1] } })).toThrow(GridError);
  });

  it('is documented field by field in the generated reference', () => {
    const docs = scenarioDocs();
    const walk = (fields: Fields, prefix: string) => {
      for (const [name, f] of Object.entries(fields)) {
        expect(docs).toContain(`| \`${prefix}${name}\` |`);
        if (f.kind === 'object') walk(f.fields, `${prefix}${name}.`);
        if (f.kind === 'list') walk(f.of.fields, `${prefix}${name}[].`);
      }
    };
    walk(SCENARIO, '');
    for (const k of Object.keys(STEPS)) expect(docs).toContain(`| \`${k}\` |`);
  });

  it("the README's copy of the reference is current", () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const next = withDocs(readme);
    expect(next, 'README.md has the scenario-fields markers').toBeDefined();
    expect(readme, 'README.md scenario fields are stale: npm run docs:scenario -- --readme').toBe(next);
  });
});

describe('profile.timer and profile.firstExpiry: other spellings of the switches', () => {
  const sw = (extra: Record<string, unknown>) => resolveScenario(one({ go: '1.19', ...extra })).switches;

  it('either spelling sets the switch; the same value in both is fine', () => {
    expect(sw({ profile: { timer: 'setitimer' } }).timer).toBe('setitimer');
    expect(sw({ switches: { timer: 'setitimer' } }).timer).toBe('setitimer');
    expect(sw({ profile: { timer: 'setitimer' }, switches: { timer: 'setitimer' } }).timer).toBe('setitimer');
    expect(sw({ profile: { firstExpiry: 'period' } }).firstExpiry).toBe('period');
    expect(sw({ switches: { firstExpiry: 'period' } }).firstExpiry).toBe('period');
    expect(sw({}).timer).toBe('per-thread');
  });

  it('different values in both are an error naming both fields', () => {
    expect(error(one({ profile: { timer: 'setitimer' }, switches: { timer: 'per-thread' } }))).toBe(
      's.json: profile.timer: "setitimer" conflicts with switches.timer "per-thread": both set the same release switch, give one',
    );
    expect(error(one({ profile: { firstExpiry: 'uniform' }, switches: { firstExpiry: 'period' } }))).toBe(
      's.json: profile.firstExpiry: "uniform" conflicts with switches.firstExpiry "period": both set the same release switch, give one',
    );
  });
});

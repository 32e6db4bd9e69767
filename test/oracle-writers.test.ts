// Real Go judges every trace the simulator writes: each release preset's traces, for the
// structured scenarios and a fixed set of seeded random ones, must be accepted by the matching
// real toolchain, with per-type event counts equal to `gotracesim stats`, and open in its viewer.
//   go1.11 / go1.19 formats (1.17, 1.18, 1.19, 1.20): Go 1.19's `go tool trace -d` and viewer;
//   go1.21 format (1.21): Go 1.21's;
//   go1.22 format (1.22-dev, 1.22): Go 1.22's gotracevalidate, `-d=2` and viewer;
//   go1.23 format (1.23, 1.24): Go 1.23's.
// The pre-fix states must show their bug to the real oracle (gcwait's ProcStop).
// `npm run property` raises the random set to GTS_PROPERTY_N per release (200).

import { describe, expect, it } from 'vitest';
import { simulate, type SimResult } from '../bindings/runtime/simulate.ts';
import { DEFAULT_SCENARIO } from '../bindings/scenario/default-scenario.ts';
import type { GoRelease, Scenario } from '../bindings/scenario/scenario.ts';
import { describeWithGo, goCheckV2, goTraceDump, goValidate, goViewer, type OracleRelease } from './oracle/go.ts';
import { ORACLE_SCENARIOS } from './oracle/scenarios.ts';
import { randomScenario } from './random-scenario.ts';
import { SimulationStall } from '../bindings/sim/progress.ts';

/** Which real Go judges each preset's traces. */
const JUDGE: [GoRelease, OracleRelease][] = [
  ['1.17', '1.19'],
  ['1.18', '1.19'],
  ['1.19', '1.19'],
  ['1.20', '1.19'],
  ['1.21', '1.21'],
  ['1.22-dev', '1.22'],
  ['1.22', '1.22'],
  ['1.23', '1.23'],
  ['1.24', '1.23'],
];

const RANDOM_N = Number(process.env.GTS_PROPERTY_N ?? 4);
/** Random scenarios are seeded per release so that every release sees different programs. */
const randomSeeds = (go: GoRelease) => Array.from({ length: RANDOM_N }, (_, i) => 7000 + 1000 * JUDGE.findIndex(([g]) => g === go) + i);

function sim(sc: Scenario, go: GoRelease, seed?: number): SimResult {
  return simulate(sc, { overrides: { go, ...(seed !== undefined ? { seed } : {}) }, trace: true });
}

/** entersyscall_gcwaits that found their P in another M's syscall (v2 tracer figure). */
const stolenBetween = (r: SimResult): number => (r.summary.trace as { gcwaitStolenBetween?: number }).gcwaitStolenBetween ?? 0;

/** Go's verdict and counts for one simulated trace, against our own summary. */
function judge(tc: Parameters<typeof goTraceDump>[0], r: SimResult) {
  const v2 = r.scenario.switches.tracer === 'v2';
  const got = v2 ? goCheckV2(tc, r.trace!) : goTraceDump(tc, r.trace!);
  return { error: got.error, counts: got.counts, ours: r.summary.trace!.events };
}

for (const [go, oracle] of JUDGE) {
  describeWithGo(oracle, `real Go ${oracle} accepts the ${go} preset's traces`, (tc) => {
    const scenarios: [string, Scenario][] = [['default', { ...DEFAULT_SCENARIO, duration: '150ms' }], ...Object.entries(ORACLE_SCENARIOS)];
    for (const [name, sc] of scenarios) {
      it(`${name}: accepted, per-type counts equal to ours`, () => {
        const r = sim(sc, go);
        expect(r.summary.trace!.format).toBe(r.scenario.switches.traceFormat);
        const got = judge(tc, r);
        if (go === '1.22-dev' && stolenBetween(r)) {
          // The bug this state had: see the gcwait test below.
          expect(got.error).toMatch(/ProcStop/);
          console.log(`[oracle] ${go} ${name}: rejected for gcwait's ProcStop, as expected`);
          return;
        }
        expect(got.error).toBe('');
        expect(got.counts).toEqual(got.ours);
      });
    }
    it(`${RANDOM_N} seeded random scenarios: accepted, counts equal`, () => {
      let accepted = 0;
      let rejectedAsExpected = 0;
      let refused = 0;
      for (const seed of randomSeeds(go)) {
        let r: SimResult;
        try {
          r = sim(randomScenario(seed, go), go);
        } catch (e) {
          // A template that spawns itself (or one that spawns it back) forks without bound;
          // the progress guard refuses it, as Go would run out of memory: a verdict of ours,
          // with no trace to judge.
          if (e instanceof SimulationStall && /spawns without bound/.test(e.message)) {
            refused++;
            continue;
          }
          throw e;
        }
        const got = judge(tc, r);
        if (go === '1.22-dev' && stolenBetween(r)) {
          expect({ seed, error: got.error }).toEqual({ seed, error: expect.stringMatching(/ProcStop/) });
          rejectedAsExpected++;
          continue;
        }
        expect({ seed, error: got.error }).toEqual({ seed, error: '' });
        expect({ seed, counts: got.counts }).toEqual({ seed, counts: got.ours });
        accepted++;
      }
      expect(refused).toBeLessThanOrEqual(Math.ceil(RANDOM_N / 20));
      console.log(`[oracle] ${go} random: ${accepted} accepted by Go ${oracle} with equal counts, ${rejectedAsExpected} rejected for gcwait's ProcStop, ${refused} refused as fork bombs (of ${RANDOM_N})`);
    }, 3_600_000);
  });
}

/** The viewers of Go 1.19 and 1.21 (v1) and of 1.22 and 1.23 (v2) open what we write. */
const VIEWERS: [GoRelease, OracleRelease, string[]][] = [
  ['1.19', '1.19', ['default', 'annotations', 'gc-stress', 'syscalls']],
  ['1.21', '1.21', ['default', 'annotations', 'gc-stress']],
  ['1.22', '1.22', ['default', 'short-generations']],
  ['1.23', '1.23', ['default', 'annotations', 'short-generations']],
];

for (const [go, oracle, names] of VIEWERS) {
  describeWithGo(oracle, `go tool trace -http (Go ${oracle}) opens the ${go} preset's traces`, (tc) => {
    for (const name of names) {
      it(`${name}: parsed, split, listening, /jsontrace served`, async () => {
        const sc = name === 'default' ? { ...DEFAULT_SCENARIO, duration: '150ms' } : ORACLE_SCENARIOS[name];
        const r = sim(sc, go);
        const v = await goViewer(tc, r.trace!);
        expect(v.error).toBe('');
        expect(v.jsonBytes).toBeGreaterThan(1000);
      }, 120_000);
    }
  });
}

// entersyscall_gcwait during a stop-the-world: before CL 544215 the tracer wrote ProcStop, which
// is wrong when sysmon stole the P and handed it back between entersyscall and gcwait.
const GCWAIT: Scenario = {
  name: 'stw-syscalls',
  seed: 1,
  duration: '200ms',
  gomaxprocs: 4,
  goroutines: [
    { name: 'sys', count: 4, program: [{ loop: [{ compute: [{ func: 'main.work', file: '/app/main.go', line: 5 }], for: '6us' }, { syscall: [{ func: 'syscall.read', file: '/app/main.go', line: 6 }], cpu: '2us', block: '3us' }] }] },
    { name: 'alloc', count: 2, program: [{ loop: [{ compute: [{ func: 'main.build', file: '/app/main.go', line: 7 }], for: '20us' }, { alloc: '16KiB' }] }] },
    // sysmon retakes a P only on a second look at the same syscall: long syscalls keep it
    // looking every 20µs, and frequent stops put a second stop inside a gcwait's wait.
    { name: 'slow', count: 2, program: [{ loop: [{ syscall: [{ func: 'syscall.pread', file: '/app/main.go', line: 8 }], cpu: '2us', block: '150us' }, { compute: [{ func: 'main.parse', file: '/app/main.go', line: 9 }], for: '5us' }] }] },
    { name: 'stats', program: [{ loop: [{ stopTheWorld: 'read mem stats', for: '5us' }, { compute: [{ func: 'main.report', file: '/app/main.go', line: 10 }], for: '30us' }] }] },
  ],
  gc: { trigger: '256KiB', period: '1ms', stw: '3us', mark: '10us', workers: 0.25, assistNsPerKiB: 50 },
  profile: { hz: 100 },
  trace: { period: '20ms' },
};

describeWithGo('1.23', 'gcwait: real Go 1.23 rejects ProcStop where the P changed hands, accepts ProcSteal', (tc) => {
  it('seeds 1-4: ProcStop rejected exactly when the P was stolen and handed back; ProcSteal always accepted', () => {
    let rejected = 0;
    for (const seed of [1, 2, 3, 4]) {
      const dev = simulate({ ...GCWAIT, switches: { gcwaitEvent: 'ProcStop' } }, { overrides: { seed, go: '1.23' }, trace: true });
      const fixed = simulate({ ...GCWAIT, switches: { gcwaitEvent: 'ProcSteal' } }, { overrides: { seed, go: '1.23' }, trace: true });
      const stolen = stolenBetween(dev);
      const errDev = goValidate(tc, dev.trace!);
      if (stolen > 0) {
        expect(errDev, `seed ${seed}`).toMatch(/ProcStop/);
        rejected++;
      } else {
        expect(errDev, `seed ${seed}`).toBe('');
      }
      expect(goValidate(tc, fixed.trace!), `seed ${seed}`).toBe('');
      expect(stolenBetween(fixed)).toBe(stolen);
    }
    expect(rejected).toBeGreaterThan(0);
  }, 300_000);
});

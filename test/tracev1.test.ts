// The go 1.19 tracer: real Go reads what we write, counts agree, CPU samples are attributed
// the way each release attributes them, and output is deterministic.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulate } from '../bindings/runtime/simulate.ts';
import { DEFAULT_SCENARIO } from '../bindings/runtime/default-scenario.ts';
import { parseV1, validateV1, countsV1 } from '../bindings/formats/v1/index.ts';
import { decodeProfile } from '../bindings/formats/pprof.ts';
import { randomScenario } from './random-scenario.ts';
import type { Scenario } from '../bindings/sim/scenario.ts';

const GO = '/usr/lib/go-1.19/bin/go';
const hasGo = existsSync(GO);
const dir = mkdtempSync(join(tmpdir(), 'gts-v1-'));
const env = { ...process.env, HOME: dir, GOCACHE: join(dir, 'gocache'), GOPATH: join(dir, 'gopath') };

/** `go tool trace -d` on bytes: its per-type counts, or its error. */
function goCounts(trace: Uint8Array, name: string): { counts: Record<string, number>; error: string } {
  const f = join(dir, `${name}.trace`);
  writeFileSync(f, trace);
  const r = spawnSync(GO, ['tool', 'trace', '-d', f], { encoding: 'utf8', env, maxBuffer: 1 << 30 });
  const counts: Record<string, number> = {};
  for (const line of r.stdout.split('\n')) {
    const m = /^\d+ (\w+) p=/.exec(line);
    if (m) counts[m[1]] = (counts[m[1]] ?? 0) + 1;
  }
  return { counts, error: r.status === 0 ? '' : r.stderr || `exit ${r.status}` };
}

const f = (func: string, line = 10) => [{ func, file: '/app/main.go', line }];

const SCENARIOS: Record<string, Scenario> = {
  default: DEFAULT_SCENARIO,
  annotated: {
    gomaxprocs: 3,
    duration: '300ms',
    goroutines: [
      {
        name: 'job',
        count: 3,
        labels: { job: 'x' },
        program: [{ task: 'job', do: [{ loop: [{ region: 'step', do: [{ compute: f('main.step'), for: '300us' }, { log: 'progress', category: 'step' }] }, { gosched: true }, { sleep: '50us' }] }] }],
      },
      { name: 'spawner', program: [{ loop: [{ spawn: 'short', count: 2 }, { sleep: '2ms' }], times: 20 }] },
      { name: 'short', count: 0, program: [{ compute: f('main.short'), for: '100us' }] },
    ],
  },
  syscalls: {
    gomaxprocs: 2,
    duration: '300ms',
    goroutines: [
      { name: 'io', count: 4, program: [{ loop: [{ syscall: f('main.read'), cpu: '5us', block: '300us' }, { compute: f('main.parse'), for: '20us' }] }] },
      { name: 'alloc', program: [{ loop: [{ compute: f('main.build'), for: '30us' }, { alloc: '32KiB' }] }] },
      { name: 'spin', program: [{ loop: [{ compute: f('main.spin'), for: '1ms' }] }] },
    ],
    gc: { trigger: '1MiB', mark: '1ms' },
    threads: [{ name: 'C.work', busy: 0.3 }],
  },
};

describe.skipIf(!hasGo)('go tool trace (Go 1.19) accepts our v1 traces', () => {
  for (const [name, sc] of Object.entries(SCENARIOS)) {
    for (const seed of [1, 2]) {
      it(`${name}, seed ${seed}: parsed without error, per-type counts equal our summary`, () => {
        const r = simulate(sc, { overrides: { go: '1.19', seed, duration: '300ms' }, trace: true });
        const go = goCounts(r.trace!, `${name}-${seed}`);
        expect(go.error).toBe('');
        expect(go.counts).toEqual(r.summary.trace!.events);
        expect(r.summary.trace!.events.CPUSample).toBe(r.summary.trace!.cpuSamples.inTrace);
        // Our own reader agrees with both.
        expect(validateV1(r.trace!)).toBeNull();
        expect(countsV1(parseV1(r.trace!))).toEqual(r.summary.trace!.events);
      });
    }
  }
});

describe('CPU samples in the v1 trace', () => {
  it('go into the trace-owned profBuf and out as CPUSample events, conserved', () => {
    const r = simulate(DEFAULT_SCENARIO, { overrides: { go: '1.19', duration: '500ms' }, trace: true });
    const cs = r.summary.trace!.cpuSamples;
    expect(cs.taken).toBe(r.summary.profile.delivered - r.summary.profile.nonGo);
    expect(cs.taken).toBe(cs.buffered + cs.overflowed);
    expect(cs.inTrace).toBe(cs.buffered);
    const t = parseV1(r.trace!);
    const samples = t.events.filter((e) => e.name === 'CPUSample');
    expect(samples.length).toBe(cs.inTrace);
    // Re-sorted by the time taken in the handler.
    for (let i = 1; i < samples.length; i++) expect(samples[i].ts).toBeGreaterThanOrEqual(samples[i - 1].ts);
  });

  it('are not written before Go 1.19', () => {
    const r = simulate(DEFAULT_SCENARIO, { overrides: { go: '1.18', duration: '200ms' }, trace: true });
    expect(r.summary.trace!.events.CPUSample ?? 0).toBe(0);
    expect(r.summary.trace!.cpuSamples.taken).toBe(0);
  });
});

// TestTraceCPUProfile, in simulation: a labelled goroutine inside a region, doing work on g0
// through Gosched. Its trace samples per stack must cover its labelled pprof samples.
function traceCPUProfileCase(seed: number, attribution: 'curg' | 'gp') {
  const sc: Scenario = {
    go: '1.19',
    gomaxprocs: 2,
    duration: '1s',
    seed,
    costs: { gosched: '200us' },
    switches: { sampleAttribution: attribution },
    goroutines: [
      {
        name: 'hog',
        labels: { worker: 'hog' },
        program: [{ region: 'hogger', do: [{ loop: [{ compute: f('main.hog', 24), for: '300us' }, { gosched: true }] }] }],
      },
      { name: 'other', program: [{ loop: [{ compute: f('main.other', 40), for: '1ms' }] }] },
    ],
  };
  const r = simulate(sc, { trace: true });
  const hogId = r.summary.goroutines.find((g) => g.template === 'hog')!.id;
  const t = parseV1(r.trace!);
  const key = (frames: { func: string }[]) => frames.map((x) => x.func).join(';');
  const traceStacks = new Map<string, number>();
  let g0Samples = 0;
  for (const e of t.events) {
    if (e.name !== 'CPUSample') continue;
    const k = key(t.stacks.get(e.stack) ?? []);
    if (e.g === hogId) traceStacks.set(k, (traceStacks.get(k) ?? 0) + 1);
    if (e.g === 0 && k.includes('runtime.gosched_m')) g0Samples++;
  }
  const p = decodeProfile(r.pprof);
  const str = (i: number | bigint) => p.stringTable.strings[Number(i)];
  const fn = new Map(p.function.map((x) => [Number(x.id), str(x.name)]));
  const loc = new Map(p.location.map((l) => [Number(l.id), l.line.map((x) => fn.get(Number(x.functionId))!)]));
  const pprofStacks = new Map<string, number>();
  for (const s of p.sample) {
    if (!s.label.some((l) => str(l.key) === 'worker' && str(l.str) === 'hog')) continue;
    const k = s.locationId.flatMap((id) => loc.get(Number(id))!).join(';');
    pprofStacks.set(k, (pprofStacks.get(k) ?? 0) + Number(s.value[0]));
  }
  return { r, traceStacks, pprofStacks, g0Samples };
}

describe('TestTraceCPUProfile in simulation (seeds 003 + 000)', () => {
  for (const seed of [3, 0]) {
    it(`seed ${seed}, curg attribution: trace samples per stack ≥ the profile's labelled samples`, () => {
      const { r, traceStacks, pprofStacks, g0Samples } = traceCPUProfileCase(seed, 'curg');
      expect(r.summary.trace!.cpuSamples.overflowed).toBe(0);
      expect(pprofStacks.size).toBeGreaterThanOrEqual(2);
      const gosched = [...pprofStacks.keys()].filter((k) => k.includes('runtime.gosched_m'));
      expect(gosched.length).toBeGreaterThan(0); // the g0 work is in the profile under the labels
      for (const [stack, n] of pprofStacks) expect(traceStacks.get(stack) ?? 0).toBeGreaterThanOrEqual(n);
      expect(g0Samples).toBe(0);
    });

    it(`seed ${seed}, gp attribution (before the fix): the g0 samples go to goid 0, and the check catches it`, () => {
      const { traceStacks, pprofStacks, g0Samples } = traceCPUProfileCase(seed, 'gp');
      expect(g0Samples).toBeGreaterThan(0);
      const failing = [...pprofStacks].filter(([stack, n]) => (traceStacks.get(stack) ?? 0) < n);
      expect(failing.length).toBeGreaterThan(0);
      expect(failing.every(([stack]) => stack.includes('runtime.gosched_m'))).toBe(true);
    });
  }
});

describe('v1 trace determinism', () => {
  it('writes byte-identical traces for the same scenario and seed', () => {
    const a = simulate(SCENARIOS.syscalls, { overrides: { go: '1.19' }, trace: true }).trace!;
    const b = simulate(SCENARIOS.syscalls, { overrides: { go: '1.19' }, trace: true }).trace!;
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const c = simulate(SCENARIOS.syscalls, { overrides: { go: '1.19', seed: 9 }, trace: true }).trace!;
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });
});

describe.skipIf(!hasGo)('property: random scenarios × v1 presets are accepted by go tool trace (CI slice)', () => {
  const N = Number(process.env.GTS_PROPERTY_N ?? 12);
  it(`${N} random scenarios`, () => {
    for (let i = 0; i < N; i++) {
      // Go 1.19's parser reads "go 1.19 trace" (written by 1.19 and 1.20); 1.21's header is
      // newer than it knows, so those traces are checked with our own reader.
      const go = (['1.19', '1.20', '1.21'] as const)[i % 3];
      const sc = randomScenario(1000 + i, go);
      const r = simulate(sc, { trace: true });
      if (go === '1.21') {
        expect({ i, error: validateV1(r.trace!)?.message ?? '' }).toEqual({ i, error: '' });
        expect(countsV1(parseV1(r.trace!))).toEqual(r.summary.trace!.events);
        continue;
      }
      const got = goCounts(r.trace!, `prop-${i}`);
      expect({ i, error: got.error }).toEqual({ i, error: '' });
      expect(got.counts).toEqual(r.summary.trace!.events);
    }
  }, 300_000);
});

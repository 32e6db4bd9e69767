// `gotracesim run` end to end: outputs, errors, exit codes, and Go's own pprof reading them.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProfile } from '../bindings/formats/pprof.ts';

const CLI = fileURLToPath(new URL('../build/lib/cli.js', import.meta.url));
const GO = '/usr/lib/go-1.19/bin/go';
const hasGo = existsSync(GO);

function gts(args: string[], cwd?: string) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd });
}

function traceFormatOf(out: string): string {
  return JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).trace.format;
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'gts-cli-'));
}

describe('gotracesim run', () => {
  it('runs the built-in default scenario and writes cpu.pprof, trace.out and summary.json', () => {
    const out = join(tmp(), 'out');
    const r = gts(['run', '-o', out, '--duration', '300ms', '--seed', '5']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/default \(Go 1\.23, seed 5, 0\.300s simulated, GOMAXPROCS=4/);
    expect(readdirSync(out).sort()).toEqual(['cpu.pprof', 'summary.json', 'trace.out']);
    expect(traceFormatOf(out)).toBe('go1.23');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.seed).toBe(5);
    expect(summary.durationNs).toBe(300e6);
    const p = decodeProfile(readFileSync(join(out, 'cpu.pprof')));
    expect(p.sample.reduce((a, s) => a + Number(s.value[0]), 0)).toBe(summary.profile.inProfile + summary.profile.lostToOverflow);
  });

  it('applies --go to the scenario file', () => {
    const dir = tmp();
    const f = join(dir, 's.json');
    writeFileSync(f, JSON.stringify({ goroutines: [{ name: 'a', program: [{ loop: [{ compute: [{ func: 'main.a', file: 'a.go', line: 1 }], for: '1ms' }] }] }] }));
    const r = gts(['run', f, '-o', join(dir, 'o'), '--go', '1.17', '--duration', '100ms']);
    expect(r.status).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'o', 'summary.json'), 'utf8')).profile.timer).toBe('setitimer');
  });

  const bad: [string, string, RegExp][] = [
    ['unknown field', JSON.stringify({ goroutines: [{ name: 'a', program: [] }], gomaxprocz: 4 }), /s\.json: gomaxprocz: unknown field/],
    ['negative duration', JSON.stringify({ duration: '-1s', goroutines: [{ name: 'a', program: [] }] }), /duration: must be a duration/],
    ['GOMAXPROCS 0', JSON.stringify({ gomaxprocs: 0, goroutines: [{ name: 'a', program: [] }] }), /gomaxprocs: must be between 1 and 1024, got 0/],
    ['malformed JSON', '{"goroutines": [', /s\.json: scenario: malformed JSON/],
    ['a malformed trace period', JSON.stringify({ trace: { period: '50 ms' }, goroutines: [{ name: 'a', program: [] }] }), /trace\.period: must be a duration such as/],
    ['an unknown trace field', JSON.stringify({ trace: { buffer: 1 }, goroutines: [{ name: 'a', program: [] }] }), /trace\.buffer: unknown field \(allowed: period, cpuReaderEvery\)/],
    ['a bad step deep inside', JSON.stringify({ goroutines: [{ name: 'a', program: [{ loop: [{ compute: 'nope', for: '1ms' }] }] }] }), /goroutines\[0\]\.program\[0\]\.loop\[0\]\.compute: names no stack/],
  ];
  for (const [what, text, msg] of bad) {
    it(`rejects a scenario with ${what}: exit 1, the field named, no output left`, () => {
      const dir = tmp();
      const f = join(dir, 's.json');
      writeFileSync(f, text);
      const out = join(dir, 'out');
      const r = gts(['run', f, '-o', out]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(msg);
      expect(existsSync(out)).toBe(false);
    });
  }

  it('leaves an existing output directory without partial files on error', () => {
    const dir = tmp();
    const out = join(dir, 'out');
    mkdirSync(out);
    writeFileSync(join(dir, 's.json'), '{');
    expect(gts(['run', join(dir, 's.json'), '-o', out]).status).toBe(1);
    expect(readdirSync(out)).toEqual([]);
  });

  it('reports bad usage with exit 2', () => {
    expect(gts(['run', '--seed', 'x']).status).toBe(2);
    expect(gts(['run', 'a.json', 'b.json']).status).toBe(2);
    expect(gts(['run', '--bogus']).status).toBe(2);
    const r = gts(['run', '/nonexistent/s.json', '-o', join(tmp(), 'o')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\/nonexistent\/s\.json: scenario: cannot read/);
  });
});

describe.skipIf(!hasGo)('go tool trace (Go 1.19) reads the trace.out run writes for Go 1.19', () => {
  it('parses it with -d, the per-type counts equal the summary\'s', () => {
    const dir = tmp();
    const out = join(dir, 'out');
    expect(gts(['run', '-o', out, '--go', '1.19', '--duration', '200ms']).status).toBe(0);
    const env = { ...process.env, HOME: dir, GOCACHE: join(dir, 'gocache'), GOPATH: join(dir, 'gopath') };
    const r = spawnSync(GO, ['tool', 'trace', '-d', join(out, 'trace.out')], { encoding: 'utf8', env, maxBuffer: 1 << 28 });
    expect(r.status).toBe(0);
    const counts: Record<string, number> = {};
    for (const m of r.stdout.matchAll(/^\d+ (\w+) p=/gm)) counts[m[1]] = (counts[m[1]] ?? 0) + 1;
    expect(counts).toEqual(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).trace.events);
  });
});

describe.skipIf(!hasGo)('go tool pprof (Go 1.19) reads what run writes', () => {
  it('parses cpu.pprof with -raw and sees the same samples and labels', () => {
    const dir = tmp();
    const out = join(dir, 'out');
    expect(gts(['run', '-o', out]).status).toBe(0);
    const env = { ...process.env, HOME: dir, GOCACHE: join(dir, 'gocache'), GOPATH: join(dir, 'gopath') };
    const r = spawnSync(GO, ['tool', 'pprof', '-raw', join(out, 'cpu.pprof')], { encoding: 'utf8', env });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^PeriodType: cpu nanoseconds\nPeriod: 10000000\n/m);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    // Sample lines: "  count  nanos: loc ids"; their counts add up to the profile's.
    const counts = [...r.stdout.matchAll(/^\s+(\d+)\s+(\d+): [\d ]+$/gm)].map((m) => Number(m[1]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(summary.profile.inProfile + summary.profile.lostToOverflow);
    expect(r.stdout).toMatch(/worker:\[hash\]/);
    expect(r.stdout).toMatch(/main\.hashWorker \/app\/main\.go:41/);
  });
});

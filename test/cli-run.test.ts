// `gotracesim run` end to end: outputs, errors, exit codes, and Go's own pprof reading them.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProfile } from '../bindings/formats/pprof.ts';
import { describeWithGo, goCheckV2, goPprofRaw, goTraceDump } from './oracle/go.ts';

const CLI = fileURLToPath(new URL('../build/lib/cli.js', import.meta.url));

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
    expect(readdirSync(out).sort()).toEqual(['cpu.pprof', 'summary.json', 'trace.out', 'truth.pprof']);
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
    // An unreadable scenario is exit 2 (as every unreadable input), a bad one exit 1.
    const o = join(tmp(), 'o');
    const r = gts(['run', '/nonexistent/s.json', '-o', o]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('gotracesim: /nonexistent/s.json: scenario: cannot read: ENOENT: no such file or directory\n');
    expect(existsSync(o)).toBe(false);
  });
});

// The CLI's trace.out, judged by the Go that reads each format (oracle-writers.test.ts judges the API's).
describeWithGo('1.19', 'go tool trace -d (Go 1.19) reads the trace.out run writes for Go 1.19', (tc) => {
  it("parses it, the per-type counts equal the summary's", () => {
    const out = join(tmp(), 'out');
    expect(gts(['run', '-o', out, '--go', '1.19', '--duration', '200ms']).status).toBe(0);
    const r = goTraceDump(tc, join(out, 'trace.out'));
    expect(r.error).toBe('');
    expect(r.counts).toEqual(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).trace.events);
  });
});

describeWithGo('1.23', 'gotracevalidate (Go 1.23) accepts the trace.out run writes by default', (tc) => {
  it("valid, the per-type counts equal the summary's", () => {
    const out = join(tmp(), 'out');
    expect(gts(['run', '-o', out, '--duration', '200ms']).status).toBe(0);
    const r = goCheckV2(tc, readFileSync(join(out, 'trace.out')));
    expect(r.error).toBe('');
    expect(r.counts).toEqual(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).trace.events);
  });
});

for (const release of ['1.19', '1.23'] as const) {
  describeWithGo(release, `go tool pprof -raw (Go ${release}) reads what run writes`, (tc) => {
    it('parses cpu.pprof and sees the same samples and labels', () => {
      const dir = tmp();
      const out = join(dir, 'out');
      expect(gts(['run', '-o', out, '--go', release === '1.19' ? '1.19' : '1.23']).status).toBe(0);
      const r = goPprofRaw(tc, join(out, 'cpu.pprof'));
      expect(r.error).toBe('');
      expect(r.out).toMatch(/^PeriodType: cpu nanoseconds\nPeriod: 10000000\n/m);
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
      // Sample lines: "  count  nanos: loc ids"; their counts add up to the profile's.
      const counts = [...r.out.matchAll(/^\s+(\d+)\s+(\d+): [\d ]+$/gm)].map((m) => Number(m[1]));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(summary.profile.inProfile + summary.profile.lostToOverflow);
      expect(r.out).toMatch(/worker:\[hash\]/);
      expect(r.out).toMatch(/main\.hashWorker \/app\/main\.go:41/);
    });
  });
}

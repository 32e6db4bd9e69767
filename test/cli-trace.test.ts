// `gotracesim validate | dump | stats` end to end on the built CLI (build/lib/cli.js):
// exit codes, output shapes, and the text round trip.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TraceError, countsV1, countsV2, parseV1, textToWire } from '../bindings/formats/index.ts';

const CLI = fileURLToPath(new URL('../build/lib/cli.js', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../shared/fixtures/go1.19/', import.meta.url));
const CONF = fileURLToPath(new URL('../../shared/conformance/go122/', import.meta.url));
const HOG = join(FIXTURES, 'hog.trace');

function gts(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
}

const dir = mkdtempSync(join(tmpdir(), 'gts-cli-trace-'));
const traceSection = (file: string): string => {
  const s = readFileSync(join(CONF, file), 'utf8');
  return s.slice(s.indexOf('-- trace --\n') + 12);
};
function wireFile(name: string): string {
  const w = textToWire(traceSection(name));
  if (w instanceof TraceError) throw w;
  const f = join(dir, name.replace(/\.test$/, '.bin'));
  writeFileSync(f, w);
  return f;
}

const broken = join(dir, 'broken.trace');
{
  const b = new Uint8Array(readFileSync(HOG));
  const start = parseV1(b).events.find((e) => e.name === 'ProcStart' && e.p === 0)!;
  b[start.offset] = (b[start.offset] & 0xc0) | 33; // ProcStart → HeapAlloc
  writeFileSync(broken, b);
}
const garbage = join(dir, 'garbage.bin');
writeFileSync(garbage, Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24));

describe('gotracesim validate', { timeout: 60000 }, () => {
  it('valid v1 fixture: OK, exit 0', () => {
    const r = gts(['validate', HOG]);
    expect(r.stdout).toBe('OK\n');
    expect(r.status).toBe(0);
  });

  it('valid v2 wire bytes, text trace and txtar test file: OK, exit 0', () => {
    expect(gts(['validate', wireFile('go122-gc-stress.test')]).status).toBe(0);
    const txt = join(dir, 'gc.txt');
    writeFileSync(txt, traceSection('go122-gc-stress.test'));
    expect(gts(['validate', txt]).stdout).toBe('OK\n');
    expect(gts(['validate', join(CONF, 'go125-sync.test')]).status).toBe(0);
  });

  it('a broken copy: the error with its location, exit 1', () => {
    const r = gts(['validate', broken]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/broken\.trace: .+ \(at byte offset \d+/);
  });

  it('a failing conformance trace (wire): message, offset, generation and batch, exit 1', () => {
    const r = gts(['validate', wireFile('go122-fail-first-gen-first.test')]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/expected a proc but didn't have one \(at byte offset \d+, generation 1, batch \d+\)/);
  });

  it('garbage bytes: not a trace, exit 1 (the file was read; its content is not a valid trace)', () => {
    const r = gts(['validate', garbage]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/not a Go execution trace/);
  });

  it('a missing file or a directory: exit 2', () => {
    const r = gts(['validate', join(dir, 'nope.trace')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/nope\.trace: cannot read: ENOENT/);
    expect(gts(['validate', dir]).status).toBe(2);
  });

  it('bad usage: exit 2', () => {
    expect(gts(['validate']).status).toBe(2);
    expect(gts(['validate', HOG, HOG]).status).toBe(2);
    expect(gts(['validate', '--bogus', HOG]).status).toBe(2);
    expect(gts(['stats', HOG, '--text']).status).toBe(2);
    expect(gts(['dump']).status).toBe(2);
  });

  it('help lists the trace commands', () => {
    const r = gts(['help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/gotracesim validate FILE/);
    expect(r.stdout).toMatch(/gotracesim dump FILE \[--text\]/);
    expect(r.stdout).toMatch(/gotracesim stats FILE \[--json\]/);
  });
});

describe('gotracesim stats', { timeout: 60000 }, () => {
  it('--json on a v1 fixture: format, events keyed by the names go tool trace -d prints', () => {
    const r = gts(['stats', '--json', HOG]);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j).slice(0, 2)).toEqual(['format', 'events']);
    expect(j.format).toBe('go1.19');
    expect(j.events).toEqual(countsV1(parseV1(new Uint8Array(readFileSync(HOG)))));
    expect(j.events.GoStart).toBe(59919);
    expect(j.events.CPUSample).toBe(30);
    expect(j.cpuSamples.byGoroutine).toEqual({ '8': 15, '9': 15 });
    expect(j.goroutines.length).toBeGreaterThan(2);
    expect(Object.keys(j.goroutines[0]).sort()).toEqual(['absent', 'cpuSamples', 'g', 'runnable', 'running', 'syscall', 'waiting']);
    expect(j.procs.map((p: { p: number }) => p.p)).toEqual([0, 1]);
  });

  it('--json on v2 wire bytes and on Go1.25 text', () => {
    const f = wireFile('go122-gc-stress.test');
    const j = JSON.parse(gts(['stats', f, '--json']).stdout);
    expect(j.format).toBe('go1.22');
    expect(j.events).toEqual(countsV2(new Uint8Array(readFileSync(f))).counts);
    const j25 = JSON.parse(gts(['stats', join(CONF, 'go125-sync.test'), '--json']).stdout);
    expect(j25.format).toBe('go1.25');
  });

  it('human output, and exit 1 on a broken trace', () => {
    const r = gts(['stats', HOG]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/go1\.19 trace, 119969 events/);
    expect(r.stdout).toMatch(/^\s+59919 GoStart$/m);
    const b = gts(['stats', broken, '--json']);
    expect(b.status).toBe(1);
    expect(b.stderr).toMatch(/invalid trace: .* \(at byte offset \d+/);
    expect(gts(['stats', garbage]).status).toBe(1);
  });
});

describe('gotracesim dump', { timeout: 60000 }, () => {
  it('prints one line per event (v1)', () => {
    const r = gts(['dump', HOG]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBe(119969);
    expect(lines[0]).toMatch(/^0 GoCreate G=0 P=\d+ off=\d+ .*g=1/);
    expect(lines.filter((l) => / CPUSample /.test(l)).length).toBe(30);
  });

  it('--text on v1: exit 2 with a clear message', () => {
    const r = gts(['dump', '--text', HOG]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/go1\.19 trace; Go's text format exists only for Go1\.22\+ traces/);
  });

  it('--text round-trips every conformance trace (wire → text) to the same text', () => {
    for (const name of readdirSync(CONF).filter((f) => f.endsWith('.test'))) {
      const r = gts(['dump', '--text', wireFile(name)]);
      expect(r.status, name).toBe(0);
      expect(r.stdout, name).toBe(traceSection(name));
    }
  });

  it('v2 events, and a broken trace ends with exit 1 after the events before the error', () => {
    const r = gts(['dump', wireFile('go122-annotations.test')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/ UserTaskBegin G=\d+ P=\d+ M=\d+ gen=1 off=\d+ .*name_string=\d+ .*name_string="/);
    const b = gts(['dump', wireFile('go122-fail-first-gen-first.test')]);
    expect(b.status).toBe(1);
    expect(b.stderr).toMatch(/invalid trace: expected a proc/);
  });
});

// `gotracesim validate | dump | stats` end to end on the built CLI (build/lib/cli.js):
// exit codes, output shapes, and the text round trip. Data (test/data.ts): the hog fixture and
// what `go tool trace -d` printed for it; Go's text tests from GOROOT of an installed Go 1.23
// (those tests are skipped, by name, without it); our own Go1.25 text test.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelPrinter, TraceError, countsV1, countsV2, parseV1, runModel, textToWire } from '../bindings/formats/index.ts';
import { conformanceTests, fixtureCounts, fixtureDumpLines, fixturePath, ourTextTests, parseDumpLine } from './data.ts';
import { describeWithGo, toolchain } from './oracle/go.ts';

const CLI = fileURLToPath(new URL('../build/lib/cli.js', import.meta.url));
const HOG = fixturePath('hog');
/** What `go tool trace -d` printed for the hog fixture: counts by type, and their total. */
const HOG_COUNTS = fixtureCounts('hog');
const HOG_EVENTS = Object.values(HOG_COUNTS).reduce((a, b) => a + b, 0);
const GO125 = ourTextTests().find((t) => t.name === 'gotracesim-go125-sync.test')!;
const GO123 = toolchain('1.23');
/** Go's text tests (GOROOT of Go 1.23) and ours; only ours without that Go. */
const CONF = GO123 ? conformanceTests(GO123.goroot) : ourTextTests();

function gts(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
}

const dir = mkdtempSync(join(tmpdir(), 'gts-cli-trace-'));
const traceSection = (file: string): string => CONF.find((t) => t.name === file)!.text;
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

  it('valid Go1.25 wire bytes, text trace and txtar test file: OK, exit 0', () => {
    expect(gts(['validate', wireFile(GO125.name)]).stdout).toBe('OK\n');
    const txt = join(dir, 'go125.txt');
    writeFileSync(txt, GO125.text);
    expect(gts(['validate', txt]).stdout).toBe('OK\n');
    expect(gts(['validate', GO125.path]).stdout).toBe('OK\n');
    expect(gts(['validate', GO125.path]).status).toBe(0);
  });

  describeWithGo('1.23', "Go's text tests (GOROOT)", () => {
    it('valid v2 wire bytes and text trace: OK, exit 0', () => {
      expect(gts(['validate', wireFile('go122-gc-stress.test')]).status).toBe(0);
      const txt = join(dir, 'gc.txt');
      writeFileSync(txt, traceSection('go122-gc-stress.test'));
      expect(gts(['validate', txt]).stdout).toBe('OK\n');
    });

    it('a failing conformance trace (wire): message, offset, generation and batch, exit 1', () => {
      const r = gts(['validate', wireFile('go122-fail-first-gen-first.test')]);
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/expected a proc but didn't have one \(at byte offset \d+, generation 1, batch \d+\)/);
    });
  });

  it('a broken copy: the error with its location, exit 1', () => {
    const r = gts(['validate', broken]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/broken\.trace: .+ \(at byte offset \d+/);
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
    // ... and equal to what go tool trace -d counted.
    expect(j.events).toEqual(HOG_COUNTS);
    const byG: Record<string, number> = {};
    for (const l of fixtureDumpLines('hog', 'cpu').map(parseDumpLine)) byG[l.g] = (byG[l.g] ?? 0) + 1;
    expect(j.cpuSamples.byGoroutine).toEqual(byG);
    expect(j.cpuSamples.total).toBe(HOG_COUNTS.CPUSample);
    expect(j.goroutines.length).toBeGreaterThan(2);
    expect(Object.keys(j.goroutines[0]).sort()).toEqual(['absent', 'cpuSamples', 'g', 'runnable', 'running', 'syscall', 'waiting']);
    expect(j.procs.map((p: { p: number }) => p.p)).toEqual([0, 1]);
  });

  it('--json on Go1.25 wire bytes and text', () => {
    const f = wireFile(GO125.name);
    const j = JSON.parse(gts(['stats', f, '--json']).stdout);
    expect(j.format).toBe('go1.25');
    expect(j.events).toEqual(countsV2(new Uint8Array(readFileSync(f))).counts);
    expect(j.events).toEqual({ ProcStatus: 2, GoStatus: 2, GoStop: 2, GoStart: 2 }); // its README
    const j25 = JSON.parse(gts(['stats', GO125.path, '--json']).stdout);
    expect(j25.format).toBe('go1.25');
    expect(j25.events).toEqual(j.events);
  });

  describeWithGo('1.23', "Go's text tests (GOROOT)", () => {
    it('--json on v2 wire bytes', () => {
      const f = wireFile('go122-gc-stress.test');
      const j = JSON.parse(gts(['stats', f, '--json']).stdout);
      expect(j.format).toBe('go1.22');
      expect(j.events).toEqual(countsV2(new Uint8Array(readFileSync(f))).counts);
    });
  });

  it('human output, and exit 1 on a broken trace', () => {
    const r = gts(['stats', HOG]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`go1.19 trace, ${HOG_EVENTS} events`);
    expect(r.stdout).toMatch(new RegExp(`^\\s+${HOG_COUNTS.GoStart} GoStart$`, 'm'));
    const b = gts(['stats', broken, '--json']);
    expect(b.status).toBe(1);
    expect(b.stderr).toMatch(/invalid trace: .* \(at byte offset \d+/);
    expect(gts(['stats', garbage]).status).toBe(1);
  });
});

describe('gotracesim dump', { timeout: 60000 }, () => {
  it('--raw prints one line per event (v1)', () => {
    const r = gts(['dump', '--raw', HOG]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBe(HOG_EVENTS);
    expect(lines[0]).toMatch(/^0 GoCreate G=0 P=\d+ off=\d+ .*g=1/);
    expect(lines.filter((l) => / CPUSample /.test(l)).length).toBe(HOG_COUNTS.CPUSample);
  });

  it('--text on v1: exit 2 with a clear message', () => {
    const r = gts(['dump', '--text', HOG]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/go1\.19 trace; Go's text format exists only for Go1\.22\+ traces/);
  });

  it('--text round-trips our Go1.25 trace (wire → text) to the same text', () => {
    const r = gts(['dump', '--text', wireFile(GO125.name)]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(GO125.text);
  });

  describeWithGo('1.23', "Go's text tests (GOROOT)", () => {
    it('--text round-trips every conformance trace (wire → text) to the same text', () => {
      expect(CONF.length).toBeGreaterThan(14);
      for (const { name } of CONF) {
        const r = gts(['dump', '--text', wireFile(name)]);
        expect(r.status, name).toBe(0);
        expect(r.stdout, name).toBe(traceSection(name));
      }
    });

    it('--raw: v2 events, and a broken trace ends with exit 1 after the events before the error', () => {
      const r = gts(['dump', '--raw', wireFile('go122-annotations.test')]);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/ UserTaskBegin G=\d+ P=\d+ M=\d+ gen=1 off=\d+ .*name_string=\d+ .*name_string="/);
      const b = gts(['dump', '--raw', wireFile('go122-fail-first-gen-first.test')]);
      expect(b.status).toBe(1);
      expect(b.stderr).toMatch(/invalid trace: expected a proc/);
    });

    it("the model as Go's -d=1 prints it, for wire bytes and the same text; a broken trace: the events before the error, exit 1", () => {
      const name = 'go122-annotations.test';
      const parts: string[] = [];
      expect(runModel(traceSection(name), new ModelPrinter((s) => parts.push(s)))).toBeNull();
      const r = gts(['dump', wireFile(name)]);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(parts.join(''));
      expect(r.stdout).toMatch(/^M=\d+ P=-1 G=-1 StateTransition Time=\d+ Resource=Proc\(0\) Reason="" ProcID=0 Undetermined->Running\n/);
      expect(r.stdout).toMatch(/\nM=\d+ P=\d+ G=\d+ TaskBegin Time=\d+ ID=\d+ Parent=18446744073709551615 Type="task0"\n/);
      expect(r.stdout).toMatch(/\nM=-1 P=-1 G=-1 Sync Time=\d+\n$/);
      const txt = join(dir, 'annotations.txt');
      writeFileSync(txt, traceSection(name));
      expect(gts(['dump', txt]).stdout).toBe(r.stdout);
      const b = gts(['dump', wireFile('go122-fail-first-gen-first.test')]);
      expect(b.status).toBe(1);
      expect(b.stderr).toMatch(/invalid trace: expected a proc/);
      expect(gts(['dump', '--raw', '--text', wireFile(name)]).status).toBe(2);
    });
  });
});

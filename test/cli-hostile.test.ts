// The built CLI (build/lib/cli.js) against a hostile user: signals in the middle of a run or a
// sweep, planted symlinks, outputs that would overwrite inputs or cannot be written, simulated
// programs that die, --help and --version, the progress bar on a terminal. Each case checks
// the message, the exit code, and that nothing is left behind or changed.
//
// Terminals come from util-linux `script` (a pty for the command); those cases are skipped,
// by name, without it. No assertion is about time: waits poll for a file or a row, and a
// spawn that hangs fails by its generous timeout.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SCENARIO } from '../bindings/scenario/default-scenario.ts';
import { expandGrid, parseGrid } from '../bindings/app/sweep-grid.ts';
import { createTemp } from '../bindings/app/files.ts';
import { fixturePath } from './data.ts';

const CLI = fileURLToPath(new URL('../build/lib/cli.js', import.meta.url));
const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const HAS_SCRIPT = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
const ROOT = process.getuid?.() === 0;
/** Long enough that a run is still going when the signal comes (seconds of wall time). */
const LONG = '600s';

const tmp = () => mkdtempSync(join(tmpdir(), 'gts-hostile-'));

function gts(args: string[], cwd?: string) {
  // The timeout only turns a hang into a failure (r.signal === 'SIGTERM').
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd, timeout: 60_000 });
}

/** Every file under dir (relative paths, hidden ones too) with its bytes, for "nothing changed". */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else out[relative(dir, p)] = st.isSymbolicLink() ? `-> link` : readFileSync(p, 'latin1');
    }
  };
  walk(dir);
  return out;
}

/** Poll until `ok()` (a file appears, a row is written); fail after a minute. */
async function waitFor(ok: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (ok()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never happened: ${what}`);
}

function spawnCli(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((r) => child.once('close', (code, signal) => r({ code, signal, stdout, stderr })));
  return { child, done };
}

const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The CLI on a terminal: `script` gives it a pty for stdin, stdout and stderr (all three end
 * up in `output`). The node process writes its pid to a file first (exec keeps the pid), so
 * that a test can signal it and not `script`.
 */
function underTty(dir: string, args: string[]): { pid: () => number | null; done: Promise<{ code: number | null; output: string }> } {
  const pidFile = join(dir, 'cli.pid');
  const runner = join(dir, 'tty.sh');
  writeFileSync(runner, `echo $$ > ${sh(pidFile)}\nexec ${sh(process.execPath)} ${sh(CLI)} ${args.map(sh).join(' ')}\n`);
  const child = spawn('script', ['-qec', `sh ${sh(runner)}`, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return {
    pid: () => (existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() ? Number(readFileSync(pidFile, 'utf8')) : null),
    done: new Promise((r) => child.once('close', (code) => r({ code, output }))),
  };
}

/** cli-progress turns line wrapping off (ESC[?7l) while it draws: it must be on again at the end. */
function wrapRestored(output: string): boolean {
  const off = output.lastIndexOf('\x1b[?7l');
  return off < 0 || output.indexOf('\x1b[?7h', off) > off;
}

const tempsIn = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.tmp')) : []);

describe('gotracesim run, interrupted', { timeout: 120_000 }, () => {
  it('SIGINT into a new directory: exit 130, one line, no temporary file, no directory', async () => {
    const dir = tmp();
    const out = join(dir, 'new', 'out');
    const { child, done } = spawnCli(['run', '-o', out, '--duration', LONG]);
    await waitFor(() => tempsIn(out).length > 0, 'the trace temporary file');
    const temp = tempsIn(out)[0];
    expect(temp).toMatch(/^\.trace\.out\.[0-9a-f]{16}\.tmp$/); // random, not the pid
    child.kill('SIGINT');
    const r = await done;
    expect([r.code, r.signal]).toEqual([130, null]);
    expect(r.stderr).toBe(`gotracesim: interrupted (SIGINT); removed ${join(out, temp)}, ${join(dir, 'new')}\n`);
    expect(r.stdout).toBe('');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('SIGTERM into an existing directory: exit 130, one line, its previous contents kept', async () => {
    const dir = tmp();
    const out = join(dir, 'out');
    mkdirSync(out);
    writeFileSync(join(out, 'trace.out'), 'previous trace');
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const before = snapshot(dir);
    const { child, done } = spawnCli(['run', '-o', out, '--duration', LONG]);
    await waitFor(() => tempsIn(out).length > 0, 'the trace temporary file');
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/^gotracesim: interrupted \(SIGTERM\); removed \S+\/\.trace\.out\.[0-9a-f]{16}\.tmp\n$/);
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('gotracesim export, interrupted', { timeout: 120_000 }, () => {
  it('SIGINT during the conversion: exit 130 once it is seen, one line, no output, no temporary file', async () => {
    const dir = tmp();
    const run = join(dir, 'run');
    expect(gts(['run', '-o', run, '--duration', '4s']).status).toBe(0); // a trace of megabytes: seconds to convert
    const before = snapshot(dir);
    const out = join(dir, 'x.json');
    const { child, done } = spawnCli(['export', '--chrome', join(run, 'trace.out'), '-o', out]);
    await waitFor(() => tempsIn(dir).length > 0, 'the export temporary file');
    const temp = tempsIn(dir)[0];
    expect(temp).toMatch(/^\.x\.json\.[0-9a-f]{16}\.tmp$/);
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    expect(r.stderr).toBe(`gotracesim export: interrupted (SIGINT); removed ${join(dir, temp)}\n`);
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('gotracesim run: a simulated program that dies or makes no progress', () => {
  const f = [{ func: 'main.x', file: '/app/main.go', line: 1 }];
  const cases: [string, unknown, RegExp][] = [
    ['past the 10000-thread limit', { duration: '1s', goroutines: [{ name: 's', count: 10001, program: [{ syscall: f, cpu: '1us', block: '1s' }] }] }, /s\.json: runtime: program exceeds 10000-thread limit/],
    ['a free Gosched loop', { duration: '10ms', costs: { gosched: '0ns', schedule: '0ns' }, goroutines: [{ name: 'spinner', program: [{ loop: [{ gosched: true }] }] }] }, /s\.json: goroutines\[0\] "spinner": program\[0\]\.loop\[0\] \(gosched\) makes no progress in virtual time/],
  ];
  for (const [what, sc, msg] of cases) {
    it(`${what}: exit 1, one line, nothing left`, () => {
      const dir = tmp();
      writeFileSync(join(dir, 's.json'), JSON.stringify(sc));
      const r = gts(['run', join(dir, 's.json'), '-o', join(dir, 'a', 'out')]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.split('\n')).toHaveLength(2);
      expect(readdirSync(dir)).toEqual(['s.json']);
    }, 60_000);
  }
});

describe('planted symlinks are never written through', () => {
  it('a link planted at the temporary name: another name is drawn, the target is unchanged', () => {
    const dir = tmp();
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious');
    // The first name drawn is known (and planted); the second is not.
    let n = 0;
    const rand = (k: number) => Buffer.alloc(k, n++ === 0 ? 0xaa : 0xbb);
    symlinkSync(victim, join(dir, `.trace.out.${'aa'.repeat(8)}.tmp`));
    symlinkSync(join(dir, 'missing'), join(dir, `.cpu.pprof.${'aa'.repeat(8)}.tmp`)); // dangling: O_CREAT would create its target
    n = 0;
    const t = createTemp(dir, 'trace.out', rand);
    expect(t.path).toBe(join(dir, `.trace.out.${'bb'.repeat(8)}.tmp`));
    n = 0;
    expect(createTemp(dir, 'cpu.pprof', rand).path).toBe(join(dir, `.cpu.pprof.${'bb'.repeat(8)}.tmp`));
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(existsSync(join(dir, 'missing'))).toBe(false);
    // Every name planted: an error naming the output, not a write through a link.
    const always = (k: number) => Buffer.alloc(k, 0xaa);
    expect(() => createTemp(dir, 'trace.out', always)).toThrow(new RegExp(`${join(dir, 'trace.out')}: cannot write: EEXIST`));
    expect(readFileSync(victim, 'utf8')).toBe('precious');
  });

  it('run into a directory whose outputs are links: the links are replaced, their targets unchanged', () => {
    const dir = tmp();
    const out = join(dir, 'out');
    mkdirSync(out);
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious');
    for (const n of ['trace.out', 'cpu.pprof', 'summary.json']) symlinkSync(victim, join(out, n));
    const r = gts(['run', '-o', out, '--duration', '50ms']);
    expect(r.status).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    for (const n of ['trace.out', 'cpu.pprof', 'summary.json']) expect(lstatSync(join(out, n)).isFile()).toBe(true);
    expect(tempsIn(out)).toEqual([]);
  });
});

describe('export and report never overwrite their input', () => {
  it('export -o onto the input (same name, ./name, a symlink, a hard link): exit 2, one line, input unchanged', () => {
    const dir = tmp();
    const input = join(dir, 'x');
    copyFileSync(fixturePath('hog'), input);
    symlinkSync(input, join(dir, 'sym'));
    linkSync(input, join(dir, 'hard'));
    const before = snapshot(dir);
    for (const [out, cwd] of [[input, undefined], ['./x', dir], [join(dir, 'sym'), undefined], [join(dir, 'hard'), undefined]] as const) {
      const r = gts(['export', '--chrome', cwd ? 'x' : input, '-o', out], cwd);
      expect(r.status, out).toBe(2);
      expect(r.stderr).toBe(`gotracesim export: ${out}: refusing to write: it is the input trace ${cwd ? 'x' : input}\n`);
      expect(snapshot(dir)).toEqual(before);
    }
  });

  it('report -o onto one of the run directory files: exit 2, one line, unchanged', () => {
    const dir = tmp();
    const run = join(dir, 'run');
    expect(gts(['run', '-o', run, '--duration', '50ms']).status).toBe(0);
    const before = snapshot(dir);
    const r = gts(['report', run, '-o', join(run, 'summary.json')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`gotracesim report: ${join(run, 'summary.json')}: refusing to write: it is the input ${join(run, 'summary.json')}\n`);
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('outputs that cannot be written: one line naming the path, exit 2, quickly, nothing changed', { timeout: 120_000 }, () => {
  const dir = tmp();
  const file = join(dir, 'a-file');
  writeFileSync(file, 'not a directory');
  const trace = join(dir, 'in.trace');
  copyFileSync(fixturePath('hog'), trace);
  const runDir = join(dir, 'run');
  const grid = join(dir, 'grid.json');
  writeFileSync(grid, JSON.stringify({ base: { duration: '10ms', goroutines: [{ name: 'a', program: [{ loop: [{ compute: [{ func: 'main.a', file: 'a.go', line: 1 }], for: '1ms' }] }] }] }, axes: {}, seeds: [1] }));
  // Root writes through permission bits: sysfs refuses it (EPERM/EACCES) as a 0555 directory refuses others.
  const locked = join(dir, 'locked');
  mkdirSync(locked);
  const unwritable = ROOT ? '/sys/gts-hostile' : join(locked, 'x');

  const places: [string, string, RegExp][] = [
    ['onto a file', file, /cannot write: exists and is not a directory|cannot write: is a directory|refusing/],
    ['under a file', join(file, 'x'), /cannot write: (\S+ is not a directory|ENOTDIR)/],
    ['in an unwritable place', unwritable, /cannot write: (EACCES|EPERM|EROFS)/],
    ['under /proc', '/proc/nope', /cannot write: ENOENT/],
  ];
  const commands: [string, (o: string) => string[]][] = [
    ['run', (o) => ['run', '-o', o, '--duration', '10ms']],
    ['sweep', (o) => ['sweep', grid, '-o', o, '--no-progress']],
    ['export', (o) => ['export', '--chrome', trace, '-o', o]],
    ['report', (o) => ['report', runDir, '-o', o]],
  ];
  for (const [cmd, args] of commands) {
    for (const [where, o, msg] of places) {
      // export and report replace an existing file by design: "onto a file" is theirs to do.
      if ((cmd === 'export' || cmd === 'report') && where === 'onto a file') continue;
      it(`${cmd} -o ${where}`, () => {
        if (!existsSync(join(runDir, 'summary.json'))) expect(gts(['run', '-o', runDir, '--duration', '50ms']).status).toBe(0);
        chmodSync(locked, 0o555);
        const before = snapshot(dir);
        const r = gts(args(o));
        chmodSync(locked, 0o755);
        expect(r.signal).toBeNull(); // not stopped by the hang guard
        expect(r.status).toBe(2);
        expect(r.stderr).toMatch(msg);
        expect(r.stderr.split('\n')).toHaveLength(2); // one line
        expect(r.stderr).toContain(o);
        expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
        expect(snapshot(dir)).toEqual(before);
        if (o === unwritable && ROOT) expect(existsSync(o)).toBe(false);
      });
    }
  }

  it('export and report -o onto a directory', () => {
    if (!existsSync(join(runDir, 'summary.json'))) expect(gts(['run', '-o', runDir, '--duration', '50ms']).status).toBe(0);
    const before = snapshot(dir);
    for (const args of [['export', '--chrome', trace, '-o', locked], ['report', runDir, '-o', locked]]) {
      const r = gts(args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^gotracesim (export|report): ${locked}: cannot write: is a directory\n$`));
    }
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('gotracesim sweep, interrupted', { timeout: 180_000 }, () => {
  // Four runs of the default scenario, one at a time: a second or more each, so the signal
  // lands mid-sweep.
  const gridOf = (dir: string) => {
    const f = join(dir, 'grid.json');
    writeFileSync(f, JSON.stringify({ base: { ...DEFAULT_SCENARIO, duration: '4s' }, axes: {}, seeds: [1, 2, 3, 4] }));
    return f;
  };
  const rows = (out: string) =>
    readFileSync(join(out, 'results.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { index: number; id: string; status: string });

  it.skipIf(!HAS_SCRIPT)('SIGINT on a terminal: exit 130, the rows so far kept and resumable, line wrapping restored', async () => {
    const dir = tmp();
    const g = gridOf(dir);
    const out = join(dir, 'out');
    const t = underTty(dir, ['sweep', g, '-o', out, '--jobs', '1']);
    await waitFor(() => existsSync(join(out, 'results.jsonl')) && rows(out).length >= 1, 'the first row');
    process.kill(t.pid()!, 'SIGINT');
    const r = await t.done;
    expect(r.code).toBe(130);
    expect(r.output).toContain('sweep |'); // the bar was drawn
    expect(wrapRestored(r.output)).toBe(true);
    const kept = rows(out);
    expect(r.output).toMatch(new RegExp(`gotracesim: interrupted \\(SIGINT\\); kept ${kept.length} rows? in ${out}/results\\.jsonl`));
    expect(kept.length).toBeLessThan(4);
    const ids = expandGrid(parseGrid(JSON.parse(readFileSync(g, 'utf8')))).map((x) => x.id);
    expect(kept.map((x) => [x.index, x.id, x.status])).toEqual(kept.map((_, i) => [i, ids[i], 'ok']));
    // The prefix resumes.
    const again = gts(['sweep', g, '-o', out, '--jobs', '1']);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`4 runs \\(${kept.length} already done, ${4 - kept.length} run now, 0 failed\\)`));
    expect(rows(out).map((x) => x.index)).toEqual([0, 1, 2, 3]);
  });

  it('SIGTERM before any row: exit 130, one line, the directory it made removed', async () => {
    const dir = tmp();
    const g = gridOf(dir);
    const out = join(dir, 'new', 'out');
    const { child, done } = spawnCli(['sweep', g, '-o', out, '--jobs', '1']);
    await waitFor(() => existsSync(join(out, 'results.jsonl')), 'results.jsonl');
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(130);
    expect(r.stderr.split('\n')).toHaveLength(2);
    // A fast machine may finish a run before the signal: then its row stays, as above.
    if (r.stderr.includes('no row written')) {
      expect(r.stderr).toBe(`gotracesim: interrupted (SIGTERM); no row written; removed ${join(dir, 'new')}\n`);
      expect(readdirSync(dir)).toEqual(['grid.json']);
    } else {
      expect(r.stderr).toMatch(/^gotracesim: interrupted \(SIGTERM\); kept \d rows? in \S+results\.jsonl \(run the same command again to resume\)\n$/);
      expect(rows(out).length).toBeGreaterThan(0);
    }
  });
});

describe('gotracesim sweep: flags and exit codes', { timeout: 120_000 }, () => {
  const f = [{ func: 'main.a', file: 'a.go', line: 1 }];
  const gridFile = (dir: string, g: unknown) => {
    const p = join(dir, 'grid.json');
    writeFileSync(p, JSON.stringify(g));
    return p;
  };
  const ok = { base: { duration: '10ms', goroutines: [{ name: 'a', program: [{ loop: [{ compute: f, for: '1ms' }] }] }] }, axes: {}, seeds: [1] };

  it('failed runs: their rows are written, exit 1 with one line saying how many', () => {
    const dir = tmp();
    // The second program takes no time (a loop of labels): the progress guard stops it.
    const g = gridFile(dir, { ...ok, axes: { 'goroutines.0.program': [[{ loop: [{ compute: f, for: '1ms' }] }], [{ loop: [{ labels: { a: 'b' } }] }]] } });
    const out = join(dir, 'out');
    const r = gts(['sweep', g, '-o', out, '--no-progress']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`gotracesim: sweep ${g}: 1 of 2 runs failed; their rows in ${join(out, 'results.jsonl')} say why\n`);
    const rows = readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((x) => x.status)).toEqual(['ok', 'failed']);
  });

  it('--run-timeout: a run past it is a failed row naming the limit', () => {
    const dir = tmp();
    const g = gridFile(dir, { base: { ...DEFAULT_SCENARIO, duration: LONG }, axes: {}, seeds: [1] });
    const out = join(dir, 'out');
    const r = gts(['sweep', g, '-o', out, '--no-progress', '--run-timeout', '300ms', '--run-memory', '512']);
    expect(r.status).toBe(1);
    const row = JSON.parse(readFileSync(join(out, 'results.jsonl'), 'utf8'));
    expect([row.status, row.error]).toEqual(['failed', 'run exceeded --run-timeout 300ms']);
  });

  it('bad --jobs, --run-timeout, --run-memory: exit 2 naming the flag, nothing written', () => {
    const dir = tmp();
    const g = gridFile(dir, ok);
    for (const [flag, v] of [['--jobs', '0'], ['--run-timeout', '10'], ['--run-timeout', '-1s'], ['--run-memory', '1'], ['--run-memory', '1.5GB']]) {
      const r = gts(['sweep', g, '-o', join(dir, 'out'), `${flag}=${v}`]);
      expect(r.status, `${flag} ${v}`).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^gotracesim: sweep: ${flag}: must be`));
    }
    expect(readdirSync(dir)).toEqual(['grid.json']);
  });

  it('--force starts over in a folder that holds another grid; without it, exit 1 and the folder untouched', () => {
    const dir = tmp();
    const out = join(dir, 'out');
    expect(gts(['sweep', gridFile(dir, ok), '-o', out, '--no-progress']).status).toBe(0);
    const before = snapshot(out);
    const other = gridFile(dir, { ...ok, seeds: [2] });
    const r = gts(['sweep', other, '-o', out, '--no-progress']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^gotracesim: ${out}: holds the sweep of another grid .*--force`));
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(snapshot(out)).toEqual(before);
    const forced = gts(['sweep', other, '-o', out, '--no-progress', '--force']);
    expect(forced.status).toBe(0);
    expect(forced.stdout).toMatch(/1 runs \(0 already done, 1 run now, 0 failed\) on \d+ workers? /);
  });
});

describe('--help, --version', () => {
  for (const cmd of ['run', 'sweep', 'validate', 'dump', 'stats', 'export', 'report']) {
    it(`${cmd} --help and -h: its usage on stdout, exit 0`, () => {
      for (const h of ['--help', '-h']) {
        const r = gts([cmd, h]);
        expect(r.status).toBe(0);
        expect(r.stdout).toMatch(new RegExp(`^usage: gotracesim ${cmd}`));
        expect(r.stderr).toBe('');
      }
    });
  }

  it('help COMMAND, and the exit codes in the usage', () => {
    const r = gts(['help', 'run']);
    expect([r.status, r.stdout.split('\n')[0]]).toEqual([0, gts(['run', '--help']).stdout.split('\n')[0]]);
    const all = gts(['--help']).stdout;
    for (const code of ['0 ', '1 ', '2 ', '130 ']) expect(all).toMatch(new RegExp(`^  ${code}`, 'm'));
    expect(gts(['help', 'nope']).status).toBe(2);
  });

  it('--version: the package version, exit 0', () => {
    const r = gts(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`gotracesim ${VERSION}\n`);
  });
});

describe('the progress bar of a long run', { timeout: 120_000 }, () => {
  it.skipIf(!HAS_SCRIPT)('on a terminal: simulated time against the duration, line wrapping restored', async () => {
    const dir = tmp();
    // Several seconds of wall time: the bar appears after one.
    const t = underTty(dir, ['run', '-o', join(dir, 'out'), '--duration', '20s']);
    const r = await t.done;
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/run \|[^|]*\| \d+% \| [\d.]+s of 20\.0s simulated \| trace [\d.]+ MiB/);
    expect(wrapRestored(r.output)).toBe(true);
    expect(r.output).toContain('gotracesim: default (Go 1.23');
  });

  it('not when stderr is not a terminal', () => {
    const dir = tmp();
    const r = gts(['run', '-o', join(dir, 'out'), '--duration', '20s']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });
});

// Hostile and careless input: prototype pollution through scenarios and sweep grids, Go's
// duration grammar, numeric limits checked where they are parsed, and readers handed things
// that are not traces. Every refusal is a one-line error of the package's own class that
// names the field (or says what the reader wanted and what it got).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseDuration, parseGoDuration } from '../bindings/scenario/duration.ts';
import { resolveScenario, ScenarioError } from '../bindings/scenario/resolve.ts';
import { expandGrid, GridError, parseGrid } from '../bindings/app/sweep-grid.ts';
import {
  countsV1,
  detectTrace,
  parseV1,
  readTrace,
  readTraceBatches,
  traceSummary,
  traceText,
  TraceError,
  v2,
  validateTrace,
  validateV1,
} from '../bindings/formats/index.ts';
import { toChromeTrace, writeChromeTrace } from '../bindings/formats/chrome/index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const F = [{ func: 'main.f', file: '/app/f.go', line: 1 }];
const one = (extra: Record<string, unknown> = {}) => ({ goroutines: [{ name: 'a', program: [] }], ...extra });

/** The error f throws (fails the test if it throws nothing). */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, got none');
}

const RESERVED = '(reserved: __proto__, constructor, prototype)';

describe('hostile input', () => {
  it('prototype pollution: reserved names refused with their field path, and Object.prototype untouched in a child process running the API', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/hostile-child.ts'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const err = (name: string, message: string) => ({ threw: true, name, message });
    expect(out.results).toEqual({
      'stack __proto__': err('ScenarioError', `s.json: stacks.__proto__: "__proto__" is not allowed as a stack name ${RESERVED}`),
      'stack constructor': err('ScenarioError', `s.json: stacks.constructor: "constructor" is not allowed as a stack name ${RESERVED}`),
      'stack reference toString, none defined': err('ScenarioError', 's.json: goroutines[0].program[0].loop[0].compute: names no stack in "stacks" (known: none)'),
      'label __proto__': err('ScenarioError', `s.json: goroutines[0].labels.__proto__: "__proto__" is not allowed as a label name ${RESERVED}`),
      'step label prototype': err('ScenarioError', `s.json: goroutines[0].program[0].labels.prototype: "prototype" is not allowed as a label name ${RESERVED}`),
      'template constructor': err('ScenarioError', `s.json: goroutines[0].name: "constructor" is not allowed as a template name ${RESERVED}`),
      'simulate with toString names': { threw: false },
      'parseGrid stacks.__proto__.error': err('GridError', `g.json: axes.stacks.__proto__.error: "__proto__" is not allowed in an axis path ${RESERVED}`),
      'expandGrid goroutines.0.__proto__.isAdmin': err('GridError', `g.json: axes.goroutines.0.__proto__.isAdmin: "__proto__" is not allowed in an axis path ${RESERVED}`),
      'expandGrid profile.constructor.prototype.polluted': err('GridError', `g.json: axes.profile.constructor.prototype.polluted: "constructor" is not allowed in an axis path ${RESERVED}`),
      'sweep goroutines.0.__proto__.isAdmin': err('GridError', `g.json: axes.goroutines.0.__proto__.isAdmin: "__proto__" is not allowed in an axis path ${RESERVED}`),
      'sweep stacks.__proto__.error': err('GridError', `g.json: axes.stacks.__proto__.error: "__proto__" is not allowed in an axis path ${RESERVED}`),
    });
    // Labels named like Object.prototype members reach the profile like any other label.
    expect(out.labelsInProfile).toEqual([['toString=yes', 'valueOf=too']]);
    expect(out.sweepDirCreated).toBe(false);
    // No built-in prototype gained (or lost) a key, and nothing is inherited by a fresh object.
    expect(out.protoKeysAfter).toEqual(out.protoKeysBefore);
    expect(out.protoKeysBefore.Object).not.toContain('isAdmin');
    expect(out.objectProtoIsRoot).toBe(true);
    expect(out.inherited).toEqual({ isAdmin: null, error: null, polluted: null });
  }, 120_000);

  it("durations: Go's time.ParseDuration grammar everywhere, its rejections, overflow and sign rules", () => {
    // Go 1.23's answers, byte for byte (checked against time.ParseDuration).
    const ok: [string, bigint][] = [
      ['1h', 3_600_000_000_000n],
      ['2m30s', 150_000_000_000n],
      ['1.5ms', 1_500_000n],
      ['300us', 300_000n],
      ['300\u00b5s', 300_000n],
      ['300\u03bcs', 300_000n],
      ['1h2m3.5s', 3_723_500_000_000n],
      ['-1s', -1_000_000_000n],
      ['+1s', 1_000_000_000n],
      ['0', 0n],
      ['-0', 0n],
      ['1.s', 1_000_000_000n],
      ['.5s', 500_000_000n],
      ['1ns1ns', 2n],
      ['0.3333333333333333333333333333h', 1_200_000_000_000n],
      ['9223372036854775807ns', 9_223_372_036_854_775_807n],
      ['2562047h47m16.854775807s', 9_223_372_036_854_775_807n],
      ['-2562047h47m16.854775808s', -9_223_372_036_854_775_808n],
    ];
    for (const [s, ns] of ok) expect(parseGoDuration(s), s).toEqual({ ok: true, ns });
    const bad: [string, string][] = [
      ['', 'invalid duration ""'],
      ['1', 'missing unit in duration "1"'],
      ['00', 'missing unit in duration "00"'],
      ['1x', 'unknown unit "x" in duration "1x"'],
      ['.s', 'invalid duration ".s"'],
      ['-.s', 'invalid duration "-.s"'],
      [' 1s', 'invalid duration " 1s"'],
      ['1s ', 'unknown unit "s " in duration "1s "'],
      ['1e3s', 'unknown unit "e" in duration "1e3s"'],
      ['9223372036854775808ns', 'invalid duration "9223372036854775808ns"'],
      ['2562048h', 'invalid duration "2562048h"'],
    ];
    for (const [s, error] of bad) expect(parseGoDuration(s), s).toEqual({ ok: false, error });
    expect(parseDuration('1m30s')).toBe(90e9);
    expect(parseDuration(5)).toBeUndefined();

    // Scenario fields, the --duration override and grid values all take the grammar.
    const sc = resolveScenario({ duration: '1m', goroutines: [{ name: 'a', program: [{ compute: F, for: '1h2m3.5s' }, { sleep: '300µs' }] }] });
    expect(sc.durationNs).toBe(60e9);
    expect(sc.templates[0].program.map((s) => ('ns' in s ? s.ns : 0))).toEqual([3_723_500_000_000, 300_000]);
    expect(resolveScenario(one(), { duration: '1h' }).durationNs).toBe(3600e9);
    const runs = expandGrid(parseGrid({ base: one({ duration: '10ms' }), axes: { 'profile.tick': ['1ms', '2m30s'] } }));
    expect(runs.map((r) => r.params['profile.tick'])).toEqual(['1ms', '2m30s']);

    const refused: [Record<string, unknown>, Record<string, string>, string][] = [
      [one({ duration: '1x' }), {}, 's.json: duration: must be a duration such as "250us", "1.5ms", "2s" or "1m30s", got "1x" (unknown unit "x" in duration "1x")'],
      [one({ duration: '1' }), {}, 's.json: duration: must be a duration such as "250us", "1.5ms", "2s" or "1m30s", got "1" (missing unit in duration "1")'],
      [one({ duration: '' }), {}, 's.json: duration: must be a duration such as "250us", "1.5ms", "2s" or "1m30s", got "" (invalid duration "")'],
      [one({ duration: '-1s' }), {}, 's.json: duration: must be a duration greater than 0, got "-1s"'],
      [one({ duration: '9999999h' }), {}, 's.json: duration: must be a duration such as "250us", "1.5ms", "2s" or "1m30s", got "9999999h" (invalid duration "9999999h")'],
      [one({ duration: '61m' }), {}, 's.json: duration: must be at most 1h of simulated time'],
      [one(), { duration: '.s' }, 's.json: --duration: must be a duration such as "250us", "1.5ms", "2s" or "1m30s", got ".s" (invalid duration ".s")'],
      [one({ threads: [{ name: 't', busy: 0.5, start: '-1ms' }] }), {}, 's.json: threads[0].start: must be a duration of 0 or more, got "-1ms"'],
      [one({ profile: { tick: '-4ms' } }), {}, 's.json: profile.tick: must be a duration of at least 1000ns, got "-4ms"'],
      [{ goroutines: [{ name: 'a', program: [{ sleep: '200000h' }] }] }, {}, 's.json: goroutines[0].program[0].sleep: must be a duration of at most 2^53-1 ns (about 104 days), got "200000h"'],
    ];
    for (const [input, ov, message] of refused) {
      const e = thrown(() => resolveScenario(input, ov, 's.json'));
      expect(e).toBeInstanceOf(ScenarioError);
      expect(e.message).toBe(message);
    }
    const g = thrown(() => expandGrid(parseGrid({ base: one(), axes: { 'trace.period': ['1x'] } }, 'g.json'), 'g.json'));
    expect(g).toBeInstanceOf(GridError);
    expect(g.message).toBe('g.json: run 0 (trace.period="1x" seed=1): trace.period: must be a duration such as "250us", "1.5ms", "2s" or "1m30s", got "1x" (unknown unit "x" in duration "1x")');
  });

  it('numeric limits: profBuf sizes that the core memory cannot hold, and seeds above 2^53, refused where parsed', () => {
    const pb = (words: number | undefined, tags: number | undefined, go = '1.23') => one({ go, profile: { profBuf: { ...(words && { words }), ...(tags && { tags }) } } });
    const cases: [Record<string, unknown>, string][] = [
      [
        pb(268435455, undefined),
        "s.json: profile.profBuf.words: 268435455 words round up to 268435456 (2 GiB a buffer); the CPU profile's buffer and the trace's 2 CPU-sample buffers need 6 GiB, more than the 960 MiB the core's 1 GiB memory has for them (at most 33554432 words with 16384 tags)",
      ],
      [
        pb(33554433, undefined, '1.17'),
        "s.json: profile.profBuf.words: 33554433 words round up to 67108864 (512 MiB a buffer); the CPU profile's buffer and the trace's CPU-sample buffer need 1 GiB, more than the 960 MiB the core's 1 GiB memory has for them (at most 33554432 words with 16384 tags)",
      ],
      [
        pb(undefined, 268435455, '1.19'),
        "s.json: profile.profBuf.tags: 268435455 tags round up to 268435456 (1 GiB a buffer); the CPU profile's buffer and the trace's CPU-sample buffer need 2 GiB, more than the 960 MiB the core's 1 GiB memory has for them (at most 67108864 tags with 131072 words)",
      ],
      [pb(268435456, undefined), 's.json: profile.profBuf.words: must be between 8 and 268435455, got 268435456'],
      [one({ seed: 2 ** 53 }), 's.json: seed: must be between 0 and 9007199254740991, got 9007199254740992'],
    ];
    for (const [input, message] of cases) {
      const e = thrown(() => resolveScenario(input, {}, 's.json'));
      expect(e).toBeInstanceOf(ScenarioError);
      expect(e.message).toBe(message);
      expect((e as ScenarioError).path).toBe(message.split(': ')[1]);
    }
    // The largest sizes that fit pass (and the run itself is exercised by the sweep/CLI tests).
    expect(resolveScenario(pb(33554432, undefined)).profile.words).toBe(33554432);
    // The CLI hands --seed to resolve as an override: 2^53 and above are refused, naming it.
    const s = thrown(() => resolveScenario(one(), { seed: 2 ** 53 }, 's.json'));
    expect(s).toBeInstanceOf(ScenarioError);
    expect(s.message).toBe('s.json: --seed: must be at most 2^53-1 (9007199254740991), got 9007199254740992');
    expect(resolveScenario(one(), { seed: Number.MAX_SAFE_INTEGER }).seed).toBe(Number.MAX_SAFE_INTEGER);
    const g = thrown(() => parseGrid({ base: one(), seeds: [1, 2 ** 60] }, 'g.json'));
    expect(g).toBeInstanceOf(GridError);
    expect(g.message).toBe('g.json: seeds: must be a non-empty array of integers from 0 to 2^53-1 (9007199254740991); seeds[1] is 1152921504606847000');
  });

  it('readers: every entry point answers non-byte input with a TraceError saying what it wanted', async () => {
    const BYTES_OR_TEXT = 'input must be a Uint8Array of trace bytes or a string holding a text trace, got';
    const ANY = 'input must be a Uint8Array, an async iterable of Uint8Array chunks, or a text trace string, got';
    const BYTES = 'input must be a Uint8Array of trace bytes, got';
    const TEXT = 'input must be a string holding a text trace, got';
    const STREAM = 'input must be a Uint8Array of trace bytes or an async iterable of Uint8Array chunks, got';
    const drain = async (it: AsyncIterable<unknown>) => {
      for await (const _ of it) void _;
    };
    const returned = (e: TraceError | null | { error: TraceError | null }) => {
      const err = e instanceof TraceError || e === null ? e : e.error;
      if (err) throw err;
    };
    // name, call, expected message prefix
    const entries: [string, (x: any) => unknown, string][] = [
      ['toChromeTrace', (x) => toChromeTrace(x), BYTES_OR_TEXT],
      ['writeChromeTrace', (x) => writeChromeTrace(x, () => {}), BYTES_OR_TEXT],
      ['readTrace', (x) => drain(readTrace(x)), ANY],
      ['readTraceBatches', (x) => drain(readTraceBatches(x)), ANY],
      ['validateTrace', async (x) => returned(await validateTrace(x)), ANY],
      ['traceSummary', (x) => traceSummary(x), ANY],
      ['detectTrace', (x) => detectTrace(x), BYTES_OR_TEXT],
      ['traceText', (x) => traceText(x), TEXT],
      ['parseV1', (x) => parseV1(x), BYTES],
      ['validateV1', (x) => returned(validateV1(x)), BYTES],
      ['countsV1', (x) => countsV1(x), 'input must be a V1Trace from parseV1, got'],
      ['v2.readV2', (x) => drain(v2.readV2(x)), STREAM],
      ['v2.readV2Chunks', (x) => drain(v2.readV2Chunks(x)), STREAM],
      ['v2.validateV2Stream', async (x) => returned(await v2.validateV2Stream(x)), STREAM],
      ['v2.readV2Sync', (x) => returned(v2.readV2Sync(x)), BYTES],
      ['v2.validateV2', (x) => returned(v2.validateV2(x)), BYTES],
      ['v2.countsV2', (x) => returned(v2.countsV2(x)), BYTES],
      ['v2.runV2', (x) => returned(v2.runV2(x, v2.nullSink)), BYTES],
      ['v2.decodeRaw', (x) => returned(v2.decodeRaw(x) as TraceError), BYTES],
      ['v2.wireToText', (x) => returned(v2.wireToText(x) as TraceError), BYTES],
      ['v2.parseTextTrace', (x) => returned(v2.parseTextTrace(x) as TraceError), TEXT],
      ['v2.textToWire', (x) => returned(v2.textToWire(x) as TraceError), TEXT],
      ['v2.validateTextV2', (x) => returned(v2.validateTextV2(x)), TEXT],
      ['v2.runV2Raw', (x) => returned(v2.runV2Raw(x, v2.nullSink)), 'input must be a RawTrace {version, events} from parseTextTrace or decodeRaw, got'],
    ];
    const inputs: [unknown, string][] = [
      [null, 'null'],
      [undefined, 'undefined'],
      [42, 'a number'],
      [{}, 'an object'],
      [[1, 2], 'an array'],
      [new ArrayBuffer(4), 'an ArrayBuffer (wrap it: new Uint8Array(buffer))'],
      [new Uint16Array(4), 'a Uint16Array'],
    ];
    for (const [name, call, want] of entries) {
      for (const [input, got] of inputs) {
        let err: unknown = null;
        try {
          await call(input);
        } catch (e) {
          err = e;
        }
        expect(err, `${name}(${got})`).toBeInstanceOf(TraceError);
        expect((err as TraceError).message, `${name}(${got})`).toBe(`${want} ${got}`);
      }
    }
    // A string where only bytes are read, and a stream with a chunk that is not bytes.
    expect(thrown(() => parseV1('x' as any)).message).toBe(`${BYTES} a string`);
    async function* chunks() {
      yield new TextEncoder().encode('go 1.23 trace\0\0\0');
      yield 'more' as unknown as Uint8Array;
    }
    await expect(drain(readTrace(chunks()))).rejects.toThrow(new TraceError('input chunk 1 must be a Uint8Array, got a string', -1));
    // Strings stay valid where a text trace is accepted.
    const text = 'Trace Go1.22\nEventBatch gen=1 m=0 time=1 size=4\nFrequency freq=15625000\n';
    expect(detectTrace(text).format).toBe('go1.22');
    expect(thrown(() => toChromeTrace('nonsense')).message).toBe('not a Go execution trace: a text trace starts with "Trace Go1.NN"');
  });
});

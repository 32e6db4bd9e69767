// Scenario resolution: unknown input → ResolvedScenario, or a ScenarioError naming the field
// path (e.g. `goroutines[2].program[0].for`) and what is wrong with it.
//
// Every field is checked against the schema (schema.ts, through validate.ts), which also gives
// the defaults; this file adds what spans fields: the order fields are resolved in (it fixes
// the stack, label and channel ids), template names before the programs that spawn them, the
// release preset under switch overrides, the tracer and its format going together, the
// profile's spellings of two switches, and whether the profBufs fit in the core's memory.

import type { Scenario } from './scenario.ts';
import type { RTemplate, ResolvedScenario, RGC, RProfile, RCosts, RTrace } from './resolved.ts';
import { RELEASES, DEFAULT_FORMAT, type Switches } from './releases.ts';
import { SCENARIO, TEMPLATE } from './schema.ts';
import { Ctx, ScenarioError, check, checkFields, checkList, isObj, join, keys, kind, safeName, type Obj } from './validate.ts';
import { familyOf, FIRST_STW_REASON_FORMAT, namesEverySTW } from '../formats/version.ts';
import { DEFAULT_MAXIMUM_PAGES, PAGE } from '../core/memory.ts';
import { profBufSizes } from '../core/profbuf-layout.ts';

export { parseDuration } from './duration.ts';
export { ScenarioError, FORBIDDEN_KEYS, bareCopy, parseSize } from './validate.ts';
export { DEFAULT_GOROUTINE_LIMIT } from './schema.ts';

/** The WASM core's memory: 16384 pages of 64 KiB (1 GiB), the module's declared maximum. */
const CORE_MEMORY_BYTES = DEFAULT_MAXIMUM_PAGES * PAGE;
/** Left for everything but the profBufs: module data, trace buffers, staged stacks, locks. */
const CORE_RESERVE_BYTES = 64 << 20;

const mib = (b: number) => (b >= 1 << 30 ? `${+(b / 2 ** 30).toFixed(1)} GiB` : `${+(b / 2 ** 20).toFixed(1)} MiB`);

/**
 * The profBufs a run allocates must fit in the core's memory; otherwise the simulation would
 * fail later with a raw RangeError from the allocator. Sizes are the runtime's (rings rounded
 * up to powers of two, see profBufSizes), and a traced run holds the CPU profile's buffer
 * (1 header word) plus the trace's own: one (v1 tracer, 2 header words) or
 * switches.cpuBuffersPerGen (v2, 3 header words). The field that takes most of the room is named.
 */
function checkProfBufFits(ctx: Ctx, words: number, tags: number, sw: Switches): void {
  const trace = sw.tracer === 'v1' ? { n: 1, hdr: 2 } : { n: sw.cpuBuffersPerGen, hdr: 3 };
  const pow2 = (n: number) => {
    let p = 1;
    while (p < n) p *= 2;
    return p;
  };
  // One buffer's bytes; beyond 32-bit sizes profBufSizes refuses, and the rings alone say enough.
  const one = (hdr: number, w: number, t: number) => {
    try {
      return profBufSizes(hdr, w, t).bytes + 63; // allocations are 64-aligned
    } catch {
      return pow2(w) * 8 + pow2(t) * 4;
    }
  };
  const need = (w: number, t: number) => one(1, w, t) + trace.n * one(trace.hdr, w, t);
  const budget = CORE_MEMORY_BYTES - CORE_RESERVE_BYTES;
  const total = need(words, tags);
  if (total <= budget) return;
  const sizes = { words: pow2(words), tags: pow2(tags) };
  const buffers = `the CPU profile's buffer and the trace's ${trace.n === 1 ? 'CPU-sample buffer' : `${trace.n} CPU-sample buffers`}`;
  const room = `more than the ${mib(budget)} the core's ${mib(CORE_MEMORY_BYTES)} memory has for them`;
  // The largest power of two that fits for the field at fault, the other one unchanged.
  const largest = (fits: (x: number) => boolean, lo: number) => {
    let x = 1 << 27;
    while (x > lo && !fits(x)) x >>= 1;
    return x;
  };
  if (sizes.words * 8 >= sizes.tags * 4) {
    const max = largest((w) => need(w, tags) <= budget, 8);
    ctx.fail('profile.profBuf.words', `${words} words round up to ${sizes.words} (${mib(sizes.words * 8)} a buffer); ${buffers} need ${mib(total)}, ${room} (at most ${max} words with ${tags} tags)`);
  }
  const max = largest((t) => need(words, t) <= budget, 1);
  ctx.fail('profile.profBuf.tags', `${tags} tags round up to ${sizes.tags} (${mib(sizes.tags * 4)} a buffer); ${buffers} need ${mib(total)}, ${room} (at most ${max} tags with ${words} words)`);
}

/** Command-line style overrides applied on top of the scenario. */
export interface Overrides {
  go?: string;
  seed?: number;
  duration?: string;
}

const S = SCENARIO;

/** Template names first: a program may spawn a template defined after it. */
function templateNames(ctx: Ctx, list: unknown[]): void {
  list.forEach((t, i) => {
    const at = join(join('goroutines', i), 'name');
    const n = safeName(ctx, at, check(ctx, at, isObj(t) ? t.name : undefined, TEMPLATE.name), 'template');
    if (ctx.templateIds.has(n)) ctx.fail(at, `duplicate template name "${n}"`);
    ctx.templateIds.set(n, i);
  });
}

/** The release preset with the scenario's overrides; the tracer and its format go together. */
function resolveSwitches(ctx: Ctx, preset: Switches, x: Partial<Switches> | undefined): Switches {
  const switches: Switches = { ...preset };
  if (x === undefined) return switches;
  Object.assign(switches, x);
  // One given alone brings the other along.
  const pickedTracer = x.tracer !== undefined;
  const pickedFormat = x.traceFormat !== undefined;
  if (pickedTracer && !pickedFormat && familyOf(switches.traceFormat) !== switches.tracer) switches.traceFormat = DEFAULT_FORMAT[switches.tracer];
  if (pickedFormat && !pickedTracer) switches.tracer = familyOf(switches.traceFormat);
  if (familyOf(switches.traceFormat) !== switches.tracer) {
    ctx.fail('switches.traceFormat', `${switches.traceFormat} is written by the ${familyOf(switches.traceFormat)} tracer, not by switches.tracer ${switches.tracer}`);
  }
  if (switches.stwTraced === 'all' && !namesEverySTW(switches.traceFormat)) {
    ctx.fail('switches.stwTraced', `"all" needs a format that names every stop (${FIRST_STW_REASON_FORMAT} or later); ${switches.traceFormat} only has GC's two kinds`);
  }
  return switches;
}

/**
 * profile.timer and profile.firstExpiry are other spellings of switches.timer and
 * switches.firstExpiry: either may set the switch, and setting both differently is an error.
 */
function applyAliases(ctx: Ctx, switches: Switches, profile: Obj, overrides: Partial<Switches> | undefined): void {
  for (const [name, spec] of Object.entries(S.profile.fields)) {
    if (!('alias' in spec) || profile[name] === undefined) continue;
    const v = profile[name];
    const other = overrides?.[spec.alias];
    if (other !== undefined && other !== v) {
      ctx.fail(`profile.${name}`, `${kind(v)} conflicts with switches.${spec.alias} ${kind(other)}: both set the same release switch, give one`);
    }
    (switches as unknown as Obj)[spec.alias] = v;
  }
}

export function resolveScenario(input: unknown, overrides: Overrides = {}, file?: string): ResolvedScenario {
  const ctx: Ctx = new Ctx(file);
  const o = keys(ctx, '', input, Object.keys(S)) as Partial<Scenario> & Obj;

  const go = check(ctx, overrides.go ? '--go' : 'go', overrides.go ?? o.go, S.go);
  const seed = overrides.seed ?? check(ctx, 'seed', o.seed, S.seed);
  if (!Number.isInteger(seed) || seed < 0) ctx.fail('--seed', `must be a non-negative integer, got ${seed}`);
  // Above 2^53 a number no longer holds every integer: two different seeds typed on the
  // command line would silently become the same run.
  if (seed > Number.MAX_SAFE_INTEGER) ctx.fail('--seed', `must be at most 2^53-1 (${Number.MAX_SAFE_INTEGER}), got ${seed}`);
  const durationNs = overrides.duration !== undefined ? check(ctx, '--duration', overrides.duration, S.duration) : check(ctx, 'duration', o.duration, S.duration);
  const gomaxprocs = check(ctx, 'gomaxprocs', o.gomaxprocs, S.gomaxprocs);

  check(ctx, 'stacks', o.stacks, S.stacks);

  const list = checkList(ctx, 'goroutines', o.goroutines, S.goroutines);
  templateNames(ctx, list);
  let initial = 0;
  const templates: RTemplate[] = list.map((t, i) => {
    const x = checkFields(ctx, join('goroutines', i), t, TEMPLATE);
    initial += x.count;
    return { name: x.name, count: x.count, tag: x.labels ?? 0, lockOSThread: x.lockOSThread, program: x.program };
  });
  if (initial === 0) ctx.fail('goroutines', 'start no goroutine: give at least one template a count > 0');
  if (initial > 100000) ctx.fail('goroutines', `start ${initial} goroutines; at most 100000`);

  const threads = (check(ctx, 'threads', o.threads, S.threads) ?? []).map((t) => ({
    name: t.name,
    count: t.count,
    busy: t.busy,
    startNs: t.start,
    lifeNs: t.life ?? Infinity,
  }));

  const g = check(ctx, 'gc', o.gc, S.gc);
  const gc: RGC | null = g
    ? { triggerBytes: g.trigger, periodNs: g.period ?? Infinity, stwNs: g.stw, markNs: g.mark, workers: g.workers, assistNsPerKiB: g.assistNsPerKiB }
    : null;

  const switchOverrides = check(ctx, 'switches', o.switches, S.switches);
  const switches = resolveSwitches(ctx, RELEASES[go], switchOverrides);

  const pr = check(ctx, 'profile', o.profile, S.profile);
  applyAliases(ctx, switches, pr, switchOverrides);
  const profile: RProfile = {
    hz: pr.hz,
    periodNs: Math.floor(1e9 / pr.hz),
    tickNs: pr.tick,
    words: pr.profBuf.words,
    tags: pr.profBuf.tags,
    readEveryNs: pr.readEvery,
  };
  checkProfBufFits(ctx, profile.words, profile.tags, switches);

  const c = check(ctx, 'costs', o.costs, S.costs);
  const costs: RCosts = { scheduleNs: c.schedule, goschedNs: c.gosched, newprocNs: c.newproc, findRunnableNs: c.findRunnable };

  const name = check(ctx, 'name', o.name, S.name);
  const tr = check(ctx, 'trace', o.trace, S.trace);
  const trace: RTrace = { periodNs: tr.period, cpuReaderEveryNs: tr.cpuReaderEvery };
  const limits = { goroutines: check(ctx, 'limits', o.limits, S.limits).goroutines };
  const jitter = check(ctx, 'jitter', o.jitter, S.jitter);
  return { name, go, seed, durationNs, gomaxprocs, templates, threads, gc, profile, switches, costs, channels: [...ctx.channels.keys()], symtab: ctx.symtab, trace, limits, jitter: { dist: jitter.dist, cv: jitter.cv } };
}

/** Parse JSON text and resolve it, reporting a JSON syntax error with its position. */
export function resolveScenarioText(text: string, overrides: Overrides = {}, file?: string): ResolvedScenario {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError('', `malformed JSON: ${(e as Error).message}`, file);
  }
  return resolveScenario(input, overrides, file);
}

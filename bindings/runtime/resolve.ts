// Scenario validation and resolution: unknown input → ResolvedScenario, or a ScenarioError
// naming the field path (e.g. `goroutines[2].program[0].for`) and what is wrong with it.
//
// Every field is checked: unknown keys are errors (a typo must not silently fall back to a
// default), durations and sizes must parse, counts must be integers in range, stack and
// template references must exist. Defaults come from the Go release's preset.

import type { Frame, GoRelease, Scenario } from '../sim/scenario.ts';
import { USER_STW_REASONS, type StwReason } from '../sim/observer.ts';
import type { RStep, RTemplate, RThread, ResolvedScenario, RGC, RProfile, RCosts, RTrace } from '../sim/resolved.ts';
import { Symtab } from '../sim/symtab.ts';
import { RELEASES, SWITCH_VALUES, DEFAULT_RELEASE, GO_RELEASES, FORMAT_TRACER, DEFAULT_FORMAT, type Switches } from './releases.ts';

export class ScenarioError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
    readonly file?: string,
  ) {
    super(`${file ? `${file}: ` : ''}${path || 'scenario'}: ${problem}`);
    this.name = 'ScenarioError';
  }
}

type Obj = Record<string, unknown>;

const UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9 };
const SIZE_UNITS: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1 << 20, GiB: 1 << 30 };

/** Parse "1.5ms" etc. into ns; undefined if malformed. */
export function parseDuration(s: unknown): number | undefined {
  if (typeof s !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m)$/.exec(s.trim());
  if (!m) return undefined;
  return Math.round(parseFloat(m[1]) * UNITS[m[2]]);
}

export function parseSize(s: unknown): number | undefined {
  if (typeof s === 'number') return Number.isInteger(s) && s >= 0 ? s : undefined;
  if (typeof s !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?$/.exec(s.trim());
  if (!m) return undefined;
  return Math.round(parseFloat(m[1]) * SIZE_UNITS[m[2] ?? 'B']);
}

class Ctx {
  readonly symtab = new Symtab();
  readonly channels = new Map<string, number>();
  stacks: Record<string, Frame[]> = {};
  templateIds = new Map<string, number>();
  constructor(readonly file?: string) {}
  fail(path: string, problem: string): never {
    throw new ScenarioError(path, problem, this.file);
  }
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function keys(ctx: Ctx, path: string, v: unknown, allowed: string[]): Obj {
  if (!isObj(v)) ctx.fail(path, `must be an object, got ${kind(v)}`);
  for (const k of Object.keys(v)) if (!allowed.includes(k)) ctx.fail(join(path, k), `unknown field (allowed: ${allowed.join(', ')})`);
  return v;
}

function kind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `"${v}"` : typeof v;
}

const join = (path: string, k: string | number) => (typeof k === 'number' ? `${path}[${k}]` : path ? `${path}.${k}` : k);

function dur(ctx: Ctx, path: string, v: unknown, opts: { min?: number; positive?: boolean } = {}): number {
  const ns = parseDuration(v);
  if (ns === undefined) ctx.fail(path, `must be a duration such as "250us", "1.5ms" or "2s", got ${kind(v)}`);
  if (opts.positive && ns <= 0) ctx.fail(path, `must be positive, got ${kind(v)}`);
  if (opts.min !== undefined && ns < opts.min) ctx.fail(path, `must be at least ${opts.min}ns, got ${kind(v)}`);
  return ns;
}

function int(ctx: Ctx, path: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) ctx.fail(path, `must be an integer, got ${kind(v)}`);
  if (v < lo || v > hi) ctx.fail(path, `must be between ${lo} and ${hi}, got ${v}`);
  return v;
}

function num(ctx: Ctx, path: string, v: unknown, lo: number, hi: number, openLo = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) ctx.fail(path, `must be a number, got ${kind(v)}`);
  if (v < lo || v > hi || (openLo && v === lo)) ctx.fail(path, `must be in ${openLo ? '(' : '['}${lo}, ${hi}], got ${v}`);
  return v;
}

function str(ctx: Ctx, path: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) ctx.fail(path, `must be a non-empty string, got ${kind(v)}`);
  return v;
}

function labels(ctx: Ctx, path: string, v: unknown): Record<string, string> {
  if (!isObj(v)) ctx.fail(path, `must be an object of string labels, got ${kind(v)}`);
  for (const [k, x] of Object.entries(v)) if (typeof x !== 'string') ctx.fail(join(path, k), `label values must be strings, got ${kind(x)}`);
  return v as Record<string, string>;
}

function frames(ctx: Ctx, path: string, v: unknown): Frame[] {
  if (!Array.isArray(v) || v.length === 0) ctx.fail(path, `must be a non-empty array of frames {func, file, line}, got ${kind(v)}`);
  if (v.length > 64) ctx.fail(path, `has ${v.length} frames; the runtime records at most 64 (maxCPUProfStack)`);
  return v.map((f, i) => {
    const o = keys(ctx, join(path, i), f, ['func', 'file', 'line']);
    return { func: str(ctx, join(join(path, i), 'func'), o.func), file: str(ctx, join(join(path, i), 'file'), o.file), line: int(ctx, join(join(path, i), 'line'), o.line, 0, 1e9) };
  });
}

function stackRef(ctx: Ctx, path: string, v: unknown): number {
  if (typeof v === 'string') {
    const f = ctx.stacks[v];
    if (!f) ctx.fail(path, `names no stack in "stacks" (known: ${Object.keys(ctx.stacks).join(', ') || 'none'})`);
    return ctx.symtab.stack(f);
  }
  return ctx.symtab.stack(frames(ctx, path, v));
}

function chan(ctx: Ctx, path: string, v: unknown): number {
  const name = str(ctx, path, v);
  let id = ctx.channels.get(name);
  if (id === undefined) ctx.channels.set(name, (id = ctx.channels.size));
  return id;
}

const STEP_KINDS = ['compute', 'syscall', 'sleep', 'block', 'send', 'recv', 'gosched', 'systemstack', 'mcall', 'spawn', 'loop', 'labels', 'task', 'region', 'log', 'alloc', 'stopTheWorld'];

function steps(ctx: Ctx, path: string, v: unknown, depth: number): RStep[] {
  if (!Array.isArray(v)) ctx.fail(path, `must be an array of steps, got ${kind(v)}`);
  if (depth > 16) ctx.fail(path, 'nests loops, tasks and regions more than 16 deep');
  return v.map((s, i) => step(ctx, join(path, i), s, depth));
}

function step(ctx: Ctx, path: string, v: unknown, depth: number): RStep {
  if (!isObj(v)) ctx.fail(path, `must be a step object, got ${kind(v)}`);
  const k = STEP_KINDS.find((x) => x in v);
  if (!k) ctx.fail(path, `names no step kind (one of: ${STEP_KINDS.join(', ')})`);
  const P = (f: string) => join(path, f);
  switch (k) {
    case 'compute': {
      const o = keys(ctx, path, v, ['compute', 'for']);
      return { k, stack: stackRef(ctx, P('compute'), o.compute), ns: dur(ctx, P('for'), o.for, { positive: true }) };
    }
    case 'syscall': {
      const o = keys(ctx, path, v, ['syscall', 'cpu', 'block']);
      const cpuNs = o.cpu === undefined ? 1000 : dur(ctx, P('cpu'), o.cpu);
      const blockNs = o.block === undefined ? 0 : dur(ctx, P('block'), o.block);
      return { k, stack: stackRef(ctx, P('syscall'), o.syscall), cpuNs, blockNs };
    }
    case 'sleep': {
      const o = keys(ctx, path, v, ['sleep']);
      return { k, ns: dur(ctx, P('sleep'), o.sleep, { positive: true }) };
    }
    case 'block': {
      const o = keys(ctx, path, v, ['block', 'reason']);
      const reason = o.reason ?? 'chan';
      if (!['chan', 'select', 'sync', 'cond', 'net'].includes(reason as string)) ctx.fail(P('reason'), `must be one of chan, select, sync, cond, net, got ${kind(reason)}`);
      return { k, ns: dur(ctx, P('block'), o.block, { positive: true }), reason: reason as 'chan' };
    }
    case 'send':
    case 'recv': {
      const o = keys(ctx, path, v, [k]);
      return { k, chan: chan(ctx, P(k), o[k]) };
    }
    case 'gosched': {
      const o = keys(ctx, path, v, ['gosched']);
      if (o.gosched !== true) ctx.fail(P('gosched'), `must be true, got ${kind(o.gosched)}`);
      return { k };
    }
    case 'systemstack':
    case 'mcall': {
      const o = keys(ctx, path, v, [k, 'for']);
      return { k: 'g0', via: k, stack: stackRef(ctx, P(k), o[k]), ns: dur(ctx, P('for'), o.for, { positive: true }) };
    }
    case 'spawn': {
      const o = keys(ctx, path, v, ['spawn', 'count']);
      const name = str(ctx, P('spawn'), o.spawn);
      const tmpl = ctx.templateIds.get(name);
      if (tmpl === undefined) ctx.fail(P('spawn'), `names no goroutine template (known: ${[...ctx.templateIds.keys()].join(', ')})`);
      return { k, tmpl, count: o.count === undefined ? 1 : int(ctx, P('count'), o.count, 1, 100000) };
    }
    case 'loop': {
      const o = keys(ctx, path, v, ['loop', 'times']);
      return { k, body: steps(ctx, P('loop'), o.loop, depth + 1), times: o.times === undefined ? Infinity : int(ctx, P('times'), o.times, 0, 1e12) };
    }
    case 'labels': {
      const o = keys(ctx, path, v, ['labels']);
      return { k, tag: ctx.symtab.labels(labels(ctx, P('labels'), o.labels)) };
    }
    case 'task':
    case 'region': {
      const o = keys(ctx, path, v, [k, 'do']);
      return { k, name: str(ctx, P(k), o[k]), body: steps(ctx, P('do'), o.do ?? [], depth + 1) };
    }
    case 'log': {
      const o = keys(ctx, path, v, ['log', 'category']);
      if (typeof o.log !== 'string') ctx.fail(P('log'), `must be a string, got ${kind(o.log)}`);
      if (o.category !== undefined && typeof o.category !== 'string') ctx.fail(P('category'), `must be a string, got ${kind(o.category)}`);
      return { k, message: o.log, category: (o.category as string | undefined) ?? '' };
    }
    case 'alloc': {
      const o = keys(ctx, path, v, ['alloc']);
      const bytes = parseSize(o.alloc);
      if (bytes === undefined || bytes <= 0) ctx.fail(P('alloc'), `must be a positive size such as 65536 or "64KiB", got ${kind(o.alloc)}`);
      return { k, bytes };
    }
    case 'stopTheWorld': {
      const o = keys(ctx, path, v, ['stopTheWorld', 'for']);
      if (!USER_STW_REASONS.includes(o.stopTheWorld as StwReason)) ctx.fail(P('stopTheWorld'), `must be one of ${USER_STW_REASONS.map((r) => JSON.stringify(r)).join(', ')}, got ${kind(o.stopTheWorld)}`);
      return { k: 'stw', reason: o.stopTheWorld as StwReason, ns: o.for === undefined ? 20_000 : dur(ctx, P('for'), o.for, { positive: true }) };
    }
  }
  ctx.fail(path, 'unreachable');
}

/** Command-line style overrides applied on top of the scenario. */
export interface Overrides {
  go?: string;
  seed?: number;
  duration?: string;
}

export function resolveScenario(input: unknown, overrides: Overrides = {}, file?: string): ResolvedScenario {
  const ctx: Ctx = new Ctx(file);
  const o = keys(ctx, '', input, ['name', 'go', 'seed', 'duration', 'gomaxprocs', 'stacks', 'goroutines', 'threads', 'gc', 'profile', 'switches', 'costs', 'trace']) as Scenario & Obj;

  const goIn = overrides.go ?? o.go ?? DEFAULT_RELEASE;
  if (!GO_RELEASES.includes(goIn as GoRelease)) ctx.fail(overrides.go ? '--go' : 'go', `unknown Go release ${kind(goIn)} (known: ${GO_RELEASES.join(', ')})`);
  const go = goIn as GoRelease;
  const seed = overrides.seed ?? (o.seed === undefined ? 1 : int(ctx, 'seed', o.seed, 0, Number.MAX_SAFE_INTEGER));
  if (!Number.isInteger(seed) || seed < 0) ctx.fail('--seed', `must be a non-negative integer, got ${seed}`);
  const durationNs = overrides.duration !== undefined ? dur(ctx, '--duration', overrides.duration, { positive: true }) : o.duration === undefined ? 1e9 : dur(ctx, 'duration', o.duration, { positive: true });
  if (durationNs > 3600e9) ctx.fail(overrides.duration !== undefined ? '--duration' : 'duration', 'must be at most 1h of simulated time');
  const gomaxprocs = o.gomaxprocs === undefined ? 4 : int(ctx, 'gomaxprocs', o.gomaxprocs, 1, 1024);

  if (o.stacks !== undefined) {
    if (!isObj(o.stacks)) ctx.fail('stacks', `must be an object of named stacks, got ${kind(o.stacks)}`);
    for (const [name, f] of Object.entries(o.stacks)) ctx.stacks[name] = frames(ctx, join('stacks', name), f);
  }

  if (!Array.isArray(o.goroutines) || o.goroutines.length === 0) ctx.fail('goroutines', `must be a non-empty array of goroutine templates, got ${kind(o.goroutines)}`);
  o.goroutines.forEach((t, i) => {
    const name = isObj(t) ? t.name : undefined;
    const n = str(ctx, join(join('goroutines', i), 'name'), name);
    if (ctx.templateIds.has(n)) ctx.fail(join(join('goroutines', i), 'name'), `duplicate template name "${n}"`);
    ctx.templateIds.set(n, i);
  });
  let initial = 0;
  const templates: RTemplate[] = o.goroutines.map((t, i) => {
    const p = join('goroutines', i);
    const x = keys(ctx, p, t, ['name', 'count', 'labels', 'lockOSThread', 'program']);
    const count = x.count === undefined ? 1 : int(ctx, join(p, 'count'), x.count, 0, 100000);
    initial += count;
    if (x.lockOSThread !== undefined && typeof x.lockOSThread !== 'boolean') ctx.fail(join(p, 'lockOSThread'), `must be true or false, got ${kind(x.lockOSThread)}`);
    return {
      name: x.name as string,
      count,
      tag: x.labels === undefined ? 0 : ctx.symtab.labels(labels(ctx, join(p, 'labels'), x.labels)),
      lockOSThread: x.lockOSThread === true,
      program: steps(ctx, join(p, 'program'), x.program, 0),
    };
  });
  if (initial === 0) ctx.fail('goroutines', 'start no goroutine: give at least one template a count > 0');
  if (initial > 100000) ctx.fail('goroutines', `start ${initial} goroutines; at most 100000`);

  const threads: RThread[] = [];
  if (o.threads !== undefined) {
    if (!Array.isArray(o.threads)) ctx.fail('threads', `must be an array, got ${kind(o.threads)}`);
    o.threads.forEach((t, i) => {
      const p = join('threads', i);
      const x = keys(ctx, p, t, ['name', 'count', 'busy', 'start', 'life']);
      threads.push({
        name: str(ctx, join(p, 'name'), x.name),
        count: x.count === undefined ? 1 : int(ctx, join(p, 'count'), x.count, 0, 10000),
        busy: num(ctx, join(p, 'busy'), x.busy, 0, 1, true),
        startNs: x.start === undefined ? 0 : dur(ctx, join(p, 'start'), x.start),
        lifeNs: x.life === undefined ? Infinity : dur(ctx, join(p, 'life'), x.life, { positive: true }),
      });
    });
  }

  let gc: RGC | null = null;
  if (o.gc !== undefined) {
    const x = keys(ctx, 'gc', o.gc, ['trigger', 'period', 'stw', 'mark', 'workers', 'assistNsPerKiB']);
    const trig = x.trigger === undefined ? 4 << 20 : parseSize(x.trigger);
    if (trig === undefined || trig <= 0) ctx.fail('gc.trigger', `must be a positive size, got ${kind(x.trigger)}`);
    gc = {
      triggerBytes: trig,
      periodNs: x.period === undefined ? Infinity : dur(ctx, 'gc.period', x.period, { min: 1e6 }),
      stwNs: x.stw === undefined ? 30_000 : dur(ctx, 'gc.stw', x.stw, { positive: true }),
      markNs: x.mark === undefined ? 2e6 : dur(ctx, 'gc.mark', x.mark, { positive: true }),
      workers: x.workers === undefined ? 0.25 : num(ctx, 'gc.workers', x.workers, 0, 1),
      assistNsPerKiB: x.assistNsPerKiB === undefined ? 200 : num(ctx, 'gc.assistNsPerKiB', x.assistNsPerKiB, 0, 1e6),
    };
  }

  const switches: Switches = { ...RELEASES[go] };
  if (o.switches !== undefined) {
    const x = keys(ctx, 'switches', o.switches, Object.keys(SWITCH_VALUES));
    for (const [k, v] of Object.entries(x)) {
      const allowed = SWITCH_VALUES[k as keyof Switches] as readonly unknown[];
      if (!allowed.includes(v)) ctx.fail(join('switches', k), `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${kind(v)}`);
      (switches as unknown as Obj)[k] = v;
    }
    // The tracer and its wire format go together: one given alone brings the other along.
    const pickedTracer = x.tracer !== undefined;
    const pickedFormat = x.traceFormat !== undefined;
    if (pickedTracer && !pickedFormat && FORMAT_TRACER[switches.traceFormat] !== switches.tracer) switches.traceFormat = DEFAULT_FORMAT[switches.tracer];
    if (pickedFormat && !pickedTracer) switches.tracer = FORMAT_TRACER[switches.traceFormat];
    if (FORMAT_TRACER[switches.traceFormat] !== switches.tracer) {
      ctx.fail('switches.traceFormat', `${switches.traceFormat} is written by the ${FORMAT_TRACER[switches.traceFormat]} tracer, not by switches.tracer ${switches.tracer}`);
    }
    if (switches.stwTraced === 'all' && (switches.traceFormat === 'go1.11' || switches.traceFormat === 'go1.19')) {
      ctx.fail('switches.stwTraced', `"all" needs a format that names every stop (go1.21 or later); ${switches.traceFormat} only has GC's two kinds`);
    }
  }

  const pr = o.profile === undefined ? {} : keys(ctx, 'profile', o.profile, ['hz', 'timer', 'tick', 'profBuf', 'firstExpiry', 'readEvery']);
  if (pr.timer !== undefined) {
    if (!SWITCH_VALUES.timer.includes(pr.timer as 'setitimer')) ctx.fail('profile.timer', `must be "setitimer" or "per-thread", got ${kind(pr.timer)}`);
    switches.timer = pr.timer as 'setitimer';
  }
  if (pr.firstExpiry !== undefined) {
    if (!SWITCH_VALUES.firstExpiry.includes(pr.firstExpiry as 'uniform')) ctx.fail('profile.firstExpiry', `must be "uniform" or "period", got ${kind(pr.firstExpiry)}`);
    switches.firstExpiry = pr.firstExpiry as 'uniform';
  }
  const hz = pr.hz === undefined ? 100 : int(ctx, 'profile.hz', pr.hz, 1, 100000);
  const pb = pr.profBuf === undefined ? {} : keys(ctx, 'profile.profBuf', pr.profBuf, ['words', 'tags']);
  const profile: RProfile = {
    hz,
    periodNs: Math.floor(1e9 / hz),
    tickNs: pr.tick === undefined ? 4e6 : dur(ctx, 'profile.tick', pr.tick, { min: 1000 }),
    words: pb.words === undefined ? 1 << 17 : int(ctx, 'profile.profBuf.words', pb.words, 8, (1 << 28) - 1),
    tags: pb.tags === undefined ? 1 << 14 : int(ctx, 'profile.profBuf.tags', pb.tags, 1, (1 << 28) - 1),
    readEveryNs: pr.readEvery === undefined ? 100e6 : dur(ctx, 'profile.readEvery', pr.readEvery, { min: 1000 }),
  };

  const c = o.costs === undefined ? {} : keys(ctx, 'costs', o.costs, ['schedule', 'gosched', 'newproc', 'findRunnable']);
  const costs: RCosts = {
    scheduleNs: c.schedule === undefined ? 250 : dur(ctx, 'costs.schedule', c.schedule),
    goschedNs: c.gosched === undefined ? 150 : dur(ctx, 'costs.gosched', c.gosched),
    newprocNs: c.newproc === undefined ? 800 : dur(ctx, 'costs.newproc', c.newproc),
    findRunnableNs: c.findRunnable === undefined ? 2000 : dur(ctx, 'costs.findRunnable', c.findRunnable),
  };

  const name = o.name === undefined ? 'scenario' : str(ctx, 'name', o.name);
  const tr = o.trace === undefined ? {} : keys(ctx, 'trace', o.trace, ['period', 'cpuReaderEvery']);
  const trace: RTrace = {
    periodNs: tr.period === undefined ? 1e9 : dur(ctx, 'trace.period', tr.period, { min: 1000 }),
    cpuReaderEveryNs: tr.cpuReaderEvery === undefined ? 100e6 : dur(ctx, 'trace.cpuReaderEvery', tr.cpuReaderEvery, { min: 1000 }),
  };
  return { name, go, seed, durationNs, gomaxprocs, templates, threads, gc, profile, switches, costs, channels: [...ctx.channels.keys()], symtab: ctx.symtab, trace };
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

// The scenario schema: every field a scenario may have, declared once with its kind, its range,
// its default and what it means. Everything else derives from this table:
//   validate.ts / resolve.ts  the checks and their error messages, the defaults;
//   scenario.ts               the Scenario type (inferred from the table's literal types);
//   schema-docs.ts            the README's field table (`npm run docs:scenario`);
//   app/sweep-grid.ts         which axis roots a sweep may name.
// A field's `default` is written as a user would write it (it is validated like user input);
// `unset` says what leaving out a field without a default means (resolve.ts applies it).

import { DEFAULT_RELEASE, GO_RELEASES, SWITCH_VALUES, type Switches } from './releases.ts';
import { USER_STW_REASONS } from './stw.ts';
import { PROFBUF_MAX, profBufTagCount, profBufWordCount } from '../core/profbuf-layout.ts';

interface Common {
  readonly doc: string;
  /** Checked even when absent: the absence is the error. */
  readonly required?: true;
  readonly unset?: string;
}
/** Go's time.ParseDuration grammar, in ns: at least `min`, above 0 when `positive`, at most `max`. */
export interface DurationSpec extends Common { readonly kind: 'duration'; readonly default?: string; readonly min?: number; readonly positive?: true; readonly max?: number }
/** A positive byte count, or a string such as "64KiB". */
export interface SizeSpec extends Common { readonly kind: 'size'; readonly default?: string | number }
export interface IntSpec extends Common { readonly kind: 'int'; readonly min: number; readonly max: number; readonly default?: number }
export interface NumberSpec extends Common { readonly kind: 'number'; readonly min: number; readonly max: number; readonly openMin?: true; readonly default?: number }
/** One of `values`; `noun` words the error as "unknown <noun> X (known: ...)"; `alias`: another
 *  spelling of that release switch (setting both differently is an error). */
export interface EnumSpec extends Common {
  readonly kind: 'enum';
  readonly values: readonly (string | number | boolean)[];
  readonly noun?: string;
  readonly alias?: keyof Switches;
  readonly default?: string | number | boolean;
}
export interface BoolSpec extends Common { readonly kind: 'bool'; readonly default?: boolean }
/** The literal true (a step that takes no argument). */
export interface TrueSpec extends Common { readonly kind: 'true' }
export interface StringSpec extends Common { readonly kind: 'string'; readonly empty?: true; readonly default?: string }
export interface ObjectSpec extends Common { readonly kind: 'object'; readonly fields: Fields }
export interface ListSpec extends Common { readonly kind: 'list'; readonly of: ObjectSpec; readonly nonEmpty?: true; readonly noun?: string }
/**
 * Kinds with rules of their own (validate.ts): named stacks, a stack (a name or frames), frames,
 * pprof labels, a program of steps, a channel name, a goroutine template name, switch overrides.
 */
export interface RefSpec extends Common {
  readonly kind: 'stacks' | 'stack' | 'frames' | 'labels' | 'steps' | 'channel' | 'template' | 'switches';
  readonly default?: readonly [];
}
export type FieldSpec = DurationSpec | SizeSpec | IntSpec | NumberSpec | EnumSpec | BoolSpec | TrueSpec | StringSpec | ObjectSpec | ListSpec | RefSpec;
export type Fields = Readonly<Record<string, FieldSpec>>;

export const BLOCK_REASONS = ['chan', 'select', 'sync', 'cond', 'net'] as const;

/** Frames a stack may have: the runtime records at most this many (maxCPUProfStack). */
export const MAX_STACK_FRAMES = 64;

/** Live goroutines a scenario may have unless `limits.goroutines` says otherwise. */
export const DEFAULT_GOROUTINE_LIMIT = 100_000;

/** The default spread of step durations: the coefficient of variation of a lognormal fitted
 *  (maximum likelihood) to the Gosched-loop slices of a real Go 1.23 trace (README, The model). */
export const DEFAULT_JITTER_CV = 0.23;
export const JITTER_DISTS = ['lognormal', 'none'] as const;

/** A profile field that is another spelling of a release switch. */
const switchAlias = <K extends 'timer' | 'firstExpiry'>(alias: K, doc: string) =>
  ({ kind: 'enum', values: SWITCH_VALUES[alias], alias, unset: `the release's \`switches.${alias}\``, doc }) as const;

export const FRAME = {
  func: { kind: 'string', required: true, doc: 'Function name' },
  file: { kind: 'string', required: true, doc: 'Source file' },
  line: { kind: 'int', min: 0, max: 1e9, required: true, doc: 'Line being executed' },
} as const satisfies Fields;

/** Goroutine steps: exactly one key of a step names its kind (the first of these it has). */
export const STEPS = {
  compute: {
    doc: 'Run user code for a CPU time (sysmon preempts after 10ms)',
    fields: {
      compute: { kind: 'stack', required: true, doc: 'The code running' },
      for: { kind: 'duration', positive: true, required: true, doc: 'CPU time' },
    },
  },
  syscall: {
    doc: 'A system call: CPU in the kernel, then blocked in it',
    fields: {
      syscall: { kind: 'stack', required: true, doc: 'The calling code' },
      cpu: { kind: 'duration', default: '1us', doc: 'Kernel CPU time' },
      block: { kind: 'duration', default: '0s', doc: 'Then blocked in the kernel' },
    },
  },
  sleep: { doc: 'time.Sleep', fields: { sleep: { kind: 'duration', positive: true, required: true, doc: 'How long' } } },
  block: {
    doc: 'Block on something outside the program',
    fields: {
      block: { kind: 'duration', positive: true, required: true, doc: 'How long' },
      reason: { kind: 'enum', values: BLOCK_REASONS, default: 'chan', doc: 'What it waits on' },
    },
  },
  send: { doc: 'Unbuffered channel send (hands off into the receiver\'s P\'s runnext)', fields: { send: { kind: 'channel', required: true, doc: 'Channel name' } } },
  recv: { doc: 'Unbuffered channel receive', fields: { recv: { kind: 'channel', required: true, doc: 'Channel name' } } },
  gosched: { doc: 'runtime.Gosched: mcall to g0, onto the global run queue, schedule', fields: { gosched: { kind: 'true', required: true, doc: 'true' } } },
  systemstack: {
    doc: 'Work on g0 on behalf of the goroutine (m.curg stays set)',
    fields: {
      systemstack: { kind: 'stack', required: true, doc: 'The g0 code' },
      for: { kind: 'duration', positive: true, required: true, doc: 'CPU time' },
    },
  },
  mcall: {
    doc: 'Switch to g0 (its frames alone in samples)',
    fields: {
      mcall: { kind: 'stack', required: true, doc: 'The g0 code' },
      for: { kind: 'duration', positive: true, required: true, doc: 'CPU time' },
    },
  },
  spawn: {
    doc: 'Start goroutines of a template (go statement)',
    fields: {
      spawn: { kind: 'template', required: true, doc: 'Template name' },
      count: { kind: 'int', min: 1, max: 100000, default: 1, doc: 'How many' },
    },
  },
  loop: {
    doc: 'Repeat steps',
    fields: {
      loop: { kind: 'steps', required: true, doc: 'The body' },
      times: { kind: 'int', min: 0, max: 1e12, unset: 'forever', doc: 'How often' },
    },
  },
  labels: { doc: 'pprof.SetGoroutineLabels (replacing the current ones)', fields: { labels: { kind: 'labels', required: true, doc: 'The labels' } } },
  task: {
    doc: 'runtime/trace task around steps',
    fields: {
      task: { kind: 'string', required: true, doc: 'Task name' },
      do: { kind: 'steps', default: [], doc: 'Steps inside' },
    },
  },
  region: {
    doc: 'runtime/trace region around steps',
    fields: {
      region: { kind: 'string', required: true, doc: 'Region name' },
      do: { kind: 'steps', default: [], doc: 'Steps inside' },
    },
  },
  log: {
    doc: 'runtime/trace log message',
    fields: {
      log: { kind: 'string', empty: true, required: true, doc: 'Message' },
      category: { kind: 'string', empty: true, default: '', doc: 'Category' },
    },
  },
  alloc: { doc: 'mallocgc: heap growth toward the GC trigger, mark assists during GC', fields: { alloc: { kind: 'size', required: true, doc: 'Bytes' } } },
  stopTheWorld: {
    doc: 'A call that stops the world, named by the runtime\'s reason',
    fields: {
      stopTheWorld: { kind: 'enum', values: USER_STW_REASONS, required: true, doc: 'Reason' },
      for: { kind: 'duration', positive: true, default: '20us', doc: 'Work done while stopped' },
    },
  },
} as const satisfies Record<string, { doc: string; fields: Fields }>;

export type StepKind = keyof typeof STEPS;
export const STEP_KINDS = Object.keys(STEPS) as StepKind[];

export const TEMPLATE = {
  name: { kind: 'string', required: true, doc: 'Template name (for spawn)' },
  count: { kind: 'int', min: 0, max: 100000, default: 1, doc: 'Goroutines main starts at time 0 (0: only spawned)' },
  labels: { kind: 'labels', unset: 'none', doc: 'pprof labels of its goroutines' },
  lockOSThread: { kind: 'bool', default: false, doc: 'runtime.LockOSThread for life: its own M, which exits with it' },
  program: { kind: 'steps', required: true, doc: 'Steps each goroutine runs' },
} as const satisfies Fields;

export const THREAD = {
  name: { kind: 'string', required: true, doc: 'Thread name' },
  count: { kind: 'int', min: 0, max: 10000, default: 1, doc: 'How many' },
  busy: { kind: 'number', min: 0, max: 1, openMin: true, required: true, doc: 'Fraction of one CPU it keeps busy' },
  start: { kind: 'duration', default: '0s', doc: 'When it starts' },
  life: { kind: 'duration', positive: true, unset: 'the whole run', doc: 'How long it lives' },
} as const satisfies Fields;

export const SCENARIO = {
  name: { kind: 'string', default: 'scenario', doc: 'Name of the run' },
  go: { kind: 'enum', values: GO_RELEASES, noun: 'Go release', default: DEFAULT_RELEASE, doc: 'Release whose switches are used (`--go`)' },
  seed: { kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER, default: 1, doc: 'Seed of every random draw (`--seed`)' },
  duration: { kind: 'duration', positive: true, max: 3600e9, default: '1s', doc: 'Simulated time (`--duration`)' },
  gomaxprocs: { kind: 'int', min: 1, max: 1024, default: 4, doc: 'GOMAXPROCS' },
  stacks: { kind: 'stacks', unset: 'none', doc: `Named stacks \`{func, file, line}[]\`, leaf first, at most ${MAX_STACK_FRAMES} frames` },
  goroutines: { kind: 'list', of: { kind: 'object', fields: TEMPLATE, doc: 'A goroutine template' }, nonEmpty: true, noun: 'goroutine templates', required: true, doc: 'Goroutine templates' },
  threads: { kind: 'list', of: { kind: 'object', fields: THREAD, doc: 'A cgo thread' }, unset: 'none', doc: 'cgo threads with no M (sampled only through setitimer)' },
  gc: {
    kind: 'object',
    unset: 'no GC',
    doc: 'Garbage collection',
    fields: {
      trigger: { kind: 'size', default: '4MiB', doc: 'Allocation since the last cycle that starts the next' },
      period: { kind: 'duration', min: 1e6, unset: 'only by allocation', doc: 'Also start a cycle at least this often' },
      stw: { kind: 'duration', positive: true, default: '30us', doc: 'Each of the two stop-the-world pauses' },
      mark: { kind: 'duration', positive: true, default: '2ms', doc: 'Concurrent mark phase' },
      workers: {
        kind: 'number',
        min: 0,
        max: 1,
        default: 0.25,
        doc: "Background mark utilization as a fraction of GOMAXPROCS (Go's gcBackgroundUtilization), split as mgcpacer.go does into dedicated workers, int(GOMAXPROCS × workers + 0.5), one fewer when that is over the goal by more than 30%, and a fractional worker on each P for the rest; 0: no mark workers",
      },
      assistNsPerKiB: { kind: 'number', min: 0, max: 1e6, default: 200, doc: 'Mark assist CPU per KiB allocated during mark (ns)' },
    },
  },
  profile: {
    kind: 'object',
    doc: 'The CPU profiler',
    fields: {
      hz: { kind: 'int', min: 1, max: 100000, default: 100, doc: 'Sampling rate' },
      timer: switchAlias('timer', 'Another spelling of `switches.timer` (setting both differently is an error)'),
      tick: { kind: 'duration', min: 1000, default: '4ms', doc: 'Kernel tick checking process-wide CPU timers' },
      profBuf: {
        kind: 'object',
        doc: "The CPU profile's profBuf",
        fields: {
          words: { kind: 'int', min: 8, max: PROFBUF_MAX - 1, default: profBufWordCount, doc: 'Data ring words' },
          tags: { kind: 'int', min: 1, max: PROFBUF_MAX - 1, default: profBufTagCount, doc: 'Tag ring slots' },
        },
      },
      firstExpiry: switchAlias('firstExpiry', 'Another spelling of `switches.firstExpiry` (setting both differently is an error)'),
      readEvery: { kind: 'duration', min: 1000, default: '100ms', doc: 'How often the profile reader drains the profBuf' },
    },
  },
  switches: { kind: 'switches', unset: "the release's preset", doc: 'Overrides of single release switches (see Release switches)' },
  costs: {
    kind: 'object',
    doc: 'Runtime costs on g0',
    fields: {
      schedule: { kind: 'duration', default: '250ns', doc: 'schedule()' },
      gosched: { kind: 'duration', default: '150ns', doc: 'Gosched' },
      newproc: { kind: 'duration', default: '800ns', doc: 'newproc' },
      findRunnable: { kind: 'duration', default: '2us', doc: 'findRunnable' },
    },
  },
  trace: {
    kind: 'object',
    doc: 'Execution tracing',
    fields: {
      period: { kind: 'duration', min: 1000, default: '1s', doc: 'Generation length (v2 tracer)' },
      cpuReaderEvery: { kind: 'duration', min: 1000, default: '100ms', doc: 'How often the CPU-sample reader drains' },
    },
  },
  jitter: {
    kind: 'object',
    doc: 'Spread of step durations (compute, systemstack, mcall, a syscall\'s cpu and block), drawn from the run\'s seeded PRNG',
    fields: {
      dist: { kind: 'enum', values: JITTER_DISTS, default: 'lognormal', doc: 'Distribution of each duration: lognormal with the step\'s duration as its mean, or none (exact)' },
      cv: { kind: 'number', min: 0, max: 4, default: DEFAULT_JITTER_CV, doc: 'Coefficient of variation (standard deviation / mean)' },
    },
  },
  limits: {
    kind: 'object',
    doc: 'Guards against runaway programs',
    fields: {
      goroutines: { kind: 'int', min: 1, max: 10_000_000, default: DEFAULT_GOROUTINE_LIMIT, doc: 'Live goroutines before the run stops, naming the spawner' },
    },
  },
} as const satisfies Fields;

/** The scenario's top-level field names (the roots a sweep axis may start with). */
export const SCENARIO_FIELDS = Object.keys(SCENARIO) as (keyof typeof SCENARIO)[];

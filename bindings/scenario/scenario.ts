// Scenario: what a user writes to describe a Go program and how it is profiled and traced.
//
// The types here are inferred from the schema (schema.ts), which declares every field once with
// its kind, default and meaning; a field added there appears here, in validation and in the
// docs. A scenario arrives as JSON (a file or an object from the API) and is checked by
// resolveScenario (resolve.ts), which turns it into a ResolvedScenario: durations and sizes
// become nanoseconds and bytes, stack references become frame lists, defaults are filled in
// from the schema and the Go release preset. The simulation only ever sees a ResolvedScenario.
//
// Durations are strings in Go's time.ParseDuration grammar (duration.ts): "250ns", "50us" (or
// "50µs"), "1.5ms", "2s", "1m30s", "1h". Sizes are byte counts or strings such as "64KiB",
// "4MB". Stacks are listed leaf first, as a traceback prints them.

import type { BLOCK_REASONS, FRAME, SCENARIO, STEPS } from './schema.ts';

export type { GoRelease, TimerMechanism } from './releases.ts';

export type Duration = string;
export type Size = number | string;

/** The TypeScript type of a value of one schema field. */
export type FieldType<F> = F extends { kind: 'duration' }
  ? Duration
  : F extends { kind: 'size' }
    ? Size
    : F extends { kind: 'int' | 'number' }
      ? number
      : F extends { kind: 'enum'; values: readonly (infer V)[] }
        ? V
        : F extends { kind: 'bool' }
          ? boolean
          : F extends { kind: 'true' }
            ? true
            : F extends { kind: 'string' | 'channel' | 'template' }
              ? string
              : F extends { kind: 'object'; fields: infer O }
                ? ObjectType<O>
                : F extends { kind: 'list'; of: infer E }
                  ? FieldType<E>[]
                  : F extends { kind: 'stacks' }
                    ? Record<string, Frame[]>
                    : F extends { kind: 'labels' }
                      ? Record<string, string>
                      : F extends { kind: 'frames' }
                        ? Frame[]
                        : F extends { kind: 'stack' }
                          ? StackRef
                          : F extends { kind: 'steps' }
                            ? Step[]
                            : F extends { kind: 'switches' }
                              ? Record<string, string | number | boolean>
                              : never;

type RequiredKeys<O> = { [K in keyof O]: O[K] extends { required: true } ? K : never }[keyof O];
type Flat<T> = T extends infer U ? { [K in keyof U]: U[K] } : never;
/** An object of schema fields: required fields required, the others optional. */
export type ObjectType<O> = Flat<{ -readonly [K in RequiredKeys<O>]: FieldType<O[K]> } & { -readonly [K in Exclude<keyof O, RequiredKeys<O>>]?: FieldType<O[K]> }>;

/** A source-level frame: the function, its file and the line being executed. */
export type Frame = ObjectType<typeof FRAME>;
/** A call stack: the name of an entry in `stacks`, or frames inline (leaf first). */
export type StackRef = string | Frame[];

/** One step of a goroutine's program: exactly one key names the step (schema.ts STEPS). */
export type Step = { [K in keyof typeof STEPS]: ObjectType<(typeof STEPS)[K]['fields']> }[keyof typeof STEPS];
export type BlockReason = (typeof BLOCK_REASONS)[number];

export type Scenario = ObjectType<typeof SCENARIO>;
export type GoroutineTemplate = Scenario['goroutines'][number];
/** Threads created outside Go (cgo) that never get an M; sampled only through setitimer. */
export type ThreadTemplate = NonNullable<Scenario['threads']>[number];
export type GCConfig = NonNullable<Scenario['gc']>;
export type ProfileConfig = NonNullable<Scenario['profile']>;

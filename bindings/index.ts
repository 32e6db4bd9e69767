// gotracesim: the package entry.
export * from './core/index.ts';
export { simulate, simulateResolved, type SimResult, type Summary, type SimulateOptions, type ThreadSummary, type GoroutineSummary } from './runtime/simulate.ts';
export { DEFAULT_SCENARIO } from './runtime/default-scenario.ts';
export { resolveScenario, resolveScenarioText, ScenarioError, parseDuration, parseSize, type Overrides } from './runtime/resolve.ts';
export { RELEASES, GO_RELEASES, DEFAULT_RELEASE, type Switches } from './runtime/releases.ts';
export { ProfileBuilder } from './runtime/pprof-builder.ts';
export { encodeProfile, decodeProfile } from './formats/pprof.ts';
export type { Scenario, Step, Frame, GoroutineTemplate, ThreadTemplate, GCConfig, ProfileConfig, GoRelease } from './sim/scenario.ts';

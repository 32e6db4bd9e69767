// gotracesim: the package entry.
export * from './core/index.ts';
export { simulate, simulateResolved, Simulation, type SimResult, type Summary, type SimulateOptions, type ThreadSummary, type GoroutineSummary } from './runtime/simulate.ts';
export { DEFAULT_SCENARIO } from './scenario/default-scenario.ts';
export { resolveScenario, resolveScenarioText, ScenarioError, parseDuration, parseSize, type Overrides } from './scenario/resolve.ts';
export { RELEASES, GO_RELEASES, DEFAULT_RELEASE, type Switches } from './scenario/releases.ts';
export { ProfileBuilder } from './runtime/pprof-builder.ts';
export { encodeProfile, decodeProfile } from './formats/pprof.ts';
export type { Scenario, Step, Frame, GoroutineTemplate, ThreadTemplate, GCConfig, ProfileConfig, GoRelease } from './scenario/scenario.ts';
export {
  readTrace,
  readTraceBatches,
  validateTrace,
  traceSummary,
  detectTrace,
  detectFormat,
  traceText,
  TraceError,
  parseV1,
  validateV1,
  countsV1,
  v1,
  v2,
  type TraceEvent,
  type TraceFormat,
  type TraceSummary,
  type TraceInput,
  type StackFrame,
} from './formats/index.ts';
export { sweep, type SweepOptions, type SweepResult } from './app/sweep.ts';
export { parseGrid, expandGrid, GridError, type Grid, type Run } from './app/sweep-grid.ts';
export type { TraceStats, TraceSink } from './runtime/tracer.ts';
export { toChromeTrace, writeChromeTrace, type ChromeTrace, type ChromeOptions, validateChromeTrace } from './formats/chrome/index.ts';

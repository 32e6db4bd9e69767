// gotracesim in a browser: the trace readers and the simulator, no Node built-ins.
// Bundled by scripts/bundle.ts into build/gotracesim-browser.js (ESM) with the core's wasm
// inlined (base64); the bundle resolves ./core/wasm.ts to ./core/wasm-browser.ts.
//
//   import { simulate, DEFAULT_SCENARIO, traceSummary, isolated } from './gotracesim-browser.js';
//   const { summary, trace, profile, truth } = simulate(DEFAULT_SCENARIO, { trace: true });
//   const s = await traceSummary(trace);
//   const view = profileView(profile, truth);   // flame graphs and top functions, as the report's
//   const { timeline } = timelineOf(trace);      // the report's timeline data
//
// The simulator needs a shared WebAssembly.Memory, which browsers grant only to cross-origin
// isolated pages (served with Cross-Origin-Opener-Policy: same-origin and
// Cross-Origin-Embedder-Policy: require-corp); `isolated()` tells. The readers need nothing.

import { coreModule, setCoreModule } from './core/wasm-browser.ts';

export * from './formats/index.ts';
export { toChromeTrace, type ChromeTrace, type ChromeOptions, validateChromeTrace } from './formats/chrome/index.ts';
export { simulate, simulateResolved, Simulation, type SimResult, type Summary, type SimulateOptions } from './runtime/simulate.ts';
export { DEFAULT_SCENARIO } from './scenario/default-scenario.ts';
export { resolveScenario, resolveScenarioText, ScenarioError, type Overrides } from './scenario/resolve.ts';
export { RELEASES, GO_RELEASES, DEFAULT_RELEASE } from './scenario/releases.ts';
export { encodeProfile, decodeProfile } from './formats/pprof.ts';
export { loadCore, coreModule, setCoreModule, type Core } from './core/wasm-browser.ts';
export type { Scenario } from './scenario/scenario.ts';
// The report's views, computed in the page (drawn by /vendor/views.js: GtsFlame, GtsTimeline).
export { profileView, type ProfileView } from './app/report-profile.ts';
export { timelineOf, type TimelineData } from './app/report-timeline.ts';

/** Whether this page may use shared memory (and so run the simulator). */
export function isolated(): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;
}

/** Make the core module ready: compile the inlined wasm (no argument), or bytes, a Response,
 *  or a URL to fetch (e.g. build/gotracesim.wasm for a bundle built without inlining). */
export async function initCore(src?: BufferSource | Response | URL | string): Promise<WebAssembly.Module> {
  if (src === undefined) return coreModule();
  if (typeof src === 'string' || src instanceof URL) src = await fetch(src);
  if (typeof Response !== 'undefined' && src instanceof Response) {
    if (!src.ok) throw new Error(`initCore: ${src.url}: HTTP ${src.status}`);
    return setCoreModule(await WebAssembly.compile(await src.arrayBuffer()));
  }
  return setCoreModule(await WebAssembly.compile(src as BufferSource));
}

// Worker entry: instantiate the core on the memory the parent shares, run one stress task,
// post its result (or its error) back.

import { parentPort, workerData } from 'node:worker_threads';
import { loadCore } from '../core/wasm.ts';
import { runTask, type StressTask } from './stress.ts';

const { module, memory, task } = workerData as { module: WebAssembly.Module; memory: WebAssembly.Memory; task: StressTask };
try {
  const core = loadCore({ module, memory });
  parentPort!.postMessage({ ok: true, result: runTask(core, task) });
} catch (e) {
  parentPort!.postMessage({ ok: false, error: String((e as Error)?.stack ?? e) });
}

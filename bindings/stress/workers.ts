// Running stress tasks in worker_threads that share this thread's core memory.

import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Core } from '../core/wasm.ts';
import type { StressTask } from './stress.ts';

/** The compiled worker entry (workers run JavaScript: build/lib/stress/worker.js). */
export function workerPath(): string {
  for (const rel of ['./worker.js', '../../build/lib/stress/worker.js']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error('build/lib/stress/worker.js not found: run `npm run build` first');
}

/** A started task; `result` settles when the worker posts back. */
export interface RunningTask<T> {
  worker: Worker;
  result: Promise<T>;
}

export function startTask<T>(core: Core, task: StressTask): RunningTask<T> {
  const worker = new Worker(workerPath(), { workerData: { module: core.module, memory: core.mem.memory, task } });
  const result = new Promise<T>((resolve, reject) => {
    worker.once('message', (m: { ok: boolean; result?: T; error?: string }) => {
      if (m.ok) resolve(m.result as T);
      else reject(new Error(`worker task ${task.kind} failed: ${m.error}`));
      void worker.terminate();
    });
    worker.once('error', reject);
  });
  return { worker, result };
}

export function runTaskInWorker<T>(core: Core, task: StressTask): Promise<T> {
  return startTask<T>(core, task).result;
}

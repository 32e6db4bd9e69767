// One sweep run, in a pool worker: simulate the run's scenario and reduce the result to a
// flat row of metrics. A run that throws becomes a row with its error here; one that hangs,
// exhausts the worker's heap or kills the worker is made a row by the pool (sweep-pool.ts).

import { BroadcastChannel, threadId } from 'node:worker_threads';
import { simulate } from '../runtime/simulate.ts';

export interface SweepTask {
  index: number;
  id: string;
  params: Record<string, unknown>;
  seed: number;
  scenario: Record<string, unknown>;
  trace: boolean;
  /** A BroadcastChannel name: told { index, threadId } as the run starts, so the pool's
   *  --run-timeout clock starts there and it knows which worker to watch for an exit. */
  started?: string;
  /** Told back with the announcement: tells apart runs of several grids (equal indexes) in
   *  one pool (the queue worker's). */
  key?: number;
}

/** Announcement on SweepTask.started. */
export interface RunStarted {
  index: number;
  threadId: number;
  key?: number;
}

// One channel per sweep, opened by a worker's first run of it (a channel per run would cost
// more than a short run: ports are slow to free).
let announcer: BroadcastChannel | null = null;
function announceStart(channel: string, index: number, key: number | undefined): void {
  if (announcer?.name !== channel) {
    announcer?.close();
    announcer = new BroadcastChannel(channel);
    announcer.unref();
  }
  announcer.postMessage({ index, threadId, key } satisfies RunStarted);
}

export interface SweepRow {
  index: number;
  id: string;
  params: Record<string, unknown>;
  seed: number;
  status: 'ok' | 'failed';
  error?: string;
  metrics?: Record<string, number>;
  wall_ms: number;
}

export function runSweepTask(t: SweepTask): SweepRow {
  if (t.started !== undefined) announceStart(t.started, t.index, t.key);
  const t0 = performance.now();
  try {
    let traceBytes = 0;
    const r = simulate(t.scenario, t.trace ? { trace: (c) => (traceBytes += c.length) } : {});
    const p = r.summary.profile;
    const metrics: Record<string, number> = {
      signals: p.signals,
      droppedByValidSIGPROF: p.droppedByValidSIGPROF,
      delivered: p.delivered,
      inProfile: p.inProfile,
      lostToOverflow: p.lostToOverflow,
      osCpuNs: p.osCpuNs.total,
      profiledCpuNs: p.profiledCpuNs,
      ratio: Math.round(p.ratio * 1e6) / 1e6,
      // For the report's expectations (setitimer's tick_rate/hz/N) and the truth distance.
      hz: p.hz,
      tickNs: p.tickNs,
      gomaxprocs: r.summary.gomaxprocs,
    };
    if (r.summary.truth) {
      metrics.truthTvdFunctions = r.summary.truth.tvd.functions;
      metrics.truthTvdGoroutines = r.summary.truth.tvd.goroutines;
      metrics.truthTvdLabels = r.summary.truth.tvd.labels;
    }
    if (r.summary.trace) {
      const tr = r.summary.trace;
      metrics.traceEvents = Object.values(tr.events).reduce((a, b) => a + b, 0);
      metrics.traceBytes = traceBytes;
      metrics.traceCpuTaken = tr.cpuSamples.taken;
      metrics.traceCpuInTrace = tr.cpuSamples.inTrace;
      metrics.traceCpuOverflowed = tr.cpuSamples.overflowed;
      metrics.traceCpuLostAtStop = tr.cpuSamples.lostAtStop;
      metrics.traceCpuMisplaced = tr.cpuSamples.misplaced;
    }
    return { index: t.index, id: t.id, params: t.params, seed: t.seed, status: 'ok', metrics, wall_ms: Math.round(performance.now() - t0) };
  } catch (e) {
    return { index: t.index, id: t.id, params: t.params, seed: t.seed, status: 'failed', error: String((e as Error)?.message ?? e), wall_ms: Math.round(performance.now() - t0) };
  }
}

export default runSweepTask;

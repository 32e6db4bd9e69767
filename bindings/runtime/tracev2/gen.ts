// The generational tracer's generations (runtime/trace2.go): StartTrace, the trace advancer
// (traceAdvance every trace.period, default 1s), the CPU sample reader's schedule, and
// StopTrace. When the program runs the advancer goroutine (switches.traceGoroutines), it calls
// traceAdvance itself (the traceAdvance hook: the new generation opens on its thread);
// otherwise the tracer advances on its own clock and opens on a thread running a goroutine.
//
// Owns: the current generation number and whether tracing is on (fields of the TraceV2 core,
// written only here), whether an advance is in progress, and worldsema as the tracer sees it
// (held between STWBegin and STWEnd, and the advance waiting for it).
// Invariants:
// - traceAdvance takes worldsema first: a stop of the world in progress delays it until
//   startTheWorld, so a generation boundary never falls inside an STW range (which Go's
//   validator rejects); StopTrace (traceAdvance(true)) waits the same way (stopWaits);
// - an advance notes the goroutines the old generation never mentioned, snapshots the
//   seqlocks, bumps the generation and opens the new one with a ProcsChange (and GCActive
//   while a GC runs) on a thread running a goroutine (the core's genOpened), then checks
//   (advanceReady) until every M that was inside a section at the snapshot has left it,
//   retrying just after the blocking section's modelled end; only then is the old
//   generation finished;
// - finishing a generation writes, in order: the statuses of the goroutines it never
//   mentioned (into it), the idle Ps' statuses into the new one (announce), the old
//   generation's CPU samples (drained first with a buffer per generation), its per-M batches,
//   its CPUSamples, Stacks and Strings batches and its sync batch; then the next
//   generation's output may flow (genDone);
// - no new generation begins at the instant tracing stops: StopTrace ends the current one.
// Who may touch what: only this file changes the generation; the events read it.

import * as V2 from '../../formats/v2/index.ts';
import type { Sched } from '../../sim/sched.ts';
import type { TraceV2 } from '../tracev2.ts';

const { headerFor } = V2;

export class Generations {
  private advancing = false;
  /** Between STWBegin and STWEnd (the initiator holds worldsema), and the advance waiting on it. */
  private inSTW = false;
  private advanceAfterSTW: ((now: number) => void) | null = null;

  constructor(private readonly t: TraceV2) {}

  /** StartTrace: generation 1 and the header. */
  start(): void {
    const t = this.t;
    t.enabled = true;
    t.gen = 1;
    t.stats.generations = 1;
    t.w.header(headerFor(t.version));
  }

  /** The tracer's goroutines: the CPU sample reader, and the advancer, which sleeps a period
   *  and then runs traceAdvance. */
  init(sched: Sched, now: number): void {
    const t = this.t;
    const every = t.sc.trace.cpuReaderEveryNs;
    const periodNs = t.sc.trace.periodNs;
    const reader = (at: number) => {
      if (!t.enabled) return;
      t.cpu.read(at);
      sched.at(at + every, reader);
    };
    sched.at(now + every, reader);
    if (t.sc.switches.traceGoroutines === 'reader+cpu+advancer') return;
    const advance = (at: number) => {
      // No new generation at the instant tracing stops: StopTrace ends the current one.
      if (!t.enabled || at >= t.sc.durationNs) return;
      if (this.inSTW) {
        this.advanceAfterSTW = advance;
        return;
      }
      this.advance(at);
      sched.at(at + periodNs, advance);
    };
    sched.at(now + periodNs, advance);
  }

  /** The advancer goroutine's traceAdvance on thread mid (it runs, so no stop of the world
   *  holds worldsema); none at the instant tracing stops. */
  advanceOn(mid: number, now: number): void {
    if (!this.t.enabled || now >= this.t.sc.durationNs) return;
    if (this.inSTW) {
      this.advanceAfterSTW = (at) => this.advance(at, -1);
      return;
    }
    this.advance(now, mid);
  }

  /** STWBegin: the initiator holds worldsema. */
  stwBegin(): void {
    this.inSTW = true;
  }

  /** STWEnd: semrelease(worldsema) wakes the advancer once startTheWorld is done. */
  stwEnd(now: number): void {
    this.inSTW = false;
    const waiting = this.advanceAfterSTW;
    if (waiting) {
      this.advanceAfterSTW = null;
      this.t.sched.at(now, waiting);
    }
  }

  /** StopTrace is traceAdvance(true): it too takes worldsema, so it waits out a stop-the-world. */
  stopWaits(): boolean {
    return this.inSTW;
  }

  stop(now: number): void {
    const t = this.t;
    if (!t.enabled) return;
    const gen = t.gen;
    if (this.advancing) {
      // An advance still waits: finish it now (the world is stopping; every section ends).
      this.advancing = false;
      t.status.writeUntraced(gen - 1, now);
      t.cpu.drainFor(gen - 1, now);
      this.finishGen(gen - 1, now);
    }
    // StopTrace is an advance too: the last generation's silent goroutines are stated in it.
    t.status.snapshotUntraced(gen, t.sched.gs);
    t.status.writeUntraced(gen, now);
    t.enabled = false;
    t.cpu.stop(gen, now);
    this.finishGen(gen, now);
    t.cpu.final();
  }

  /** traceAdvance; the new generation opens on thread mid (-1: any running a goroutine). */
  private advance(now: number, mid = -1): void {
    if (this.advancing) return;
    const t = this.t;
    t.cs.release(now);
    t.status.snapshotUntraced(t.gen, t.sched.gs);
    t.cs.seq.snapshot();
    t.gen++;
    t.stats.generations = t.gen;
    t.stats.genStarts.push(now);
    this.advancing = true;
    t.genOpened(now, mid);
    this.tryFinish(now);
  }

  private tryFinish(now: number): void {
    const t = this.t;
    if (!this.advancing || !t.enabled) return;
    t.cs.release(now);
    const blocking = t.cs.seq.advanceReady();
    if (blocking >= 0) {
      t.stats.advanceWaits++;
      t.sched.at(Math.max(now + 1, t.cs.releaseAt(blocking) + 1), (at) => this.tryFinish(at));
      return;
    }
    this.advancing = false;
    t.status.writeUntraced(t.gen - 1, now);
    t.status.announce(now);
    t.cpu.drainFor(t.gen - 1, now);
    this.finishGen(t.gen - 1, now);
  }

  /** Flush generation gen: per-M batches, CPU samples, stacks, strings, sync. */
  private finishGen(gen: number, now: number): void {
    const t = this.t;
    t.w.flushGen(gen);
    t.cpu.flush(gen);
    t.tables.dump(gen, now);
    t.tables.sync(gen, now);
    t.w.genDone(gen);
  }
}

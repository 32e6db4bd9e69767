// ReaderWakeups: what runtime/trace's reader goroutine (rtg.ts, traceReader) learns of a
// tracer's output. In the runtime, each buffer the tracer hands over (a full one, or every one
// at the end of a generation or at stop) is one ReadTrace result, and the reader writes each to
// the trace file with its own write(2): GoSyscallBegin/End on the reader goroutine, 7–10 per
// generation in real Go 1.23 traces.
//
// Owns: the buffers handed over but not yet passed to the reader. Invariants: they reach the
// reader on the agenda at the instant they went out (never from inside the tracer's own hook,
// where the scheduler is mid-step), one wakeup per instant. Who may touch: the tracers
// (tracev1.ts, tracev2/buf.ts) call bufferOut; nothing else.

import type { Sched } from '../sim/sched.ts';

export class ReaderWakeups {
  private pending = 0;
  private sched: Sched | null = null;

  /** The tracer's init: from now on buffers go to this scheduler's reader goroutine. */
  attach(sched: Sched): void {
    this.sched = sched;
  }

  /** One buffer went out. */
  bufferOut(): void {
    const s = this.sched;
    if (!s || this.pending++ > 0) return;
    s.at(s.now, () => {
      const n = this.pending;
      this.pending = 0;
      s.rtg.wakeTraceReader(n);
    });
  }
}

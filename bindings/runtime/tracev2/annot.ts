// The generational tracer's user annotations (runtime/trace's tasks, regions and logs, as
// trace2runtime.go writes them).
//
// Owns: the task id counter, and the annotation events a goroutine owes (kept in its status
// shadow's `pending` list, status.ts).
// Invariants:
// - an annotation is an event of its own goroutine, written on the thread the reader binds
//   that goroutine to: when the simulation ends a region or task of a goroutine that is not
//   running in the trace at that instant (its blocking step was completed by a peer or a
//   timer), the event waits until the goroutine next starts (runPending, from GoStart);
// - the string and stack ids are those of the generation the event is written in.
// Who may touch what: tracev2.ts forwards the observer's annotation calls here and runs a
// goroutine's pending annotations right after its GoStart.

import * as V2 from '../../formats/v2/index.ts';
import type { G, M } from '../../sim/world.ts';
import type { TraceV2 } from '../tracev2.ts';
import type { GShadow } from './status.ts';

const { EvUserLog, EvUserRegionBegin, EvUserRegionEnd, EvUserTaskBegin, EvUserTaskEnd, GoRunning } = V2;

export class Annotations {
  private tasks = 0;

  constructor(private readonly t: TraceV2) {}

  /** Run an annotation now if g runs on m in the trace, else when g next starts. */
  private onG(g: G, m: M | null, now: number, f: (mid: number, now: number) => void): void {
    const t = this.t;
    const s = t.status.gst(g.id);
    if (m && t.status.mst(m.id).g === g.id && s.status === GoRunning) {
      t.status.begin(m.id, now);
      f(m.id, now);
      return;
    }
    (s.pending ??= []).push(() => {
      const at = t.sched.now;
      f(s.m, at);
    });
  }

  /** The annotations g owes, now that it runs again. */
  runPending(s: GShadow): void {
    const p = s.pending;
    if (!p) return;
    s.pending = null;
    for (const f of p) f();
  }

  taskCreate(g: G, name: string, m: M, now: number): number {
    const t = this.t;
    const id = ++this.tasks;
    const parent = g.tasks.length ? g.tasks[g.tasks.length - 1] : 0;
    const stack = g.userStack;
    this.onG(g, m, now, (mid, at) => t.w.ev(mid, EvUserTaskBegin, at, [id, parent, t.str(name), t.stk(stack)]));
    g.tasks.push(id);
    return id;
  }

  taskEnd(g: G, id: number, m: M, now: number): void {
    const t = this.t;
    const stack = g.userStack;
    this.onG(g, m, now, (mid, at) => t.w.ev(mid, EvUserTaskEnd, at, [id, t.stk(stack)]));
    const i = g.tasks.lastIndexOf(id);
    if (i >= 0) g.tasks.splice(i, 1);
  }

  region(g: G, name: string, start: boolean, m: M, now: number): void {
    const t = this.t;
    const task = g.tasks.length ? g.tasks[g.tasks.length - 1] : 0;
    const stack = g.userStack;
    const type = start ? EvUserRegionBegin : EvUserRegionEnd;
    this.onG(g, m, now, (mid, at) => t.w.ev(mid, type, at, [task, t.str(name), t.stk(stack)]));
  }

  log(g: G, category: string, message: string, m: M, now: number): void {
    const t = this.t;
    const task = g.tasks.length ? g.tasks[g.tasks.length - 1] : 0;
    const stack = g.userStack;
    this.onG(g, m, now, (mid, at) => t.w.ev(mid, EvUserLog, at, [task, t.str(category), t.str(message), t.stk(stack)]));
  }
}

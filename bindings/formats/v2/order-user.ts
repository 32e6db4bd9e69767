// Ordering handlers of user annotations (tasks, regions, labels, logs), metrics and the
// experimental alloc/free events: the events that never wait for another thread.
//
// Owns no state of its own: tasks live in Ordering.activeTasks (by id: type and parent as their
// begin gave them), a goroutine's open regions in Ordering.G.regions (innermost last, keys
// "task\0type").
// Invariants:
//  - task ids may be reused and ends may repeat; only a begin of a task already active is
//    broken. A UserTaskEnd closes its task and hands out, through Ordering.endedTaskParent /
//    endedTaskType, the parent and type its begin had (NoTask and '' for a task begun before the
//    trace or ended twice), as Go's ordering smuggles them into the end;
//  - region ends match the innermost open region of their goroutine by task and type; an end
//    with no region open is fine (it began before the trace);
//  - string ids named by these events resolve in the generation being ordered (the type of a
//    task or region is looked up here, as Go does, before the reader's own table check).
// Who may touch: the Go1.22+ format owner.

import { NoTask } from '../trace/model.ts';
import type { Ordering } from './order.ts';
import { MAY, MUST, regionString } from './order-state.ts';

/** ProcsChange, GoLabel, UserLog: need a running goroutine on a P. */
export function annotation(o: Ordering, type: number): boolean {
  o.validate(MUST, MUST, MUST);
  return o.emit(type);
}

/** HeapAlloc, HeapGoal: need a P (the goroutine may be none: the GC worker's). */
export function heapMetric(o: Ordering, type: number): boolean {
  o.validate(MUST, MUST, MAY);
  return o.emit(type);
}

/** Experimental alloc/free events: need a thread only. */
export function allocFree(o: Ordering, type: number): boolean {
  o.validate(MUST, MAY, MAY);
  return o.emit(type);
}

function stringArg(o: Ordering, type: number, id: number): string {
  const s = o.tables.string(id);
  if (s === undefined) throw o.fail(`invalid string ID ${id} for ${o.name(type)} event`);
  return s;
}

export function taskBegin(o: Ordering, type: number): boolean {
  const id = o.args[0];
  if (o.activeTasks.has(id)) throw o.fail(`task ID conflict: ${id}`);
  const name = stringArg(o, type, o.args[2]);
  // A parent of 0 means none (not the background task): Go's ordering rewrites it to NoTask.
  if (o.args[1] === 0) o.args[1] = NoTask;
  o.activeTasks.set(id, { name, parent: o.args[1] });
  o.validate(MUST, MUST, MUST);
  return o.emit(type);
}

export function taskEnd(o: Ordering, type: number): boolean {
  const id = o.args[0];
  const t = o.activeTasks.get(id);
  if (t !== undefined) {
    o.facts.endedTaskParent = t.parent;
    o.facts.endedTaskType = t.name;
    o.activeTasks.delete(id);
  } else {
    o.facts.endedTaskParent = NoTask;
    o.facts.endedTaskType = '';
  }
  o.validate(MUST, MUST, MUST);
  return o.emit(type);
}

/** The running goroutine's open regions (its state is always known when it runs). */
function regionsOf(o: Ordering, what: string): string[] {
  const s = o.G.get(o.curG);
  if (s < 0) throw o.fail(`encountered ${what} without known state for current goroutine ${o.curG}`);
  let regions = o.G.regions[s];
  if (regions === null) regions = o.G.regions[s] = [];
  return regions;
}

export function regionBegin(o: Ordering, type: number): boolean {
  o.validate(MUST, MUST, MUST);
  const name = stringArg(o, type, o.args[1]);
  regionsOf(o, 'EvUserRegionBegin').push(`${o.args[0]}\0${name}`);
  return o.emit(type);
}

export function regionEnd(o: Ordering, type: number): boolean {
  o.validate(MUST, MUST, MUST);
  const name = stringArg(o, type, o.args[1]);
  const regions = regionsOf(o, 'EvUserRegionEnd');
  // Regions begun before the trace started are unknown: an End with none active is fine.
  if (regions.length > 0) {
    const key = `${o.args[0]}\0${name}`;
    const top = regions[regions.length - 1];
    if (top !== key) {
      throw o.fail(
        `misuse of region in goroutine ${o.curG}: region end ${regionString(key)} when the inner-most active region start event is ${regionString(top)}`,
      );
    }
    regions.pop();
  }
  return o.emit(type);
}

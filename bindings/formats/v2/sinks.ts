// Sinks of the ordered event stream: TraceEvent objects, counts by type, or nothing.
//
// Layout: a sink gets each generation before its events, then every event in
// validated order with its args (dt excluded; the array is reused, copy what you keep).
// Invariants: EventBuilder makes times strictly increasing, as Go's reader does, and
// relative to the first event; "no thread" ids become -1. Owner: the Go1.22+ format.

import type { TraceEvent } from '../event.ts';
import type { Generation } from './generation.ts';
import type { EventArgs } from './order.ts';
import { EvCPUSample, NoThreadWire, type VersionTable } from './spec.ts';

/** Consumer of ordered events (args exclude dt, array reused between calls). */
export interface V2Sink {
  /** Called once per generation before its events. */
  generation(g: Generation): void;
  event(type: number, time: number, g: number, p: number, m: number, args: EventArgs, offset: number): void;
  /** Optional: every event of generation g has been handed out (Go's reader makes a Sync here). */
  generationEnd?(g: Generation): void;
}

/** What EventBuilder needs per event type, computed once per version table. */
interface Shape {
  name: string;
  /** Arg names without dt. */
  keys: string[];
  /** An args object with every key, cloned per event so all events of a type share a shape. */
  template: Record<string, number>;
  /** Builds the named args object from args in one literal (null: clone `template`). */
  make: ((args: EventArgs) => Record<string, number>) | null;
  /** Index (without dt) of an M arg, -1 if none. */
  mIndex: number;
  /** Index (without dt) of the event's own stack, -1 if none. */
  stackIndex: number;
  /** String args: indices without dt and their names. */
  stringIdx: number[];
  stringKeys: string[];
}

const shapeCache = new WeakMap<VersionTable, Array<Shape | undefined>>();

/**
 * A function returning `{k0: args[0], k1: args[1], ...}` as one object literal: a fixed
 * shape built in one step, much cheaper than cloning a template and storing by key. Falls
 * back (null) where code generation is not allowed (a browser's CSP).
 */
function literalMaker(keys: string[]): ((args: EventArgs) => Record<string, number>) | null {
  try {
    const body = `return {${keys.map((k, i) => `${JSON.stringify(k)}: a[${i}]`).join(', ')}};`;
    return new Function('a', body) as (args: EventArgs) => Record<string, number>;
  } catch {
    return null;
  }
}

function shapesOf(t: VersionTable): Array<Shape | undefined> {
  let shapes = shapeCache.get(t);
  if (shapes) return shapes;
  shapes = new Array(256).fill(undefined);
  for (const s of t.specs) {
    if (!s) continue;
    const keys = s.type === EvCPUSample ? [] : s.args.slice(1);
    const template: Record<string, number> = {};
    for (const k of keys) template[k] = 0;
    shapes[s.type] = {
      name: s.name,
      keys,
      template,
      make: literalMaker(keys),
      mIndex: keys.indexOf('m'),
      stackIndex: s.type === EvCPUSample ? 0 : s.stackArgs.length ? s.stackArgs[0] - 1 : -1,
      stringIdx: s.type === EvCPUSample ? [] : s.stringArgs.map((i) => i - 1),
      stringKeys: s.type === EvCPUSample ? [] : s.stringArgs.map((i) => s.args[i]),
    };
  }
  shapeCache.set(t, shapes);
  return shapes;
}

/** Builds TraceEvents (the public event type) from the ordered stream. */
export class EventBuilder implements V2Sink {
  readonly events: TraceEvent[] = [];
  private g!: Generation;
  private lastTs = -Infinity;
  private base = -1;
  private shapes: Array<Shape | undefined> = [];

  generation(g: Generation): void {
    this.g = g;
    this.shapes = shapesOf(g.table);
  }

  event(type: number, time: number, g: number, p: number, m: number, args: EventArgs, offset: number): void {
    // Go's reader makes timestamps strictly increasing; do the same.
    if (time <= this.lastTs) time = this.lastTs + 1;
    this.lastTs = time;
    if (this.base < 0) this.base = time;
    const sh = this.shapes[type]!;
    let named: Record<string, number>;
    if (sh.make !== null) {
      named = sh.make(args);
    } else {
      named = { ...sh.template };
      const keys = sh.keys;
      for (let i = 0; i < keys.length; i++) named[keys[i]] = args[i];
    }
    if (sh.mIndex >= 0 && args[sh.mIndex] === NoThreadWire) named.m = -1;
    const ev: TraceEvent = {
      name: sh.name,
      type,
      ts: time - this.base,
      g,
      p,
      m,
      stack: sh.stackIndex >= 0 ? args[sh.stackIndex] : 0,
      args: named,
      gen: this.g.gen,
      offset,
    };
    if (sh.stringIdx.length > 0) {
      const strings: Record<string, string> = {};
      for (let i = 0; i < sh.stringIdx.length; i++) {
        const str = this.g.string(args[sh.stringIdx[i]]);
        if (str !== undefined) strings[sh.stringKeys[i]] = str;
      }
      ev.strings = strings;
    }
    this.events.push(ev);
  }
}

/** Counts events by type id (the cheapest sink: what statistics need). */
export class CountSink implements V2Sink {
  readonly counts = new Float64Array(256);
  generation(): void {}
  event(type: number): void {
    this.counts[type]++;
  }
}

/** A sink that drops everything (pure validation). */
export const nullSink: V2Sink = { generation() {}, event() {} };


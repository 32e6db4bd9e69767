// The state the v1 state pass (state.ts) keeps per goroutine and per P, as Go 1.19's parser
// keeps it in postProcessTrace: a goroutine's status (dead, runnable, running, waiting),
// whether it was seen, its open mark assist, the start stack its creation named; a P's running
// flag, the goroutine on it, its open sweep and (before 1.10) its open STW.
//
// Owns: GTable (by goroutine slot of the wire's IdSlots; grows when a goroutine is first met
// as an argument), PTable (by P slot), gOf, and the goroutine statuses. Invariants: typed
// arrays, grown by doubling; slots never move. Who may touch: the v1 format owner.

import type { IdSlots } from './slots.ts';

export const DEAD = 0;
export const RUNNABLE = 1;
export const RUNNING = 2;
export const WAITING = 3;

/** Per-goroutine state by slot of w.gSlots; grows when a goroutine first met as an argument. */
export class GTable {
  cap = 0;
  state = new Uint8Array(0);
  /** Seen (an event of it, or an argument naming it, was checked), like Go's map entries. */
  seen = new Uint8Array(0);
  assist = new Uint8Array(0);
  hasCreateStack = new Uint8Array(0);
  createStack = new Float64Array(0);
  /** Model only: the G's last block was on the network (its unblock is the netpoller's). */
  net = new Uint8Array(0);
  constructor(n: number) {
    this.room(n);
  }
  room(n: number): void {
    if (n <= this.cap) return;
    const cap = Math.max(n + 16, this.cap * 2);
    this.state = widen(this.state, new Uint8Array(cap));
    this.seen = widen(this.seen, new Uint8Array(cap));
    this.assist = widen(this.assist, new Uint8Array(cap));
    this.hasCreateStack = widen(this.hasCreateStack, new Uint8Array(cap));
    this.createStack = widen(this.createStack, new Float64Array(cap));
    this.net = widen(this.net, new Uint8Array(cap));
    this.cap = cap;
  }
}

/** Per-P state by slot: running, the G on it (id, 0 = none), open sweep, open STW (pre-1.10). */
export class PTable {
  cap = 0;
  running = new Uint8Array(0);
  g = new Float64Array(0);
  sweep = new Uint8Array(0);
  stw = new Uint8Array(0);
  constructor(n: number) {
    this.room(n);
  }
  room(n: number): void {
    if (n <= this.cap) return;
    const cap = Math.max(n + 16, this.cap * 2);
    this.running = widen(this.running, new Uint8Array(cap));
    this.g = widen(this.g, new Float64Array(cap));
    this.sweep = widen(this.sweep, new Uint8Array(cap));
    this.stw = widen(this.stw, new Uint8Array(cap));
    this.cap = cap;
  }
}

function widen<T extends { set(a: ArrayLike<number>): void }>(from: ArrayLike<number>, to: T): T {
  to.set(from);
  return to;
}

/** Slot of goroutine id, marked seen (room made for it). */
export function gOf(G_: GTable, gSlots: IdSlots, id: number): number {
  const s = gSlots.get(id);
  if (s >= G_.cap) G_.room(s + 1);
  G_.seen[s] = 1;
  return s;
}

// Ordering layer of the v1 reader: per-P batches -> one stream, as Go 1.19's parser merges them.
//
// Model: each batch group (a P, or PROFILE_P for CPU samples, re-sorted by the tick the signal
// handler took) is in order by itself. The merge repeatedly takes, among the groups whose first
// unmerged event is "ready" (its goroutine is in the status, and at the sequence number, the
// event expects), the one with the lowest tick. A head that is not ready waits, keyed by the
// goroutine and the state it needs, and is offered again only when that state is reached — the
// same choices as Go's rescan of every batch, in linear work. Up to GO_FRONTIER_MAX groups the
// frontier is Go's own (same tie-breaking between equal ticks); beyond, a heap by (tick, offset).
// Then: ticks must be non-decreasing; GoSysExit takes the real exit tick it carries and the
// stream is stably re-sorted; ticks become ns since the first event; futile wakeups (unblock,
// start and block of a wakeup that achieved nothing) are dropped.
//
// Cost: each group is a linked list through one Int32Array (no index sort); the ordering state
// is indexed by goroutine slot (wire.ts) in typed arrays; the tick check and the syscall-exit
// pass run inside the merge loop, which takes the common case (the group just taken goes on)
// without touching the frontier. Memory: 8 bytes per event (the lists and the result).
//
// go 1.5 traces are ordered differently, as Go's parser orders them: every event carries the
// runtime's global sequence number, so the stream is simply all events by that number (a
// syscall exit by the number and tick it carries), and the ticks must then be non-decreasing.
//
// Invariants: the wire columns are updated in place (the *Local types become their plain type,
// GoSysExit ticks become the real exit tick, then `ts` becomes ns: call orderV1 once per
// wire); the result is deterministic. Throws only TraceError. Who may touch: the v1 format
// owner.

import { TraceError } from '../event.ts';
import * as spec from './spec.ts';
import type { V1Wire } from './wire.ts';
import { growF64, growU8, type IdSlots } from './slots.ts';

// Local bindings: imported bindings compile to getters under some loaders (tsx, vitest),
// which would sit in the per-event loop.
const {
  EvFutileWakeup,
  EvGCStart,
  EvGoBlock,
  EvGoBlockCond,
  EvGoBlockGC,
  EvGoBlockNet,
  EvGoBlockRecv,
  EvGoBlockSelect,
  EvGoBlockSend,
  EvGoBlockSync,
  EvGoCreate,
  EvGoInSyscall,
  EvGoPreempt,
  EvGoSched,
  EvGoSleep,
  EvGoStart,
  EvGoStartLabel,
  EvGoStartLocal,
  EvGoSysBlock,
  EvGoSysExit,
  EvGoSysExitLocal,
  EvGoUnblock,
  EvGoUnblockLocal,
  EvGoWaiting,
  PROFILE_P,
} = spec;

/** The merged stream: event indices (into the wire columns) and each event's time in ns. */
export interface V1Order {
  /** Event indices in final order (futile wakeups removed). */
  order: Int32Array;
  /** ns since the first event, by event index (the wire's `ts` column, rewritten in place). */
  ns: Float64Array;
}

// Goroutine status during ordering.
const DEAD = 0;
const RUNNABLE = 1;
const RUNNING = 2;
const WAITING = 3;
// Ordering keys are goroutine slots + 1; these are not goroutines: the event has no ordering
// constraint / orders GCs.
const UNORDERED = -1;
const GARBAGE = 0;
// Largest number of batch groups for which Go's frontier is replayed exactly.
const GO_FRONTIER_MAX = 64;
// Sequence wildcards: any current seq is fine / next seq is current+1.
const NOSEQ = -1;
const SEQINC = -2;

// Ordering classes of event types, so the per-event switch is on small literals.
const T_NONE = 0;
const T_CREATE = 1;
const T_WAITING = 2;
const T_START = 3;
const T_START_LOCAL = 4;
const T_BLOCK = 5;
const T_YIELD = 6;
const T_UNBLOCK = 7;
const T_UNBLOCK_LOCAL = 8;
const T_GC = 9;
const TRANSITION = new Uint8Array(spec.EvCount).fill(T_NONE);
TRANSITION[EvGoCreate] = T_CREATE;
TRANSITION[EvGoWaiting] = T_WAITING;
TRANSITION[EvGoInSyscall] = T_WAITING;
TRANSITION[EvGoStart] = T_START;
TRANSITION[EvGoStartLabel] = T_START;
TRANSITION[EvGoStartLocal] = T_START_LOCAL;
for (const t of [
  EvGoBlock,
  EvGoBlockSend,
  EvGoBlockRecv,
  EvGoBlockSelect,
  EvGoBlockSync,
  EvGoBlockCond,
  EvGoBlockNet,
  EvGoSleep,
  EvGoSysBlock,
  EvGoBlockGC,
]) {
  TRANSITION[t] = T_BLOCK;
}
TRANSITION[EvGoSched] = T_YIELD;
TRANSITION[EvGoPreempt] = T_YIELD;
TRANSITION[EvGoUnblock] = T_UNBLOCK;
TRANSITION[EvGoSysExit] = T_UNBLOCK;
TRANSITION[EvGoUnblockLocal] = T_UNBLOCK_LOCAL;
TRANSITION[EvGoSysExitLocal] = T_UNBLOCK_LOCAL;
TRANSITION[EvGCStart] = T_GC;
/** Types that the syscall-exit pass looks at (as reported). */
const SYSCALL = new Uint8Array(spec.EvCount);
SYSCALL[EvGoSysBlock] = 1;
SYSCALL[EvGoInSyscall] = 1;
SYSCALL[EvGoSysExit] = 1;
/** Type each wire type is reported as (the *Local types become their plain type). */
const PRINTED = Uint8Array.from(spec.V1_EVENTS, (e) => e.printedAs ?? e.id);

/**
 * The merge of batch groups. One instance per orderV1 call; all state in typed arrays and
 * fields so the per-event path allocates nothing and touches no closures.
 */
class Merger {
  private readonly type: Uint8Array;
  private readonly gs: Int32Array;
  private readonly gSlots: IdSlots;
  private readonly args: Float64Array;
  private readonly argAt: Uint32Array | Float64Array;
  private readonly ts: Float64Array;
  private readonly off: Uint32Array | Float64Array;
  /** Each group's events as a list: the event after i in its group (-1: none). */
  private readonly next: Int32Array;
  /** Next unmerged event of each group (-1: the group is merged). */
  readonly cur: Int32Array;

  // Transition of the event last passed to transition(): G key, needed and resulting state.
  private tG = 0;
  private tInitSeq = 0;
  private tInitSt = 0;
  private tNextSeq = 0;
  private tNextSt = 0;

  // Goroutine (and GC) ordering state by key (GARBAGE, or goroutine slot + 1).
  private seq: Float64Array;
  private status: Uint8Array;

  // Ready heads. Up to GO_FRONTIER_MAX groups we replay Go's own frontier (newly ready groups
  // appended in group order, stable sort by tick, take the first, move the last into its
  // slot) so events with equal ticks come out in Go's order. Beyond that (hostile inputs) a
  // heap keyed by (tick, offset) keeps the merge O(n log P).
  private readonly goFrontier: boolean;
  private readonly front: Int32Array;
  private frontN = 0;
  private readonly fresh: Int32Array;
  private freshN = 0;
  /** Smallest tick in the frontier, and whether its largest tick is held by one group only. */
  private frontMin = 0;
  private frontMaxUnique = true;
  private readonly keyTs: Float64Array;
  private readonly keyOff: Float64Array;
  // Transition of each group's head, computed when it was offered (hSlot -1: unordered).
  private readonly hSlot: Int32Array;
  private readonly hInitSeq: Float64Array;
  private readonly hInitSt: Uint8Array;
  private readonly hNextSeq: Float64Array;
  private readonly hNextSt: Uint8Array;
  /**
   * Groups whose head waits for a goroutine: by G key, then by the state it needs (waitKey),
   * so a transition wakes exactly the heads it makes ready and no head is looked at twice
   * for nothing (a hostile trace cannot make the merge quadratic).
   */
  private waiting: (Map<number, number[]> | undefined)[] = [];
  /** Number of groups on waiting lists (lets the common case skip the map). */
  private waitingN = 0;

  constructor(w: V1Wire, head: Int32Array, next: Int32Array) {
    const groups = head.length;
    this.type = w.type;
    this.gs = w.gs;
    this.gSlots = w.gSlots;
    this.seq = new Float64Array(w.gSlots.n + 16);
    this.status = new Uint8Array(w.gSlots.n + 16);
    this.args = w.args;
    this.argAt = w.argAt;
    this.ts = w.ts;
    this.off = w.off;
    this.next = next;
    this.cur = head.slice();
    this.lastSysBlock = new Float64Array(w.gSlots.n);
    this.goFrontier = groups <= GO_FRONTIER_MAX;
    this.front = new Int32Array(groups);
    this.fresh = new Int32Array(groups);
    this.keyTs = new Float64Array(groups);
    this.keyOff = new Float64Array(groups);
    this.hSlot = new Int32Array(groups);
    this.hInitSeq = new Float64Array(groups);
    this.hInitSt = new Uint8Array(groups);
    this.hNextSeq = new Float64Array(groups);
    this.hNextSt = new Uint8Array(groups);
  }

  /** Ordering key of a goroutine named by an argument (it may be new to the trace). */
  private gkey(id: number): number {
    const k = this.gSlots.get(id) + 1;
    if (k >= this.seq.length) {
      this.seq = growF64(this.seq, k + 1);
      this.status = growU8(this.status, k + 1);
    }
    return k;
  }

  /** Set tG.. to what event i needs from its goroutine and what it leaves behind. */
  private transition(i: number): void {
    const a = this.argAt[i];
    const A = this.args;
    switch (TRANSITION[this.type[i]]) {
      case T_CREATE:
        this.set(this.gkey(A[a]), 0, DEAD, 1, RUNNABLE);
        return;
      case T_WAITING:
        this.set(this.gs[i] + 1, 1, RUNNABLE, 2, WAITING);
        return;
      case T_START:
        this.set(this.gs[i] + 1, A[a + 1], RUNNABLE, A[a + 1] + 1, RUNNING);
        return;
      case T_START_LOCAL:
        // Written on the P that made the G runnable, so that event is already merged.
        this.set(this.gs[i] + 1, NOSEQ, RUNNABLE, SEQINC, RUNNING);
        return;
      case T_BLOCK:
        this.set(this.gs[i] + 1, NOSEQ, RUNNING, NOSEQ, WAITING);
        return;
      case T_YIELD:
        this.set(this.gs[i] + 1, NOSEQ, RUNNING, NOSEQ, RUNNABLE);
        return;
      case T_UNBLOCK:
        this.set(this.gkey(A[a]), A[a + 1], WAITING, A[a + 1] + 1, RUNNABLE);
        return;
      case T_UNBLOCK_LOCAL:
        this.set(this.gkey(A[a]), NOSEQ, WAITING, SEQINC, RUNNABLE);
        return;
      case T_GC:
        this.set(GARBAGE, A[a], DEAD, A[a] + 1, DEAD);
        return;
      default:
        this.tG = UNORDERED;
    }
  }

  private set(g: number, initSeq: number, initSt: number, nextSeq: number, nextSt: number): void {
    this.tG = g;
    this.tInitSeq = initSeq;
    this.tInitSt = initSt;
    this.tNextSeq = nextSeq;
    this.tNextSt = nextSt;
  }

  /** Offer group b's head: to the frontier if ready, else onto the waiting list of its G. */
  offer(b: number): void {
    const e = this.cur[b];
    if (e < 0) return;
    this.transition(e);
    let s = -1;
    if (this.tG !== UNORDERED) {
      s = this.tG;
      if (!((this.tInitSeq === NOSEQ || this.tInitSeq === this.seq[s]) && this.tInitSt === this.status[s])) {
        let byState = this.waiting[s];
        if (byState === undefined) {
          byState = new Map();
          this.waiting[s] = byState;
        }
        const key = waitKey(this.tInitSeq, this.tInitSt);
        const list = byState.get(key);
        if (list === undefined) byState.set(key, [b]);
        else list.push(b);
        this.waitingN++;
        return;
      }
      // Keep the transition for when the head is taken.
      this.hInitSeq[b] = this.tInitSeq;
      this.hInitSt[b] = this.tInitSt;
      this.hNextSeq[b] = this.tNextSeq;
      this.hNextSt[b] = this.tNextSt;
    }
    this.hSlot[b] = s;
    const t = this.ts[e];
    this.keyTs[b] = t;
    if (this.goFrontier) {
      this.fresh[this.freshN++] = b;
      return;
    }
    const o = this.off[e];
    this.keyOff[b] = o;
    const front = this.front;
    const keyTs = this.keyTs;
    const keyOff = this.keyOff;
    let h = this.frontN++;
    while (h > 0) {
      const parent = (h - 1) >> 1;
      const q = front[parent];
      if (keyTs[q] < t || (keyTs[q] === t && keyOff[q] < o)) break;
      front[h] = q;
      h = parent;
    }
    front[h] = b;
  }

  private wake(byState: Map<number, number[]>, key: number): void {
    const list = byState.get(key);
    if (list === undefined) return;
    byState.delete(key);
    this.waitingN -= list.length;
    for (let j = 0; j < list.length; j++) this.offer(list[j]);
  }

  /** Take the group whose head goes next, or -1 if no head is ready. */
  private take(): number {
    const front = this.front;
    const keyTs = this.keyTs;
    if (this.goFrontier) {
      // Fast path: a single newly ready head earlier than everything waiting in the frontier.
      // Go would sort it first, take it, and move the frontier's last (largest) element to the
      // front; when that largest tick is unique, that move changes no order between equal
      // ticks, so leaving the frontier as it is yields the same stream.
      if (this.freshN === 1 && (this.frontN === 0 || (keyTs[this.fresh[0]] < this.frontMin && this.frontMaxUnique))) {
        this.freshN = 0;
        return this.fresh[0];
      }
      if (this.freshN > 1) sortSmall(this.fresh, this.freshN);
      for (let j = 0; j < this.freshN; j++) front[this.frontN++] = this.fresh[j];
      this.freshN = 0;
      const n = this.frontN;
      if (n === 0) return -1;
      // Stable insertion sort by tick (what Go's sort does for frontiers this small).
      for (let x = 1; x < n; x++) {
        const v = front[x];
        const t = keyTs[v];
        let y = x;
        while (y > 0 && t < keyTs[front[y - 1]]) {
          front[y] = front[y - 1];
          y--;
        }
        front[y] = v;
      }
      const b = front[0];
      front[0] = front[--this.frontN];
      // front[1..] is sorted and front[0] is the largest: its minimum and whether the largest
      // tick is held by one group only.
      const m = this.frontN;
      if (m > 0) {
        const max = keyTs[front[0]];
        this.frontMin = m > 1 ? keyTs[front[1]] : max;
        this.frontMaxUnique = m < 2 || keyTs[front[m - 1]] < max;
      }
      return b;
    }
    if (this.frontN === 0) return -1;
    const keyOff = this.keyOff;
    const b = front[0];
    const last = front[--this.frontN];
    const n = this.frontN;
    if (n > 0) {
      const t = keyTs[last];
      const o = keyOff[last];
      let h = 0;
      for (;;) {
        let c = 2 * h + 1;
        if (c >= n) break;
        const r = c + 1;
        if (r < n) {
          const fr = front[r];
          const fc = front[c];
          if (keyTs[fr] < keyTs[fc] || (keyTs[fr] === keyTs[fc] && keyOff[fr] < keyOff[fc])) c = r;
        }
        const q = front[c];
        if (t < keyTs[q] || (t === keyTs[q] && o < keyOff[q])) break;
        front[h] = q;
        h = c;
      }
      front[h] = last;
    }
    return b;
  }

  /** First placed event whose tick is below the previous one's (-1: none), set by run(). */
  badTs = -1;

  /**
   * Merge everything into out; returns how many events were placed. The common cases — the
   * group just taken has a ready next head earlier than every head in the frontier (what
   * take()'s fast path would choose), or two groups take turns (a frontier of one) — and no
   * waiting head woke, continue in the inner loop without going through offer()/take().
   */
  run(out: Int32Array): number {
    const groups = this.cur.length;
    const type = this.type;
    const next = this.next;
    const cur = this.cur;
    const gs = this.gs;
    const A = this.args;
    const argAt = this.argAt;
    const ts = this.ts;
    const keyTs = this.keyTs;
    const hSlot = this.hSlot;
    const hInitSeq = this.hInitSeq;
    const hInitSt = this.hInitSt;
    const hNextSeq = this.hNextSeq;
    const hNextSt = this.hNextSt;
    const goFrontier = this.goFrontier;
    const front = this.front;
    for (let b = 0; b < groups; b++) this.offer(b);
    let k = 0;
    let lastT = -Infinity;
    let badTs = -1;
    for (;;) {
      let b = this.take();
      if (b < 0) break;
      // The head's transition and tick, kept in locals while the inner loop goes on with b.
      let s = hSlot[b];
      let hInit = hInitSeq[b];
      let hInitS = hInitSt[b];
      let hNext = hNextSeq[b];
      let hNextS = hNextSt[b];
      let tick = keyTs[b];
      for (;;) {
        const i = cur[b];
        cur[b] = next[i];
        if (s >= 0) {
          // Chosen while ready, but another group's event may have moved this G since.
          const seq = this.seq;
          const status = this.status;
          if (!((hInit === NOSEQ || hInit === seq[s]) && hInitS === status[s])) {
            throw new TraceError(`event sequences are broken (offset ${this.off[i]})`, this.off[i]);
          }
          if (hNext !== NOSEQ) seq[s] = hNext === SEQINC ? seq[s] + 1 : hNext;
          status[s] = hNextS;
        }
        // The *Local types only served the ordering.
        const pt = PRINTED[type[i]];
        type[i] = pt;
        out[k++] = i;
        if (SYSCALL[pt] !== 0) this.syscall(i, pt);
        if (tick < lastT && badTs < 0) badTs = i;
        lastT = tick;

        // Offer b's next head (offer(), inlined for the ready case).
        const c = cur[b];
        const wakes = s >= 0 && this.waitingN > 0 && this.waiting[s] !== undefined;
        if (c < 0 || !goFrontier) {
          this.offer(b);
          if (wakes) this.wakeAll(s);
          break;
        }
        const e = c;
        let key = UNORDERED;
        let initSeq = 0;
        let initSt = 0;
        let nextSeq = 0;
        let nextSt = 0;
        const a = argAt[e];
        switch (TRANSITION[type[e]]) {
          case T_NONE:
            break;
          case T_START:
            key = gs[e] + 1;
            initSeq = A[a + 1];
            initSt = RUNNABLE;
            nextSeq = A[a + 1] + 1;
            nextSt = RUNNING;
            break;
          case T_START_LOCAL:
            key = gs[e] + 1;
            initSeq = NOSEQ;
            initSt = RUNNABLE;
            nextSeq = SEQINC;
            nextSt = RUNNING;
            break;
          case T_BLOCK:
            key = gs[e] + 1;
            initSeq = NOSEQ;
            initSt = RUNNING;
            nextSeq = NOSEQ;
            nextSt = WAITING;
            break;
          case T_YIELD:
            key = gs[e] + 1;
            initSeq = NOSEQ;
            initSt = RUNNING;
            nextSeq = NOSEQ;
            nextSt = RUNNABLE;
            break;
          default:
            // Rarer transitions (and those naming a goroutine in an argument): the general path.
            this.offer(b);
            if (wakes) this.wakeAll(s);
            key = -2;
        }
        if (key === -2) break;
        if (key !== UNORDERED) {
          if (!((initSeq === NOSEQ || initSeq === this.seq[key]) && initSt === this.status[key])) {
            this.offer(b); // not ready: onto the waiting list
            if (wakes) this.wakeAll(s);
            break;
          }
        }
        const t = ts[e];
        // Only b is newly ready (no wake): take() would hand it straight back if this holds.
        if (!wakes && (this.frontN === 0 || (t < this.frontMin && this.frontMaxUnique))) {
          s = key;
          hInit = initSeq;
          hInitS = initSt;
          hNext = nextSeq;
          hNextS = nextSt;
          tick = t;
          continue;
        }
        hSlot[b] = key;
        hInitSeq[b] = initSeq;
        hInitSt[b] = initSt;
        hNextSeq[b] = nextSeq;
        hNextSt[b] = nextSt;
        keyTs[b] = t;
        const m = this.frontN;
        if (!wakes && m === 1) {
          // Two groups taking turns: take() would sort [other, b] (t is not below the other's
          // tick), take the other and leave [b]. Do that here.
          const other = front[0];
          front[0] = b;
          this.frontMin = t;
          this.frontMaxUnique = true;
          b = other;
          s = hSlot[b];
          hInit = hInitSeq[b];
          hInitS = hInitSt[b];
          hNext = hNextSeq[b];
          hNextS = hNextSt[b];
          tick = keyTs[b];
          continue;
        }
        if (!wakes && m > 1 && this.frontMaxUnique && t < keyTs[front[m > 2 ? 2 : 0]]) {
          // front is [max, f1 <= f2 <= ...] with the max held once, and f1 <= t < f2 (or the
          // max): take() would sort [f1, b, f2, ..., max], take f1 and move the max back to
          // the front, which leaves b in f1's place. Do that here.
          const other = front[1];
          front[1] = b;
          this.frontMin = t;
          b = other;
          s = hSlot[b];
          hInit = hInitSeq[b];
          hInitS = hInitSt[b];
          hNext = hNextSeq[b];
          hNextS = hNextSt[b];
          tick = keyTs[b];
          continue;
        }
        this.fresh[this.freshN++] = b;
        if (wakes) this.wakeAll(s);
        break;
      }
    }
    this.badTs = badTs;
    return k;
  }

  // Syscall exits, checked in the merged order (reported after ordering and tick errors).
  /** Tick of each goroutine's last GoSysBlock / GoInSyscall (0: none), by slot. */
  private readonly lastSysBlock: Float64Array;
  /** Number of GoSysExit events whose tick became their real exit tick. */
  moved = 0;
  /** First syscall-exit error in merged order. */
  sysErr: TraceError | null = null;

  /** GoSysExit was written when the G got a P back; move it to the real exit tick. */
  private syscall(i: number, t: number): void {
    const ts = this.ts;
    if (t !== EvGoSysExit) {
      this.lastSysBlock[this.gs[i]] = ts[i];
      return;
    }
    const real = this.args[this.argAt[i] + 2];
    if (real === 0 || this.sysErr !== null) return;
    const block = this.lastSysBlock[this.gs[i]];
    const off = this.off[i];
    if (block === 0) this.sysErr = new TraceError(`stray syscall exit (offset ${off})`, off);
    else if (real < block) this.sysErr = new TraceError(`time stamps out of order (offset ${off})`, off);
    else {
      if (real !== ts[i]) this.moved++;
      ts[i] = real;
    }
  }

  /** After a transition of key s: offer the heads waiting for its new state. */
  private wakeAll(s: number): void {
    const byState = this.waiting[s];
    if (byState !== undefined) {
      // Heads that need exactly this seq, or any seq, in this status are now ready.
      this.wake(byState, waitKey(this.seq[s], this.status[s]));
      this.wake(byState, waitKey(NOSEQ, this.status[s]));
      if (byState.size === 0) this.waiting[s] = undefined;
    }
  }
}

/** Key of a needed goroutine state: status and seq, or status alone when any seq will do. */
function waitKey(seq: number, status: number): number {
  return seq === NOSEQ ? -1 - status : seq * 4 + status;
}

/** Ascending insertion sort of a[0..n) (n is a handful of group ids). */
function sortSmall(a: Int32Array, n: number): void {
  for (let x = 1; x < n; x++) {
    const v = a[x];
    let y = x;
    while (y > 0 && a[y - 1] > v) {
      a[y] = a[y - 1];
      y--;
    }
    a[y] = v;
  }
}

/** Merge the batches, fix syscall-exit times, convert to ns, drop futile wakeups. */
export function orderV1(w: V1Wire): V1Order {
  if (w.seq !== null) return finish(w, orderBySeq(w, w.seq));
  const n = w.n;
  const groups = w.groupP.length;
  const ts = w.ts;
  const off = w.off;
  const type = w.type;

  // Events of each group, in file order, as linked lists.
  const group = w.group;
  const head = new Int32Array(groups).fill(-1);
  const tail = new Int32Array(groups).fill(-1);
  const next = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const b = group[i];
    const t = tail[b];
    if (t < 0) head[b] = i;
    else next[t] = i;
    tail[b] = i;
  }
  for (let b = 0; b < groups; b++) if (tail[b] >= 0) next[tail[b]] = -1;

  // CPU samples were written when the tracer drained the profBuf; order them by handler tick
  // (stable: equal ticks keep file order).
  const prof = w.groupP.indexOf(PROFILE_P);
  if (prof >= 0) {
    let m = 0;
    for (let i = head[prof]; i >= 0; i = next[i]) m++;
    const list = new Int32Array(m);
    m = 0;
    for (let i = head[prof]; i >= 0; i = next[i]) list[m++] = i;
    sortByTick(list, ts);
    head[prof] = list[0];
    for (let j = 0; j + 1 < m; j++) next[list[j]] = list[j + 1];
    next[list[m - 1]] = -1;
  }

  const merger = new Merger(w, head, next);
  const out = new Int32Array(n);
  const k = merger.run(out);
  if (k < n) {
    // Report the earliest event that could not be placed.
    let bad = -1;
    for (let b = 0; b < groups; b++) {
      const e = merger.cur[b];
      if (e >= 0 && (bad < 0 || off[e] < off[bad])) bad = e;
    }
    throw new TraceError('no consistent ordering of events possible', bad >= 0 ? off[bad] : -1);
  }

  // A consistent order whose ticks go backwards means the clock is broken (checked by run()).
  if (merger.badTs >= 0) {
    const i = merger.badTs;
    throw new TraceError(`time stamps out of order (offset ${off[i]})`, off[i]);
  }
  // Syscall exits (moved to their real exit tick by run()).
  if (merger.sysErr !== null) throw merger.sysErr;
  if (merger.moved > 0) resortMoved(out, ts, type, w.args, w.argAt);
  return finish(w, out);
}

/** Ticks -> ns since the first event of `out` (in place), then drop futile wakeups. */
function finish(w: V1Wire, out: Int32Array): V1Order {
  const n = w.n;
  const ts = w.ts;
  const minTs = ts[out[0]];
  const nsPerTick = 1e9 / w.ticksPerSec;
  for (let i = 0; i < n; i++) ts[i] = Math.trunc((ts[i] - minTs) * nsPerTick);

  let order: Int32Array = out;
  if (w.hasFutile) order = removeFutile(w, order);
  return { order, ns: ts };
}

/**
 * go 1.5: every event in the order of its global sequence number. A syscall exit, written once
 * the goroutine had a P again, carries the number and tick of the exit itself. Go sorts with an
 * unstable sort over batches in map order; real traces never repeat a number, and here equal
 * numbers keep file order. Then ticks must not go backwards.
 */
function orderBySeq(w: V1Wire, seq: Float64Array): Int32Array {
  const n = w.n;
  const ts = w.ts;
  for (let i = 0; i < n; i++) {
    if (w.type[i] !== EvGoSysExit) continue;
    const a = w.argAt[i];
    seq[i] = w.args[a + 1];
    if (w.args[a + 2] !== 0) ts[i] = w.args[a + 2];
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  sortByTick(out, seq);
  for (let j = 1; j < n; j++) {
    if (ts[out[j]] < ts[out[j - 1]]) {
      const off = w.off[out[j]];
      throw new TraceError(`time stamps out of order (offset ${off})`, off);
    }
  }
  return out;
}

/** Stable sort of event indices by tick, in place (bottom-up merge sort, no closures). */
function sortByTick(a: Int32Array, ts: Float64Array): void {
  const n = a.length;
  if (n < 2) return;
  // Runs of 16 by insertion sort (stable), then merges through a buffer.
  const RUN = 16;
  for (let lo = 0; lo < n; lo += RUN) {
    const hi = Math.min(lo + RUN, n);
    for (let x = lo + 1; x < hi; x++) {
      const v = a[x];
      const t = ts[v];
      let y = x;
      while (y > lo && ts[a[y - 1]] > t) {
        a[y] = a[y - 1];
        y--;
      }
      a[y] = v;
    }
  }
  if (n <= RUN) return;
  let src: Int32Array = a;
  let dst: Int32Array = new Int32Array(n);
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let x = lo;
      let y = mid;
      let k = lo;
      while (x < mid && y < hi) dst[k++] = ts[src[y]] < ts[src[x]] ? src[y++] : src[x++];
      while (x < mid) dst[k++] = src[x++];
      while (y < hi) dst[k++] = src[y++];
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== a) a.set(src);
}

/**
 * Stable re-sort by tick after some GoSysExit ticks changed, in place: everything else is
 * still sorted, so pull the (few) moved exits out, sort them alone and merge them back from
 * the end; equal ticks keep the previous order.
 */
function resortMoved(
  out: Int32Array,
  ts: Float64Array,
  type: Uint8Array,
  args: Float64Array,
  argAt: Uint32Array | Float64Array,
): void {
  const n = out.length;
  // Exits with a real tick, each with its old position and how many others preceded it.
  let exits: Int32Array = new Int32Array(16);
  let before: Int32Array = new Int32Array(16);
  let ne = 0;
  let nr = 0;
  for (let j = 0; j < n; j++) {
    const i = out[j];
    if (type[i] === EvGoSysExit && args[argAt[i] + 2] !== 0) {
      if (ne === exits.length) {
        exits = growI32(exits);
        before = growI32(before);
      }
      exits[ne] = i;
      before[ne++] = j; // old position; turned into "others before" below
    } else {
      out[nr++] = i;
    }
  }
  // Sort exits by (tick, old position): indices into exits[], sorted with their positions.
  const pos = before.subarray(0, ne);
  const ord = new Int32Array(ne);
  for (let e = 0; e < ne; e++) ord[e] = e;
  // Old positions are increasing in e, so a stable sort by tick is a sort by (tick, position).
  const tk = new Float64Array(ne);
  for (let e = 0; e < ne; e++) tk[e] = ts[exits[e]];
  sortByTick(ord, tk);
  const ex = new Int32Array(ne);
  const others = new Int32Array(ne); // others (non-exits) before each exit in the old order
  for (let e = 0; e < ne; e++) {
    ex[e] = exits[ord[e]];
    others[e] = pos[ord[e]] - ord[e];
  }
  // Merge from the back: out[0..nr) holds the others, in order.
  let a = nr - 1;
  let b = ne - 1;
  for (let r = n - 1; r >= 0 && b >= 0; r--) {
    // The other at a goes after exit b if its tick is larger, or equal and it came later.
    if (a >= 0) {
      const x = out[a];
      const y = ex[b];
      if (ts[x] > ts[y] || (ts[x] === ts[y] && a >= others[b])) {
        out[r] = x;
        a--;
        continue;
      }
    }
    out[r] = ex[b--];
  }
}

function growI32(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/** Drop wakeups marked futile: the unblock, starts and preemptions up to the next block. */
function removeFutile(w: V1Wire, order: Int32Array): Int32Array {
  const wake = new Map<number, { futile: boolean; seq: number[] }>();
  const drop = new Uint8Array(w.n);
  const gs = w.gs;
  for (let j = 0; j < order.length; j++) {
    const i = order[j];
    const t = w.type[i];
    switch (t) {
      case EvGoUnblock:
        wake.set(w.gSlots.get(w.args[w.argAt[i]]), { futile: false, seq: [i] });
        break;
      case EvGoStart:
      case EvGoPreempt:
      case EvFutileWakeup: {
        let s = wake.get(gs[i]);
        if (s === undefined) {
          s = { futile: false, seq: [] };
          wake.set(gs[i], s);
        }
        s.seq.push(i);
        if (t === EvFutileWakeup) s.futile = true;
        break;
      }
      case EvGoBlock:
      case EvGoBlockSend:
      case EvGoBlockRecv:
      case EvGoBlockSelect:
      case EvGoBlockSync:
      case EvGoBlockCond: {
        const s = wake.get(gs[i]);
        if (s !== undefined && s.futile) {
          drop[i] = 1;
          for (const e of s.seq) drop[e] = 1;
        }
        wake.delete(gs[i]);
        break;
      }
    }
  }
  let m = 0;
  const out = new Int32Array(order.length);
  for (let j = 0; j < order.length; j++) if (!drop[order[j]]) out[m++] = order[j];
  return out.slice(0, m);
}

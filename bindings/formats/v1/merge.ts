// The batch merge of the v1 reader: per-P batch groups -> one stream, as Go 1.19's parser
// merges them (order.ts drives it).
//
// Owns: Merger, and with it the goroutine ordering state: per goroutine slot + 1 (and GARBAGE
// for the GC sequence) the sequence number and status the merge has reached; for each group
// its next unmerged event and that head's transition (what it needs, what it leaves); the
// heads waiting for a goroutine state, keyed by goroutine then by the state they need. Its
// parts: the ordering table (merge-table.ts: what each type needs), the frontier of ready
// heads (frontier.ts: which goes next), the syscall-exit pass (sysexit.ts).
// Model: the merge repeatedly takes, among the groups whose head is "ready" (its goroutine is
// in the status, and at the sequence number, the event expects), the one with the lowest tick.
// A head that is not ready waits until that state is reached and is only then offered again —
// the same choices as Go's rescan of every batch, in linear work. While placing events it also
// checks that ticks never go backwards (badTs) and feeds the syscall-exit pass.
// Cost: groups are linked lists through one Int32Array; all state in typed arrays; the common
// cases (the group just taken goes on, two groups take turns) stay in run()'s inner loop
// without touching the frontier's sort.
// Invariants: the wire's `type` column is rewritten in place (the *Local types become their
// plain type, PRINTED); one Merger per orderV1 call; deterministic; throws only TraceError.
// Who may touch: the v1 format owner.

import { TraceError } from '../event.ts';
import type { V1Wire } from './columns.ts';
import { growF64, growU8, type IdSlots } from './slots.ts';
import * as table from './merge-table.ts';
import { ReadyHeads } from './frontier.ts';
import { SyscallExits } from './sysexit.ts';

// Local bindings: imported bindings compile to getters under some loaders (tsx, vitest),
// which would sit in the per-event loop.
const { DEAD, RUNNABLE, RUNNING, WAITING, UNORDERED, GARBAGE, NOSEQ, SEQINC } = table;
const { T_NONE, T_CREATE, T_WAITING, T_START, T_START_LOCAL, T_BLOCK, T_YIELD, T_UNBLOCK, T_UNBLOCK_LOCAL, T_GC } = table;
const { TRANSITION, SYSCALL, PRINTED, waitKey } = table;

/**
 * The merge of batch groups. One instance per orderV1 call; all state in typed arrays and
 * fields so the per-event path allocates nothing and touches no closures.
 */
export class Merger {
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

  /** Syscall exits, checked and moved to their real tick in merged order (sysexit.ts). */
  readonly exits: SyscallExits;
  /** Groups whose head is ready, and which goes next (frontier.ts). */
  private readonly heads: ReadyHeads;
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
    this.exits = new SyscallExits(w);
    this.heads = new ReadyHeads(groups);
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
    this.heads.push(b, this.ts[e], this.off[e]);
  }

  private wake(byState: Map<number, number[]>, key: number): void {
    const list = byState.get(key);
    if (list === undefined) return;
    byState.delete(key);
    this.waitingN -= list.length;
    for (let j = 0; j < list.length; j++) this.offer(list[j]);
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
    const F = this.heads;
    const keyTs = F.keyTs;
    const hSlot = this.hSlot;
    const hInitSeq = this.hInitSeq;
    const hInitSt = this.hInitSt;
    const hNextSeq = this.hNextSeq;
    const hNextSt = this.hNextSt;
    const goFrontier = F.goFrontier;
    const front = F.front;
    const exits = this.exits;
    for (let b = 0; b < groups; b++) this.offer(b);
    let k = 0;
    let lastT = -Infinity;
    let badTs = -1;
    for (;;) {
      let b = F.take();
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
        if (SYSCALL[pt] !== 0) exits.syscall(i, pt);
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
        if (!wakes && (F.frontN === 0 || (t < F.frontMin && F.frontMaxUnique))) {
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
        const m = F.frontN;
        if (!wakes && m === 1) {
          // Two groups taking turns: take() would sort [other, b] (t is not below the other's
          // tick), take the other and leave [b]. Do that here.
          const other = front[0];
          front[0] = b;
          F.frontMin = t;
          F.frontMaxUnique = true;
          b = other;
          s = hSlot[b];
          hInit = hInitSeq[b];
          hInitS = hInitSt[b];
          hNext = hNextSeq[b];
          hNextS = hNextSt[b];
          tick = keyTs[b];
          continue;
        }
        if (!wakes && m > 1 && F.frontMaxUnique && t < keyTs[front[m > 2 ? 2 : 0]]) {
          // front is [max, f1 <= f2 <= ...] with the max held once, and f1 <= t < f2 (or the
          // max): take() would sort [f1, b, f2, ..., max], take f1 and move the max back to
          // the front, which leaves b in f1's place. Do that here.
          const other = front[1];
          front[1] = b;
          F.frontMin = t;
          b = other;
          s = hSlot[b];
          hInit = hInitSeq[b];
          hInitS = hInitSt[b];
          hNext = hNextSeq[b];
          hNextS = hNextSt[b];
          tick = keyTs[b];
          continue;
        }
        F.fresh[F.freshN++] = b;
        if (wakes) this.wakeAll(s);
        break;
      }
    }
    this.badTs = badTs;
    return k;
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


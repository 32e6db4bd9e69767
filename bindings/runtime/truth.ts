// TruthProfile: the ground truth beside cpu.pprof (truth.pprof): the exact CPU time the
// simulator charged, per stack and label set, on every thread, attributed as the SIGPROF
// handler would attribute a sample taken at that instant (cpuprof.ts): the M's current stack
// (g0 work on behalf of a goroutine shows the systemstack traceback), the labels of m.curg
// (none without a curg), and a thread outside Go under its own frames and
// runtime._ExternalCode with no labels.
//
// Fed by the kernel's onAct hook (sim/kernel.ts), told of every activity change with the
// on-CPU ns the change ends: those ns go to (the thread's stack now, the labels its curg had
// when the stretch began). The stack is read at the end because the scheduler sets m.stack
// right after the change that starts a stretch; the labels are taken at the start because a
// zero-time label step may relabel curg just before the change that ends it. Per thread it
// charges exactly what the kernel charges (userNs + sysNs), so per thread and in total the
// truth equals the OS CPU time.
//
// Layout: one Map from key = tag × STACK_SPAN + stack id to an index in an array of ns, in
// order of first charge (deterministic: the profile's samples come out in that order); the
// labels at a stretch's start are kept on the thread (truthTag). The profile is laid out by a
// sibling of the CPU profile's ProfileBuilder (same symbolizer, labels, mapping file, start
// time, sample and period types): values are [round(ns / period), ns], i.e. the samples a
// perfect profiler would have taken, and the exact CPU ns.
// Who may touch: the report/truth owner; the kernel only calls onAct.

import type { Profile } from '../formats/pprof.ts';
import type { Symtab } from '../scenario/symtab.ts';
import type { Thread } from '../sim/world.ts';
import type { ProfileBuilder } from './pprof-builder.ts';
import { doubles } from '../core/packed.ts';

/** Stack ids stay below this (symtab.concat keys stacks by the same bound). */
const STACK_SPAN = 0x200000;

export class TruthProfile {
  /** key → index in `acc`, in order of first charge. */
  private readonly index = new Map<number, number>();
  /** ns charged per key, by index. */
  private acc: number[] = doubles();
  private totalNs = 0;

  constructor(private readonly symtab: Symtab) {}

  /** The kernel's onAct hook: charge the stretch that ends, note the labels of the next (in
   *  t.truthTag: the pprof tag of its curg when the stretch began). */
  onAct(t: Thread, ns: number): void {
    if (ns > 0) {
      const key = t.truthTag * STACK_SPAN + t.stack;
      const i = this.index.get(key);
      if (i === undefined) {
        this.index.set(key, this.acc.length);
        this.acc.push(0 + ns);
      } else this.acc[i] += ns;
      this.totalNs += ns;
    }
    const curg = t.curg;
    t.truthTag = curg !== null ? curg.tag : 0;
  }

  /** CPU ns charged so far, all threads. */
  get total(): number {
    return this.totalNs;
  }

  /** Distinct (stack, labels) entries so far. */
  get entries(): number {
    return this.index.size;
  }

  /** truth.pprof's Profile: laid out by a sibling of `cpu` (the CPU profile's builder), the
   *  period from `hz`, ending at endNs as the CPU profile does. */
  build(cpu: ProfileBuilder, hz: number, endNs: number): Profile {
    const b = cpu.sibling();
    b.addCPUData([3, 0, hz], [0]);
    const period = b.period;
    for (const [key, i] of this.index) {
      const ns = this.acc[i];
      const stack = key % STACK_SPAN;
      const tag = (key - stack) / STACK_SPAN;
      const pcs = this.symtab.stacks[stack].map((f) => this.symtab.pcOf(f) + 1);
      b.addValue(pcs, tag, Math.round(ns / period), ns);
    }
    return b.build(endNs);
  }
}

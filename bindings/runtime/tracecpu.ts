// TraceCPULog: the trace's own CPU-sample profBufs (trace.cpuLogWrite/cpuLogRead in Go 1.19,
// trace.cpuBuf in the generational tracer) and the lock that serializes SIGPROF handlers
// writing them (trace.signalLock), in the WASM core.
//
// Records are [length, time, hdr0, goid, (m,) stack PCs...] with hdr0 = P id<<1|1, or 0b10
// when the M has no P, so a real header is never all zeros (which marks an overflow record).
// Go 1.19 writes two header words; Go 1.22+ adds the M's id as a third. Go 1.19 and 1.22 use
// one buffer; Go 1.23 uses two, indexed by generation % 2. Tags are unused by the runtime
// (nil); the simulator puts the generation the handler read there, so the tracer can tell
// exactly which samples it drains into another generation. Reading skips overflow records,
// as traceReadCPU does, but keeps the counts they report.

import type { Core } from '../core/wasm.ts';
import { WasmProfBuf } from '../core/profbuf.ts';
import { SignalLock } from '../core/signallock.ts';
import type { Symtab } from '../scenario/symtab.ts';

export interface CPUSampleRecord {
  /** Nanoseconds (the handler's clock). */
  time: number;
  /** P id, or -1 for none. */
  p: number;
  goid: number;
  /** M id (-1 when the header has no M word). */
  m: number;
  /** Stack id in the symtab. */
  stack: number;
  /** The record's tag: the generation the handler read (0 for v1). */
  gen: number;
}

export class TraceCPULog {
  readonly bufs: WasmProfBuf[];
  readonly lock: SignalLock;
  private staged = new Map<number, { addr: number; n: number }>();
  private byPCs = new Map<string, number>();
  private hdrAddr: number;
  written = 0;
  overflowed = 0;
  /** Lost counts reported by overflow records while reading. */
  reportedLost = 0;

  constructor(
    private readonly core: Core,
    private readonly symtab: Symtab,
    count: number,
    words: number,
    tags: number,
    /** Header words: 2 ([P, goid], Go 1.19) or 3 ([P, goid, M], Go 1.22+). */
    private readonly hdrsize: 2 | 3 = 2,
  ) {
    this.bufs = Array.from({ length: count }, () => WasmProfBuf.create(core, hdrsize, words, tags));
    this.lock = SignalLock.create(core);
    this.hdrAddr = core.mem.alloc(24, 8);
  }

  private stage(stack: number): { addr: number; n: number } {
    let s = this.staged.get(stack);
    if (!s) {
      const frames = this.symtab.stacks[stack];
      const addr = this.core.mem.alloc(Math.max(8, 8 * frames.length), 8);
      const pcs: number[] = []; // a loop, not map(): optimized map() returns holey arrays
      for (const f of frames) pcs.push(this.symtab.pcOf(f) + 1);
      pcs.forEach((pc, i) => this.core.mem.setWord(addr + 8 * i, pc));
      this.byPCs.set(pcs.join(','), stack);
      s = { addr, n: frames.length };
      this.staged.set(stack, s);
    }
    return s;
  }

  /** traceCPUSample's write into buffer `i` (the caller holds the lock). */
  write(i: number, p: number, goid: number, stack: number, now: number, m = -1, gen = 0): boolean {
    const s = this.stage(stack);
    const mem = this.core.mem;
    mem.setWord(this.hdrAddr, p >= 0 ? p * 2 + 1 : 0b10);
    mem.setWord(this.hdrAddr + 8, goid);
    if (this.hdrsize === 3) mem.setWord(this.hdrAddr + 16, m);
    const ok = this.bufs[i].writeAt(gen, now, this.hdrAddr, this.hdrsize, s.addr, s.n);
    if (ok) this.written++;
    else this.overflowed++;
    return ok;
  }

  /** traceReadCPU: everything in buffer `i`, non-blocking; returns how many samples came out. */
  read(i: number, each: (r: CPUSampleRecord) => void): number {
    const pb = this.bufs[i];
    const h = this.hdrsize;
    let n = 0;
    for (;;) {
      const v = pb.read('nonblocking');
      if (v.status !== 'data') return n;
      let k = 0;
      let rec = 0;
      while (k < v.words) {
        const len = v.word(k);
        const h0 = v.word(k + 2);
        const goid = v.word(k + 3);
        const m = h === 3 ? v.word(k + 4) : -1;
        if (len === 2 + h + 1 && h0 === 0 && goid === 0 && (h === 2 || m === 0)) {
          this.reportedLost += v.word(k + 2 + h);
        } else {
          const pcs: number[] = [];
          for (let j = 2 + h; j < len; j++) pcs.push(v.word(k + j));
          const stack = this.byPCs.get(pcs.join(',')) ?? 0;
          each({ time: v.word(k + 1), p: h0 & 1 ? Math.floor(h0 / 2) : -1, goid, m, stack, gen: rec < v.ntags ? v.tag(rec) : 0 });
          n++;
        }
        k += len;
        rec++;
      }
    }
  }

  /** Records still in buffer `i`, read and thrown away: the tail a tracer fails to drain. */
  discard(i: number): number {
    return this.read(i, () => {});
  }

  close(): void {
    for (const b of this.bufs) b.close();
  }
}

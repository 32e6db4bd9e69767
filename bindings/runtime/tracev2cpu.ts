// TraceV2CPU: the generational tracer's CPU-sample profBufs (one, as Go 1.22 has, or two
// indexed by generation % 2, as Go 1.23 has) and the signalLock that serializes the SIGPROF
// handlers writing them, in the WASM core.
//
// Record = [length, time, hdr0, goid, m, stack PCs...] with hdr0 = P id<<1|1, or 0b10 when the
// M has no P (so that a real header is never all zeros, which marks an overflow record). The
// record's tag carries the generation the handler read under its M's seqlock: that is how
// the tracer tells, when it drains a record, whether it lands in the sample's own generation.

import type { Core } from '../core/wasm.ts';
import { WasmProfBuf } from '../core/profbuf.ts';
import { SignalLock } from '../core/signallock.ts';
import type { Symtab } from '../sim/symtab.ts';

export interface V2CPURecord {
  /** Nanoseconds (the handler's clock). */
  time: number;
  /** P id, -1 for none. */
  p: number;
  goid: number;
  m: number;
  /** Symtab stack id. */
  stack: number;
  /** Generation the handler read. */
  gen: number;
}

export class TraceV2CPU {
  readonly bufs: WasmProfBuf[];
  readonly lock: SignalLock;
  private readonly hdr: number;
  private readonly staged = new Map<number, { addr: number; n: number }>();
  private readonly byPCs = new Map<string, number>();
  written = 0;
  overflowed = 0;
  /** Counts reported by overflow records met while reading. */
  reportedLost = 0;

  constructor(
    private readonly core: Core,
    private readonly symtab: Symtab,
    count: number,
    words: number,
    tags: number,
  ) {
    this.bufs = Array.from({ length: count }, () => WasmProfBuf.create(core, 3, words, tags));
    this.lock = SignalLock.create(core);
    this.hdr = core.mem.alloc(24, 8);
  }

  private stage(stack: number): { addr: number; n: number } {
    let s = this.staged.get(stack);
    if (s === undefined) {
      const frames = this.symtab.stacks[stack];
      const addr = this.core.mem.alloc(Math.max(8, 8 * frames.length), 8);
      const pcs: number[] = [];
      for (let i = 0; i < frames.length; i++) {
        const pc = this.symtab.pcOf(frames[i]) + 1;
        pcs.push(pc);
        this.core.mem.setWord(addr + 8 * i, pc);
      }
      this.byPCs.set(pcs.join(','), stack);
      s = { addr, n: frames.length };
      this.staged.set(stack, s);
    }
    return s;
  }

  /** The handler's write into buffer i; the caller holds the signal lock. */
  write(i: number, gen: number, p: number, goid: number, m: number, stack: number, now: number): boolean {
    const s = this.stage(stack);
    const mem = this.core.mem;
    mem.setWord(this.hdr, p >= 0 ? p * 2 + 1 : 0b10);
    mem.setWord(this.hdr + 8, goid);
    mem.setWord(this.hdr + 16, m);
    const ok = this.bufs[i].writeAt(gen, now, this.hdr, 3, s.addr, s.n);
    if (ok) this.written++;
    else this.overflowed++;
    return ok;
  }

  /** Drain buffer i without blocking; overflow records are skipped (and their counts kept). */
  read(i: number, each: (r: V2CPURecord) => void): number {
    const pb = this.bufs[i];
    let n = 0;
    for (;;) {
      const v = pb.read('nonblocking');
      if (v.status !== 'data') return n;
      let k = 0;
      let rec = 0;
      while (k < v.words) {
        const len = v.word(k);
        const time = v.word(k + 1);
        const h0 = v.word(k + 2);
        const goid = v.word(k + 3);
        const m = v.word(k + 4);
        const tag = rec < v.ntags ? v.tag(rec) : 0;
        if (h0 === 0 && goid === 0 && m === 0 && len === 6) {
          this.reportedLost += v.word(k + 5);
        } else {
          const pcs: number[] = [];
          for (let j = 5; j < len; j++) pcs.push(v.word(k + j));
          const stack = this.byPCs.get(pcs.join(',')) ?? 0;
          each({ time, p: h0 & 1 ? Math.floor(h0 / 2) : -1, goid, m, stack, gen: tag });
          n++;
        }
        k += len;
        rec++;
      }
    }
  }

  /** Records still in buffer i (read and thrown away): the tail a tracer fails to drain. */
  discard(i: number): number {
    return this.read(i, () => {});
  }

  close(): void {
    for (const b of this.bufs) b.close();
  }
}

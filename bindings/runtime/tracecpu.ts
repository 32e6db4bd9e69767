// TraceCPULog: the trace's own CPU-sample profBufs (trace.cpuLogWrite/cpuLogRead) and the
// lock that serializes SIGPROF handlers writing them (trace.signalLock), in the WASM core.
//
// Records are [length, time, hdr0, hdr1, stack PCs...] with hdr0 = P id<<1|1 (0b10 when the
// M has no P) and hdr1 = goid, as traceCPUSample writes them. v1 and Go 1.22 use one buffer;
// Go 1.23 uses two, indexed by generation % 2. Reading skips overflow records, as
// traceReadCPU does, but counts what they report.

import type { Core } from '../core/wasm.ts';
import { WasmProfBuf } from '../core/profbuf.ts';
import { SignalLock } from '../core/signallock.ts';
import type { Symtab } from '../sim/symtab.ts';

export interface CPUSampleRecord {
  time: number;
  /** P id, or -1 for none. */
  p: number;
  goid: number;
  /** Stack id in the symtab. */
  stack: number;
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
  ) {
    this.bufs = Array.from({ length: count }, () => WasmProfBuf.create(core, 2, words, tags));
    this.lock = SignalLock.create(core);
    this.hdrAddr = core.mem.alloc(16, 8);
  }

  private stage(stack: number): { addr: number; n: number } {
    let s = this.staged.get(stack);
    if (!s) {
      const frames = this.symtab.stacks[stack];
      const addr = this.core.mem.alloc(Math.max(8, 8 * frames.length), 8);
      const pcs = frames.map((f) => this.symtab.pcOf(f) + 1);
      pcs.forEach((pc, i) => this.core.mem.setWord(addr + 8 * i, pc));
      this.byPCs.set(pcs.join(','), stack);
      s = { addr, n: frames.length };
      this.staged.set(stack, s);
    }
    return s;
  }

  /** traceCPUSample's write into buffer `i` (the caller holds the lock). */
  write(i: number, p: number, goid: number, stack: number, now: number): boolean {
    const s = this.stage(stack);
    this.core.mem.setWord(this.hdrAddr, p >= 0 ? p * 2 + 1 : 0b10);
    this.core.mem.setWord(this.hdrAddr + 8, goid);
    const ok = this.bufs[i].writeAt(0, now, this.hdrAddr, 2, s.addr, s.n);
    if (ok) this.written++;
    else this.overflowed++;
    return ok;
  }

  /** traceReadCPU: everything in buffer `i`, non-blocking; overflow records are skipped. */
  read(i: number, each: (r: CPUSampleRecord) => void): void {
    const pb = this.bufs[i];
    for (;;) {
      const v = pb.read('nonblocking');
      if (v.status !== 'data') return;
      let k = 0;
      while (k < v.words) {
        const len = v.word(k);
        const time = v.word(k + 1);
        const h0 = v.word(k + 2);
        const goid = v.word(k + 3);
        if (len === 5 && h0 === 0 && goid === 0) {
          this.reportedLost += v.word(k + 4);
        } else {
          const pcs: number[] = [];
          for (let j = 4; j < len; j++) pcs.push(v.word(j + k));
          const stack = this.byPCs.get(pcs.join(',')) ?? 0;
          each({ time, p: h0 & 1 ? Math.floor(h0 / 2) : -1, goid, stack });
        }
        k += len;
      }
    }
  }

  close(): void {
    for (const b of this.bufs) b.close();
  }
}

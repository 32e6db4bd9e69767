// CPUProfiler: the runtime's CPU profiler over the simulated process: SetCPUProfileRate,
// the SIGPROF handler (validSIGPROF, sigprof, cpuprof.add / addNonGo / addExtra), and the
// runtime/pprof reader goroutine draining the profBuf every 100ms into a ProfileBuilder.
//
// The profBuf is the WASM core's, in shared memory, written under the core's signalLock,
// exactly as the runtime's handler writes it: header [count], the stack PCs, and the
// labels of m.curg as the tag. Stacks are staged once in the memory (one block of PCs per
// distinct stack), so a sample is a single writeAt call.
//
// Counting, per thread and per goroutine: `signals` reached the handler, `dropped` were
// rejected by validSIGPROF, `samples` were handed to cpuprof.add/addNonGo. Conservation:
// samples = records in the profile + lost to overflow (+ extra still queued at stop: none).

import type { Core } from '../core/wasm.ts';
import { WasmProfBuf } from '../core/profbuf.ts';
import { SignalLock } from '../core/signallock.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';
import type { Sched } from '../sim/sched.ts';
import type { SignalSource } from '../sim/kernel.ts';
import { ForeignThread, M, type G, type Thread } from '../sim/world.ts';
import { ProfileBuilder } from './pprof-builder.ts';
import type { Profile } from '../formats/pprof.ts';
import { ProcessIdentity } from './process.ts';
import type { Symtab } from '../scenario/symtab.ts';
import { objects } from '../core/packed.ts';

const EXTRA_WORDS = 1000; // cpuprof.extra
/** Most reader passes kept in readLog before neighbours are merged. */
const READ_LOG_MAX = 4096;
/** Where lostProfileEvent sits: below the simulated text (TEXT_BASE), inside the mapping. */
const LOST_PC = 0x400800;
/** GOROOT of the simulated binary's runtime frames (scenario/symtab.ts RT). */
const GOROOT = '/usr/lib/go';
/** Linux's legacy vsyscall page, at the same address in every process. */
const VSYSCALL = { start: 0xffff_ffff_ff60_0000n, limit: 0xffff_ffff_ff60_1000n };

/** Each function's first line, as the binary would say (Function.start_line): the lowest line
 *  the program's frames have in it when profiling starts (a function starts at or before each
 *  of its lines); a frame met only later (a tracer's, a runtime goroutine's) starts at its own
 *  line, so tracing or not leaves the profile's start lines alone. */
function startLines(symtab: Symtab): (func: string, file: string) => number | undefined {
  const first = new Map<string, number>();
  for (const f of symtab.frames) {
    const k = `${f.func}\0${f.file}`;
    const have = first.get(k);
    if (have === undefined || f.line < have) first.set(k, f.line);
  }
  return (func, file) => first.get(`${func}\0${file}`);
}

/** What a trace wants from each accepted sample (the tracer registers it). */
export type TraceSampleHook = (m: M | null, gp: G | null, stack: number, now: number) => void;

/** Words of the records in data ([len, time, hdr (1 word), stack...]) that are not overflow
 *  records (all-zero header, one-word stack: the count). */
function sampleWords(data: number[]): number {
  let n = 0;
  for (let i = 0; i < data.length; ) {
    const len = data[i];
    if (len <= 0) break;
    if (!(len === 4 && data[i + 2] === 0)) n += len;
    i += len;
  }
  return n;
}

export class CPUProfiler {
  readonly pb: WasmProfBuf;
  readonly lock: SignalLock;
  readonly builder: ProfileBuilder;
  private stackAddr = new Map<number, { addr: number; n: number }>();
  private hdr: number;
  private extra: number[] = [];
  private lostExtra = 0;
  traceSample: TraceSampleHook | null = null;
  readonly stats = { signals: 0, dropped: 0, samples: 0, written: 0, overflowed: 0, nonGo: 0, lostExtra: 0, reads: 0 };
  private stopped = false;
  /** One entry per reader pass (every readEvery, and the final one at stop):
   *  [time ns, words of sample records read (= the profBuf's occupancy when the reader woke,
   *  overflow records aside), writes lost to overflow since the previous pass]. */
  readonly readLog: [number, number, number][] = objects();
  private overflowSeen = 0;

  constructor(
    private readonly core: Core,
    private readonly sc: ResolvedScenario,
    private readonly sched: Sched,
  ) {
    this.pb = WasmProfBuf.create(core, 1, sc.profile.words, sc.profile.tags);
    this.lock = SignalLock.create(core);
    this.hdr = core.mem.alloc(8, 8);
    core.mem.setWord(this.hdr, 1);
    const symtab = sc.symtab;
    // The process (pid, wall clock, vDSO) is the seed's; the release decides start lines and
    // lostProfileEvent's line. StartCPUProfile runs at simulated time 0.
    const proc = new ProcessIdentity(sc.seed);
    const startOf = startLines(symtab);
    this.builder = new ProfileBuilder({
      symbolize: (pc) => {
        const f = symtab.symbolize(pc - 1);
        return f && { func: f.func, file: f.file, line: f.line, startLine: startOf(f.func, f.file) };
      },
      labels: (tag) => symtab.labelSets[tag],
      startNs: 0,
      wallClockNs: proc.wallStartNs,
      startLines: sc.switches.pprofStartLine,
      lostProfileEventPC: LOST_PC,
      lostProfileEventLine: sc.switches.lostProfileEventLine,
      goroot: GOROOT,
      mapping: { file: `/tmp/gotracesim/${sc.name}` },
      extraMappings: [
        { start: proc.vdsoStart, limit: proc.vdsoStart + 0x2000, file: '[vdso]' },
        { ...VSYSCALL, file: '[vsyscall]' },
      ],
    });
  }

  /** SetCPUProfileRate(hz): the hz record, setitimer, and (lazily, in execute) per-thread timers. */
  start(now: number): void {
    this.pb.write(0, now, [this.sc.profile.hz], []);
    this.sched.kernel.startItimer(this.sc.profile.tickNs, now);
    const every = this.sc.profile.readEveryNs;
    const tickReader = (t: number) => {
      if (this.stopped) return;
      this.drain(t);
      this.sched.at(t + every, tickReader);
    };
    this.sched.at(now + every, tickReader);
  }

  /** The SIGPROF handler. */
  onSignal = (t: Thread, src: SignalSource, now: number): void => {
    if (this.stopped) return;
    t.signals++;
    this.stats.signals++;
    if (t instanceof ForeignThread) {
      // No M: only setitimer signals count (the thread cannot have a per-thread timer).
      if (src !== 'setitimer') return this.drop(t);
      this.addNonGo(t.stack);
      t.samples++;
      this.stats.samples++;
      return;
    }
    const m = t as M;
    const valid = m.timerValid ? src === 'timer_create' : src === 'setitimer';
    if (!valid) return this.drop(m);
    this.stats.samples++;
    m.samples++;
    const curg = m.curg;
    if (curg) curg.samples++;
    this.add(curg ? curg.tag : 0, m.stack, now);
    if (this.traceSample) {
      const gp = this.sc.switches.sampleAttribution === 'curg' ? curg : m.onG0 ? null : curg;
      this.traceSample(m, gp, m.stack, now);
    }
  };

  private drop(t: Thread): void {
    t.dropped++;
    this.stats.dropped++;
  }

  private staged(stack: number): { addr: number; n: number } {
    let s = this.stackAddr.get(stack);
    if (!s) {
      const frames = this.sc.symtab.stacks[stack];
      const addr = this.core.mem.alloc(Math.max(8, 8 * frames.length), 8);
      frames.forEach((f, i) => this.core.mem.setWord(addr + 8 * i, this.sc.symtab.pcOf(f) + 1));
      s = { addr, n: frames.length };
      this.stackAddr.set(stack, s);
    }
    return s;
  }

  /** cpuprof.add: under signalLock, flush queued non-Go samples, then write this one. */
  private add(tag: number, stack: number, now: number): void {
    this.lock.acquire(0n);
    if (this.extra.length > 0 || this.lostExtra > 0) this.addExtra();
    const s = this.staged(stack);
    if (this.pb.writeAt(tag, now, this.hdr, 1, s.addr, s.n)) this.stats.written++;
    else this.stats.overflowed++;
    this.lock.release();
  }

  /** cpuprof.addNonGo: queue in the fixed extra buffer (the handler cannot write the log). */
  private addNonGo(stack: number): void {
    this.stats.nonGo++;
    this.lock.acquire(0n);
    const n = this.sc.symtab.stacks[stack].length;
    if (this.extra.length + 1 + n < EXTRA_WORDS) this.extra.push(1 + n, stack);
    else this.lostExtra++;
    this.lock.release();
  }

  private addExtra(): void {
    for (let i = 0; i < this.extra.length; i += 2) {
      const s = this.staged(this.extra[i + 1]);
      if (this.pb.writeAt(0, 0, this.hdr, 1, s.addr, s.n)) this.stats.written++;
      else this.stats.overflowed++;
    }
    this.extra.length = 0;
    if (this.lostExtra > 0) {
      this.stats.lostExtra += this.lostExtra;
      const lost = this.sc.symtab.stack([{ func: 'runtime._LostExternalCode', file: '/usr/lib/go/src/runtime/proc.go', line: 4635 }, { func: 'runtime._ExternalCode', file: '/usr/lib/go/src/runtime/proc.go', line: 4636 }]);
      const pcs = this.sc.symtab.stacks[lost].map((f) => this.sc.symtab.pcOf(f) + 1);
      this.pb.write(0, 0, [this.lostExtra], pcs);
      this.lostExtra = 0;
    }
  }

  /** The reader goroutine's pass: everything available, non-blocking (up to EOF once closed). */
  drain(now = -1): void {
    let words = 0;
    for (;;) {
      const v = this.pb.read('nonblocking');
      if (v.status !== 'data') break;
      this.stats.reads++;
      const data = new Array<number>(v.words);
      for (let i = 0; i < v.words; i++) data[i] = v.word(i);
      words += sampleWords(data);
      this.builder.addCPUData(data, Array.from(v.tags()));
    }
    if (now >= 0) this.logRead(now, words);
  }

  private logRead(now: number, words: number): void {
    const log = this.readLog;
    log.push([now, words, this.stats.overflowed - this.overflowSeen]);
    this.overflowSeen = this.stats.overflowed;
    // Bounded: past READ_LOG_MAX passes, merge neighbours pairwise (later time, larger
    // occupancy, summed overflow), so a tiny readEvery cannot grow the summary without end.
    if (log.length >= READ_LOG_MAX) {
      const merged: [number, number, number][] = [];
      for (let i = 0; i < log.length; i += 2) {
        const a = log[i];
        const b = log[i + 1];
        merged.push(b ? [b[0], Math.max(a[1], b[1]), a[2] + b[2]] : a);
      }
      log.length = 0;
      log.push(...merged);
    }
  }

  /** StopCPUProfile: stop the timers, flush queued non-Go samples, close, drain to EOF. */
  stop(now: number): Profile {
    this.sched.kernel.stopItimer();
    this.lock.acquire(0n);
    if (this.extra.length > 0 || this.lostExtra > 0) this.addExtra();
    this.lock.release();
    this.stopped = true;
    this.pb.close();
    this.drain(now); // after close, reads run dry at EOF
    return this.builder.build(now);
  }
}

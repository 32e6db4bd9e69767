// Symtab: the simulated program's "binary": interned frames with their PCs, call stacks as
// lists of frame ids (leaf first), and pprof label sets as tags.
//
// PCs are synthetic but stable: frame i (in order of first use) sits at TEXT_BASE + i*PC_STRIDE,
// so the same scenario always yields the same PCs. Tag 0 means "no labels", as a nil label
// pointer does in the runtime. Interning happens while a scenario is resolved; afterwards the
// table is only read.

import type { Frame } from './scenario.ts';

export const TEXT_BASE = 0x401000;
export const PC_STRIDE = 0x40;

export class Symtab {
  readonly frames: Frame[] = [];
  readonly stacks: number[][] = [];
  readonly labelSets: (Record<string, string> | undefined)[] = [undefined];
  private frameIds = new Map<string, number>();
  private stackIds = new Map<string, number>();
  private labelIds = new Map<string, number>();

  frame(f: Frame): number {
    const key = `${f.func}\0${f.file}\0${f.line}`;
    let id = this.frameIds.get(key);
    if (id === undefined) {
      id = this.frames.length;
      this.frames.push({ func: f.func, file: f.file, line: f.line });
      this.frameIds.set(key, id);
    }
    return id;
  }

  /** Intern a stack given leaf first; returns its id. */
  stack(frames: readonly Frame[]): number {
    // A loop, not map(): map() once optimized returns holey arrays, and stacks of two element
    // kinds made every reader of `stacks` deoptimize mid-sweep (issue 13).
    const ids: number[] = [];
    for (const f of frames) ids.push(this.frame(f));
    return this.stackOfIds(ids);
  }

  stackOfIds(ids: number[]): number {
    const key = ids.join(',');
    let id = this.stackIds.get(key);
    if (id === undefined) {
      id = this.stacks.length;
      this.stacks.push(ids);
      this.stackIds.set(key, id);
    }
    return id;
  }

  private concats = new Map<number, number>();

  /** A stack made of `leaf` frames on top of stack `base` (both leaf first); memoized, as
   *  the scheduler asks for the same few combinations on every syscall and systemstack. */
  concat(leaf: number, base: number): number {
    const key = leaf * 0x200000 + base;
    let id = this.concats.get(key);
    if (id === undefined) {
      id = this.stackOfIds([...this.stacks[leaf], ...this.stacks[base]]);
      this.concats.set(key, id);
    }
    return id;
  }

  labels(set: Record<string, string> | undefined): number {
    if (!set || Object.keys(set).length === 0) return 0;
    const keys = Object.keys(set).sort();
    const key = keys.map((k) => `${k}\0${set[k]}`).join('\0\0');
    let id = this.labelIds.get(key);
    if (id === undefined) {
      id = this.labelSets.length;
      const sorted = Object.create(null) as Record<string, string>; // user keys: no prototype
      for (const k of keys) sorted[k] = set[k];
      this.labelSets.push(sorted);
      this.labelIds.set(key, id);
    }
    return id;
  }

  pcOf(frame: number): number {
    return TEXT_BASE + frame * PC_STRIDE;
  }

  /** The frame at a PC, or undefined for a PC this program never had. */
  symbolize(pc: number): Frame | undefined {
    const i = (pc - TEXT_BASE) / PC_STRIDE;
    return Number.isInteger(i) && i >= 0 && i < this.frames.length ? this.frames[i] : undefined;
  }
}

/** Runtime frames the model puts on stacks; lines are Go 1.19's, for realism only. */
export const RT = {
  goexit: { func: 'runtime.goexit', file: '/usr/lib/go/src/runtime/asm_amd64.s', line: 1594 },
  mcall: { func: 'runtime.mcall', file: '/usr/lib/go/src/runtime/asm_amd64.s', line: 425 },
  systemstack: { func: 'runtime.systemstack', file: '/usr/lib/go/src/runtime/asm_amd64.s', line: 492 },
  systemstackSwitch: { func: 'runtime.systemstack_switch', file: '/usr/lib/go/src/runtime/asm_amd64.s', line: 459 },
  goschedM: { func: 'runtime.gosched_m', file: '/usr/lib/go/src/runtime/proc.go', line: 3325 },
  goschedImpl: { func: 'runtime.goschedImpl', file: '/usr/lib/go/src/runtime/proc.go', line: 3310 },
  parkM: { func: 'runtime.park_m', file: '/usr/lib/go/src/runtime/proc.go', line: 3336 },
  schedule: { func: 'runtime.schedule', file: '/usr/lib/go/src/runtime/proc.go', line: 3187 },
  findRunnable: { func: 'runtime.findRunnable', file: '/usr/lib/go/src/runtime/proc.go', line: 2729 },
  stealWork: { func: 'runtime.stealWork', file: '/usr/lib/go/src/runtime/proc.go', line: 2955 },
  mstart: { func: 'runtime.mstart', file: '/usr/lib/go/src/runtime/asm_amd64.s', line: 394 },
  mstart1: { func: 'runtime.mstart1', file: '/usr/lib/go/src/runtime/proc.go', line: 1425 },
  mstart0: { func: 'runtime.mstart0', file: '/usr/lib/go/src/runtime/proc.go', line: 1376 },
  newproc: { func: 'runtime.newproc', file: '/usr/lib/go/src/runtime/proc.go', line: 4085 },
  newprocFunc1: { func: 'runtime.newproc.func1', file: '/usr/lib/go/src/runtime/proc.go', line: 4089 },
  newproc1: { func: 'runtime.newproc1', file: '/usr/lib/go/src/runtime/proc.go', line: 4140 },
  mallocgc: { func: 'runtime.mallocgc', file: '/usr/lib/go/src/runtime/malloc.go', line: 1171 },
  memclr: { func: 'runtime.memclrNoHeapPointers', file: '/usr/lib/go/src/runtime/memclr_amd64.s', line: 161 },
  makeslice: { func: 'runtime.makeslice', file: '/usr/lib/go/src/runtime/slice.go', line: 103 },
  gcAssistAlloc: { func: 'runtime.gcAssistAlloc', file: '/usr/lib/go/src/runtime/mgcmark.go', line: 508 },
  gcAssistAlloc1: { func: 'runtime.gcAssistAlloc1', file: '/usr/lib/go/src/runtime/mgcmark.go', line: 611 },
  gcDrainN: { func: 'runtime.gcDrainN', file: '/usr/lib/go/src/runtime/mgcmark.go', line: 1208 },
  scanobject: { func: 'runtime.scanobject', file: '/usr/lib/go/src/runtime/mgcmark.go', line: 1317 },
  gcBgMarkWorker: { func: 'runtime.gcBgMarkWorker', file: '/usr/lib/go/src/runtime/mgc.go', line: 1295 },
  gcBgMarkWorkerFunc2: { func: 'runtime.gcBgMarkWorker.func2', file: '/usr/lib/go/src/runtime/mgc.go', line: 1270 },
  gcDrain: { func: 'runtime.gcDrain', file: '/usr/lib/go/src/runtime/mgcmark.go', line: 1095 },
  stopTheWorld: { func: 'runtime.stopTheWorldWithSema', file: '/usr/lib/go/src/runtime/proc.go', line: 1215 },
  gcStart: { func: 'runtime.gcStart', file: '/usr/lib/go/src/runtime/mgc.go', line: 667 },
  gcMarkTermination: { func: 'runtime.gcMarkDone', file: '/usr/lib/go/src/runtime/mgc.go', line: 849 },
  syscall6: { func: 'syscall.Syscall6', file: '/usr/lib/go/src/syscall/syscall_linux.go', line: 91 },
  rawSyscall6: { func: 'syscall.RawSyscall6', file: '/usr/lib/go/src/syscall/syscall_linux.go', line: 69 },
  exitsyscall: { func: 'runtime.exitsyscall', file: '/usr/lib/go/src/runtime/proc.go', line: 3924 },
  externalCode: { func: 'runtime._ExternalCode', file: '/usr/lib/go/src/runtime/proc.go', line: 4636 },
  system: { func: 'runtime._System', file: '/usr/lib/go/src/runtime/proc.go', line: 4637 },
  sigprof: { func: 'runtime.sigprof', file: '/usr/lib/go/src/runtime/proc.go', line: 4510 },
  futex: { func: 'runtime.futex', file: '/usr/lib/go/src/runtime/sys_linux_amd64.s', line: 560 },
  // The runtime's own goroutines and the sweeper (sim/rtg.ts, sim/gc.ts); lines are Go 1.23's.
  forcegchelper: { func: 'runtime.forcegchelper', file: '/usr/lib/go/src/runtime/proc.go', line: 337 },
  bgsweep: { func: 'runtime.bgsweep', file: '/usr/lib/go/src/runtime/mgcsweep.go', line: 298 },
  sweepone: { func: 'runtime.sweepone', file: '/usr/lib/go/src/runtime/mgcsweep.go', line: 393 },
  sweepLockedSweep: { func: 'runtime.(*sweepLocked).sweep', file: '/usr/lib/go/src/runtime/mgcsweep.go', line: 521 },
  cacheSpan: { func: 'runtime.(*mcentral).cacheSpan', file: '/usr/lib/go/src/runtime/mcentral.go', line: 112 },
  refill: { func: 'runtime.(*mcache).refill', file: '/usr/lib/go/src/runtime/mcache.go', line: 183 },
  bgscavenge: { func: 'runtime.bgscavenge', file: '/usr/lib/go/src/runtime/mgcscavenge.go', line: 658 },
  scavengerRun: { func: 'runtime.(*scavengerState).run', file: '/usr/lib/go/src/runtime/mgcscavenge.go', line: 600 },
  pageAllocScavenge: { func: 'runtime.(*pageAlloc).scavenge', file: '/usr/lib/go/src/runtime/mgcscavenge.go', line: 689 },
  runfinq: { func: 'runtime.runfinq', file: '/usr/lib/go/src/runtime/mfinal.go', line: 193 },
  profileWriter: { func: 'runtime/pprof.profileWriter', file: '/usr/lib/go/src/runtime/pprof/pprof.go', line: 873 },
  addCPUData: { func: 'runtime/pprof.(*profileBuilder).addCPUData', file: '/usr/lib/go/src/runtime/pprof/proto.go', line: 300 },
  traceStartFunc1: { func: 'runtime/trace.Start.func1', file: '/usr/lib/go/src/runtime/trace/trace.go', line: 130 },
  readTrace: { func: 'runtime.ReadTrace', file: '/usr/lib/go/src/runtime/trace.go', line: 763 },
  osFileWrite: { func: 'os.(*File).Write', file: '/usr/lib/go/src/os/file.go', line: 195 },
  traceReadCPUFunc1: { func: 'runtime.traceStartReadCPU.func1', file: '/usr/lib/go/src/runtime/tracecpu.go', line: 61 },
  traceAdvancerFunc1: { func: 'runtime.(*traceAdvancerState).start.func1', file: '/usr/lib/go/src/runtime/trace.go', line: 962 },
  traceAdvance: { func: 'runtime.traceAdvance', file: '/usr/lib/go/src/runtime/trace.go', line: 373 },
  // runtime/pprof's newProfileBuilder reading the process's mappings (Go 1.23's lines).
  newProfileBuilder: { func: 'runtime/pprof.newProfileBuilder', file: '/usr/lib/go/src/runtime/pprof/proto.go', line: 260 },
  readMapping: { func: 'runtime/pprof.(*profileBuilder).readMapping', file: '/usr/lib/go/src/runtime/pprof/proto_other.go', line: 18 },
  parseProcSelfMaps: { func: 'runtime/pprof.parseProcSelfMaps', file: '/usr/lib/go/src/runtime/pprof/proto.go', line: 744 },
  elfBuildID: { func: 'runtime/pprof.elfBuildID', file: '/usr/lib/go/src/runtime/pprof/elf.go', line: 23 },
  osReadFile: { func: 'os.ReadFile', file: '/usr/lib/go/src/os/file.go', line: 784 },
  osOpen: { func: 'os.Open', file: '/usr/lib/go/src/os/file.go', line: 365 },
  osFileStat: { func: 'os.(*File).Stat', file: '/usr/lib/go/src/os/stat_unix.go', line: 20 },
  osFileRead: { func: 'os.(*File).Read', file: '/usr/lib/go/src/os/file.go', line: 124 },
  osFileReadAt: { func: 'os.(*File).ReadAt', file: '/usr/lib/go/src/os/file.go', line: 142 },
  osFileClose: { func: 'os.(*File).Close', file: '/usr/lib/go/src/os/file_posix.go', line: 23 },
  sysOpenat: { func: 'syscall.openat', file: '/usr/lib/go/src/syscall/zsyscall_linux_amd64.go', line: 98 },
  sysFcntl: { func: 'syscall.fcntl', file: '/usr/lib/go/src/syscall/zsyscall_linux_amd64.go', line: 432 },
  sysFstat: { func: 'syscall.Fstat', file: '/usr/lib/go/src/syscall/zsyscall_linux_amd64.go', line: 1110 },
  sysRead: { func: 'syscall.read', file: '/usr/lib/go/src/syscall/zsyscall_linux_amd64.go', line: 736 },
  sysPread: { func: 'syscall.pread', file: '/usr/lib/go/src/syscall/zsyscall_linux_amd64.go', line: 1239 },
  sysClose: { func: 'syscall.Close', file: '/usr/lib/go/src/syscall/zsyscall_linux_amd64.go', line: 335 },
  sysWrite: { func: 'syscall.write', file: '/usr/lib/go/src/syscall/zsyscall_linux_amd64.go', line: 964 },
} satisfies Record<string, Frame>;

// Scenario: what a user writes to describe a Go program and how it is profiled and traced.
//
// It arrives as JSON (a file or an object from the API) and is checked by validateScenario
// (scenario-validate.ts), which turns it into a ResolvedScenario: durations and sizes become
// nanoseconds and bytes, stack references become frame lists, defaults are filled in from
// the Go release preset. The simulation only ever sees a ResolvedScenario.
//
// Durations are strings in Go's time.ParseDuration grammar (runtime/duration.ts): "250ns",
// "50us" (or "50µs"), "1.5ms", "2s", "1m30s", "1h". Sizes are byte counts or strings such as
// "64KiB", "4MB".
// Stacks are listed leaf first, as a traceback prints them.

/** A source-level frame: the function, its file and the line being executed. */
export interface Frame {
  func: string;
  file: string;
  line: number;
}

/** A call stack: the name of an entry in `stacks`, or frames inline (leaf first). */
export type StackRef = string | Frame[];

export type Duration = string;
export type Size = number | string;

/** One step of a goroutine's program. Exactly one of the keys below names the step. */
export type Step =
  /** Run user code in `compute` for `for` of CPU time (preemptible by sysmon after 10ms). */
  | { compute: StackRef; for: Duration }
  /** A system call from `syscall`: `cpu` of kernel CPU, then `block` blocked in the kernel. */
  | { syscall: StackRef; cpu?: Duration; block?: Duration }
  /** time.Sleep. */
  | { sleep: Duration }
  /** Block for a while on something outside the program (netpoll, a lock, a channel). */
  | { block: Duration; reason?: BlockReason }
  /** Unbuffered channel send / receive: rendezvous with a goroutine doing the opposite. */
  | { send: string }
  | { recv: string }
  /** runtime.Gosched: mcall to g0, back on the global run queue, schedule. */
  | { gosched: true }
  /** Work on the g0 stack on behalf of the goroutine (m.curg stays set). */
  | { systemstack: StackRef; for: Duration }
  | { mcall: StackRef; for: Duration }
  /** Start `count` goroutines of a template (go statement). */
  | { spawn: string; count?: number }
  /** Repeat `do` `times` times (forever when omitted). */
  | { loop: Step[]; times?: number }
  /** pprof.SetGoroutineLabels with these labels (replacing the current ones). */
  | { labels: Record<string, string> }
  /** runtime/trace: a task or a region around `do`, and a log message. */
  | { task: string; do: Step[] }
  | { region: string; do: Step[] }
  | { log: string; category?: string }
  /** Allocate: mallocgc CPU, heap growth toward the GC trigger, mark assist during GC. */
  | { alloc: Size }
  /** A call that stops the world (runtime.ReadMemStats, a goroutine profile...): the reason
   *  as the runtime names it, and `for` of work while the world is stopped (default 20us). */
  | { stopTheWorld: 'read mem stats' | 'goroutine profile' | 'all goroutines stack trace' | 'write heap dump'; for?: Duration };

export type BlockReason = 'chan' | 'select' | 'sync' | 'cond' | 'net';

export interface GoroutineTemplate {
  name: string;
  /** Goroutines started by main at time 0 (0: only started by `spawn`). Default 1. */
  count?: number;
  labels?: Record<string, string>;
  /** runtime.LockOSThread for its whole life: it runs on its own M, which exits with it. */
  lockOSThread?: boolean;
  program: Step[];
}

/** Threads created outside Go (cgo) that never get an M; sampled only through setitimer. */
export interface ThreadTemplate {
  name: string;
  count?: number;
  /** Fraction of one CPU the thread keeps busy, in (0, 1]. */
  busy: number;
  /** When it starts and how long it lives (default: the whole run). */
  start?: Duration;
  life?: Duration;
}

export interface GCConfig {
  /** Bytes allocated since the last cycle that start the next one (GOGC-style trigger). */
  trigger?: Size;
  /** Also start a cycle at least this often (forced GC); omitted: only by allocation. */
  period?: Duration;
  /** Each of the two stop-the-world pauses of a cycle. */
  stw?: Duration;
  /** Length of the concurrent mark phase. */
  mark?: Duration;
  /** Fraction of GOMAXPROCS running dedicated background mark workers (Go: 0.25). */
  workers?: number;
  /** CPU spent in mark assist per byte allocated during the mark phase, in ns per KiB. */
  assistNsPerKiB?: number;
}

export type TimerMechanism = 'setitimer' | 'per-thread';

export interface ProfileConfig {
  hz?: number;
  timer?: TimerMechanism;
  /** The kernel tick on which process-wide CPU timers are checked (CONFIG_HZ=250: 4ms). */
  tick?: Duration;
  /** Size of the CPU profile's profBuf (Go: 1<<17 words, 1<<14 tags). */
  profBuf?: { words?: number; tags?: number };
  /** First expiry of a per-thread timer: uniform in (0, period] (Go) or a full period (before the fix). */
  firstExpiry?: 'uniform' | 'period';
  /** How often the profile reader goroutine drains the profBuf (runtime/pprof: 100ms). */
  readEvery?: Duration;
}

export type GoRelease = '1.17' | '1.18' | '1.19' | '1.20' | '1.21' | '1.22-dev' | '1.22' | '1.23' | '1.24' | '1.25';

export interface Scenario {
  name?: string;
  go?: GoRelease;
  seed?: number;
  duration?: Duration;
  gomaxprocs?: number;
  stacks?: Record<string, Frame[]>;
  goroutines: GoroutineTemplate[];
  threads?: ThreadTemplate[];
  gc?: GCConfig;
  profile?: ProfileConfig;
  /** Overrides of individual release switches (see runtime/releases.ts). */
  switches?: Record<string, string | number | boolean>;
  /** Runtime costs on g0, for the scheduler model. */
  costs?: { schedule?: Duration; gosched?: Duration; newproc?: Duration; findRunnable?: Duration };
  /** Execution tracing: how often the generational tracer starts a generation (default "1s")
   *  and how often its CPU-sample reader drains (default "100ms"). */
  trace?: { period?: Duration; cpuReaderEvery?: Duration };
  /** Guards against runaway programs: live goroutines beyond `goroutines` (default 100000)
   *  stop the run with an error naming the spawner. */
  limits?: { goroutines?: number };
}

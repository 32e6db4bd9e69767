// Structured scenarios for the writer oracles: each stresses one part of the runtime that the
// tracers must write exactly as Go does (GC and its stops, short generations, one and many Ps,
// syscalls handed off and retaken, locked threads, cgo threads, nested annotations that block).

import type { Scenario } from '../../bindings/scenario/scenario.ts';

const f = (func: string, line = 10) => [{ func, file: '/app/main.go', line }, { func: 'main.main.func1', file: '/app/main.go', line: 90 }];

export const ORACLE_SCENARIOS: Record<string, Scenario> = {
  'gc-stress': {
    gomaxprocs: 4,
    duration: '150ms',
    goroutines: [
      { name: 'alloc', count: 3, program: [{ loop: [{ compute: f('main.build'), for: '20us' }, { alloc: '64KiB' }] }] },
      { name: 'spin', program: [{ loop: [{ compute: f('main.spin'), for: '2ms' }, { gosched: true }] }] },
      { name: 'sleeper', program: [{ loop: [{ sleep: '300us' }, { compute: f('main.tick'), for: '10us' }] }] },
      { name: 'monitor', program: [{ loop: [{ sleep: '5ms' }, { stopTheWorld: 'read mem stats', for: '25us' }, { stopTheWorld: 'goroutine profile', for: '40us' }] }] },
    ],
    gc: { trigger: '512KiB', mark: '1ms', stw: '40us', workers: 0.25, assistNsPerKiB: 400 },
    profile: { hz: 500 },
  },
  'short-generations': {
    gomaxprocs: 3,
    duration: '120ms',
    goroutines: [
      { name: 'alloc', count: 2, program: [{ loop: [{ compute: f('main.build'), for: '15us' }, { alloc: '32KiB' }, { syscall: f('syscall.write'), cpu: '3us', block: '40us' }] }] },
      { name: 'pinger', program: [{ loop: [{ send: 'ping' }, { recv: 'pong' }] }] },
      { name: 'monitor', program: [{ loop: [{ sleep: '700us' }, { stopTheWorld: 'read mem stats', for: '20us' }] }] },
      { name: 'ponger', program: [{ loop: [{ recv: 'ping' }, { compute: f('main.pong'), for: '5us' }, { send: 'pong' }] }] },
    ],
    gc: { trigger: '256KiB', period: '3ms', mark: '500us', stw: '30us' },
    profile: { hz: 1000 },
    trace: { period: '2ms', cpuReaderEvery: '5ms' },
  },
  'gomaxprocs-1': {
    gomaxprocs: 1,
    duration: '100ms',
    goroutines: [
      { name: 'spin', count: 3, program: [{ loop: [{ compute: f('main.spin'), for: '3ms' }] }] },
      { name: 'io', program: [{ loop: [{ syscall: f('syscall.read'), cpu: '5us', block: '200us' }, { compute: f('main.parse'), for: '30us' }] }] },
      { name: 'alloc', program: [{ loop: [{ compute: f('main.build'), for: '50us' }, { alloc: '64KiB' }] }] },
    ],
    gc: { trigger: '1MiB', mark: '2ms' },
  },
  'gomaxprocs-16': {
    gomaxprocs: 16,
    duration: '60ms',
    goroutines: [
      { name: 'worker', count: 24, program: [{ loop: [{ compute: f('main.work'), for: '200us' }, { sleep: '50us' }, { gosched: true }] }] },
      { name: 'spawner', program: [{ loop: [{ spawn: 'short', count: 4 }, { sleep: '500us' }] }] },
      { name: 'short', count: 0, program: [{ compute: f('main.short'), for: '80us' }] },
      { name: 'alloc', count: 2, program: [{ loop: [{ compute: f('main.build'), for: '30us' }, { alloc: '64KiB' }] }] },
    ],
    gc: { trigger: '2MiB', mark: '1ms' },
  },
  syscalls: {
    gomaxprocs: 2,
    duration: '120ms',
    goroutines: [
      { name: 'fast', count: 3, program: [{ loop: [{ syscall: f('syscall.read'), cpu: '2us', block: '3us' }, { compute: f('main.work'), for: '6us' }] }] },
      { name: 'slow', count: 2, program: [{ loop: [{ syscall: f('syscall.read'), cpu: '5us', block: '2ms' }, { compute: f('main.parse'), for: '20us' }] }] },
      { name: 'alloc', program: [{ loop: [{ compute: f('main.build'), for: '20us' }, { alloc: '16KiB' }] }] },
    ],
    gc: { trigger: '256KiB', period: '1ms', stw: '3us', mark: '10us' },
  },
  locked: {
    gomaxprocs: 2,
    duration: '100ms',
    goroutines: [
      { name: 'locked', count: 2, lockOSThread: true, program: [{ loop: [{ compute: f('main.gl'), for: '300us' }, { sleep: '200us' }, { syscall: f('syscall.ioctl'), cpu: '2us', block: '100us' }] }] },
      { name: 'free', count: 3, program: [{ loop: [{ compute: f('main.work'), for: '500us' }, { gosched: true }] }] },
      { name: 'short', count: 0, lockOSThread: true, program: [{ compute: f('main.once'), for: '50us' }] },
      { name: 'spawner', program: [{ loop: [{ spawn: 'short' }, { sleep: '2ms' }] }] },
    ],
  },
  cgo: {
    gomaxprocs: 2,
    duration: '100ms',
    goroutines: [{ name: 'work', count: 2, program: [{ loop: [{ compute: f('main.work'), for: '1ms' }, { syscall: f('main._Cfunc_compress'), cpu: '200us', block: '0us' }] }] }],
    threads: [{ name: 'C.worker', count: 2, busy: 0.6 }],
    profile: { hz: 250, timer: 'setitimer' },
  },
  annotations: {
    gomaxprocs: 3,
    duration: '120ms',
    goroutines: [
      {
        name: 'job',
        count: 3,
        labels: { job: 'x' },
        program: [
          {
            task: 'job',
            do: [
              {
                loop: [
                  { region: 'outer', do: [{ region: 'inner', do: [{ compute: f('main.step'), for: '100us' }, { sleep: '50us' }] }, { log: 'progress', category: 'step' }, { recv: 'c' }] },
                  { region: 'io', do: [{ syscall: f('syscall.read'), cpu: '3us', block: '80us' }] },
                  { gosched: true },
                ],
              },
            ],
          },
        ],
      },
      { name: 'feeder', program: [{ loop: [{ task: 'feed', do: [{ region: 'send', do: [{ send: 'c' }] }] }, { compute: f('main.feed'), for: '30us' }] }] },
    ],
  },
};

// mixed: the shapes a service has, each goroutine under pprof labels worker=<role>:
//   - pingpong: two goroutines hand a value back and forth over unbuffered channels, 20µs of
//     work on each side per message; the pinger also allocates 64 KiB every 16 messages, which
//     drives the GC at a rate set by the pair, not by timers (at most about 90 MiB/s);
//   - read: a 64 KiB read(2) of /dev/zero (a short syscall), then a 1ms sleep;
//   - spin: burns CPU, yielding (runtime.Gosched) every 1ms, so that both Ps schedule often
//     and run their timers on time (hog shows what a spinner that never yields does to them);
//   - sleep: main.sleeper, whose sleeps and wake→run latency are measured.
//
// Mimicked by examples/realism/mixed.json.
package main

import (
	"context"
	"runtime"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"
)

var allocSink []byte

func mixedProgram(stop <-chan struct{}, wg *sync.WaitGroup) {
	role := func(name string, body func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pprof.Do(context.Background(), pprof.Labels("worker", name), func(context.Context) { body() })
		}()
	}
	ping, pong := make(chan uint64), make(chan uint64)
	role("pingpong", func() { pinger(stop, ping, pong) })
	role("pingpong", func() { ponger(ping, pong) })
	role("read", func() { reader(stop) })
	role("spin", func() { yielder(stop) })
	role("sleep", func() { sleeper(stop) })
}

func pinger(stop <-chan struct{}, ping chan<- uint64, pong <-chan uint64) {
	var v uint64
	for !stopped(stop) {
		for i := 0; i < 16; i++ {
			busy(20 * time.Microsecond)
			ping <- v
			v = <-pong
		}
		allocSink = make([]byte, 64<<10)
	}
	close(ping)
}

func ponger(ping <-chan uint64, pong chan<- uint64) {
	for v := range ping {
		busy(20 * time.Microsecond)
		pong <- v + 1
	}
}

func reader(stop <-chan struct{}) {
	fd, err := syscall.Open("/dev/zero", syscall.O_RDONLY, 0)
	if err != nil {
		panic(err)
	}
	defer syscall.Close(fd)
	buf := make([]byte, 64<<10)
	for !stopped(stop) {
		if _, err := syscall.Read(fd, buf); err != nil {
			panic(err)
		}
		time.Sleep(time.Millisecond)
	}
}

// yielder burns CPU, calling runtime.Gosched after each 1ms of it.
func yielder(stop <-chan struct{}) {
	for !stopped(stop) {
		busy(time.Millisecond)
		runtime.Gosched()
	}
}

// tracegen writes a fresh execution trace (with CPU samples) for the v1 reader's interop tests.
//
// It starts the CPU profiler at 100 Hz, then the tracer, runs one workload for -dur, and stops
// both. Only the standard library is used, so it builds with GO111MODULE=off.
// Who may touch: the v1 format owner (test/formats-v1*.test.ts drives it).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"sync"
	"syscall"
	"time"
)

var sink []byte

func spin(stop <-chan struct{}, yieldEvery int) uint64 {
	var x uint64
	for i := 0; ; i++ {
		select {
		case <-stop:
			return x
		default:
		}
		for k := 0; k < 1000; k++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
		if yieldEvery > 0 && i%yieldEvery == 0 {
			runtime.Gosched()
		}
	}
}

// Each workload runs until stop is closed and returns once its goroutines are done.
var workloads = map[string]func(stop <-chan struct{}){
	"spin": func(stop <-chan struct{}) {
		var wg sync.WaitGroup
		for i := 0; i < 3; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				spin(stop, 1+i)
			}(i)
		}
		wg.Wait()
	},
	"pingpong": func(stop <-chan struct{}) {
		ping, pong := make(chan int), make(chan int)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := range ping {
				pong <- v + 1
			}
		}()
		for v := 0; ; {
			select {
			case <-stop:
				close(ping)
				wg.Wait()
				return
			case ping <- v:
				v = <-pong
			}
		}
	},
	"syscall": func(stop <-chan struct{}) {
		f, err := os.Open("/dev/zero")
		if err != nil {
			panic(err)
		}
		defer f.Close()
		buf := make([]byte, 1<<16)
		// A blocking pipe read outside the netpoller: long enough for sysmon to retake the P,
		// so the trace gets GoSysBlock and GoSysExit (with its real exit tick).
		var fds [2]int
		if err := syscall.Pipe(fds[:]); err != nil {
			panic(err)
		}
		var wg sync.WaitGroup
		wg.Add(4)
		go func() {
			defer wg.Done()
			one := []byte{1}
			for {
				select {
				case <-stop:
					syscall.Write(fds[1], one) // wake the reader one last time
					return
				default:
				}
				time.Sleep(200 * time.Microsecond)
				syscall.Write(fds[1], one)
			}
		}()
		go func() {
			defer wg.Done()
			b := make([]byte, 1)
			for {
				if _, err := syscall.Read(fds[0], b); err != nil {
					panic(err)
				}
				select {
				case <-stop:
					return
				default:
				}
			}
		}()
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := io.ReadFull(f, buf); err != nil {
					panic(err)
				}
				time.Sleep(50 * time.Microsecond)
			}
		}()
		go func() {
			defer wg.Done()
			spin(stop, 0)
		}()
		wg.Wait()
	},
	"alloc": func(stop <-chan struct{}) {
		var wg sync.WaitGroup
		for i := 0; i < 2; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					sink = make([]byte, 64<<10)
				}
			}()
		}
		wg.Wait()
	},
	"annot": func(stop <-chan struct{}) {
		ctx, task := trace.NewTask(context.Background(), "job")
		defer task.End()
		var wg sync.WaitGroup
		for i := 0; i < 3; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				trace.WithRegion(ctx, "step", func() {
					trace.Log(ctx, "worker", fmt.Sprint(i))
					trace.Logf(ctx, "phase", "spin %d", i)
					spin(stop, 10)
				})
			}(i)
		}
		wg.Wait()
	},
}

func main() {
	workload := flag.String("workload", "spin", "spin | pingpong | syscall | alloc | annot")
	out := flag.String("o", "out.trace", "trace file to write")
	dur := flag.Duration("dur", 100*time.Millisecond, "how long the workload runs")
	flag.Parse()
	run, ok := workloads[*workload]
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown workload %q\n", *workload)
		os.Exit(2)
	}
	f, err := os.Create(*out)
	if err != nil {
		panic(err)
	}
	if err := pprof.StartCPUProfile(io.Discard); err != nil {
		panic(err)
	}
	if err := trace.Start(f); err != nil {
		panic(err)
	}
	stop := make(chan struct{})
	time.AfterFunc(*dur, func() { close(stop) })
	run(stop)
	trace.Stop()
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		panic(err)
	}
}

// tracegen writes a fresh execution trace (with CPU samples) for the v1 reader's interop tests.
//
// It starts the CPU profiler at 100 Hz, then the tracer, runs one workload for -dur, and stops
// both. Only the standard library is used, so it builds with GO111MODULE=off.
// Who may touch: the v1 format owner (test/formats-v1*.test.ts and
// test/oracle-readers-v1.test.ts drive it).
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
	// GOMAXPROCS changes while goroutines spin: each change stops the world (Go 1.21 traces
	// an STW with reason GOMAXPROCS; earlier releases trace only GC stops) and writes a
	// Gomaxprocs event.
	"gomaxprocs": func(stop <-chan struct{}) {
		var wg sync.WaitGroup
		for i := 0; i < 2; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				spin(stop, 5+i)
			}(i)
		}
		orig := runtime.GOMAXPROCS(0)
		for n := 0; ; n++ {
			select {
			case <-stop:
				runtime.GOMAXPROCS(orig)
				wg.Wait()
				return
			default:
			}
			runtime.GOMAXPROCS(orig + 1 + n%2) // never the current value: every call changes it
			time.Sleep(2 * time.Millisecond)
		}
	},
	// Forced collections back to back, with a little garbage and a goroutine running
	// alongside: GC and STW events (sweep and mark termination), sweeps and mark assists.
	"gc": func(stop <-chan struct{}) {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			spin(stop, 20)
		}()
		for {
			select {
			case <-stop:
				wg.Wait()
				return
			default:
			}
			for i := 0; i < 16; i++ {
				sink = make([]byte, 16<<10)
			}
			runtime.GC()
			time.Sleep(time.Millisecond)
		}
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

// The workloads of the committed fixtures (test/fixtures/go1.19, written with -cpuprofile by
// scripts/fixtures.sh; what each one does is in test/fixtures/go1.19/README.md).
func init() {
	workloads["hog"] = hogWorkload
	workloads["mixed"] = mixedWorkload
}

var burnSink uint64

// hog spins in a hot loop (one multiply-add per iteration) until stop is closed, calling
// runtime.Gosched every yieldEvery iterations (never when yieldEvery is 0).
func hog(stop <-chan struct{}, yieldEvery int) {
	var x uint64
	for i := 1; ; i++ {
		x = x*6364136223846793005 + 1442695040888963407
		if i%4096 == 0 {
			select {
			case <-stop:
				burnSink += x
				return
			default:
			}
		}
		if yieldEvery > 0 && i%yieldEvery == 0 {
			runtime.Gosched()
		}
	}
}

// burn does n multiply-adds of CPU work.
func burn(x uint64, n int) uint64 {
	for i := 0; i < n; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	return x
}

// hogWorkload: 2 goroutines spin inside region "hogger" under pprof labels worker=hog;
// goroutine 0 calls runtime.Gosched every 1000 iterations, goroutine 1 never does.
func hogWorkload(stop <-chan struct{}) {
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			pprof.Do(context.Background(), pprof.Labels("worker", "hog"), func(ctx context.Context) {
				trace.WithRegion(ctx, "hogger", func() {
					if i == 0 {
						hog(stop, 1000)
					} else {
						hog(stop, 0)
					}
				})
			})
		}(i)
	}
	wg.Wait()
}

// mixedWorkload: channel ping-pong between two goroutines (each side works a little per
// message), a goroutine reading 256 KiB from /dev/zero then sleeping 50µs, a goroutine
// allocating 64 KiB slices (GC cycles), and a goroutine spinning without yielding (preempted).
func mixedWorkload(stop <-chan struct{}) {
	var wg sync.WaitGroup
	wg.Add(5)
	ping, pong := make(chan uint64), make(chan uint64)
	go func() {
		defer wg.Done()
		var v uint64
		for {
			select {
			case <-stop:
				close(ping)
				return
			case ping <- v:
				v = burn(<-pong, 2000)
			}
		}
	}()
	go func() {
		defer wg.Done()
		for v := range ping {
			pong <- burn(v, 2000)
		}
	}()
	go func() {
		defer wg.Done()
		f, err := os.Open("/dev/zero")
		if err != nil {
			panic(err)
		}
		defer f.Close()
		buf := make([]byte, 256<<10)
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
		var x uint64
		for {
			select {
			case <-stop:
				burnSink += x
				return
			default:
			}
			sink = make([]byte, 64<<10)
			x = burn(x, 20000)
		}
	}()
	go func() {
		defer wg.Done()
		hog(stop, 0)
	}()
	wg.Wait()
}

func main() {
	workload := flag.String("workload", "spin", "spin | pingpong | syscall | alloc | gomaxprocs | gc | annot")
	out := flag.String("o", "out.trace", "trace file to write")
	dur := flag.Duration("dur", 100*time.Millisecond, "how long the workload runs")
	cpuprofile := flag.String("cpuprofile", "", "also write the CPU profile (pprof) to this file")
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
	var prof io.Writer = io.Discard
	if *cpuprofile != "" {
		pf, err := os.Create(*cpuprofile)
		if err != nil {
			panic(err)
		}
		prof = pf
	}
	if err := pprof.StartCPUProfile(prof); err != nil {
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
	if pf, ok := prof.(*os.File); ok {
		if err := pf.Close(); err != nil {
			panic(err)
		}
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}

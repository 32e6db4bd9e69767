// realism runs one of the programs that examples/realism/ mimics, with the execution tracer and
// the CPU profiler on, for a fixed wall time on a fixed GOMAXPROCS, and writes DIR/trace.out and
// DIR/cpu.pprof. test/realism/ compares what it writes with what the simulator writes for the
// matching scenario (test/realism.test.ts, `npm run realism`).
//
// Layout: main.go (flags, start/stop of the profiler and tracer, the loops programs share: busy,
// spinner, sleeper), one file per program (hog.go, mixed.go, annotations.go). A program's start function
// only starts goroutines (counted in wg) that run until stop is closed. main then sleeps through
// the run, as the simulated main goroutine blocks once it has spawned the templates, and stops
// the tracer and the profiler while the goroutines still run, as the simulation does. Work is
// measured in wall time (busy), not in iterations, so a program does the same on a slow and on
// a fast machine. DIR/run.json holds the wall and CPU time of the run (getrusage).
// Only the standard library: it builds with GO111MODULE=off.
// Who may touch: the realism test owner (a program and its scenario change together).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"sync"
	"syscall"
	"time"
)

var programs = map[string]func(stop <-chan struct{}, wg *sync.WaitGroup){
	"hog":         hogProgram,
	"mixed":       mixedProgram,
	"annotations": annotationsProgram,
}

// busySink keeps the busy loop's arithmetic alive.
var busySink uint64

// busy keeps the CPU busy for d of wall time: a multiply-add loop that reads the clock every
// 64 iterations (a vDSO call, no syscall and no trace event).
func busy(d time.Duration) {
	x := busySink
	deadline := time.Now().Add(d)
	for {
		for i := 0; i < 64; i++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
		if !time.Now().Before(deadline) {
			break
		}
	}
	busySink = x
}

// stopped reports whether stop is closed, without blocking (a select with a default case writes
// no trace event).
func stopped(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

// spinner burns CPU until stop, never yielding: it looks at stop every 100µs of wall time.
func spinner(stop <-chan struct{}) {
	for !stopped(stop) {
		busy(100 * time.Microsecond)
	}
}

// sleeper sleeps 1ms, then works 5µs, until stop; the harness measures its sleeps (GoBlock
// "sleep" to the timer's GoUnblock) and its wake→run latency (GoUnblock to GoStart).
func sleeper(stop <-chan struct{}) {
	for !stopped(stop) {
		time.Sleep(time.Millisecond)
		busy(5 * time.Microsecond)
	}
}

func main() {
	program := flag.String("program", "hog", "hog | mixed | annotations")
	dir := flag.String("o", ".", "directory for trace.out and cpu.pprof")
	dur := flag.Duration("dur", time.Second, "how long the program runs")
	procs := flag.Int("procs", 2, "GOMAXPROCS")
	flag.Parse()
	run, ok := programs[*program]
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown program %q\n", *program)
		os.Exit(2)
	}
	runtime.GOMAXPROCS(*procs)
	tf, err := os.Create(filepath.Join(*dir, "trace.out"))
	if err != nil {
		panic(err)
	}
	pf, err := os.Create(filepath.Join(*dir, "cpu.pprof"))
	if err != nil {
		panic(err)
	}
	if err := pprof.StartCPUProfile(pf); err != nil {
		panic(err)
	}
	if err := trace.Start(tf); err != nil {
		panic(err)
	}
	began := time.Now()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	run(stop, &wg)
	time.Sleep(*dur)
	// Stop tracing and profiling with the goroutines still running, as the simulation does.
	trace.Stop()
	pprof.StopCPUProfile()
	wall := time.Since(began)
	close(stop)
	wg.Wait()
	for _, f := range []*os.File{tf, pf} {
		if err := f.Close(); err != nil {
			panic(err)
		}
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	usage := fmt.Sprintf("{\"wallNs\": %d, \"cpuNs\": %d, \"gomaxprocs\": %d, \"numCPU\": %d}\n", wall.Nanoseconds(), cpu.Nanoseconds(), runtime.GOMAXPROCS(0), runtime.NumCPU())
	if err := os.WriteFile(filepath.Join(*dir, "run.json"), []byte(usage), 0o644); err != nil {
		panic(err)
	}
}

// Anchor for bench/goals.ts: a real Go program tracing a runtime.Gosched loop on one P.
// Usage: gosched OUT.trace DURATION. Traces the loop for DURATION and prints
// {"ns": traced wall ns, "gosched": calls}; the bench counts the trace's events with our
// reader, so the anchor is events per second while tracing. Run with GOMAXPROCS=1.
package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"runtime/trace"
	"time"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gosched OUT.trace DURATION")
		os.Exit(2)
	}
	d, err := time.ParseDuration(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	f, err := os.Create(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := trace.Start(w); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	calls := 0
	start := time.Now()
	for time.Since(start) < d {
		// Check the clock every 1000 yields: the loop is the program, not time.Now.
		for i := 0; i < 1000; i++ {
			runtime.Gosched()
		}
		calls += 1000
	}
	traced := time.Since(start)
	trace.Stop()
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	f.Close()
	fmt.Printf("{\"ns\":%d,\"gosched\":%d}\n", traced.Nanoseconds(), calls)
}

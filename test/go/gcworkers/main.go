// gcworkers runs a program whose one goroutine allocates -mib MiB of 8 KiB objects without pause
// (some 2 MiB stay live) while every other P is idle, with the execution tracer on, for
// test/sim-gc.test.ts: in the trace it writes,
// each GC cycle shows the background mark workers mgcpacer.go's startCycle asks for on
// GOMAXPROCS=-procs (dedicated, fractional; idle ones on the idle Ps), and the order of the
// events at mark termination.
// Only the standard library: it builds with GO111MODULE=off. Who may touch: the simulator's owner.
package main

import (
	"flag"
	"os"
	"runtime"
	"runtime/trace"
)

var sink [][]byte

func main() {
	procs := flag.Int("procs", 2, "GOMAXPROCS")
	mib := flag.Int("mib", 1000, "MiB the allocator allocates (some tens of GC cycles at least)")
	out := flag.String("o", "trace.out", "trace file")
	flag.Parse()
	runtime.GOMAXPROCS(*procs)
	f, err := os.Create(*out)
	if err != nil {
		panic(err)
	}
	if err := trace.Start(f); err != nil {
		panic(err)
	}
	done := make(chan struct{})
	go func() {
		for i := 0; i < *mib*128; i++ {
			sink = append(sink, make([]byte, 8192))
			if len(sink) > 256 {
				sink = sink[:0]
			}
		}
		close(done)
	}()
	<-done
	trace.Stop()
	if err := f.Close(); err != nil {
		panic(err)
	}
}

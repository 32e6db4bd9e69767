// Input maker for bench/goals.ts: a small service-like Go program run under the execution
// tracer (and the CPU profiler, so that the trace holds CPU samples) until the trace reaches a
// size, so that the readers are timed on real traces of real programs. Built with Go 1.19 it
// writes a go1.19 trace, with Go 1.23 a Go1.23 one.
// Usage: tracegen OUT.trace MIN_BYTES
// Workload: channel ping-pong pairs, hashing with occasional yields, an allocator that
// drives the GC, sleepers (timers), a pipe read in a blocking syscall, a contended mutex,
// short-lived goroutines, and user tasks, regions and logs.
package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// counter counts what the tracer has written so far.
type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	atomic.AddInt64(&c.n, int64(n))
	return n, err
}

var stop int32

func running() bool { return atomic.LoadInt32(&stop) == 0 }

func pingPong() {
	ball, back := make(chan int), make(chan int)
	go func() {
		for v := range ball {
			back <- v + 1
		}
	}()
	for i := 0; running(); i++ {
		ball <- i
		<-back
	}
}

func hasher(id int) {
	buf := make([]byte, 4096)
	for i := 0; running(); i++ {
		buf[0] = byte(i)
		sum := sha256.Sum256(buf)
		buf[1] = sum[0]
		if i%64 == 0 {
			runtime.Gosched()
		}
	}
}

var sink [][]byte

func allocator() {
	ring := make([][]byte, 64)
	for i := 0; running(); i++ {
		ring[i%len(ring)] = make([]byte, 32<<10)
		if i%1024 == 0 {
			sink = ring[:1]
		}
	}
}

func sleeper(d time.Duration) {
	for running() {
		time.Sleep(d)
	}
}

func piper() {
	r, w, err := os.Pipe()
	if err != nil {
		return
	}
	go func() {
		b := make([]byte, 64)
		for {
			if _, err := r.Read(b); err != nil {
				return
			}
		}
	}()
	msg := []byte("ping")
	for running() {
		w.Write(msg)
		time.Sleep(100 * time.Microsecond)
	}
}

func contended(mu *sync.Mutex, shared *int) {
	for running() {
		mu.Lock()
		for i := 0; i < 200; i++ {
			*shared += i
		}
		mu.Unlock()
	}
}

func spawner() {
	var wg sync.WaitGroup
	for running() {
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				s := 0
				for k := 0; k < 1000*i; k++ {
					s += k
				}
				_ = s
			}(i)
		}
		wg.Wait()
	}
}

func annotated() {
	for i := 0; running(); i++ {
		ctx, task := trace.NewTask(context.Background(), "request")
		trace.Log(ctx, "id", strconv.Itoa(i))
		trace.WithRegion(ctx, "decode", func() {
			b := make([]byte, 512)
			_ = sha256.Sum256(b)
		})
		trace.WithRegion(ctx, "reply", func() { time.Sleep(20 * time.Microsecond) })
		task.End()
	}
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: tracegen OUT.trace MIN_BYTES")
		os.Exit(2)
	}
	min, err := strconv.ParseInt(os.Args[2], 10, 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	f, err := os.Create(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	c := &counter{w: bw}
	pprof.StartCPUProfile(io.Discard)
	if err := trace.Start(c); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var mu sync.Mutex
	shared := 0
	for i := 0; i < 4; i++ {
		go pingPong()
		go contended(&mu, &shared)
	}
	for i := 0; i < 2; i++ {
		go hasher(i)
		go sleeper(time.Duration(50*(i+1)) * time.Microsecond)
	}
	go allocator()
	go piper()
	go spawner()
	go annotated()
	start := time.Now()
	for atomic.LoadInt64(&c.n) < min {
		time.Sleep(5 * time.Millisecond)
	}
	atomic.StoreInt32(&stop, 1)
	trace.Stop()
	pprof.StopCPUProfile()
	if err := bw.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	f.Close()
	fmt.Printf("{\"ns\":%d,\"bytes\":%d}\n", time.Since(start).Nanoseconds(), atomic.LoadInt64(&c.n))
}

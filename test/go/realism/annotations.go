// annotations: workers goroutines serve requests, each a runtime/trace task "request" holding
// a region "decode" (30µs of work), a log (category "stage", message "decoded"), a region
// "handle" (60µs of work) with a region "store" inside it (20µs more), then the task ends and the
// worker sleeps 1ms. Labels worker=request.
// Mimicked by examples/realism/annotations.json.
package main

import (
	"context"
	"runtime/pprof"
	"runtime/trace"
	"sync"
	"time"
)

const workers = 3

func annotationsProgram(stop <-chan struct{}, wg *sync.WaitGroup) {
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pprof.Do(context.Background(), pprof.Labels("worker", "request"), func(ctx context.Context) { serve(ctx, stop) })
		}()
	}
}

func serve(ctx context.Context, stop <-chan struct{}) {
	for !stopped(stop) {
		tctx, task := trace.NewTask(ctx, "request")
		trace.WithRegion(tctx, "decode", func() { busy(30 * time.Microsecond) })
		trace.Log(tctx, "stage", "decoded")
		trace.WithRegion(tctx, "handle", func() {
			busy(60 * time.Microsecond)
			trace.WithRegion(tctx, "store", func() { busy(20 * time.Microsecond) })
		})
		task.End()
		time.Sleep(time.Millisecond)
	}
}

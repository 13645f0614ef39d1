package main

import (
	"sync"
	"time"

	"google.golang.org/grpc/codes"

	pb "fraudgraph/clients/go/gen/fraudgraph/v1"
)

// codeNames are grpc-js's names of the status codes (grpc.status), e.g. "CANCELLED" where
// grpc-go's String() says "Canceled": the report counts errors by these names.
var codeNames = map[uint32]string{
	0: "OK", 1: "CANCELLED", 2: "UNKNOWN", 3: "INVALID_ARGUMENT", 4: "DEADLINE_EXCEEDED",
	5: "NOT_FOUND", 6: "ALREADY_EXISTS", 7: "PERMISSION_DENIED", 8: "RESOURCE_EXHAUSTED",
	9: "FAILED_PRECONDITION", 10: "ABORTED", 11: "OUT_OF_RANGE", 12: "UNIMPLEMENTED",
	13: "INTERNAL", 14: "UNAVAILABLE", 15: "DATA_LOSS", 16: "UNAUTHENTICATED",
}

func codeName(code codes.Code) string {
	if name, ok := codeNames[uint32(code)]; ok {
		return name
	}
	return "UNKNOWN"
}

// clock gives milliseconds on a monotonic clock, like performance.now().
type clock struct{ origin time.Time }

func (c clock) nowMs() float64 {
	return float64(time.Since(c.origin).Nanoseconds()) / 1e6
}

// Results gathers the answers; safe for use by several goroutines.
type Results struct {
	mu            sync.Mutex
	clock         clock
	measureFromMs float64
	Unmeasured    int
	ClientMs      []float64
	ServerMs      []float64
	Errors        map[string]int
	Actions       map[string]int
}

func newResults(c clock) *Results {
	return &Results{
		clock: c, ClientMs: []float64{}, ServerMs: []float64{},
		Errors: map[string]int{}, Actions: map[string]int{},
	}
}

// decided records a decision on a request scheduled at scheduledMs (warm-up: only counted).
func (r *Results) decided(scheduledMs float64, decision *pb.Decision) {
	now := r.clock.nowMs()
	r.mu.Lock()
	defer r.mu.Unlock()
	if scheduledMs < r.measureFromMs {
		r.Unmeasured++
		return
	}
	r.ClientMs = append(r.ClientMs, now-scheduledMs)
	r.ServerMs = append(r.ServerMs, decision.GetServerLatencyMs())
	r.Actions[decision.GetAction().String()]++
}

// failed counts a failed request by its status code's name (see codeName).
func (r *Results) failed(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Errors[name]++
}

// startMeasuring sets the moment before which a scheduled request is warm-up.
func (r *Results) startMeasuring(fromMs float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.measureFromMs = fromMs
}

// Command loadgen is the Go twin of clients/node/loadgen.js, the open-loop load generator of
// `fraudgraph bench serve`: it reads the same plan (the JSON of LoadPlan) on stdin, sends the
// same requests on the same schedule, and writes the same JSON result on stdout, at a fraction
// of grpc-js's CPU cost per call.
//
// Request n is due at start + n / rate whatever the server's speed; at most `concurrency` are
// in flight, and a request that finds them all busy waits its turn. Client latency runs from
// the request's SCHEDULED send time (no coordinated omission). The first warmup_s * rate
// requests go out on the same connections but are not measured (their errors still count).
// Result: {sent, elapsed_s, unmeasured, client_ms, server_ms, errors: {CODE: n},
// actions: {ACTION: n}} (sent and elapsed_s: the measured part).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	pb "fraudgraph/clients/go/gen/fraudgraph/v1"
)

// readyTimeout is how long the connections may take to come up.
const readyTimeout = 10 * time.Second

// windowSize is each stream's and connection's flow-control window (bytes).
const windowSize = 1 << 20

type output struct {
	Sent       int            `json:"sent"`
	ElapsedS   float64        `json:"elapsed_s"`
	Unmeasured int            `json:"unmeasured"`
	ClientMs   []float64      `json:"client_ms"`
	ServerMs   []float64      `json:"server_ms"`
	Errors     map[string]int `json:"errors"`
	Actions    map[string]int `json:"actions"`
}

func main() {
	if os.Getenv("GOMAXPROCS") == "" {
		// One thread runs the Go code, as one runs loadgen.js's: the client mostly waits on
		// its sockets, and with more, goroutine hand-offs wake idle threads (about 15% more
		// CPU per request, measured).
		runtime.GOMAXPROCS(1)
	}
	plan, err := readPlan(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	conns, err := connect(plan)
	if err != nil {
		fmt.Fprintf(os.Stderr, "server not ready: %v\n", err)
		os.Exit(2)
	}
	out := run(plan, conns)
	for _, c := range conns {
		_ = c.Close()
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// connect opens one connection (a TCP connection of its own) per stream, or plan.connections
// for unary calls, round-robin over plan.targets, and waits until all are up.
func connect(plan *Plan) ([]*grpc.ClientConn, error) {
	count := plan.Streams
	if count <= 0 {
		count = max(1, plan.Connections)
	}
	conns := make([]*grpc.ClientConn, 0, count)
	for i := 0; i < count; i++ {
		conn, err := grpc.NewClient(
			plan.connectionTarget(i),
			grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithUserAgent(fmt.Sprintf("fraudgraph-loadgen/%d", i)),
			// Fixed flow-control windows turn off grpc-go's BDP estimation, whose pings
			// (grpc-js sends none) cost a write and a read now and then on every connection.
			grpc.WithInitialWindowSize(windowSize),
			grpc.WithInitialConnWindowSize(windowSize),
		)
		if err != nil {
			return nil, err
		}
		conns = append(conns, conn)
	}
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	for _, conn := range conns {
		conn.Connect()
	}
	for _, conn := range conns {
		if err := waitReady(ctx, conn); err != nil {
			return nil, err
		}
	}
	return conns, nil
}

func waitReady(ctx context.Context, conn *grpc.ClientConn) error {
	for {
		state := conn.GetState()
		switch state {
		case connectivity.Ready:
			return nil
		case connectivity.Shutdown:
			return errors.New("the channel has been closed")
		case connectivity.Idle:
			conn.Connect()
		}
		if !conn.WaitForStateChange(ctx, state) {
			return errors.New("failed to connect before the deadline")
		}
	}
}

// run sends the plan's requests on schedule and waits for every answer.
func run(plan *Plan, conns []*grpc.ClientConn) output {
	clk := clock{origin: time.Now()}
	results := newResults(clk)
	warm := int(math.Floor(plan.Rate * plan.WarmupS))
	total := warm + int(math.Floor(plan.Rate*plan.DurationS))
	intervalMs := 1000 / plan.Rate
	slots := make(chan struct{}, max(1, plan.Concurrency))
	var pending sync.WaitGroup
	done := func() {
		<-slots
		pending.Done()
	}
	ctx := metadata.AppendToOutgoingContext(
		context.Background(), "authorization", "Bearer "+plan.Token,
	)
	clients := make([]pb.ScoringServiceClient, len(conns))
	for i, conn := range conns {
		clients[i] = pb.NewScoringServiceClient(conn)
	}
	var send sender
	if plan.Streams > 0 {
		life := time.Duration((plan.WarmupS + plan.DurationS + 60) * float64(time.Second))
		streamCtx, cancel := context.WithTimeout(ctx, life)
		defer cancel()
		send = newStreamSender(streamCtx, clients, plan.Streams, results, done)
	} else {
		deadline := time.Duration(plan.DeadlineS * float64(time.Second))
		send = &unarySender{clients: clients, ctx: ctx, deadline: deadline, results: results, done: done}
	}
	startMs := clk.nowMs()
	measureFromMs := startMs
	if warm > 0 {
		measureFromMs += float64(warm) * intervalMs
	}
	results.startMeasuring(measureFromMs)
	maker := newRequestMaker(plan)
	for n := 0; n < total; n++ {
		scheduledMs := startMs + float64(n)*intervalMs
		if wait := scheduledMs - clk.nowMs(); wait > 0 {
			time.Sleep(time.Duration(wait * float64(time.Millisecond)))
		}
		slots <- struct{}{}
		pending.Add(1)
		send.send(maker.make(n), scheduledMs)
	}
	pending.Wait()
	elapsedS := (clk.nowMs() - measureFromMs) / 1000
	send.close()
	results.mu.Lock()
	defer results.mu.Unlock()
	return output{
		Sent: total - warm, ElapsedS: elapsedS, Unmeasured: results.Unmeasured,
		ClientMs: results.ClientMs, ServerMs: results.ServerMs,
		Errors: results.Errors, Actions: results.Actions,
	}
}

package main

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "fraudgraph/clients/go/gen/fraudgraph/v1"
)

// sender sends one request scheduled at scheduledMs; done is called once it is answered or
// has failed. send is only ever called from one goroutine.
type sender interface {
	send(request *pb.ScoreTransactionRequest, scheduledMs float64)
	close()
}

// unarySender makes ScoreTransaction calls round-robin over the connections, each with the
// plan's deadline.
type unarySender struct {
	clients  []pb.ScoringServiceClient
	next     int
	ctx      context.Context
	deadline time.Duration
	results  *Results
	done     func()
}

func (s *unarySender) send(request *pb.ScoreTransactionRequest, scheduledMs float64) {
	client := s.clients[s.next]
	s.next = (s.next + 1) % len(s.clients)
	ctx, cancel := context.WithTimeout(s.ctx, s.deadline)
	go func() {
		defer cancel()
		response, err := client.ScoreTransaction(ctx, request)
		if err != nil {
			s.results.failed(codeName(status.Code(err)))
		} else {
			s.results.decided(scheduledMs, response.GetDecision())
		}
		s.done()
	}()
}

func (s *unarySender) close() {}

// stream is one ScoreStream call; its answers come in order, so the scheduled times of the
// requests waiting for one are a queue.
type stream struct {
	call    grpc.BidiStreamingClient[pb.ScoreStreamRequest, pb.ScoreStreamResponse]
	mu      sync.Mutex
	waiting []float64
	failed  string // the status name the stream ended with, "" while it lives
	ended   chan struct{}
}

// streamSender spreads the requests round-robin over the plan's streams, stream i on
// connection i.
type streamSender struct {
	streams []*stream
	next    int
	results *Results
	done    func()
}

func newStreamSender(
	ctx context.Context, clients []pb.ScoringServiceClient, count int, results *Results,
	done func(),
) *streamSender {
	s := &streamSender{results: results, done: done}
	for i := 0; i < count; i++ {
		st := &stream{ended: make(chan struct{})}
		call, err := clients[i].ScoreStream(ctx)
		if err != nil {
			st.failed = codeName(status.Code(err))
			close(st.ended)
		} else {
			st.call = call
			go s.receive(st)
		}
		s.streams = append(s.streams, st)
	}
	return s
}

// receive reads a stream's answers until it ends; when it ends with an error, every request
// still waiting on it fails with that status.
func (s *streamSender) receive(st *stream) {
	defer close(st.ended)
	for {
		response, err := st.call.Recv()
		if err != nil {
			// A stream that ends with OK while requests wait (loadgen.js would wait forever
			// for them) counts them as UNKNOWN.
			name := "UNKNOWN"
			if !errors.Is(err, io.EOF) {
				name = codeName(status.Code(err))
			}
			s.fail(st, name)
			return
		}
		st.mu.Lock()
		if len(st.waiting) == 0 { // an answer to no request: nothing to time or count
			st.mu.Unlock()
			continue
		}
		scheduledMs := st.waiting[0]
		st.waiting = st.waiting[1:]
		st.mu.Unlock()
		if e := response.GetError(); e != nil {
			s.results.failed(codeName(codes.Code(uint32(e.GetCode()))))
		} else {
			s.results.decided(scheduledMs, response.GetDecision())
		}
		s.done()
	}
}

func (s *streamSender) fail(st *stream, name string) {
	st.mu.Lock()
	st.failed = name
	waiting := len(st.waiting)
	st.waiting = nil
	st.mu.Unlock()
	for i := 0; i < waiting; i++ {
		s.results.failed(name)
		s.done()
	}
}

func (s *streamSender) send(request *pb.ScoreTransactionRequest, scheduledMs float64) {
	st := s.streams[s.next]
	s.next = (s.next + 1) % len(s.streams)
	st.mu.Lock()
	if failed := st.failed; failed != "" { // the stream is gone: the request fails with it
		st.mu.Unlock()
		s.results.failed(failed)
		s.done()
		return
	}
	st.waiting = append(st.waiting, scheduledMs)
	st.mu.Unlock()
	// An error here means the stream has ended; receive reports it with the stream's status.
	_ = st.call.Send(&pb.ScoreStreamRequest{
		Request: &pb.ScoreStreamRequest_Transaction{Transaction: request},
	})
}

// close half-closes every stream and lets the server end them (waiting up to a second).
func (s *streamSender) close() {
	for _, st := range s.streams {
		if st.call != nil {
			_ = st.call.CloseSend()
		}
	}
	timeout := time.After(time.Second)
	for _, st := range s.streams {
		select {
		case <-st.ended:
		case <-timeout:
			return
		}
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "fraudgraph/clients/go/gen/fraudgraph/v1"
)

// Plan is the JSON of fraudgraph.service.load_generator.LoadPlan.
type Plan struct {
	Target      string   `json:"target"`
	Targets     []string `json:"targets"`
	Token       string   `json:"token"`
	Rate        float64  `json:"rate"`
	DurationS   float64  `json:"duration_s"`
	WarmupS     float64  `json:"warmup_s"`
	Concurrency int      `json:"concurrency"`
	Accounts    float64  `json:"accounts"`
	Devices     float64  `json:"devices"`
	Seed        float64  `json:"seed"`
	DeadlineS   float64  `json:"deadline_s"`
	IDPrefix    string   `json:"id_prefix"`
	Streams     int      `json:"streams"`
	Connections int      `json:"connections"`
	AccountPool []string `json:"account_pool"`
	DevicePool  []string `json:"device_pool"`
}

// readPlan decodes a plan, with loadgen.js's defaults for the fields it leaves out.
func readPlan(r io.Reader) (*Plan, error) {
	plan := &Plan{DeadlineS: 1.0, Connections: 1}
	if err := json.NewDecoder(r).Decode(plan); err != nil {
		return nil, fmt.Errorf("bad plan: %w", err)
	}
	return plan, nil
}

// connectionTarget is the address connection i goes to: round-robin over Targets, else Target.
func (p *Plan) connectionTarget(i int) string {
	if len(p.Targets) > 0 {
		return p.Targets[i%len(p.Targets)]
	}
	return p.Target
}

// mulberry32 is loadgen.js's seeded PRNG, bit for bit: the same plan sends the same accounts,
// devices and amounts as the Node client.
type mulberry32 struct{ a uint32 }

func newMulberry32(seed float64) *mulberry32 {
	// JavaScript's `seed >>> 0`: the integer part modulo 2^32.
	return &mulberry32{a: uint32(int64(math.Trunc(seed)))}
}

func (m *mulberry32) next() float64 {
	m.a += 0x6d2b79f5
	t := m.a
	t = (t ^ (t >> 15)) * (t | 1)
	t ^= t + (t^(t>>7))*(t|61)
	return float64(t^(t>>14)) / 4294967296
}

// intBelow is loadgen.js's int(n): Math.floor(rnd() * n).
func (m *mulberry32) intBelow(n float64) int64 {
	return int64(math.Floor(m.next() * n))
}

func (m *mulberry32) pick(pool []string) string {
	return pool[m.intBelow(float64(len(pool)))]
}

// jsRound is JavaScript's Math.round: the nearest integer, halves towards +infinity.
func jsRound(x float64) float64 {
	r := math.Floor(x)
	if x-r >= 0.5 {
		r++
	}
	return r
}

// requestMaker builds the n-th request as loadgen.js does (one in three uses the graph's keys,
// one in three carries a phone number in its memo); it must be called for n = 0, 1, 2, ...
type requestMaker struct {
	plan *Plan
	rnd  *mulberry32
}

func newRequestMaker(plan *Plan) *requestMaker {
	return &requestMaker{plan: plan, rnd: newMulberry32(plan.Seed)}
}

func (m *requestMaker) make(n int) *pb.ScoreTransactionRequest {
	p, rnd := m.plan, m.rnd
	fromGraph := n%3 == 1
	var payer, device string
	if fromGraph && len(p.AccountPool) > 0 {
		payer = rnd.pick(p.AccountPool)
	} else {
		payer = fmt.Sprintf("AC%07d", rnd.intBelow(p.Accounts))
	}
	if fromGraph && len(p.DevicePool) > 0 {
		device = rnd.pick(p.DevicePool)
	} else {
		device = fmt.Sprintf("dev-%06d", rnd.intBelow(p.Devices))
	}
	nowMs := time.Now().UnixMilli()
	payee := fmt.Sprintf("AC%07d", rnd.intBelow(p.Accounts))
	amount := jsRound((1+rnd.next()*49999)*100) / 100
	ip := fmt.Sprintf("10.%d.%d.%d", rnd.intBelow(256), rnd.intBelow(256), 1+rnd.intBelow(254))
	memo := "货款"
	if n%3 == 0 {
		memo = fmt.Sprintf("转账 还款 139%08d", rnd.intBelow(1e8))
	}
	return &pb.ScoreTransactionRequest{
		RequestId: fmt.Sprintf("%s-%d", p.IDPrefix, n),
		Transaction: &pb.Transaction{
			TransactionId: fmt.Sprintf("%s-t%d", p.IDPrefix, n),
			PayerAccount:  payer,
			PayeeAccount:  payee,
			Amount:        amount,
			Currency:      "CNY",
			Timestamp:     &timestamppb.Timestamp{Seconds: nowMs / 1000, Nanos: int32(nowMs%1000) * 1e6},
			DeviceId:      device,
			Ip:            ip,
			Memo:          memo,
		},
	}
}

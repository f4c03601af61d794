package mongostore

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tenantgate/tenantgate/ratelimit"
)

// BenchmarkTakePipeline measures the client-side cost of one rate-limit
// decision's command document (built on every request) and its BSON
// encoding.
func BenchmarkTakePipeline(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p := takePipeline(int64(i), int64(time.Minute), 100)
		if _, err := bson.Marshal(bson.D{{Key: "u", Value: p}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRateState decodes the State of a full 100-hit log (an
// attacker-sized key at its limit).
func BenchmarkRateState(b *testing.B) {
	hits := make([]int64, 100)
	for i := range hits {
		hits[i] = int64(1_000+i) * int64(time.Millisecond)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = state(hits, int64(1_100*time.Millisecond), int64(time.Minute), 100, false)
	}
}

// BenchmarkMapErr is the cost of mapping a driver failure (the path every
// request takes while the server is down).
func BenchmarkMapErr(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = mapErr("membership", errNetwork, nil, nil)
	}
}

// BenchmarkTakeThroughSeam is one decision end to end minus the network:
// pipeline, seam call and decoding of the returned document.
func BenchmarkTakeThroughSeam(b *testing.B) {
	doc := bson.D{{Key: "_id", Value: "k"}, {Key: "hitsNs", Value: bson.A{int64(1_000_000), int64(2_000_000)}}, {Key: "admitted", Value: true}}
	s := newRateLimits(testBase, &fakeColl{reply: func(call, int) (any, updateResult, error) { return doc, updateResult{}, nil }})
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	now := time.UnixMilli(3)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Take(ctx, "k", now, ratelimit.PerMinute(100)); err != nil {
			b.Fatal(err)
		}
	}
}

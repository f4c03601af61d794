package memstore_test

import (
	"context"
	"fmt"
	"time"

	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/ratelimit"
)

func ExampleRateLimits() {
	s, err := memstore.NewRateLimits(memstore.RateLimitOptions{})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	l := ratelimit.Limit{N: 2, Window: time.Minute}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, at := range []time.Duration{0, 10 * time.Second, 59 * time.Second, 60 * time.Second} {
		st, _ := s.Take(ctx, "login\x00alice@example.com", t0.Add(at), l)
		d := l.Decide(t0.Add(at), st)
		fmt.Println(at, d.Allowed, d.Remaining, d.RetryAfter)
	}
	// Output:
	// 0s true 1 0s
	// 10s true 0 0s
	// 59s false 0 1s
	// 1m0s true 0 0s
}

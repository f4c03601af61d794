package verify_test

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/ratelimit"
	"github.com/tenantgate/tenantgate/verify"
)

// ExampleAllowFunc wires the ratelimit package into the resend hook: three
// reset requests per address and hour, then 429 rate_limited with
// Retry-After, the same for registered and unknown addresses.
func ExampleAllowFunc() {
	clock := verify.ClockFunc(func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) })
	limits, _ := memstore.NewRateLimits(memstore.RateLimitOptions{})
	counter, _ := ratelimit.NewCounter(limits, "verify-mail", ratelimit.PerHour(3))
	allow := func(ctx context.Context, key string) error {
		d, err := counter.Hit(ctx, key, clock.Now())
		if err != nil {
			return problem.Wrap(problem.CodeUnavailable, err) // fail closed
		}
		if !d.Allowed {
			return &problem.Error{Code: problem.CodeRateLimited, RetryAfterSeconds: int64(math.Ceil(d.RetryAfter.Seconds()))}
		}
		return nil
	}
	outbox, _ := verify.NewOutbox(10)
	svc, _ := verify.New(verify.Config{
		Store: memstore.NewTokens(), Mailer: outbox, Clock: clock, Allow: allow,
		Users:  verify.UserFinderFunc(func(context.Context, string) (verify.User, bool, error) { return verify.User{}, false, nil }),
		Logger: slog.New(slog.DiscardHandler),
	})
	for range 4 {
		err := svc.RequestPasswordReset(context.Background(), "nobody@example.com")
		b := problem.BodyOf(err)
		if err == nil {
			fmt.Println("202")
			continue
		}
		fmt.Println(b.Status, b.Code)
	}
	// Output:
	// 202
	// 202
	// 202
	// 429 rate_limited
}

package verify_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/verify"
)

func Example() {
	ctx := context.Background()
	outbox, _ := verify.NewOutbox(100) // development mailer; use verify/resend in production
	users := verify.UserFinderFunc(func(_ context.Context, email string) (verify.User, bool, error) {
		if email == "ann@example.com" {
			return verify.User{ID: "u-ann"}, true, nil
		}
		return verify.User{}, false, nil
	})
	clock := verify.ClockFunc(func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) })
	svc, err := verify.New(verify.Config{
		Store:  memstore.NewTokens(),
		Mailer: outbox,
		Users:  users,
		Clock:  clock,
		Allow:  verify.NoLimit, // wire the ratelimit package here
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		panic(err)
	}

	// Forgot-password answers the same for known and unknown addresses.
	fmt.Println(svc.RequestPasswordReset(ctx, "Ann@Example.com"))
	fmt.Println(svc.RequestPasswordReset(ctx, "nobody@example.com"))
	fmt.Println(len(outbox.To("ann@example.com")), len(outbox.To("nobody@example.com")))

	mail, _ := outbox.Last("ann@example.com", verify.KindResetPassword)
	rec, err := svc.Redeem(ctx, verify.PurposeResetPassword, mail.Token)
	fmt.Println(rec.User, err)
	_, err = svc.Redeem(ctx, verify.PurposeResetPassword, mail.Token)
	fmt.Println(errors.Is(err, problem.ErrInvalidToken), problem.BodyOf(err).Status)
	// Output:
	// <nil>
	// <nil>
	// 1 0
	// u-ann <nil>
	// true 400
}

package verify_test

import (
	"context"
	"crypto/rand"
	"log/slog"
	"testing"
	"time"

	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/verify"
)

// BenchmarkRedeem measures a redemption attempt against a store of 100 000
// live tokens: an unknown token (the attacker's case) and a fresh one.
func BenchmarkRedeem(b *testing.B) {
	ctx := context.Background()
	store := memstore.NewTokens()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 100_000 {
		_, h, _ := verify.NewToken(rand.Reader)
		_ = store.Insert(ctx, verify.Record{Hash: h, Purpose: verify.PurposeResetPassword, User: "u", ExpiresAt: t0.Add(time.Hour + time.Duration(i))})
	}
	o, _ := verify.NewOutbox(1)
	svc, err := verify.New(verify.Config{
		Store: store, Mailer: o, Clock: verify.ClockFunc(func() time.Time { return t0 }), Allow: verify.NoLimit,
		Users:  verify.UserFinderFunc(func(context.Context, string) (verify.User, bool, error) { return verify.User{}, false, nil }),
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	unknown, _, _ := verify.NewToken(rand.Reader)
	b.Run("unknown", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = svc.Redeem(ctx, verify.PurposeResetPassword, unknown)
		}
	})
	b.Run("valid", func(b *testing.B) {
		toks := make([]string, b.N)
		for i := range toks {
			tok, h, _ := verify.NewToken(rand.Reader)
			_ = store.Insert(ctx, verify.Record{Hash: h, Purpose: verify.PurposeResetPassword, User: "u", ExpiresAt: t0.Add(time.Hour)})
			toks[i] = tok
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := svc.Redeem(ctx, verify.PurposeResetPassword, toks[i]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

package mfa_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/tenantgate/tenantgate/mfa"
)

// benchVerify measures Service.Verify on memstore, replay check included:
// every iteration submits the code of a new step (precomputed outside the
// timer), so every iteration is a real acceptance (BeginAttempt, seed,
// HMAC, AcceptStep).
func benchVerify(b *testing.B, cacheSize int) {
	var unix atomic.Int64
	unix.Store(t0.Unix())
	e := newEnv(b, func(c *mfa.Config) {
		c.SeedCacheSize = cacheSize
		c.Clock = mfa.ClockFunc(func() time.Time { return time.Unix(unix.Load(), 0) })
	})
	seed, _ := e.enable(b, "alice")
	start := t0.Add(30 * time.Second)
	codes := make([]string, b.N)
	for i := range codes {
		codes[i] = e.code(b, seed, start.Add(time.Duration(i)*30*time.Second))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		unix.Store(start.Unix() + int64(i)*30)
		if _, err := e.svc.Verify(ctx, alice, codes[i]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B)            { benchVerify(b, 0) }
func BenchmarkVerifyNoSeedCache(b *testing.B) { benchVerify(b, -1) }

// BenchmarkTOTPValidate is pquerna/otp's bare totp.Validate (no replay
// check, no store, no sealed seed), the baseline for BenchmarkVerify.
func BenchmarkTOTPValidate(b *testing.B) {
	const seed = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	code, err := totp.GenerateCode(seed, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !totp.Validate(code, seed) {
			code, _ = totp.GenerateCode(seed, time.Now()) // crossed a step boundary
		}
	}
}

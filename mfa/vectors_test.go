package mfa_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/mfa"
	"github.com/tenantgate/tenantgate/problem"
)

// TestRFC6238Vectors runs the RFC 6238 Appendix B table (8 digits, 30 s,
// T0 = 0) through Enroll (seed from Config.Rand), Confirm and Verify.
func TestRFC6238Vectors(t *testing.T) {
	seeds := map[otp.Algorithm]string{
		otp.AlgorithmSHA1:   "12345678901234567890",
		otp.AlgorithmSHA256: "12345678901234567890123456789012",
		otp.AlgorithmSHA512: strings.Repeat("1234567890", 6) + "1234",
	}
	rows := []struct {
		unix                 int64
		sha1, sha256, sha512 string
	}{
		{59, "94287082", "46119246", "90693936"},
		{1111111109, "07081804", "68084774", "25091201"},
		{1111111111, "14050471", "67062674", "99943326"},
		{1234567890, "89005924", "91819424", "93441116"},
		{2000000000, "69279037", "90698825", "38618901"},
		{20000000000, "65353130", "77737706", "47863826"},
	}
	for alg, seed := range seeds {
		t.Run(alg.String(), func(t *testing.T) {
			e := newEnv(t, func(c *mfa.Config) {
				c.Algorithm = alg
				c.Digits = 8
				c.SecretSize = len(seed)
				c.Rand = bytes.NewReader([]byte(seed))
			})
			e.clock.Set(time.Unix(0, 0))
			e.enable(t, "rfc")
			for _, r := range rows {
				want := map[otp.Algorithm]string{otp.AlgorithmSHA1: r.sha1, otp.AlgorithmSHA256: r.sha256, otp.AlgorithmSHA512: r.sha512}[alg]
				e.clock.Set(time.Unix(r.unix, 0))
				res, err := e.svc.Verify(ctx, mfa.Subject{UserID: "rfc"}, want)
				require.NoError(t, err, "t=%d", r.unix)
				assert.Equal(t, mfa.FactorTOTP, res.Factor)
				assert.Equal(t, r.unix/30, e.state(t, "rfc").LastStep)
			}
		})
	}
}

// TestRFC4226Vectors runs the RFC 4226 Appendix D HOTP values: with a 30 s
// period, time c×30 is HOTP counter c.
func TestRFC4226Vectors(t *testing.T) {
	vectors := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	e := newEnv(t, func(c *mfa.Config) { c.Rand = bytes.NewReader([]byte("12345678901234567890")) })
	e.enroll(t, "hotp")
	e.clock.Set(time.Unix(0, 0))
	_, err := e.svc.Confirm(ctx, mfa.Subject{UserID: "hotp"}, vectors[0])
	require.NoError(t, err, "counter 0")
	for c := 1; c < len(vectors); c++ {
		e.clock.Set(time.Unix(int64(c)*30, 0))
		_, err := e.svc.Verify(ctx, mfa.Subject{UserID: "hotp"}, vectors[c])
		require.NoError(t, err, "counter %d", c)
	}
	// Counter 9 is used; its neighbour's code fails.
	_, err = e.svc.Verify(ctx, mfa.Subject{UserID: "hotp"}, vectors[8])
	require.ErrorIs(t, err, problem.ErrInvalidOTP)
}

package verify_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/verify"
)

// flipCase flips the case of the first ASCII letter of s.
func flipCase(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z':
			return s[:i] + string(c-'a'+'A') + s[i+1:]
		case 'A' <= c && c <= 'Z':
			return s[:i] + string(c-'A'+'a') + s[i+1:]
		}
	}
	return s
}

// Attack: redeem a token in another spelling (case, padding, standard
// alphabet, surrounding space, percent-encoding) or for the other purpose.
// Each is invalid_token and none burns the real token, which then works
// once.
func TestAttack_TokenSpellingsAndPurposes(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	require.NoError(t, e.svc.RequestPasswordReset(ctx, "ann@example.com"))
	tok := e.lastToken(t, "ann@example.com", verify.KindResetPassword)
	std := strings.NewReplacer("-", "+", "_", "/").Replace(tok)
	variants := map[string]string{
		"case flipped":               flipCase(tok),
		"padded":                     tok + "=",
		"trailing space":             tok + " ",
		"leading space":              " " + tok,
		"newline":                    tok + "\n",
		"percent-encoded first char": fmt.Sprintf("%%%02X", tok[0]) + tok[1:],
		"url prefix":                 "https://app.example/reset?token=" + tok,
	}
	if std != tok {
		variants["standard alphabet"] = std
	}
	for name, v := range variants {
		t.Run(name, func(t *testing.T) {
			_, err := e.svc.Redeem(ctx, verify.PurposeResetPassword, v)
			require.ErrorIs(t, err, problem.ErrInvalidToken)
		})
	}
	_, err := e.svc.Redeem(ctx, verify.PurposeVerifyEmail, tok)
	require.ErrorIs(t, err, problem.ErrInvalidToken, "a reset token never verifies an address")
	_, err = e.svc.Redeem(ctx, verify.Purpose("reset_password "), tok)
	require.Error(t, err, "an unknown purpose redeems nothing")

	rec, err := e.svc.Redeem(ctx, verify.PurposeResetPassword, tok)
	require.NoError(t, err, "no refused spelling burned the token")
	assert.Equal(t, verify.PurposeResetPassword, rec.Purpose)
	_, err = e.svc.Redeem(ctx, verify.PurposeResetPassword, tok)
	require.ErrorIs(t, err, problem.ErrInvalidToken, "single use")
}

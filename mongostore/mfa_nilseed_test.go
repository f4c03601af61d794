package mongostore

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/mfa"
)

// A nil []byte encodes as BSON null, and the query {seed: null} matches a
// document whose seed is null or absent. So a conditional MFA write given
// an empty seed, pending seed or recovery hash would match a record that
// has none (a pending-only enrolment, a record created with a null
// pendingSeed) instead of matching nothing, as memstore's byte comparison
// does. The encoding is pinned here; the store refuses before sending.
func TestNilBytesEncodeAsNullInFilters(t *testing.T) {
	assert.JSONEq(t, `{"v":null}`, canon(t, []byte(nil)))
}

// TestAdvisory_MFAEmptySecretMatchesNothing: every MFA write conditional
// on a secret (seed, pending seed, recovery hash) refuses an empty one
// without sending the write, whatever the stored record holds.
func TestAdvisory_MFAEmptySecretMatchesNothing(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		call func(s *MFA) error
	}{
		{"EnableNilPending", func(s *MFA) error { return s.Enable(ctx, "u-a", nil, 7, nil) }},
		{"EnableEmptyPending", func(s *MFA) error { return s.Enable(ctx, "u-a", []byte{}, 7, nil) }},
		{"AcceptStepNilSeed", func(s *MFA) error { return s.AcceptStep(ctx, "u-a", nil, 7) }},
		{"ReplaceRecoveryCodesNilSeed", func(s *MFA) error { return s.ReplaceRecoveryCodes(ctx, "u-a", nil, nil) }},
		{"DeleteNilSeed", func(s *MFA) error { return s.Delete(ctx, "u-a", nil) }},
		{"UseRecoveryCodeNilHash", func(s *MFA) error { return s.UseRecoveryCode(ctx, "u-a", "abcd", nil) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &fakeColl{} // every write would "match"; every read finds a record
			err := tc.call(newMFA(testBase, c))
			require.Error(t, err)
			assert.ErrorIs(t, err, mfa.ErrConflict)
			for _, op := range c.ops() {
				assert.Equal(t, "FindOne", op, "no write is sent")
			}
		})
	}
}

package tenancy_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/tenancy"
)

func TestNewInviteCodeValidates(t *testing.T) {
	cases := []struct {
		name    string
		code    string
		maxUses int
		expires time.Time
	}{
		{"too short", "short", 1, time.Time{}},
		{"too long", strings.Repeat("c", tenancy.MaxInviteCodeLen+1), 1, time.Time{}},
		{"invalid UTF-8", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8", 1, time.Time{}},
		{"zero uses is not unlimited", "long-enough", 0, time.Time{}},
		{"negative uses", "long-enough", -2, time.Time{}},
		{"expired already", "long-enough", 1, t0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tenancy.NewInviteCode(tc.code, "l", tc.maxUses, tc.expires, t0)
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), "tenancy: "))
		})
	}
	c, err := tenancy.NewInviteCode("long-enough", "l", tenancy.UnlimitedUses, t0.Add(time.Hour), t0)
	require.NoError(t, err)
	assert.Equal(t, tenancy.HashInviteCode("long-enough"), c.Hash)
	assert.NotContains(t, string(c.Hash[:]), "long-enough", "only the hash is kept")
}

func TestInviteCodeUsable(t *testing.T) {
	exp := t0.Add(time.Hour)
	cases := []struct {
		name string
		c    tenancy.InviteCode
		now  time.Time
		want bool
	}{
		{"fresh", tenancy.InviteCode{MaxUses: 1}, t0, true},
		{"used up", tenancy.InviteCode{MaxUses: 1, Uses: 1}, t0, false},
		{"zero limit", tenancy.InviteCode{MaxUses: 0}, t0, false},
		{"unlimited", tenancy.InviteCode{MaxUses: tenancy.UnlimitedUses, Uses: 1 << 30}, t0, true},
		{"before expiry", tenancy.InviteCode{MaxUses: 1, ExpiresAt: exp}, exp.Add(-1), true},
		{"at expiry", tenancy.InviteCode{MaxUses: 1, ExpiresAt: exp}, exp, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, tc.c.Usable(tc.now)) })
	}
}

// BenchmarkRedeemInviteCode measures a redemption against 100 stored codes
// (each compared in constant time).
func BenchmarkRedeemInviteCode(b *testing.B) {
	s := memstore.NewInviteCodes()
	for i := range 100 {
		c, err := tenancy.NewInviteCode(strings.Repeat("x", 8)+string(rune('a'+i%26))+strings.Repeat("y", i), "l", tenancy.UnlimitedUses, time.Time{}, t0)
		require.NoError(b, err)
		require.NoError(b, s.AddInviteCode(ctx, c))
	}
	h := tenancy.HashInviteCode("xxxxxxxxa")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.RedeemInviteCode(ctx, h, t0); err != nil {
			b.Fatal(err)
		}
	}
}

package mfa

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// FuzzParseOTP: the OTP parser accepts exactly `digits` ASCII digits.
func FuzzParseOTP(f *testing.F) {
	for _, s := range []string{"123456", " 123456", "１２３４５６", "12345", "1234567", "12345678", "", "\x00\x00\x00\x00\x00\x00"} {
		f.Add(s, 6)
	}
	f.Fuzz(func(t *testing.T, s string, digits int) {
		ok := parseOTP(s, digits)
		if !ok {
			return
		}
		require.Equal(t, digits, len(s))
		for i := 0; i < len(s); i++ {
			require.True(t, s[i] >= '0' && s[i] <= '9')
		}
	})
}

// FuzzParseRecovery: accepted input canonicalizes to 16 base32 characters,
// and canonicalizing the canonical form is the identity.
func FuzzParseRecovery(f *testing.F) {
	for _, s := range []string{"ABCD-EFGH-IJKL-MNOP", "abcdefghijklmnop", "ABCD EFGH IJKL MNOP", "ABCD-EFGH-IJKL-MNO", "ÄBCD-EFGH-IJKL-MNOP", "ABCD--FGH-IJKL-MNOP"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := parseRecovery(s)
		if !ok {
			return
		}
		require.Len(t, c, 16)
		require.True(t, utf8.ValidString(c))
		for i := 0; i < len(c); i++ {
			require.True(t, (c[i] >= 'A' && c[i] <= 'Z') || (c[i] >= '2' && c[i] <= '7'), "%q", c)
		}
		again, ok := parseRecovery(c)
		require.True(t, ok)
		require.Equal(t, c, again)
		require.True(t, isRecoveryShape(s))
	})
}

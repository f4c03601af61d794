package token

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEncodeParseRoundTrip(t *testing.T) {
	var raw [Size]byte
	for i := range raw {
		raw[i] = byte(i * 7)
	}
	s, h := Encode(&raw)
	assert.Len(t, s, Len)
	assert.Equal(t, sha256.Sum256(raw[:]), h)
	got, ok := Parse(s)
	require.True(t, ok)
	assert.Equal(t, h, got)
}

func TestParseRefusesEveryOtherSpelling(t *testing.T) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	raw := [Size]byte{0: 0xfb, 1: 0xff, Size - 1: 0xf0} // encodes to "-_…"
	valid, _ := Encode(&raw)
	require.Equal(t, "-_", valid[:2], "test setup")
	// The last character carries 4 data bits and 2 trailing bits that
	// must be zero; setting one decodes to the same 32 bytes.
	tail := alphabet[strings.IndexByte(alphabet, valid[Len-1])|1]
	for name, s := range map[string]string{
		"empty":              "",
		"one short":          valid[:Len-1],
		"one long":           valid + "A",
		"padded":             valid + "=",
		"standard alphabet":  "+/" + valid[2:],
		"leading space":      " " + valid[1:],
		"NUL":                valid[:10] + "\x00" + valid[11:],
		"non-canonical tail": valid[:Len-1] + string(tail),
	} {
		t.Run(name, func(t *testing.T) {
			h, ok := Parse(s)
			assert.False(t, ok)
			assert.Zero(t, h)
		})
	}
}

func FuzzParse(f *testing.F) {
	var raw [Size]byte
	valid, _ := Encode(&raw)
	f.Add(valid)
	f.Add(valid + "=")
	f.Add(strings.Repeat("_", Len))
	f.Fuzz(func(t *testing.T, s string) {
		h, ok := Parse(s)
		if !ok {
			assert.Zero(t, h)
			return
		}
		// Exactly one spelling: a parsed token re-encodes to itself.
		b, err := base64.RawURLEncoding.DecodeString(s)
		require.NoError(t, err)
		require.Len(t, b, Size)
		again, h2 := Encode((*[Size]byte)(b))
		assert.Equal(t, s, again)
		assert.Equal(t, h, h2)
	})
}

func BenchmarkParse(b *testing.B) {
	var raw [Size]byte
	s, _ := Encode(&raw)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := Parse(s); !ok {
			b.Fatal("refused")
		}
	}
}

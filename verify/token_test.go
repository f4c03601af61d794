package verify

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/problem"
)

func TestNewToken_RoundTrip(t *testing.T) {
	tok, h, err := NewToken(rand.Reader)
	require.NoError(t, err)
	got, err := HashToken(tok)
	require.NoError(t, err)
	assert.Equal(t, h, got)
	assert.NotContains(t, h.String(), tok)
	assert.Len(t, h.String(), 16)
}

func TestNewToken_RandomFailure(t *testing.T) {
	_, _, err := NewToken(iotest.ErrReader(errors.New("entropy exhausted")))
	assert.ErrorContains(t, err, "verify: random source")
	_, _, err = NewToken(bytes.NewReader(make([]byte, 31)))
	assert.Error(t, err, "a short read is an error, never a short token")
}

// FuzzHashToken: HashToken never panics, refuses everything but canonical
// 43-character base64url with invalid_token, and what it accepts re-encodes
// to itself.
func FuzzHashToken(f *testing.F) {
	tok, _, _ := NewToken(rand.Reader)
	for _, s := range []string{tok, "", "A", tok + "=", tok[:42] + "B", tok[:42] + "+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := HashToken(s)
		if err != nil {
			if !errors.Is(err, problem.ErrInvalidToken) {
				t.Fatalf("HashToken(%q) = %v", s, err)
			}
			return
		}
		raw, derr := base64.RawURLEncoding.DecodeString(s)
		if derr != nil || len(raw) != 32 || base64.RawURLEncoding.EncodeToString(raw) != s {
			t.Fatalf("HashToken accepted non-canonical %q", s)
		}
		if h == (Hash{}) {
			t.Fatal("zero hash")
		}
	})
}

func BenchmarkNewToken(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = NewToken(rand.Reader)
	}
}

func BenchmarkHashToken(b *testing.B) {
	tok, _, _ := NewToken(rand.Reader)
	b.ReportAllocs()
	for b.Loop() {
		_, _ = HashToken(tok)
	}
}

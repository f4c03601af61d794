package secret_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/secret"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, secret.KeySize) }

func TestNewKeyring_Validation(t *testing.T) {
	cases := []struct {
		name    string
		current string
		keys    map[string][]byte
	}{
		{"no keys", "k1", nil},
		{"current missing", "k2", map[string][]byte{"k1": key(1)}},
		{"short key", "k1", map[string][]byte{"k1": key(1)[:16]}},
		{"long key", "k1", map[string][]byte{"k1": append(key(1), 0)}},
		{"empty id", "", map[string][]byte{"": key(1)}},
		{"id with separator", "a|b", map[string][]byte{"a|b": key(1)}},
		{"id too long", string(bytes.Repeat([]byte("a"), 33)), map[string][]byte{string(bytes.Repeat([]byte("a"), 33)): key(1)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k, err := secret.NewKeyring(tc.current, tc.keys)
			require.Error(t, err)
			assert.Nil(t, k)
			assert.Contains(t, err.Error(), "secret: ")
		})
	}
}

func TestKeyring_SealOpen(t *testing.T) {
	k, err := secret.NewKeyring("2025-01", map[string][]byte{"2025-01": secret.GenerateKey()})
	require.NoError(t, err)
	ad := []byte("user:u1")
	ct := k.Seal([]byte(canary), ad)
	assert.NotContains(t, string(ct), "CANARY")
	pt, err := k.Open(ct, ad)
	require.NoError(t, err)
	assert.Equal(t, canary, string(pt))
	id, err := k.KeyID(ct)
	require.NoError(t, err)
	assert.Equal(t, "2025-01", id)
	assert.NotEqual(t, ct, k.Seal([]byte(canary), ad), "nonces must differ")
}

func TestKeyring_Attacks(t *testing.T) {
	k, err := secret.NewKeyring("k1", map[string][]byte{"k1": key(1), "k2": key(2)})
	require.NoError(t, err)
	ad := []byte("user:alice")
	ct := k.Seal([]byte(canary), ad)

	flip := func(i int) []byte { c := bytes.Clone(ct); c[i] ^= 0x01; return c }
	cases := []struct {
		name string
		ct   []byte
		ad   []byte
	}{
		{"moved to another user", ct, []byte("user:mallory")},
		{"ad dropped", ct, nil},
		{"flipped tag byte", flip(len(ct) - 1), ad},
		{"flipped body byte", flip(len(ct) - 20), ad},
		{"flipped nonce byte", flip(5), ad},
		{"key id swapped to another key", append([]byte{1, 2, 'k', '2'}, ct[4:]...), ad},
		{"unknown key id", append([]byte{1, 2, 'k', '9'}, ct[4:]...), ad},
		{"bad version", append([]byte{9}, ct[1:]...), ad},
		{"truncated", ct[:20], ad},
		{"empty", nil, ad},
		{"zero-length id", append([]byte{1, 0}, ct[4:]...), ad},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pt, err := k.Open(tc.ct, tc.ad)
			require.ErrorIs(t, err, secret.ErrOpen)
			assert.Nil(t, pt)
		})
	}
}

func TestKeyring_Rotation(t *testing.T) {
	old, err := secret.NewKeyring("k1", map[string][]byte{"k1": key(1)})
	require.NoError(t, err)
	ad := []byte("user:u1")
	ctOld := old.Seal([]byte("seed"), ad)

	rotated, err := secret.NewKeyring("k2", map[string][]byte{"k1": key(1), "k2": key(2)})
	require.NoError(t, err)

	pt, err := rotated.Open(ctOld, ad)
	require.NoError(t, err, "old keys still decrypt")
	assert.Equal(t, "seed", string(pt))

	ctNew := rotated.Seal([]byte("seed"), ad)
	id, err := rotated.KeyID(ctNew)
	require.NoError(t, err)
	assert.Equal(t, "k2", id, "new writes use the current key")

	re, changed, err := rotated.Reseal(ctOld, ad)
	require.NoError(t, err)
	assert.True(t, changed)
	id, _ = rotated.KeyID(re)
	assert.Equal(t, "k2", id)
	_, changed, err = rotated.Reseal(re, ad)
	require.NoError(t, err)
	assert.False(t, changed)

	_, err = old.Open(ctNew, ad)
	require.ErrorIs(t, err, secret.ErrOpen, "a ring without k2 cannot open k2 ciphertexts")

	retired, err := secret.NewKeyring("k2", map[string][]byte{"k2": key(2)})
	require.NoError(t, err)
	_, err = retired.Open(ctOld, ad)
	require.ErrorIs(t, err, secret.ErrOpen, "a retired key no longer opens")
	_, _, err = retired.Reseal(ctOld, ad)
	require.ErrorIs(t, err, secret.ErrOpen)
}

func TestKeyring_NeverPrintsKeys(t *testing.T) {
	k, err := secret.NewKeyring("k1", map[string][]byte{"k1": key(0xAB)})
	require.NoError(t, err)
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("ring", "k", k)
	out := fmt.Sprintf("%v %+v %#v %s %x %q", k, k, k, k, k, k) + buf.String()
	assert.NotContains(t, out, "abab")
	assert.NotContains(t, out, "ABAB")
	assert.NotContains(t, out, "171 171")
	assert.Contains(t, out, "current: k1")
}

func TestKeyring_Values(t *testing.T) {
	k, err := secret.NewKeyring("k1", map[string][]byte{"k1": key(1)})
	require.NoError(t, err)
	ct := k.SealValue(secret.New(canary), []byte("ws:1/telegram"))
	v, err := k.OpenValue(ct, []byte("ws:1/telegram"))
	require.NoError(t, err)
	assert.Equal(t, canary, v.Reveal())
	_, err = k.OpenValue(ct, []byte("ws:2/telegram"))
	require.ErrorIs(t, err, secret.ErrOpen)
}

func TestNoStore(t *testing.T) {
	h := secret.NoStore(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"botToken":"********TAIL"}`))
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/settings/channels", nil))
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	assert.Equal(t, "no-cache", rec.Header().Get("Pragma"))
}

func FuzzUpdateUnmarshal(f *testing.F) {
	for _, s := range []string{`"x"`, `null`, `{"clear":true}`, `"********TAIL"`, `{`, `""`, `"\u2022"`} {
		f.Add([]byte(s))
	}
	stored := secret.New(canary)
	f.Fuzz(func(t *testing.T, b []byte) {
		var u secret.Update
		if err := u.UnmarshalJSON(b); err != nil {
			return
		}
		got, err := u.Apply(stored)
		if err != nil {
			require.ErrorIs(t, err, secret.ErrStaleMask)
			require.Equal(t, canary, got.Reveal())
			return
		}
		// A masked text is never stored as a credential.
		require.False(t, secret.IsMasked(got.Reveal()) && got.Reveal() != canary)
	})
}

func BenchmarkKeyringOpen(b *testing.B) {
	k, _ := secret.NewKeyring("k1", map[string][]byte{"k1": key(1)})
	ad := []byte("tenantgate/mfa/seed\x00user-123")
	ct := k.Seal([]byte("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"), ad)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Open(ct, ad); err != nil {
			b.Fatal(err)
		}
	}
}

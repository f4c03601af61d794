package secret_test

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/secret"
)

// Attack: reach the credential through a sink TestValue_CanaryNeverLeaks
// does not list.
func TestAttack_ValueThroughOtherSinks(t *testing.T) {
	v := secret.New(canary)
	type wrapped struct {
		Name  string
		Token secret.Value
		inner secret.Value
	}
	w := wrapped{Name: "telegram", Token: v, inner: v}
	sinks := map[string]func() (string, error){
		"errors.Join": func() (string, error) {
			return errors.Join(fmt.Errorf("a %v", v), fmt.Errorf("b %+v", w)).Error(), nil
		},
		"fmt.Sprint of a slice":                    func() (string, error) { return fmt.Sprint([]secret.Value{v, v}, []*secret.Value{&v}), nil },
		"%#v of a struct with an unexported field": func() (string, error) { return fmt.Sprintf("%#v", w), nil },
		"json map keyed by Value": func() (string, error) {
			b, err := json.Marshal(map[secret.Value]string{v: "x"})
			return string(b), err
		},
		"json map of Values": func() (string, error) {
			b, err := json.Marshal(map[string]any{"t": v, "w": w})
			return string(b), err
		},
		"xml": func() (string, error) {
			b, err := xml.Marshal(w)
			return string(b), err
		},
		"gob": func() (string, error) {
			var buf bytes.Buffer
			err := gob.NewEncoder(&buf).Encode(w)
			return buf.String(), err
		},
		"Update": func() (string, error) {
			u := secret.UpdateTo(canary)
			b, err := json.Marshal(u)
			return fmt.Sprintf("%v %+v %#v %s", u, u, u, b), err
		},
	}
	for name, sink := range sinks {
		t.Run(name, func(t *testing.T) {
			out, _ := sink() // an encoder that refuses the type is safe too
			assertNoLeak(t, out)
		})
	}
}

// Attack: echo the mask of a *different* credential that happens to share
// the stored one's last four characters. The stored credential is kept
// (the echo carries no new credential), never replaced by the mask text.
func TestAttack_MergeWithAnotherSecretsMask(t *testing.T) {
	stored := secret.New(canary)
	other := secret.New("some-other-credential-TAIL")
	require.Equal(t, stored.Masked(), other.Masked(), "same tail, same mask")
	got, err := secret.Merge(stored, other.Masked(), false)
	require.NoError(t, err)
	assert.Equal(t, canary, got.Reveal(), "the stored credential, not the other one nor the mask")

	// A mask with extra text after it is never stored as a credential.
	for _, in := range []string{secret.Mask + "TAILx", secret.Mask + "TAIL ", secret.Mask} {
		got, err := secret.Merge(stored, in, false)
		require.ErrorIs(t, err, secret.ErrStaleMask, in)
		assert.Equal(t, canary, got.Reveal())
	}
	// Nothing stored yet: a mask is refused, never stored.
	got, err = secret.Merge(secret.Value{}, stored.Masked(), false)
	require.ErrorIs(t, err, secret.ErrStaleMask)
	assert.True(t, got.IsZero())
}

// Attack: downgrade a ciphertext to an older key, confuse the key id with
// the associated data, or print a dereferenced Keyring.
func TestAttack_KeyringDowngradeAndConfusion(t *testing.T) {
	k, err := secret.NewKeyring("k2", map[string][]byte{"k1": key(1), "k2": key(2)})
	require.NoError(t, err)
	ad := []byte("user:alice")
	ct := k.Seal([]byte(canary), ad)
	require.Equal(t, []byte{1, 2, 'k', '2'}, ct[:4])

	t.Run("forced old key id", func(t *testing.T) {
		forged := append([]byte{1, 2, 'k', '1'}, ct[4:]...)
		_, err := k.Open(forged, ad)
		require.ErrorIs(t, err, secret.ErrOpen)
		_, _, err = k.Reseal(forged, ad)
		require.ErrorIs(t, err, secret.ErrOpen)
	})
	t.Run("id and ad boundary shifted", func(t *testing.T) {
		// id "k" + ad "2user:alice" spells the same bytes as id "k2" + ad
		// "user:alice" without the length byte; with it they differ.
		forged := append([]byte{1, 1, 'k'}, ct[3:]...)
		_, err := k.Open(forged, append([]byte("2"), ad...))
		require.ErrorIs(t, err, secret.ErrOpen)
	})
	t.Run("every truncation", func(t *testing.T) {
		for n := 0; n < len(ct); n++ {
			pt, err := k.Open(ct[:n], ad)
			require.ErrorIs(t, err, secret.ErrOpen, n)
			require.Nil(t, pt)
		}
	})
	t.Run("dereferenced keyring prints no key", func(t *testing.T) {
		type cfg struct{ Ring secret.Keyring }
		for _, out := range []string{fmt.Sprintf("%v", *k), fmt.Sprintf("%+v", cfg{*k}), fmt.Sprintf("%#v", *k)} {
			assert.NotContains(t, out, fmt.Sprint(key(2)))
			assert.NotContains(t, out, fmt.Sprintf("%x", key(2)))
			assert.NotContains(t, out, fmt.Sprintf("%#v", key(2)))
		}
	})
}

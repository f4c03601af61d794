package secret_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/secret"
)

const canary = "CANARY-sk_live_4f9a8b7c6d5e-TAIL"

// leaks reports whether out contains the canary or any 6-character run of
// it beyond the 4 characters the mask may show.
func assertNoLeak(t *testing.T, out string) {
	t.Helper()
	hidden := canary[:len(canary)-4]
	for i := 0; i+6 <= len(hidden); i++ {
		require.NotContains(t, out, hidden[i:i+6], "rendering leaks part of the credential")
	}
	require.NotContains(t, out, fmt.Sprintf("%x", hidden[:8]), "hex rendering leaks")
}

func TestValue_Masking(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"one char", "x", secret.Mask},
		{"eleven chars fully masked", "abcdefghijk", secret.Mask},
		{"twelve chars show last four", "abcdefghijkl", secret.Mask + "ijkl"},
		{"long", canary, secret.Mask + "TAIL"},
		{"multibyte tail counted in characters", "ééééééééééééwxyé", secret.Mask + "wxyé"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, secret.New(tc.in).Masked())
			assert.Equal(t, tc.in, secret.New(tc.in).Reveal())
		})
	}
}

type channels struct {
	Token secret.Value  `json:"botToken"`
	Ptr   *secret.Value `json:"ptr"`
	inner secret.Value
	List  []secret.Value          `json:"list"`
	Map   map[string]secret.Value `json:"map"`
}

func TestValue_CanaryNeverLeaks(t *testing.T) {
	v := secret.New(canary)
	c := channels{Token: v, Ptr: &v, inner: v, List: []secret.Value{v}, Map: map[string]secret.Value{"k": v}}

	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%T %v", "%10s", "%-30v", "%d", "%t", "%p"}
	for _, verb := range verbs {
		t.Run("fmt "+verb, func(t *testing.T) {
			assertNoLeak(t, fmt.Sprintf(verb, v))
			assertNoLeak(t, fmt.Sprintf(verb, &v))
			assertNoLeak(t, fmt.Sprintf(verb, c))
			assertNoLeak(t, fmt.Sprintf(verb, &c))
		})
	}
	t.Run("Print and Println", func(t *testing.T) {
		assertNoLeak(t, fmt.Sprint(v, c)+fmt.Sprintln(v, c))
	})
	t.Run("json", func(t *testing.T) {
		b, err := json.Marshal(c)
		require.NoError(t, err)
		assertNoLeak(t, string(b))
		assert.Contains(t, string(b), `"botToken":"********TAIL"`)
	})
	t.Run("error text", func(t *testing.T) {
		err := fmt.Errorf("telegram: token %v rejected: %w", v, errors.New("401"))
		assertNoLeak(t, err.Error())
		err = fmt.Errorf("config %+v", c)
		assertNoLeak(t, err.Error())
	})
	for name, mk := range map[string]func(*bytes.Buffer) slog.Handler{
		"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		t.Run("slog "+name, func(t *testing.T) {
			var buf bytes.Buffer
			l := slog.New(mk(&buf))
			l.Info("saved", "token", v, "ptr", &v, "channels", c, slog.Any("any", v), slog.Group("g", "t", v))
			assertNoLeak(t, buf.String())
			assert.Contains(t, buf.String(), "********TAIL")
		})
	}
}

func TestValue_DecodingIntoValueRefused(t *testing.T) {
	var c channels
	err := json.Unmarshal([]byte(`{"botToken":"new"}`), &c)
	require.ErrorIs(t, err, secret.ErrUseUpdate)
}

func TestMerge(t *testing.T) {
	stored := secret.New(canary)
	other := secret.New("another-credential-WXYZ")
	cases := []struct {
		name     string
		incoming string
		clear    bool
		want     string
		err      error
	}{
		{"masked echo keeps stored", stored.Masked(), false, canary, nil},
		{"empty keeps stored", "", false, canary, nil},
		{"new value replaces", "brand-new-credential-0001", false, "brand-new-credential-0001", nil},
		{"explicit clear empties", "", true, "", nil},
		{"stale mask refused", other.Masked(), false, canary, secret.ErrStaleMask},
		{"bare mask of a long value refused", secret.Mask, false, canary, secret.ErrStaleMask},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := secret.Merge(stored, tc.incoming, tc.clear)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tc.want, got.Reveal())
		})
	}
	t.Run("short value masked round trip", func(t *testing.T) {
		short := secret.New("abc")
		got, err := secret.Merge(short, short.Masked(), false)
		require.NoError(t, err)
		assert.Equal(t, "abc", got.Reveal())
	})
}

func TestUpdate_JSONRoundTrip(t *testing.T) {
	stored := secret.New(canary)
	// What a GET returned, sent back unchanged by the client.
	get, err := json.Marshal(struct {
		Token secret.Value `json:"botToken"`
	}{stored})
	require.NoError(t, err)

	type form struct {
		Token secret.Update `json:"botToken"`
	}
	cases := []struct {
		name string
		body string
		want string
		err  bool
	}{
		{"masked GET body put back", string(get), canary, false},
		{"absent field", `{}`, canary, false},
		{"null", `{"botToken":null}`, canary, false},
		{"empty string", `{"botToken":""}`, canary, false},
		{"new value", `{"botToken":"new-credential-value-9999"}`, "new-credential-value-9999", false},
		{"escaped new value", `{"botToken":"new\u002dvalue"}`, "new-value", false},
		{"explicit clear", `{"botToken":{"clear":true}}`, "", false},
		{"clear false refused", `{"botToken":{"clear":false}}`, "", true},
		{"unknown object refused", `{"botToken":{"value":"x"}}`, "", true},
		{"number refused", `{"botToken":42}`, "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var f form
			err := json.Unmarshal([]byte(tc.body), &f)
			if tc.err {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			got, err := f.Token.Apply(stored)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got.Reveal())
		})
	}
	t.Run("update renders masked", func(t *testing.T) {
		var f form
		require.NoError(t, json.Unmarshal([]byte(`{"botToken":"`+canary+`"}`), &f))
		assertNoLeak(t, fmt.Sprintf("%v %+v %#v %s %q %x", f, f, f, f.Token, f.Token, f.Token))
		b, _ := json.Marshal(f)
		assertNoLeak(t, string(b))
	})
}

func TestValue_Equal(t *testing.T) {
	assert.True(t, secret.New("a").Equal(secret.New("a")))
	assert.False(t, secret.New("a").Equal(secret.New("b")))
	assert.True(t, secret.Value{}.Equal(secret.New("")))
	assert.True(t, secret.Value{}.IsZero())
	assert.False(t, strings.Contains(secret.New("x").GoString(), "x\""))
}

func TestValue_CanaryThroughAuditMetadata(t *testing.T) {
	v := secret.New(canary)
	ev := audit.Event{Action: audit.ActionSettingsChannelsUpdate, Metadata: map[string]string{"botToken": v.String(), "fmt": fmt.Sprint(v)}}
	b, err := json.Marshal(ev)
	require.NoError(t, err)
	assertNoLeak(t, string(b))
	assertNoLeak(t, fmt.Sprintf("%+v", ev))
}

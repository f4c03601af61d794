package tenancy_test

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/tenancy"
)

func TestWorkspaceCursorRoundTrip(t *testing.T) {
	for _, at := range []time.Time{t0, time.Unix(0, 0).UTC(), time.Unix(-5, 7).UTC(), t0.Add(123456789)} {
		c := tenancy.EncodeWorkspaceCursor(at, "ws-abc")
		got, id, err := tenancy.ParseWorkspaceCursor(c)
		require.NoError(t, err)
		assert.True(t, at.Equal(got))
		assert.Equal(t, tenancy.WorkspaceID("ws-abc"), id)
	}
}

func TestParseWorkspaceCursorRejectsForgeries(t *testing.T) {
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	cases := map[string]string{
		"empty":          "",
		"not base64":     "!!!",
		"padded":         enc("w1.1.ws-a") + "=",
		"wrong prefix":   enc("w2.1.ws-a"),
		"no id":          enc("w1.1"),
		"bad id":         enc("w1.1.WS-A"),
		"leading zero":   enc("w1.01.ws-a"),
		"plus sign":      enc("w1.+1.ws-a"),
		"minus zero":     enc("w1.-0.ws-a"),
		"overflow":       enc("w1.99999999999999999999.ws-a"),
		"too long":       enc("w1.1." + string(make([]byte, 200))),
		"dot in id":      enc("w1.1.ws.a"),
		"std base64 alt": base64.StdEncoding.EncodeToString([]byte("w1.1.ws-a?")),
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, _, err := tenancy.ParseWorkspaceCursor(c)
			assert.ErrorIs(t, err, tenancy.ErrInvalidCursor)
		})
	}
}

// FuzzParseWorkspaceCursor: no panic; whatever parses re-encodes to the
// same cursor (one spelling per position).
func FuzzParseWorkspaceCursor(f *testing.F) {
	f.Add(tenancy.EncodeWorkspaceCursor(t0, "ws-a"))
	f.Add("")
	f.Add("dzEuMS53cy1h")
	f.Fuzz(func(t *testing.T, c string) {
		at, id, err := tenancy.ParseWorkspaceCursor(c)
		if err != nil {
			return
		}
		if again := tenancy.EncodeWorkspaceCursor(at, id); again != c {
			t.Fatalf("%q parsed but re-encodes as %q", c, again)
		}
	})
}

func BenchmarkParseWorkspaceCursor(b *testing.B) {
	c := tenancy.EncodeWorkspaceCursor(t0, "ws-abcdefghijklmnopqrstuvwx")
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := tenancy.ParseWorkspaceCursor(c); err != nil {
			b.Fatal(err)
		}
	}
}

package tenancy_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/tenancy"
)

func TestParseWorkspaceID(t *testing.T) {
	valid := []string{"a", "acme", "ws-abc123", "ws_abc", "0", strings.Repeat("a", tenancy.MaxIDLen)}
	for _, s := range valid {
		id, err := tenancy.ParseWorkspaceID(s)
		require.NoError(t, err, s)
		assert.Equal(t, s, id.String())
	}
	invalid := map[string]string{
		"empty":              "",
		"upper case variant": "ACME",
		"mixed case":         "Acme",
		"leading space":      " acme",
		"trailing space":     "acme ",
		"trailing newline":   "acme\n",
		"NUL":                "acme\x00",
		"percent-encoded /":  "acme%2Fother",
		"slash":              "acme/other",
		"dot segment":        "..",
		"dot":                "ac.me",
		"full-width digits":  "ws-１２３",
		"full-width letters": "ａｃｍｅ",
		"over-long":          strings.Repeat("a", tenancy.MaxIDLen+1),
		"leading dash":       "-acme",
		"leading underscore": "_acme",
		"comma list":         "a,b",
		"unicode dash":       "ws‐abc",
		"kelvin sign k":      "\u212aacme",
	}
	for name, s := range invalid {
		t.Run(name, func(t *testing.T) {
			_, err := tenancy.ParseWorkspaceID(s)
			assert.ErrorIs(t, err, tenancy.ErrInvalidID)
			_, err = tenancy.ParseUserID(s)
			assert.ErrorIs(t, err, tenancy.ErrInvalidID)
		})
	}
}

func TestNewIDsAreCanonicalAndDistinct(t *testing.T) {
	seen := map[tenancy.WorkspaceID]bool{}
	for range 1000 {
		id := tenancy.NewWorkspaceID()
		require.True(t, id.Valid(), id)
		require.False(t, seen[id])
		seen[id] = true
		require.True(t, tenancy.NewUserID().Valid())
	}
}

// FuzzParseWorkspaceID checks that the parser accepts exactly one spelling:
// whatever it accepts is ASCII, round-trips unchanged, and is not changed by
// case folding or trimming.
func FuzzParseWorkspaceID(f *testing.F) {
	for _, s := range []string{"acme", "ws-abc", "ACME", " a", "a%2Fb", "１", "", "a\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := tenancy.ParseWorkspaceID(s)
		if err != nil {
			return
		}
		if string(id) != s || !utf8.ValidString(s) || len(s) > tenancy.MaxIDLen {
			t.Fatalf("accepted non-canonical %q", s)
		}
		if strings.ToLower(s) != s || strings.TrimSpace(s) != s {
			t.Fatalf("accepted a variant %q", s)
		}
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 || s[i] == '/' || s[i] == '%' || s[i] == '.' {
				t.Fatalf("accepted byte %q in %q", s[i], s)
			}
		}
	})
}

func ExampleParseWorkspaceID() {
	for _, s := range []string{"acme", "ACME", "acme%2F..", " acme"} {
		_, err := tenancy.ParseWorkspaceID(s)
		fmt.Printf("%q valid=%v\n", s, err == nil)
	}
	// Output:
	// "acme" valid=true
	// "ACME" valid=false
	// "acme%2F.." valid=false
	// " acme" valid=false
}

package ratelimit

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNormalizeIdentifier(t *testing.T) {
	cases := []struct{ in, want string }{
		{"alice@example.com", "alice@example.com"},
		{"  Alice@Example.COM \t", "alice@example.com"},
		{"alice@example.com.", "alice@example.com"},
		{"ALICE@EXAMPLE.COM..", "alice@example.com"},
		{"alice@bücher.example", "alice@xn--bcher-kva.example"},
		{"Alice@BÜCHER.example.", "alice@xn--bcher-kva.example"},
		{"alice@xn--bcher-kva.example", "alice@xn--bcher-kva.example"},
		{"a@b@Example.com", "a@b@example.com"},
		{"username", "username"},
		{" UserName ", "username"},
		{"bad@exa mple.com", "bad@exa mple.com"}, // not an IDN: kept as written
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			assert.Equal(t, tc.want, NormalizeIdentifier(tc.in))
		})
	}
}

func TestJSONField(t *testing.T) {
	cases := []struct {
		name, body string
		want       string
		ok         bool
	}{
		{"plain", `{"email":"a@x.io","password":"p"}`, "a@x.io", true},
		{"case-insensitive like encoding/json", `{"EMAIL":"victim@x.io"}`, "victim@x.io", true},
		{"last duplicate wins", `{"email":"decoy@x.io","Email":"victim@x.io"}`, "victim@x.io", true},
		{"null keeps earlier value", `{"email":"victim@x.io","email":null}`, "victim@x.io", true},
		{"escaped", `{"email":"vic\u0074im@x.io"}`, "victim@x.io", true},
		{"nested ignored", `{"user":{"email":"a@x.io"}}`, "", false},
		{"absent", `{"password":"p"}`, "", false},
		{"number", `{"email":5}`, "", false},
		{"array body", `["email","a@x.io"]`, "", false},
		{"not json", `email=a@x.io`, "", false},
		{"empty", ``, "", false},
		{"first value only", `{"email":"a@x.io"} {"email":"b@x.io"}`, "a@x.io", true},
		{"truncated", `{"email":"a@x.io",`, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := jsonField([]byte(tc.body), "email")
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.want, got)
		})
	}
}

func FuzzNormalizeIdentifier(f *testing.F) {
	for _, s := range []string{"alice@example.com", " A@Bücher.example. ", "@", "a@", "xn--@xn--", "a@\u00df.de"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeIdentifier(s)
		if NormalizeIdentifier(n) != n {
			t.Fatalf("not idempotent: %q → %q → %q", s, n, NormalizeIdentifier(n))
		}
	})
}

func FuzzJSONField(f *testing.F) {
	for _, s := range []string{`{"email":"a@x.io"}`, `{"EMAIL":null,"email":"b"}`, `{`, `[]`, `{"email":{"x":1}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, ok := jsonField(body, "email")
		// Whenever a handler decoding into a struct would see an email, the
		// limiter keys on the same one.
		var v struct{ Email string }
		if json.Unmarshal(body, &v) == nil && v.Email != "" {
			if !ok || got != v.Email {
				t.Fatalf("handler sees %q, limiter keys %q (%v)", v.Email, got, ok)
			}
		}
	})
}

package disposable

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/problem"
)

// Attack: register with a listed disposable domain spelled so that the
// block-list lookup misses it while mail still reaches the disposable
// inbox. Every spelling is either 422 disposable_email or 400
// invalid_email; none is accepted.
func TestAttack_DisposableSpellings(t *testing.T) {
	blockedOrRefused := map[string]string{
		"two trailing dots":            "user@mailinator.com..",
		"one trailing dot":             "user@mailinator.com.",
		"leading dot":                  "user@.mailinator.com",
		"double dot inside":            "user@mailinator..com",
		"upper case":                   "USER@MAILINATOR.COM",
		"sub-domain":                   "user@a.b.mailinator.com",
		"full-width dot":               "user@mailinator\uff0ecom",
		"ideographic full stop":        "user@mailinator\u3002com",
		"full-width letters":           "user@ｍａｉｌｉｎａｔｏｒ.com",
		"zero-width joiner":            "user@mail\u200dinator.com",
		"zero-width space":             "user@mail\u200binator.com",
		"soft hyphen":                  "user@mail\u00adinator.com",
		"percent-encoded dot":          "user@mailinator%2ecom",
		"address literal":              "user@[127.0.0.1]",
		"quoted local part with at":    `"user@x"@mailinator.com`,
		"source route":                 "@evil.com:user@mailinator.com",
		"trailing comment":             "user@mailinator.com(comment)",
		"second address":               "user@example.com,user@mailinator.com",
		"CRLF injection":               "user@example.com\r\nBcc: user@mailinator.com",
		"display name":                 "Eve <user@mailinator.com>",
		"punycode of an ASCII name":    "user@xn--mailinator-.com",
		"upper-case ACE prefix of IDN": "user@XN--BCHER-KVA.mailinator.com",
	}
	for name, in := range blockedOrRefused {
		t.Run(name, func(t *testing.T) {
			_, err := Default().Check(in)
			require.Error(t, err)
			code := problem.From(err).Code
			assert.Contains(t, []problem.Code{problem.CodeDisposableEmail, problem.CodeInvalidEmail}, code)
		})
	}
}

// Mixed-script homographs of a listed domain ("mаilinator.com" with a
// Cyrillic "а") are different domains: they are not on the list, and mail
// to them never reaches the listed provider. They canonicalize to their
// xn-- form, so a host that lists that form blocks every spelling of it.
func TestAttack_HomographIsAnotherDomain(t *testing.T) {
	a, err := Default().Check("user@m\u0430ilinator.com")
	require.NoError(t, err)
	assert.NotEqual(t, "mailinator.com", a.Domain)
	assert.Contains(t, a.Domain, "xn--")

	l, err := NewList(a.Domain)
	require.NoError(t, err)
	c, err := New(Config{Block: []*List{l}})
	require.NoError(t, err)
	for _, in := range []string{"user@m\u0430ilinator.com", "user@M\u0410ILINATOR.COM.", "user@" + a.Domain} {
		_, err := c.Check(in)
		assert.ErrorIs(t, err, problem.ErrDisposableEmail, in)
	}
}

package ratelimit_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tenantgate/tenantgate/ratelimit"
)

// Attack: spend a victim's per-address budget, or escape one's own, by
// spelling the identifier so that the limiter and the handler read the body
// differently: escaped keys and values, duplicate keys, a content type that
// might make a parser skip the body. Every request comes from its own
// address, so only the email bucket can deny; the limit is 3 per hour.
func TestAttack_IdentifierSpellingsShareOneBucket(t *testing.T) {
	bodies := []struct {
		name, body, contentType string
	}{
		{"escaped key", `{"em\u0061il":"alice@x.io"}`, "application/json"},
		{"escaped value", `{"email":"alice\u0040X.IO"}`, "application/json"},
		{"text/plain content type", `{"email":"alice@x.io"}`, "text/plain"},
		{"form content type", `{"email":"alice@x.io"}`, "application/x-www-form-urlencoded"},
		{"no content type", `{"email":"Alice@x.io."}`, ""},
		{"decoy first, victim last", `{"email":"decoy@y.io","Email":"alice@x.io"}`, "application/json"},
		{"whitespace around", " \n\t{ \"email\" : \"alice@x.io\" }\n", "application/json"},
	}
	e := newEnv(t)
	h := e.wrap(t, ratelimit.AuthRules(ratelimit.RouteForgotPassword, ipKey(t))...)
	for i, tc := range bodies {
		hdr := map[string]string{}
		if tc.contentType != "" {
			hdr["Content-Type"] = tc.contentType
		}
		w := send(h, "POST", "/api/auth/forgot-password", "198.51.100."+strconv.Itoa(i)+":1", tc.body, hdr)
		if i < ratelimit.DefaultAuthPerEmailPerHour {
			assert.Equal(t, http.StatusAccepted, w.Code, tc.name)
		} else {
			assert.Equal(t, http.StatusTooManyRequests, w.Code, tc.name)
		}
	}
	assert.EqualValues(t, ratelimit.DefaultAuthPerEmailPerHour, e.calls.Load())
}

// Attack: make the limiter skip the identifier rule by sending a body it
// cannot read (BOM, a second value, a nested object, a non-string). Such a
// body never names an address for a strict handler either, and the IP rule
// still counts every one of them.
func TestAttack_UnreadableIdentifierStillIPLimited(t *testing.T) {
	e := newEnv(t)
	h := e.wrap(t, ratelimit.AuthRules(ratelimit.RouteForgotPassword, ipKey(t))...)
	bodies := []string{
		"\ufeff{\"email\":\"alice@x.io\"}",
		`{"user":{"email":"alice@x.io"}}`,
		`{"email":["alice@x.io"]}`,
		`{"email":"alice@x.io","email":1}`,
		`[{"email":"alice@x.io"}]`,
		`{"email":"alice@x.io"`,
		strings.Repeat(" ", 100) + `{"email":"alice@x.io"}`,
	}
	admitted := 0
	for _, b := range bodies {
		if send(h, "POST", "/api/auth/forgot-password", "198.51.100.1:1", b, nil).Code == http.StatusAccepted {
			admitted++
		}
	}
	assert.Equal(t, ratelimit.DefaultAuthPerIPPerHour, admitted, "one address, one IP budget")
}

package app

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/ratelimit"
)

// TestRateLimit_RegisterPerIP: the sixth registration in an hour from one
// client is 429 with Retry-After and the IETF headers; rotating spoofed
// forwarding headers does not choose another bucket (no proxy trusted).
func TestRateLimit_RegisterPerIP(t *testing.T) {
	e := newEnv(t)
	spoof := []string{"X-Forwarded-For", "X-Real-IP", "True-Client-IP", "Forwarded"}
	for i := range ratelimit.DefaultAuthPerIPPerHour {
		r := e.expect(req{method: "POST", path: "/api/auth/register", remote: "203.0.113.7:5000",
			body: map[string]string{"email": fmt.Sprintf("u%d@example.com", i), "password": testPassword}}, 202, "")
		assert.Contains(t, r.Header().Get("RateLimit-Policy"), `"register-ip";q=5;w=3600`)
	}
	for i, h := range spoof {
		v := fmt.Sprintf("198.51.100.%d", i+1)
		if h == "Forwarded" {
			v = "for=" + v
		}
		r := e.expect(req{method: "POST", path: "/api/auth/register", remote: "203.0.113.7:5001", header: map[string]string{h: v},
			body: map[string]string{"email": fmt.Sprintf("spoof%d@example.com", i), "password": testPassword}}, 429, problem.CodeRateLimited)
		assert.NotEmpty(t, r.Header().Get("Retry-After"))
		assert.Equal(t, "no-store", r.Header().Get("Cache-Control"))
		assert.Contains(t, r.Header().Get("RateLimit"), `"register-ip";r=0`)
	}
	// Nothing was registered by the refused requests.
	_, err := e.a.stores.Accounts.UserByEmail(t.Context(), "spoof0@example.com")
	assert.ErrorIs(t, err, ErrNoUser)
	// Another client is unaffected.
	e.expect(req{method: "POST", path: "/api/auth/register", remote: "203.0.113.8:5000",
		body: map[string]string{"email": "other@example.com", "password": testPassword}}, 202, "")
}

// TestRateLimit_ForgotPerEmail: three reset requests per address and hour,
// whatever the client and whether or not the address is registered; case
// variants share the bucket.
func TestRateLimit_ForgotPerEmail(t *testing.T) {
	e := newEnv(t)
	e.user("ann@example.com", true)
	for _, addr := range []string{"ann@example.com", "nobody@example.com"} {
		for i := range ratelimit.DefaultAuthPerEmailPerHour {
			variant := addr
			if i == 1 {
				variant = "  " + strings.ToUpper(addr) + " "
			}
			e.expect(req{method: "POST", path: "/api/auth/forgot-password", remote: e.freshIP(), body: map[string]string{"email": variant}}, 202, "")
		}
		e.expect(req{method: "POST", path: "/api/auth/forgot-password", remote: e.freshIP(), body: map[string]string{"email": addr}}, 429, problem.CodeRateLimited)
	}
}

// TestRateLimit_TenantQuota: a workspace over its quota gets 429, another
// workspace is unaffected, a non-member is refused before the quota and
// sees none of its headers, and a plan upgrade raises the quota on the
// next request.
func TestRateLimit_TenantQuota(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.TenantQuota = ratelimit.PerMinute(3) })
	ownerA, _ := e.user("a@example.com", true)
	ownerB, _ := e.user("b@example.com", true)
	wsA, wsB := e.workspace(ownerA, "A"), e.workspace(ownerB, "B")
	e.transition(wsA, "approve")
	e.transition(wsB, "approve")
	list := func(tok, ws string) req {
		return req{method: "GET", path: "/api/crm/contacts", token: tok, header: map[string]string{"X-Workspace-ID": ws}}
	}
	for range 3 {
		r := e.expect(list(ownerA, wsA), 200, "")
		assert.Contains(t, r.Header().Get("RateLimit-Policy"), `"workspace";q=3;w=60`)
	}
	e.expect(list(ownerA, wsA), 429, problem.CodeRateLimited)
	e.expect(createContact(ownerA, wsA), 429, problem.CodeRateLimited)
	assert.Equal(t, 0, e.contactCount(wsA))

	r := e.expect(list(ownerB, wsA), 403, problem.CodeWorkspaceForbidden)
	assert.Empty(t, r.Header().Get("RateLimit"))
	assert.Empty(t, r.Header().Get("RateLimit-Policy"))
	e.expect(list(ownerB, wsB), 200, "")

	e.expect(req{method: "POST", path: "/api/workspaces/" + wsA + "/billing/subscribe", token: ownerA, body: map[string]string{"plan": "pro"}}, 429, problem.CodeRateLimited)
	e.clock.Advance(61e9)
	e.expect(req{method: "POST", path: "/api/workspaces/" + wsA + "/billing/subscribe", token: ownerA, body: map[string]string{"plan": "pro"}}, 200, "")
	for range 10 {
		e.expect(list(ownerA, wsA), 200, "")
	}
}

// TestTrustedProxies: behind a configured proxy the client is the
// rightmost untrusted X-Forwarded-For hop, for limits and audit alike;
// from an untrusted socket the header is ignored.
func TestTrustedProxies(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")} })
	for i := range ratelimit.DefaultAuthPerIPPerHour {
		e.expect(req{method: "POST", path: "/api/auth/register", remote: fmt.Sprintf("10.0.0.%d:4000", i+1),
			header: map[string]string{"X-Forwarded-For": "1.2.3.4, 203.0.113.9"},
			body:   map[string]string{"email": fmt.Sprintf("p%d@example.com", i), "password": testPassword}}, 202, "")
	}
	// The same client through another proxy of the fleet: same bucket.
	e.expect(req{method: "POST", path: "/api/auth/register", remote: "10.9.9.9:4000",
		header: map[string]string{"X-Forwarded-For": "203.0.113.9"},
		body:   map[string]string{"email": "p9@example.com", "password": testPassword}}, 429, problem.CodeRateLimited)
	// Another client behind the proxy is not affected; the spoofed hop
	// left of the real one chooses nothing.
	e.expect(req{method: "POST", path: "/api/auth/register", remote: "10.0.0.1:4000",
		header: map[string]string{"X-Forwarded-For": "203.0.113.9, 198.51.100.7"},
		body:   map[string]string{"email": "q@example.com", "password": testPassword}}, 202, "")
	// An untrusted socket's header is ignored: its own address is the key.
	e.expect(req{method: "POST", path: "/api/auth/register", remote: "192.0.2.50:4000",
		header: map[string]string{"X-Forwarded-For": "198.51.100.7"},
		body:   map[string]string{"email": "r@example.com", "password": testPassword}}, 202, "")
}

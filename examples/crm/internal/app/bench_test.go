package app

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tenantgate/tenantgate/ratelimit"
)

// benchEnv returns a server with an approved workspace and its owner's
// session, the quota raised so that it is checked but never refuses.
func benchEnv(b *testing.B) (e *env, token, ws string) {
	e = newEnv(b, func(c *Config) {
		c.TenantQuota = ratelimit.Limit{N: ratelimit.MaxLimitN, Window: 1e6} // 65536 per ms
		c.QuietRequests = true
	})
	token, _ = e.user("owner@example.com", true)
	ws = e.workspace(token, "Bench")
	e.transition(ws, "approve")
	return e, token, ws
}

// BenchmarkCreateContact is POST /api/crm/contacts through the whole chain
// (request id, session, gate, quota, audit record, strict JSON, handler).
func BenchmarkCreateContact(b *testing.B) {
	e, token, ws := benchEnv(b)
	body := `{"name":"Grace Hopper","email":"grace@example.com"}`
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("POST", "/api/crm/contacts", strings.NewReader(body))
		r.Header["Content-Type"] = []string{"application/json"}
		r.Header["Authorization"] = []string{"Bearer " + token}
		r.Header["X-Workspace-Id"] = []string{ws}
		w := httptest.NewRecorder()
		e.a.ServeHTTP(w, r)
		if w.Code != http.StatusCreated {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

// BenchmarkListContacts is a gated read (no audit record, no body).
func BenchmarkListContacts(b *testing.B) {
	e, token, ws := benchEnv(b)
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("GET", "/api/crm/contacts?limit=1", nil)
		r.Header["Authorization"] = []string{"Bearer " + token}
		r.Header["X-Workspace-Id"] = []string{ws}
		w := httptest.NewRecorder()
		e.a.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// BenchmarkHealthz is the same server's ungated route, for comparison.
func BenchmarkHealthz(b *testing.B) {
	e, _, _ := benchEnv(b)
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("GET", "/healthz", nil)
		w := httptest.NewRecorder()
		e.a.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// BenchmarkCrossTenantDenial is the cost of refusing a non-member.
func BenchmarkCrossTenantDenial(b *testing.B) {
	e, _, ws := benchEnv(b)
	stranger, _ := e.user("stranger@example.com", true)
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("POST", "/api/crm/contacts", strings.NewReader(`{"name":"x"}`))
		r.Header["Content-Type"] = []string{"application/json"}
		r.Header["Authorization"] = []string{"Bearer " + stranger}
		r.Header["X-Workspace-Id"] = []string{ws}
		w := httptest.NewRecorder()
		e.a.ServeHTTP(w, r)
		if w.Code != http.StatusForbidden {
			b.Fatalf("status %d", w.Code)
		}
	}
}

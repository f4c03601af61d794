package operator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/operator"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

const betaCode = "closed-beta-2025"

var t0 = time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

var (
	ctx   = context.Background()
	alice = tenancy.Principal{User: "u-alice", EmailVerified: true}
	bob   = tenancy.Principal{User: "u-bob", EmailVerified: true}
	op    = tenancy.Principal{User: "u-op", EmailVerified: true, Operator: true}
	// impersonating is the operator acting as alice; the Operator flag is
	// (wrongly) left set to prove it is ignored.
	impersonating = tenancy.Principal{User: "u-alice", EmailVerified: true, Operator: true, Impersonator: "u-op"}
)

type fixture struct {
	console *operator.Console
	lc      *tenancy.Lifecycle
	ws      *memstore.Tenancy
	audit   *memstore.Audit
	clock   *fakeClock
	mux     *http.ServeMux
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{ws: memstore.NewTenancy(), audit: memstore.NewAudit(), clock: &fakeClock{now: t0}}
	codes := memstore.NewInviteCodes()
	code, err := tenancy.NewInviteCode(betaCode, "default", tenancy.UnlimitedUses, time.Time{}, t0)
	require.NoError(t, err)
	require.NoError(t, codes.AddInviteCode(ctx, code))
	f.lc, err = tenancy.NewLifecycle(tenancy.LifecycleConfig{
		Workspaces: f.ws, InviteCodes: codes, Audit: f.audit, Clock: f.clock,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, err)
	f.console, err = operator.New(operator.Config{Lifecycle: f.lc, Audit: f.audit, Clock: f.clock})
	require.NoError(t, err)
	f.mux = http.NewServeMux()
	f.console.Mount(f.mux)
	return f
}

func (f *fixture) create(t testing.TB, p tenancy.Principal, name string) tenancy.Workspace {
	t.Helper()
	ws, err := f.lc.Create(ctx, p, tenancy.CreateRequest{Name: name, InviteCode: betaCode})
	require.NoError(t, err)
	return ws
}

func (f *fixture) do(p *tenancy.Principal, method, target, body string) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if p != nil {
		r = r.WithContext(tenancy.WithPrincipal(r.Context(), *p))
	}
	w := httptest.NewRecorder()
	f.mux.ServeHTTP(w, r)
	return w
}

func problemCode(t *testing.T, w *httptest.ResponseRecorder) problem.Code {
	t.Helper()
	require.Equal(t, "application/problem+json", w.Header().Get("Content-Type"), "body: %s", w.Body)
	var b problem.Body
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &b))
	assert.Equal(t, w.Code, b.Status)
	return b.Code
}

func (f *fixture) snapshot(t *testing.T) ([]tenancy.Workspace, int) {
	t.Helper()
	all, err := f.ws.ListWorkspaces(ctx, tenancy.WorkspaceQuery{Limit: 1000})
	require.NoError(t, err)
	n := 0
	for _, w := range all {
		evs, err := f.audit.Chain(ctx, string(w.ID), 0, 0)
		require.NoError(t, err)
		n += len(evs)
	}
	return all, n
}

func routes(ws tenancy.WorkspaceID) []struct{ method, path string } {
	out := []struct{ method, path string }{
		{"GET", "/admin/workspaces"},
		{"GET", "/admin/workspaces?status=pending_approval"},
		{"GET", "/admin/workspaces?q=u-alice"},
		{"GET", "/admin/workspaces/" + string(ws)},
		{"GET", "/admin/workspaces/ws-does-not-exist"},
		{"DELETE", "/admin/workspaces/" + string(ws)},
		{"POST", "/admin/workspaces/" + string(ws) + "/delete"},
		{"GET", "/admin/workspaces/nested/too/deep"},
	}
	for _, tr := range tenancy.Transitions() {
		out = append(out, struct{ method, path string }{"POST", "/admin/workspaces/" + string(ws) + "/" + string(tr)})
	}
	return out
}

// TestConsole_NonOperatorsAreRefusedEverywhere sends every admin route as an
// ordinary user, as the workspace's owner and as an impersonating operator:
// each gets 403 operator_only, whether the route exists or not, and nothing
// changes. Anonymous callers get 401.
func TestConsole_NonOperatorsAreRefusedEverywhere(t *testing.T) {
	callers := []struct {
		name   string
		p      *tenancy.Principal
		status int
		code   problem.Code
	}{
		{"anonymous", nil, 401, problem.CodeUnauthenticated},
		{"empty principal", &tenancy.Principal{}, 401, problem.CodeUnauthenticated},
		{"ordinary user", &bob, 403, problem.CodeOperatorOnly},
		{"workspace owner", &alice, 403, problem.CodeOperatorOnly},
		{"impersonating operator", &impersonating, 403, problem.CodeOperatorOnly},
	}
	f := newFixture(t)
	ws := f.create(t, alice, "Acme")
	for _, c := range callers {
		for _, rt := range routes(ws.ID) {
			t.Run(c.name+" "+rt.method+" "+rt.path, func(t *testing.T) {
				before, nEvents := f.snapshot(t)
				w := f.do(c.p, rt.method, rt.path, `{"reason":"let me in"}`)
				assert.Equal(t, c.status, w.Code)
				assert.Equal(t, c.code, problemCode(t, w))
				assert.NotContains(t, w.Body.String(), "Acme", "nothing about the workspace leaks")
				after, nAfter := f.snapshot(t)
				assert.Equal(t, before, after, "store unchanged")
				assert.Equal(t, nEvents, nAfter, "nothing recorded")
			})
		}
	}
}

func TestConsole_ListShowAndTransition(t *testing.T) {
	f := newFixture(t)
	a := f.create(t, alice, "Acme")
	f.clock.Advance(time.Minute)
	f.create(t, bob, "Bobco")

	w := f.do(&op, "GET", "/admin/workspaces?status=pending_approval&limit=1", "")
	require.Equal(t, 200, w.Code, w.Body.String())
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	var page struct {
		Items      []map[string]any `json:"items"`
		NextCursor string           `json:"nextCursor"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &page))
	require.Len(t, page.Items, 1)
	assert.Equal(t, "Acme", page.Items[0]["name"])
	assert.Nil(t, page.Items[0]["trialEndsAt"], "trialEndsAt is null while pending")
	assert.Contains(t, page.Items[0], "trialEndsAt")
	require.NotEmpty(t, page.NextCursor)

	w = f.do(&op, "GET", "/admin/workspaces?status=pending_approval&limit=1&cursor="+page.NextCursor, "")
	require.Equal(t, 200, w.Code, w.Body.String())
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &page))
	require.Len(t, page.Items, 1)
	assert.Equal(t, "Bobco", page.Items[0]["name"])
	assert.Empty(t, page.NextCursor)

	w = f.do(&op, "GET", "/admin/workspaces?q=bobc", "")
	require.Equal(t, 200, w.Code)
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &page))
	require.Len(t, page.Items, 1)

	w = f.do(&op, "POST", "/admin/workspaces/"+string(a.ID)+"/approve", `{"reason":"verified company"}`)
	require.Equal(t, 200, w.Code, w.Body.String())
	var view map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &view))
	assert.Equal(t, "active", view["status"])
	assert.Equal(t, t0.Add(time.Minute+14*24*time.Hour).Format(time.RFC3339), view["trialEndsAt"])
	for _, k := range []string{"id", "name", "status", "plan", "trialEndsAt"} {
		assert.Contains(t, view, k)
	}

	w = f.do(&op, "GET", "/admin/workspaces/"+string(a.ID), "")
	require.Equal(t, 200, w.Code)
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &view))
	assert.Equal(t, "active", view["status"])

	evs, err := f.audit.Chain(ctx, string(a.ID), 0, 0)
	require.NoError(t, err)
	last := evs[len(evs)-1]
	assert.Equal(t, audit.ActionWorkspaceApprove, last.Action)
	assert.Equal(t, "u-op", last.Actor)
	assert.Equal(t, "verified company", last.Metadata["reason"])
}

func TestConsole_OperatorErrors(t *testing.T) {
	f := newFixture(t)
	ws := f.create(t, alice, "Acme")
	base := "/admin/workspaces/" + string(ws.ID)
	cases := []struct {
		name         string
		method, path string
		body, ctype  string
		status       int
		code         problem.Code
	}{
		{"unknown workspace", "GET", "/admin/workspaces/ws-nope", "", "", 404, problem.CodeNotFound},
		{"invalid workspace id", "GET", "/admin/workspaces/WS-UPPER", "", "", 400, problem.CodeInvalidWorkspaceID},
		{"unknown action", "POST", base + "/delete", `{"reason":"x"}`, "application/json", 404, problem.CodeNotFound},
		{"too deep", "GET", base + "/approve/extra", "", "", 404, problem.CodeNotFound},
		{"GET on action", "GET", base + "/approve", "", "", 405, problem.CodeMethodNotAllowed},
		{"POST on list", "POST", "/admin/workspaces", `{}`, "application/json", 405, problem.CodeMethodNotAllowed},
		{"DELETE workspace", "DELETE", base, "", "", 405, problem.CodeMethodNotAllowed},
		{"missing reason", "POST", base + "/approve", `{}`, "application/json", 422, problem.CodeValidationFailed},
		{"blank reason", "POST", base + "/approve", `{"reason":"   "}`, "application/json", 422, problem.CodeValidationFailed},
		{"null body", "POST", base + "/approve", `null`, "application/json", 422, problem.CodeValidationFailed},
		{"not JSON", "POST", base + "/approve", `reason=x`, "application/json", 400, problem.CodeInvalidRequest},
		{"unknown field", "POST", base + "/approve", `{"reason":"x","status":"active"}`, "application/json", 422, problem.CodeValidationFailed},
		{"two objects", "POST", base + "/approve", `{"reason":"x"}{"reason":"y"}`, "application/json", 422, problem.CodeValidationFailed},
		{"wrong type", "POST", base + "/approve", `{"reason":42}`, "application/json", 422, problem.CodeValidationFailed},
		{"array body", "POST", base + "/approve", `["x"]`, "application/json", 422, problem.CodeValidationFailed},
		{"form body", "POST", base + "/approve", `reason=x`, "application/x-www-form-urlencoded", 415, problem.CodeUnsupportedMediaType},
		{"latin-1 charset", "POST", base + "/approve", `{"reason":"x"}`, "application/json; charset=iso-8859-1", 415, problem.CodeUnsupportedMediaType},
		{"empty body", "POST", base + "/approve", "", "application/json", 400, problem.CodeInvalidRequest},
		{"trailing brace", "POST", base + "/approve", `{"reason":"x"}}`, "application/json", 422, problem.CodeValidationFailed},
		{"no content type", "POST", base + "/approve", `{"reason":"x"}`, "", 415, problem.CodeUnsupportedMediaType},
		{"huge body", "POST", base + "/approve", `{"reason":"` + strings.Repeat("x", operator.MaxBodyBytes) + `"}`, "application/json", 413, problem.CodeRequestTooLarge},
		{"illegal transition", "POST", base + "/suspend", `{"reason":"x"}`, "application/json", 409, problem.CodeConflict},
		{"bad status filter", "GET", "/admin/workspaces?status=deleted", "", "", 422, problem.CodeValidationFailed},
		{"bad limit", "GET", "/admin/workspaces?limit=abc", "", "", 422, problem.CodeValidationFailed},
		{"limit zero", "GET", "/admin/workspaces?limit=0", "", "", 422, problem.CodeValidationFailed},
		{"repeated status", "GET", "/admin/workspaces?status=active&status=rejected", "", "", 400, problem.CodeInvalidRequest},
		{"semicolon", "GET", "/admin/workspaces?status=active;q=x", "", "", 400, problem.CodeInvalidRequest},
		{"unknown parameter", "GET", "/admin/workspaces?owner=x", "", "", 400, problem.CodeInvalidRequest},
		{"forged cursor", "GET", "/admin/workspaces?cursor=d3guMTIzLndzLWE", "", "", 400, problem.CodeInvalidRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, n := f.snapshot(t)
			var rd io.Reader
			if tc.body != "" {
				rd = strings.NewReader(tc.body)
			}
			r := httptest.NewRequest(tc.method, tc.path, rd)
			if tc.ctype != "" {
				r.Header.Set("Content-Type", tc.ctype)
			}
			r = r.WithContext(tenancy.WithPrincipal(r.Context(), op))
			w := httptest.NewRecorder()
			f.mux.ServeHTTP(w, r)
			assert.Equal(t, tc.status, w.Code, w.Body.String())
			assert.Equal(t, tc.code, problemCode(t, w))
			after, nAfter := f.snapshot(t)
			assert.Equal(t, before, after)
			assert.Equal(t, n, nAfter)
		})
	}
}

func TestNew_RejectsIncompleteConfig(t *testing.T) {
	_, err := operator.New(operator.Config{})
	require.Error(t, err)
	for _, w := range []string{"Lifecycle", "Audit", "Clock"} {
		assert.Contains(t, err.Error(), w)
	}
	f := newFixture(t)
	for name, cfg := range map[string]operator.Config{
		"negative max":    {Lifecycle: f.lc, Audit: f.audit, Clock: f.clock, MaxImpersonation: -time.Second},
		"trailing slash":  {Lifecycle: f.lc, Audit: f.audit, Clock: f.clock, Prefix: "/admin/"},
		"relative prefix": {Lifecycle: f.lc, Audit: f.audit, Clock: f.clock, Prefix: "admin"},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := operator.New(cfg)
			assert.Nil(t, c)
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), "operator: "))
		})
	}
}

func BenchmarkConsole_List(b *testing.B) {
	f := newFixture(b)
	for i := range 500 {
		p := tenancy.Principal{User: tenancy.UserID(fmt.Sprintf("u-%d", i)), EmailVerified: true}
		f.create(b, p, fmt.Sprintf("Team %d", i))
	}
	r := httptest.NewRequest("GET", "/admin/workspaces?status=pending_approval&limit=50", nil)
	r = r.WithContext(tenancy.WithPrincipal(r.Context(), op))
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		f.mux.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

func BenchmarkConsole_RefuseNonOperator(b *testing.B) {
	f := newFixture(b)
	r := httptest.NewRequest("POST", "/admin/workspaces/ws-a/approve", strings.NewReader(`{"reason":"x"}`))
	r = r.WithContext(tenancy.WithPrincipal(r.Context(), alice))
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		f.mux.ServeHTTP(w, r)
		if w.Code != 403 {
			b.Fatal(w.Code)
		}
	}
}

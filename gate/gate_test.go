package gate_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/gate"
	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/rbac"
	"github.com/tenantgate/tenantgate/tenancy"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// fixture: alice owns w1 (active, trialing until t0+14d); bob owns w2;
// workspaces in every state, each owned by its own user.
type fixture struct {
	store     *memstore.Tenancy
	clock     *fakeClock
	reg       *rbac.Registry
	readPerm  rbac.Permission
	writePerm rbac.Permission
	trialEnd  time.Time
	ran       atomic.Int32
	decisions []gate.Decision
	mu        sync.Mutex
}

func newFixture(t testing.TB) *fixture {
	f := &fixture{store: memstore.NewTenancy(), clock: &fakeClock{now: t0}, reg: rbac.NewRegistry()}
	f.readPerm = f.reg.MustRegister("contacts:read")
	f.writePerm = f.reg.MustRegister("contacts:write")
	f.trialEnd = t0.Add(14 * 24 * time.Hour)
	ctx := context.Background()
	mk := func(id tenancy.WorkspaceID, owner tenancy.UserID, st tenancy.Status, trial time.Time) {
		require.NoError(t, f.store.CreateWorkspace(ctx, tenancy.Workspace{
			ID: id, Name: string(id), Status: st, OwnerID: owner, CreatedAt: t0, TrialEndsAt: trial,
		}, tenancy.Membership{User: owner, Role: rbac.RoleOwner, CreatedAt: t0}))
	}
	mk("w1", "alice", tenancy.StatusActive, f.trialEnd)
	mk("w2", "bob", tenancy.StatusActive, f.trialEnd)
	mk("wpending", "pat", tenancy.StatusPendingApproval, time.Time{})
	mk("wrejected", "rita", tenancy.StatusRejected, time.Time{})
	mk("wsuspended", "sam", tenancy.StatusSuspended, f.trialEnd)
	mk("wexpired", "eve", tenancy.StatusActive, t0.Add(-time.Hour))
	require.NoError(t, f.store.AddMember(ctx, tenancy.Membership{Workspace: "w1", User: "victor", Role: rbac.RoleViewer}))
	return f
}

func (f *fixture) gate(t testing.TB, mod func(*gate.Config)) *gate.Gate {
	policy, err := rbac.NewPolicy(f.reg)
	require.NoError(t, err)
	cfg := gate.Config{
		Workspaces: f.store, Members: f.store, Policy: policy, Clock: f.clock,
		Resolve: tenancy.Agree(tenancy.FromPathValue("ws"), tenancy.FromHeader("X-Workspace-ID")),
		Observer: func(r *http.Request, d gate.Decision) {
			f.mu.Lock()
			f.decisions = append(f.decisions, d)
			f.mu.Unlock()
		},
	}
	if mod != nil {
		mod(&cfg)
	}
	g, err := gate.New(cfg)
	require.NoError(t, err)
	return g
}

// handler records that it ran and echoes the tenant it was given.
func (f *fixture) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.ran.Add(1)
		tn, ok := tenancy.FromContext(r.Context())
		if !ok {
			http.Error(w, "no tenant", 500)
			return
		}
		fmt.Fprintf(w, "%s/%s/%s", tn.Workspace.ID, tn.Principal.User, tn.Role)
	})
}

// withUser is the test's host authentication: the principal comes from
// test-only headers.
func withUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := r.Header.Get("X-Test-User")
		if u == "" {
			next.ServeHTTP(w, r)
			return
		}
		p := tenancy.Principal{User: tenancy.UserID(u), EmailVerified: r.Header.Get("X-Test-Unverified") == ""}
		next.ServeHTTP(w, r.WithContext(tenancy.WithPrincipal(r.Context(), p)))
	})
}

func (f *fixture) mux(g *gate.Gate) http.Handler {
	mux := http.NewServeMux()
	h := f.handler()
	mux.Handle("GET /api/crm/contacts", g.Require(f.readPerm)(h))
	mux.Handle("/api/crm/contacts", g.Require(f.writePerm)(h)) // every other method
	mux.Handle("GET /api/workspaces/{ws}/contacts", g.Require(f.readPerm)(h))
	mux.Handle("/api/workspaces/{ws}/contacts", g.Require(f.writePerm)(h))
	mux.Handle("POST /api/workspaces/{ws}/billing", g.Require(f.writePerm, gate.TrialExempt)(h))
	mux.Handle("GET /api/workspaces/{ws}/open", g.AnyMember()(h))
	mux.Handle("GET /api/workspaces/{ws}/nothing", g.Require(0)(h))
	return withUser(mux)
}

type snapshot struct {
	ws      map[tenancy.WorkspaceID]tenancy.Workspace
	members map[tenancy.WorkspaceID][]tenancy.Membership
}

func (f *fixture) snapshot(t testing.TB) snapshot {
	s := snapshot{ws: map[tenancy.WorkspaceID]tenancy.Workspace{}, members: map[tenancy.WorkspaceID][]tenancy.Membership{}}
	for _, id := range []tenancy.WorkspaceID{"w1", "w2", "wpending", "wrejected", "wsuspended", "wexpired"} {
		w, err := f.store.Workspace(context.Background(), id)
		require.NoError(t, err)
		s.ws[id] = w
		ms, err := f.store.Members(context.Background(), id, "", 0)
		require.NoError(t, err)
		s.members[id] = ms
	}
	return s
}

type call struct {
	method, path, user string
	hdr                map[string]string
}

func do(h http.Handler, c call) *httptest.ResponseRecorder {
	r := httptest.NewRequest(c.method, "http://app.example.com"+c.path, strings.NewReader(`{"workspaceId":"w2","name":"x"}`))
	if c.user != "" {
		r.Header.Set("X-Test-User", c.user)
	}
	for k, v := range c.hdr {
		r.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func problemCode(t testing.TB, rec *httptest.ResponseRecorder) problem.Code {
	t.Helper()
	require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"), rec.Body.String())
	var b problem.Body
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &b))
	require.Equal(t, rec.Code, b.Status)
	return b.Code
}

// assertDenied checks an attack: exact status and code, handler not run,
// store unchanged.
func (f *fixture) assertDenied(t *testing.T, h http.Handler, c call, status int, code problem.Code) *httptest.ResponseRecorder {
	t.Helper()
	before := f.snapshot(t)
	ran := f.ran.Load()
	rec := do(h, c)
	require.Equal(t, status, rec.Code, "%s %s: %s", c.method, c.path, rec.Body.String())
	assert.Equal(t, code, problemCode(t, rec))
	assert.Equal(t, ran, f.ran.Load(), "handler ran on a denied request")
	assert.Equal(t, before, f.snapshot(t), "store changed")
	return rec
}

func TestNewValidatesConfig(t *testing.T) {
	_, err := gate.New(gate.Config{StoreTimeout: -1, StatusAccess: map[tenancy.Status]gate.Access{"bogus": gate.AccessRead}})
	require.Error(t, err)
	for _, want := range []string{"Workspaces", "Members", "Policy", "Resolve", "Clock", "StoreTimeout", "bogus"} {
		assert.Contains(t, err.Error(), want)
	}
}

func TestMemberPassesAndHandlerReadsTenant(t *testing.T) {
	f := newFixture(t)
	h := f.mux(f.gate(t, nil))
	rec := do(h, call{"POST", "/api/crm/contacts", "alice", map[string]string{"X-Workspace-ID": "w1"}})
	require.Equal(t, 200, rec.Code, rec.Body.String())
	assert.Equal(t, "w1/alice/owner", rec.Body.String())
	assert.Equal(t, f.trialEnd.Format(time.RFC3339), rec.Header().Get("Trial-Ends-At"))
}

func TestAttack_CrossTenantThroughEveryCarrier(t *testing.T) {
	f := newFixture(t)
	h := f.mux(f.gate(t, nil))
	// Configured carriers (path value, header): a foreign workspace is 403.
	for _, method := range []string{"GET", "POST", "DELETE"} {
		f.assertDenied(t, h, call{method, "/api/crm/contacts", "alice", map[string]string{"X-Workspace-ID": "w2"}}, 403, problem.CodeWorkspaceForbidden)
		f.assertDenied(t, h, call{method, "/api/workspaces/w2/contacts", "alice", nil}, 403, problem.CodeWorkspaceForbidden)
	}
	// Unconfigured carriers never select a workspace: the request names
	// none, so it is 400 whatever they say.
	for name, c := range map[string]call{
		"query":     {"GET", "/api/crm/contacts?workspace=w2&workspaceId=w2", "alice", nil},
		"cookie":    {"GET", "/api/crm/contacts", "alice", map[string]string{"Cookie": "workspace=w2; ws=w2"}},
		"subdomain": {"GET", "/api/crm/contacts", "alice", map[string]string{"Host": "w2.app.example.com"}},
		"body":      {"POST", "/api/crm/contacts", "alice", nil}, // the body says workspaceId w2
		"other hdr": {"GET", "/api/crm/contacts", "alice", map[string]string{"X-Tenant-ID": "w2", "Workspace": "w2"}},
	} {
		t.Run(name, func(t *testing.T) {
			f.assertDenied(t, h, c, 400, problem.CodeInvalidWorkspaceID)
		})
	}
}

func TestAttack_ForbiddenIsIdenticalForAbsentAndForeignWorkspaces(t *testing.T) {
	f := newFixture(t)
	h := f.mux(f.gate(t, nil))
	var bodies []string
	// Foreign workspaces in every state and trial, and one that does not
	// exist, for reads and writes: one answer, byte for byte.
	for _, method := range []string{"GET", "POST"} {
		var first string
		for _, ws := range []string{"w2", "wpending", "wrejected", "wsuspended", "wexpired", "doesnotexist"} {
			rec := f.assertDenied(t, h, call{method, "/api/workspaces/" + ws + "/contacts", "alice", nil}, 403, problem.CodeWorkspaceForbidden)
			assert.Empty(t, rec.Header().Get("Trial-Ends-At"), "trial leaked to a non-member of %s", ws)
			hdr := rec.Header().Clone()
			got := fmt.Sprint(hdr) + rec.Body.String()
			if first == "" {
				first = got
			}
			assert.Equal(t, first, got, "response for %s differs", ws)
			bodies = append(bodies, rec.Body.String())
		}
	}
	assert.Len(t, bodies, 12)
}

func TestAttack_CarrierMismatchAndPollution(t *testing.T) {
	f := newFixture(t)
	h := f.mux(f.gate(t, nil))
	f.assertDenied(t, h, call{"GET", "/api/workspaces/w1/contacts", "alice", map[string]string{"X-Workspace-ID": "w2"}}, 400, problem.CodeWorkspaceMismatch)
	r := httptest.NewRequest("GET", "/api/crm/contacts", nil)
	r.Header.Set("X-Test-User", "alice")
	r.Header.Add("X-Workspace-ID", "w1")
	r.Header.Add("X-Workspace-ID", "w2")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	assert.Equal(t, 400, rec.Code)
	assert.Equal(t, problem.CodeWorkspaceMismatch, problemCode(t, rec))
	// Agreeing carriers pass.
	rec = do(h, call{"GET", "/api/workspaces/w1/contacts", "alice", map[string]string{"X-Workspace-ID": "w1"}})
	assert.Equal(t, 200, rec.Code)
}

func TestAttack_IDEncodingTricks(t *testing.T) {
	f := newFixture(t)
	h := f.mux(f.gate(t, nil))
	for _, v := range []string{"W2", "w2 ", " w2", "w2\x00", "w2%2F", "ｗ２", "w2,w1", strings.Repeat("w", 65)} {
		f.assertDenied(t, h, call{"GET", "/api/crm/contacts", "alice", map[string]string{"X-Workspace-ID": v}}, 400, problem.CodeInvalidWorkspaceID)
	}
	for _, p := range []string{"/api/workspaces/W2/contacts", "/api/workspaces/w2%2F..%2Fw1/contacts", "/api/workspaces/%EF%BD%972/contacts"} {
		f.assertDenied(t, h, call{"GET", p, "alice", nil}, 400, problem.CodeInvalidWorkspaceID)
	}
}

func TestAttack_PathVariantsNeverReachAnotherTenant(t *testing.T) {
	f := newFixture(t)
	h := f.mux(f.gate(t, nil))
	for _, p := range []string{
		"//api/workspaces/w2/contacts", "/api/workspaces/w2/contacts/",
		"/api/workspaces/./w2/contacts", "/api/workspaces/w1/../w2/contacts",
		"/api/workspaces/w2/./contacts", "/api/workspaces//w2/contacts",
	} {
		t.Run(p, func(t *testing.T) {
			before := f.snapshot(t)
			ran := f.ran.Load()
			rec := do(h, call{"GET", p, "alice", nil})
			// ServeMux either redirects to the clean path, answers 404, or
			// routes to the gate, which refuses the foreign workspace.
			assert.Contains(t, []int{301, 307, 308, 403, 404}, rec.Code, rec.Body.String())
			if rec.Code == 403 {
				assert.Equal(t, problem.CodeWorkspaceForbidden, problemCode(t, rec))
			}
			assert.Equal(t, ran, f.ran.Load())
			assert.Equal(t, before, f.snapshot(t))
		})
	}
}

func TestEveryStateTimesReadWrite(t *testing.T) {
	f := newFixture(t)
	h := f.mux(f.gate(t, nil))
	cases := []struct {
		ws, user string
		read     int
		readCode problem.Code
		write    int
		wCode    problem.Code
	}{
		{"w1", "alice", 200, "", 200, ""},
		{"wpending", "pat", 200, "", 403, problem.CodeWorkspacePendingApproval},
		{"wrejected", "rita", 403, problem.CodeWorkspaceRejected, 403, problem.CodeWorkspaceRejected},
		{"wsuspended", "sam", 403, problem.CodeWorkspaceSuspended, 403, problem.CodeWorkspaceSuspended},
		{"wexpired", "eve", 200, "", 402, problem.CodeTrialExpired},
	}
	for _, c := range cases {
		t.Run(c.ws, func(t *testing.T) {
			for _, m := range []struct {
				method string
				status int
				code   problem.Code
			}{{"GET", c.read, c.readCode}, {"HEAD", c.read, c.readCode}, {"POST", c.write, c.wCode}, {"PUT", c.write, c.wCode}, {"PATCH", c.write, c.wCode}, {"DELETE", c.write, c.wCode}, {"PURGE", c.write, c.wCode}} {
				cl := call{m.method, "/api/workspaces/" + c.ws + "/contacts", c.user, nil}
				if m.code != "" {
					f.assertDenied(t, h, cl, m.status, m.code)
					continue
				}
				rec := do(h, cl)
				assert.Equal(t, m.status, rec.Code, "%s %s", m.method, rec.Body.String())
			}
		})
	}
}

func TestStatusAccessIsConfigurable(t *testing.T) {
	f := newFixture(t)
	h := f.mux(f.gate(t, func(c *gate.Config) {
		c.StatusAccess = map[tenancy.Status]gate.Access{tenancy.StatusPendingApproval: gate.AccessNone}
	}))
	f.assertDenied(t, h, call{"GET", "/api/workspaces/wpending/contacts", "pat", nil}, 403, problem.CodeWorkspacePendingApproval)
}

func TestDefaultStatusAccess(t *testing.T) {
	assert.Equal(t, map[tenancy.Status]gate.Access{
		tenancy.StatusActive:          gate.AccessReadWrite,
		tenancy.StatusPendingApproval: gate.AccessRead,
		tenancy.StatusRejected:        gate.AccessNone,
		tenancy.StatusSuspended:       gate.AccessNone,
	}, gate.DefaultStatusAccess())
}

// TestAttack_DefaultPolicyCannotBeRewrittenAtRunTime: the default approval
// policy is no shared mutable map; changing the copy a caller got opens
// nothing, for gates built before or after.
func TestAttack_DefaultPolicyCannotBeRewrittenAtRunTime(t *testing.T) {
	f := newFixture(t)
	before := f.mux(f.gate(t, nil))
	m := gate.DefaultStatusAccess()
	m[tenancy.StatusSuspended] = gate.AccessReadWrite
	m[tenancy.StatusPendingApproval] = gate.AccessReadWrite
	after := f.mux(f.gate(t, nil))
	for name, h := range map[string]http.Handler{"built before": before, "built after": after} {
		t.Run(name, func(t *testing.T) {
			f.assertDenied(t, h, call{"POST", "/api/workspaces/wsuspended/contacts", "sam", nil}, 403, problem.CodeWorkspaceSuspended)
			f.assertDenied(t, h, call{"POST", "/api/workspaces/wpending/contacts", "pat", nil}, 403, problem.CodeWorkspacePendingApproval)
		})
	}
	assert.Equal(t, gate.AccessNone, gate.DefaultStatusAccess()[tenancy.StatusSuspended])
}

func TestAttack_UnverifiedEmailCannotWrite(t *testing.T) {
	f := newFixture(t)
	h := f.mux(f.gate(t, nil))
	hdr := map[string]string{"X-Test-Unverified": "1"}
	f.assertDenied(t, h, call{"POST", "/api/workspaces/w1/contacts", "alice", hdr}, 403, problem.CodeEmailUnverified)
	rec := do(h, call{"GET", "/api/workspaces/w1/contacts", "alice", hdr})
	assert.Equal(t, 200, rec.Code)
}

func TestAttack_MethodOverrideHeadersAreIgnored(t *testing.T) {
	f := newFixture(t)
	h := f.mux(f.gate(t, nil))
	for _, hname := range []string{"X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"} {
		hdr := map[string]string{hname: "GET", "X-Test-Unverified": "1"}
		f.assertDenied(t, h, call{"POST", "/api/workspaces/w1/contacts", "alice", hdr}, 403, problem.CodeEmailUnverified)
		// A viewer may read but a POST overridden "to GET" is still a write.
		f.assertDenied(t, h, call{"POST", "/api/workspaces/w1/contacts", "victor", map[string]string{hname: "GET"}}, 403, problem.CodePermissionDenied)
	}
}

func TestAttack_RevocationAppliesOnTheNextRequest(t *testing.T) {
	f := newFixture(t)
	h := f.mux(f.gate(t, nil))
	ctx := context.Background()
	require.Equal(t, 200, do(h, call{"GET", "/api/workspaces/w1/contacts", "victor", nil}).Code)
	require.NoError(t, f.store.RemoveMember(ctx, "w1", "victor"))
	f.assertDenied(t, h, call{"GET", "/api/workspaces/w1/contacts", "victor", nil}, 403, problem.CodeWorkspaceForbidden)

	require.Equal(t, 200, do(h, call{"POST", "/api/workspaces/w1/contacts", "alice", nil}).Code)
	w, err := f.store.Workspace(ctx, "w1")
	require.NoError(t, err)
	w.Status = tenancy.StatusSuspended
	_, err = f.store.UpdateWorkspace(ctx, w)
	require.NoError(t, err)
	f.assertDenied(t, h, call{"POST", "/api/workspaces/w1/contacts", "alice", nil}, 403, problem.CodeWorkspaceSuspended)
	f.assertDenied(t, h, call{"GET", "/api/workspaces/w1/contacts", "alice", nil}, 403, problem.CodeWorkspaceSuspended)
}

func TestTrialBoundaryUsesTheTrustedClockOnly(t *testing.T) {
	f := newFixture(t)
	h := f.mux(f.gate(t, nil))
	past := map[string]string{"Date": t0.Add(-30 * 24 * time.Hour).Format(http.TimeFormat)}
	future := map[string]string{"Date": t0.Add(30 * 24 * time.Hour).Format(http.TimeFormat)}

	f.clock.Set(f.trialEnd.Add(-time.Second))
	for _, hdr := range []map[string]string{nil, future} {
		rec := do(h, call{"POST", "/api/workspaces/w1/contacts", "alice", hdr})
		assert.Equal(t, 200, rec.Code, "1 s before the end writes are allowed")
	}
	f.clock.Set(f.trialEnd)
	f.assertDenied(t, h, call{"POST", "/api/workspaces/w1/contacts", "alice", nil}, 402, problem.CodeTrialExpired)
	f.clock.Set(f.trialEnd.Add(time.Second))
	for _, hdr := range []map[string]string{nil, past} {
		rec := f.assertDenied(t, h, call{"POST", "/api/workspaces/w1/contacts", "alice", hdr}, 402, problem.CodeTrialExpired)
		assert.Equal(t, f.trialEnd.Format(time.RFC3339), rec.Header().Get("Trial-Ends-At"))
	}
	// Reads and trial-exempt routes keep working.
	assert.Equal(t, 200, do(h, call{"GET", "/api/workspaces/w1/contacts", "alice", nil}).Code)
	assert.Equal(t, 200, do(h, call{"POST", "/api/workspaces/w1/billing", "alice", nil}).Code)
	// A paid plan ends the trial gate.
	ctx := context.Background()
	w, _ := f.store.Workspace(ctx, "w1")
	w.Plan = "pro"
	_, err := f.store.UpdateWorkspace(ctx, w)
	require.NoError(t, err)
	rec := do(h, call{"POST", "/api/workspaces/w1/contacts", "alice", nil})
	assert.Equal(t, 200, rec.Code)
	assert.Empty(t, rec.Header().Get("Trial-Ends-At"))
}

func TestPermissions(t *testing.T) {
	f := newFixture(t)
	h := f.mux(f.gate(t, nil))
	assert.Equal(t, 200, do(h, call{"GET", "/api/workspaces/w1/contacts", "victor", nil}).Code)
	f.assertDenied(t, h, call{"POST", "/api/workspaces/w1/contacts", "victor", nil}, 403, problem.CodePermissionDenied)
	assert.Equal(t, 200, do(h, call{"GET", "/api/workspaces/w1/open", "victor", nil}).Code)
	// A route declaring no permission admits nobody, the owner included.
	f.assertDenied(t, h, call{"GET", "/api/workspaces/w1/nothing", "alice", nil}, 403, problem.CodePermissionDenied)
}

func TestUnauthenticated(t *testing.T) {
	f := newFixture(t)
	h := f.mux(f.gate(t, nil))
	f.assertDenied(t, h, call{"GET", "/api/workspaces/w1/contacts", "", nil}, 401, problem.CodeUnauthenticated)
}

type failingStore struct {
	tenancy.WorkspaceReader
	tenancy.MembershipReader
	err   error
	block bool
}

func (s failingStore) Membership(ctx context.Context, ws tenancy.WorkspaceID, u tenancy.UserID) (tenancy.Membership, error) {
	if s.block {
		<-ctx.Done()
		return tenancy.Membership{}, ctx.Err()
	}
	return tenancy.Membership{}, s.err
}

func TestAttack_StoreFailureFailsClosed(t *testing.T) {
	f := newFixture(t)
	secretErr := errors.New("mongo: auth failed for user admin password=hunter2")
	for name, mod := range map[string]func(*gate.Config){
		"error": func(c *gate.Config) { c.Members = failingStore{err: secretErr} },
		"timeout": func(c *gate.Config) {
			c.Members = failingStore{block: true}
			c.StoreTimeout = 20 * time.Millisecond
		},
	} {
		t.Run(name, func(t *testing.T) {
			h := f.mux(f.gate(t, mod))
			rec := f.assertDenied(t, h, call{"GET", "/api/workspaces/w1/contacts", "alice", nil}, 503, problem.CodeUnavailable)
			assert.NotContains(t, rec.Body.String(), "hunter2")
			assert.NotContains(t, rec.Body.String(), "mongo")
			f.mu.Lock()
			last := f.decisions[len(f.decisions)-1]
			f.mu.Unlock()
			assert.Equal(t, problem.CodeUnavailable, last.Reason)
			assert.Error(t, last.Err, "the observer sees the cause")
		})
	}
	t.Run("request deadline", func(t *testing.T) {
		h := f.mux(f.gate(t, func(c *gate.Config) { c.Members = failingStore{block: true} }))
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		r := httptest.NewRequest("GET", "/api/workspaces/w1/contacts", nil).WithContext(ctx)
		r.Header.Set("X-Test-User", "alice")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		assert.Equal(t, 503, rec.Code)
	})
}

func TestObserverSeesEveryDecision(t *testing.T) {
	f := newFixture(t)
	h := f.mux(f.gate(t, nil))
	do(h, call{"GET", "/api/workspaces/w1/contacts", "alice", nil})
	do(h, call{"GET", "/api/workspaces/w2/contacts", "alice", nil})
	f.mu.Lock()
	defer f.mu.Unlock()
	require.Len(t, f.decisions, 2)
	assert.True(t, f.decisions[0].Allowed)
	assert.Equal(t, "owner", f.decisions[0].Role)
	assert.False(t, f.decisions[1].Allowed)
	assert.Equal(t, problem.CodeWorkspaceForbidden, f.decisions[1].Reason)
	assert.Empty(t, f.decisions[1].Role)
}

func TestDenyWriterIsReplaceable(t *testing.T) {
	f := newFixture(t)
	h := f.mux(f.gate(t, func(c *gate.Config) {
		c.Deny = func(w http.ResponseWriter, r *http.Request, err error) {
			w.WriteHeader(problem.From(err).Status())
			fmt.Fprint(w, "custom:", problem.From(err).Code)
		}
	}))
	rec := do(h, call{"GET", "/api/workspaces/w2/contacts", "alice", nil})
	assert.Equal(t, 403, rec.Code)
	assert.Equal(t, "custom:workspace_forbidden", rec.Body.String())
}

func TestCheckIsPure(t *testing.T) {
	f := newFixture(t)
	g := f.gate(t, nil)
	r := httptest.NewRequest("DELETE", "/x", nil)
	r.Header.Set("X-Workspace-ID", "w1")
	r = r.WithContext(tenancy.WithPrincipal(r.Context(), tenancy.Principal{User: "victor", EmailVerified: true}))
	d, tn := g.Check(r, gate.Route{Permission: f.writePerm})
	assert.False(t, d.Allowed)
	assert.True(t, d.Write)
	assert.Equal(t, problem.CodePermissionDenied, d.Reason)
	assert.ErrorIs(t, d.Error(), problem.ErrPermissionDenied)
	assert.Equal(t, tenancy.WorkspaceID("w1"), tn.Workspace.ID)
}

func TestAttack_CanceledRequestFailsClosedOnTheCombinedRead(t *testing.T) {
	f := newFixture(t)
	h := f.mux(f.gate(t, nil)) // memstore answers both reads in one call
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest("GET", "/api/workspaces/w1/contacts", nil).WithContext(ctx)
	r.Header.Set("X-Test-User", "alice")
	rec := httptest.NewRecorder()
	ran := f.ran.Load()
	h.ServeHTTP(rec, r)
	assert.Equal(t, 503, rec.Code)
	assert.Equal(t, problem.CodeUnavailable, problemCode(t, rec))
	assert.Equal(t, ran, f.ran.Load())
}

package gatetest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/gatetest"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/rbac"
	"github.com/tenantgate/tenantgate/tenancy"
)

// contacts is a host's per-workspace object store.
type contacts struct {
	mu   sync.Mutex
	byID map[string]tenancy.WorkspaceID
}

func (c *contacts) add(ws tenancy.WorkspaceID, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byID[id] = ws
}

func (c *contacts) owner(id string) (tenancy.WorkspaceID, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ws, ok := c.byID[id]
	return ws, ok
}

type host struct {
	env      *gatetest.Env
	contacts *contacts
	mux      *http.ServeMux
}

// newHost builds a small CRM router. broken selects a vulnerability.
func newHost(t *testing.T, broken string) *host {
	reg := rbac.NewRegistry()
	read := reg.MustRegister("contacts:read")
	write := reg.MustRegister("contacts:write")
	env := gatetest.New(t, gatetest.Config{Registry: reg})
	membersRead, _ := reg.Lookup(rbac.MembersRead)
	h := &host{env: env, contacts: &contacts{byID: map[string]tenancy.WorkspaceID{}}, mux: http.NewServeMux()}
	g := env.Gate
	getContact := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, _ := tenancy.FromContext(r.Context())
		ws, ok := h.contacts.owner(r.PathValue("id"))
		if !ok || (broken != "idor" && ws != t.Workspace.ID) {
			problem.Write(w, r, problem.ErrNotFound)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	list := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	switch broken {
	case "ungated":
		h.mux.Handle("GET /api/workspaces/{ws}/contacts", list)
	case "leaktrial":
		// A host that decorates every answer with the addressed
		// workspace's trial end, members or not.
		h.mux.Handle("GET /api/workspaces/{ws}/contacts", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if ws, err := env.Tenancy.Workspace(r.Context(), tenancy.WorkspaceID(r.PathValue("ws"))); err == nil {
				w.Header().Set("Trial-Ends-At", ws.TrialEndsAt.Format(time.RFC3339))
			}
			g.Require(read)(list).ServeHTTP(w, r)
		}))
	default:
		h.mux.Handle("GET /api/workspaces/{ws}/contacts", g.Require(read)(list))
	}
	h.mux.Handle("GET /api/workspaces/{ws}/contacts/{id}", g.Require(read)(getContact))
	h.mux.Handle("POST /api/workspaces/{ws}/contacts", g.Require(write)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
	})))
	h.mux.Handle("GET /api/workspaces/{ws}/members", g.Require(membersRead)(list))
	h.mux.Handle("PATCH /api/workspaces/{ws}/members/{user}", g.AnyMember()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, _ := tenancy.FromContext(r.Context())
		var body struct{ Role string }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			problem.Write(w, r, problem.ErrInvalidRequest)
			return
		}
		if err := env.Team.ChangeRole(r.Context(), t.Principal, t.Workspace.ID, tenancy.UserID(r.PathValue("user")), body.Role); err != nil {
			problem.Write(w, r, err)
			return
		}
		w.WriteHeader(http.StatusOK)
	})))
	h.mux.Handle("GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if broken == "plainerrors" {
			http.Error(w, "nope", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	return h
}

var allRoles = func(status int) map[string]int {
	m := map[string]int{}
	for _, r := range rbac.BuiltinRoleNames() {
		m[r] = status
	}
	return m
}

func (h *host) routes() []gatetest.Route {
	seedContact := func(t gatetest.T, c *gatetest.Cell) {
		c.Vars["contact"] = "c-" + string(c.Workspace.ID)
		h.contacts.add(c.Workspace.ID, c.Vars["contact"])
	}
	return []gatetest.Route{
		{
			Method: "GET", Path: "/api/workspaces/{ws}/contacts",
			Want: map[string]int{"owner": 200, "admin": 200, "billing": 403, "manager": 200, "agent": 200, "auditor": 200, "viewer": 200},
		},
		{
			Method: "GET", Path: "/api/workspaces/{ws}/contacts/{contact}", Setup: seedContact,
			Want:              map[string]int{"owner": 200, "admin": 200, "billing": 403, "manager": 200, "agent": 200, "auditor": 200, "viewer": 200},
			WantForeignObject: http.StatusNotFound,
		},
		{
			Method: "POST", Path: "/api/workspaces/{ws}/contacts", Body: `{"name":"Ada"}`,
			Want: map[string]int{"owner": 201, "admin": 201, "billing": 403, "manager": 201, "agent": 201, "auditor": 403, "viewer": 403},
		},
		{
			Method: "GET", Path: "/api/workspaces/{ws}/members",
			Want: map[string]int{"owner": 200, "admin": 200, "billing": 403, "manager": 200, "agent": 403, "auditor": 200, "viewer": 403},
		},
		{
			// Promote the target viewer to agent: the team service's rules
			// answer, through the host's handler.
			Method: "PATCH", Path: "/api/workspaces/{ws}/members/{target}", Body: `{"role":"agent"}`,
			Want: map[string]int{"owner": 200, "admin": 200, "billing": 403, "manager": 403, "agent": 403, "auditor": 403, "viewer": 403},
		},
		{
			Method: "GET", Path: "/healthz", NotWorkspaceScoped: true, Want: allRoles(200), WantAnonymous: 200,
		},
	}
}

func TestRunner_CorrectHostPassesEveryCell(t *testing.T) {
	h := newHost(t, "")
	rn := &gatetest.Runner{Env: h.env, Handler: h.mux}
	rn.Run(t, h.routes())
}

func TestRunner_HeaderAuthentication(t *testing.T) {
	h := newHost(t, "")
	rn := &gatetest.Runner{Env: h.env, Handler: h.env.Authenticate(h.mux), Authenticate: func(r *http.Request, u gatetest.User) *http.Request {
		r.Header.Set(gatetest.UserHeader, string(u.ID)) // only the header: the middleware must do the rest
		return r
	}}
	rn.Run(t, h.routes())
}

// TestRunner_CatchesBrokenHosts proves the runner fails when a host is
// vulnerable: each broken router must produce the named failing cases.
func TestRunner_CatchesBrokenHosts(t *testing.T) {
	tests := []struct {
		name       string
		broken     string
		route      int
		wantFailed []string
	}{
		{"route without a gate leaks across tenants", "ungated", 0,
			[]string{"billing", "anonymous", "cross-tenant", "cross-tenant-absent"}},
		{"object lookup ignores the workspace (IDOR)", "idor", 1, []string{"foreign-object"}},
		{"error that is not problem+json", "plainerrors", 5, nil},
		{"forbidden answer leaks the trial end", "leaktrial", 0, []string{"cross-tenant", "cross-tenant-absent"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHost(t, tt.broken)
			rt := h.routes()[tt.route]
			if tt.broken == "plainerrors" {
				rt.WantAnonymous = 0 // the host's plain 401 must be reported as not problem+json
				rt.Want = allRoles(401)
			}
			rn := &gatetest.Runner{Env: h.env, Handler: h.mux}
			var failed []string
			for _, r := range gatetest.Failures(rn.Check([]gatetest.Route{rt})) {
				failed = append(failed, r.Case)
			}
			if tt.wantFailed == nil {
				assert.Len(t, failed, len(rbac.BuiltinRoleNames())+1, "every cell with an error answer fails: %v", failed)
				return
			}
			assert.Equal(t, tt.wantFailed, failed)
		})
	}
}

func TestRunner_TableMustCoverEveryRole(t *testing.T) {
	h := newHost(t, "")
	rt := h.routes()[0]
	delete(rt.Want, rbac.RoleAuditor)
	rt.Want["superuser"] = 200
	rn := &gatetest.Runner{Env: h.env, Handler: h.mux}
	fails := gatetest.Failures(rn.Check([]gatetest.Route{rt}))
	require.NotEmpty(t, fails)
	assert.Contains(t, fails[0].Problem, "superuser")
}

func TestRunner_CustomRoles(t *testing.T) {
	h := newHost(t, "")
	rn := &gatetest.Runner{
		Env: h.env, Handler: h.mux,
		Roles:       append(append([]string(nil), rbac.BuiltinRoleNames()...), "support"),
		CustomRoles: map[string][]string{"support": {"contacts:read", "members:read"}},
	}
	routes := h.routes()[:4]
	routes[0].Want["support"] = 200
	routes[1].Want["support"] = 200
	routes[2].Want["support"] = 403
	routes[3].Want["support"] = 200
	rn.Run(t, routes)
}

func TestClock(t *testing.T) {
	c := gatetest.NewClock(time.Time{})
	assert.Equal(t, gatetest.DefaultStart, c.Now())
	assert.Equal(t, gatetest.DefaultStart.Add(time.Hour), c.Advance(time.Hour))
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 3600))
	c.Set(at)
	assert.True(t, at.Equal(c.Now()))
	assert.Equal(t, time.UTC, c.Now().Location())
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); c.Advance(time.Second); _ = c.Now() }()
	}
	wg.Wait()
	assert.True(t, at.Add(50*time.Second).Equal(c.Now()))
}

func TestAuthenticate(t *testing.T) {
	env := gatetest.New(t, gatetest.Config{})
	u := env.User(t, gatetest.Unverified)
	var got tenancy.Principal
	var sawHeader bool
	h := env.Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = tenancy.PrincipalFromContext(r.Context())
		_, sawHeader = r.Header[gatetest.UserHeader]
	}))
	tests := []struct {
		name   string
		header []string
		want   tenancy.Principal
	}{
		{"known user", []string{string(u.ID)}, tenancy.Principal{User: u.ID}},
		{"unknown user", []string{"u-nobody"}, tenancy.Principal{}},
		{"two headers", []string{string(u.ID), string(u.ID)}, tenancy.Principal{}},
		{"none", nil, tenancy.Principal{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = tenancy.Principal{}
			r := httptest.NewRequest("GET", "/", strings.NewReader(""))
			for _, v := range tt.header {
				r.Header.Add(gatetest.UserHeader, v)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			assert.Equal(t, tt.want, got)
			assert.False(t, sawHeader, "the test header never reaches the host")
		})
	}
}

func TestNewEnv_BuildersFailOnConflicts(t *testing.T) {
	env := gatetest.New(t, gatetest.Config{})
	owner := env.User(t)
	ws := env.Workspace(t, owner, gatetest.Status(tenancy.StatusPendingApproval))
	assert.Equal(t, tenancy.StatusPendingApproval, ws.Status)
	assert.True(t, ws.TrialEndsAt.IsZero())
	assert.Panics(t, func() {
		env.Workspace(panicT{}, owner) // one workspace per owner
	})
}

type panicT struct{}

func (panicT) Helper()                           {}
func (panicT) Fatalf(format string, args ...any) { panic(format) }

func TestRunner_ValidatesItself(t *testing.T) {
	env := gatetest.New(t, gatetest.Config{})
	tests := []struct {
		name string
		rn   gatetest.Runner
	}{
		{"no env", gatetest.Runner{Handler: http.NotFoundHandler()}},
		{"no handler", gatetest.Runner{Env: env}},
		{"undefined custom role", gatetest.Runner{Env: env, Handler: http.NotFoundHandler(), Roles: []string{"owner", "ghost"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Panics(t, func() { tt.rn.Check(nil) })
		})
	}
}

func TestRunner_IgnoresPerRequestHeaders(t *testing.T) {
	h := newHost(t, "")
	var n int
	var mu sync.Mutex
	withRequestID := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		w.Header().Set("X-Request-Id", fmt.Sprintf("req-%d", n))
		mu.Unlock()
		h.mux.ServeHTTP(w, r)
	})
	rt := h.routes()[0]
	rn := &gatetest.Runner{Env: h.env, Handler: withRequestID}
	assert.Empty(t, gatetest.Failures(rn.Check([]gatetest.Route{rt})))
	rn.VaryingHeaders = []string{"Date"} // the request id now counts
	var failed []string
	for _, r := range gatetest.Failures(rn.Check([]gatetest.Route{rt})) {
		failed = append(failed, r.Case)
	}
	assert.Equal(t, []string{"cross-tenant-absent"}, failed)
}

package gate_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/gate"
	"github.com/tenantgate/tenantgate/gatetest"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/rbac"
	"github.com/tenantgate/tenantgate/tenancy"
)

func gateRoute() gate.Route { return gate.Route{} }

// TestRBAC_RoleDowngradedDeniedOnNextRequest: ASVS 8.3.2, changes apply
// immediately. The agent writes, is demoted to viewer by the owner, and
// its very next write is refused; removal closes reads too.
func TestRBAC_RoleDowngradedDeniedOnNextRequest(t *testing.T) {
	env := rbacEnv(t)
	owner := env.User(t)
	ws := env.Workspace(t, owner)
	agent := env.Member(t, ws.ID, rbac.RoleAgent)
	write, _ := env.Registry.Lookup("contacts:write")
	read, _ := env.Registry.Lookup("contacts:read")
	w := env.Gate.Require(write)(rbacOK)
	r := env.Gate.Require(read)(rbacOK)
	ctx := context.Background()

	require.Equal(t, http.StatusOK, rbacDo(w, http.MethodPost, string(ws.ID), agent).Code)
	require.NoError(t, env.Team.ChangeRole(ctx, owner.Principal(), ws.ID, agent.ID, rbac.RoleViewer))
	rec := rbacDo(w, http.MethodPost, string(ws.ID), agent)
	assert.Equal(t, http.StatusForbidden, rec.Code)
	assert.Equal(t, problem.CodePermissionDenied, rbacCode(t, rec))
	assert.Equal(t, http.StatusOK, rbacDo(r, http.MethodGet, string(ws.ID), agent).Code, "a viewer still reads")

	require.NoError(t, env.Team.RemoveMember(ctx, owner.Principal(), ws.ID, agent.ID))
	rec = rbacDo(r, http.MethodGet, string(ws.ID), agent)
	assert.Equal(t, http.StatusForbidden, rec.Code)
	assert.Equal(t, problem.CodeWorkspaceForbidden, rbacCode(t, rec), "a removed member is a stranger")
}

// TestRBAC_RolesAreScopedToTheirWorkspace: the owner of W2 who is an agent
// in W1 has agent rights in W1, owner rights in W2, and nothing in W3.
func TestRBAC_RolesAreScopedToTheirWorkspace(t *testing.T) {
	env := rbacEnv(t)
	w1 := env.Workspace(t, env.User(t))
	u := env.User(t)
	w2 := env.Workspace(t, u)
	w3 := env.Workspace(t, env.User(t))
	env.AddMember(t, w1.ID, u, rbac.RoleAgent)
	tests := []struct {
		perm string
		ws   tenancy.WorkspaceID
		want problem.Code
	}{
		{"contacts:write", w1.ID, ""},
		{"members:write", w1.ID, problem.CodePermissionDenied},
		{"billing:write", w1.ID, problem.CodePermissionDenied},
		{"workspace:delete", w1.ID, problem.CodePermissionDenied},
		{"members:write", w2.ID, ""},
		{"billing:write", w2.ID, ""},
		{"contacts:read", w3.ID, problem.CodeWorkspaceForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.perm+" in "+string(tt.ws), func(t *testing.T) {
			perm, _ := env.Registry.Lookup(tt.perm)
			rec := rbacDo(env.Gate.Require(perm)(rbacOK), http.MethodPost, string(tt.ws), u)
			assert.Equal(t, tt.want, rbacCode(t, rec))
		})
	}
}

// TestRBAC_CustomRoles: a workspace's custom role grants exactly its
// permissions in that workspace, a redefinition applies on the next
// request, and a deleted role holds nothing.
func TestRBAC_CustomRoles(t *testing.T) {
	env := rbacEnv(t)
	owner := env.User(t)
	ws := env.Workspace(t, owner)
	other := env.Workspace(t, env.User(t))
	ctx := context.Background()
	require.NoError(t, env.Team.DefineRole(ctx, owner.Principal(), ws.ID, "support", []string{"contacts:read", "members:read"}))
	u := env.Member(t, ws.ID, "support")
	env.AddMember(t, other.ID, u, "support") // same name, undefined in other
	read, _ := env.Registry.Lookup("contacts:read")
	write, _ := env.Registry.Lookup("contacts:write")
	r, w := env.Gate.Require(read)(rbacOK), env.Gate.Require(write)(rbacOK)

	assert.Equal(t, problem.Code(""), rbacCode(t, rbacDo(r, http.MethodGet, string(ws.ID), u)))
	assert.Equal(t, problem.CodePermissionDenied, rbacCode(t, rbacDo(w, http.MethodPost, string(ws.ID), u)))
	assert.Equal(t, problem.CodePermissionDenied, rbacCode(t, rbacDo(r, http.MethodGet, string(other.ID), u)),
		"a role another workspace defines grants nothing here")

	require.NoError(t, env.Team.DefineRole(ctx, owner.Principal(), ws.ID, "support", []string{"contacts:read", "contacts:write"}))
	assert.Equal(t, problem.Code(""), rbacCode(t, rbacDo(w, http.MethodPost, string(ws.ID), u)), "redefinition applies on the next request")

	require.NoError(t, env.Team.DeleteRole(ctx, owner.Principal(), ws.ID, "support"))
	assert.Equal(t, problem.CodePermissionDenied, rbacCode(t, rbacDo(r, http.MethodGet, string(ws.ID), u)))
}

// rbacDiscard is a ResponseWriter that allocates nothing.
type rbacDiscard struct{ h http.Header }

func (d *rbacDiscard) Header() http.Header         { return d.h }
func (d *rbacDiscard) Write(p []byte) (int, error) { return len(p), nil }
func (d *rbacDiscard) WriteHeader(int)             {}

func benchRBAC(b *testing.B, role string, perm string, custom bool) {
	env := rbacEnv(b)
	ws := env.Workspace(b, env.User(b), gatetest.Plan("pro"))
	if custom {
		env.DefineRole(b, ws.ID, role, "contacts:read", "contacts:write")
	}
	u := env.Member(b, ws.ID, role)
	p, _ := env.Registry.Lookup(perm)
	h := env.Gate.Require(p)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	r := httptest.NewRequest(http.MethodPost, "/x", nil)
	r.Header.Set("X-Workspace-ID", string(ws.ID))
	r = r.WithContext(tenancy.WithPrincipal(r.Context(), u.Principal()))
	w := &rbacDiscard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

// BenchmarkRequire_BuiltinRoleAllowed is the whole chain with a built-in
// role's permission check.
func BenchmarkRequire_BuiltinRoleAllowed(b *testing.B) {
	benchRBAC(b, rbac.RoleAgent, "contacts:write", false)
}

// BenchmarkRequire_PermissionDenied is the chain ending in a 403
// permission_denied problem+json.
func BenchmarkRequire_PermissionDenied(b *testing.B) {
	benchRBAC(b, rbac.RoleViewer, "contacts:write", false)
}

// BenchmarkRequire_CustomRoleAllowed adds the RoleStore read of a custom
// role.
func BenchmarkRequire_CustomRoleAllowed(b *testing.B) {
	benchRBAC(b, "support", "contacts:write", true)
}

// BenchmarkCheck_Permission is the pure decision, no response.
func BenchmarkCheck_Permission(b *testing.B) {
	env := rbacEnv(b)
	ws := env.Workspace(b, env.User(b), gatetest.Plan("pro"))
	u := env.Member(b, ws.ID, rbac.RoleAgent)
	p, _ := env.Registry.Lookup("contacts:write")
	r := httptest.NewRequest(http.MethodPost, "/x", nil)
	r.Header.Set("X-Workspace-ID", string(ws.ID))
	r = r.WithContext(tenancy.WithPrincipal(r.Context(), u.Principal()))
	rt := gate.Route{Permission: p}
	b.ReportAllocs()
	for b.Loop() {
		d, _ := env.Gate.Check(r, rt)
		if !d.Allowed {
			b.Fatal(d.Reason)
		}
	}
}

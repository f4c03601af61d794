package gate_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/gate"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/rbac"
	"github.com/tenantgate/tenantgate/team"
	"github.com/tenantgate/tenantgate/tenancy"
)

// Attack: a custom role record written behind the library's back (a
// tampered database, an import) claims workspace:delete. Its members get
// none of the owner-only rights; its other rights still apply.
func TestAttack_StoredCustomRoleWithOwnerRight(t *testing.T) {
	env := rbacEnv(t)
	owner := env.User(t)
	ws := env.Workspace(t, owner)
	require.NoError(t, env.Roles.CreateRole(context.Background(), team.RoleDef{Workspace: ws.ID, Name: "closer",
		Permissions: []string{"contacts:read", rbac.WorkspaceDelete, rbac.WorkspaceTransfer}, CreatedAt: time.Unix(0, 0)}))
	u := env.Member(t, ws.ID, "closer")
	del, _ := env.Registry.Lookup(rbac.WorkspaceDelete)
	tr, _ := env.Registry.Lookup(rbac.WorkspaceTransfer)
	read, _ := env.Registry.Lookup("contacts:read")
	assert.Equal(t, problem.CodePermissionDenied, rbacCode(t, rbacDo(env.Gate.Require(del)(rbacOK), http.MethodDelete, string(ws.ID), u)))
	assert.Equal(t, problem.CodePermissionDenied, rbacCode(t, rbacDo(env.Gate.Require(tr)(rbacOK), http.MethodPost, string(ws.ID), u)))
	assert.Equal(t, problem.Code(""), rbacCode(t, rbacDo(env.Gate.Require(read)(rbacOK), http.MethodGet, string(ws.ID), u)))
}

// principalCtxKey is a key type an attacker-controlled or careless layer
// might use to plant a principal.
type principalCtxKey struct{}

// Attack: plant a principal in the context without tenancy.WithPrincipal
// (a string key, another key type, a Tenant value under a foreign key), or
// present an operator flag without a user or without membership. None
// reaches the handler.
func TestAttack_PlantedPrincipalsAndOperatorFlag(t *testing.T) {
	env := rbacEnv(t)
	owner := env.User(t)
	ws := env.Workspace(t, owner)
	read, _ := env.Registry.Lookup("contacts:read")
	h := env.Gate.Require(read)(rbacOK)
	do := func(ctx context.Context) problem.Code {
		r := httptest.NewRequest(http.MethodGet, "/api/workspaces/"+string(ws.ID)+"/x", nil)
		r.SetPathValue("ws", string(ws.ID))
		r = r.WithContext(ctx)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rbacCode(t, rec)
	}
	p := owner.Principal()
	bg := context.Background()
	type stringKeyT = string
	stringKey := context.WithValue(bg, stringKeyT("principal"), p) //nolint:staticcheck // the attack is a string key
	cases := map[string]struct {
		ctx  context.Context
		want problem.Code
	}{
		"string key":                  {stringKey, problem.CodeUnauthenticated},
		"foreign key type":            {context.WithValue(bg, principalCtxKey{}, &p), problem.CodeUnauthenticated},
		"tenant under a foreign key":  {context.WithValue(bg, principalCtxKey{}, &tenancy.Tenant{Principal: p, Workspace: ws, Role: "owner"}), problem.CodeUnauthenticated},
		"operator without a user":     {tenancy.WithPrincipal(bg, tenancy.Principal{Operator: true, EmailVerified: true}), problem.CodeUnauthenticated},
		"impersonator without a user": {tenancy.WithPrincipal(bg, tenancy.Principal{Impersonator: owner.ID, EmailVerified: true}), problem.CodeUnauthenticated},
		"operator who is not a member": {tenancy.WithPrincipal(bg, tenancy.Principal{User: env.User(t).ID, Operator: true, EmailVerified: true}),
			problem.CodeWorkspaceForbidden},
		"the real owner": {tenancy.WithPrincipal(bg, p), ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, do(tc.ctx))
		})
	}
}

// Attack: configure an approval override for a status the library does not
// know (a typo that would otherwise silently leave the default in place).
func TestAttack_StatusAccessUnknownStatusRefused(t *testing.T) {
	env := rbacEnv(t)
	for _, s := range []tenancy.Status{"Active", "suspended ", "", "archived"} {
		_, err := gate.New(gate.Config{Workspaces: env.Tenancy, Members: env.Tenancy, Policy: env.Policy,
			Resolve: tenancy.FromHeader("X-Workspace-ID"), Clock: env.Clock,
			StatusAccess: map[tenancy.Status]gate.Access{s: gate.AccessReadWrite}})
		require.Error(t, err, "%q", s)
	}
}

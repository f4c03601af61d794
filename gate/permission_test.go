package gate_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/gatetest"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/rbac"
	"github.com/tenantgate/tenantgate/tenancy"
)

// rbacEnv is an Env whose host registers contacts:read and contacts:write,
// the registry of rbac's published matrix.
func rbacEnv(t testing.TB) *gatetest.Env {
	reg := rbac.NewRegistry()
	reg.MustRegister("contacts:read")
	reg.MustRegister("contacts:write")
	return gatetest.New(t, gatetest.Config{Registry: reg})
}

func rbacDo(h http.Handler, method, ws string, u gatetest.User) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "/api/workspaces/"+ws+"/x", nil)
	r.SetPathValue("ws", ws)
	r = gatetest.As(r, u)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func rbacCode(t testing.TB, rec *httptest.ResponseRecorder) problem.Code {
	t.Helper()
	if rec.Code < 400 {
		return ""
	}
	require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
	var body struct {
		Code problem.Code `json:"code"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	return body.Code
}

var rbacOK = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })

// TestPermission_EveryRoleEveryPermission plays every built-in role ×
// every registered permission through g.Require, as a write (the strictest
// method), and compares with rbac's published matrix (rbac/testdata).
func TestPermission_EveryRoleEveryPermission(t *testing.T) {
	raw, err := os.ReadFile("../rbac/testdata/matrix.json")
	require.NoError(t, err)
	var published rbac.Matrix
	require.NoError(t, json.Unmarshal(raw, &published))

	env := rbacEnv(t)
	owner := env.User(t)
	ws := env.Workspace(t, owner)
	users := map[string]gatetest.User{rbac.RoleOwner: owner}
	for _, role := range rbac.BuiltinRoleNames()[1:] {
		users[role] = env.Member(t, ws.ID, role)
	}
	require.Equal(t, published.Permissions, env.Registry.All())
	for _, name := range env.Registry.All() {
		perm, _ := env.Registry.Lookup(name)
		h := env.Gate.Require(perm)(rbacOK)
		for _, role := range rbac.BuiltinRoleNames() {
			t.Run(role+"/"+name, func(t *testing.T) {
				rec := rbacDo(h, http.MethodPost, string(ws.ID), users[role])
				if published.Allows(role, name) {
					assert.Equal(t, http.StatusOK, rec.Code)
					return
				}
				assert.Equal(t, http.StatusForbidden, rec.Code)
				assert.Equal(t, problem.CodePermissionDenied, rbacCode(t, rec))
			})
		}
	}
}

func TestPermission_ZeroPermissionDeniesEveryone(t *testing.T) {
	env := rbacEnv(t)
	owner := env.User(t)
	ws := env.Workspace(t, owner)
	h := env.Gate.Require(0)(rbacOK)
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		rec := rbacDo(h, m, string(ws.ID), owner)
		assert.Equal(t, http.StatusForbidden, rec.Code)
		assert.Equal(t, problem.CodePermissionDenied, rbacCode(t, rec))
	}
	rec := rbacDo(env.Gate.Middleware(gateRoute())(rbacOK), http.MethodGet, string(ws.ID), owner)
	assert.Equal(t, problem.CodePermissionDenied, rbacCode(t, rec), "the zero Route fails closed")
}

// TestPermission_DeniedOnlyAfterTheOtherGates: a member lacking the
// permission learns the earlier gate's answer first.
func TestPermission_DeniedOnlyAfterTheOtherGates(t *testing.T) {
	tests := []struct {
		name   string
		opts   []gatetest.WorkspaceOption
		method string
		expire bool
		want   problem.Code
	}{
		{"pending workspace, write", []gatetest.WorkspaceOption{gatetest.Status(tenancy.StatusPendingApproval)}, http.MethodPost, false, problem.CodeWorkspacePendingApproval},
		{"suspended workspace, read", []gatetest.WorkspaceOption{gatetest.Status(tenancy.StatusSuspended)}, http.MethodGet, false, problem.CodeWorkspaceSuspended},
		{"expired trial, write", nil, http.MethodPost, true, problem.CodeTrialExpired},
		{"expired trial, read", nil, http.MethodGet, true, problem.CodePermissionDenied},
		{"active, write", nil, http.MethodPost, false, problem.CodePermissionDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := rbacEnv(t)
			ws := env.Workspace(t, env.User(t), tt.opts...)
			billing := env.Member(t, ws.ID, rbac.RoleBilling)
			if tt.expire {
				env.Clock.Advance(gatetest.DefaultTrial)
			}
			perm, _ := env.Registry.Lookup("contacts:read")
			rec := rbacDo(env.Gate.Require(perm)(rbacOK), tt.method, string(ws.ID), billing)
			assert.Equal(t, tt.want, rbacCode(t, rec))
		})
	}
}

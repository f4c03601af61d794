package gatetest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tenantgate/tenantgate/gatetest"
	"github.com/tenantgate/tenantgate/rbac"
	"github.com/tenantgate/tenantgate/tenancy"
)

// Attack on the runner's promise: hosts that tell a non-member whether a
// workspace exists, by means the gate does not control, must fail the
// generated cross-tenant-absent cell.
func TestAttack_RunnerCatchesExistenceOracles(t *testing.T) {
	oracles := map[string]func(env *gatetest.Env, gated http.Handler) http.Handler{
		// A decorating middleware adds a header only for real workspaces.
		"extra header": func(env *gatetest.Env, gated http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if _, err := env.Tenancy.Workspace(r.Context(), tenancy.WorkspaceID(r.PathValue("ws"))); err == nil {
					w.Header().Set("X-Workspace-Region", "eu")
				}
				gated.ServeHTTP(w, r)
			})
		},
		// A lookup before the gate answers 404 for absent workspaces.
		"404 before the gate": func(env *gatetest.Env, gated http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if _, err := env.Tenancy.Workspace(r.Context(), tenancy.WorkspaceID(r.PathValue("ws"))); err != nil {
					http.NotFound(w, r)
					return
				}
				gated.ServeHTTP(w, r)
			})
		},
	}
	for name, wrap := range oracles {
		t.Run(name, func(t *testing.T) {
			reg := rbac.NewRegistry()
			read := reg.MustRegister("contacts:read")
			env := gatetest.New(t, gatetest.Config{Registry: reg})
			ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
			mux := http.NewServeMux()
			mux.Handle("GET /api/workspaces/{ws}/contacts", wrap(env, env.Gate.Require(read)(ok)))
			rn := &gatetest.Runner{Env: env, Handler: mux}
			var failed []string
			for _, r := range gatetest.Failures(rn.Check([]gatetest.Route{{
				Method: "GET", Path: "/api/workspaces/{ws}/contacts",
				Want: map[string]int{"owner": 200, "admin": 200, "billing": 403, "manager": 200, "agent": 200, "auditor": 200, "viewer": 200},
			}})) {
				failed = append(failed, r.Case)
			}
			assert.Contains(t, failed, "cross-tenant-absent")
		})
	}
}

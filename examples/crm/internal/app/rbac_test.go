package app

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/gatetest"
)

// TestRBACTruthTable plays every workspace route × every built-in role
// through gatetest against the server's real router, plus the anonymous
// request, the generated cross-tenant attacks and, for contact routes, the
// foreign-object attack (another workspace's owner naming this contact).
func TestRBACTruthTable(t *testing.T) {
	reg := NewRegistry()
	env := gatetest.New(t, gatetest.Config{Registry: reg})
	a, err := New(Config{
		InviteCode: testInviteCode, OperatorEmail: testOperator, OperatorPassword: testOperatorPw,
		Password: PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1},
		Clock:    env.Clock, Registry: reg,
		Stores: Stores{Tenancy: env.Tenancy, Roles: env.Roles, Invites: env.Invites, Audit: env.Audit},
	})
	require.NoError(t, err)

	const (
		ok, created, noContent, denied = http.StatusOK, http.StatusCreated, http.StatusNoContent, http.StatusForbidden
	)
	only := func(status int, roles ...string) map[string]int {
		m := map[string]int{"owner": denied, "admin": denied, "billing": denied, "manager": denied, "agent": denied, "auditor": denied, "viewer": denied}
		for _, r := range roles {
			m[r] = status
		}
		return m
	}
	wsHeader := http.Header{"X-Workspace-Id": {"{ws}"}}
	withContact := func(t gatetest.T, c *gatetest.Cell) {
		id := newContactID(env.Clock.Now())
		if err := a.stores.Contacts.CreateContact(context.Background(), c.Workspace.ID, Contact{ID: id, Name: "Ada"}); err != nil {
			t.Fatalf("%v", err)
		}
		c.Vars["contact"] = id
	}
	routes := []gatetest.Route{
		{Method: "GET", Path: "/api/workspaces/{ws}", Want: only(ok, "owner", "admin", "billing", "manager", "agent", "auditor", "viewer")},
		{Method: "GET", Path: "/api/crm/contacts", Header: wsHeader, Want: only(ok, "owner", "admin", "manager", "agent", "auditor", "viewer")},
		{Method: "POST", Path: "/api/crm/contacts", Header: wsHeader, Body: `{"name":"Ada"}`, Want: only(created, "owner", "admin", "manager", "agent")},
		{Method: "GET", Path: "/api/crm/contacts/{contact}", Header: wsHeader, Setup: withContact, WantForeignObject: http.StatusNotFound,
			Want: only(ok, "owner", "admin", "manager", "agent", "auditor", "viewer")},
		{Method: "PATCH", Path: "/api/crm/contacts/{contact}", Header: wsHeader, Body: `{"name":"Grace"}`, Setup: withContact, WantForeignObject: http.StatusNotFound,
			Want: only(ok, "owner", "admin", "manager", "agent")},
		{Method: "DELETE", Path: "/api/crm/contacts/{contact}", Header: wsHeader, Setup: withContact, WantForeignObject: http.StatusNotFound,
			Want: only(noContent, "owner", "admin", "manager", "agent")},
		{Method: "GET", Path: "/api/workspaces/{ws}/members", Want: only(ok, "owner", "admin", "manager", "auditor")},
		{Method: "POST", Path: "/api/workspaces/{ws}/invites", Body: `{"email":"invitee@example.com","role":"viewer"}`, Want: only(created, "owner", "admin", "manager")},
		{Method: "PATCH", Path: "/api/workspaces/{ws}/members/{target}", Body: `{"role":"agent"}`, Want: only(ok, "owner", "admin")},
		{Method: "DELETE", Path: "/api/workspaces/{ws}/members/{target}", Want: only(noContent, "owner", "admin")},
		{Method: "GET", Path: "/api/workspaces/{ws}/settings/channels", Want: only(ok, "owner", "admin")},
		{Method: "PUT", Path: "/api/workspaces/{ws}/settings/channels", Body: `{"telegram":{"botToken":"123456:ABCDEFGHIJKL"}}`, Want: only(ok, "owner", "admin")},
		{Method: "GET", Path: "/api/workspaces/{ws}/billing", Want: only(ok, "owner", "billing")},
		{Method: "POST", Path: "/api/workspaces/{ws}/billing/subscribe", Body: `{"plan":"pro"}`, Want: only(ok, "owner", "billing")},
		{Method: "GET", Path: "/api/workspaces/{ws}/audit", Want: only(ok, "owner", "admin", "auditor")},
	}
	// The runner compares the answers for existing and absent workspaces
	// header by header; a fixed client request id keeps the echoed
	// X-Request-Id from differing.
	authenticate := func(r *http.Request, u gatetest.User) *http.Request {
		r = gatetest.As(r, u)
		r.Header.Set("X-Request-ID", "truth-table")
		return r
	}
	(&gatetest.Runner{Env: env, Handler: a, Authenticate: authenticate}).Run(t, routes)
}

package app

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/problem"
)

// twoTenants sets up workspaces A and B (both approved), each with an
// owner and one contact.
type twoTenants struct {
	e                  *env
	ownerA, ownerB     string
	wsA, wsB           string
	contactA, contactB string
}

func newTwoTenants(t *testing.T) twoTenants {
	e := newEnv(t)
	var tt twoTenants
	tt.e = e
	tt.ownerA, _ = e.user("a@example.com", true)
	tt.ownerB, _ = e.user("b@example.com", true)
	tt.wsA = e.workspace(tt.ownerA, "A")
	tt.wsB = e.workspace(tt.ownerB, "B")
	e.transition(tt.wsA, "approve")
	e.transition(tt.wsB, "approve")
	tt.contactA = e.expect(createContact(tt.ownerA, tt.wsA), 201, "").json(t)["id"].(string)
	tt.contactB = e.expect(createContact(tt.ownerB, tt.wsB), 201, "").json(t)["id"].(string)
	return tt
}

// snapshot is everything of B that an attack could change.
func (tt twoTenants) snapshot(t *testing.T) string {
	r := tt.e.expect(req{method: "GET", path: "/api/crm/contacts", token: tt.ownerB, header: map[string]string{"X-Workspace-ID": tt.wsB}}, 200, "")
	m := tt.e.expect(req{method: "GET", path: "/api/workspaces/" + tt.wsB + "/members", token: tt.ownerB}, 200, "")
	w := tt.e.expect(req{method: "GET", path: "/api/workspaces/" + tt.wsB, token: tt.ownerB}, 200, "")
	c := tt.e.expect(req{method: "GET", path: "/api/workspaces/" + tt.wsB + "/settings/channels", token: tt.ownerB}, 200, "")
	return r.Body.String() + m.Body.String() + w.Body.String() + c.Body.String()
}

// workspaceRoutes lists every workspace-scoped route with a body that
// would succeed for a member; {ws} is replaced by the target.
func workspaceRoutes(ws, contact string) []req {
	h := map[string]string{"X-Workspace-ID": ws}
	return []req{
		{method: "GET", path: "/api/workspaces/" + ws},
		{method: "GET", path: "/api/crm/contacts", header: h},
		{method: "POST", path: "/api/crm/contacts", header: h, body: map[string]string{"name": "Mallory"}},
		{method: "GET", path: "/api/crm/contacts/" + contact, header: h},
		{method: "PATCH", path: "/api/crm/contacts/" + contact, header: h, body: map[string]string{"name": "pwned"}},
		{method: "DELETE", path: "/api/crm/contacts/" + contact, header: h},
		{method: "GET", path: "/api/workspaces/" + ws + "/members"},
		{method: "POST", path: "/api/workspaces/" + ws + "/invites", body: map[string]string{"email": "m@example.com", "role": "admin"}},
		{method: "PATCH", path: "/api/workspaces/" + ws + "/members/u-someone", body: map[string]string{"role": "owner"}},
		{method: "DELETE", path: "/api/workspaces/" + ws + "/members/u-someone"},
		{method: "GET", path: "/api/workspaces/" + ws + "/settings/channels"},
		{method: "PUT", path: "/api/workspaces/" + ws + "/settings/channels", body: map[string]any{"telegram": map[string]string{"botToken": "evil-token-123456"}}},
		{method: "GET", path: "/api/workspaces/" + ws + "/billing"},
		{method: "POST", path: "/api/workspaces/" + ws + "/billing/subscribe", body: map[string]string{"plan": "pro"}},
		{method: "GET", path: "/api/workspaces/" + ws + "/audit"},
	}
}

// TestCrossTenant_EveryWorkspaceRoute: the owner of A sends every
// workspace route at B: 403 workspace_forbidden, byte-identical to the
// answer for a workspace that does not exist, and B is unchanged.
func TestCrossTenant_EveryWorkspaceRoute(t *testing.T) {
	tt := newTwoTenants(t)
	e := tt.e
	before := tt.snapshot(t)
	ghost := workspaceRoutes("ws-ghost", tt.contactB)
	for i, q := range workspaceRoutes(tt.wsB, tt.contactB) {
		t.Run(q.method+" "+q.path, func(t *testing.T) {
			q.token = tt.ownerA
			r := e.expect(q, 403, problem.CodeWorkspaceForbidden)
			g := ghost[i]
			g.token = tt.ownerA
			rg := e.expect(g, 403, problem.CodeWorkspaceForbidden)
			assert.Equal(t, rg.Body.String(), r.Body.String())
			assert.Empty(t, r.Header().Get("Trial-Ends-At"))
		})
	}
	assert.Equal(t, before, tt.snapshot(t), "B changed under attack")
}

// TestCrossTenant_CarrierAttacks: smuggling B through a second carrier or
// the body never reaches B.
func TestCrossTenant_CarrierAttacks(t *testing.T) {
	tt := newTwoTenants(t)
	e := tt.e
	before := tt.snapshot(t)
	t.Run("header names another workspace than the path: 400 workspace_mismatch", func(t *testing.T) {
		for _, q := range workspaceRoutes(tt.wsA, tt.contactA) {
			if q.header != nil { // contact routes have no path carrier
				continue
			}
			q.token = tt.ownerA
			q.header = map[string]string{"X-Workspace-ID": tt.wsB}
			e.expect(q, 400, problem.CodeWorkspaceMismatch)
		}
	})
	t.Run("contact route without a workspace: 400 invalid_workspace_id", func(t *testing.T) {
		e.expect(req{method: "GET", path: "/api/crm/contacts", token: tt.ownerA}, 400, problem.CodeInvalidWorkspaceID)
		e.expect(req{method: "POST", path: "/api/crm/contacts", token: tt.ownerA, body: map[string]string{"name": "x"}}, 400, problem.CodeInvalidWorkspaceID)
	})
	t.Run("non-canonical workspace ids: 400 invalid_workspace_id", func(t *testing.T) {
		for _, bad := range []string{tt.wsB + " ", "WS-X", "a,b", "../" + tt.wsB} {
			e.expect(req{method: "GET", path: "/api/crm/contacts", token: tt.ownerA, header: map[string]string{"X-Workspace-ID": bad}}, 400, problem.CodeInvalidWorkspaceID)
		}
	})
	t.Run("B's contact id under A's workspace: 404 not_found", func(t *testing.T) {
		h := map[string]string{"X-Workspace-ID": tt.wsA}
		e.expect(req{method: "GET", path: "/api/crm/contacts/" + tt.contactB, token: tt.ownerA, header: h}, 404, problem.CodeNotFound)
		e.expect(req{method: "PATCH", path: "/api/crm/contacts/" + tt.contactB, token: tt.ownerA, header: h, body: map[string]string{"name": "pwned"}}, 404, problem.CodeNotFound)
		e.expect(req{method: "DELETE", path: "/api/crm/contacts/" + tt.contactB, token: tt.ownerA, header: h}, 404, problem.CodeNotFound)
	})
	t.Run("a workspaceId in the body must match: 400 workspace_mismatch", func(t *testing.T) {
		e.expect(req{method: "POST", path: "/api/crm/contacts", token: tt.ownerA, header: map[string]string{"X-Workspace-ID": tt.wsA},
			body: map[string]string{"name": "x", "workspaceId": tt.wsB}}, 400, problem.CodeWorkspaceMismatch)
		e.expect(req{method: "POST", path: "/api/workspaces/" + tt.wsA + "/invites", token: tt.ownerA,
			body: map[string]string{"email": "x@example.com", "role": "agent", "workspaceId": tt.wsB}}, 400, problem.CodeWorkspaceMismatch)
		assert.Equal(t, 1, e.contactCount(tt.wsA))
	})
	t.Run("method override headers are not honoured", func(t *testing.T) {
		e.expect(req{method: "GET", path: "/api/crm/contacts/" + tt.contactB, token: tt.ownerB,
			header: map[string]string{"X-Workspace-ID": tt.wsB, "X-HTTP-Method-Override": "DELETE"}}, 200, "")
	})
	require.Equal(t, before, tt.snapshot(t), "B changed under attack")
}

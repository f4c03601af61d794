package app

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/problem"
)

// TestImpersonation: an operator acts as a user with a reason; every
// record names both; the session cannot reach operator routes, change MFA,
// erase the user or create workspaces; start and stop are audited.
func TestImpersonation(t *testing.T) {
	e := newEnv(t)
	owner, ownerID := e.user("owner@example.com", true)
	ws := e.workspace(owner, "Acme")
	e.transition(ws, "approve")
	op := e.operator()
	start := func(tok string, body map[string]any) resp {
		return e.do(req{method: "POST", path: "/admin/impersonations", token: tok, body: body})
	}

	t.Run("only an operator acting as itself may start", func(t *testing.T) {
		r := start(owner, map[string]any{"userId": ownerID, "reason": "support", "minutes": 30})
		assert.Equal(t, 403, r.Code)
		assert.Equal(t, problem.CodeOperatorOnly, r.problem(t).Code)
		r = start("", map[string]any{"userId": ownerID, "reason": "support", "minutes": 30})
		assert.Equal(t, 401, r.Code)
		r = start(op, map[string]any{"userId": ownerID, "reason": " ", "minutes": 30})
		assert.Equal(t, 422, r.Code)
		r = start(op, map[string]any{"userId": "u-nobody", "reason": "support", "minutes": 30})
		assert.Equal(t, 404, r.Code)
	})
	r := start(op, map[string]any{"userId": ownerID, "reason": "ticket 42", "minutes": 30})
	require.Equal(t, 201, r.Code, r.Body.String())
	assert.Equal(t, "no-store", r.Header().Get("Cache-Control"))
	m := r.json(t)
	imp := m["token"].(string)
	opID := m["impersonator"].(string)

	t.Run("records made while impersonating name both identities", func(t *testing.T) {
		e.expect(createContact(imp, ws), 201, "")
		page, err := e.a.auditStore.Query(t.Context(), audit.Query{Workspace: ws, Action: "contact.create"})
		require.NoError(t, err)
		require.NotEmpty(t, page.Events)
		assert.Equal(t, ownerID, page.Events[0].Actor)
		assert.Equal(t, opID, page.Events[0].Impersonator)
	})
	t.Run("the session is fenced", func(t *testing.T) {
		e.expect(req{method: "GET", path: "/admin/workspaces", token: imp}, 403, problem.CodeOperatorOnly)
		e.expect(req{method: "POST", path: "/admin/workspaces/" + ws + "/suspend", token: imp, body: map[string]string{"reason": "x"}}, 403, problem.CodeOperatorOnly)
		e.expect(req{method: "POST", path: "/admin/impersonations", token: imp, body: map[string]any{"userId": ownerID, "reason": "nest", "minutes": 5}}, 403, problem.CodeOperatorOnly)
		e.expect(req{method: "POST", path: "/api/me/mfa/totp/enroll", token: imp}, 403, problem.CodePermissionDenied)
		e.expect(req{method: "POST", path: "/api/me/erase", token: imp, body: map[string]string{"password": testPassword}}, 403, problem.CodePermissionDenied)
		e.expect(req{method: "GET", path: "/api/me/export", token: imp}, 403, problem.CodePermissionDenied)
		e.expect(req{method: "GET", path: "/api/workspaces/" + ws, token: owner}, 200, "")
	})
	t.Run("start and stop are in the platform chain", func(t *testing.T) {
		e.expect(req{method: "POST", path: "/api/auth/logout", token: imp}, 204, "")
		e.expect(createContact(imp, ws), 401, problem.CodeUnauthenticated)
		for _, a := range []audit.Action{audit.ActionImpersonationStart, audit.ActionImpersonationStop} {
			page, err := e.a.auditStore.Query(t.Context(), audit.Query{Workspace: "", Action: a})
			require.NoError(t, err)
			assert.Len(t, page.Events, 1, a)
		}
		_, err := audit.Verify(t.Context(), e.a.auditStore, "")
		require.NoError(t, err)
	})
	t.Run("a grant ends on the server clock", func(t *testing.T) {
		r := start(op, map[string]any{"userId": ownerID, "reason": "ticket 43", "minutes": 1})
		require.Equal(t, 201, r.Code)
		tok := r.json(t)["token"].(string)
		e.expect(createContact(tok, ws), 201, "")
		e.clock.Advance(61e9)
		e.expect(createContact(tok, ws), 401, problem.CodeUnauthenticated)
	})
}

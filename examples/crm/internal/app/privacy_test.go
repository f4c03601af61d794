package app

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/problem"
)

func TestExportAndErase(t *testing.T) {
	e := newEnv(t)
	owner, ownerID := e.user("owner@example.com", true)
	ws := e.workspace(owner, "Acme")
	e.transition(ws, "approve")
	agent, agentID := e.member(owner, ws, "agent@example.com", "agent")
	e.expect(createContact(agent, ws), 201, "")

	t.Run("export streams the caller's own data", func(t *testing.T) {
		r := e.expect(req{method: "GET", path: "/api/me/export", token: agent}, 200, "")
		assert.Equal(t, "no-store", r.Header().Get("Cache-Control"))
		var doc map[string]any
		require.NoError(t, json.Unmarshal(r.Body.Bytes(), &doc), r.Body.String())
		assert.Contains(t, r.Body.String(), agentID)
		assert.NotContains(t, r.Body.String(), ownerID+`","email":"owner@example.com`)
		e.expect(req{method: "GET", path: "/api/me/export"}, 401, problem.CodeUnauthenticated)
	})
	t.Run("erase needs the password", func(t *testing.T) {
		e.expect(req{method: "POST", path: "/api/me/erase", token: agent, body: map[string]string{"password": "wrong password!"}}, 401, problem.CodeInvalidCredentials)
		e.expect(req{method: "GET", path: "/api/me/export", token: agent}, 200, "")
	})
	t.Run("the last owner cannot erase themself", func(t *testing.T) {
		e.expect(req{method: "POST", path: "/api/me/erase", token: owner, body: map[string]string{"password": testPassword}}, 409, problem.CodeLastOwner)
		e.expect(req{method: "GET", path: "/api/workspaces/" + ws, token: owner}, 200, "")
	})
	t.Run("a member erases themself: gone, sessions ended, chains still verify", func(t *testing.T) {
		e.expect(req{method: "POST", path: "/api/me/erase", token: agent, body: map[string]string{"password": testPassword}}, 204, "")
		e.expect(req{method: "GET", path: "/api/me/export", token: agent}, 401, problem.CodeUnauthenticated)
		e.expect(req{method: "POST", path: "/api/auth/login", body: map[string]string{"email": "agent@example.com", "password": testPassword}}, 401, problem.CodeInvalidCredentials)
		m := e.expect(req{method: "GET", path: "/api/workspaces/" + ws + "/members", token: owner}, 200, "").json(t)
		assert.Len(t, m["items"], 1)
		_, err := audit.Verify(t.Context(), e.a.auditStore, ws)
		require.NoError(t, err)
	})
}

package app

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/verify"
)

func TestRegisterRefusesDisposableAddresses(t *testing.T) {
	e := newEnv(t)
	for _, addr := range []string{"u@mailinator.com", "U@MAILINATOR.COM", "u@x.mailinator.com", "u@mailinator.com."} {
		e.expect(req{method: "POST", path: "/api/auth/register", remote: e.freshIP(), body: map[string]string{"email": addr, "password": testPassword}}, 422, problem.CodeDisposableEmail)
	}
	r := e.expect(req{method: "GET", path: "/dev/outbox"}, 200, "")
	assert.JSONEq(t, `{"items":[],"nextCursor":""}`, r.Body.String(), "nothing was sent")
}

// TestTeamAttacks: invite takeover and replay, privilege escalation
// through invites and role changes, and the last-owner rule, each with
// exact status and code and nothing changed.
func TestTeamAttacks(t *testing.T) {
	e := newEnv(t)
	owner, ownerID := e.user("owner@example.com", true)
	ws := e.workspace(owner, "Acme")
	e.transition(ws, "approve")
	members := func() string {
		return e.expect(req{method: "GET", path: "/api/workspaces/" + ws + "/members", token: owner}, 200, "").Body.String()
	}

	e.expect(req{method: "POST", path: "/api/workspaces/" + ws + "/invites", token: owner, body: map[string]string{"email": "carol@example.com", "role": "agent"}}, 201, "")
	invite := e.lastMail("carol@example.com", verify.KindInvite)
	mallory, _ := e.user("mallory@example.com", true)
	unverified, _ := e.user("carol-unverified@example.com", false)
	before := members()

	t.Run("another user cannot redeem the invite", func(t *testing.T) {
		e.expect(req{method: "POST", path: "/api/invites/accept", token: mallory, body: map[string]string{"token": invite}}, 400, problem.CodeInvalidToken)
		e.expect(req{method: "POST", path: "/api/invites/accept", token: unverified, body: map[string]string{"token": invite}}, 403, problem.CodeEmailUnverified)
		assert.Equal(t, before, members())
	})
	carol, carolID := e.user("carol@example.com", true)
	t.Run("the invitee redeems it once", func(t *testing.T) {
		e.expect(req{method: "POST", path: "/api/invites/accept", token: carol, body: map[string]string{"token": invite}}, 200, "")
		after := members()
		e.expect(req{method: "POST", path: "/api/invites/accept", token: carol, body: map[string]string{"token": invite}}, 400, problem.CodeInvalidToken)
		assert.Equal(t, after, members())
	})
	manager, managerID := e.member(owner, ws, "manager@example.com", "manager")
	snapshot := members()
	t.Run("a manager cannot invite above itself nor change roles", func(t *testing.T) {
		e.expect(req{method: "POST", path: "/api/workspaces/" + ws + "/invites", token: manager, body: map[string]string{"email": "x@example.com", "role": "admin"}}, 403, problem.CodePermissionDenied)
		e.expect(req{method: "POST", path: "/api/workspaces/" + ws + "/invites", token: manager, body: map[string]string{"email": "x@example.com", "role": "manager"}}, 403, problem.CodePermissionDenied)
		e.expect(req{method: "PATCH", path: "/api/workspaces/" + ws + "/members/" + managerID, token: manager, body: map[string]string{"role": "owner"}}, 403, problem.CodePermissionDenied)
		e.expect(req{method: "PATCH", path: "/api/workspaces/" + ws + "/members/" + carolID, token: manager, body: map[string]string{"role": "viewer"}}, 403, problem.CodePermissionDenied)
		assert.Equal(t, snapshot, members())
	})
	admin, adminID := e.member(owner, ws, "admin@example.com", "admin")
	snapshot = members()
	t.Run("an admin cannot touch the owner nor promote itself", func(t *testing.T) {
		e.expect(req{method: "PATCH", path: "/api/workspaces/" + ws + "/members/" + ownerID, token: admin, body: map[string]string{"role": "viewer"}}, 403, problem.CodePermissionDenied)
		e.expect(req{method: "DELETE", path: "/api/workspaces/" + ws + "/members/" + ownerID, token: admin}, 403, problem.CodePermissionDenied)
		e.expect(req{method: "PATCH", path: "/api/workspaces/" + ws + "/members/" + adminID, token: admin, body: map[string]string{"role": "owner"}}, 403, problem.CodePermissionDenied)
		assert.Equal(t, snapshot, members())
	})
	t.Run("the last owner cannot leave or step down", func(t *testing.T) {
		e.expect(req{method: "PATCH", path: "/api/workspaces/" + ws + "/members/" + ownerID, token: owner, body: map[string]string{"role": "admin"}}, 409, problem.CodeLastOwner)
		e.expect(req{method: "DELETE", path: "/api/workspaces/" + ws + "/members/" + ownerID, token: owner}, 409, problem.CodeLastOwner)
		assert.Equal(t, snapshot, members())
	})
	t.Run("a role change applies on the next request", func(t *testing.T) {
		e.expect(createContact(carol, ws), 201, "")
		e.expect(req{method: "PATCH", path: "/api/workspaces/" + ws + "/members/" + carolID, token: admin, body: map[string]string{"role": "viewer"}}, 200, "")
		e.expect(createContact(carol, ws), 403, problem.CodePermissionDenied)
		e.expect(req{method: "DELETE", path: "/api/workspaces/" + ws + "/members/" + carolID, token: admin}, 204, "")
		e.expect(req{method: "GET", path: "/api/crm/contacts", token: carol, header: map[string]string{"X-Workspace-ID": ws}}, 403, problem.CodeWorkspaceForbidden)
	})
}

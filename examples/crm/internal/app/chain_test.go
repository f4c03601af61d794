package app

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

func wsID(s string) tenancy.WorkspaceID { return tenancy.WorkspaceID(s) }

func createContact(token, ws string) req {
	return req{method: "POST", path: "/api/crm/contacts", token: token, body: map[string]string{"name": "Bob"},
		header: map[string]string{"X-Workspace-ID": ws}}
}

// TestSeedChain_CreateContact drives POST /api/crm/contacts through every
// gate outcome, in the chain's order, and checks after each denial that
// nothing was written.
func TestSeedChain_CreateContact(t *testing.T) {
	e := newEnv(t)
	owner, _ := e.user("owner@example.com", true)
	ws := e.workspace(owner, "Acme")
	unverified, _ := e.user("unverified@example.com", false)
	stranger, _ := e.user("stranger@example.com", true)

	// Other workspaces in every state, owned by other users.
	other := map[tenancy.Status]string{}
	for _, st := range []tenancy.Status{tenancy.StatusPendingApproval, tenancy.StatusActive, tenancy.StatusRejected, tenancy.StatusSuspended} {
		tok, _ := e.user("owner-"+string(st)+"@example.com", true)
		id := e.workspace(tok, "Other "+string(st))
		switch st {
		case tenancy.StatusActive:
			e.transition(id, "approve")
		case tenancy.StatusRejected:
			e.transition(id, "reject")
		case tenancy.StatusSuspended:
			e.transition(id, "approve")
			e.transition(id, "suspend")
		}
		other[st] = id
	}

	t.Run("no session is 401 unauthenticated", func(t *testing.T) {
		e.expect(createContact("", ws), 401, problem.CodeUnauthenticated)
		e.expect(createContact("not-a-session", ws), 401, problem.CodeUnauthenticated)
	})
	t.Run("unverified email is 403 email_unverified", func(t *testing.T) {
		e.expect(createContact(unverified, ws), 403, problem.CodeEmailUnverified)
	})
	t.Run("non-member gets one byte-identical 403 whatever the workspace", func(t *testing.T) {
		ref := e.expect(createContact(stranger, "ws-does-not-exist"), 403, problem.CodeWorkspaceForbidden)
		targets := []string{ws}
		for _, id := range other {
			targets = append(targets, id)
		}
		for _, target := range targets {
			r := e.expect(createContact(stranger, target), 403, problem.CodeWorkspaceForbidden)
			assert.Equal(t, ref.Body.String(), r.Body.String(), target)
			assert.Empty(t, r.Header().Get("Trial-Ends-At"), "a non-member learns nothing of the trial")
			assert.Equal(t, 0, e.contactCount(target))
		}
	})
	t.Run("pending workspace is 403 workspace_pending_approval", func(t *testing.T) {
		e.expect(createContact(owner, ws), 403, problem.CodeWorkspacePendingApproval)
	})
	t.Run("rejected and suspended workspaces refuse their owners", func(t *testing.T) {
		for st, code := range map[tenancy.Status]problem.Code{
			tenancy.StatusRejected:  problem.CodeWorkspaceRejected,
			tenancy.StatusSuspended: problem.CodeWorkspaceSuspended,
		} {
			ownerTok, _ := e.login("owner-"+string(st)+"@example.com", testPassword)
			e.expect(createContact(ownerTok, other[st]), 403, code)
			e.expect(req{method: "GET", path: "/api/crm/contacts", token: ownerTok, header: map[string]string{"X-Workspace-ID": other[st]}}, 403, code)
			assert.Equal(t, 0, e.contactCount(other[st]))
		}
	})

	e.transition(ws, "approve")
	viewer, _ := e.member(owner, ws, "viewer@example.com", "viewer")

	t.Run("a viewer is 403 permission_denied", func(t *testing.T) {
		e.expect(createContact(viewer, ws), 403, problem.CodePermissionDenied)
	})
	t.Run("an owner of an approved workspace creates: 201 with Trial-Ends-At", func(t *testing.T) {
		r := e.expect(createContact(owner, ws), 201, "")
		m := r.json(t)
		assert.Equal(t, "Bob", m["name"])
		assert.NotEmpty(t, m["id"])
		end, err := time.Parse(time.RFC3339, r.Header().Get("Trial-Ends-At"))
		require.NoError(t, err)
		assert.WithinDuration(t, e.clock.Now().Add(DefaultTrial), end, time.Minute)
		assert.Equal(t, 1, e.contactCount(ws))
	})
	assert.Equal(t, 1, e.contactCount(ws), "no denial wrote anything")

	t.Run("after 336h on the test clock writes are 402 trial_expired, reads still work", func(t *testing.T) {
		e.expect(req{method: "POST", path: "/dev/clock", body: map[string]string{"advance": "336h"}}, 200, "")
		// Sessions expire on the same clock: log in again.
		e.expect(createContact(owner, ws), 401, problem.CodeUnauthenticated)
		owner, _ = e.login("owner@example.com", testPassword)
		e.expect(createContact(owner, ws), 402, problem.CodeTrialExpired)
		assert.Equal(t, 1, e.contactCount(ws))
		e.expect(req{method: "GET", path: "/api/crm/contacts", token: owner, header: map[string]string{"X-Workspace-ID": ws}}, 200, "")
		b := e.expect(req{method: "GET", path: "/api/workspaces/" + ws + "/billing", token: owner}, 200, "").json(t)
		assert.Equal(t, "trial_expired", b["status"])
	})
	t.Run("billing is trial-exempt: subscribing lifts the 402", func(t *testing.T) {
		b := e.expect(req{method: "POST", path: "/api/workspaces/" + ws + "/billing/subscribe", token: owner,
			body: map[string]string{"plan": "pro"}}, 200, "").json(t)
		assert.Equal(t, "pro", b["plan"])
		assert.Nil(t, b["trialEndsAt"])
		r := e.expect(createContact(owner, ws), 201, "")
		assert.Empty(t, r.Header().Get("Trial-Ends-At"))
		assert.Equal(t, 2, e.contactCount(ws))
	})
}

// TestTrialEndsExactlyAtTrialEnd pins the boundary with {"set"}.
func TestTrialEndsExactlyAtTrialEnd(t *testing.T) {
	e := newEnv(t)
	owner, _ := e.user("owner@example.com", true)
	ws := e.workspace(owner, "Acme")
	e.transition(ws, "approve")
	m := e.expect(req{method: "GET", path: "/api/workspaces/" + ws, token: owner}, 200, "").json(t)
	end, err := time.Parse(time.RFC3339Nano, m["trialEndsAt"].(string))
	require.NoError(t, err)

	e.expect(req{method: "POST", path: "/dev/clock", body: map[string]string{"set": end.Add(-time.Second).Format(time.RFC3339)}}, 200, "")
	owner, _ = e.login("owner@example.com", testPassword)
	e.expect(createContact(owner, ws), 201, "")
	e.expect(req{method: "POST", path: "/dev/clock", body: map[string]string{"set": end.Add(time.Second).Format(time.RFC3339)}}, 200, "")
	e.expect(createContact(owner, ws), 402, problem.CodeTrialExpired)
}

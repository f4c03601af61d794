package app

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/problem"
)

// TestFullScenario_AuditChainAndCanaries runs a full life of a workspace
// with canary secrets (channel credentials, passwords, session tokens, a
// TOTP seed, recovery codes), then checks that every workspace chain
// verifies with audit.Verify, that every sensitive action is in it, and
// that no canary appears in any audit event, log line or masked response.
func TestFullScenario_AuditChainAndCanaries(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.RecoveryHash.MemoryKiB, c.RecoveryHash.Time, c.RecoveryHash.Threads = 64, 1, 1 })
	const (
		canaryTG     = "CANARY-TG-7d1f0a9e5b3c"
		canaryWA     = "CANARY-WA-2e8c4b6a0f1d"
		canaryResend = "re_CANARY-RS-9a7b5c3d1e0f"
		canaryPw     = "CANARY-PW-correct-horse"
	)
	var secrets []string
	var responses []string
	keep := func(r resp) resp { responses = append(responses, r.Body.String()); return r }

	e.expect(req{method: "POST", path: "/api/auth/register", body: map[string]string{"email": "owner@example.com", "password": canaryPw}}, 202, "")
	vt := e.lastMail("owner@example.com", "verify_email")
	secrets = append(secrets, vt)
	e.expect(req{method: "POST", path: "/api/auth/verify", body: map[string]string{"token": vt}}, 200, "")
	owner, _ := e.login("owner@example.com", canaryPw)
	secrets = append(secrets, owner)
	ws := e.workspace(owner, "Acme\r\nInjected")
	e.transition(ws, "approve")

	agent, agentID := e.member(owner, ws, "agent@example.com", "viewer")
	secrets = append(secrets, agent)
	keep(e.expect(req{method: "PATCH", path: "/api/workspaces/" + ws + "/members/" + agentID, token: owner, body: map[string]string{"role": "agent"}}, 200, ""))
	c := keep(e.expect(createContact(agent, ws), 201, "")).json(t)
	keep(e.expect(req{method: "PATCH", path: "/api/crm/contacts/" + c["id"].(string), token: agent, header: map[string]string{"X-Workspace-ID": ws},
		body: map[string]string{"name": "Bobby"}}, 200, ""))

	put := keep(e.expect(req{method: "PUT", path: "/api/workspaces/" + ws + "/settings/channels", token: owner, body: map[string]any{
		"telegram": map[string]string{"botToken": canaryTG},
		"whatsapp": map[string]string{"accessToken": canaryWA, "phoneNumberId": "15550001"},
		"resend":   map[string]string{"apiKey": canaryResend, "from": "crm@example.com"},
	}}, 200, ""))
	assert.Equal(t, "no-store", put.Header().Get("Cache-Control"))
	got := keep(e.expect(req{method: "GET", path: "/api/workspaces/" + ws + "/settings/channels", token: owner}, 200, ""))
	assert.Equal(t, "no-store", got.Header().Get("Cache-Control"))
	var raw map[string]map[string]string
	require.NoError(t, json.Unmarshal(got.Body.Bytes(), &raw))
	assert.True(t, strings.HasSuffix(raw["telegram"]["botToken"], canaryTG[len(canaryTG)-4:]), raw["telegram"]["botToken"])

	t.Run("a masked credential sent back keeps the stored one; a stale mask is refused", func(t *testing.T) {
		keep(e.expect(req{method: "PUT", path: "/api/workspaces/" + ws + "/settings/channels", token: owner,
			body: map[string]any{"telegram": map[string]string{"botToken": raw["telegram"]["botToken"]}}}, 200, ""))
		stored, err := e.a.getChannelsOf(t.Context(), wsID(ws))
		require.NoError(t, err)
		assert.Equal(t, canaryTG, stored.TelegramBotToken.Reveal())
		e.expect(req{method: "PUT", path: "/api/workspaces/" + ws + "/settings/channels", token: owner,
			body: map[string]any{"telegram": map[string]string{"botToken": "********zzzz"}}}, 422, problem.CodeValidationFailed)
		stored, _ = e.a.getChannelsOf(t.Context(), wsID(ws))
		assert.Equal(t, canaryTG, stored.TelegramBotToken.Reveal())
	})

	// MFA for the owner: its events go to the owner's workspace chain.
	// The enrollment response is the one place the seed is shown.
	enr := e.expect(req{method: "POST", path: "/api/me/mfa/totp/enroll", token: owner}, 200, "").json(t)
	u, _ := url.Parse(enr["otpauthURL"].(string))
	seed := u.Query().Get("secret")
	secrets = append(secrets, seed)
	codes := e.expect(req{method: "POST", path: "/api/me/mfa/totp/confirm", token: owner, body: map[string]string{"code": e.totp(seed)}}, 200, "").json(t)
	for _, rc := range codes["recoveryCodes"].([]any) {
		secrets = append(secrets, rc.(string))
	}
	e.expect(loginWith("owner@example.com", map[string]string{"recoveryCode": codes["recoveryCodes"].([]any)[0].(string), "password": canaryPw}), 200, "")

	e.clock.Advance(DefaultTrial + time.Hour)
	e.expect(loginWith("owner@example.com", map[string]string{"password": canaryPw}), 401, problem.CodeMFARequired)
	owner = func() string {
		m := e.expect(loginWith("owner@example.com", map[string]string{"otp": e.totp(seed), "password": canaryPw}), 200, "").json(t)
		return m["token"].(string)
	}()
	e.expect(createContact(agent, ws), 401, problem.CodeUnauthenticated) // the agent's session expired too
	keep(e.expect(req{method: "POST", path: "/api/workspaces/" + ws + "/billing/subscribe", token: owner, body: map[string]string{"plan": "business"}}, 200, ""))
	e.transition(ws, "suspend")
	e.transition(ws, "reactivate")
	auditPage := keep(e.expect(req{method: "GET", path: "/api/workspaces/" + ws + "/audit?limit=200", token: owner}, 200, ""))

	t.Run("operator transitions carry the request id and client IP", func(t *testing.T) {
		page, err := e.a.auditStore.Query(t.Context(), audit.Query{Workspace: ws, Action: audit.ActionWorkspaceApprove})
		require.NoError(t, err)
		require.Len(t, page.Events, 1)
		assert.NotEmpty(t, page.Events[0].RequestID)
		assert.NotEmpty(t, page.Events[0].IP)
	})
	t.Run("every workspace chain verifies", func(t *testing.T) {
		head, err := audit.Verify(t.Context(), e.a.auditStore, ws)
		require.NoError(t, err)
		assert.Positive(t, head.Seq)
	})
	t.Run("every sensitive action is recorded", func(t *testing.T) {
		var page struct {
			Items []auditJSON `json:"items"`
		}
		require.NoError(t, json.Unmarshal(auditPage.Body.Bytes(), &page))
		seen := map[string]bool{}
		for i, ev := range page.Items {
			seen[ev.Action] = true
			assert.NotEmpty(t, ev.Hash)
			assert.Equal(t, ws, ev.WorkspaceID)
			if i > 0 {
				assert.Greater(t, page.Items[i-1].Seq, ev.Seq, "newest first")
			}
		}
		for _, want := range []audit.Action{
			audit.ActionWorkspaceCreate, audit.ActionWorkspaceApprove, audit.ActionInviteCreate, audit.ActionInviteAccept,
			audit.ActionMemberRoleChange, "contact.create", "contact.update", audit.ActionSettingsChannelsUpdate,
			audit.ActionMFAEnable, audit.ActionMFARecoveryUse, audit.ActionBillingSubscribe, audit.ActionWorkspaceSuspend, audit.ActionWorkspaceReactivate,
		} {
			assert.True(t, seen[string(want)], "missing %s", want)
		}
	})
	t.Run("no canary in any stored event, log line or masked response", func(t *testing.T) {
		events, err := e.a.auditStore.Chain(t.Context(), ws, 0, 0)
		require.NoError(t, err)
		blob, _ := json.Marshal(events)
		haystacks := map[string]string{"audit events": string(blob), "logs": e.logs.String(), "responses": strings.Join(responses, "\n")}
		for name, hay := range haystacks {
			for _, s := range append(secrets, canaryTG, canaryWA, canaryResend, canaryPw) {
				assert.NotContains(t, hay, s, "%s leak a secret", name)
			}
		}
		assert.NotContains(t, e.logs.String(), "\r\nInjected", "logs escape control characters")
	})
}

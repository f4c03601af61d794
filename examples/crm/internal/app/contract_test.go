package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/ratelimit"
	"github.com/tenantgate/tenantgate/verify"
)

// The tests of this file pin the reference server's HTTP contract (the
// design's section 6) to the letter: exact statuses, exact problem codes
// and exact JSON key sets, over the real wiring.

// The wire shapes, as sorted key sets.
var (
	workspaceKeys = []string{"id", "name", "plan", "status", "trialEndsAt"}
	// The console's workspace: the public shape plus two documented
	// operator fields.
	consoleWorkspaceKeys = []string{"createdAt", "id", "name", "ownerId", "plan", "status", "trialEndsAt"}
	memberKeys           = []string{"email", "role", "userId"}
	contactKeys          = []string{"email", "id", "name"}
	listKeys             = []string{"items", "nextCursor"}
	billingKeys          = []string{"plan", "status", "trialEndsAt"}
	auditKeys            = []string{"action", "actor", "hash", "id", "impersonator", "ip", "outcome", "requestId", "seq", "target", "time", "workspaceId"}
	outboxKeys           = []string{"body", "kind", "subject", "to", "token"}
	loginKeys            = []string{"token", "userId"}
)

// rfc3339UTC is an RFC 3339 instant in UTC, whole seconds (the
// Trial-Ends-At header and every trialEndsAt).
var rfc3339UTC = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)

func keysOf(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

// obj asserts that v is a JSON object and returns it.
func obj(t testing.TB, v any) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	require.True(t, ok, "not a JSON object: %#v", v)
	return m
}

// items returns the items of a list answer after checking its key set.
func items(t testing.TB, m map[string]any) []map[string]any {
	t.Helper()
	require.Equal(t, listKeys, keysOf(m))
	raw, ok := m["items"].([]any)
	require.True(t, ok, "items is not an array: %#v", m["items"])
	out := make([]map[string]any, 0, len(raw))
	for _, it := range raw {
		out = append(out, obj(t, it))
	}
	_, ok = m["nextCursor"].(string)
	require.True(t, ok, "nextCursor is not a string: %#v", m["nextCursor"])
	return out
}

// TestContract_JSONShapes walks every route of the contract once with the
// success status it must answer, and compares each body's key set with
// the contract's shape.
func TestContract_JSONShapes(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.RecoveryHash.MemoryKiB, c.RecoveryHash.Time, c.RecoveryHash.Threads = 64, 1, 1 })

	// Auth.
	r := e.expect(req{method: "POST", path: "/api/auth/register", body: map[string]string{"email": "ann@example.com", "password": testPassword}}, 202, "")
	assert.JSONEq(t, `{"status":"accepted"}`, r.Body.String())
	e.expect(req{method: "POST", path: "/api/auth/verify", body: map[string]string{"token": e.lastMail("ann@example.com", verify.KindVerifyEmail)}}, 200, "")
	login := e.expect(req{method: "POST", path: "/api/auth/login", body: map[string]string{"email": "ann@example.com", "password": testPassword}}, 200, "").json(t)
	assert.Equal(t, loginKeys, keysOf(login))
	ann, annID := login["token"].(string), login["userId"].(string)

	// Workspace: 201 pending, plan and trialEndsAt null.
	ws := e.expect(req{method: "POST", path: "/api/workspaces", token: ann, body: map[string]string{"name": "Acme", "inviteCode": testInviteCode}}, 201, "").json(t)
	assert.Equal(t, workspaceKeys, keysOf(ws))
	assert.Equal(t, "pending_approval", ws["status"])
	assert.Nil(t, ws["plan"])
	assert.Nil(t, ws["trialEndsAt"])
	wsID := ws["id"].(string)
	got := e.expect(req{method: "GET", path: "/api/workspaces/" + wsID, token: ann}, 200, "").json(t)
	assert.Equal(t, ws, got)
	b := e.expect(req{method: "GET", path: "/api/workspaces/" + wsID + "/billing", token: ann}, 200, "").json(t)
	assert.Equal(t, billingKeys, keysOf(b))
	assert.Nil(t, b["trialEndsAt"], "a pending workspace has trialEndsAt null")
	assert.Nil(t, b["plan"])
	assert.Equal(t, "none", b["status"])

	// The operator console: the same shape plus ownerId and createdAt.
	op := e.operator()
	list := items(t, e.expect(req{method: "GET", path: "/admin/workspaces?status=pending_approval", token: op}, 200, "").json(t))
	require.Len(t, list, 1)
	assert.Equal(t, consoleWorkspaceKeys, keysOf(list[0]))
	assert.Nil(t, list[0]["plan"])
	assert.Nil(t, list[0]["trialEndsAt"])
	approved := e.expect(req{method: "POST", path: "/admin/workspaces/" + wsID + "/approve", token: op, body: map[string]string{"reason": "ok"}}, 200, "").json(t)
	assert.Equal(t, consoleWorkspaceKeys, keysOf(approved))
	assert.Equal(t, annID, approved["ownerId"])

	// The member's view and the console's agree, and match the header.
	gr := e.expect(req{method: "GET", path: "/api/workspaces/" + wsID, token: ann}, 200, "")
	got = gr.json(t)
	assert.Equal(t, workspaceKeys, keysOf(got))
	assert.Equal(t, "active", got["status"])
	assert.Regexp(t, rfc3339UTC, got["trialEndsAt"])
	assert.Equal(t, approved["trialEndsAt"], got["trialEndsAt"])
	assert.Equal(t, got["trialEndsAt"], gr.Header().Get("Trial-Ends-At"))

	// Contacts: 201 with the object, 200 reads and update, 204 delete.
	h := map[string]string{"X-Workspace-ID": wsID, "X-Forwarded-For": "198.51.100.66"}
	c := e.expect(req{method: "POST", path: "/api/crm/contacts", token: ann, header: h, body: map[string]string{"name": "Grace", "email": "grace@example.com"}}, 201, "").json(t)
	assert.Equal(t, contactKeys, keysOf(c))
	noEmail := e.expect(req{method: "POST", path: "/api/crm/contacts", token: ann, header: h, body: map[string]string{"name": "Ada"}}, 201, "").json(t)
	assert.Equal(t, contactKeys, keysOf(noEmail), "email is present even when empty")
	assert.Equal(t, "", noEmail["email"])
	cid := c["id"].(string)
	assert.Equal(t, c, e.expect(req{method: "GET", path: "/api/crm/contacts/" + cid, token: ann, header: h}, 200, "").json(t))
	patched := e.expect(req{method: "PATCH", path: "/api/crm/contacts/" + cid, token: ann, header: h, body: map[string]string{"name": "Grace H."}}, 200, "").json(t)
	assert.Equal(t, contactKeys, keysOf(patched))
	for _, it := range items(t, e.expect(req{method: "GET", path: "/api/crm/contacts", token: ann, header: h}, 200, "").json(t)) {
		assert.Equal(t, contactKeys, keysOf(it))
	}
	r = e.expect(req{method: "DELETE", path: "/api/crm/contacts/" + noEmail["id"].(string), token: ann, header: h}, 204, "")
	assert.Empty(t, r.Body.String())

	// Team: invite 201 (the invite, never its token), accept 200, PATCH
	// member 200 (a member), DELETE member 204.
	bob, bobID := e.user("bob@example.com", true)
	inv := e.expect(req{method: "POST", path: "/api/workspaces/" + wsID + "/invites", token: ann, body: map[string]string{"email": "bob@example.com", "role": "viewer"}}, 201, "").json(t)
	assert.Equal(t, []string{"email", "expiresAt", "id", "role", "workspaceId"}, keysOf(inv))
	invTok := e.lastMail("bob@example.com", verify.KindInvite)
	assert.NotContains(t, inv, "token")
	acc := e.expect(req{method: "POST", path: "/api/invites/accept", token: bob, body: map[string]string{"token": invTok}}, 200, "").json(t)
	assert.Equal(t, []string{"email", "role", "userId", "workspaceId"}, keysOf(acc), "a member plus the workspace joined")
	assert.Equal(t, map[string]any{"userId": bobID, "email": "bob@example.com", "role": "viewer", "workspaceId": wsID}, acc)
	for _, it := range items(t, e.expect(req{method: "GET", path: "/api/workspaces/" + wsID + "/members", token: ann}, 200, "").json(t)) {
		assert.Equal(t, memberKeys, keysOf(it))
	}
	m := e.expect(req{method: "PATCH", path: "/api/workspaces/" + wsID + "/members/" + bobID, token: ann, body: map[string]string{"role": "agent"}}, 200, "").json(t)
	assert.Equal(t, map[string]any{"userId": bobID, "email": "bob@example.com", "role": "agent"}, m)
	r = e.expect(req{method: "DELETE", path: "/api/workspaces/" + wsID + "/members/" + bobID, token: ann}, 204, "")
	assert.Empty(t, r.Body.String())

	// Channels: the nested shape, masked, no-store, PUT answers 200.
	chKeys := func(t *testing.T, r resp) {
		t.Helper()
		assert.Equal(t, "no-store", r.Header().Get("Cache-Control"))
		ch := r.json(t)
		assert.Equal(t, []string{"resend", "telegram", "whatsapp"}, keysOf(ch))
		assert.Equal(t, []string{"botToken"}, keysOf(obj(t, ch["telegram"])))
		assert.Equal(t, []string{"accessToken", "phoneNumberId"}, keysOf(obj(t, ch["whatsapp"])))
		assert.Equal(t, []string{"apiKey", "from"}, keysOf(obj(t, ch["resend"])))
	}
	t.Run("channels", func(t *testing.T) {
		chKeys(t, e.expect(req{method: "GET", path: "/api/workspaces/" + wsID + "/settings/channels", token: ann}, 200, ""))
		put := e.expect(req{method: "PUT", path: "/api/workspaces/" + wsID + "/settings/channels", token: ann, body: map[string]any{
			"telegram": map[string]string{"botToken": "tg-secret-0123456789"},
			"whatsapp": map[string]string{"accessToken": "wa-secret-0123456789", "phoneNumberId": "15550001"},
			"resend":   map[string]string{"apiKey": "re_secret_0123456789", "from": "crm@example.com"},
		}}, 200, "")
		chKeys(t, put)
		for _, s := range []string{"tg-secret-0123456789", "wa-secret-0123456789", "re_secret_0123456789"} {
			assert.NotContains(t, put.Body.String(), s, "masked")
		}
		chKeys(t, e.expect(req{method: "GET", path: "/api/workspaces/" + wsID + "/settings/channels", token: ann}, 200, ""))
	})

	// Billing: subscribe 200 {"plan","status","trialEndsAt"}.
	sub := e.expect(req{method: "POST", path: "/api/workspaces/" + wsID + "/billing/subscribe", token: ann, body: map[string]string{"plan": "pro"}}, 200, "").json(t)
	assert.Equal(t, map[string]any{"plan": "pro", "status": "paid", "trialEndsAt": nil}, sub)
	paid := e.expect(req{method: "GET", path: "/api/workspaces/" + wsID, token: ann}, 200, "").json(t)
	assert.Equal(t, "pro", paid["plan"])
	assert.Nil(t, paid["trialEndsAt"])

	// MFA: enroll {"otpauthURL","qrPNG"} (base64 PNG), confirm and
	// regenerate {"recoveryCodes":[…]}, disable 204.
	enr := e.expect(req{method: "POST", path: "/api/me/mfa/totp/enroll", token: ann}, 200, "").json(t)
	assert.Equal(t, []string{"otpauthURL", "qrPNG"}, keysOf(enr))
	png, err := base64.StdEncoding.DecodeString(enr["qrPNG"].(string))
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")), "qrPNG is a base64 PNG")
	seed := regexp.MustCompile(`secret=([A-Z2-7]+)`).FindStringSubmatch(enr["otpauthURL"].(string))[1]
	conf := e.expect(req{method: "POST", path: "/api/me/mfa/totp/confirm", token: ann, body: map[string]string{"code": e.totp(seed)}}, 200, "").json(t)
	assert.Equal(t, []string{"recoveryCodes"}, keysOf(conf))
	e.clock.Advance(30 * time.Second)
	regen := e.expect(req{method: "POST", path: "/api/me/mfa/recovery-codes", token: ann, body: map[string]string{"code": e.totp(seed)}}, 200, "").json(t)
	assert.Equal(t, []string{"recoveryCodes"}, keysOf(regen))
	assert.Len(t, regen["recoveryCodes"], 10)
	e.clock.Advance(30 * time.Second)
	e.expect(req{method: "POST", path: "/api/me/mfa/totp/disable", token: ann, body: map[string]string{"code": e.totp(seed)}}, 204, "")

	// Audit: {"items","nextCursor"}, each event exactly the contract's
	// fields; the client IP is the socket's (no proxy is trusted).
	events := items(t, e.expect(req{method: "GET", path: "/api/workspaces/" + wsID + "/audit?limit=200", token: ann}, 200, "").json(t))
	require.NotEmpty(t, events)
	var sawCreate bool
	for _, ev := range events {
		assert.Equal(t, auditKeys, keysOf(ev))
		assert.Equal(t, []string{"id", "type"}, keysOf(obj(t, ev["target"])))
		assert.Equal(t, wsID, ev["workspaceId"])
		assert.Nil(t, ev["impersonator"], "null when nobody impersonates")
		tm, err := time.Parse(time.RFC3339Nano, ev["time"].(string))
		require.NoError(t, err)
		assert.Equal(t, time.UTC, tm.Location())
		if ev["action"] == "contact.create" {
			sawCreate = true
			assert.Equal(t, "192.0.2.1", ev["ip"], "X-Forwarded-For from an untrusted socket is ignored")
		}
	}
	assert.True(t, sawCreate)

	// Password reset mail, so that the outbox holds every kind.
	e.expect(req{method: "POST", path: "/api/auth/forgot-password", body: map[string]string{"email": "ann@example.com"}}, 202, "")
	kinds := map[string]bool{}
	for _, it := range items(t, e.expect(req{method: "GET", path: "/dev/outbox"}, 200, "").json(t)) {
		assert.Equal(t, outboxKeys, keysOf(it))
		kinds[it["kind"].(string)] = true
	}
	assert.Equal(t, map[string]bool{"verify_email": true, "reset_password": true, "invite": true}, kinds)

	// Dev clock and health.
	for _, q := range []req{{method: "GET", path: "/dev/clock"}, {method: "POST", path: "/dev/clock", body: map[string]string{"advance": "1s"}}} {
		now := e.expect(q, 200, "").json(t)
		assert.Equal(t, []string{"now"}, keysOf(now))
		assert.Regexp(t, rfc3339UTC, now["now"])
	}
	assert.JSONEq(t, `{"status":"ok"}`, e.expect(req{method: "GET", path: "/healthz"}, 200, "").Body.String())

	// Logout 204.
	e.expect(req{method: "POST", path: "/api/auth/logout", token: ann}, 204, "")
}

// TestContract_ListPaging: every list takes ?limit= (default 50, larger
// values capped at 200) and ?cursor=, answers {"items","nextCursor"} with
// nextCursor "" on the last page, and a walk through the pages sees every
// item once; audit is newest first.
func TestContract_ListPaging(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.TenantQuota = ratelimit.PerMinute(5000) })
	owner, _ := e.user("owner@example.com", true)
	ws := e.workspace(owner, "Acme")
	e.transition(ws, "approve")
	h := map[string]string{"X-Workspace-ID": ws}
	const n = 205
	for i := range n {
		e.expect(req{method: "POST", path: "/api/crm/contacts", token: owner, header: h, body: map[string]string{"name": "c" + strconv.Itoa(i)}}, 201, "")
	}
	e.member(owner, ws, "m1@example.com", "viewer")
	e.member(owner, ws, "m2@example.com", "viewer")

	// walk pages through path with limit, returning every item.
	walk := func(t *testing.T, q req, limit string) []map[string]any {
		t.Helper()
		var all []map[string]any
		cursor := ""
		for pages := 0; ; pages++ {
			require.Less(t, pages, 1000)
			p := q
			sep := "?"
			if strings.Contains(p.path, "?") {
				sep = "&"
			}
			p.path += sep + "limit=" + limit + "&cursor=" + cursor
			body := e.expect(p, 200, "").json(t)
			page := items(t, body)
			all = append(all, page...)
			cursor = body["nextCursor"].(string)
			if cursor == "" {
				return all
			}
			require.NotEmpty(t, page, "a page with a next cursor holds items")
		}
	}
	lists := map[string]req{
		"contacts": {method: "GET", path: "/api/crm/contacts", token: owner, header: h},
		"audit":    {method: "GET", path: "/api/workspaces/" + ws + "/audit", token: owner},
		"members":  {method: "GET", path: "/api/workspaces/" + ws + "/members", token: owner},
		"outbox":   {method: "GET", path: "/dev/outbox"},
		"console":  {method: "GET", path: "/admin/workspaces", token: e.operator()},
	}
	for name, q := range lists {
		t.Run(name, func(t *testing.T) {
			all := walk(t, q, "200")
			ids := map[string]bool{}
			for _, it := range all {
				id, _ := json.Marshal(it)
				ids[string(id)] = true
			}
			assert.Len(t, ids, len(all), "no item twice")
			assert.Equal(t, all, walk(t, q, "1"), "any page size sees the same items")
			def := items(t, e.expect(q, 200, "").json(t))
			assert.Len(t, def, min(50, len(all)), "default limit 50")
			p := q
			p.path += "?limit=1000"
			assert.Len(t, items(t, e.expect(p, 200, "").json(t)), min(200, len(all)), "limit capped at 200")
			for _, bad := range []string{"0", "-1", "abc"} {
				p := q
				p.path += "?limit=" + bad
				e.expect(p, 422, problem.CodeValidationFailed)
			}
			if name == "audit" {
				for i := 1; i < len(all); i++ {
					assert.Greater(t, all[i-1]["seq"], all[i]["seq"], "newest first")
				}
			}
		})
	}
	assert.Len(t, walk(t, lists["contacts"], "200"), n)
	assert.Greater(t, len(walk(t, lists["audit"], "200")), n)
}

// TestContract_AcceptedWhateverTheAddress: resend-verification and
// forgot-password answer the same 202 for a verified, an unverified, an
// unknown, a throwaway and a malformed address. Register answers 202 for
// new and existing addresses alike (TestNoUserEnumeration) and refuses
// addresses it cannot create an account for (TestRegisterValidation,
// TestRegisterRefusesDisposableAddresses).
func TestContract_AcceptedWhateverTheAddress(t *testing.T) {
	e := newEnv(t)
	e.user("verified@example.com", true)
	e.user("unverified@example.com", false)
	for _, path := range []string{"/api/auth/resend-verification", "/api/auth/forgot-password"} {
		t.Run(path, func(t *testing.T) {
			var first string
			for _, addr := range []string{"verified@example.com", "unverified@example.com", "nobody@example.com", "u@mailinator.com", "not-an-address", "", "a@b@example.com", "evil\r\n@example.com"} {
				r := e.expect(req{method: "POST", path: path, remote: e.freshIP(), body: map[string]string{"email": addr}}, 202, "")
				if first == "" {
					first = r.Body.String()
				}
				assert.Equal(t, first, r.Body.String(), addr)
			}
		})
	}
}

// TestContract_AuthRoutesRateLimited: register, resend-verification and
// forgot-password are each limited per client IP (5 an hour) and per
// address (3 an hour), 429 rate_limited with Retry-After, whether or not
// the address has an account.
func TestContract_AuthRoutesRateLimited(t *testing.T) {
	for _, path := range []string{"/api/auth/register", "/api/auth/resend-verification", "/api/auth/forgot-password"} {
		t.Run(path, func(t *testing.T) {
			e := newEnv(t)
			body := func(addr string) map[string]string {
				if path == "/api/auth/register" {
					return map[string]string{"email": addr, "password": testPassword}
				}
				return map[string]string{"email": addr}
			}
			for i := range ratelimit.DefaultAuthPerIPPerHour {
				e.expect(req{method: "POST", path: path, remote: "203.0.113.5:1", body: body("ip" + strconv.Itoa(i) + "@example.com")}, 202, "")
			}
			r := e.expect(req{method: "POST", path: path, remote: "203.0.113.5:2", body: body("ipx@example.com")}, 429, problem.CodeRateLimited)
			assert.NotEmpty(t, r.Header().Get("Retry-After"))
			for range ratelimit.DefaultAuthPerEmailPerHour {
				e.expect(req{method: "POST", path: path, remote: e.freshIP(), body: body("same@example.com")}, 202, "")
			}
			r = e.expect(req{method: "POST", path: path, remote: e.freshIP(), body: body("SAME@example.com")}, 429, problem.CodeRateLimited)
			assert.NotEmpty(t, r.Header().Get("Retry-After"))
			e.clock.Advance(time.Hour)
			e.expect(req{method: "POST", path: path, remote: "203.0.113.5:3", body: body("same@example.com")}, 202, "")
		})
	}
}

// TestContract_InvalidTokens: verify and reset-password with an unknown,
// used, expired or other-purpose token are 400 invalid_token, and change
// nothing.
func TestContract_InvalidTokens(t *testing.T) {
	e := newEnv(t)
	e.user("ann@example.com", true)
	forgot := func() string {
		e.expect(req{method: "POST", path: "/api/auth/forgot-password", remote: e.freshIP(), body: map[string]string{"email": "ann@example.com"}}, 202, "")
		return e.lastMail("ann@example.com", verify.KindResetPassword)
	}
	reset := func(tok string) req {
		return req{method: "POST", path: "/api/auth/reset-password", body: map[string]string{"token": tok, "password": "a hijacked password"}}
	}
	t.Run("unknown", func(t *testing.T) {
		e.expect(reset("no-such-token"), 400, problem.CodeInvalidToken)
		e.expect(reset(""), 400, problem.CodeInvalidToken)
	})
	t.Run("expired (reset tokens live one hour on the server clock)", func(t *testing.T) {
		tok := forgot()
		e.clock.Advance(time.Hour)
		e.expect(reset(tok), 400, problem.CodeInvalidToken)
	})
	t.Run("used", func(t *testing.T) {
		tok := forgot()
		e.expect(req{method: "POST", path: "/api/auth/reset-password", body: map[string]string{"token": tok, "password": testPassword + "!"}}, 200, "")
		e.expect(reset(tok), 400, problem.CodeInvalidToken)
		e.login("ann@example.com", testPassword+"!")
	})
	t.Run("a reset token does not verify an address", func(t *testing.T) {
		e.expect(req{method: "POST", path: "/api/auth/verify", body: map[string]string{"token": forgot()}}, 400, problem.CodeInvalidToken)
	})
	e.expect(req{method: "POST", path: "/api/auth/login", body: map[string]string{"email": "ann@example.com", "password": "a hijacked password"}}, 401, problem.CodeInvalidCredentials)
}

// TestContract_TrialEndsAtHeader: every gated response to a member of a
// trialing workspace carries Trial-Ends-At (RFC 3339, UTC), denials
// included; members of a pending or paid workspace and non-members get
// none.
func TestContract_TrialEndsAtHeader(t *testing.T) {
	e := newEnv(t)
	owner, _ := e.user("owner@example.com", true)
	ws := e.workspace(owner, "Acme")
	stranger, _ := e.user("stranger@example.com", true)
	h := map[string]string{"X-Workspace-ID": ws}
	gated := func(tok string) []req {
		return []req{
			{method: "GET", path: "/api/workspaces/" + ws, token: tok},
			{method: "GET", path: "/api/crm/contacts", token: tok, header: h},
			{method: "POST", path: "/api/crm/contacts", token: tok, header: h, body: map[string]string{"name": "x"}},
			{method: "GET", path: "/api/workspaces/" + ws + "/billing", token: tok},
			{method: "GET", path: "/api/workspaces/" + ws + "/audit", token: tok},
		}
	}
	for _, q := range gated(owner) {
		assert.Empty(t, e.do(q).Header().Get("Trial-Ends-At"), "pending: no trial yet (%s %s)", q.method, q.path)
	}
	e.transition(ws, "approve")
	viewer, _ := e.member(owner, ws, "viewer@example.com", "viewer")
	end := e.expect(req{method: "GET", path: "/api/workspaces/" + ws, token: owner}, 200, "").json(t)["trialEndsAt"].(string)
	require.Regexp(t, rfc3339UTC, end)
	for _, tok := range []string{owner, viewer} {
		for _, q := range gated(tok) {
			r := e.do(q)
			assert.Equal(t, end, r.Header().Get("Trial-Ends-At"), "%s %s → %d", q.method, q.path, r.Code)
		}
	}
	for _, q := range gated(stranger) {
		r := e.expect(q, 403, problem.CodeWorkspaceForbidden)
		assert.Empty(t, r.Header().Get("Trial-Ends-At"))
	}
	e.expect(req{method: "POST", path: "/api/workspaces/" + ws + "/billing/subscribe", token: owner, body: map[string]string{"plan": "business"}}, 200, "")
	for _, q := range gated(owner) {
		assert.Empty(t, e.do(q).Header().Get("Trial-Ends-At"), "paid: no trial (%s %s)", q.method, q.path)
	}
}

// TestContract_Plans: the plans are pro and business; any other is 422
// validation_failed on the plan field and changes nothing.
func TestContract_Plans(t *testing.T) {
	e := newEnv(t)
	owner, _ := e.user("owner@example.com", true)
	ws := e.workspace(owner, "Acme")
	e.transition(ws, "approve")
	subscribe := func(plan string) req {
		return req{method: "POST", path: "/api/workspaces/" + ws + "/billing/subscribe", token: owner, body: map[string]string{"plan": plan}}
	}
	for _, bad := range []string{"", "free", "enterprise", "Pro", "pro "} {
		r := e.expect(subscribe(bad), 422, problem.CodeValidationFailed)
		require.NotEmpty(t, r.problem(t).Errors)
		assert.Equal(t, "plan", r.problem(t).Errors[0].Field)
	}
	b := e.expect(req{method: "GET", path: "/api/workspaces/" + ws + "/billing", token: owner}, 200, "").json(t)
	assert.Equal(t, "trialing", b["status"])
	assert.Nil(t, b["plan"])
	for _, plan := range []string{"pro", "business"} {
		assert.Equal(t, plan, e.expect(subscribe(plan), 200, "").json(t)["plan"])
	}
}

// TestContract_MFAEventsInEveryWorkspace: a user's MFA events (enable,
// recovery code used, replayed code refused, recovery codes regenerated,
// lockout, disable) are recorded in the audit chain of every workspace the
// user belongs to, and of no other.
func TestContract_MFAEventsInEveryWorkspace(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.RecoveryHash.MemoryKiB, c.RecoveryHash.Time, c.RecoveryHash.Threads = 64, 1, 1 })
	ann, _ := e.user("ann@example.com", true)
	own := e.workspace(ann, "Ann's")
	bob, _ := e.user("bob@example.com", true)
	joined := e.workspace(bob, "Bob's")
	e.transition(joined, "approve")
	e.expect(req{method: "POST", path: "/api/workspaces/" + joined + "/invites", token: bob, body: map[string]string{"email": "ann@example.com", "role": "agent"}}, 201, "")
	e.expect(req{method: "POST", path: "/api/invites/accept", token: ann, body: map[string]string{"token": e.lastMail("ann@example.com", verify.KindInvite)}}, 200, "")
	carol, _ := e.user("carol@example.com", true)
	other := e.workspace(carol, "Carol's")

	seed, recovery := e.enrollMFA(ann)
	e.expect(loginWith("ann@example.com", map[string]string{"recoveryCode": recovery[0]}), 200, "")
	e.clock.Advance(30 * time.Second)
	code := e.totp(seed)
	e.expect(loginWith("ann@example.com", map[string]string{"otp": code}), 200, "")
	e.expect(loginWith("ann@example.com", map[string]string{"otp": code}), 401, problem.CodeInvalidOTP)
	e.clock.Advance(30 * time.Second)
	e.expect(req{method: "POST", path: "/api/me/mfa/recovery-codes", token: ann, body: map[string]string{"code": e.totp(seed)}}, 200, "")
	for range 5 {
		e.do(loginWith("ann@example.com", map[string]string{"otp": "000000"}))
	}
	r := e.expect(loginWith("ann@example.com", map[string]string{"otp": "000000"}), 423, problem.CodeMFALocked)
	secs, err := strconv.Atoi(r.Header().Get("Retry-After"))
	require.NoError(t, err)
	e.clock.Advance(time.Duration(secs+30) * time.Second)
	e.expect(req{method: "POST", path: "/api/me/mfa/totp/disable", token: ann, body: map[string]string{"code": e.totp(seed)}}, 204, "")

	actions := func(ws string) map[audit.Action]bool {
		page, err := e.a.auditStore.Query(t.Context(), audit.Query{Workspace: ws, Limit: 200})
		require.NoError(t, err)
		seen := map[audit.Action]bool{}
		for _, ev := range page.Events {
			seen[ev.Action] = true
		}
		return seen
	}
	mfaActions := []audit.Action{audit.ActionMFAEnable, audit.ActionMFARecoveryUse, audit.ActionMFAReplay,
		audit.ActionMFARecoveryRegen, audit.ActionMFALockout, audit.ActionMFADisable}
	for _, ws := range []string{own, joined} {
		seen := actions(ws)
		for _, a := range mfaActions {
			assert.True(t, seen[a], "%s missing from %s", a, ws)
		}
		_, err := audit.Verify(t.Context(), e.a.auditStore, ws)
		require.NoError(t, err)
	}
	seen := actions(other)
	for _, a := range mfaActions {
		assert.False(t, seen[a], "%s reached a workspace the user is not in", a)
	}
}

// TestContract_HealthzHasNoGatesNoRateLimit: /healthz answers 200
// {"status":"ok"} to anyone, any number of times, with no rate-limit or
// trial header, whatever credentials or workspace the request names.
func TestContract_HealthzHasNoGatesNoRateLimit(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.TenantQuota = ratelimit.PerMinute(1) })
	for i := range 100 {
		r := e.expect(req{method: "GET", path: "/healthz", remote: "203.0.113.1:1", token: "not-a-session-" + strconv.Itoa(i),
			header: map[string]string{"X-Workspace-ID": "ws-ghost"}}, 200, "")
		assert.JSONEq(t, `{"status":"ok"}`, r.Body.String())
		for _, h := range []string{"RateLimit", "RateLimit-Policy", "Retry-After", "Trial-Ends-At"} {
			assert.Empty(t, r.Header().Get(h))
		}
	}
}

// TestContract_UnknownRoutesAndMethods: problem+json 404 not_found and 405
// method_not_allowed (with Allow) everywhere, and the -dev routes do not
// exist without -dev (TestDevRoutesAbsentWithoutDev).
func TestContract_UnknownRoutesAndMethods(t *testing.T) {
	e := newEnv(t)
	tok, _ := e.user("ann@example.com", true)
	op := e.operator()
	for _, c := range []struct {
		name, method, path, token string
		status                    int
		code                      problem.Code
	}{
		{"unknown path", "GET", "/api/nope", "", 404, problem.CodeNotFound},
		{"unknown path, authenticated", "GET", "/api/crm/contacts/a/b", tok, 404, problem.CodeNotFound},
		{"root", "GET", "/", "", 404, problem.CodeNotFound},
		{"unknown dev route", "GET", "/dev/nope", "", 404, problem.CodeNotFound},
		{"unknown operator route", "GET", "/admin/nope", op, 404, problem.CodeNotFound},
		{"DELETE workspace", "DELETE", "/api/workspaces/ws-x", tok, 405, problem.CodeMethodNotAllowed},
		{"GET login", "GET", "/api/auth/login", "", 405, problem.CodeMethodNotAllowed},
		{"POST healthz", "POST", "/healthz", "", 405, problem.CodeMethodNotAllowed},
		{"DELETE audit", "DELETE", "/api/workspaces/ws-x/audit", tok, 405, problem.CodeMethodNotAllowed},
		{"PUT contacts", "PUT", "/api/crm/contacts", tok, 405, problem.CodeMethodNotAllowed},
		{"DELETE console", "DELETE", "/admin/workspaces", op, 405, problem.CodeMethodNotAllowed},
		{"unknown method", "BREW", "/api/crm/contacts", tok, 405, problem.CodeMethodNotAllowed},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.expect(req{method: c.method, path: c.path, token: c.token}, c.status, c.code)
			b := r.problem(t)
			assert.Equal(t, c.status, b.Status)
			if c.status == 405 {
				assert.NotEmpty(t, r.Header().Get("Allow"))
			}
		})
	}
}

// TestContract_NoWorkspaceOrTwoWorkspaces: a workspace route with no
// workspace (or an empty header) is 400 invalid_workspace_id; an
// X-Workspace-ID naming another workspace than the path on any
// /api/workspaces/{ws}/… route is 400 workspace_mismatch, even for a member
// of both.
func TestContract_NoWorkspaceOrTwoWorkspaces(t *testing.T) {
	tt := newTwoTenants(t)
	e := tt.e
	e.expect(req{method: "POST", path: "/api/workspaces/" + tt.wsB + "/invites", token: tt.ownerB, body: map[string]string{"email": "a@example.com", "role": "admin"}}, 201, "")
	e.expect(req{method: "POST", path: "/api/invites/accept", token: tt.ownerA, body: map[string]string{"token": e.lastMail("a@example.com", verify.KindInvite)}}, 200, "")
	for _, hv := range []string{"", " "} {
		e.expect(req{method: "GET", path: "/api/crm/contacts", token: tt.ownerA, header: map[string]string{"X-Workspace-ID": hv}}, 400, problem.CodeInvalidWorkspaceID)
	}
	before := tt.snapshot(t)
	for _, q := range workspaceRoutes(tt.wsA, tt.contactA) {
		if q.header != nil {
			continue
		}
		q.token = tt.ownerA // a member (owner, admin) of both
		q.header = map[string]string{"X-Workspace-ID": tt.wsB}
		e.expect(q, 400, problem.CodeWorkspaceMismatch)
	}
	assert.Equal(t, before, tt.snapshot(t))
}

// TestContract_ControlCharacters: names with CR, LF, ESC and U+2028 are
// stored and returned exactly (JSON-escaped on the wire); the logs never
// hold them raw (the server logs no names at all, and its JSON log handler
// escapes every control character of what it does log).
func TestContract_ControlCharacters(t *testing.T) {
	e := newEnv(t)
	owner, _ := e.user("owner@example.com", true)
	name := "Evil\r\nlevel=ERROR msg=forged\x1b[2J\u2028end"
	ws := e.expect(req{method: "POST", path: "/api/workspaces", token: owner, body: map[string]string{"name": name, "inviteCode": testInviteCode}}, 201, "")
	wid := ws.json(t)["id"].(string)
	e.transition(wid, "approve")
	h := map[string]string{"X-Workspace-ID": wid}
	c := e.expect(req{method: "POST", path: "/api/crm/contacts", token: owner, header: h, body: map[string]string{"name": name}}, 201, "")
	for _, r := range []resp{
		ws, c,
		e.expect(req{method: "GET", path: "/api/workspaces/" + wid, token: owner}, 200, ""),
		e.expect(req{method: "GET", path: "/api/crm/contacts/" + c.json(t)["id"].(string), token: owner, header: h}, 200, ""),
		e.expect(req{method: "GET", path: "/admin/workspaces/" + wid, token: e.operator()}, 200, ""),
	} {
		assert.Equal(t, name, r.json(t)["name"])
		raw := r.Body.String()
		assert.Contains(t, raw, `Evil\r\nlevel=ERROR msg=forged\u001b[2J\u2028end`, "JSON-escaped")
		for _, bad := range []string{"\r", "\n\"", "\x1b", "\u2028"} {
			assert.NotContains(t, strings.TrimSuffix(raw, "\n"), bad)
		}
	}
	stored, err := e.a.stores.Contacts.Contact(t.Context(), wsID(wid), c.json(t)["id"].(string))
	require.NoError(t, err)
	assert.Equal(t, name, stored.Name, "stored exactly")
	logs := e.logs.String()
	for _, bad := range []string{"\r", "\x1b", "\u2028", "\nlevel=ERROR"} {
		assert.NotContains(t, logs, bad, "logs escape control characters")
	}
}

// flakyLimits is a rate-limit store that fails on demand.
type flakyLimits struct {
	ratelimit.Store
	down atomic.Bool
}

var errLimitsDown = errors.New("dial tcp limits-host:27017: connection refused")

func (f *flakyLimits) Take(ctx context.Context, key string, now time.Time, l ratelimit.Limit) (ratelimit.State, error) {
	if f.down.Load() {
		return ratelimit.State{}, errLimitsDown
	}
	return f.Store.Take(ctx, key, now, l)
}

// TestContract_RateLimitStoreFailuresAreReported: when the rate-limit
// store fails, every limited route fails closed (503 unavailable, the
// handler does not run, no driver text in the body) and the failure is
// logged with its rule — never silently.
func TestContract_RateLimitStoreFailuresAreReported(t *testing.T) {
	limits := &flakyLimits{Store: memstore.New().RateLimits}
	e := newEnv(t, func(c *Config) { c.Stores.RateLimits = limits })
	owner, _ := e.user("owner@example.com", true)
	ws := e.workspace(owner, "Acme")
	e.transition(ws, "approve")
	limits.down.Store(true)
	for _, c := range []struct {
		rule string
		q    req
	}{
		{"register-ip", req{method: "POST", path: "/api/auth/register", body: map[string]string{"email": "new@example.com", "password": testPassword}}},
		{"forgot-password-ip", req{method: "POST", path: "/api/auth/forgot-password", body: map[string]string{"email": "owner@example.com"}}},
		{"login-ip", req{method: "POST", path: "/api/auth/login", body: map[string]string{"email": "owner@example.com", "password": testPassword}}},
		{"workspace", createContact(owner, ws)},
	} {
		t.Run(c.rule, func(t *testing.T) {
			r := e.expect(c.q, 503, problem.CodeUnavailable)
			assert.NotContains(t, r.Body.String(), "limits-host")
			assert.Regexp(t, `"msg":"rate limit store failure".*"rule":"`+c.rule+`"`, e.logs.String())
		})
	}
	assert.Equal(t, 0, e.contactCount(ws), "the handler never ran")
	_, err := e.a.stores.Accounts.UserByEmail(t.Context(), "new@example.com")
	assert.ErrorIs(t, err, ErrNoUser)
	assert.NotRegexp(t, `"err":"[^"]*owner@example.com`, e.logs.String(), "no bucket key in the log")
}

// TestContract_HealthzUnavailable: when a store fails, /healthz answers
// 503 problem+json unavailable, without the store's error text.
func TestContract_HealthzUnavailable(t *testing.T) {
	e := newEnv(t)
	e.a.stores.Accounts = failingAccounts{e.a.stores.Accounts}
	r := e.expect(req{method: "GET", path: "/healthz"}, 503, problem.CodeUnavailable)
	assert.NotContains(t, r.Body.String(), "secret-host")
}

// TestContract_OneClock: with -dev, the clock of GET /dev/clock is the one
// every decision reads — here the audit record's time and the session
// expiry (trial, tokens, TOTP and rate windows have their own tests).
func TestContract_OneClock(t *testing.T) {
	e := newEnv(t)
	owner, _ := e.user("owner@example.com", true)
	ws := e.workspace(owner, "Acme")
	e.transition(ws, "approve")
	e.expect(req{method: "POST", path: "/dev/clock", body: map[string]string{"set": "2030-06-01T12:00:00Z"}}, 200, "")
	now := e.expect(req{method: "GET", path: "/dev/clock"}, 200, "").json(t)["now"].(string)
	assert.True(t, strings.HasPrefix(now, "2030-06-01T12:00"), now)
	// The session opened before the jump has expired on the server clock;
	// the trial too (2030 is long after approval).
	e.expect(createContact(owner, ws), 401, problem.CodeUnauthenticated)
	owner, _ = e.login("owner@example.com", testPassword)
	e.expect(createContact(owner, ws), 402, problem.CodeTrialExpired)
	e.expect(req{method: "POST", path: "/api/workspaces/" + ws + "/billing/subscribe", token: owner, body: map[string]string{"plan": "pro"}}, 200, "")
	events := items(t, e.expect(req{method: "GET", path: "/api/workspaces/" + ws + "/audit?limit=1", token: owner}, 200, "").json(t))
	require.Len(t, events, 1)
	assert.Equal(t, "billing.subscribe", events[0]["action"])
	assert.True(t, strings.HasPrefix(events[0]["time"].(string), "2030-06-01T12:00"), events[0]["time"])
}

// TestTestClock: the -dev clock starts at the base clock's time and ticks
// with it; Advance adds to its offset, Set moves it to an instant, and it
// keeps ticking from there.
func TestTestClock(t *testing.T) {
	base := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	c := &TestClock{base: func() time.Time { return base }}
	assert.Equal(t, base, c.Now(), "starts at the base time")
	base = base.Add(5 * time.Second)
	assert.Equal(t, base, c.Now(), "ticks with it")
	assert.Equal(t, base.Add(336*time.Hour), c.Advance(336*time.Hour))
	base = base.Add(time.Second)
	assert.Equal(t, base.Add(336*time.Hour), c.Now(), "the offset stays; time still ticks")
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 7200))
	assert.Equal(t, at.UTC(), c.Set(at))
	base = base.Add(3 * time.Second)
	assert.Equal(t, at.UTC().Add(3*time.Second), c.Now(), "ticks from the instant set")
	assert.Equal(t, time.UTC, c.Now().Location())
}

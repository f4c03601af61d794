package app

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/ratelimit"
	"github.com/tenantgate/tenantgate/tenancy"
	"github.com/tenantgate/tenantgate/verify"
)

// Red-team attacks over the real wiring: each case sends the request an
// attacker would send and asserts the safe answer (status, problem code)
// and that nothing changed.

// TestAttack_InviteDoesNotOutliveItsInviter: an admin invites an address
// it controls, is then removed (or demoted), and redeems the pending invite
// with the second account to get back in. An invite carries only the
// rights its inviter still holds when it is redeemed: 400 invalid_token,
// the workspace's members unchanged.
func TestAttack_InviteDoesNotOutliveItsInviter(t *testing.T) {
	for _, tc := range []struct {
		name string
		// revoke takes the inviter's rights away, by the owner's hand.
		revoke func(e *env, owner, ws, inviterID string)
	}{
		{"inviter removed", func(e *env, owner, ws, inviterID string) {
			e.expect(req{method: "DELETE", path: "/api/workspaces/" + ws + "/members/" + inviterID, token: owner}, 204, "")
		}},
		{"inviter demoted to viewer", func(e *env, owner, ws, inviterID string) {
			e.expect(req{method: "PATCH", path: "/api/workspaces/" + ws + "/members/" + inviterID, token: owner, body: map[string]string{"role": "viewer"}}, 200, "")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			owner, _ := e.user("owner@example.com", true)
			ws := e.workspace(owner, "Acme")
			e.transition(ws, "approve")
			admin, adminID := e.member(owner, ws, "rogue@example.com", "admin")
			e.expect(req{method: "POST", path: "/api/workspaces/" + ws + "/invites", token: admin,
				body: map[string]string{"email": "rogue-alt@example.com", "role": "admin"}}, 201, "")
			invite := e.lastMail("rogue-alt@example.com", verify.KindInvite)
			alt, _ := e.user("rogue-alt@example.com", true)

			tc.revoke(e, owner, ws, adminID)
			members := func() string {
				return e.expect(req{method: "GET", path: "/api/workspaces/" + ws + "/members", token: owner}, 200, "").Body.String()
			}
			before := members()
			e.expect(req{method: "POST", path: "/api/invites/accept", token: alt, body: map[string]string{"token": invite}}, 400, problem.CodeInvalidToken)
			assert.Equal(t, before, members())
			e.expect(req{method: "GET", path: "/api/crm/contacts", token: alt, header: map[string]string{"X-Workspace-ID": ws}}, 403, problem.CodeWorkspaceForbidden)
		})
	}
	t.Run("an invite whose inviter kept its rights still works", func(t *testing.T) {
		e := newEnv(t)
		owner, _ := e.user("owner@example.com", true)
		ws := e.workspace(owner, "Acme")
		e.transition(ws, "approve")
		admin, _ := e.member(owner, ws, "admin@example.com", "admin")
		e.expect(req{method: "POST", path: "/api/workspaces/" + ws + "/invites", token: admin,
			body: map[string]string{"email": "new@example.com", "role": "agent"}}, 201, "")
		invite := e.lastMail("new@example.com", verify.KindInvite)
		tok, _ := e.user("new@example.com", true)
		e.expect(req{method: "POST", path: "/api/invites/accept", token: tok, body: map[string]string{"token": invite}}, 200, "")
	})
}

// TestAttack_ForeignMemberIDs: the owner of A names B's members (and B's
// owner) on A's member routes: 404 not_found, exactly as for an unknown
// id, and B's membership is unchanged.
func TestAttack_ForeignMemberIDs(t *testing.T) {
	tt := newTwoTenants(t)
	e := tt.e
	_, agentB := e.member(tt.ownerB, tt.wsB, "agent-b@example.com", "agent")
	ownerBID := e.expect(req{method: "GET", path: "/api/workspaces/" + tt.wsB + "/members", token: tt.ownerB}, 200, "").json(t)["items"].([]any)[0].(map[string]any)["userId"].(string)
	before := tt.snapshot(t)
	for _, id := range []string{agentB, ownerBID, "u-nobody"} {
		for _, q := range []req{
			{method: "PATCH", path: "/api/workspaces/" + tt.wsA + "/members/" + id, body: map[string]string{"role": "viewer"}},
			{method: "DELETE", path: "/api/workspaces/" + tt.wsA + "/members/" + id},
		} {
			q.token = tt.ownerA
			e.expect(q, 404, problem.CodeNotFound)
		}
	}
	assert.Equal(t, before, tt.snapshot(t))
}

// TestAttack_WorkspaceHeaderGames: repeated, padded or differently cased
// X-Workspace-ID headers never select B.
func TestAttack_WorkspaceHeaderGames(t *testing.T) {
	tt := newTwoTenants(t)
	e := tt.e
	before := tt.snapshot(t)
	send := func(method, path string, values []string, body string) *httptest.ResponseRecorder {
		var r *http.Request
		if body != "" {
			r = httptest.NewRequest(method, path, strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
		} else {
			r = httptest.NewRequest(method, path, nil)
		}
		r.Header.Set("Authorization", "Bearer "+tt.ownerA)
		r.Header["X-Workspace-Id"] = values
		w := httptest.NewRecorder()
		e.a.ServeHTTP(w, r)
		return w
	}
	code := func(w *httptest.ResponseRecorder) problem.Code {
		return resp{w}.problem(t).Code
	}
	for _, tc := range []struct {
		name   string
		values []string
		status int
		code   problem.Code
	}{
		{"own then foreign", []string{tt.wsA, tt.wsB}, 400, problem.CodeWorkspaceMismatch},
		{"foreign then own", []string{tt.wsB, tt.wsA}, 400, problem.CodeWorkspaceMismatch},
		{"own twice", []string{tt.wsA, tt.wsA}, 400, problem.CodeWorkspaceMismatch},
		{"comma list", []string{tt.wsA + "," + tt.wsB}, 400, problem.CodeInvalidWorkspaceID},
		{"upper case", []string{strings.ToUpper(tt.wsB)}, 400, problem.CodeInvalidWorkspaceID},
		{"tab padded", []string{"\t" + tt.wsB}, 400, problem.CodeInvalidWorkspaceID},
		{"percent encoded", []string{strings.Replace(tt.wsB, "-", "%2D", 1)}, 400, problem.CodeInvalidWorkspaceID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := send("POST", "/api/crm/contacts", tc.values, `{"name":"Mallory"}`)
			require.Equal(t, tc.status, w.Code, w.Body.String())
			assert.Equal(t, tc.code, code(w))
			w = send("DELETE", "/api/crm/contacts/"+tt.contactB, tc.values, "")
			require.Equal(t, tc.status, w.Code, w.Body.String())
		})
	}
	// The path carrier of a workspace route, percent-encoded or cased.
	for _, p := range []string{
		"/api/workspaces/" + strings.Replace(tt.wsB, "-", "%2D", 1) + "/members",
		"/api/workspaces/" + strings.ToUpper(tt.wsB) + "/members",
		"/api/workspaces/" + tt.wsB + "%2F/members",
	} {
		r := e.do(req{method: "GET", path: p, token: tt.ownerA})
		assert.Contains(t, []int{400, 403, 404}, r.Code, p)
		assert.NotContains(t, r.Body.String(), "b@example.com", p)
	}
	assert.Equal(t, 1, e.contactCount(tt.wsA))
	assert.Equal(t, before, tt.snapshot(t))
}

// TestAttack_MethodsOnWriteRoutes: HEAD reads, OPTIONS and unknown
// methods never write; against B they reveal nothing.
func TestAttack_MethodsOnWriteRoutes(t *testing.T) {
	tt := newTwoTenants(t)
	e := tt.e
	before := tt.snapshot(t)
	hB := map[string]string{"X-Workspace-ID": tt.wsB}
	for _, m := range []string{"OPTIONS", "PURGE", "PUT", "TRACE"} {
		e.expect(req{method: m, path: "/api/crm/contacts/" + tt.contactB, token: tt.ownerA, header: hB}, 405, problem.CodeMethodNotAllowed)
		e.expect(req{method: m, path: "/api/workspaces/" + tt.wsB + "/members/u-x", token: tt.ownerA}, 405, problem.CodeMethodNotAllowed)
	}
	r := e.do(req{method: "HEAD", path: "/api/crm/contacts/" + tt.contactB, token: tt.ownerA, header: hB})
	assert.Equal(t, 403, r.Code)
	assert.Empty(t, r.Header().Get("Trial-Ends-At"))
	assert.Equal(t, before, tt.snapshot(t))
}

// TestAttack_OperatorIsNotAMember: the platform operator's own session
// reaches no workspace's data (only the console), and an owner's session
// never reaches the console.
func TestAttack_OperatorIsNotAMember(t *testing.T) {
	tt := newTwoTenants(t)
	e := tt.e
	op := e.operator()
	before := tt.snapshot(t)
	for _, q := range workspaceRoutes(tt.wsB, tt.contactB) {
		q.token = op
		r := e.expect(q, 403, problem.CodeWorkspaceForbidden)
		assert.Empty(t, r.Header().Get("Trial-Ends-At"))
	}
	e.expect(req{method: "GET", path: "/admin/workspaces", token: tt.ownerB}, 403, problem.CodeOperatorOnly)
	e.expect(req{method: "POST", path: "/admin/workspaces/" + tt.wsA + "/suspend", token: tt.ownerB, body: map[string]string{"reason": "x"}}, 403, problem.CodeOperatorOnly)
	assert.Equal(t, before, tt.snapshot(t))
}

// TestAttack_ImpersonationCannotJoinOrCreate: an impersonating session
// cannot accept an invite meant for the user, nor create a workspace in
// the user's name.
func TestAttack_ImpersonationCannotJoinOrCreate(t *testing.T) {
	e := newEnv(t)
	owner, _ := e.user("owner@example.com", true)
	ws := e.workspace(owner, "Acme")
	e.transition(ws, "approve")
	_, userID := e.user("target@example.com", true)
	e.expect(req{method: "POST", path: "/api/workspaces/" + ws + "/invites", token: owner, body: map[string]string{"email": "target@example.com", "role": "admin"}}, 201, "")
	invite := e.lastMail("target@example.com", verify.KindInvite)
	imp := e.expect(req{method: "POST", path: "/admin/impersonations", token: e.operator(),
		body: map[string]any{"userId": userID, "reason": "ticket 7", "minutes": 10}}, 201, "").json(t)["token"].(string)
	e.expect(req{method: "POST", path: "/api/invites/accept", token: imp, body: map[string]string{"token": invite}}, 403, problem.CodePermissionDenied)
	e.expect(req{method: "GET", path: "/api/workspaces/" + ws, token: imp}, 403, problem.CodeWorkspaceForbidden)
	r := e.do(req{method: "POST", path: "/api/workspaces", token: imp, body: map[string]string{"name": "Imp", "inviteCode": testInviteCode}})
	assert.Equal(t, 403, r.Code, r.Body.String())
	ms, err := e.a.tenancy.UserMemberships(context.Background(), tenancy.UserID(userID))
	require.NoError(t, err)
	assert.Empty(t, ms)
}

// TestAttack_LoginDoesNotTellAccountsApart: a wrong password for a
// registered address and any password for an unknown one get the same
// status, code and body.
func TestAttack_LoginDoesNotTellAccountsApart(t *testing.T) {
	e := newEnv(t)
	e.user("known@example.com", true)
	body := func(email string) string {
		r := e.expect(req{method: "POST", path: "/api/auth/login", remote: e.freshIP(), body: map[string]string{"email": email, "password": "wrong password 1"}}, 401, problem.CodeInvalidCredentials)
		b := r.problem(t)
		b.Instance = ""
		return string(b.Code) + "|" + b.Detail + "|" + b.Title + "|" + r.Header().Get("Cache-Control")
	}
	assert.Equal(t, body("known@example.com"), body("unknown@example.com"))
	assert.Equal(t, body("KNOWN@example.com"), body("unknown@example.com"))
}

// TestAttack_ResendForgotEmailVariantsShareOneBucket: IDN, full-width and
// root-dot spellings of one address, each from a new IP, share that
// address's bucket, so a victim's inbox cannot be flooded by rotating
// spellings.
func TestAttack_ResendForgotEmailVariantsShareOneBucket(t *testing.T) {
	for _, route := range []string{"/api/auth/forgot-password", "/api/auth/resend-verification"} {
		t.Run(route, func(t *testing.T) {
			e := newEnv(t)
			e.user("victim@example.com", false)
			variants := []string{"victim@ｅｘａｍｐｌｅ.com", "victim@example。com", "victim@example.com.", "VICTIM@Example.COM", "victim@example.ｃｏｍ", "\u00a0victim@example.com"}
			for i := range ratelimit.DefaultAuthPerEmailPerHour {
				e.expect(req{method: "POST", path: route, remote: e.freshIP(), body: map[string]string{"email": variants[i%len(variants)]}}, 202, "")
			}
			for _, v := range variants {
				e.expect(req{method: "POST", path: route, remote: e.freshIP(), body: map[string]string{"email": v}}, 429, problem.CodeRateLimited)
			}
		})
	}
}

// TestAttack_LoginIPv6RotationInsideOne64: rotating addresses inside one
// IPv6 /64 and forging X-Forwarded-For stay in one login bucket.
func TestAttack_LoginIPv6RotationInsideOne64(t *testing.T) {
	e := newEnv(t)
	var last resp
	for i := 0; i <= LoginPerIP.N; i++ {
		last = e.do(req{method: "POST", path: "/api/auth/login",
			remote: "[2001:db8:1:2:" + strings.Repeat("a", 1+i%3) + ":" + itoa(i) + "::1]:443",
			header: map[string]string{"X-Forwarded-For": "198.51.100." + itoa(i%250)},
			body:   map[string]string{"email": "user" + itoa(i) + "@example.com", "password": "wrong password 1"}})
	}
	assert.Equal(t, 429, last.Code, last.Body.String())
	assert.Equal(t, problem.CodeRateLimited, last.problem(t).Code)
	assert.NotEmpty(t, last.Header().Get("Retry-After"))
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

// failingUserByID is an account store whose user reads fail for one user
// (a backend that breaks in the middle of a request).
type failingUserByID struct {
	AccountStore
	user tenancy.UserID
}

func (f failingUserByID) UserByID(ctx context.Context, id tenancy.UserID) (User, error) {
	if id == f.user {
		return User{}, errors.New("secret-host:27017 connection reset")
	}
	return f.AccountStore.UserByID(ctx, id)
}

// TestAttack_MemberListFailsClosed: when the account store fails while a
// member list is being assembled, the answer is 503 unavailable, never a
// 200 with members' addresses silently missing.
func TestAttack_MemberListFailsClosed(t *testing.T) {
	e := newEnv(t)
	owner, _ := e.user("owner@example.com", true)
	ws := e.workspace(owner, "Acme")
	e.transition(ws, "approve")
	_, agentID := e.member(owner, ws, "agent@example.com", "agent")
	e.a.stores.Accounts = failingUserByID{e.a.stores.Accounts, tenancy.UserID(agentID)}
	r := e.expect(req{method: "GET", path: "/api/workspaces/" + ws + "/members", token: owner}, 503, problem.CodeUnavailable)
	assert.NotContains(t, r.Body.String(), "secret-host")
}

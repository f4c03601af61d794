package app

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/internal/jsonbody"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
	"github.com/tenantgate/tenantgate/verify"
)

// TestNoUserEnumeration: register, resend and forgot answer the same for
// registered and unknown addresses; login answers the same for an unknown
// address and a wrong password (ASVS 6.3.8).
func TestNoUserEnumeration(t *testing.T) {
	e := newEnv(t)
	e.user("known@example.com", true)
	for _, path := range []string{"/api/auth/register", "/api/auth/resend-verification", "/api/auth/forgot-password"} {
		t.Run(path, func(t *testing.T) {
			body := func(addr string) map[string]string {
				if path == "/api/auth/register" {
					return map[string]string{"email": addr, "password": testPassword}
				}
				return map[string]string{"email": addr}
			}
			known := e.expect(req{method: "POST", path: path, body: body("known@example.com")}, 202, "")
			unknown := e.expect(req{method: "POST", path: path, body: body("nobody@example.com")}, 202, "")
			assert.Equal(t, known.Body.String(), unknown.Body.String())
		})
	}
	wrongPw := e.expect(req{method: "POST", path: "/api/auth/login", body: map[string]string{"email": "known@example.com", "password": "wrong password!"}}, 401, problem.CodeInvalidCredentials)
	noUser := e.expect(req{method: "POST", path: "/api/auth/login", body: map[string]string{"email": "ghost@example.com", "password": "wrong password!"}}, 401, problem.CodeInvalidCredentials)
	assert.Equal(t, wrongPw.Body.String(), noUser.Body.String())
}

func TestRegisterKeepsExistingAccount(t *testing.T) {
	e := newEnv(t)
	e.user("ann@example.com", true)
	// Re-registering with another password does not take the account over.
	e.expect(req{method: "POST", path: "/api/auth/register", body: map[string]string{"email": "ann@example.com", "password": "attacker password"}}, 202, "")
	e.expect(req{method: "POST", path: "/api/auth/login", body: map[string]string{"email": "ann@example.com", "password": "attacker password"}}, 401, problem.CodeInvalidCredentials)
	e.login("ann@example.com", testPassword)
}

func TestRegisterValidation(t *testing.T) {
	e := newEnv(t)
	for name, c := range map[string]struct {
		email, pw string
		status    int
		code      problem.Code
	}{
		"two @":          {"a@b@example.com", testPassword, 400, problem.CodeInvalidEmail},
		"no domain":      {"ann@", testPassword, 400, problem.CodeInvalidEmail},
		"short password": {"ann@example.com", "short", 422, problem.CodeValidationFailed},
	} {
		t.Run(name, func(t *testing.T) {
			e.expect(req{method: "POST", path: "/api/auth/register", body: map[string]string{"email": c.email, "password": c.pw}}, c.status, c.code)
		})
	}
}

func TestVerifyAndResetTokens(t *testing.T) {
	e := newEnv(t)
	e.expect(req{method: "POST", path: "/api/auth/register", body: map[string]string{"email": "ann@example.com", "password": testPassword}}, 202, "")
	tok := e.lastMail("ann@example.com", verify.KindVerifyEmail)

	t.Run("unknown verify token is 400 invalid_token", func(t *testing.T) {
		e.expect(req{method: "POST", path: "/api/auth/verify", body: map[string]string{"token": "nope"}}, 400, problem.CodeInvalidToken)
	})
	t.Run("a verify token is single use", func(t *testing.T) {
		e.expect(req{method: "POST", path: "/api/auth/verify", body: map[string]string{"token": tok}}, 200, "")
		e.expect(req{method: "POST", path: "/api/auth/verify", body: map[string]string{"token": tok}}, 400, problem.CodeInvalidToken)
	})
	t.Run("a verify token expires after 24h on the server clock", func(t *testing.T) {
		e.expect(req{method: "POST", path: "/api/auth/register", body: map[string]string{"email": "late@example.com", "password": testPassword}}, 202, "")
		late := e.lastMail("late@example.com", verify.KindVerifyEmail)
		e.clock.Advance(24 * 60 * 60 * 1e9)
		e.expect(req{method: "POST", path: "/api/auth/verify", body: map[string]string{"token": late}}, 400, problem.CodeInvalidToken)
	})
	t.Run("reset: new password works, old one and old sessions do not, token single use", func(t *testing.T) {
		session, _ := e.login("ann@example.com", testPassword)
		e.expect(req{method: "POST", path: "/api/auth/forgot-password", body: map[string]string{"email": "ann@example.com"}}, 202, "")
		rt := e.lastMail("ann@example.com", verify.KindResetPassword)
		e.expect(req{method: "POST", path: "/api/auth/reset-password", body: map[string]string{"token": rt, "password": "a brand new password"}}, 200, "")
		e.expect(req{method: "POST", path: "/api/auth/reset-password", body: map[string]string{"token": rt, "password": "another new password"}}, 400, problem.CodeInvalidToken)
		e.expect(req{method: "POST", path: "/api/auth/login", body: map[string]string{"email": "ann@example.com", "password": testPassword}}, 401, problem.CodeInvalidCredentials)
		e.expect(req{method: "GET", path: "/api/me/export", token: session}, 401, problem.CodeUnauthenticated)
		e.login("ann@example.com", "a brand new password")
	})
	t.Run("a verify token cannot reset a password", func(t *testing.T) {
		e.expect(req{method: "POST", path: "/api/auth/resend-verification", body: map[string]string{"email": "late@example.com"}}, 202, "")
		vt := e.lastMail("late@example.com", verify.KindVerifyEmail)
		e.expect(req{method: "POST", path: "/api/auth/reset-password", body: map[string]string{"token": vt, "password": "hijacked password"}}, 400, problem.CodeInvalidToken)
	})
}

func TestLoginAndLogout(t *testing.T) {
	e := newEnv(t)
	tok, _ := e.user("ann@example.com", true)
	r := e.do(req{method: "POST", path: "/api/auth/login", body: map[string]string{"email": "ANN@example.com ", "password": testPassword}})
	require.Equal(t, 200, r.Code)
	assert.Equal(t, "no-store", r.Header().Get("Cache-Control"))
	e.expect(req{method: "GET", path: "/api/me/export", token: tok}, 200, "")
	e.expect(req{method: "POST", path: "/api/auth/logout", token: tok}, 204, "")
	e.expect(req{method: "GET", path: "/api/me/export", token: tok}, 401, problem.CodeUnauthenticated)
	e.expect(req{method: "POST", path: "/api/auth/logout"}, 401, problem.CodeUnauthenticated)
}

// TestSessionTokenOneSpelling: a session token is accepted only in the
// spelling the server issued. Every other spelling of the same 32 bytes,
// and every malformed token, is 401 without a store lookup (a store that
// fails every read would turn a lookup into 503). At rest the session is
// keyed by the SHA-256 of the raw bytes, never of the text, the same for
// every backend; the stored hash, presented as a token, opens nothing.
func TestSessionTokenOneSpelling(t *testing.T) {
	e := newEnv(t)
	tok, uid := e.user("ann@example.com", true)
	require.Len(t, tok, 43)
	e.expect(req{method: "GET", path: "/api/me/export", token: tok}, 200, "")

	raw, err := base64.RawURLEncoding.Strict().DecodeString(tok)
	require.NoError(t, err)
	s, err := e.a.stores.Accounts.SessionByHash(context.Background(), sha256.Sum256(raw))
	require.NoError(t, err, "stored under the hash of the raw bytes")
	assert.Equal(t, tenancy.UserID(uid), s.User)
	_, err = e.a.stores.Accounts.SessionByHash(context.Background(), sha256.Sum256([]byte(tok)))
	assert.ErrorIs(t, err, ErrNoSession, "never under the hash of the text")
	stored := sha256.Sum256(raw)
	e.expect(req{method: "GET", path: "/api/me/export", token: base64.RawURLEncoding.EncodeToString(stored[:])}, 401, problem.CodeUnauthenticated)

	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, tok[42])
	cases := []struct{ name, tok string }{
		{"stray trailing bits (same bytes)", tok[:42] + string(alphabet[last^1])},
		{"padded", tok + "="},
		{"standard alphabet", base64.StdEncoding.EncodeToString(raw)},
		{"hex of the bytes", hex.EncodeToString(raw)},
		{"truncated", tok[:42]},
		{"one more character", tok + "A"},
		{"surrounding space", " " + tok},
	}
	e.a.stores.Accounts = failingAccounts{e.a.stores.Accounts}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.NotEqual(t, tok, c.tok)
			r := httptest.NewRequest("GET", "/api/me/export", nil)
			r.Header["Authorization"] = []string{"Bearer " + c.tok}
			w := httptest.NewRecorder()
			e.a.ServeHTTP(w, r)
			require.Equal(t, 401, w.Code, w.Body.String())
			assert.Equal(t, problem.CodeUnauthenticated, resp{w}.problem(t).Code)
		})
	}
}

// TestStrictJSON: every decoding failure is the catalogue's, and nothing is
// written.
func TestStrictJSON(t *testing.T) {
	e := newEnv(t)
	owner, _ := e.user("owner@example.com", true)
	ws := e.workspace(owner, "Acme")
	e.transition(ws, "approve")
	h := map[string]string{"X-Workspace-ID": ws}
	cases := []struct {
		name   string
		body   string
		ctype  string
		status int
		code   problem.Code
		field  string
	}{
		{"wrong content type", `{"name":"x"}`, "text/plain", 415, problem.CodeUnsupportedMediaType, ""},
		{"form content type", `name=x`, "application/x-www-form-urlencoded", 415, problem.CodeUnsupportedMediaType, ""},
		{"too large", `{"name":"` + strings.Repeat("a", jsonbody.DefaultLimit) + `"}`, "application/json", 413, problem.CodeRequestTooLarge, ""},
		{"unknown field", `{"name":"x","admin":true}`, "application/json", 422, problem.CodeValidationFailed, "admin"},
		{"wrong type", `{"name":42}`, "application/json", 422, problem.CodeValidationFailed, "name"},
		{"trailing data", `{"name":"x"}{"name":"y"}`, "application/json", 422, problem.CodeValidationFailed, ""},
		{"trailing garbage", `{"name":"x"} xyz`, "application/json", 422, problem.CodeValidationFailed, ""},
		{"malformed", `{"name":`, "application/json", 400, problem.CodeInvalidRequest, ""},
		{"empty", ``, "application/json", 400, problem.CodeInvalidRequest, ""},
		{"missing name", `{}`, "application/json", 422, problem.CodeValidationFailed, "name"},
		{"blank name", `{"name":"  "}`, "application/json", 422, problem.CodeValidationFailed, "name"},
		{"charset latin1", `{"name":"x"}`, "application/json; charset=latin1", 415, problem.CodeUnsupportedMediaType, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hh := map[string]string{"X-Workspace-ID": ws, "Content-Type": c.ctype}
			r := e.expect(req{method: "POST", path: "/api/crm/contacts", token: owner, header: hh, body: c.body}, c.status, c.code)
			if c.code == problem.CodeValidationFailed {
				b := r.problem(t)
				require.NotEmpty(t, b.Errors)
				assert.Equal(t, c.field, b.Errors[0].Field)
			}
			assert.Equal(t, 0, e.contactCount(ws))
		})
	}
	// A body of undeclared length (chunked) is cut at the limit: 413
	// whether it starts as a valid object or as malformed JSON, and the
	// reader never gets past limit+1 bytes.
	for name, body := range map[string]string{
		"undeclared length, valid start":     `{"name":"` + strings.Repeat("a", jsonbody.DefaultLimit) + `"}`,
		"undeclared length, malformed start": `{"name":x` + strings.Repeat(" ", jsonbody.DefaultLimit),
	} {
		t.Run(name, func(t *testing.T) {
			src := &countingReader{r: strings.NewReader(body)}
			r := httptest.NewRequest("POST", "/api/crm/contacts", src)
			r.ContentLength = -1
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer "+owner)
			r.Header.Set("X-Workspace-ID", ws)
			w := httptest.NewRecorder()
			e.a.ServeHTTP(w, r)
			require.Equal(t, 413, w.Code, w.Body.String())
			assert.Equal(t, problem.CodeRequestTooLarge, resp{w}.problem(t).Code)
			assert.LessOrEqual(t, src.n, int64(jsonbody.DefaultLimit+1))
			assert.Equal(t, 0, e.contactCount(ws))
		})
	}
	e.expect(req{method: "POST", path: "/api/crm/contacts", token: owner, header: h, body: `{"name":"ok"}`}, 201, "")
}

// countingReader counts the bytes read from r.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// TestControlCharactersStoredExactly: names with CR, LF, ESC and U+2028
// come back exactly as given (JSON-escaped).
func TestControlCharactersStoredExactly(t *testing.T) {
	e := newEnv(t)
	owner, _ := e.user("owner@example.com", true)
	name := "Acme\r\nX-Injected: 1\x1b[31m\u2028end"
	m := e.expect(req{method: "POST", path: "/api/workspaces", token: owner, body: map[string]string{"name": name, "inviteCode": testInviteCode}}, 201, "").json(t)
	assert.Equal(t, name, m["name"])
	got := e.expect(req{method: "GET", path: "/api/workspaces/" + m["id"].(string), token: owner}, 200, "")
	assert.Equal(t, name, got.json(t)["name"])
	assert.NotContains(t, got.Body.String(), "\r")
}

func TestWorkspaceCreation(t *testing.T) {
	e := newEnv(t)
	owner, _ := e.user("owner@example.com", true)
	unverified, _ := e.user("unverified@example.com", false)
	body := map[string]string{"name": "Acme", "inviteCode": testInviteCode}
	e.expect(req{method: "POST", path: "/api/workspaces", body: body}, 401, problem.CodeUnauthenticated)
	e.expect(req{method: "POST", path: "/api/workspaces", token: unverified, body: body}, 403, problem.CodeEmailUnverified)
	e.expect(req{method: "POST", path: "/api/workspaces", token: owner, body: map[string]string{"name": "Acme", "inviteCode": "wrong-code-123"}}, 403, problem.CodeInvalidInviteCode)
	e.expect(req{method: "POST", path: "/api/workspaces", token: owner, body: map[string]string{"name": "Acme"}}, 403, problem.CodeInvalidInviteCode)
	e.workspace(owner, "Acme")
	e.expect(req{method: "POST", path: "/api/workspaces", token: owner, body: body}, 409, problem.CodeWorkspaceLimitReached)
}

func TestRoutingProblems(t *testing.T) {
	e := newEnv(t)
	r := e.expect(req{method: "GET", path: "/nope"}, 404, problem.CodeNotFound)
	assert.NotEmpty(t, r.Header().Get("X-Request-Id"))
	r = e.expect(req{method: "PUT", path: "/api/crm/contacts"}, 405, problem.CodeMethodNotAllowed)
	assert.Contains(t, r.Header().Get("Allow"), "POST")
	r = e.expect(req{method: "GET", path: "/healthz", header: map[string]string{"X-Request-ID": "abc-123"}}, 200, "")
	assert.JSONEq(t, `{"status":"ok"}`, r.Body.String())
	assert.Equal(t, "abc-123", r.Header().Get("X-Request-Id"))
	r = e.expect(req{method: "GET", path: "/healthz", header: map[string]string{"X-Request-ID": "bad\r\nid"}}, 200, "")
	assert.NotEqual(t, "bad\r\nid", r.Header().Get("X-Request-Id"))
}

func TestDevRoutesAbsentWithoutDev(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Dev = false })
	e.expect(req{method: "GET", path: "/dev/outbox?to=a@example.com"}, 404, problem.CodeNotFound)
	e.expect(req{method: "GET", path: "/dev/clock"}, 404, problem.CodeNotFound)
	e.expect(req{method: "POST", path: "/dev/clock", body: map[string]string{"advance": "336h"}}, 404, problem.CodeNotFound)
}

func TestDevClock(t *testing.T) {
	e := newEnv(t)
	start := e.clock.Now()
	m := e.expect(req{method: "POST", path: "/dev/clock", body: map[string]string{"advance": "336h"}}, 200, "").json(t)
	assert.Contains(t, m["now"], start.Add(336*60*60*1e9).Format("2006-01-02T15"))
	m = e.expect(req{method: "POST", path: "/dev/clock", body: map[string]string{"set": "2030-01-02T03:04:05Z"}}, 200, "").json(t)
	assert.Equal(t, "2030-01-02T03:04", m["now"].(string)[:16])
	e.expect(req{method: "POST", path: "/dev/clock", body: map[string]string{"advance": "soon"}}, 422, problem.CodeValidationFailed)
	e.expect(req{method: "POST", path: "/dev/clock", body: map[string]string{}}, 422, problem.CodeValidationFailed)
}

func TestOperatorOnly(t *testing.T) {
	e := newEnv(t)
	owner, _ := e.user("owner@example.com", true)
	ws := e.workspace(owner, "Acme")
	body := map[string]string{"reason": "self-approval"}
	e.expect(req{method: "POST", path: "/admin/workspaces/" + ws + "/approve", body: body}, 401, problem.CodeUnauthenticated)
	e.expect(req{method: "POST", path: "/admin/workspaces/" + ws + "/approve", token: owner, body: body}, 403, problem.CodeOperatorOnly)
	e.expect(req{method: "GET", path: "/admin/workspaces", token: owner}, 403, problem.CodeOperatorOnly)
	m := e.expect(req{method: "GET", path: "/api/workspaces/" + ws, token: owner}, 200, "").json(t)
	assert.Equal(t, "pending_approval", m["status"])
	op := e.operator()
	e.expect(req{method: "POST", path: "/admin/workspaces/" + ws + "/approve", token: op, body: map[string]string{"reason": " "}}, 422, problem.CodeValidationFailed)
	e.expect(req{method: "POST", path: "/admin/workspaces/" + ws + "/suspend", token: op, body: body}, 409, problem.CodeConflict)
	e.expect(req{method: "POST", path: "/admin/workspaces/" + ws + "/explode", token: op, body: body}, 404, problem.CodeNotFound)
	e.expect(req{method: "POST", path: "/admin/workspaces/ws-ghost/approve", token: op, body: body}, 404, problem.CodeNotFound)
	l := e.expect(req{method: "GET", path: "/admin/workspaces?status=pending_approval", token: op}, 200, "").json(t)
	assert.Len(t, l["items"], 1)
}

// failingAccounts is an account store whose backend is down.
type failingAccounts struct{ AccountStore }

func (failingAccounts) UserByID(context.Context, tenancy.UserID) (User, error) {
	return User{}, errors.New("connection refused: secret-host:27017")
}

func (failingAccounts) UserByEmail(context.Context, string) (User, error) {
	return User{}, errors.New("connection refused: secret-host:27017")
}

func (failingAccounts) SessionByHash(context.Context, TokenHash) (Session, error) {
	return Session{}, errors.New("connection refused: secret-host:27017")
}

// TestStoreFailureFailsClosed: a failing store answers 503 unavailable
// (healthz included) and its error text never reaches the client.
func TestStoreFailureFailsClosed(t *testing.T) {
	e := newEnv(t)
	tok, _ := e.user("ann@example.com", true)
	e.a.stores.Accounts = failingAccounts{e.a.stores.Accounts}
	for _, q := range []req{
		{method: "GET", path: "/healthz"},
		{method: "GET", path: "/api/me/export", token: tok},
		{method: "POST", path: "/api/auth/login", body: map[string]string{"email": "ann@example.com", "password": testPassword}},
	} {
		r := e.do(q)
		assert.Equal(t, 503, r.Code, q.path)
		assert.NotContains(t, r.Body.String(), "secret-host", q.path)
	}
}

// TestLogsCarryNoQueryOrCredentials: the request log names the route
// pattern, never the query, headers or body.
func TestLogsCarryNoQueryOrCredentials(t *testing.T) {
	e := newEnv(t)
	tok, _ := e.user("ann@example.com", true)
	e.do(req{method: "GET", path: "/api/crm/contacts?cursor=CANARY-QUERY", token: tok, header: map[string]string{"X-Workspace-ID": "ws-x"}})
	logs := e.logs.String()
	assert.Contains(t, logs, `"route":"GET /api/crm/contacts"`)
	assert.NotContains(t, logs, "CANARY-QUERY")
	assert.NotContains(t, logs, tok)
	assert.NotContains(t, logs, testPassword)
}

package app

import (
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/problem"
)

// enrollMFA turns MFA on for token's user and returns the seed and the
// recovery codes.
func (e *env) enrollMFA(token string) (seed string, recovery []string) {
	e.t.Helper()
	r := e.expect(req{method: "POST", path: "/api/me/mfa/totp/enroll", token: token}, 200, "")
	require.Equal(e.t, "no-store", r.Header().Get("Cache-Control"))
	m := r.json(e.t)
	require.NotEmpty(e.t, m["qrPNG"])
	u, err := url.Parse(m["otpauthURL"].(string))
	require.NoError(e.t, err)
	seed = u.Query().Get("secret")
	require.NotEmpty(e.t, seed)
	code := e.totp(seed)
	c := e.expect(req{method: "POST", path: "/api/me/mfa/totp/confirm", token: token, body: map[string]string{"code": code}}, 200, "")
	require.Equal(e.t, "no-store", c.Header().Get("Cache-Control"))
	for _, rc := range c.json(e.t)["recoveryCodes"].([]any) {
		recovery = append(recovery, rc.(string))
	}
	require.Len(e.t, recovery, 10)
	return seed, recovery
}

func (e *env) totp(seed string) string {
	e.t.Helper()
	code, err := totp.GenerateCode(seed, e.clock.Now())
	require.NoError(e.t, err)
	return code
}

func loginWith(email string, extra map[string]string) req {
	body := map[string]string{"email": email, "password": testPassword}
	for k, v := range extra {
		body[k] = v
	}
	return req{method: "POST", path: "/api/auth/login", body: body}
}

func TestMFALoginAndReplay(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.RecoveryHash.MemoryKiB, c.RecoveryHash.Time, c.RecoveryHash.Threads = 64, 1, 1 })
	owner, _ := e.user("owner@example.com", true)
	ws := e.workspace(owner, "Acme")
	seed, recovery := e.enrollMFA(owner)
	confirmCode := e.totp(seed)

	t.Run("no code is 401 mfa_required", func(t *testing.T) {
		e.expect(loginWith("owner@example.com", nil), 401, problem.CodeMFARequired)
	})
	t.Run("wrong password never reaches the second factor", func(t *testing.T) {
		e.expect(req{method: "POST", path: "/api/auth/login", body: map[string]string{"email": "owner@example.com", "password": "wrong password!"}}, 401, problem.CodeInvalidCredentials)
	})
	t.Run("the confirmation code cannot be replayed", func(t *testing.T) {
		e.expect(loginWith("owner@example.com", map[string]string{"otp": confirmCode}), 401, problem.CodeInvalidOTP)
	})
	t.Run("a fresh code logs in once, its replay is refused", func(t *testing.T) {
		e.clock.Advance(30 * time.Second)
		code := e.totp(seed)
		r := e.expect(loginWith("owner@example.com", map[string]string{"otp": code}), 200, "")
		assert.Equal(t, "no-store", r.Header().Get("Cache-Control"))
		e.expect(loginWith("owner@example.com", map[string]string{"otp": code}), 401, problem.CodeInvalidOTP)
	})
	t.Run("a recovery code works once", func(t *testing.T) {
		e.expect(loginWith("owner@example.com", map[string]string{"recoveryCode": recovery[0]}), 200, "")
		e.expect(loginWith("owner@example.com", map[string]string{"recoveryCode": recovery[0]}), 401, problem.CodeInvalidOTP)
	})
	t.Run("malformed codes are refused", func(t *testing.T) {
		for _, bad := range []string{"12345", "1234567", "12 34 56", "１２３４５６", "abcdef"} {
			e.expect(loginWith("owner@example.com", map[string]string{"otp": bad}), 401, problem.CodeInvalidOTP)
		}
	})
	t.Run("MFA events reach the user's workspace chain", func(t *testing.T) {
		page, err := e.a.auditStore.Query(t.Context(), audit.Query{Workspace: ws, Action: audit.ActionMFAEnable})
		require.NoError(t, err)
		var outcomes []audit.Outcome
		for _, ev := range page.Events {
			outcomes = append(outcomes, ev.Outcome)
		}
		assert.Contains(t, outcomes, audit.OutcomeSuccess)
	})
	t.Run("regenerating recovery codes needs a current code and invalidates the old ones", func(t *testing.T) {
		e.expect(req{method: "POST", path: "/api/me/mfa/recovery-codes", token: owner, body: map[string]string{"code": "000000"}}, 401, problem.CodeInvalidOTP)
		e.clock.Advance(30 * time.Second)
		m := e.expect(req{method: "POST", path: "/api/me/mfa/recovery-codes", token: owner, body: map[string]string{"code": e.totp(seed)}}, 200, "").json(t)
		assert.Len(t, m["recoveryCodes"], 10)
		e.expect(loginWith("owner@example.com", map[string]string{"recoveryCode": recovery[1]}), 401, problem.CodeInvalidOTP)
	})
}

func TestMFALockout(t *testing.T) {
	e := newEnv(t)
	owner, _ := e.user("owner@example.com", true)
	seed, _ := e.enrollMFA(owner)
	e.clock.Advance(30 * time.Second)
	for range 4 {
		e.expect(loginWith("owner@example.com", map[string]string{"otp": "000000"}), 401, problem.CodeInvalidOTP)
	}
	// The fifth consecutive failure locks; then even a correct code waits.
	e.expect(loginWith("owner@example.com", map[string]string{"otp": "000000"}), 423, problem.CodeMFALocked)
	r := e.expect(loginWith("owner@example.com", map[string]string{"otp": e.totp(seed)}), 423, problem.CodeMFALocked)
	secs, err := strconv.Atoi(r.Header().Get("Retry-After"))
	require.NoError(t, err)
	assert.Positive(t, secs)
	e.clock.Advance(time.Duration(secs+30) * time.Second)
	e.expect(loginWith("owner@example.com", map[string]string{"otp": e.totp(seed)}), 200, "")
}

// TestLoginRateLimit: failed logins are limited per account whether or
// not it exists, with Retry-After; a later window admits again.
func TestLoginRateLimit(t *testing.T) {
	e := newEnv(t)
	e.user("ann@example.com", true)
	for _, addr := range []string{"ann@example.com", "ghost@example.com"} {
		t.Run(addr, func(t *testing.T) {
			bad := req{method: "POST", path: "/api/auth/login", body: map[string]string{"email": addr, "password": "wrong password!"}}
			for range LoginPerEmail.N {
				e.expect(bad, 401, problem.CodeInvalidCredentials)
			}
			r := e.expect(bad, 429, problem.CodeRateLimited)
			assert.NotEmpty(t, r.Header().Get("Retry-After"))
			if addr == "ann@example.com" {
				// Even the right password waits.
				e.expect(loginWith(addr, nil), 429, problem.CodeRateLimited)
			}
		})
	}
	e.clock.Advance(LoginPerEmail.Window)
	e.login("ann@example.com", testPassword)
}

package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/verify"
)

const (
	testInviteCode = "beta-code-123"
	testOperator   = "operator@example.com"
	testOperatorPw = "operator-password-1"
	testPassword   = "correct horse battery"
)

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is one server under test, driven through its real handler.
type env struct {
	t     testing.TB
	a     *App
	clock *TestClock
	logs  *syncBuffer
	ips   atomic.Int32
}

// freshIP returns a socket address no other request of e used, so that the
// per-IP limits of the auth routes do not get in the way of set-up.
func (e *env) freshIP() string {
	n := e.ips.Add(1)
	return fmt.Sprintf("10.%d.%d.%d:4000", n>>16&255, n>>8&255, n&255)
}

func newEnv(t testing.TB, mut ...func(*Config)) *env {
	t.Helper()
	logs := &syncBuffer{}
	clock := NewTestClock()
	cfg := Config{
		Dev: true, InviteCode: testInviteCode, OperatorEmail: testOperator, OperatorPassword: testOperatorPw,
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Clock:  clock,
		// Cheap argon2id parameters for tests only; the server uses
		// DefaultPasswordParams.
		Password: PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1},
	}
	for _, m := range mut {
		m(&cfg)
	}
	a, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	return &env{t: t, a: a, clock: clock, logs: logs}
}

type resp struct {
	*httptest.ResponseRecorder
}

func (r resp) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.Body.Bytes(), &m), r.Body.String())
	return m
}

func (r resp) problem(t testing.TB) problem.Body {
	t.Helper()
	require.Equal(t, "application/problem+json", r.Header().Get("Content-Type"), r.Body.String())
	var b problem.Body
	require.NoError(t, json.Unmarshal(r.Body.Bytes(), &b))
	return b
}

// req describes one request.
type req struct {
	method, path, token string
	body                any // string (raw) or a value marshalled as JSON
	header              map[string]string
	// remote is the socket address (default httptest's 192.0.2.1:1234).
	remote string
}

func (e *env) do(q req) resp {
	e.t.Helper()
	var body io.Reader
	switch b := q.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		require.NoError(e.t, err)
		body = bytes.NewReader(buf)
	}
	r := httptest.NewRequest(q.method, q.path, body)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if q.token != "" {
		r.Header.Set("Authorization", "Bearer "+q.token)
	}
	for k, v := range q.header {
		r.Header.Set(k, v)
	}
	if q.remote != "" {
		r.RemoteAddr = q.remote
	}
	rec := httptest.NewRecorder()
	e.a.ServeHTTP(rec, r)
	return resp{rec}
}

// expect asserts status and, for errors, the exact problem code.
func (e *env) expect(q req, status int, code problem.Code) resp {
	e.t.Helper()
	r := e.do(q)
	require.Equal(e.t, status, r.Code, "%s %s: %s", q.method, q.path, r.Body.String())
	if code != "" {
		require.Equal(e.t, code, r.problem(e.t).Code)
	}
	return r
}

// lastMail returns the newest outbox token of kind sent to addr.
func (e *env) lastMail(addr string, kind verify.Kind) string {
	e.t.Helper()
	r := e.expect(req{method: "GET", path: "/dev/outbox?to=" + addr}, 200, "")
	var out struct {
		Items []verify.OutboxEntry `json:"items"`
	}
	require.NoError(e.t, json.Unmarshal(r.Body.Bytes(), &out))
	for i := len(out.Items) - 1; i >= 0; i-- {
		if out.Items[i].Kind == kind {
			return out.Items[i].Token
		}
	}
	e.t.Fatalf("no %s mail to %s", kind, addr)
	return ""
}

func (e *env) login(email, pw string) (token, userID string) {
	e.t.Helper()
	m := e.expect(req{method: "POST", path: "/api/auth/login", body: map[string]string{"email": email, "password": pw}}, 200, "").json(e.t)
	return m["token"].(string), m["userId"].(string)
}

// user registers, verifies (unless unverified) and logs in.
func (e *env) user(email string, verified bool) (token, userID string) {
	e.t.Helper()
	e.expect(req{method: "POST", path: "/api/auth/register", body: map[string]string{"email": email, "password": testPassword}, remote: e.freshIP()}, 202, "")
	if verified {
		tok := e.lastMail(email, verify.KindVerifyEmail)
		e.expect(req{method: "POST", path: "/api/auth/verify", body: map[string]string{"token": tok}}, 200, "")
	}
	return e.login(email, testPassword)
}

func (e *env) operator() string {
	tok, _ := e.login(testOperator, testOperatorPw)
	return tok
}

// workspace creates a workspace owned by token's user.
func (e *env) workspace(token, name string) string {
	e.t.Helper()
	m := e.expect(req{method: "POST", path: "/api/workspaces", token: token,
		body: map[string]string{"name": name, "inviteCode": testInviteCode}}, 201, "").json(e.t)
	require.Equal(e.t, "pending_approval", m["status"])
	require.Nil(e.t, m["trialEndsAt"])
	return m["id"].(string)
}

func (e *env) transition(ws, action string) {
	e.t.Helper()
	e.expect(req{method: "POST", path: "/admin/workspaces/" + ws + "/" + action, token: e.operator(),
		body: map[string]string{"reason": "test " + action}}, 200, "")
}

// member invites email into ws with role (by the owner token) and returns
// the new member's token.
func (e *env) member(ownerToken, ws, email, role string) (token, userID string) {
	e.t.Helper()
	token, userID = e.user(email, true)
	e.expect(req{method: "POST", path: "/api/workspaces/" + ws + "/invites", token: ownerToken,
		body: map[string]string{"email": email, "role": role}}, 201, "")
	inv := e.lastMail(email, verify.KindInvite)
	e.expect(req{method: "POST", path: "/api/invites/accept", token: token, body: map[string]string{"token": inv}}, 200, "")
	return token, userID
}

// contactCount reads the store directly: the "nothing changed" oracle.
func (e *env) contactCount(ws string) int {
	items, err := e.a.stores.Contacts.Contacts(context.Background(), wsID(ws), "", 1<<30)
	require.NoError(e.t, err)
	return len(items)
}

package verify_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
	"github.com/tenantgate/tenantgate/verify"
)

var t0 = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// countingStore wraps a Store and counts calls, to prove that refused input
// never reaches it.
type countingStore struct {
	verify.Store
	inserts, consumes, revokes atomic.Int32
}

func (s *countingStore) Insert(ctx context.Context, r verify.Record) error {
	s.inserts.Add(1)
	return s.Store.Insert(ctx, r)
}
func (s *countingStore) Consume(ctx context.Context, h verify.Hash, p verify.Purpose, now time.Time) (verify.Record, error) {
	s.consumes.Add(1)
	return s.Store.Consume(ctx, h, p, now)
}
func (s *countingStore) Revoke(ctx context.Context, u tenancy.UserID, p verify.Purpose, now time.Time) (int, error) {
	s.revokes.Add(1)
	return s.Store.Revoke(ctx, u, p, now)
}

type env struct {
	svc    *verify.Service
	store  *countingStore
	outbox *verify.Outbox
	clock  *fakeClock
	logs   *bytes.Buffer
	keys   []string
	mu     sync.Mutex
	users  map[string]verify.User
}

func newEnv(t *testing.T, mod func(*verify.Config)) *env {
	t.Helper()
	e := &env{
		store: &countingStore{Store: memstore.NewTokens()},
		clock: &fakeClock{now: t0},
		logs:  &bytes.Buffer{},
		users: map[string]verify.User{
			"ann@example.com": {ID: "u-ann"},
			"bob@example.com": {ID: "u-bob", Verified: true},
		},
	}
	var err error
	e.outbox, err = verify.NewOutbox(100)
	require.NoError(t, err)
	cfg := verify.Config{
		Store:  e.store,
		Mailer: e.outbox,
		Users: verify.UserFinderFunc(func(_ context.Context, email string) (verify.User, bool, error) {
			u, ok := e.users[email]
			return u, ok, nil
		}),
		Clock: e.clock,
		Allow: func(_ context.Context, key string) error {
			e.mu.Lock()
			e.keys = append(e.keys, key)
			e.mu.Unlock()
			return nil
		},
		Logger: slog.New(slog.NewJSONHandler(e.logs, nil)),
	}
	if mod != nil {
		mod(&cfg)
	}
	e.svc, err = verify.New(cfg)
	require.NoError(t, err)
	return e
}

func (e *env) lastToken(t *testing.T, to string, k verify.Kind) string {
	t.Helper()
	m, ok := e.outbox.Last(to, k)
	require.True(t, ok, "a %s mail to %s", k, to)
	return m.Token
}

func TestIssueAndRedeem(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	require.NoError(t, e.svc.Issue(ctx, verify.PurposeVerifyEmail, "u-ann", " Ann@Example.com "))
	tok := e.lastToken(t, "ann@example.com", verify.KindVerifyEmail)

	raw, err := base64.RawURLEncoding.DecodeString(tok)
	require.NoError(t, err)
	assert.Len(t, raw, 32, "256 random bits")
	assert.Len(t, tok, verify.TokenLen)
	entry, _ := e.outbox.Last("ann@example.com", verify.KindVerifyEmail)
	assert.Contains(t, entry.Body, tok)

	rec, err := e.svc.Redeem(ctx, verify.PurposeVerifyEmail, tok)
	require.NoError(t, err)
	assert.Equal(t, tenancy.UserID("u-ann"), rec.User)
	assert.Equal(t, "ann@example.com", rec.Email)
	assert.Equal(t, verify.Hash(sha256.Sum256(raw)), rec.Hash, "only the SHA-256 of the token is stored")
	assert.True(t, rec.ExpiresAt.Equal(t0.Add(24*time.Hour)))

	_, err = e.svc.Redeem(ctx, verify.PurposeVerifyEmail, tok)
	assert.ErrorIs(t, err, problem.ErrInvalidToken, "single use")
}

func TestTokensAreDistinct(t *testing.T) {
	e := newEnv(t, nil)
	seen := map[string]bool{}
	for range 50 {
		require.NoError(t, e.svc.Issue(context.Background(), verify.PurposeVerifyEmail, "u-ann", "ann@example.com"))
		tok := e.lastToken(t, "ann@example.com", verify.KindVerifyEmail)
		assert.False(t, seen[tok])
		seen[tok] = true
	}
}

// TestRedeem_Expiry walks an injected clock to one second before and one
// second after each default lifetime.
func TestRedeem_Expiry(t *testing.T) {
	cases := []struct {
		name    string
		purpose verify.Purpose
		ttl     time.Duration
		offset  time.Duration
		ok      bool
	}{
		{"verify 24h -1s", verify.PurposeVerifyEmail, 24 * time.Hour, -time.Second, true},
		{"verify 24h +1s", verify.PurposeVerifyEmail, 24 * time.Hour, time.Second, false},
		{"reset 1h -1s", verify.PurposeResetPassword, time.Hour, -time.Second, true},
		{"reset 1h +1s", verify.PurposeResetPassword, time.Hour, time.Second, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			ctx := context.Background()
			require.NoError(t, e.svc.Issue(ctx, tc.purpose, "u-ann", "ann@example.com"))
			tok := e.lastToken(t, "ann@example.com", verify.Kind(tc.purpose))
			e.clock.Set(t0.Add(tc.ttl + tc.offset))
			_, err := e.svc.Redeem(ctx, tc.purpose, tok)
			if tc.ok {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, problem.ErrInvalidToken)
		})
	}
}

func TestRedeem_ConfigurableTTL(t *testing.T) {
	e := newEnv(t, func(c *verify.Config) { c.ResetTTL = 10 * time.Minute })
	ctx := context.Background()
	require.NoError(t, e.svc.Issue(ctx, verify.PurposeResetPassword, "u-ann", "ann@example.com"))
	tok := e.lastToken(t, "ann@example.com", verify.KindResetPassword)
	e.clock.Set(t0.Add(10*time.Minute + time.Second))
	_, err := e.svc.Redeem(ctx, verify.PurposeResetPassword, tok)
	assert.ErrorIs(t, err, problem.ErrInvalidToken)
	entry, _ := e.outbox.Last("ann@example.com", verify.KindResetPassword)
	assert.Contains(t, entry.Body, "10m0s")
}

// TestAttack_WrongPurpose: a verification token presented to the password
// reset is refused, and stays valid for verification.
func TestAttack_WrongPurpose(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	require.NoError(t, e.svc.Issue(ctx, verify.PurposeVerifyEmail, "u-ann", "ann@example.com"))
	tok := e.lastToken(t, "ann@example.com", verify.KindVerifyEmail)
	_, err := e.svc.Redeem(ctx, verify.PurposeResetPassword, tok)
	assert.ErrorIs(t, err, problem.ErrInvalidToken)
	_, err = e.svc.Redeem(ctx, verify.PurposeVerifyEmail, tok)
	assert.NoError(t, err, "the refused attempt did not burn the token")
}

// TestAttack_ConcurrentRedemption: 20 concurrent redemptions of one reset
// token, exactly one winner.
func TestAttack_ConcurrentRedemption(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	require.NoError(t, e.svc.RequestPasswordReset(ctx, "ann@example.com"))
	tok := e.lastToken(t, "ann@example.com", verify.KindResetPassword)
	var wins, invalid atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := e.svc.Redeem(ctx, verify.PurposeResetPassword, tok)
			if err == nil {
				wins.Add(1)
			} else if errors.Is(err, problem.ErrInvalidToken) {
				invalid.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	assert.Equal(t, int32(1), wins.Load())
	assert.Equal(t, int32(19), invalid.Load())
}

// TestAttack_MalformedTokens: malformed tokens answer 400 invalid_token over
// HTTP without touching the store.
func TestAttack_MalformedTokens(t *testing.T) {
	e := newEnv(t, nil)
	valid := strings.Repeat("A", 43)
	cases := map[string]string{
		"empty":             "",
		"short":             valid[:42],
		"long":              valid + "A",
		"padding":           strings.Repeat("A", 42) + "=",
		"std alphabet":      strings.Repeat("A", 42) + "+",
		"non-canonical end": strings.Repeat("A", 42) + "B",
		"spaces":            " " + valid[:42],
		"unicode":           strings.Repeat("A", 41) + "é",
		"NUL":               strings.Repeat("A", 42) + "\x00",
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Token string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		if _, err := e.svc.Redeem(r.Context(), verify.PurposeResetPassword, in.Token); err != nil {
			problem.Write(w, r, err)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]string{"token": tok})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/auth/reset-password", bytes.NewReader(body)))
			assert.Equal(t, http.StatusBadRequest, rec.Code)
			var pb problem.Body
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &pb))
			assert.Equal(t, problem.CodeInvalidToken, pb.Code)
		})
	}
	assert.Zero(t, e.store.consumes.Load(), "malformed tokens never reach the store")
	// A well-formed unknown token does reach it, with the same answer.
	_, err := e.svc.Redeem(context.Background(), verify.PurposeResetPassword, valid[:42]+"A")
	assert.ErrorIs(t, err, problem.ErrInvalidToken)
}

// TestNoEnumeration: forgot-password and resend-verification give the same
// result for registered, verified and unknown addresses, even when mail
// delivery fails; the rate-limit hook sees every address alike, first.
func TestNoEnumeration(t *testing.T) {
	for _, mailerFails := range []bool{false, true} {
		e := newEnv(t, func(c *verify.Config) {
			if mailerFails {
				c.Mailer = verify.MailerFunc(func(context.Context, verify.Message) error { return errors.New("status 503 after 3 attempt(s)") })
			}
		})
		ctx := context.Background()
		for _, addr := range []string{"ann@example.com", "bob@example.com", "nobody@example.com", "NOBODY@EXAMPLE.COM "} {
			assert.NoError(t, e.svc.RequestPasswordReset(ctx, addr), addr)
			assert.NoError(t, e.svc.ResendVerification(ctx, addr), addr)
		}
		assert.Equal(t, []string{
			"reset_password:ann@example.com", "verify_email:ann@example.com",
			"reset_password:bob@example.com", "verify_email:bob@example.com",
			"reset_password:nobody@example.com", "verify_email:nobody@example.com",
			"reset_password:nobody@example.com", "verify_email:nobody@example.com",
		}, e.keys, "the hook is keyed by canonical address, for every address")
		if !mailerFails {
			assert.Len(t, e.outbox.To("ann@example.com"), 2, "reset and verification")
			assert.Len(t, e.outbox.To("bob@example.com"), 1, "a verified account gets no verification mail")
			assert.Empty(t, e.outbox.To("nobody@example.com"))
		} else {
			assert.Contains(t, e.logs.String(), "token not delivered")
		}
		assert.NotContains(t, e.logs.String(), "ann@example.com", "logs name the user id, not the address")
	}
}

func TestRequestPasswordReset_RevokesOlder(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	require.NoError(t, e.svc.RequestPasswordReset(ctx, "ann@example.com"))
	old := e.lastToken(t, "ann@example.com", verify.KindResetPassword)
	require.NoError(t, e.svc.RequestPasswordReset(ctx, "ann@example.com"))
	fresh := e.lastToken(t, "ann@example.com", verify.KindResetPassword)
	require.NotEqual(t, old, fresh)
	_, err := e.svc.Redeem(ctx, verify.PurposeResetPassword, old)
	assert.ErrorIs(t, err, problem.ErrInvalidToken, "the older reset token is revoked")
	_, err = e.svc.Redeem(ctx, verify.PurposeResetPassword, fresh)
	assert.NoError(t, err)
}

func TestRateLimitHook(t *testing.T) {
	limited := &problem.Error{Code: problem.CodeRateLimited, RetryAfterSeconds: 42}
	var lookups atomic.Int32
	e := newEnv(t, func(c *verify.Config) {
		c.Allow = func(context.Context, string) error { return limited }
		c.Users = verify.UserFinderFunc(func(context.Context, string) (verify.User, bool, error) {
			lookups.Add(1)
			return verify.User{ID: "u-ann"}, true, nil
		})
	})
	for _, addr := range []string{"ann@example.com", "nobody@example.com"} {
		err := e.svc.RequestPasswordReset(context.Background(), addr)
		assert.ErrorIs(t, err, problem.ErrRateLimited)
		rec := httptest.NewRecorder()
		problem.Write(rec, httptest.NewRequest(http.MethodPost, "/", nil), err)
		assert.Equal(t, http.StatusTooManyRequests, rec.Code)
		assert.Equal(t, "42", rec.Header().Get("Retry-After"))
	}
	assert.Zero(t, lookups.Load(), "a refused request looks nothing up")
	assert.Zero(t, e.outbox.Len())
	assert.Zero(t, e.store.inserts.Load())
}

func TestRequest_Errors(t *testing.T) {
	e := newEnv(t, func(c *verify.Config) {
		c.Users = verify.UserFinderFunc(func(context.Context, string) (verify.User, bool, error) {
			return verify.User{}, false, errors.New("db: connection refused to 10.0.0.7")
		})
	})
	ctx := context.Background()
	err := e.svc.RequestPasswordReset(ctx, "anyone@example.com")
	assert.ErrorIs(t, err, problem.ErrUnavailable, "a failed lookup fails closed, for every address")
	assert.NotContains(t, problem.BodyOf(err).Detail, "10.0.0.7")
	err = e.svc.RequestPasswordReset(ctx, "a@b@example.com")
	assert.ErrorIs(t, err, problem.ErrInvalidEmail)
	assert.Equal(t, []string{"reset_password:anyone@example.com"}, e.keys, "malformed addresses are refused before the hook")
}

func TestNew_Config(t *testing.T) {
	base := func() verify.Config {
		o, _ := verify.NewOutbox(1)
		return verify.Config{
			Store: memstore.NewTokens(), Mailer: o, Clock: verify.SystemClock, Allow: verify.NoLimit,
			Users:  verify.UserFinderFunc(func(context.Context, string) (verify.User, bool, error) { return verify.User{}, false, nil }),
			Logger: slog.New(slog.DiscardHandler),
		}
	}
	cases := []struct {
		name string
		mod  func(*verify.Config)
		want string
	}{
		{"no store", func(c *verify.Config) { c.Store = nil }, "Store"},
		{"no mailer", func(c *verify.Config) { c.Mailer = nil }, "Mailer"},
		{"no users", func(c *verify.Config) { c.Users = nil }, "UserFinder"},
		{"no clock", func(c *verify.Config) { c.Clock = nil }, "Clock"},
		{"no rate-limit hook", func(c *verify.Config) { c.Allow = nil }, "NoLimit"},
		{"no logger", func(c *verify.Config) { c.Logger = nil }, "Logger"},
		{"negative ttl", func(c *verify.Config) { c.ResetTTL = -time.Hour }, "negative"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.mod(&c)
			s, err := verify.New(c)
			assert.Nil(t, s)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.True(t, strings.HasPrefix(err.Error(), "verify: "))
		})
	}
	_, err := verify.New(base())
	assert.NoError(t, err)
}

func TestIssue_LinkAndEscaping(t *testing.T) {
	var got verify.Message
	e := newEnv(t, func(c *verify.Config) {
		c.Link = func(p verify.Purpose, tok string) string {
			return "https://app.example/" + string(p) + "?t=" + tok + "&x=<b>"
		}
		c.Mailer = verify.MailerFunc(func(_ context.Context, m verify.Message) error { got = m; return nil })
	})
	require.NoError(t, e.svc.Issue(context.Background(), verify.PurposeResetPassword, "u-ann", "ann@example.com"))
	assert.Equal(t, "Reset your password", got.Subject)
	assert.Equal(t, verify.KindResetPassword, got.Kind)
	assert.Contains(t, got.Text, "https://app.example/reset_password?t="+got.Token+"&x=<b>")
	assert.Contains(t, got.HTML, "?t="+got.Token+"&amp;x=&lt;b&gt;", "the link is HTML-escaped")
	assert.NotContains(t, got.HTML, "<b>")
	assert.True(t, strings.HasPrefix(got.IdempotencyKey, "reset_password/"))
	assert.NotContains(t, got.IdempotencyKey, got.Token, "the idempotency key does not carry the token")
	assert.NoError(t, got.Validate())
}

package mfa_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/mfa"
	"github.com/tenantgate/tenantgate/secret"
)

var ctx = context.Background()

// t0 is on a 30 s step boundary.
var t0 = time.Unix(1_750_000_020, 0).UTC()

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}
func (c *fakeClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

type auditLog struct {
	mu     sync.Mutex
	events []audit.Event
	err    error
	// failIf, when set, refuses the events it matches (with an error that
	// quotes the whole event, as a careless sink might).
	failIf func(audit.Event) bool
}

func (a *auditLog) record(_ context.Context, e audit.Event) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err != nil {
		return a.err
	}
	if a.failIf != nil && a.failIf(e) {
		return fmt.Errorf("sink down, event %+v lost", e)
	}
	a.events = append(a.events, e)
	return nil
}

// failing makes every event matching f fail from now on (nil: none).
func (a *auditLog) failing(f func(audit.Event) bool) {
	a.mu.Lock()
	a.failIf = f
	a.mu.Unlock()
}

// snapshot returns a copy of the events recorded so far.
func (a *auditLog) snapshot() []audit.Event {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]audit.Event(nil), a.events...)
}

func all(audit.Event) bool { return true }

func outcomeIs(o audit.Outcome) func(audit.Event) bool {
	return func(e audit.Event) bool { return e.Outcome == o }
}

func (a *auditLog) actions() []audit.Action {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]audit.Action, len(a.events))
	for i, e := range a.events {
		out[i] = e.Action
	}
	return out
}

type env struct {
	svc   *mfa.Service
	store *memstore.MFA
	clock *fakeClock
	audit *auditLog
	ring  *secret.Keyring
	cfg   mfa.Config
}

var cheapArgon = mfa.Argon2Params{Time: 1, MemoryKiB: 64, Threads: 1}

func testRing(t testing.TB) *secret.Keyring {
	r, err := secret.NewKeyring("k1", map[string][]byte{"k1": bytes.Repeat([]byte{1}, secret.KeySize)})
	require.NoError(t, err)
	return r
}

func newEnv(t testing.TB, mod ...func(*mfa.Config)) *env {
	e := &env{store: memstore.NewMFA(), clock: &fakeClock{t: t0}, audit: &auditLog{}, ring: testRing(t)}
	e.cfg = mfa.Config{
		Store: e.store, Keyring: e.ring, Clock: e.clock, Audit: e.audit.record,
		Issuer: "TenantGate", RecoveryHash: cheapArgon,
	}
	for _, m := range mod {
		m(&e.cfg)
	}
	svc, err := mfa.New(e.cfg)
	require.NoError(t, err)
	e.svc = svc
	return e
}

func (e *env) opts() totp.ValidateOpts {
	d := e.cfg.Digits
	if d == 0 {
		d = 6
	}
	p := uint(e.cfg.Period / time.Second)
	return totp.ValidateOpts{Period: p, Digits: otp.Digits(d), Algorithm: e.cfg.Algorithm}
}

// code is the oracle: pquerna/otp's own generator for the seed at t.
func (e *env) code(t testing.TB, seed string, at time.Time) string {
	c, err := totp.GenerateCodeCustom(seed, at, e.opts())
	require.NoError(t, err)
	return c
}

// enroll enrolls user and returns the base32 seed read from the otpauth URL.
func (e *env) enroll(t testing.TB, user string) string {
	en, err := e.svc.Enroll(ctx, mfa.Subject{UserID: user}, user+"@example.com")
	require.NoError(t, err)
	k, err := otp.NewKeyFromURL(en.RevealURL())
	require.NoError(t, err)
	return k.Secret()
}

// enable enrolls and confirms user at the current clock; it returns the seed
// and the recovery codes. The confirming step is then used.
func (e *env) enable(t testing.TB, user string) (string, []string) {
	seed := e.enroll(t, user)
	rc, err := e.svc.Confirm(ctx, mfa.Subject{UserID: user}, e.code(t, seed, e.clock.Now()))
	require.NoError(t, err)
	return seed, rc.Reveal()
}

func (e *env) state(t testing.TB, user string) mfa.State {
	st, err := e.store.Get(ctx, user)
	require.NoError(t, err)
	return st
}

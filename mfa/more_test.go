package mfa_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/mfa"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/secret"
)

func TestNew_ConfigValidation(t *testing.T) {
	base := func() mfa.Config {
		return mfa.Config{Store: memstore.NewMFA(), Keyring: testRing(t), Clock: mfa.SystemClock,
			Audit: func(context.Context, audit.Event) error { return nil }, Issuer: "X"}
	}
	cases := []struct {
		name string
		mod  func(*mfa.Config)
	}{
		{"no store", func(c *mfa.Config) { c.Store = nil }},
		{"no keyring", func(c *mfa.Config) { c.Keyring = nil }},
		{"no clock", func(c *mfa.Config) { c.Clock = nil }},
		{"no audit", func(c *mfa.Config) { c.Audit = nil }},
		{"no issuer", func(c *mfa.Config) { c.Issuer = "" }},
		{"lock after above 100", func(c *mfa.Config) { c.LockAfter = 101 }},
		{"negative lock after", func(c *mfa.Config) { c.LockAfter = -1 }},
		{"md5", func(c *mfa.Config) { c.Algorithm = otp.AlgorithmMD5 }},
		{"5 digits", func(c *mfa.Config) { c.Digits = 5 }},
		{"9 digits", func(c *mfa.Config) { c.Digits = 9 }},
		{"fractional period", func(c *mfa.Config) { c.Period = 1500 * time.Millisecond }},
		{"period too long", func(c *mfa.Config) { c.Period = time.Hour }},
		{"seed too short", func(c *mfa.Config) { c.SecretSize = 10 }},
		{"backoff above max", func(c *mfa.Config) { c.LockBackoff = time.Hour; c.MaxLockBackoff = time.Minute }},
		{"argon2 without memory", func(c *mfa.Config) { c.RecoveryHash = mfa.Argon2Params{Time: 1, Threads: 1} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.mod(&c)
			s, err := mfa.New(c)
			require.Error(t, err)
			assert.Nil(t, s)
			assert.Contains(t, err.Error(), "mfa: ")
		})
	}
	t.Run("100 is allowed", func(t *testing.T) {
		c := base()
		c.LockAfter = 100
		_, err := mfa.New(c)
		require.NoError(t, err)
	})
}

func TestLockPolicy_LockFor(t *testing.T) {
	p := mfa.LockPolicy{After: 5, Backoff: time.Minute, MaxBackoff: 10 * time.Minute}
	cases := []struct {
		failures int
		want     time.Duration
	}{{0, 0}, {4, 0}, {5, time.Minute}, {6, 0}, {10, 2 * time.Minute}, {15, 4 * time.Minute}, {20, 8 * time.Minute}, {25, 10 * time.Minute}, {5000, 10 * time.Minute}}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.failures), func(t *testing.T) {
			assert.Equal(t, tc.want, p.LockFor(tc.failures))
		})
	}
}

func TestKeyRotation(t *testing.T) {
	k1 := bytes.Repeat([]byte{1}, secret.KeySize)
	k2 := bytes.Repeat([]byte{2}, secret.KeySize)
	e := newEnv(t) // ring {k1}, current k1
	seed, _ := e.enable(t, "alice")

	rotated, err := secret.NewKeyring("k2", map[string][]byte{"k1": k1, "k2": k2})
	require.NoError(t, err)
	cfg := e.cfg
	cfg.Keyring = rotated
	svc, err := mfa.New(cfg)
	require.NoError(t, err)

	e.clock.Advance(30 * time.Second)
	_, err = svc.Verify(ctx, alice, e.code(t, seed, e.clock.Now()))
	require.NoError(t, err, "a seed sealed with the old key still verifies")

	_, err = svc.Enroll(ctx, mfa.Subject{UserID: "bob"}, "bob@example.com")
	require.NoError(t, err)
	id, err := rotated.KeyID(e.state(t, "bob").PendingSeed)
	require.NoError(t, err)
	assert.Equal(t, "k2", id, "new seeds use the current key")

	retired, err := secret.NewKeyring("k2", map[string][]byte{"k2": k2})
	require.NoError(t, err)
	cfg.Keyring = retired
	cfg.SeedCacheSize = -1
	svc2, err := mfa.New(cfg)
	require.NoError(t, err)
	e.clock.Advance(30 * time.Second)
	_, err = svc2.Verify(ctx, alice, e.code(t, seed, e.clock.Now()))
	assertProblem(t, err, problem.CodeUnavailable, 503)
}

// TestAdvisory_SealedSeedMovedToAnotherUser: an attacker with write access
// to the store copies their own sealed seed into the victim's record; the
// seed is bound to its user id and does not open.
func TestAdvisory_SealedSeedMovedToAnotherUser(t *testing.T) {
	e := newEnv(t)
	mallorySeed := e.enroll(t, "mallory")
	sealed := e.state(t, "mallory").PendingSeed
	require.NoError(t, e.store.PutPending(ctx, "victim", sealed))
	_, err := e.svc.Confirm(ctx, mfa.Subject{UserID: "victim"}, e.code(t, mallorySeed, e.clock.Now()))
	assertProblem(t, err, problem.CodeUnavailable, 503)
	st, _ := e.svc.Status(ctx, "victim")
	assert.False(t, st.Enabled)
}

func TestFanOut(t *testing.T) {
	sink := memstore.NewAudit()
	fan, err := mfa.FanOut(sink, func(_ context.Context, user string) ([]string, error) {
		if user == "alice" {
			return []string{"ws-1", "ws-2"}, nil
		}
		return nil, nil
	})
	require.NoError(t, err)
	e := newEnv(t, func(c *mfa.Config) { c.Audit = fan })
	e.enable(t, "alice")
	e.enable(t, "loner")
	for _, ws := range []string{"ws-1", "ws-2", ""} {
		evs := readAll(t, sink, ws)
		require.Len(t, evs, 2, "workspace %q: attempted, then the result", ws)
		for i, o := range []audit.Outcome{audit.OutcomeAttempted, audit.OutcomeSuccess} {
			assert.Equal(t, audit.ActionMFAEnable, evs[i].Action)
			assert.Equal(t, o, evs[i].Outcome)
			assert.Equal(t, evs[0].Metadata[mfa.MetaAttempt], evs[i].Metadata[mfa.MetaAttempt])
		}
		assert.Equal(t, "10", evs[1].Metadata[mfa.MetaCodesLeft])
	}
	_, err = mfa.FanOut(nil, nil)
	require.Error(t, err)
}

// TestCanary_NoSecretLeaks drives every operation and checks that no return
// value (other than the one-time Enrollment and RecoveryCodes), error text,
// log line or audit event carries the seed, a code or a recovery code.
func TestCanary_NoSecretLeaks(t *testing.T) {
	var logs bytes.Buffer
	failing := &flakyStore{MFA: memstore.NewMFA()}
	e := newEnv(t, func(c *mfa.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
		c.Store = failing
		c.Digits = 8 // 8-digit codes cannot match hex or timestamps by chance
	})
	var out bytes.Buffer
	dump := func(vs ...any) {
		for _, v := range vs {
			fmt.Fprintf(&out, "%v %+v %#v %s %q %x\n", v, v, v, v, v, v)
			if b, err := json.Marshal(v); err == nil {
				out.Write(b)
			}
			slog.New(slog.NewTextHandler(&out, nil)).Info("v", "v", v)
		}
	}

	en, err := e.svc.Enroll(ctx, alice, "alice@example.com")
	require.NoError(t, err)
	dump(en, err)
	k, _ := otp.NewKeyFromURL(en.RevealURL())
	seed := k.Secret()
	codesUsed := []string{}
	code := e.code(t, seed, e.clock.Now())
	codesUsed = append(codesUsed, code)
	rc, err := e.svc.Confirm(ctx, alice, code)
	require.NoError(t, err)
	dump(rc, err)
	recovery := rc.Reveal()

	r, err := e.svc.Verify(ctx, alice, code) // replay
	dump(r, err)
	r, err = e.svc.Verify(ctx, alice, recovery[0])
	dump(r, err)
	r, err = e.svc.Verify(ctx, alice, recovery[0]) // reused
	dump(r, err)
	failing.fail = true
	e.clock.Advance(30 * time.Second)
	code = e.code(t, seed, e.clock.Now())
	codesUsed = append(codesUsed, code)
	r, err = e.svc.Verify(ctx, alice, code) // store failure → logged
	dump(r, err)
	failing.fail = false
	for i := 0; i < 5; i++ {
		r, err = e.svc.Verify(ctx, alice, recovery[9][:18]+"A")
		dump(r, err)
	}
	st, err := e.svc.Status(ctx, "alice")
	dump(st, err)
	e.clock.Advance(time.Hour)
	code = e.code(t, seed, e.clock.Now())
	codesUsed = append(codesUsed, code)
	nrc, err := e.svc.RegenerateRecoveryCodes(ctx, alice, code)
	dump(nrc, err)

	// Audit outages. The failing sink quotes each lost event into its error,
	// which reaches the log and the returned error's chain, so an event
	// carrying a secret would show up there.
	fresh := nrc.Reveal()
	e.audit.failing(all) // changes refused, refusals best effort
	e.clock.Advance(30 * time.Second)
	code = e.code(t, seed, e.clock.Now())
	codesUsed = append(codesUsed, code)
	dump(e.svc.Disable(ctx, alice, code))
	rc2, err := e.svc.RegenerateRecoveryCodes(ctx, alice, fresh[0])
	dump(rc2, err)
	r, err = e.svc.Verify(ctx, alice, fresh[0])
	dump(r, err)
	dump(e.svc.Disable(ctx, mfa.Subject{UserID: "alice", Impersonator: "op"}, fresh[0]))
	e.audit.failing(func(ev audit.Event) bool { // inner attempt refused
		return ev.Action == audit.ActionMFARecoveryUse && ev.Outcome == audit.OutcomeAttempted
	})
	dump(e.svc.Disable(ctx, alice, fresh[0]))
	e.audit.failing(outcomeIs(audit.OutcomeSuccess)) // results best effort
	r, err = e.svc.Verify(ctx, alice, fresh[1])
	dump(r, err)
	rc3, err := e.svc.RegenerateRecoveryCodes(ctx, alice, fresh[2])
	dump(rc3, err)
	r, err = e.svc.Verify(ctx, alice, fresh[2]) // replaced: denied
	dump(r, err)
	e.audit.failing(nil)
	_, err = e.svc.Confirm(ctx, alice, code) // already enabled
	dump(err)
	e.clock.Advance(30 * time.Second)
	code = e.code(t, seed, e.clock.Now())
	codesUsed = append(codesUsed, code)
	dump(e.svc.Disable(ctx, alice, code))
	dump(e.svc.Disable(ctx, mfa.Subject{UserID: "alice", Impersonator: "op"}, code))

	evs, err := json.Marshal(e.audit.events)
	require.NoError(t, err)
	require.NotEmpty(t, e.audit.events)
	require.NotZero(t, logs.Len(), "the store failure was logged")

	haystack := out.String() + logs.String() + string(evs) + fmt.Sprintf("%+v", e.audit.events)
	needles := append([]string{seed, seed[:16], seed[16:]}, codesUsed...)
	require.Contains(t, logs.String(), "mfa: audit failed, change refused")
	require.Len(t, rc3.Reveal(), mfa.RecoveryCodeCount)
	allCodes := append(append(append(recovery, fresh...), rc2.Reveal()...), rc3.Reveal()...)
	for _, c := range allCodes {
		needles = append(needles, c, c[5:], c[0:4]+c[5:9]+c[10:14]+c[15:19])
	}
	for _, n := range needles {
		require.NotContains(t, haystack, n)
	}
}

type flakyStore struct {
	*memstore.MFA
	fail bool
}

func (f *flakyStore) AcceptStep(ctx context.Context, user string, seed []byte, step int64) error {
	if f.fail {
		return fmt.Errorf("driver: connection reset")
	}
	return f.MFA.AcceptStep(ctx, user, seed, step)
}

func readAll(t *testing.T, s *memstore.Audit, ws string) []audit.Event {
	t.Helper()
	evs, err := s.Chain(ctx, ws, 0, 100)
	require.NoError(t, err)
	return evs
}

// TestDefaultArgon2IsTheOWASPBaseline pins the default recovery-code hash
// cost (OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1).
func TestDefaultArgon2IsTheOWASPBaseline(t *testing.T) {
	assert.Equal(t, mfa.Argon2Params{Time: 2, MemoryKiB: 19 * 1024, Threads: 1}, mfa.DefaultArgon2())
}

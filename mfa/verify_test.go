package mfa_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/mfa"
	"github.com/tenantgate/tenantgate/problem"
)

var alice = mfa.Subject{UserID: "alice"}

// assertProblem checks the exact HTTP rendering of err.
func assertProblem(t *testing.T, err error, code problem.Code, status int) {
	t.Helper()
	require.Error(t, err)
	rec := httptest.NewRecorder()
	problem.Write(rec, httptest.NewRequest(http.MethodPost, "/", nil), err)
	assert.Equal(t, status, rec.Code)
	assert.Equal(t, code, problem.BodyOf(err).Code)
}

func TestVerify_SkewEdges(t *testing.T) {
	const p = 30 * time.Second
	s := t0.Add(10 * p) // the step the code belongs to
	cases := []struct {
		name string
		at   time.Time
		ok   bool
	}{
		{"two steps early (last second)", s.Add(-p - time.Second), false},
		{"one step early (first second)", s.Add(-p), true},
		{"same step", s.Add(15 * time.Second), true},
		{"one step late (last second)", s.Add(2*p - time.Second), true},
		{"two steps late (first second)", s.Add(2 * p), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			seed, _ := e.enable(t, "alice")
			code := e.code(t, seed, s)
			e.clock.Set(tc.at)
			_, err := e.svc.Verify(ctx, alice, code)
			if tc.ok {
				require.NoError(t, err)
			} else {
				assertProblem(t, err, problem.CodeInvalidOTP, 401)
			}
		})
	}
}

func TestVerify_Replay(t *testing.T) {
	e := newEnv(t)
	seed, _ := e.enable(t, "alice")
	e.clock.Advance(30 * time.Second)
	code := e.code(t, seed, e.clock.Now())

	_, err := e.svc.Verify(ctx, alice, code)
	require.NoError(t, err)
	before := e.state(t, "alice").LastStep

	t.Run("same code twice", func(t *testing.T) {
		_, err := e.svc.Verify(ctx, alice, code)
		assertProblem(t, err, problem.CodeInvalidOTP, 401)
		assert.Equal(t, before, e.state(t, "alice").LastStep)
		assert.Contains(t, e.audit.actions(), audit.ActionMFAReplay)
	})
	t.Run("older step after a newer success", func(t *testing.T) {
		next := e.code(t, seed, e.clock.Now().Add(30*time.Second)) // step +1, inside the skew
		prev := e.code(t, seed, e.clock.Now().Add(-30*time.Second))
		_, err := e.svc.Verify(ctx, alice, next)
		require.NoError(t, err)
		_, err = e.svc.Verify(ctx, alice, code)
		assertProblem(t, err, problem.CodeInvalidOTP, 401)
		_, err = e.svc.Verify(ctx, alice, prev)
		assertProblem(t, err, problem.CodeInvalidOTP, 401)
	})
	t.Run("the confirming code cannot log in", func(t *testing.T) {
		e := newEnv(t)
		seed := e.enroll(t, "bob")
		c := e.code(t, seed, e.clock.Now())
		_, err := e.svc.Confirm(ctx, mfa.Subject{UserID: "bob"}, c)
		require.NoError(t, err)
		_, err = e.svc.Verify(ctx, mfa.Subject{UserID: "bob"}, c)
		assertProblem(t, err, problem.CodeInvalidOTP, 401)
	})
}

func TestVerify_ConcurrentSubmissionsOneWinner(t *testing.T) {
	// LockAfter 100 so that losers are refused as replays, not by the lock.
	e := newEnv(t, func(c *mfa.Config) { c.LockAfter = 100 })
	seed, _ := e.enable(t, "alice")
	e.clock.Advance(30 * time.Second)
	code := e.code(t, seed, e.clock.Now())
	var ok, invalid atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := e.svc.Verify(ctx, alice, code)
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, problem.ErrInvalidOTP):
				invalid.Add(1)
			default:
				t.Errorf("unexpected error %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	assert.Equal(t, int32(1), ok.Load())
	assert.Equal(t, int32(19), invalid.Load())
}

func TestVerify_ConcurrentWithDefaultLockout(t *testing.T) {
	e := newEnv(t)
	seed, _ := e.enable(t, "alice")
	e.clock.Advance(30 * time.Second)
	code := e.code(t, seed, e.clock.Now())
	var ok atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.svc.Verify(ctx, alice, code)
			if err == nil {
				ok.Add(1)
				return
			}
			assert.True(t, errors.Is(err, problem.ErrInvalidOTP) || errors.Is(err, problem.ErrMFALocked), "got %v", err)
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(1), ok.Load())
}

func TestVerify_StrictInput(t *testing.T) {
	e := newEnv(t)
	seed, _ := e.enable(t, "alice")
	e.clock.Advance(30 * time.Second)
	code := e.code(t, seed, e.clock.Now())
	full := ""
	for _, r := range code {
		full += string(rune('０' + (r - '0')))
	}
	cases := []struct{ name, in string }{
		{"leading space", " " + code},
		{"trailing space", code + " "},
		{"inner space", code[:3] + " " + code[3:]},
		{"full-width digits", full},
		{"five digits", code[:5]},
		{"seven digits", code + "0"},
		{"letter", code[:5] + "a"},
		{"sign", "+" + code[1:]},
		{"empty", ""},
		{"newline", code + "\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.state(t, "alice")
			_, err := e.svc.Verify(ctx, alice, tc.in)
			assertProblem(t, err, problem.CodeInvalidOTP, 401)
			assert.Equal(t, before, e.state(t, "alice"), "malformed input must not touch the store")
		})
	}
	_, err := e.svc.Verify(ctx, alice, code)
	require.NoError(t, err, "the exact code still works")
}

func TestVerify_Lockout(t *testing.T) {
	e := newEnv(t)
	seed, _ := e.enable(t, "alice")
	e.clock.Advance(30 * time.Second)
	for i := 1; i <= 4; i++ {
		_, err := e.svc.Verify(ctx, alice, "000000")
		assertProblem(t, err, problem.CodeInvalidOTP, 401)
	}
	_, err := e.svc.Verify(ctx, alice, "000000")
	assertProblem(t, err, problem.CodeMFALocked, 423)
	var pe *problem.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, int64(300), pe.RetryAfterSeconds)
	assert.Contains(t, e.audit.actions(), audit.ActionMFALockout)

	// Even a correct code is refused while locked, and nothing is consumed.
	e.clock.Advance(4 * time.Minute)
	good := e.code(t, seed, e.clock.Now())
	before := e.state(t, "alice")
	_, err = e.svc.Verify(ctx, alice, good)
	assertProblem(t, err, problem.CodeMFALocked, 423)
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, int64(60), pe.RetryAfterSeconds)
	assert.Equal(t, before, e.state(t, "alice"))

	// After the backoff a correct code passes and resets the count.
	e.clock.Advance(time.Minute)
	_, err = e.svc.Verify(ctx, alice, e.code(t, seed, e.clock.Now()))
	require.NoError(t, err)
	assert.Equal(t, 0, e.state(t, "alice").Failures)
	st, err := e.svc.Status(ctx, "alice")
	require.NoError(t, err)
	assert.True(t, st.LockedUntil.IsZero())
}

func TestVerify_LockoutBackoffDoubles(t *testing.T) {
	e := newEnv(t)
	e.enable(t, "alice")
	for i := 0; i < 5; i++ {
		_, _ = e.svc.Verify(ctx, alice, "000000")
	}
	e.clock.Advance(5 * time.Minute)
	for i := 0; i < 4; i++ {
		_, err := e.svc.Verify(ctx, alice, "000000")
		assertProblem(t, err, problem.CodeInvalidOTP, 401)
	}
	_, err := e.svc.Verify(ctx, alice, "000000")
	var pe *problem.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, problem.CodeMFALocked, pe.Code)
	assert.Equal(t, int64(600), pe.RetryAfterSeconds, "second lock is twice the first")
}

func TestVerify_RecoveryCodesShareTheBudget(t *testing.T) {
	e := newEnv(t)
	_, codes := e.enable(t, "alice")
	for i := 0; i < 4; i++ {
		_, _ = e.svc.Verify(ctx, alice, "000000")
	}
	_, err := e.svc.Verify(ctx, alice, "AAAA-AAAA-AAAA-AAAA")
	assertProblem(t, err, problem.CodeMFALocked, 423)
	_, err = e.svc.Verify(ctx, alice, codes[0])
	assertProblem(t, err, problem.CodeMFALocked, 423)
	assert.Len(t, e.state(t, "alice").Recovery, 10, "a locked attempt consumes nothing")
}

func TestRecoveryCodes(t *testing.T) {
	e := newEnv(t)
	_, codes := e.enable(t, "alice")
	require.Len(t, codes, 10)
	seen := map[string]bool{}
	for _, c := range codes {
		assert.Regexp(t, `^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$`, c)
		assert.False(t, seen[c[:4]], "indexes are unique")
		seen[c[:4]] = true
	}
	for _, h := range e.state(t, "alice").Recovery {
		assert.Len(t, h.Salt, 16)
		assert.Len(t, h.Hash, 32)
		for _, c := range codes {
			assert.NotContains(t, string(h.Hash)+string(h.Salt), c[5:])
		}
	}

	res, err := e.svc.Verify(ctx, alice, codes[0])
	require.NoError(t, err)
	assert.Equal(t, mfa.FactorRecovery, res.Factor)
	assert.Equal(t, 9, res.RecoveryCodesLeft)
	assert.Contains(t, e.audit.actions(), audit.ActionMFARecoveryUse)

	_, err = e.svc.Verify(ctx, alice, codes[0])
	assertProblem(t, err, problem.CodeInvalidOTP, 401)

	t.Run("documented normalization", func(t *testing.T) {
		lower := []byte(codes[1])
		for i, b := range lower {
			if b >= 'A' && b <= 'Z' {
				lower[i] = b + 32
			}
		}
		_, err := e.svc.Verify(ctx, alice, string(lower))
		require.NoError(t, err, "lower case accepted")
		c := codes[2]
		_, err = e.svc.Verify(ctx, alice, c[0:4]+c[5:9]+c[10:14]+c[15:19])
		require.NoError(t, err, "hyphens optional")
		for _, bad := range []string{" " + codes[3], codes[3][:18], codes[3][:4] + " " + codes[3][5:], codes[3][:4] + codes[3][5:], "ＡＡＡＡ-" + codes[3][5:]} {
			_, err := e.svc.Verify(ctx, alice, bad)
			assertProblem(t, err, problem.CodeInvalidOTP, 401)
		}
	})

	t.Run("concurrent use of one code has exactly one winner", func(t *testing.T) {
		e := newEnv(t, func(c *mfa.Config) { c.LockAfter = 100 })
		_, codes := e.enable(t, "carol")
		var ok atomic.Int32
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := e.svc.Verify(ctx, mfa.Subject{UserID: "carol"}, codes[4]); err == nil {
					ok.Add(1)
				} else {
					assert.ErrorIs(t, err, problem.ErrInvalidOTP)
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, int32(1), ok.Load())
		assert.Len(t, e.state(t, "carol").Recovery, 9)
	})
}

func TestRegenerateRecoveryCodes(t *testing.T) {
	e := newEnv(t)
	seed, old := e.enable(t, "alice")
	e.clock.Advance(30 * time.Second)

	_, err := e.svc.RegenerateRecoveryCodes(ctx, alice, "000000")
	assertProblem(t, err, problem.CodeInvalidOTP, 401)
	_, err = e.svc.RegenerateRecoveryCodes(ctx, alice, "")
	assertProblem(t, err, problem.CodeInvalidOTP, 401)

	fresh, err := e.svc.RegenerateRecoveryCodes(ctx, alice, e.code(t, seed, e.clock.Now()))
	require.NoError(t, err)
	require.Len(t, fresh, 10)
	assert.Contains(t, e.audit.actions(), audit.ActionMFARecoveryRegen)
	_, err = e.svc.Verify(ctx, alice, old[0])
	assertProblem(t, err, problem.CodeInvalidOTP, 401)
	assert.Len(t, e.state(t, "alice").Recovery, 10, "old codes are gone, the new set is whole")
	_, err = e.svc.Verify(ctx, alice, fresh.Reveal()[0])
	require.NoError(t, err)

	t.Run("with a recovery code as step-up", func(t *testing.T) {
		_, err := e.svc.RegenerateRecoveryCodes(ctx, alice, fresh.Reveal()[1])
		require.NoError(t, err)
	})
}

func TestStepUp_ImpersonationRefused(t *testing.T) {
	e := newEnv(t)
	seed, codes := e.enable(t, "alice")
	e.clock.Advance(30 * time.Second)
	op := mfa.Subject{UserID: "alice", Impersonator: "operator-1"}
	good := e.code(t, seed, e.clock.Now())
	before := e.state(t, "alice")

	err := e.svc.Disable(ctx, op, good)
	assertProblem(t, err, problem.CodePermissionDenied, 403)
	_, err = e.svc.RegenerateRecoveryCodes(ctx, op, codes[0])
	assertProblem(t, err, problem.CodePermissionDenied, 403)
	_, err = e.svc.Enroll(ctx, op, "alice@example.com")
	assertProblem(t, err, problem.CodePermissionDenied, 403)
	_, err = e.svc.Confirm(ctx, op, good)
	assertProblem(t, err, problem.CodePermissionDenied, 403)
	assert.Equal(t, before, e.state(t, "alice"), "nothing changed")

	var denied int
	for _, ev := range e.audit.events {
		if ev.Outcome == audit.OutcomeDenied && ev.Impersonator == "operator-1" {
			denied++
		}
	}
	assert.Equal(t, 2, denied, "disable and regenerate attempts are audited")
}

func TestDisable(t *testing.T) {
	e := newEnv(t)
	seed, _ := e.enable(t, "alice")
	e.clock.Advance(30 * time.Second)

	err := e.svc.Disable(ctx, alice, "123")
	assertProblem(t, err, problem.CodeInvalidOTP, 401)
	st, _ := e.svc.Status(ctx, "alice")
	assert.True(t, st.Enabled)

	require.NoError(t, e.svc.Disable(ctx, alice, e.code(t, seed, e.clock.Now())))
	st, _ = e.svc.Status(ctx, "alice")
	assert.False(t, st.Enabled)
	assert.Contains(t, e.audit.actions(), audit.ActionMFADisable)

	res, err := e.svc.Authenticate(ctx, alice, "")
	require.NoError(t, err, "no MFA: nothing required")
	assert.Equal(t, mfa.FactorNone, res.Factor)
}

func TestEnroll(t *testing.T) {
	e := newEnv(t)
	en, err := e.svc.Enroll(ctx, alice, "alice@example.com")
	require.NoError(t, err)
	assert.Contains(t, en.RevealURL(), "otpauth://totp/TenantGate:alice@example.com?")
	assert.Contains(t, en.RevealURL(), "algorithm=SHA1&digits=6")
	png := en.RevealQRPNG()
	require.Greater(t, len(png), 8)
	assert.Equal(t, "\x89PNG\r\n\x1a\n", string(png[:8]))
	st, _ := e.svc.Status(ctx, "alice")
	assert.True(t, st.Pending)
	assert.False(t, st.Enabled)

	res, err := e.svc.Authenticate(ctx, alice, "")
	require.NoError(t, err, "a pending enrollment does not require MFA yet")
	assert.Equal(t, mfa.FactorNone, res.Factor)

	t.Run("confirm without enrollment", func(t *testing.T) {
		_, err := e.svc.Confirm(ctx, mfa.Subject{UserID: "nobody"}, "123456")
		assertProblem(t, err, problem.CodeConflict, 409)
	})
	t.Run("wrong confirm code leaves it pending", func(t *testing.T) {
		_, err := e.svc.Confirm(ctx, alice, "000000")
		assertProblem(t, err, problem.CodeInvalidOTP, 401)
		st, _ := e.svc.Status(ctx, "alice")
		assert.False(t, st.Enabled)
	})
	t.Run("enroll again when enabled is a conflict", func(t *testing.T) {
		e := newEnv(t)
		e.enable(t, "bob")
		before := e.state(t, "bob")
		_, err := e.svc.Enroll(ctx, mfa.Subject{UserID: "bob"}, "bob@example.com")
		assertProblem(t, err, problem.CodeConflict, 409)
		assert.Equal(t, before, e.state(t, "bob"))
	})
	t.Run("mfa required at login", func(t *testing.T) {
		e := newEnv(t)
		seed, _ := e.enable(t, "bob")
		_, err := e.svc.Authenticate(ctx, mfa.Subject{UserID: "bob"}, "")
		assertProblem(t, err, problem.CodeMFARequired, 401)
		e.clock.Advance(30 * time.Second)
		res, err := e.svc.Authenticate(ctx, mfa.Subject{UserID: "bob"}, e.code(t, seed, e.clock.Now()))
		require.NoError(t, err)
		assert.Equal(t, mfa.FactorTOTP, res.Factor)
	})
	t.Run("verify for a user without MFA", func(t *testing.T) {
		_, err := e.svc.Verify(ctx, mfa.Subject{UserID: "nobody"}, "123456")
		assertProblem(t, err, problem.CodeInvalidOTP, 401)
	})
}

func TestAuditFailureFailsClosed(t *testing.T) {
	e := newEnv(t)
	seed, _ := e.enable(t, "alice")
	e.audit.err = errors.New("sink down")
	e.clock.Advance(30 * time.Second)
	err := e.svc.Disable(ctx, alice, e.code(t, seed, e.clock.Now()))
	assertProblem(t, err, problem.CodeUnavailable, 503)
}

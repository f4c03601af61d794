package mfa_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/mfa"
	"github.com/tenantgate/tenantgate/problem"
)

// fullWidth spells ASCII digits as full-width digits.
func fullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r - '0' + '０')
	}
	return b.String()
}

// arabicIndic spells ASCII digits as Arabic-Indic digits.
func arabicIndic(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r - '0' + '٠')
	}
	return b.String()
}

// Attack: submit the right TOTP code in another spelling. Each is refused
// before the store: no failure is counted and the real code still works.
func TestAttack_TOTPSpellings(t *testing.T) {
	e := newEnv(t)
	seed, _ := e.enable(t, "u1")
	e.clock.Advance(30 * time.Second)
	code := e.code(t, seed, e.clock.Now())
	spellings := map[string]string{
		"leading plus":      "+" + code[1:],
		"leading space":     " " + code,
		"trailing newline":  code + "\n",
		"inner space":       code[:3] + " " + code[3:],
		"full-width digits": fullWidth(code),
		"arabic-indic":      arabicIndic(code),
		"hex":               "0x" + code[2:],
		"extra leading 0":   "0" + code,
		"NUL suffix":        code + "\x00",
		"one digit short":   code[:5],
		"negative":          "-" + code[1:],
	}
	for name, s := range spellings {
		t.Run(name, func(t *testing.T) {
			_, err := e.svc.Verify(ctx, mfa.Subject{UserID: "u1"}, s)
			require.ErrorIs(t, err, problem.ErrInvalidOTP)
			assert.Equal(t, 0, e.state(t, "u1").Failures, "refused before the store")
		})
	}
	_, err := e.svc.Verify(ctx, mfa.Subject{UserID: "u1"}, code)
	require.NoError(t, err)
}

// Attack: use a code two steps away (clock skew beyond the documented ±1).
func TestAttack_TOTPSkewBeyondOneStep(t *testing.T) {
	e := newEnv(t)
	seed, _ := e.enable(t, "u1")
	e.clock.Advance(10 * time.Minute)
	now := e.clock.Now()
	for name, at := range map[string]time.Time{"two steps back": now.Add(-60 * time.Second), "two steps ahead": now.Add(60 * time.Second)} {
		t.Run(name, func(t *testing.T) {
			_, err := e.svc.Verify(ctx, mfa.Subject{UserID: "u1"}, e.code(t, seed, at))
			require.ErrorIs(t, err, problem.ErrInvalidOTP)
		})
	}
	_, err := e.svc.Verify(ctx, mfa.Subject{UserID: "u1"}, e.code(t, seed, now.Add(30*time.Second)))
	require.NoError(t, err, "one step ahead is within the window")
}

// Attack: wait out a lockout and replay the code accepted just before it,
// still inside its step.
func TestAttack_ReplayAfterLockoutExpiry(t *testing.T) {
	e := newEnv(t, func(c *mfa.Config) {
		c.LockAfter = 2
		c.LockBackoff = 5 * time.Second
		c.MaxLockBackoff = 5 * time.Second
	})
	seed, _ := e.enable(t, "u1")
	e.clock.Advance(30 * time.Second) // a fresh step, on its boundary
	code := e.code(t, seed, e.clock.Now())
	_, err := e.svc.Verify(ctx, mfa.Subject{UserID: "u1"}, code)
	require.NoError(t, err)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for range 2 {
		_, _ = e.svc.Verify(ctx, mfa.Subject{UserID: "u1"}, wrong)
	}
	_, err = e.svc.Verify(ctx, mfa.Subject{UserID: "u1"}, code)
	require.ErrorIs(t, err, problem.ErrMFALocked)
	e.clock.Advance(10 * time.Second) // lock over, same step
	_, err = e.svc.Verify(ctx, mfa.Subject{UserID: "u1"}, code)
	require.Error(t, err, "the step stays used across the lock")
	assert.NotErrorIs(t, err, problem.ErrMFALocked)
}

// Attack: a recovery code while locked neither gets in nor is spent, and
// two spellings of one recovery code count once.
func TestAttack_RecoveryCodeLockAndSpellings(t *testing.T) {
	e := newEnv(t, func(c *mfa.Config) { c.LockAfter = 2 })
	_, codes := e.enable(t, "u1")
	for range 2 {
		_, _ = e.svc.Verify(ctx, mfa.Subject{UserID: "u1"}, "000000")
	}
	_, err := e.svc.Verify(ctx, mfa.Subject{UserID: "u1"}, codes[0])
	require.ErrorIs(t, err, problem.ErrMFALocked)
	st := e.state(t, "u1")
	assert.Len(t, st.Recovery, len(codes), "not spent while locked")
	assert.True(t, st.LockedUntil.After(e.clock.Now()), "the lock stands")

	e.clock.Advance(24 * time.Hour)
	res, err := e.svc.Verify(ctx, mfa.Subject{UserID: "u1"}, strings.ToLower(strings.ReplaceAll(codes[0], "-", "")))
	require.NoError(t, err, "canonical spelling variants are accepted")
	assert.Equal(t, mfa.FactorRecovery, res.Factor)
	for _, again := range []string{codes[0], strings.ToLower(codes[0]), strings.ReplaceAll(codes[0], "-", "")} {
		_, err := e.svc.Verify(ctx, mfa.Subject{UserID: "u1"}, again)
		require.Error(t, err, again) // invalid_otp, then mfa_locked once the replays lock it
	}
	for name, bad := range map[string]string{
		"unicode hyphens":   strings.ReplaceAll(codes[1], "-", "\u2010"),
		"hyphen misplaced":  codes[1][:3] + "-" + codes[1][3:4] + codes[1][5:],
		"two hyphens only":  strings.Replace(codes[1], "-", "", 1),
		"surrounding space": " " + codes[1],
	} {
		_, err := e.svc.Verify(ctx, mfa.Subject{UserID: "u1"}, bad)
		require.ErrorIs(t, err, problem.ErrInvalidOTP, name)
	}
	assert.Len(t, e.state(t, "u1").Recovery, len(codes)-1, "only one code spent")
}

// Attack: race a recovery code against a regeneration. The code wins at
// most once, and after the regeneration no old code works.
func TestAttack_RegenerateDuringConcurrentVerify(t *testing.T) {
	e := newEnv(t, func(c *mfa.Config) { c.LockAfter = 100 })
	seed, codes := e.enable(t, "u1")
	e.clock.Advance(30 * time.Second)
	totpCode := e.code(t, seed, e.clock.Now())
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 20 {
		wg.Go(func() {
			if _, err := e.svc.Verify(ctx, mfa.Subject{UserID: "u1"}, codes[0]); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	var fresh mfa.RecoveryCodes
	wg.Go(func() {
		var err error
		fresh, err = e.svc.RegenerateRecoveryCodes(ctx, mfa.Subject{UserID: "u1"}, totpCode)
		assert.NoError(t, err)
	})
	wg.Wait()
	assert.LessOrEqual(t, wins, 1)
	for _, old := range codes {
		_, err := e.svc.Verify(ctx, mfa.Subject{UserID: "u1"}, old)
		require.ErrorIs(t, err, problem.ErrInvalidOTP)
	}
	require.NotEmpty(t, fresh)
	_, err := e.svc.Verify(ctx, mfa.Subject{UserID: "u1"}, fresh.Reveal()[0])
	require.NoError(t, err)
}

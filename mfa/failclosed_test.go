package mfa_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/mfa"
	"github.com/tenantgate/tenantgate/problem"
)

func assertUnavailable(t *testing.T, err error) {
	t.Helper()
	assertProblem(t, err, problem.CodeUnavailable, 503)
	assert.ErrorIs(t, err, problem.ErrUnavailable)
}

// TestAdvisory_UnauditableChangeIsNotPerformed: while the audit sink is
// down, every change of the second factor answers 503 unavailable and
// leaves the store exactly as it was — MFA state, failure count, replay
// marker and recovery codes — so the same code still works once the audit
// is back.
func TestAdvisory_UnauditableChangeIsNotPerformed(t *testing.T) {
	next := func(e *env, seed string) string {
		e.clock.Advance(30 * time.Second)
		return e.code(t, seed, e.clock.Now())
	}
	cases := []struct {
		name string
		// setup prepares alice and returns the operation to try while the
		// audit is down and the check to run once it is back.
		setup func(t *testing.T, e *env) (op func() error, after func(t *testing.T))
	}{
		{"confirm (enable)", func(t *testing.T, e *env) (func() error, func(*testing.T)) {
			code := e.code(t, e.enroll(t, "alice"), e.clock.Now())
			op := func() error { _, err := e.svc.Confirm(ctx, alice, code); return err }
			return op, func(t *testing.T) {
				st, err := e.svc.Status(ctx, "alice")
				require.NoError(t, err)
				assert.True(t, st.Pending)
				assert.False(t, st.Enabled)
				require.NoError(t, op(), "the same code confirms once the audit is back")
			}
		}},
		{"disable with a TOTP code", func(t *testing.T, e *env) (func() error, func(*testing.T)) {
			seed, _ := e.enable(t, "alice")
			code := next(e, seed)
			op := func() error { return e.svc.Disable(ctx, alice, code) }
			return op, func(t *testing.T) {
				st, err := e.svc.Status(ctx, "alice")
				require.NoError(t, err)
				assert.True(t, st.Enabled, "MFA is still on")
				require.NoError(t, op(), "the step-up code was not consumed")
			}
		}},
		{"disable with a recovery code", func(t *testing.T, e *env) (func() error, func(*testing.T)) {
			_, rc := e.enable(t, "alice")
			op := func() error { return e.svc.Disable(ctx, alice, rc[0]) }
			return op, func(t *testing.T) {
				require.NoError(t, op(), "the recovery code was not consumed")
			}
		}},
		{"regenerate with a TOTP code", func(t *testing.T, e *env) (func() error, func(*testing.T)) {
			seed, old := e.enable(t, "alice")
			code := next(e, seed)
			op := func() error { _, err := e.svc.RegenerateRecoveryCodes(ctx, alice, code); return err }
			return op, func(t *testing.T) {
				_, err := e.svc.Verify(ctx, alice, old[9])
				require.NoError(t, err, "the old recovery codes still work")
				require.NoError(t, op(), "the step-up code was not consumed")
			}
		}},
		{"regenerate with a recovery code", func(t *testing.T, e *env) (func() error, func(*testing.T)) {
			_, old := e.enable(t, "alice")
			op := func() error { _, err := e.svc.RegenerateRecoveryCodes(ctx, alice, old[0]); return err }
			return op, func(t *testing.T) {
				_, err := e.svc.Verify(ctx, alice, old[9])
				require.NoError(t, err, "the old recovery codes still work")
				require.NoError(t, op(), "the step-up code was not consumed")
			}
		}},
		{"recovery-code login", func(t *testing.T, e *env) (func() error, func(*testing.T)) {
			_, rc := e.enable(t, "alice")
			op := func() error { _, err := e.svc.Verify(ctx, alice, rc[0]); return err }
			return op, func(t *testing.T) {
				res, err := e.svc.Verify(ctx, alice, rc[0])
				require.NoError(t, err, "the recovery code was not consumed")
				assert.Equal(t, 9, res.RecoveryCodesLeft)
			}
		}},
		{"recovery-code login through Authenticate", func(t *testing.T, e *env) (func() error, func(*testing.T)) {
			_, rc := e.enable(t, "alice")
			op := func() error { _, err := e.svc.Authenticate(ctx, alice, rc[3]); return err }
			return op, func(t *testing.T) {
				require.NoError(t, op())
			}
		}},
		{"wrong step-up codes spend no failure budget", func(t *testing.T, e *env) (func() error, func(*testing.T)) {
			seed, _ := e.enable(t, "alice")
			op := func() error {
				var err error
				for range 2 * mfa.DefaultLockAfter {
					err = e.svc.Disable(ctx, alice, "000000")
					assertUnavailable(t, err)
					_, err = e.svc.RegenerateRecoveryCodes(ctx, alice, "AAAA-AAAA-AAAA-AAAA")
					assertUnavailable(t, err)
				}
				return err
			}
			return op, func(t *testing.T) {
				st, err := e.svc.Status(ctx, "alice")
				require.NoError(t, err)
				assert.True(t, st.LockedUntil.IsZero(), "not locked")
				require.NoError(t, e.svc.Disable(ctx, alice, next(e, seed)))
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			op, after := tc.setup(t, e)
			before := e.state(t, "alice")
			recorded := len(e.audit.snapshot())

			e.audit.failing(all)
			assertUnavailable(t, op())
			assert.Equal(t, before, e.state(t, "alice"), "the store is unchanged")
			assert.Len(t, e.audit.snapshot(), recorded)

			e.audit.failing(nil)
			after(t)
		})
	}
}

// TestAdvisory_NestedAttemptUnrecorded: the step-up of a change is itself a
// change when it is a recovery code. If the audit refuses only that inner
// attempt, the outer change is refused too, nothing is consumed, and the
// outer attempt is closed with a failed result.
func TestAdvisory_NestedAttemptUnrecorded(t *testing.T) {
	for _, tc := range []struct {
		name   string
		action audit.Action
		op     func(e *env, code string) error
	}{
		{"disable", audit.ActionMFADisable, func(e *env, code string) error { return e.svc.Disable(ctx, alice, code) }},
		{"regenerate", audit.ActionMFARecoveryRegen, func(e *env, code string) error {
			_, err := e.svc.RegenerateRecoveryCodes(ctx, alice, code)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			_, rc := e.enable(t, "alice")
			before := e.state(t, "alice")
			from := len(e.audit.snapshot())
			e.audit.failing(func(ev audit.Event) bool {
				return ev.Action == audit.ActionMFARecoveryUse && ev.Outcome == audit.OutcomeAttempted
			})
			assertUnavailable(t, tc.op(e, rc[0]))
			assert.Equal(t, before, e.state(t, "alice"))

			evs := e.audit.snapshot()[from:]
			require.Len(t, evs, 3, "outer attempted, the inner attempt's failed result, outer failed")
			assert.Equal(t, tc.action, evs[0].Action)
			assert.Equal(t, audit.OutcomeAttempted, evs[0].Outcome)
			assert.Equal(t, audit.ActionMFARecoveryUse, evs[1].Action)
			assert.Equal(t, audit.OutcomeFailed, evs[1].Outcome)
			assert.Equal(t, tc.action, evs[2].Action)
			assert.Equal(t, audit.OutcomeFailed, evs[2].Outcome)
			assert.Equal(t, evs[0].Metadata[mfa.MetaAttempt], evs[2].Metadata[mfa.MetaAttempt])

			e.audit.failing(nil)
			require.NoError(t, tc.op(e, rc[0]), "the recovery code still works")
		})
	}
}

// TestAudit_ResultIsBestEffort: once a change is committed, failing to
// record its result neither undoes nor hides it: the caller gets the new
// state (and the recovery codes that exist only in this response), and the
// failure is logged.
func TestAudit_ResultIsBestEffort(t *testing.T) {
	var logs bytes.Buffer
	e := newEnv(t, func(c *mfa.Config) { c.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
	e.audit.failing(outcomeIs(audit.OutcomeSuccess))

	seed := e.enroll(t, "alice")
	rc, err := e.svc.Confirm(ctx, alice, e.code(t, seed, e.clock.Now()))
	require.NoError(t, err)
	require.Len(t, rc, mfa.RecoveryCodeCount)
	old := rc.Reveal()

	res, err := e.svc.Verify(ctx, alice, old[0])
	require.NoError(t, err)
	assert.Equal(t, 9, res.RecoveryCodesLeft)

	e.clock.Advance(30 * time.Second)
	fresh, err := e.svc.RegenerateRecoveryCodes(ctx, alice, e.code(t, seed, e.clock.Now()))
	require.NoError(t, err)
	_, err = e.svc.Verify(ctx, alice, fresh.Reveal()[0])
	require.NoError(t, err, "the new set is in force")
	_, err = e.svc.Verify(ctx, alice, old[1])
	assertProblem(t, err, problem.CodeInvalidOTP, 401)

	e.clock.Advance(30 * time.Second)
	require.NoError(t, e.svc.Disable(ctx, alice, e.code(t, seed, e.clock.Now())))
	st, err := e.svc.Status(ctx, "alice")
	require.NoError(t, err)
	assert.False(t, st.Enabled)

	var attempted int
	for _, ev := range e.audit.snapshot() {
		assert.NotEqual(t, audit.OutcomeSuccess, ev.Outcome)
		if ev.Outcome == audit.OutcomeAttempted {
			attempted++
		}
	}
	assert.Equal(t, 6, attempted, "enable, 3 recovery-code attempts, regenerate, disable")
	assert.Contains(t, logs.String(), "mfa: audit failed")
}

// TestAudit_RefusalsStandWhenUnrecorded: a refusal is already the safe
// outcome, so an audit outage changes neither its answer nor the lock —
// an attacker who can break the audit sink gains no guesses, and a replay
// still answers exactly like a wrong code.
func TestAudit_RefusalsStandWhenUnrecorded(t *testing.T) {
	t.Run("replay answers like a wrong code", func(t *testing.T) {
		e := newEnv(t)
		seed, _ := e.enable(t, "alice")
		e.audit.failing(all)
		e.clock.Advance(30 * time.Second)
		code := e.code(t, seed, e.clock.Now())
		_, err := e.svc.Verify(ctx, alice, code)
		require.NoError(t, err, "a TOTP verification is not an MFA event of its own")
		_, err = e.svc.Verify(ctx, alice, code)
		assertProblem(t, err, problem.CodeInvalidOTP, 401)
	})
	t.Run("the lock is stored and answered", func(t *testing.T) {
		e := newEnv(t)
		seed, _ := e.enable(t, "alice")
		e.audit.failing(all)
		e.clock.Advance(30 * time.Second)
		for range mfa.DefaultLockAfter - 1 {
			_, err := e.svc.Verify(ctx, alice, "000000")
			assertProblem(t, err, problem.CodeInvalidOTP, 401)
		}
		_, err := e.svc.Verify(ctx, alice, "000000")
		assertProblem(t, err, problem.CodeMFALocked, 423)
		var pe *problem.Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, int64(300), pe.RetryAfterSeconds)
		assert.Equal(t, e.clock.Now().Add(mfa.DefaultLockBackoff), e.state(t, "alice").LockedUntil)
		_, err = e.svc.Verify(ctx, alice, e.code(t, seed, e.clock.Now()))
		assertProblem(t, err, problem.CodeMFALocked, 423)
	})
	t.Run("an impersonated change is refused", func(t *testing.T) {
		e := newEnv(t)
		seed, rc := e.enable(t, "alice")
		before := e.state(t, "alice")
		e.audit.failing(all)
		e.clock.Advance(30 * time.Second)
		op := mfa.Subject{UserID: "alice", Impersonator: "operator-1"}
		assertProblem(t, e.svc.Disable(ctx, op, e.code(t, seed, e.clock.Now())), problem.CodePermissionDenied, 403)
		_, err := e.svc.RegenerateRecoveryCodes(ctx, op, rc[0])
		assertProblem(t, err, problem.CodePermissionDenied, 403)
		assert.Equal(t, before, e.state(t, "alice"))
	})
}

// TestAudit_EveryAttemptHasOneResult: each attempted event is followed by
// exactly one result with the same action and attempt id.
func TestAudit_EveryAttemptHasOneResult(t *testing.T) {
	e := newEnv(t)
	seed, rc := e.enable(t, "alice")
	_, err := e.svc.Verify(ctx, alice, rc[0])
	require.NoError(t, err)
	_, err = e.svc.Verify(ctx, alice, "2222-2222-2222-2222")
	assertProblem(t, err, problem.CodeInvalidOTP, 401)
	e.clock.Advance(30 * time.Second)
	_, err = e.svc.RegenerateRecoveryCodes(ctx, alice, e.code(t, seed, e.clock.Now()))
	require.NoError(t, err)
	assertProblem(t, e.svc.Disable(ctx, alice, "000000"), problem.CodeInvalidOTP, 401)
	e.clock.Advance(30 * time.Second)
	require.NoError(t, e.svc.Disable(ctx, alice, e.code(t, seed, e.clock.Now())))

	type pair struct {
		action  audit.Action
		results []audit.Outcome
	}
	attempts := map[string]*pair{}
	var order []string
	for _, ev := range e.audit.snapshot() {
		id := ev.Metadata[mfa.MetaAttempt]
		require.NotEmpty(t, id, "%s %s carries an attempt id", ev.Action, ev.Outcome)
		if ev.Outcome == audit.OutcomeAttempted {
			require.NotContains(t, attempts, id, "attempt ids are unique")
			attempts[id] = &pair{action: ev.Action}
			order = append(order, id)
			continue
		}
		p, ok := attempts[id]
		require.True(t, ok, "a result follows its attempt")
		assert.Equal(t, p.action, ev.Action)
		p.results = append(p.results, ev.Outcome)
	}
	var got []string
	for _, id := range order {
		p := attempts[id]
		require.Len(t, p.results, 1, "%s has exactly one result", p.action)
		got = append(got, string(p.action)+" "+string(p.results[0]))
	}
	assert.Equal(t, []string{
		"mfa.enable success",
		"mfa.recovery_code_use success",
		"mfa.recovery_code_use denied",
		"mfa.recovery_codes_regenerate success",
		"mfa.disable denied",
		"mfa.disable success",
	}, got)
}

// TestConfirm_AlreadyEnabledSpendsNoAttempt: confirming again once MFA is on
// answers 409 conflict from a plain read; it cannot be used to burn the
// owner's failure budget and lock them out, and writes nothing.
func TestConfirm_AlreadyEnabledSpendsNoAttempt(t *testing.T) {
	e := newEnv(t)
	seed, _ := e.enable(t, "alice")
	before := e.state(t, "alice")
	recorded := len(e.audit.snapshot())
	for i := range 3 * mfa.DefaultLockAfter {
		code := "000000"
		if i%2 == 0 {
			code = e.code(t, seed, e.clock.Now().Add(30*time.Second))
		}
		_, err := e.svc.Confirm(ctx, alice, code)
		assertProblem(t, err, problem.CodeConflict, 409)
	}
	assert.Equal(t, before, e.state(t, "alice"), "no attempt counted")
	assert.Len(t, e.audit.snapshot(), recorded, "nothing recorded")
	e.clock.Advance(30 * time.Second)
	_, err := e.svc.Verify(ctx, alice, e.code(t, seed, e.clock.Now()))
	require.NoError(t, err, "not locked")

	t.Run("nothing pending", func(t *testing.T) {
		_, err := e.svc.Confirm(ctx, mfa.Subject{UserID: "nobody"}, "123456")
		assertProblem(t, err, problem.CodeConflict, 409)
		_, err = e.store.Get(ctx, "nobody")
		assert.ErrorIs(t, err, mfa.ErrNotFound, "no record created")
		assert.Len(t, e.audit.snapshot(), recorded)
	})
}

// TestAudit_MetadataSurvivesTrail: the metadata keys the package writes do
// not look like credentials, so a real audit.Trail stores their values
// instead of redacting them.
func TestAudit_MetadataSurvivesTrail(t *testing.T) {
	for _, k := range []string{mfa.MetaAttempt, mfa.MetaFactor, mfa.MetaCodesLeft} {
		assert.False(t, audit.IsSecretKey(k), k)
		assert.False(t, audit.IsPersonalKey(k), k)
	}
	store := memstore.NewAudit()
	clock := &fakeClock{t: t0}
	trail, err := audit.New(audit.Config{Store: store, Clock: clock, DropPersonalData: true})
	require.NoError(t, err)
	e := newEnv(t, func(c *mfa.Config) {
		c.Audit = func(ctx context.Context, ev audit.Event) error {
			_, err := trail.Append(ctx, ev)
			return err
		}
	})
	e.enable(t, "alice")
	evs := readAll(t, store, "")
	require.Len(t, evs, 2)
	assert.Equal(t, audit.OutcomeAttempted, evs[0].Outcome)
	assert.Equal(t, audit.OutcomeSuccess, evs[1].Outcome)
	assert.Equal(t, "10", evs[1].Metadata[mfa.MetaCodesLeft])
	assert.Equal(t, string(mfa.FactorTOTP), evs[1].Metadata[mfa.MetaFactor])
	assert.Equal(t, evs[0].Metadata[mfa.MetaAttempt], evs[1].Metadata[mfa.MetaAttempt])
}

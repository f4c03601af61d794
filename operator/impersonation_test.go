package operator_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/operator"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

func assertCode(t *testing.T, err error, code problem.Code) {
	t.Helper()
	require.Error(t, err)
	assert.Equal(t, code, problem.From(err).Code, "error: %v", err)
}

func platformChain(t *testing.T, f *fixture) []audit.Event {
	t.Helper()
	evs, err := f.audit.Chain(ctx, "", 0, 0)
	require.NoError(t, err)
	return evs
}

func TestImpersonation_StartActStop(t *testing.T) {
	f := newFixture(t)
	ws := f.create(t, alice, "Acme")
	_, err := f.lc.Approve(ctx, op, ws.ID, "ok")
	require.NoError(t, err)

	imp, err := f.console.StartImpersonation(ctx, op, alice.User, "ticket 4711: billing question", 30*time.Minute)
	require.NoError(t, err)
	assert.Equal(t, t0.Add(30*time.Minute), imp.ExpiresAt)

	p, err := imp.Principal(alice, f.clock.Now())
	require.NoError(t, err)
	assert.Equal(t, alice.User, p.User)
	assert.Equal(t, op.User, p.Impersonator, "the principal carries both identities")
	assert.False(t, p.Operator, "an impersonating principal is never an operator")

	// It cannot reach operator routes, nor take ownership actions.
	w := f.do(&p, "POST", "/admin/workspaces/"+string(ws.ID)+"/suspend", `{"reason":"x"}`)
	assert.Equal(t, 403, w.Code)
	assert.Equal(t, problem.CodeOperatorOnly, problemCode(t, w))
	assert.ErrorIs(t, tenancy.RefuseImpersonation(p), tenancy.ErrImpersonation)
	_, err = f.console.StartImpersonation(ctx, p, bob.User, "nesting", time.Minute)
	assertCode(t, err, problem.CodeOperatorOnly)

	require.NoError(t, f.console.StopImpersonation(ctx, imp))
	chain := platformChain(t, f)
	require.Len(t, chain, 2)
	assert.Equal(t, audit.ActionImpersonationStart, chain[0].Action)
	assert.Equal(t, "u-op", chain[0].Actor)
	assert.Equal(t, audit.Target{Type: "user", ID: "u-alice"}, chain[0].Target)
	assert.Equal(t, "ticket 4711: billing question", chain[0].Metadata["reason"])
	assert.Equal(t, imp.ID, chain[0].Metadata["impersonationId"])
	assert.Equal(t, audit.ActionImpersonationStop, chain[1].Action)
	assert.Equal(t, "false", chain[1].Metadata["expired"])
}

func TestImpersonation_ExpiresAtItsBound(t *testing.T) {
	f := newFixture(t)
	imp, err := f.console.StartImpersonation(ctx, op, alice.User, "support", time.Hour)
	require.NoError(t, err)
	_, err = imp.Principal(alice, t0.Add(time.Hour-time.Nanosecond))
	require.NoError(t, err)
	_, err = imp.Principal(alice, t0.Add(time.Hour))
	assert.ErrorIs(t, err, operator.ErrImpersonationEnded)
	_, err = imp.Principal(bob, t0)
	assert.ErrorIs(t, err, operator.ErrImpersonationEnded, "a grant for alice never yields bob")

	f.clock.Advance(2 * time.Hour)
	require.NoError(t, f.console.StopImpersonation(ctx, imp))
	chain := platformChain(t, f)
	assert.Equal(t, "true", chain[len(chain)-1].Metadata["expired"])
}

func TestImpersonation_StartRefusals(t *testing.T) {
	cases := []struct {
		name   string
		p      tenancy.Principal
		user   tenancy.UserID
		reason string
		d      time.Duration
		code   problem.Code
	}{
		{"ordinary user", bob, alice.User, "x", time.Minute, problem.CodeOperatorOnly},
		{"workspace owner", alice, bob.User, "x", time.Minute, problem.CodeOperatorOnly},
		{"impersonating operator", impersonating, bob.User, "x", time.Minute, problem.CodeOperatorOnly},
		{"no reason", op, alice.User, " ", time.Minute, problem.CodeValidationFailed},
		{"reason too long", op, alice.User, strings.Repeat("r", tenancy.MaxReasonLen+1), time.Minute, problem.CodeValidationFailed},
		{"zero duration", op, alice.User, "x", 0, problem.CodeValidationFailed},
		{"negative duration", op, alice.User, "x", -time.Minute, problem.CodeValidationFailed},
		{"beyond the maximum", op, alice.User, "x", time.Hour + time.Nanosecond, problem.CodeValidationFailed},
		{"self", op, op.User, "x", time.Minute, problem.CodeValidationFailed},
		{"invalid user id", op, "U-ALICE", "x", time.Minute, problem.CodeValidationFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			_, err := f.console.StartImpersonation(ctx, tc.p, tc.user, tc.reason, tc.d)
			assertCode(t, err, tc.code)
			assert.Empty(t, platformChain(t, f), "nothing recorded")
		})
	}
}

type downSink struct{ calls atomic.Int32 }

func (s *downSink) Append(context.Context, audit.Event) (audit.Event, error) {
	s.calls.Add(1)
	return audit.Event{}, fmt.Errorf("%w: down", audit.ErrUnavailable)
}

func TestImpersonation_NotGrantedWithoutItsRecord(t *testing.T) {
	f := newFixture(t)
	sink := &downSink{}
	c, err := operator.New(operator.Config{Lifecycle: f.lc, Audit: sink, Clock: f.clock})
	require.NoError(t, err)
	imp, err := c.StartImpersonation(ctx, op, alice.User, "support", time.Minute)
	assertCode(t, err, problem.CodeUnavailable)
	assert.Equal(t, operator.Impersonation{}, imp)
	assert.True(t, errors.Is(err, audit.ErrUnavailable))
	assert.Equal(t, int32(1), sink.calls.Load())
}

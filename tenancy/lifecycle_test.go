package tenancy_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

const betaCode = "closed-beta-2025"

var t0 = time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)

// fakeClock is a settable TrialClock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// failingSink wraps a Sink and fails while fail is set.
type failingSink struct {
	audit.Sink
	fail atomic.Bool
}

func (s *failingSink) Append(ctx context.Context, e audit.Event) (audit.Event, error) {
	if s.fail.Load() {
		return audit.Event{}, fmt.Errorf("%w: test", audit.ErrUnavailable)
	}
	return s.Sink.Append(ctx, e)
}

type fixture struct {
	lc     *tenancy.Lifecycle
	ws     *memstore.Tenancy
	codes  *memstore.InviteCodes
	audit  *memstore.Audit
	sink   *failingSink
	clock  *fakeClock
	events chan tenancy.TransitionEvent
}

func newFixture(t *testing.T, mod ...func(*tenancy.LifecycleConfig)) *fixture {
	t.Helper()
	f := &fixture{
		ws: memstore.NewTenancy(), codes: memstore.NewInviteCodes(), audit: memstore.NewAudit(),
		clock: &fakeClock{now: t0}, events: make(chan tenancy.TransitionEvent, 1000),
	}
	f.sink = &failingSink{Sink: f.audit}
	code, err := tenancy.NewInviteCode(betaCode, "default", tenancy.UnlimitedUses, time.Time{}, t0)
	require.NoError(t, err)
	require.NoError(t, f.codes.AddInviteCode(context.Background(), code))
	cfg := tenancy.LifecycleConfig{
		Workspaces: f.ws, InviteCodes: f.codes, Audit: f.sink, Clock: f.clock,
		Plans:  []string{"pro", "business"},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Hook: func(_ context.Context, ev tenancy.TransitionEvent) error {
			f.events <- ev
			return nil
		},
	}
	for _, m := range mod {
		m(&cfg)
	}
	f.lc, err = tenancy.NewLifecycle(cfg)
	require.NoError(t, err)
	return f
}

var (
	ctx      = context.Background()
	alice    = tenancy.Principal{User: "u-alice", EmailVerified: true}
	bob      = tenancy.Principal{User: "u-bob", EmailVerified: true}
	operator = tenancy.Principal{User: "u-op", EmailVerified: true, Operator: true}
	// impersonatingOp is an operator acting as alice, with the Operator
	// flag wrongly left set: it must still be refused.
	impersonatingOp = tenancy.Principal{User: "u-alice", EmailVerified: true, Operator: true, Impersonator: "u-op"}
)

func assertCode(t *testing.T, err error, code problem.Code) {
	t.Helper()
	require.Error(t, err)
	assert.Equal(t, code, problem.From(err).Code, "error: %v", err)
}

func (f *fixture) create(t *testing.T, p tenancy.Principal) tenancy.Workspace {
	t.Helper()
	ws, err := f.lc.Create(ctx, p, tenancy.CreateRequest{Name: "Acme", InviteCode: betaCode})
	require.NoError(t, err)
	return ws
}

// withStatus creates a workspace for owner and forces it into status.
func (f *fixture) withStatus(t *testing.T, owner tenancy.Principal, s tenancy.Status) tenancy.Workspace {
	t.Helper()
	ws := f.create(t, owner)
	if s == ws.Status {
		return ws
	}
	ws.Status = s
	saved, err := f.ws.UpdateWorkspace(ctx, ws)
	require.NoError(t, err)
	return saved
}

func (f *fixture) chain(t *testing.T, ws tenancy.WorkspaceID) []audit.Event {
	t.Helper()
	evs, err := f.audit.Chain(ctx, string(ws), 0, 0)
	require.NoError(t, err)
	return evs
}

func (f *fixture) uses(t *testing.T) int {
	t.Helper()
	codes, err := f.codes.InviteCodes(ctx)
	require.NoError(t, err)
	total := 0
	for _, c := range codes {
		total += c.Uses
	}
	return total
}

func (f *fixture) all(t *testing.T) []tenancy.Workspace {
	t.Helper()
	all, err := f.ws.ListWorkspaces(ctx, tenancy.WorkspaceQuery{Limit: 1000})
	require.NoError(t, err)
	return all
}

func TestNewLifecycle_RejectsIncompleteConfig(t *testing.T) {
	cases := map[string]struct {
		cfg  tenancy.LifecycleConfig
		want []string
	}{
		"empty": {tenancy.LifecycleConfig{}, []string{"Workspaces", "InviteCodes", "Audit", "Clock"}},
		"negative durations": {tenancy.LifecycleConfig{
			Workspaces: memstore.NewTenancy(), OpenBeta: true, Audit: memstore.NewAudit(),
			Clock: &fakeClock{}, TrialDuration: -1, HookTimeout: -1, MaxConcurrentHooks: -1,
		}, []string{"TrialDuration", "HookTimeout", "MaxConcurrentHooks"}},
		"bad plan": {tenancy.LifecycleConfig{
			Workspaces: memstore.NewTenancy(), OpenBeta: true, Audit: memstore.NewAudit(),
			Clock: &fakeClock{}, Plans: []string{"Pro Plan"},
		}, []string{"invalid plan"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			lc, err := tenancy.NewLifecycle(tc.cfg)
			require.Error(t, err)
			assert.Nil(t, lc)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.True(t, strings.HasPrefix(err.Error(), "tenancy: "))
		})
	}
}

func TestLifecycle_Create(t *testing.T) {
	f := newFixture(t)
	ws, err := f.lc.Create(ctx, alice, tenancy.CreateRequest{Name: "Acme\r\n\x1b[1m", InviteCode: betaCode})
	require.NoError(t, err)
	assert.Equal(t, tenancy.StatusPendingApproval, ws.Status)
	assert.Equal(t, alice.User, ws.OwnerID)
	assert.Equal(t, "Acme\r\n\x1b[1m", ws.Name, "names are stored exactly as given")
	assert.True(t, ws.TrialEndsAt.IsZero(), "no trial before approval")

	m, err := f.ws.Membership(ctx, ws.ID, alice.User)
	require.NoError(t, err)
	assert.Equal(t, tenancy.RoleOwner, m.Role, "the creator becomes owner")

	evs := f.chain(t, ws.ID)
	require.Len(t, evs, 1)
	assert.Equal(t, audit.ActionWorkspaceCreate, evs[0].Action)
	assert.Equal(t, string(alice.User), evs[0].Actor)
	assert.Equal(t, 1, f.uses(t))
}

func TestLifecycle_CreateAttacks(t *testing.T) {
	expired, err := tenancy.NewInviteCode("expired-code-1", "old", tenancy.UnlimitedUses, t0.Add(time.Hour), t0)
	require.NoError(t, err)
	usedUp, err := tenancy.NewInviteCode("used-up-code-1", "full", 1, time.Time{}, t0)
	require.NoError(t, err)
	usedUp.Uses = 1

	cases := []struct {
		name string
		p    tenancy.Principal
		req  tenancy.CreateRequest
		want problem.Code
	}{
		{"anonymous", tenancy.Principal{}, tenancy.CreateRequest{Name: "X", InviteCode: betaCode}, problem.CodeUnauthenticated},
		{"unverified email", tenancy.Principal{User: "u-eve"}, tenancy.CreateRequest{Name: "X", InviteCode: betaCode}, problem.CodeEmailUnverified},
		{"impersonated", impersonatingOp, tenancy.CreateRequest{Name: "X", InviteCode: betaCode}, problem.CodePermissionDenied},
		{"no invite code", bob, tenancy.CreateRequest{Name: "X"}, problem.CodeInvalidInviteCode},
		{"wrong invite code", bob, tenancy.CreateRequest{Name: "X", InviteCode: "closed-beta-2026"}, problem.CodeInvalidInviteCode},
		{"code prefix", bob, tenancy.CreateRequest{Name: "X", InviteCode: betaCode[:len(betaCode)-1]}, problem.CodeInvalidInviteCode},
		{"code with trailing space", bob, tenancy.CreateRequest{Name: "X", InviteCode: betaCode + " "}, problem.CodeInvalidInviteCode},
		{"code upper-cased", bob, tenancy.CreateRequest{Name: "X", InviteCode: strings.ToUpper(betaCode)}, problem.CodeInvalidInviteCode},
		{"huge code", bob, tenancy.CreateRequest{Name: "X", InviteCode: strings.Repeat("a", 1<<20)}, problem.CodeInvalidInviteCode},
		{"expired code", bob, tenancy.CreateRequest{Name: "X", InviteCode: "expired-code-1"}, problem.CodeInvalidInviteCode},
		{"used-up code", bob, tenancy.CreateRequest{Name: "X", InviteCode: "used-up-code-1"}, problem.CodeInvalidInviteCode},
		{"empty name", bob, tenancy.CreateRequest{Name: "  ", InviteCode: betaCode}, problem.CodeValidationFailed},
		{"huge name", bob, tenancy.CreateRequest{Name: strings.Repeat("n", 201), InviteCode: betaCode}, problem.CodeValidationFailed},
		{"invalid UTF-8 name", bob, tenancy.CreateRequest{Name: "\xff\xfe", InviteCode: betaCode}, problem.CodeValidationFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			require.NoError(t, f.codes.AddInviteCode(ctx, expired))
			require.NoError(t, f.codes.AddInviteCode(ctx, usedUp))
			f.clock.Advance(2 * time.Hour) // past the expired code's end
			before := f.uses(t)
			_, err := f.lc.Create(ctx, tc.p, tc.req)
			assertCode(t, err, tc.want)
			assert.Empty(t, f.all(t), "no workspace stored")
			assert.Equal(t, before, f.uses(t), "no invite code use counted")
			evs, err := f.audit.Query(ctx, audit.Query{})
			require.NoError(t, err)
			assert.Empty(t, evs.Events)
		})
	}
}

func TestLifecycle_CreateSecondWorkspaceIsLimitReached(t *testing.T) {
	f := newFixture(t)
	first := f.create(t, alice)
	_, err := f.lc.Create(ctx, alice, tenancy.CreateRequest{Name: "Second", InviteCode: betaCode})
	assertCode(t, err, problem.CodeWorkspaceLimitReached)
	assert.Len(t, f.all(t), 1)
	assert.Equal(t, 1, f.uses(t), "the refused creation gave its code use back")
	assert.Len(t, f.chain(t, first.ID), 1)
}

func TestLifecycle_ConcurrentCreatesOnePerUser(t *testing.T) {
	f := newFixture(t)
	const n = 40
	var ok, limited atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, err := f.lc.Create(ctx, alice, tenancy.CreateRequest{Name: fmt.Sprintf("ws %d", i), InviteCode: betaCode})
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, problem.ErrWorkspaceLimitReached):
				limited.Add(1)
			default:
				t.Errorf("unexpected error: %v", err)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(1), ok.Load())
	assert.Equal(t, int32(n-1), limited.Load())
	assert.Len(t, f.all(t), 1)
	assert.Equal(t, 1, f.uses(t), "losers gave their code uses back")
}

func TestLifecycle_InviteCodeUseLimitUnderConcurrency(t *testing.T) {
	f := newFixture(t)
	const limit, n = 3, 30
	c, err := tenancy.NewInviteCode("three-seats", "limited", limit, time.Time{}, t0)
	require.NoError(t, err)
	require.NoError(t, f.codes.AddInviteCode(ctx, c))
	var ok, refused atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			p := tenancy.Principal{User: tenancy.UserID(fmt.Sprintf("u-%d", i)), EmailVerified: true}
			_, err := f.lc.Create(ctx, p, tenancy.CreateRequest{Name: "W", InviteCode: "three-seats"})
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, problem.ErrInvalidInviteCode):
				refused.Add(1)
			default:
				t.Errorf("unexpected error: %v", err)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(limit), ok.Load())
	assert.Equal(t, int32(n-limit), refused.Load())
	assert.Len(t, f.all(t), limit)
}

func TestLifecycle_CreateAuditFailureStoresNothing(t *testing.T) {
	f := newFixture(t)
	f.sink.fail.Store(true)
	_, err := f.lc.Create(ctx, alice, tenancy.CreateRequest{Name: "Acme", InviteCode: betaCode})
	assertCode(t, err, problem.CodeUnavailable)
	assert.Empty(t, f.all(t))
	assert.Equal(t, 0, f.uses(t))
}

func TestLifecycle_OpenBetaNeedsNoCode(t *testing.T) {
	f := newFixture(t, func(c *tenancy.LifecycleConfig) { c.OpenBeta = true; c.InviteCodes = nil })
	ws, err := f.lc.Create(ctx, alice, tenancy.CreateRequest{Name: "Acme"})
	require.NoError(t, err)
	assert.Equal(t, tenancy.StatusPendingApproval, ws.Status)
}

// TestLifecycle_EveryTransition tries every transition from every state:
// the five legal edges move the workspace and write exactly one audit
// record; the fifteen others are 409 conflict and change nothing.
func TestLifecycle_EveryTransition(t *testing.T) {
	states := []tenancy.Status{tenancy.StatusPendingApproval, tenancy.StatusActive, tenancy.StatusRejected, tenancy.StatusSuspended}
	legal := map[tenancy.Status]map[tenancy.Transition]tenancy.Status{
		tenancy.StatusPendingApproval: {tenancy.Approve: tenancy.StatusActive, tenancy.Reject: tenancy.StatusRejected},
		tenancy.StatusActive:          {tenancy.Suspend: tenancy.StatusSuspended},
		tenancy.StatusSuspended:       {tenancy.Reactivate: tenancy.StatusActive},
		tenancy.StatusRejected:        {tenancy.Reopen: tenancy.StatusPendingApproval},
	}
	for _, from := range states {
		for _, tr := range tenancy.Transitions() {
			to, ok := legal[from][tr]
			t.Run(fmt.Sprintf("%s_%s", from, tr), func(t *testing.T) {
				f := newFixture(t)
				before := f.withStatus(t, alice, from)
				nBefore := len(f.chain(t, before.ID))
				got, err := f.lc.Transition(ctx, operator, before.ID, tr, "reviewed")
				stored, rerr := f.ws.Workspace(ctx, before.ID)
				require.NoError(t, rerr)
				evs := f.chain(t, before.ID)
				if !ok {
					assertCode(t, err, problem.CodeConflict)
					assert.Equal(t, before, stored, "store unchanged")
					assert.Len(t, evs, nBefore, "nothing recorded")
					return
				}
				require.NoError(t, err)
				assert.Equal(t, to, got.Status)
				assert.Equal(t, got, stored)
				require.Len(t, evs, nBefore+1)
				last := evs[len(evs)-1]
				assert.Equal(t, tr.Action(), last.Action)
				assert.Equal(t, string(operator.User), last.Actor)
				assert.Equal(t, audit.OutcomeSuccess, last.Outcome)
				assert.Equal(t, map[string]string{"from": string(from), "to": string(to), "reason": "reviewed"}, last.Metadata)
			})
		}
	}
}

func TestLifecycle_TransitionRefusesNonOperators(t *testing.T) {
	cases := []struct {
		name string
		p    tenancy.Principal
	}{
		{"anonymous", tenancy.Principal{}},
		{"other user", bob},
		{"owner", alice},
		{"impersonating operator", impersonatingOp},
	}
	for _, tc := range cases {
		for _, tr := range tenancy.Transitions() {
			t.Run(tc.name+"_"+string(tr), func(t *testing.T) {
				f := newFixture(t)
				ws := f.withStatus(t, alice, tr.From())
				_, err := f.lc.Transition(ctx, tc.p, ws.ID, tr, "because")
				assertCode(t, err, problem.CodeOperatorOnly)
				stored, err := f.ws.Workspace(ctx, ws.ID)
				require.NoError(t, err)
				assert.Equal(t, ws, stored)
			})
		}
	}
}

func TestLifecycle_TransitionNeedsReason(t *testing.T) {
	for name, reason := range map[string]string{
		"empty": "", "blank": " \t\n", "too long": strings.Repeat("r", tenancy.MaxReasonLen+1), "invalid UTF-8": "\xff",
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			ws := f.create(t, alice)
			_, err := f.lc.Approve(ctx, operator, ws.ID, reason)
			assertCode(t, err, problem.CodeValidationFailed)
			assert.Equal(t, "reason", problem.From(err).Fields[0].Field)
			stored, err := f.ws.Workspace(ctx, ws.ID)
			require.NoError(t, err)
			assert.Equal(t, ws, stored)
		})
	}
}

func TestLifecycle_TransitionUnknownWorkspaceOrTransition(t *testing.T) {
	f := newFixture(t)
	_, err := f.lc.Approve(ctx, operator, "ws-nope", "ok")
	assertCode(t, err, problem.CodeNotFound)
	ws := f.create(t, alice)
	_, err = f.lc.Transition(ctx, operator, ws.ID, "delete", "ok")
	assertCode(t, err, problem.CodeNotFound)
}

func TestLifecycle_ApprovalStartsTrial(t *testing.T) {
	t.Run("default 14 days", func(t *testing.T) {
		f := newFixture(t)
		ws := f.create(t, alice)
		f.clock.Advance(3 * time.Hour)
		got, err := f.lc.Approve(ctx, operator, ws.ID, "looks legit")
		require.NoError(t, err)
		assert.Equal(t, t0.Add(3*time.Hour), got.ApprovedAt)
		assert.Equal(t, t0.Add(3*time.Hour+14*24*time.Hour), got.TrialEndsAt)
	})
	t.Run("configured", func(t *testing.T) {
		f := newFixture(t, func(c *tenancy.LifecycleConfig) { c.TrialDuration = 30 * 24 * time.Hour })
		ws := f.create(t, alice)
		got, err := f.lc.Approve(ctx, operator, ws.ID, "ok")
		require.NoError(t, err)
		assert.Equal(t, t0.Add(30*24*time.Hour), got.TrialEndsAt)
	})
	t.Run("paid plan gets none", func(t *testing.T) {
		f := newFixture(t)
		ws := f.create(t, alice)
		_, err := f.lc.Subscribe(ctx, alice, ws.ID, "pro")
		require.NoError(t, err)
		got, err := f.lc.Approve(ctx, operator, ws.ID, "ok")
		require.NoError(t, err)
		assert.True(t, got.TrialEndsAt.IsZero())
		assert.False(t, got.Trialing())
	})
	t.Run("suspend and reactivate keep the trial end", func(t *testing.T) {
		f := newFixture(t)
		ws := f.create(t, alice)
		approved, err := f.lc.Approve(ctx, operator, ws.ID, "ok")
		require.NoError(t, err)
		f.clock.Advance(24 * time.Hour)
		_, err = f.lc.Suspend(ctx, operator, ws.ID, "abuse report")
		require.NoError(t, err)
		got, err := f.lc.Reactivate(ctx, operator, ws.ID, "resolved")
		require.NoError(t, err)
		assert.Equal(t, approved.TrialEndsAt, got.TrialEndsAt)
	})
}

// TestLifecycle_ConcurrentApproveVsReject races approvals against
// rejections of one pending workspace: exactly one wins, and exactly one
// audit record says so.
func TestLifecycle_ConcurrentApproveVsReject(t *testing.T) {
	for round := range 10 {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			f := newFixture(t)
			ws := f.create(t, alice)
			const n = 20
			var wins atomic.Int32
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					tr := tenancy.Approve
					if i%2 == 1 {
						tr = tenancy.Reject
					}
					_, err := f.lc.Transition(ctx, operator, ws.ID, tr, "race")
					if err == nil {
						wins.Add(1)
					} else if !errors.Is(err, problem.ErrConflict) {
						t.Errorf("unexpected error: %v", err)
					}
				})
			}
			wg.Wait()
			require.Equal(t, int32(1), wins.Load())
			stored, err := f.ws.Workspace(ctx, ws.ID)
			require.NoError(t, err)
			evs := f.chain(t, ws.ID)
			require.Len(t, evs, 2, "create + exactly one decision")
			want := audit.ActionWorkspaceApprove
			if stored.Status == tenancy.StatusRejected {
				want = audit.ActionWorkspaceReject
			}
			assert.Equal(t, want, evs[1].Action)
			_, err = audit.Verify(ctx, f.audit, string(ws.ID))
			assert.NoError(t, err)
		})
	}
}

func TestLifecycle_TransitionAuditFailureChangesNothing(t *testing.T) {
	f := newFixture(t)
	ws := f.create(t, alice)
	f.sink.fail.Store(true)
	_, err := f.lc.Approve(ctx, operator, ws.ID, "ok")
	assertCode(t, err, problem.CodeUnavailable)
	stored, err := f.ws.Workspace(ctx, ws.ID)
	require.NoError(t, err)
	assert.Equal(t, ws, stored)
	assert.Len(t, f.chain(t, ws.ID), 1)
}

func TestLifecycle_Subscribe(t *testing.T) {
	f := newFixture(t)
	ws := f.create(t, alice)
	_, err := f.lc.Approve(ctx, operator, ws.ID, "ok")
	require.NoError(t, err)

	_, err = f.lc.Subscribe(ctx, alice, ws.ID, "enterprise")
	assertCode(t, err, problem.CodeValidationFailed)
	_, err = f.lc.Subscribe(ctx, tenancy.Principal{}, ws.ID, "pro")
	assertCode(t, err, problem.CodeUnauthenticated)
	_, err = f.lc.Subscribe(ctx, alice, "ws-nope", "pro")
	assertCode(t, err, problem.CodeNotFound)

	// An operator impersonating alice subscribes: the record names both.
	imp := tenancy.Principal{User: alice.User, EmailVerified: true, Impersonator: operator.User}
	got, err := f.lc.Subscribe(ctx, imp, ws.ID, "pro")
	require.NoError(t, err)
	assert.Equal(t, "pro", got.Plan)
	assert.True(t, got.TrialEndsAt.IsZero(), "a paid plan ends the trial")
	evs := f.chain(t, ws.ID)
	last := evs[len(evs)-1]
	assert.Equal(t, audit.ActionBillingSubscribe, last.Action)
	assert.Equal(t, string(alice.User), last.Actor)
	assert.Equal(t, string(operator.User), last.Impersonator)
	assert.Equal(t, "pro", last.Metadata["plan"])

	n := len(f.chain(t, ws.ID))
	_, err = f.lc.Subscribe(ctx, alice, ws.ID, "pro")
	require.NoError(t, err)
	assert.Len(t, f.chain(t, ws.ID), n, "no change, no record")
}

func TestLifecycle_HookRunsAfterCommitAndNeverBlocks(t *testing.T) {
	release := make(chan struct{})
	seen := make(chan tenancy.Status, 10)
	var store *memstore.Tenancy
	f := newFixture(t, func(c *tenancy.LifecycleConfig) {
		store = c.Workspaces.(*memstore.Tenancy)
		c.Hook = func(ctx context.Context, ev tenancy.TransitionEvent) error {
			w, err := store.Workspace(ctx, ev.Workspace.ID)
			if err == nil {
				seen <- w.Status // the change is committed when the hook runs
			}
			<-release
			if ev.Action == audit.ActionWorkspaceApprove {
				panic("hook bug")
			}
			return errors.New("mail provider down")
		}
	})
	ws := f.create(t, alice)
	got, err := f.lc.Approve(ctx, operator, ws.ID, "ok") // returns while the hooks block
	require.NoError(t, err)
	assert.Equal(t, tenancy.StatusActive, got.Status)
	close(release)
	require.NoError(t, f.lc.Wait(ctx))
	close(seen)
	var statuses []tenancy.Status
	for s := range seen {
		statuses = append(statuses, s)
	}
	assert.Len(t, statuses, 2)
	assert.Contains(t, statuses, tenancy.StatusActive, "the approve hook sees the approved state")
}

func TestLifecycle_HookBoundedInNumber(t *testing.T) {
	release := make(chan struct{})
	var calls atomic.Int32
	f := newFixture(t, func(c *tenancy.LifecycleConfig) {
		c.MaxConcurrentHooks = 1
		c.Hook = func(context.Context, tenancy.TransitionEvent) error { calls.Add(1); <-release; return nil }
	})
	ws := f.create(t, alice) // takes the only slot
	_, err := f.lc.Approve(ctx, operator, ws.ID, "ok")
	require.NoError(t, err, "a full hook pool skips the hook, never blocks")
	close(release)
	require.NoError(t, f.lc.Wait(ctx))
	assert.Equal(t, int32(1), calls.Load())
}

func TestLifecycle_HookTimeoutBoundsTheCall(t *testing.T) {
	done := make(chan error, 1)
	f := newFixture(t, func(c *tenancy.LifecycleConfig) {
		c.HookTimeout = time.Millisecond
		c.Hook = func(ctx context.Context, _ tenancy.TransitionEvent) error {
			<-ctx.Done()
			done <- ctx.Err()
			return ctx.Err()
		}
	})
	cctx, cancel := context.WithCancel(ctx)
	_, err := f.lc.Create(cctx, alice, tenancy.CreateRequest{Name: "A", InviteCode: betaCode})
	require.NoError(t, err)
	cancel() // the request ending does not cancel the hook; its own timeout does
	assert.ErrorIs(t, <-done, context.DeadlineExceeded)
}

func TestLifecycle_ListPagesAndFilters(t *testing.T) {
	f := newFixture(t)
	for i := range 7 {
		p := tenancy.Principal{User: tenancy.UserID(fmt.Sprintf("u-%d", i)), EmailVerified: true}
		ws, err := f.lc.Create(ctx, p, tenancy.CreateRequest{Name: fmt.Sprintf("Team %d", i), InviteCode: betaCode})
		require.NoError(t, err)
		if i%2 == 0 {
			_, err = f.lc.Approve(ctx, operator, ws.ID, "ok")
			require.NoError(t, err)
		}
		f.clock.Advance(time.Minute)
	}
	var names []string
	opts := tenancy.ListOptions{Limit: 3}
	for {
		page, err := f.lc.List(ctx, opts)
		require.NoError(t, err)
		for _, w := range page.Items {
			names = append(names, w.Name)
		}
		if page.NextCursor == "" {
			break
		}
		opts.Cursor = page.NextCursor
	}
	assert.Equal(t, []string{"Team 0", "Team 1", "Team 2", "Team 3", "Team 4", "Team 5", "Team 6"}, names)

	pending, err := f.lc.List(ctx, tenancy.ListOptions{Status: tenancy.StatusPendingApproval})
	require.NoError(t, err)
	assert.Len(t, pending.Items, 3)
	assert.Empty(t, pending.NextCursor)

	byOwner, err := f.lc.List(ctx, tenancy.ListOptions{Search: "u-4"})
	require.NoError(t, err)
	require.Len(t, byOwner.Items, 1)
	assert.Equal(t, "Team 4", byOwner.Items[0].Name)

	for name, opts := range map[string]tenancy.ListOptions{
		"bad status": {Status: "deleted"}, "limit too big": {Limit: 201}, "negative limit": {Limit: -1},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := f.lc.List(ctx, opts)
			assertCode(t, err, problem.CodeValidationFailed)
		})
	}
	_, err = f.lc.List(ctx, tenancy.ListOptions{Cursor: "not-a-cursor"})
	assertCode(t, err, problem.CodeInvalidRequest)
}

func BenchmarkLifecycle_SuspendReactivate(b *testing.B) {
	ws := memstore.NewTenancy()
	lc, err := tenancy.NewLifecycle(tenancy.LifecycleConfig{
		Workspaces: ws, OpenBeta: true, Audit: memstore.NewAudit(), Clock: &fakeClock{now: t0},
	})
	require.NoError(b, err)
	w, err := lc.Create(ctx, alice, tenancy.CreateRequest{Name: "Acme"})
	require.NoError(b, err)
	_, err = lc.Approve(ctx, operator, w.ID, "ok")
	require.NoError(b, err)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		tr := tenancy.Suspend
		if i%2 == 1 {
			tr = tenancy.Reactivate
		}
		if _, err := lc.Transition(ctx, operator, w.ID, tr, "benchmark"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLifecycle_AnnotateCannotForgeIdentities lets the host's annotator add
// request data but not rewrite who acted.
func TestLifecycle_AnnotateCannotForgeIdentities(t *testing.T) {
	f := newFixture(t, func(c *tenancy.LifecycleConfig) {
		c.Annotate = func(_ context.Context, ev *audit.Event) {
			ev.RequestID = "req-1"
			ev.Actor, ev.Impersonator, ev.Workspace, ev.Action = "u-mallory", "", "ws-other", "noop"
		}
	})
	ws := f.create(t, alice)
	evs := f.chain(t, ws.ID)
	require.Len(t, evs, 1)
	assert.Equal(t, "req-1", evs[0].RequestID)
	assert.Equal(t, string(alice.User), evs[0].Actor)
	assert.Equal(t, audit.ActionWorkspaceCreate, evs[0].Action)
}

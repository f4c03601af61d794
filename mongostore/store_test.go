package mongostore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/mfa"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/ratelimit"
	"github.com/tenantgate/tenantgate/team"
	"github.com/tenantgate/tenantgate/tenancy"
	"github.com/tenantgate/tenantgate/verify"
)

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { return c.t }

var testBase = base{timeout: time.Second}

func newTestTenancy(ws, mem, owners collection) *Tenancy {
	return newTenancy(testBase, ws, mem, owners, noTx, false, &fixedClock{t0})
}

// faults are the driver failures every operation must turn into a
// fail-closed error.
var faults = []struct {
	name string
	err  error
}{
	{"Network", errNetwork},
	{"Timeout", errTimeout},
	{"Deadline", context.DeadlineExceeded},
	{"ServerSelection", errSelection},
}

// TestFaultsFailClosed injects each fault into every operation of every
// store and asserts an error that wraps ErrUnavailable (the consumer's
// unavailable sentinel too, where it has one) and none of the sentinels
// that a caller could mistake for an answer.
func TestFaultsFailClosed(t *testing.T) {
	ctx := context.Background()
	ws := tenancy.Workspace{ID: "ws-a", OwnerID: "u-a", Status: tenancy.StatusActive, CreatedAt: t0, Version: 1}
	owner := tenancy.Membership{Workspace: "ws-a", User: "u-a", Role: tenancy.RoleOwner, CreatedAt: t0}
	ops := []struct {
		name string
		also error
		run  func(c collection) error
	}{
		{"Workspace", nil, func(c collection) error { _, err := newTestTenancy(c, c, c).Workspace(ctx, "ws-a"); return err }},
		{"CreateWorkspace", nil, func(c collection) error { return newTestTenancy(c, c, c).CreateWorkspace(ctx, ws, owner) }},
		{"UpdateWorkspace", nil, func(c collection) error { _, err := newTestTenancy(c, c, c).UpdateWorkspace(ctx, ws); return err }},
		{"ListWorkspaces", nil, func(c collection) error {
			_, err := newTestTenancy(c, c, c).ListWorkspaces(ctx, tenancy.WorkspaceQuery{Limit: 5})
			return err
		}},
		{"Membership", nil, func(c collection) error { _, err := newTestTenancy(c, c, c).Membership(ctx, "ws-a", "u-a"); return err }},
		{"AddMember", nil, func(c collection) error { return newTestTenancy(c, c, c).AddMember(ctx, owner) }},
		{"ChangeRole", nil, func(c collection) error {
			return newTestTenancy(c, c, c).ChangeRole(ctx, "ws-a", "u-a", tenancy.RoleOwner, "admin")
		}},
		{"RemoveMember", nil, func(c collection) error { return newTestTenancy(c, c, c).RemoveMember(ctx, "ws-a", "u-a") }},
		{"Members", nil, func(c collection) error { _, err := newTestTenancy(c, c, c).Members(ctx, "ws-a", "", 10); return err }},
		{"AuditAppend", audit.ErrUnavailable, func(c collection) error {
			_, err := newAudit(testBase, c).Append(ctx, audit.Event{Time: t0, Action: "x.y", Outcome: audit.OutcomeSuccess})
			return err
		}},
		{"AuditQuery", audit.ErrUnavailable, func(c collection) error {
			_, err := newAudit(testBase, c).Query(ctx, audit.Query{Workspace: "ws-a"})
			return err
		}},
		{"SubjectKey", nil, func(c collection) error {
			_, err := newSubjectKeys(testBase, c, nil).GetOrCreate(ctx, "u-a")
			return err
		}},
		{"RedeemInviteCode", nil, func(c collection) error {
			_, err := newInviteCodes(testBase, c).RedeemInviteCode(ctx, tenancy.HashInviteCode("code-code"), t0)
			return err
		}},
		{"ConsumeInvite", nil, func(c collection) error {
			_, err := newInvites(testBase, c).ConsumeInvite(ctx, team.TokenHash{1}, "u-a", t0)
			return err
		}},
		{"Role", nil, func(c collection) error { _, err := newRoles(testBase, c).Role(ctx, "ws-a", "support"); return err }},
		{"MFABeginAttempt", nil, func(c collection) error {
			_, err := newMFA(testBase, c).BeginAttempt(ctx, "u-a", t0, mfa.LockPolicy{After: 5, Backoff: time.Minute, MaxBackoff: time.Hour})
			return err
		}},
		{"MFAAcceptStep", nil, func(c collection) error { return newMFA(testBase, c).AcceptStep(ctx, "u-a", []byte("s"), 7) }},
		{"MFAUseRecoveryCode", nil, func(c collection) error {
			return newMFA(testBase, c).UseRecoveryCode(ctx, "u-a", "abcd", []byte("h"))
		}},
		{"TokenConsume", nil, func(c collection) error {
			_, err := newTokens(testBase, c).Consume(ctx, verify.Hash{1}, verify.PurposeResetPassword, t0)
			return err
		}},
		{"RateLimitTake", nil, func(c collection) error {
			_, err := newRateLimits(testBase, c).Take(ctx, "k", t0, ratelimit.PerMinute(5))
			return err
		}},
		{"RateLimitPeek", nil, func(c collection) error {
			_, err := newRateLimits(testBase, c).Peek(ctx, "k", t0, ratelimit.PerMinute(5))
			return err
		}},
	}
	for _, op := range ops {
		for _, f := range faults {
			t.Run(op.name+"/"+f.name, func(t *testing.T) {
				err := op.run(failing(f.err))
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrUnavailable)
				if op.also != nil {
					assert.ErrorIs(t, err, op.also)
				}
				for _, s := range []error{mfa.ErrNotFound, mfa.ErrConflict, mfa.ErrLocked, problem.ErrInvalidToken, tenancy.ErrNotFound, tenancy.ErrConflict, tenancy.ErrOwnerLimit, tenancy.ErrLastOwner, tenancy.ErrInviteCodeUnusable, audit.ErrKeyNotFound} {
					assert.NotErrorIs(t, err, s)
				}
			})
		}
	}
}

func TestCreateWorkspaceDuplicateKeys(t *testing.T) {
	ctx := context.Background()
	ws := tenancy.Workspace{ID: "ws-b", OwnerID: "u-a", CreatedAt: t0}
	owner := tenancy.Membership{User: "u-a", Role: tenancy.RoleOwner, CreatedAt: t0}
	cases := []struct {
		name  string
		index string
		want  error
	}{
		{"OwnerIndexIsOwnerLimit", idxOwner, tenancy.ErrOwnerLimit},
		{"IDIsConflict", "_id_", tenancy.ErrConflict},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wsColl := &fakeColl{reply: func(c call, _ int) (any, updateResult, error) {
				switch c.Op {
				case "InsertOne":
					return nil, updateResult{}, dupKey(tc.index)
				case "FindOne": // the owner's existing workspace: live, not pending
					return bson.D{{Key: "_id", Value: "ws-a"}, {Key: "ownerId", Value: "u-a"}, {Key: "version", Value: int64(1)}}, updateResult{}, nil
				}
				return nil, updateResult{}, errors.New("unexpected " + c.Op)
			}}
			mem, owners := &fakeColl{}, &fakeColl{}
			err := newTestTenancy(wsColl, mem, owners).CreateWorkspace(ctx, ws, owner)
			assert.ErrorIs(t, err, tc.want)
			assert.Empty(t, mem.ops(), "no membership written after a refused create")
			assert.Empty(t, owners.ops(), "no owner counted after a refused create")
		})
	}
}

// A failed owner-membership insert on a server without transactions
// removes the workspace again: nothing half-created stays.
func TestCreateWorkspaceCompensatesWithoutTransactions(t *testing.T) {
	ctx := context.Background()
	wsColl, owners := &fakeColl{}, &fakeColl{}
	mem := &fakeColl{reply: func(c call, _ int) (any, updateResult, error) {
		if c.Op == "InsertOne" {
			return nil, updateResult{}, errNetwork
		}
		return nil, updateResult{Matched: 1}, nil
	}}
	ws := tenancy.Workspace{ID: "ws-a", OwnerID: "u-a", CreatedAt: t0}
	err := newTestTenancy(wsColl, mem, owners).CreateWorkspace(ctx, ws, tenancy.Membership{User: "u-a", Role: tenancy.RoleOwner, CreatedAt: t0})
	assert.ErrorIs(t, err, ErrUnavailable)
	assert.Equal(t, []string{"InsertOne", "DeleteOne"}, wsColl.ops())
	assert.Equal(t, []string{"InsertOne", "DeleteOne"}, mem.ops())
	assert.Equal(t, []string{"UpdateOne"}, owners.ops(), "owner uncounted")
	assert.Equal(t, bson.D{{Key: "_id", Value: "ws-a"}, {Key: "version", Value: int64(1)}}, wsColl.calls[1].Filter)
}

// Two demotions racing for the last two owners: the guard update matches
// for the first only (the fake answers Matched 0 to the second, as the
// server does once "owners.1" no longer exists), and the loser learns
// ErrLastOwner without touching the membership.
func TestChangeRoleLastOwnerGuard(t *testing.T) {
	ctx := context.Background()
	owners := &fakeColl{reply: func(c call, _ int) (any, updateResult, error) {
		switch c.Op {
		case "UpdateOne":
			return nil, updateResult{Matched: 0}, nil
		case "FindOne":
			return bson.D{{Key: "_id", Value: "ws-a"}, {Key: "owners", Value: bson.A{"u-1"}}}, updateResult{}, nil
		}
		return nil, updateResult{}, errors.New("unexpected")
	}}
	mem := &fakeColl{reply: func(c call, _ int) (any, updateResult, error) {
		if c.Op == "FindOne" {
			return bson.D{{Key: "_id", Value: "ws-a/u-1"}, {Key: "workspace", Value: "ws-a"}, {Key: "user", Value: "u-1"}, {Key: "role", Value: "owner"}}, updateResult{}, nil
		}
		return nil, updateResult{}, errors.New("membership must not be written")
	}}
	err := newTestTenancy(&fakeColl{}, mem, owners).ChangeRole(ctx, "ws-a", "u-1", tenancy.RoleOwner, "admin")
	assert.ErrorIs(t, err, tenancy.ErrLastOwner)
	assert.Equal(t, []string{"FindOne"}, mem.ops())
	assert.Equal(t, uncountOwnerFilter("ws-a", "u-1"), owners.calls[0].Filter)
}

func TestChangeRoleWriteConflictIsConflict(t *testing.T) {
	mem := failing(errConflictTx)
	err := newTestTenancy(&fakeColl{}, mem, &fakeColl{}).ChangeRole(context.Background(), "ws-a", "u-1", "agent", "viewer")
	assert.ErrorIs(t, err, tenancy.ErrConflict)
	assert.NotErrorIs(t, err, ErrUnavailable)
}

// Audit append: a duplicate {workspace, seq} (another writer took the
// seq) re-reads the tip and links to it; the chain never forks.
func TestAuditAppendRetriesOnDuplicateSeq(t *testing.T) {
	var inserted []eventDoc
	tipHash := "ab" + string(make([]byte, 0))
	c := &fakeColl{}
	c.reply = func(cl call, n int) (any, updateResult, error) {
		switch cl.Op {
		case "Find":
			if len(c.ops()) <= 2 { // first tip read: empty chain
				return bson.A{}, updateResult{}, nil
			}
			return bson.A{bson.D{{Key: "workspace", Value: "ws-a"}, {Key: "seq", Value: int64(1)}, {Key: "hash", Value: tipHash}}}, updateResult{}, nil
		case "InsertOne":
			d := cl.Update.(eventDoc)
			inserted = append(inserted, d)
			if d.Seq == 1 {
				return nil, updateResult{}, dupKey(idxAuditSeq)
			}
			return nil, updateResult{}, nil
		}
		return nil, updateResult{}, errors.New("unexpected " + cl.Op)
	}
	got, err := newAudit(testBase, c).Append(context.Background(), audit.Event{Time: t0, Workspace: "ws-a", Action: "x.y", Outcome: audit.OutcomeSuccess})
	require.NoError(t, err)
	assert.Equal(t, uint64(2), got.Seq)
	assert.Equal(t, tipHash, got.PrevHash)
	assert.Equal(t, audit.HashOf(got), got.Hash)
	assert.Equal(t, []string{"Find", "InsertOne", "Find", "InsertOne"}, c.ops())
	require.Len(t, inserted, 2)
}

func TestAuditAppendGivesUpUnderEndlessContention(t *testing.T) {
	c := &fakeColl{reply: func(cl call, _ int) (any, updateResult, error) {
		if cl.Op == "Find" {
			return bson.A{}, updateResult{}, nil
		}
		return nil, updateResult{}, dupKey(idxAuditSeq)
	}}
	_, err := newAudit(testBase, c).Append(context.Background(), audit.Event{Time: t0, Action: "x.y", Outcome: audit.OutcomeSuccess})
	assert.ErrorIs(t, err, audit.ErrUnavailable)
	assert.Len(t, c.ops(), 2*maxAppendAttempts)
}

// The audit store has no update or delete path: appending, querying and
// reading the chain send only finds and inserts.
func TestAuditIsInsertOnly(t *testing.T) {
	c := &fakeColl{reply: func(cl call, _ int) (any, updateResult, error) {
		if cl.Op == "Find" {
			return bson.A{}, updateResult{}, nil
		}
		return nil, updateResult{}, nil
	}}
	a := newAudit(testBase, c)
	ctx := context.Background()
	_, err := a.Append(ctx, audit.Event{Time: t0, Action: "x.y", Outcome: audit.OutcomeSuccess})
	require.NoError(t, err)
	_, err = a.Query(ctx, audit.Query{})
	require.NoError(t, err)
	_, err = a.Chain(ctx, "", 0, 0)
	require.NoError(t, err)
	for _, op := range c.ops() {
		assert.Contains(t, []string{"Find", "InsertOne"}, op)
	}
}

func TestRedeemInviteCodeMissIsUnusable(t *testing.T) {
	c := &fakeColl{reply: func(call, int) (any, updateResult, error) { return nil, updateResult{}, nil }}
	_, err := newInviteCodes(testBase, c).RedeemInviteCode(context.Background(), tenancy.HashInviteCode("code-code"), t0)
	assert.ErrorIs(t, err, tenancy.ErrInviteCodeUnusable)
	assert.Equal(t, []string{"FindOneAndUpdate"}, c.ops(), "one round trip")
}

func TestRateLimitTakeIsOneCommand(t *testing.T) {
	c := &fakeColl{reply: func(cl call, _ int) (any, updateResult, error) {
		return bson.D{{Key: "_id", Value: "k"}, {Key: "hitsNs", Value: bson.A{t0.UnixNano() - int64(time.Second), t0.UnixNano()}}, {Key: "admitted", Value: true}}, updateResult{}, nil
	}}
	st, err := newRateLimits(testBase, c).Take(context.Background(), "k", t0, ratelimit.PerMinute(5))
	require.NoError(t, err)
	assert.Equal(t, ratelimit.State{Admitted: true, Count: 2, Oldest: t0.Add(-time.Second)}, st)
	require.Equal(t, []string{"FindOneAndUpdate"}, c.ops())
	assert.True(t, c.calls[0].Upsert)
	assert.Equal(t, bson.D{{Key: "_id", Value: "k"}}, c.calls[0].Filter)
}

func TestRateLimitInvalidLimitSendsNothing(t *testing.T) {
	c := &fakeColl{}
	_, err := newRateLimits(testBase, c).Take(context.Background(), "k", t0, ratelimit.Limit{})
	assert.Error(t, err)
	assert.Empty(t, c.ops())
}

func TestContextWithoutDeadlineGetsOperationTimeout(t *testing.T) {
	var deadline time.Time
	var ok bool
	c := &ctxColl{fn: func(ctx context.Context) { deadline, ok = ctx.Deadline() }}
	_, _ = newTestTenancy(c, c, c).Membership(context.Background(), "ws-a", "u-a")
	require.True(t, ok, "every command carries a deadline")
	assert.False(t, deadline.IsZero())
}

// ctxColl reports the context each command gets.
type ctxColl struct {
	fakeColl
	fn func(context.Context)
}

func (c *ctxColl) FindOne(ctx context.Context, _ any, _ any) error {
	c.fn(ctx)
	return errNoDocument
}

func TestConsumeInviteFilterEncodesPending(t *testing.T) {
	f := consumeFilter(team.TokenHash{}, time.UnixMilli(9000).UTC())
	assert.Equal(t, bson.E{Key: "acceptedAt", Value: nil}, f[1], "not accepted")
	assert.Equal(t, bson.E{Key: "revokedAt", Value: nil}, f[2], "not revoked")
	assert.Equal(t, bson.E{Key: "expiresAt", Value: bson.D{{Key: "$gt", Value: time.UnixMilli(9000).UTC()}}}, f[3], "expires after now")
}

// TestAdvisory_TOTPReplayIsInTheFilter: the replay check is part of the
// update's filter (lastStep < step, with the seed and enabled), so a
// replayed code can never match, and a miss is a conflict.
func TestAdvisory_TOTPReplayIsInTheFilter(t *testing.T) {
	c := &fakeColl{reply: func(cl call, _ int) (any, updateResult, error) {
		if cl.Op == "FindOne" {
			return bson.D{{Key: "_id", Value: "u-a"}, {Key: "enabled", Value: true}, {Key: "lastStep", Value: int64(7)}}, updateResult{}, nil
		}
		return nil, updateResult{Matched: 0}, nil
	}}
	err := newMFA(testBase, c).AcceptStep(context.Background(), "u-a", []byte("seed"), 7)
	assert.ErrorIs(t, err, mfa.ErrConflict)
	assert.Equal(t, bson.D{
		{Key: "_id", Value: "u-a"}, {Key: "enabled", Value: true}, {Key: "seed", Value: []byte("seed")},
		{Key: "lastStep", Value: bson.D{{Key: "$lt", Value: int64(7)}}},
	}, c.calls[0].Filter)
}

func TestBeginAttemptLockedAnswersLockedWithRecord(t *testing.T) {
	c := &fakeColl{reply: func(cl call, _ int) (any, updateResult, error) {
		if cl.Op == "FindOne" {
			return bson.D{{Key: "_id", Value: "u-a"}, {Key: "failures", Value: 5}, {Key: "lockedUntil", Value: t0.Add(time.Minute)}}, updateResult{}, nil
		}
		return nil, updateResult{}, nil // the unlocked filter missed
	}}
	st, err := newMFA(testBase, c).BeginAttempt(context.Background(), "u-a", t0, mfa.LockPolicy{After: 5, Backoff: time.Minute, MaxBackoff: time.Hour})
	assert.ErrorIs(t, err, mfa.ErrLocked)
	assert.Equal(t, 5, st.Failures)
	assert.Equal(t, []string{"FindOneAndUpdate", "FindOne"}, c.ops())
}

func TestBeginAttemptPipelineShape(t *testing.T) {
	p := beginAttemptPipeline(time.UnixMilli(1000), mfa.LockPolicy{After: 5, Backoff: time.Second, MaxBackoff: time.Minute})
	assert.JSONEq(t, `{"v":[`+
		`{"$set":{"failures":{"$add":[{"$ifNull":["$failures",0]},1]}}},`+
		`{"$set":{"lockedUntil":{"$cond":[`+
		`{"$and":[true,{"$eq":[{"$mod":["$failures",5]},0]}]},`+
		`{"$toDate":{"$add":[1000,{"$min":[{"$multiply":[1000,{"$pow":[2,{"$min":[{"$subtract":[{"$trunc":{"$divide":["$failures",5]}},1]},40]}]}]},60000]}]}},`+
		`"$lockedUntil"]}}}]}`, canon(t, p))
}

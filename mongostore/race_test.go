package mongostore

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/mfa"
	"github.com/tenantgate/tenantgate/ratelimit"
	"github.com/tenantgate/tenantgate/tenancy"
)

// dupThen answers the first `dups` calls with a duplicate key on _id (the
// loser of an upsert race) and later ones with doc.
func dupThen(dups int, doc any) *fakeColl {
	return &fakeColl{reply: func(_ call, n int) (any, updateResult, error) {
		if n <= dups {
			return nil, updateResult{}, dupKey("_id_")
		}
		return doc, updateResult{Matched: 1}, nil
	}}
}

// TestAdvisory_RateLimitFirstHitRace: two first decisions for a new key
// race; the loser's upsert fails with 11000. Take sends the same command
// once more, which finds the winner's document and decides against it:
// the loser is counted like any later hit, and its answer is the server's.
func TestAdvisory_RateLimitFirstHitRace(t *testing.T) {
	now := t0.Add(123456 * time.Nanosecond)
	winner := bson.D{{Key: "_id", Value: "k"}, {Key: "hitsNs", Value: bson.A{now.UnixNano()}}, {Key: "admitted", Value: false}}
	c := dupThen(1, winner)
	st, err := newRateLimits(testBase, c).Take(context.Background(), "k", now, ratelimit.Limit{N: 1, Window: time.Minute})
	require.NoError(t, err)
	assert.False(t, st.Admitted, "the loser of the race is not admitted beyond N")
	assert.Equal(t, 1, st.Count)
	assert.Equal(t, now.UTC(), st.Oldest, "nanoseconds kept")
	require.Equal(t, []string{"FindOneAndUpdate", "FindOneAndUpdate"}, c.ops())
	assert.Equal(t, c.calls[0], c.calls[1], "the retry is the same command")
	assert.True(t, c.calls[1].Upsert)
}

func TestRateLimitSecondDuplicateFailsClosed(t *testing.T) {
	c := dupThen(2, nil)
	_, err := newRateLimits(testBase, c).Take(context.Background(), "k", t0, ratelimit.PerMinute(5))
	assert.ErrorIs(t, err, ErrUnavailable)
	assert.Len(t, c.ops(), 2, "one retry, no loop")
}

func TestRateLimitTimeOutsideNanosecondsRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		at   time.Time
	}{{"Zero", time.Time{}}, {"Year3000", time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)}} {
		t.Run(tc.name, func(t *testing.T) {
			c := &fakeColl{}
			_, err := newRateLimits(testBase, c).Take(context.Background(), "k", tc.at, ratelimit.PerMinute(5))
			assert.Error(t, err)
			_, err = newRateLimits(testBase, c).Peek(context.Background(), "k", tc.at, ratelimit.PerMinute(5))
			assert.Error(t, err)
			assert.Empty(t, c.ops(), "nothing sent")
		})
	}
}

func TestPutPendingFirstEnrolmentRace(t *testing.T) {
	cases := []struct {
		name string
		dups int
		want error
	}{
		{"LoserRetriesAndReplacesPending", 1, nil},
		{"EnabledRecordIsConflict", 2, mfa.ErrConflict},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dupThen(tc.dups, nil)
			err := newMFA(testBase, c).PutPending(context.Background(), "u-a", []byte("sealed"))
			if tc.want == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tc.want)
				assert.NotErrorIs(t, err, ErrUnavailable)
			}
			require.Equal(t, []string{"UpdateOne", "UpdateOne"}, c.ops())
			assert.Equal(t, c.calls[0], c.calls[1])
		})
	}
}

// The owners guard is created by an upsert that two first owners may race
// for: the loser's 11000 is retried, never reported as a conflict.
func TestCountOwnerUpsertRace(t *testing.T) {
	owners := dupThen(1, nil)
	err := newTestTenancy(&fakeColl{}, &fakeColl{}, owners).AddMember(context.Background(),
		tenancy.Membership{Workspace: "ws-a", User: "u-b", Role: tenancy.RoleOwner, CreatedAt: t0})
	require.NoError(t, err)
	assert.Equal(t, []string{"UpdateOne", "UpdateOne"}, owners.ops())
}

func TestSubjectKeyUpsertRaceRereads(t *testing.T) {
	key := make([]byte, audit.KeySize)
	key[0] = 7
	c := &fakeColl{reply: func(cl call, _ int) (any, updateResult, error) {
		if cl.Op == "FindOneAndUpdate" {
			return nil, updateResult{}, dupKey("_id_")
		}
		return bson.D{{Key: "_id", Value: "u-a"}, {Key: "key", Value: key}}, updateResult{}, nil
	}}
	got, err := newSubjectKeys(testBase, c, nil).GetOrCreate(context.Background(), "u-a")
	require.NoError(t, err)
	assert.Equal(t, key, got, "the winner's key, never a second one")
	assert.Equal(t, []string{"FindOneAndUpdate", "FindOne"}, c.ops())
}

// TestAuditQueryBoundsRoundUp: stored event times are whole milliseconds;
// a bound with nanoseconds is rounded up so that From stays inclusive and
// To exclusive for every stored time (the driver alone would truncate).
func TestAuditQueryBoundsRoundUp(t *testing.T) {
	base := time.Date(2025, 3, 4, 5, 6, 7, 891_000_000, time.UTC)
	cases := []struct {
		name     string
		from, to time.Time
		wantFrom time.Time
		wantTo   time.Time
	}{
		{"Aligned", base, base.Add(time.Second), base, base.Add(time.Second)},
		{"Nanoseconds", base.Add(234_567), base.Add(time.Second + 1), base.Add(time.Millisecond), base.Add(time.Second + time.Millisecond)},
		{"OtherZone", base.Add(1).In(time.FixedZone("X", 3600)), time.Time{}, base.Add(time.Millisecond), time.Time{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := queryFilter(audit.Query{Workspace: "ws", From: tc.from, To: tc.to}, 0)
			var tr bson.D
			for _, e := range f {
				if e.Key == "time" {
					tr = e.Value.(bson.D)
				}
			}
			want := bson.D{{Key: "$gte", Value: tc.wantFrom}}
			if !tc.to.IsZero() {
				want = append(want, bson.E{Key: "$lt", Value: tc.wantTo})
			}
			assert.Equal(t, want, tr)
			for _, e := range tr {
				assert.Equal(t, time.UTC, e.Value.(time.Time).Location())
			}
		})
	}
}

func TestListFilterCursorWithNanoseconds(t *testing.T) {
	at := time.UnixMilli(7000).UTC().Add(500 * time.Microsecond)
	f := listFilter(tenancy.WorkspaceQuery{AfterCreatedAt: at, AfterID: "ws-b"})
	assert.JSONEq(t, `{"v":{"$and":[{"createdAt":{"$gte":{"$date":"1970-01-01T00:00:07.001Z"}}}]}}`, canon(t, f))
}

func TestBeginAttemptPipelineRounding(t *testing.T) {
	lockArgs := func(t *testing.T, p bson.A) (locks any, nowMS, backoffMS, maxMS int64) {
		t.Helper()
		raw, err := bson.Marshal(bson.D{{Key: "p", Value: p}})
		require.NoError(t, err)
		cond := bson.Raw(raw).Lookup("p", "1", "$set", "lockedUntil", "$cond")
		locks = cond.Array().Index(0).Document().Lookup("$and", "0").Boolean()
		add := cond.Array().Index(1).Document().Lookup("$toDate", "$add")
		nowMS = add.Array().Index(0).Int64()
		backoffMS = add.Array().Index(1).Document().Lookup("$min", "0", "$multiply", "0").Int64()
		maxMS = add.Array().Index(1).Document().Lookup("$min", "1").Int64()
		return
	}
	policy := mfa.LockPolicy{After: 5, Backoff: 1500 * time.Microsecond, MaxBackoff: time.Minute + time.Nanosecond}
	locks, nowMS, backoffMS, maxMS := lockArgs(t, beginAttemptPipeline(time.UnixMilli(1000).Add(time.Nanosecond), policy))
	assert.Equal(t, true, locks)
	assert.Equal(t, int64(1001), nowMS, "now rounded up: the lock never ends early")
	assert.Equal(t, int64(2), backoffMS)
	assert.Equal(t, int64(60_001), maxMS)

	locks, nowMS, _, _ = lockArgs(t, beginAttemptPipeline(time.UnixMilli(1000), mfa.LockPolicy{After: 5}))
	assert.Equal(t, false, locks, "no backoff, no lock (LockFor is zero)")
	assert.Equal(t, int64(1000), nowMS)
}

func TestCreateIndexesConflictIsNotAnOutage(t *testing.T) {
	for _, code := range []int32{codeIndexOptionsConflict, codeIndexKeySpecsConflict} {
		err := createIndexesErr("ratelimits", mongo.CommandError{Code: code, Name: "IndexOptionsConflict", Message: "An equivalent index already exists with a different name and options"})
		assert.ErrorIs(t, err, ErrIndexConflict)
		assert.NotErrorIs(t, err, ErrUnavailable, "retrying does not help")
		assert.Contains(t, err.Error(), "ratelimits")
	}
	err := createIndexesErr("ratelimits", errNetwork)
	assert.ErrorIs(t, err, ErrUnavailable)
	assert.NotErrorIs(t, err, ErrIndexConflict)
}

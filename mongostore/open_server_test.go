package mongostore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tenantgate/tenantgate/mongostore"
	"github.com/tenantgate/tenantgate/ratelimit"
)

// TestMongoOpenCreatesIndexesIdempotently: many instances opening one
// database at once all succeed (createIndexes with an identical
// specification is a no-op or joins the build in progress), and the
// indexes on the server are exactly Indexes(): names, keys, uniqueness,
// TTL with expireAfterSeconds 0.
func TestMongoOpenCreatesIndexesIdempotently(t *testing.T) {
	c := connect(t, nil)
	db := freshDB(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := mongostore.Open(ctx, db)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	_, err := mongostore.Open(ctx, db)
	require.NoError(t, err, "and once more, sequentially")

	type spec struct {
		Name               string `bson:"name"`
		Key                bson.D `bson:"key"`
		Unique             bool   `bson:"unique"`
		ExpireAfterSeconds *int64 `bson:"expireAfterSeconds"`
	}
	for _, want := range mongostore.Indexes() {
		cur, err := db.Collection(want.Collection).Indexes().List(ctx)
		require.NoError(t, err)
		var got []spec
		require.NoError(t, cur.All(ctx, &got))
		var found *spec
		for i := range got {
			if got[i].Name == want.Name {
				found = &got[i]
			}
		}
		require.NotNil(t, found, "%s.%s", want.Collection, want.Name)
		assert.Equal(t, canonKeys(want.Keys), canonKeys(found.Key), want.Name)
		assert.Equal(t, want.Unique, found.Unique, want.Name)
		if want.TTL {
			require.NotNil(t, found.ExpireAfterSeconds, want.Name)
			assert.Equal(t, int64(0), *found.ExpireAfterSeconds, want.Name)
		} else {
			assert.Nil(t, found.ExpireAfterSeconds, want.Name)
		}
	}
}

// canonKeys renders a key pattern with numeric directions compared as
// numbers (the server may answer 1 as int32 or double).
func canonKeys(d bson.D) string {
	s := ""
	for _, e := range d {
		s += fmt.Sprintf("%s:%v,", e.Key, e.Value)
	}
	return s
}

// An index that exists with another specification (here a TTL index
// created by hand with another expireAfterSeconds) makes Open fail with
// ErrIndexConflict, not ErrUnavailable.
func TestMongoOpenIndexConflict(t *testing.T) {
	c := connect(t, nil)
	db := freshDB(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := db.Collection(mongostore.CollRateLimits).Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "expiresAt", Value: 1}},
		Options: options.Index().SetName("expiresAt_1").SetExpireAfterSeconds(60),
	})
	require.NoError(t, err)
	_, err = mongostore.Open(ctx, db)
	require.Error(t, err)
	assert.ErrorIs(t, err, mongostore.ErrIndexConflict)
	assert.NotErrorIs(t, err, mongostore.ErrUnavailable)
}

// TestMongoRateLimitFirstHitRace: for many new keys, concurrent first
// decisions at the same instant race to create the key's document. Per
// key exactly N are admitted and no call fails (the duplicate-key loser of
// each upsert is retried by the server or by Take).
func TestMongoRateLimitFirstHitRace(t *testing.T) {
	c := connect(t, nil)
	s := freshStores(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const keys, callers, n = 40, 12, 3
	now := time.Date(2031, 1, 2, 3, 4, 5, 678_901_234, time.UTC)
	l := ratelimit.Limit{N: n, Window: time.Minute}
	var admitted [keys]atomic.Int64
	var failures atomic.Int64
	start := make(chan struct{})
	var wg sync.WaitGroup
	for k := range keys {
		for range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				st, err := s.RateLimits.Take(ctx, fmt.Sprintf("race:%d", k), now, l)
				if err != nil {
					failures.Add(1)
					return
				}
				if st.Admitted {
					admitted[k].Add(1)
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	assert.Zero(t, failures.Load(), "no decision fails on the upsert race")
	for k := range keys {
		assert.Equal(t, int64(n), admitted[k].Load(), "key %d", k)
	}
	st, err := s.RateLimits.Peek(ctx, "race:0", now, l)
	require.NoError(t, err)
	assert.Equal(t, now, st.Oldest, "hit times keep their nanoseconds")
}

package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tenantgate/tenantgate/ratelimit"
)

// CollRateLimits holds one sliding log per rate-limit key.
const CollRateLimits = "ratelimits"

// rateDoc is one key's sliding log as stored: _id is the key, Hits the
// admitted hit times in Unix milliseconds sorted ascending (at most the
// limit's N of them), Admitted the outcome of the last Take, ExpiresAt the
// instant from which every hit has left the window (TTL index: the server
// deletes the document about a minute after that; no decision depends on
// it).
//
// Size per key: about 60 bytes + the key + 13 bytes per hit held (a BSON
// array element: type, decimal index, int64), so a 100-per-minute limit
// on a 40-byte key is about 1.4 KB at most, plus its _id and TTL index
// entries.
type rateDoc struct {
	Key       string    `bson:"_id"`
	Hits      []int64   `bson:"hits"`
	Admitted  bool      `bson:"admitted"`
	ExpiresAt time.Time `bson:"expiresAt"`
}

// RateLimits is the rate limiter's store (ratelimit.Store) in
// CollRateLimits: every decision is one findOneAndUpdate on the key's
// document.
type RateLimits struct {
	base
	c collection
}

var _ ratelimit.Store = (*RateLimits)(nil)

func newRateLimits(b base, c collection) *RateLimits { return &RateLimits{base: b, c: c} }

// takePipeline is the update pipeline (MongoDB 6.0+: $sortArray is 5.2+)
// of one decision for a hit at nowMS under limit:
//
//  1. kept = the stored hits later than nowMS−Window ($filter; a missing
//     array, on upsert, is empty), sorted, the newest N ($slice −N) — so a
//     shrunken limit keeps the newest N;
//  2. admitted = size(kept) < N;
//  3. hits = admitted ? sort(kept + [nowMS]) : kept — a hit stamped before
//     a stored one (two callers' clocks read in the other order) takes its
//     sorted place;
//  4. expiresAt = max(nowMS, newest hit) + Window, the TTL field.
//
// Every stage reads the output of the one before, and the whole pipeline
// is applied by one findAndModify to one document, which MongoDB executes
// atomically (a concurrent write to the document makes the server retry
// the command against the new version). So the check "fewer than N hits
// in the window" and the append are one step for every process sharing
// the database: no window ever holds more than N admitted hits.
func takePipeline(nowMS, windowMS int64, n int) bson.A {
	cut := nowMS - windowMS
	return bson.A{
		bson.D{{Key: "$set", Value: bson.D{{Key: "_kept", Value: bson.D{{Key: "$slice", Value: bson.A{
			bson.D{{Key: "$sortArray", Value: bson.D{
				{Key: "input", Value: bson.D{{Key: "$filter", Value: bson.D{
					{Key: "input", Value: bson.D{{Key: "$ifNull", Value: bson.A{"$hits", bson.A{}}}}},
					{Key: "cond", Value: bson.D{{Key: "$gt", Value: bson.A{"$$this", cut}}}},
				}}}},
				{Key: "sortBy", Value: 1},
			}}},
			-n,
		}}}}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "admitted", Value: bson.D{{Key: "$lt", Value: bson.A{bson.D{{Key: "$size", Value: "$_kept"}}, n}}}}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "hits", Value: bson.D{{Key: "$cond", Value: bson.A{
			"$admitted",
			bson.D{{Key: "$sortArray", Value: bson.D{
				{Key: "input", Value: bson.D{{Key: "$concatArrays", Value: bson.A{"$_kept", bson.A{nowMS}}}}},
				{Key: "sortBy", Value: 1},
			}}},
			"$_kept",
		}}}}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$toDate", Value: bson.D{{Key: "$add", Value: bson.A{
			bson.D{{Key: "$max", Value: bson.A{nowMS, bson.D{{Key: "$last", Value: "$hits"}}}}},
			windowMS,
		}}}}}}}}},
		bson.D{{Key: "$unset", Value: "_kept"}},
	}
}

// state reads the State of hits (sorted) at nowMS under limit: the hits in
// the window, at most the newest N.
func state(hits []int64, nowMS, windowMS int64, n int, admitted bool) ratelimit.State {
	cut := nowMS - windowMS
	first := len(hits)
	for first > 0 && hits[first-1] > cut && len(hits)-first < n {
		first--
	}
	in := hits[first:]
	if len(in) == 0 {
		return ratelimit.State{Admitted: admitted}
	}
	return ratelimit.State{Admitted: admitted, Count: len(in), Oldest: time.UnixMilli(in[0]).UTC()}
}

// Take implements ratelimit.Store: one findOneAndUpdate({_id: key},
// takePipeline, upsert, returnDocument after) — one round trip. Two
// upserts that race to create a new key's document may see a duplicate
// key error on _id; the server retries such upserts itself (MongoDB 4.2+)
// and Take once more.
func (s *RateLimits) Take(ctx context.Context, key string, now time.Time, limit ratelimit.Limit) (ratelimit.State, error) {
	if err := limit.Validate(); err != nil {
		return ratelimit.State{}, err
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	nowMS, windowMS := now.UnixMilli(), limit.Window.Milliseconds()
	filter := bson.D{{Key: "_id", Value: key}}
	update := takePipeline(nowMS, windowMS, limit.N)
	var d rateDoc
	err := s.c.FindOneAndUpdate(ctx, filter, update, true, &d)
	if classify(err) == failDuplicate {
		err = s.c.FindOneAndUpdate(ctx, filter, update, true, &d)
	}
	if err != nil {
		return ratelimit.State{}, unavailable("rate limit take", err)
	}
	return state(d.Hits, nowMS, windowMS, limit.N, d.Admitted), nil
}

// Peek implements ratelimit.Store: one find on _id; the window is applied
// to the stored hits with the caller's now.
func (s *RateLimits) Peek(ctx context.Context, key string, now time.Time, limit ratelimit.Limit) (ratelimit.State, error) {
	if err := limit.Validate(); err != nil {
		return ratelimit.State{}, err
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var d rateDoc
	err := s.c.FindOne(ctx, bson.D{{Key: "_id", Value: key}}, &d)
	if classify(err) == failNoDocument {
		return ratelimit.State{}, nil
	}
	if err != nil {
		return ratelimit.State{}, unavailable("rate limit peek", err)
	}
	return state(d.Hits, now.UnixMilli(), limit.Window.Milliseconds(), limit.N, false), nil
}

// Reset implements ratelimit.Store: one deleteOne on _id.
func (s *RateLimits) Reset(ctx context.Context, key string) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	if _, err := s.c.DeleteOne(ctx, bson.D{{Key: "_id", Value: key}}); err != nil {
		return unavailable("rate limit reset", err)
	}
	return nil
}

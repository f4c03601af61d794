package mongostore

import (
	"context"
	"fmt"
	"math"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tenantgate/tenantgate/ratelimit"
)

// CollRateLimits holds one sliding log per rate-limit key.
const CollRateLimits = "ratelimits"

// rateDoc is one key's sliding log as stored: _id is the key, HitsNs the
// admitted hit times in Unix nanoseconds sorted ascending (at most the
// limit's N of them), Admitted the outcome of the last Take, ExpiresAt an
// instant after which every hit has left the window (TTL index: the server
// deletes the document about a minute after that; no decision depends on
// it).
//
// Hits are int64 nanoseconds, not BSON dates: a BSON date keeps only
// milliseconds, and a hit stored up to 1 ms early would leave the window up
// to 1 ms early, admitting N+1 hits in a span just under the window. With
// nanoseconds every decision is the same as memstore's, to the
// nanosecond. (Hits were once stored in milliseconds under "hits"; the new
// name keeps an instance of either version from misreading the other's
// numbers, and the pipeline drops the old field.)
//
// Size per key: about 70 bytes + the key + 13 bytes per hit held (a BSON
// array element: type, decimal index, int64), so a 100-per-minute limit
// on a 40-byte key is about 1.4 KB at most, plus its _id and TTL index
// entries.
type rateDoc struct {
	Key       string    `bson:"_id"`
	HitsNs    []int64   `bson:"hitsNs"`
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

// rateTTLSlack is added to a key's expiresAt. The TTL monitor compares
// expiresAt with the server's clock while hits carry the callers' clocks;
// the slack keeps a document alive while any caller whose clock is behind
// the server's by up to this much still counts its hits (without it, a
// server clock ahead of the application's would let the monitor forget a
// key's hits early and admit up to N more). Idle keys live this much
// longer.
const rateTTLSlack = 5 * time.Minute

// takePipeline is the update pipeline (MongoDB 5.2+ for $sortArray; the
// backend supports 6.0+) of one decision for a hit at nowNs under a limit
// of n hits per windowNs:
//
//  1. _kept = the stored hits later than nowNs−windowNs ($filter; the
//     window is half-open, (now−W, now]; a missing array, on upsert, is
//     empty), sorted ($sortArray), the newest n ($slice −n) — so a
//     shrunken limit keeps the newest n;
//  2. admitted = size(_kept) < n;
//  3. hitsNs = admitted ? sort(_kept + [nowNs]) : _kept — a hit stamped
//     before a stored one (two callers' clocks read in the other order)
//     takes its sorted place;
//  4. expiresAt = (max(nowNs, newest hit) + windowNs) as a date, plus
//     rateTTLSlack: the TTL field;
//  5. drop _kept and the field of the old millisecond format.
//
// Every stage reads the output of the one before, and the whole pipeline
// is applied by one findAndModify to one document. MongoDB applies a write
// to a single document atomically (a concurrent write to the same
// document makes the server retry the statement against the new
// version), so the check "fewer than n hits in the window" and the append
// are one step for every process sharing the database: no window ever
// holds more than n admitted hits. Values are BSON numbers built here, not
// strings, so nothing the caller controls is ever read as a field path
// ("$…"); the key is only compared in the filter.
func takePipeline(nowNs, windowNs int64, n int) bson.A {
	cut := nowNs - windowNs
	expiresMS := bson.D{{Key: "$add", Value: bson.A{
		bson.D{{Key: "$divide", Value: bson.A{
			bson.D{{Key: "$max", Value: bson.A{nowNs, bson.D{{Key: "$last", Value: "$hitsNs"}}}}},
			int64(time.Millisecond),
		}}},
		(time.Duration(windowNs) + rateTTLSlack).Milliseconds(),
	}}}
	return bson.A{
		bson.D{{Key: "$set", Value: bson.D{{Key: "_kept", Value: bson.D{{Key: "$slice", Value: bson.A{
			bson.D{{Key: "$sortArray", Value: bson.D{
				{Key: "input", Value: bson.D{{Key: "$filter", Value: bson.D{
					{Key: "input", Value: bson.D{{Key: "$ifNull", Value: bson.A{"$hitsNs", bson.A{}}}}},
					{Key: "cond", Value: bson.D{{Key: "$gt", Value: bson.A{"$$this", cut}}}},
				}}}},
				{Key: "sortBy", Value: 1},
			}}},
			-n,
		}}}}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "admitted", Value: bson.D{{Key: "$lt", Value: bson.A{bson.D{{Key: "$size", Value: "$_kept"}}, n}}}}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "hitsNs", Value: bson.D{{Key: "$cond", Value: bson.A{
			"$admitted",
			bson.D{{Key: "$sortArray", Value: bson.D{
				{Key: "input", Value: bson.D{{Key: "$concatArrays", Value: bson.A{"$_kept", bson.A{nowNs}}}}},
				{Key: "sortBy", Value: 1},
			}}},
			"$_kept",
		}}}}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$toDate", Value: expiresMS}}}}}},
		bson.D{{Key: "$unset", Value: bson.A{"_kept", "hits"}}},
	}
}

// state reads the State of hits (sorted, Unix nanoseconds) at nowNs under
// a limit of n per windowNs: the hits in the window, at most the newest n.
func state(hits []int64, nowNs, windowNs int64, n int, admitted bool) ratelimit.State {
	cut := nowNs - windowNs
	first := len(hits)
	for first > 0 && hits[first-1] > cut && len(hits)-first < n {
		first--
	}
	in := hits[first:]
	if len(in) == 0 {
		return ratelimit.State{Admitted: admitted}
	}
	return ratelimit.State{Admitted: admitted, Count: len(in), Oldest: time.Unix(0, in[0]).UTC()}
}

// Unix nanoseconds hold the years 1678 to 2262; a time outside (such as
// the zero time, a caller's bug) is refused rather than wrapped around.
var (
	minRateTime = time.Unix(0, math.MinInt64).Add(ratelimit.MaxWindow)
	maxRateTime = time.Unix(0, math.MaxInt64)
)

func rateNanos(now time.Time) (int64, error) {
	if now.Before(minRateTime) || now.After(maxRateTime) {
		return 0, fmt.Errorf("mongostore: rate limit: time %v outside the range of Unix nanoseconds", now)
	}
	return now.UnixNano(), nil
}

// Take implements ratelimit.Store: one findOneAndUpdate({_id: key},
// takePipeline, upsert, returnDocument after) — one round trip.
//
// Two first decisions for a new key at the same instant both miss the
// filter and both try to insert; the unique _id admits one insert and the
// other fails with a duplicate-key error (11000). The manual's
// "upsert with duplicate values" rules make the server retry that upsert
// as an update itself (the filter is one equality on the unique _id, the
// statement is single-document and the pipeline does not modify _id), and
// Take retries once more on 11000 (the documented client-side pattern,
// for servers or paths that return it): the retry finds the winner's
// document and runs the same pipeline against it, so the loser is counted
// like any later caller — never admitted beyond N, never an unmapped
// error. A second 11000 (the document deleted by Reset between the two
// attempts and re-created by a third caller) fails closed with
// ErrUnavailable.
func (s *RateLimits) Take(ctx context.Context, key string, now time.Time, limit ratelimit.Limit) (ratelimit.State, error) {
	if err := limit.Validate(); err != nil {
		return ratelimit.State{}, err
	}
	nowNs, err := rateNanos(now)
	if err != nil {
		return ratelimit.State{}, err
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	windowNs := limit.Window.Nanoseconds()
	filter := bson.D{{Key: "_id", Value: key}}
	update := takePipeline(nowNs, windowNs, limit.N)
	var d rateDoc
	err = s.c.FindOneAndUpdate(ctx, filter, update, true, &d)
	if classify(err) == failDuplicate {
		err = s.c.FindOneAndUpdate(ctx, filter, update, true, &d)
	}
	if err != nil {
		return ratelimit.State{}, unavailable("rate limit take", err)
	}
	return state(d.HitsNs, nowNs, windowNs, limit.N, d.Admitted), nil
}

// Peek implements ratelimit.Store: one find on _id; the window is applied
// to the stored hits with the caller's now.
func (s *RateLimits) Peek(ctx context.Context, key string, now time.Time, limit ratelimit.Limit) (ratelimit.State, error) {
	if err := limit.Validate(); err != nil {
		return ratelimit.State{}, err
	}
	nowNs, err := rateNanos(now)
	if err != nil {
		return ratelimit.State{}, err
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var d rateDoc
	err = s.c.FindOne(ctx, bson.D{{Key: "_id", Value: key}}, &d)
	if classify(err) == failNoDocument {
		return ratelimit.State{}, nil
	}
	if err != nil {
		return ratelimit.State{}, unavailable("rate limit peek", err)
	}
	return state(d.HitsNs, nowNs, limit.Window.Nanoseconds(), limit.N, false), nil
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

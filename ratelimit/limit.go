package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// MaxWindow is the longest window a Limit may have.
const MaxWindow = 366 * 24 * time.Hour

// MaxLimitN is the largest number of hits a Limit may admit per window.
// A sliding log keeps one timestamp per admitted hit, so N bounds the
// memory of one key (8 bytes per hit in memstore).
const MaxLimitN = 1 << 16

// Limit admits at most N hits in any rolling window of length Window. The
// zero Limit is invalid: "no limit" is never the default.
type Limit struct {
	N      int
	Window time.Duration
}

// PerHour returns a Limit of n hits per rolling hour.
func PerHour(n int) Limit { return Limit{N: n, Window: time.Hour} }

// PerMinute returns a Limit of n hits per rolling minute.
func PerMinute(n int) Limit { return Limit{N: n, Window: time.Minute} }

// Validate reports whether l is usable: 1 ≤ N ≤ MaxLimitN and a Window
// from one millisecond (the precision every store keeps) to MaxWindow.
func (l Limit) Validate() error {
	if l.N < 1 || l.N > MaxLimitN {
		return fmt.Errorf("ratelimit: limit N=%d out of range 1–%d", l.N, MaxLimitN)
	}
	if l.Window < time.Millisecond || l.Window > MaxWindow {
		return fmt.Errorf("ratelimit: limit window %v out of range 1ms–%v", l.Window, MaxWindow)
	}
	return nil
}

// State is what a Store reports about one key after a decision.
type State struct {
	// Admitted reports whether this hit was recorded (Take only).
	Admitted bool
	// Count is the number of recorded hits in the window (now−Window, now]
	// after the decision, this hit included when admitted.
	Count int
	// Oldest is the time of the oldest recorded hit in that window; zero
	// when Count is 0.
	Oldest time.Time
}

// Decision is the outcome of one limit check, with everything a response
// needs.
type Decision struct {
	// Allowed reports whether the request may proceed.
	Allowed bool
	// Limit is the policy applied.
	Limit Limit
	// Remaining is how many more hits the window admits now (≥ 0).
	Remaining int
	// Reset is how long until Remaining next grows: the oldest hit in the
	// window leaves it. Zero when the window holds no hit.
	Reset time.Duration
	// RetryAfter is how long a denied caller must wait before a hit can be
	// admitted; zero when Allowed.
	RetryAfter time.Duration
}

// Decide turns the State a Store's Take returned at now into a Decision:
// Allowed is s.Admitted.
func (l Limit) Decide(now time.Time, s State) Decision {
	return l.decide(now, s, s.Admitted)
}

// DecidePeek turns the State a Store's Peek returned at now into a
// Decision: Allowed reports whether the next hit would be admitted.
func (l Limit) DecidePeek(now time.Time, s State) Decision {
	return l.decide(now, s, s.Count < l.N)
}

func (l Limit) decide(now time.Time, s State, allowed bool) Decision {
	d := Decision{Limit: l, Allowed: allowed}
	d.Remaining = max(l.N-s.Count, 0)
	if s.Count > 0 {
		d.Reset = max(s.Oldest.Add(l.Window).Sub(now), 0)
	}
	if !d.Allowed {
		d.RetryAfter = d.Reset
		if d.RetryAfter <= 0 { // a hit stamped after now (clock stepped back)
			d.RetryAfter = time.Millisecond
		}
	}
	return d
}

// Store keeps one sliding log of hit times per key. Keys are opaque
// strings; callers namespace them (the middleware prefixes the rule name).
//
// A hit recorded at time h is in the window at now exactly when
// now−Window < h ≤ now. Stores keep at least millisecond precision; hits
// recorded with a time after now (a clock stepping back) stay counted.
// A Store never depends on background expiry for correctness: expired hits
// are filtered by time on every call.
type Store interface {
	// Take decides one hit for key at now under limit, atomically: it drops
	// the hits at or before now−limit.Window and records now only if fewer
	// than limit.N hits remain, then returns the resulting State. Under any
	// concurrency, no window of limit.Window ever holds more than limit.N
	// admitted hits of one key. A key never seen is empty. A key holds at
	// most limit.N hits: when N shrinks, only the newest N are kept (so
	// Count ≤ N and Oldest is exact).
	// MongoDB: one findOneAndUpdate with upsert and an update pipeline on
	// the key's document ($filter the times > now−Window, $slice the newest
	// N, append now while $size < N keeping the array sorted, set a TTL
	// field to now+Window), returning the document after the update.
	Take(ctx context.Context, key string, now time.Time, limit Limit) (State, error)
	// Peek reports the State of key at now under limit without recording
	// anything (Admitted is false; at most the newest limit.N hits count).
	// A key never seen is empty, not an error. MongoDB: one findOne; the
	// times are filtered by the caller's now.
	Peek(ctx context.Context, key string, now time.Time, limit Limit) (State, error)
	// Reset forgets every hit of key. Resetting an unknown key is not an
	// error. MongoDB: one deleteOne.
	Reset(ctx context.Context, key string) error
}

// ErrStoreFull is returned by a Store that bounds its memory and cannot
// admit a new key; callers treat it like any store failure (fail closed
// unless configured otherwise).
var ErrStoreFull = errors.New("ratelimit: store full")

// Clock tells the time. The middleware reads it once per request.
type Clock interface {
	Now() time.Time
}

// ClockFunc adapts a function to Clock.
type ClockFunc func() time.Time

// Now returns f().
func (f ClockFunc) Now() time.Time { return f() }

type systemClock struct{}

// Now reads the wall clock.
func (systemClock) Now() time.Time { return time.Now() }

// SystemClock is the wall clock, the only reader of time.Now in the
// package. Its type is unexported, so no importer can swap it for another
// clock behind every user's back: inject a clock through the Config.
var SystemClock = systemClock{}

package ratelimit

import (
	"context"
	"errors"
	"time"
)

// Counter counts attempts of one kind per key (failed logins, one-time code
// attempts) and locks a key out once it has made Limit.N attempts within a
// rolling Limit.Window. It is a thin, stateless layer over a Store and is
// safe for concurrent use.
//
// The race-free pattern is to count the attempt before checking it:
//
//	d, err := c.Hit(ctx, key, now)   // reserves an attempt atomically
//	if err != nil { fail closed }
//	if !d.Allowed { 423/429 with d.RetryAfter }
//	if checkCode() { c.Reset(ctx, key) } // success clears the failures
//
// so that N concurrent guesses can never all pass a Peek and then all be
// checked. Peek is for display ("2 attempts left") and pre-checks only.
type Counter struct {
	store Store
	limit Limit
	ns    string
}

// NewCounter returns a Counter over store. namespace separates its keys from
// other users of the same store (for example "login" or "otp"); it must not
// be empty.
func NewCounter(store Store, namespace string, limit Limit) (*Counter, error) {
	if store == nil {
		return nil, errors.New("ratelimit: counter needs a store")
	}
	if namespace == "" {
		return nil, errors.New("ratelimit: counter needs a namespace")
	}
	if err := limit.Validate(); err != nil {
		return nil, err
	}
	return &Counter{store: store, limit: limit, ns: namespace + "\x00"}, nil
}

// Limit returns the counter's limit.
func (c *Counter) Limit() Limit { return c.limit }

// Hit records one attempt for key at now. Allowed is false once the key has
// used its N attempts in the window (the attempt is then not recorded and
// must be refused); RetryAfter says when the oldest attempt expires.
func (c *Counter) Hit(ctx context.Context, key string, now time.Time) (Decision, error) {
	s, err := c.store.Take(ctx, c.ns+key, now, c.limit)
	if err != nil {
		return Decision{}, err
	}
	return c.limit.Decide(now, s), nil
}

// Peek reports whether key could make another attempt at now, without
// recording one.
func (c *Counter) Peek(ctx context.Context, key string, now time.Time) (Decision, error) {
	s, err := c.store.Peek(ctx, c.ns+key, now, c.limit)
	if err != nil {
		return Decision{}, err
	}
	return c.limit.DecidePeek(now, s), nil
}

// Reset forgets key's attempts (after a success).
func (c *Counter) Reset(ctx context.Context, key string) error {
	return c.store.Reset(ctx, c.ns+key)
}

package ratelimit_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/ratelimit"
)

var t0 = time.Date(2025, 6, 7, 8, 0, 0, 0, time.UTC)

func newStore(t testing.TB) *memstore.RateLimits {
	t.Helper()
	s, err := memstore.NewRateLimits(memstore.RateLimitOptions{})
	require.NoError(t, err)
	return s
}

func TestLimitValidate(t *testing.T) {
	cases := []struct {
		name string
		l    ratelimit.Limit
		ok   bool
	}{
		{"zero is not unlimited", ratelimit.Limit{}, false},
		{"no window", ratelimit.Limit{N: 5}, false},
		{"sub-millisecond window", ratelimit.Limit{N: 5, Window: time.Microsecond}, false},
		{"negative n", ratelimit.Limit{N: -1, Window: time.Minute}, false},
		{"too large n", ratelimit.Limit{N: ratelimit.MaxLimitN + 1, Window: time.Minute}, false},
		{"window too long", ratelimit.Limit{N: 1, Window: ratelimit.MaxWindow + 1}, false},
		{"max window", ratelimit.Limit{N: 1, Window: ratelimit.MaxWindow}, true},
		{"per hour", ratelimit.PerHour(5), true},
		{"max n", ratelimit.Limit{N: ratelimit.MaxLimitN, Window: time.Millisecond}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.l.Validate()
			if tc.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorContains(t, err, "ratelimit: ")
			}
		})
	}
}

func TestDecide(t *testing.T) {
	l := ratelimit.Limit{N: 3, Window: time.Minute}
	now := t0.Add(20 * time.Second)
	cases := []struct {
		name string
		st   ratelimit.State
		peek bool
		want ratelimit.Decision
	}{
		{"admitted first", ratelimit.State{Admitted: true, Count: 1, Oldest: now},
			false, ratelimit.Decision{Allowed: true, Limit: l, Remaining: 2, Reset: time.Minute}},
		{"admitted last", ratelimit.State{Admitted: true, Count: 3, Oldest: t0},
			false, ratelimit.Decision{Allowed: true, Limit: l, Remaining: 0, Reset: 40 * time.Second}},
		{"denied", ratelimit.State{Count: 3, Oldest: t0},
			false, ratelimit.Decision{Limit: l, Remaining: 0, Reset: 40 * time.Second, RetryAfter: 40 * time.Second}},
		{"peek empty", ratelimit.State{}, true, ratelimit.Decision{Allowed: true, Limit: l, Remaining: 3}},
		{"peek full", ratelimit.State{Count: 3, Oldest: t0},
			true, ratelimit.Decision{Limit: l, Remaining: 0, Reset: 40 * time.Second, RetryAfter: 40 * time.Second}},
		{"future hit never yields zero retry", ratelimit.State{Count: 3, Oldest: now.Add(2 * time.Minute)},
			false, ratelimit.Decision{Limit: l, Remaining: 0, Reset: 3 * time.Minute, RetryAfter: 3 * time.Minute}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got ratelimit.Decision
			if tc.peek {
				got = l.DecidePeek(now, tc.st)
			} else {
				got = l.Decide(now, tc.st)
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestCounter_LockoutAndReset(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	c, err := ratelimit.NewCounter(s, "otp", ratelimit.Limit{N: 3, Window: 15 * time.Minute})
	require.NoError(t, err)
	other, err := ratelimit.NewCounter(s, "login", ratelimit.Limit{N: 3, Window: 15 * time.Minute})
	require.NoError(t, err)

	for i := range 3 {
		d, err := c.Hit(ctx, "u_1", t0.Add(time.Duration(i)*time.Minute))
		require.NoError(t, err)
		assert.True(t, d.Allowed, i)
		assert.Equal(t, 2-i, d.Remaining)
	}
	d, err := c.Hit(ctx, "u_1", t0.Add(5*time.Minute))
	require.NoError(t, err)
	assert.False(t, d.Allowed, "fourth attempt refused")
	assert.Equal(t, 10*time.Minute, d.RetryAfter)

	p, err := c.Peek(ctx, "u_1", t0.Add(5*time.Minute))
	require.NoError(t, err)
	assert.False(t, p.Allowed)
	p, err = other.Peek(ctx, "u_1", t0.Add(5*time.Minute))
	require.NoError(t, err)
	assert.True(t, p.Allowed, "namespaces are separate")

	// The lock lifts attempt by attempt as the oldest leave the window.
	d, err = c.Hit(ctx, "u_1", t0.Add(15*time.Minute))
	require.NoError(t, err)
	assert.True(t, d.Allowed)

	require.NoError(t, c.Reset(ctx, "u_1"))
	p, err = c.Peek(ctx, "u_1", t0.Add(15*time.Minute))
	require.NoError(t, err)
	assert.Equal(t, 3, p.Remaining)
}

func TestCounter_ConcurrentGuessesExactlyN(t *testing.T) {
	ctx := context.Background()
	c, err := ratelimit.NewCounter(newStore(t), "otp", ratelimit.Limit{N: 5, Window: time.Hour})
	require.NoError(t, err)
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := c.Hit(ctx, "u_1", t0)
			if assert.NoError(t, err) && d.Allowed {
				allowed.Add(1)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(5), allowed.Load())
}

func TestNewCounter_Validation(t *testing.T) {
	s := newStore(t)
	_, err := ratelimit.NewCounter(nil, "otp", ratelimit.PerHour(1))
	assert.ErrorContains(t, err, "ratelimit: ")
	_, err = ratelimit.NewCounter(s, "", ratelimit.PerHour(1))
	assert.ErrorContains(t, err, "ratelimit: ")
	_, err = ratelimit.NewCounter(s, "otp", ratelimit.Limit{})
	assert.ErrorContains(t, err, "ratelimit: ")
}

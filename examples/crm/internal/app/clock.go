package app

import (
	"sync/atomic"
	"time"

	"github.com/tenantgate/tenantgate/tenancy"
)

// systemNow is the only place the server reads the wall clock.
func systemNow() time.Time { return time.Now() }

// TestClock is the -dev test clock: it starts at real time and ticks with
// it; Advance adds to its offset and Set moves it to an instant. It is the
// one clock of the server when -dev is on: trial, tokens, sessions, TOTP
// and rate windows all read it. Safe for concurrent use.
type TestClock struct {
	offset atomic.Int64 // nanoseconds added to the base clock
	base   func() time.Time
}

var _ tenancy.TrialClock = (*TestClock)(nil)

// NewTestClock returns a test clock over the system clock.
func NewTestClock() *TestClock { return &TestClock{base: systemNow} }

// Now returns the base time plus the offset, in UTC.
func (c *TestClock) Now() time.Time {
	return c.base().Add(time.Duration(c.offset.Load())).UTC()
}

// Advance moves the clock forward by d (negative d moves it back) and
// returns the new time.
func (c *TestClock) Advance(d time.Duration) time.Time {
	c.offset.Add(int64(d))
	return c.Now()
}

// Set moves the clock to t and returns the new time.
func (c *TestClock) Set(t time.Time) time.Time {
	c.offset.Store(int64(t.Sub(c.base())))
	return c.Now()
}

// systemClock is the production clock.
var systemClock tenancy.TrialClock = tenancy.ClockFunc(func() time.Time { return systemNow().UTC() })

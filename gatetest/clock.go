package gatetest

import (
	"sync"
	"time"

	"github.com/tenantgate/tenantgate/tenancy"
)

// DefaultStart is where a Clock built with a zero start begins.
var DefaultStart = time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)

// Clock is a settable, advanceable clock, safe for concurrent use. It
// implements tenancy.TrialClock and stands still until told to move.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

var _ tenancy.TrialClock = (*Clock)(nil)

// NewClock returns a Clock at start (DefaultStart when zero).
func NewClock(start time.Time) *Clock {
	if start.IsZero() {
		start = DefaultStart
	}
	return &Clock{now: start.UTC()}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t (backwards too).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t.UTC()
	c.mu.Unlock()
}

// Advance moves the clock by d and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

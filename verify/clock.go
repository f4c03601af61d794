package verify

import "time"

// Clock tells the time. Every time-dependent decision of this package reads
// it; tests inject a fixed or stepping clock.
type Clock interface {
	Now() time.Time
}

// ClockFunc adapts a function to Clock.
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }

type systemClock struct{}

// Now reads the wall clock.
func (systemClock) Now() time.Time { return time.Now() }

// SystemClock is the wall clock, the only reader of time.Now in the
// package. Its type is unexported, so no importer can swap it for another
// clock behind every user's back: inject a clock through the Config.
var SystemClock = systemClock{}

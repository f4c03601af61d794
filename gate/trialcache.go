package gate

import (
	"sync/atomic"
	"time"
)

// trialCache remembers recently formatted Trial-Ends-At values, so that the
// members of a trialing workspace get the header without a time formatting
// and a string allocation on every request. Strings are immutable, so
// sharing one between responses is safe.
type trialCache [64]atomic.Pointer[trialEntry]

type trialEntry struct {
	sec int64
	s   string
}

// format returns end as RFC 3339 in UTC (whole seconds, as the header
// carries them).
func (c *trialCache) format(end time.Time) string {
	sec := end.Unix()
	slot := &c[uint64(sec)%uint64(len(c))]
	if e := slot.Load(); e != nil && e.sec == sec {
		return e.s
	}
	e := &trialEntry{sec: sec, s: end.UTC().Format(time.RFC3339)}
	slot.Store(e)
	return e.s
}

package resend

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// parseRetryAfter reads an RFC 9110 Retry-After value: delay-seconds or an
// HTTP date (a date in the past means no wait).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// observation is what the transport saw of one attempt's answer. The SDK
// reports a 5xx as an untyped error and drops Retry-After for everything
// but 429, so the wrapped transport records both for the retry decision.
type observation struct {
	status     int
	retryAfter string
}

type observationKey struct{}

// observer wraps the HTTP client's transport and records, in the
// observation the request's context carries, the status and Retry-After of
// the answer.
type observer struct{ base http.RoundTripper }

func (o observer) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := o.base.RoundTrip(req)
	if err == nil {
		if obs, ok := req.Context().Value(observationKey{}).(*observation); ok {
			obs.status = resp.StatusCode
			if v := resp.Header["Retry-After"]; len(v) > 0 {
				obs.retryAfter = v[0]
			}
		}
	}
	return resp, err
}

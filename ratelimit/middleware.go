package ratelimit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tenantgate/tenantgate/problem"
)

// DefaultMaxBodyBytes caps the request body read for Field rules.
const DefaultMaxBodyBytes = 64 << 10

// ErrNoLimit is reported when a rule's LimitFunc knows no limit for a
// request; the rule then fails like a store failure.
var ErrNoLimit = errors.New("ratelimit: no limit for request")

// Event reports one rule's decision to the Observer.
type Event struct {
	// Rule is the rule's Name.
	Rule string
	// Key is the bucket key within the rule (client IP bucket, normalized
	// identifier, tenant id). It may be personal data: log it with care.
	Key string
	// Decision is the rule's decision; zero when Err is set.
	Decision Decision
	// Err is the store (or limit lookup) failure, if any.
	Err error
	// FailedOpen reports that the request went on despite Err
	// (Rule.UnsafeFailOpen).
	FailedOpen bool
}

// Observer receives every rule decision and every failure, after the
// decision and outside any lock. It must be safe for concurrent use and
// should not block.
type Observer func(r *http.Request, e Event)

// Config configures a Limiter.
type Config struct {
	// Store counts hits. Required.
	Store Store
	// Clock tells the time, read once per request. Required (SystemClock
	// for the wall clock).
	Clock Clock
	// Observer, if set, receives every decision and failure.
	Observer Observer
	// Deny writes denials; default problem.Write. The Limiter sets
	// Retry-After and Cache-Control: no-store before calling it.
	Deny problem.Writer
	// MaxBodyBytes caps the body read for Field rules; default
	// DefaultMaxBodyBytes. A larger body is refused with 413
	// request_too_large.
	MaxBodyBytes int64
}

// Limiter builds rate-limit policies over one Store and Clock.
type Limiter struct {
	store   Store
	clock   Clock
	observe Observer
	deny    problem.Writer
	maxBody int64
}

// New validates cfg and returns a Limiter.
func New(cfg Config) (*Limiter, error) {
	if cfg.Store == nil {
		return nil, errors.New("ratelimit: Config.Store is required")
	}
	if cfg.Clock == nil {
		return nil, errors.New("ratelimit: Config.Clock is required")
	}
	if cfg.MaxBodyBytes < 0 {
		return nil, fmt.Errorf("ratelimit: MaxBodyBytes %d is negative", cfg.MaxBodyBytes)
	}
	l := &Limiter{store: cfg.Store, clock: cfg.Clock, observe: cfg.Observer, deny: cfg.Deny, maxBody: cfg.MaxBodyBytes}
	if l.deny == nil {
		l.deny = problem.Write
	}
	if l.maxBody == 0 {
		l.maxBody = DefaultMaxBodyBytes
	}
	return l, nil
}

// Policy is the set of rules of one route. It is immutable and safe for
// concurrent use.
type Policy struct {
	l        *Limiter
	rules    []Rule
	needBody bool
}

// Policy validates rules and returns the route's Policy. Rules are checked
// in order; the first denial stops the check, so hits of the rules before
// it are counted and those after are not.
func (l *Limiter) Policy(rules ...Rule) (*Policy, error) {
	if len(rules) == 0 {
		return nil, errors.New("ratelimit: a policy needs at least one rule")
	}
	p := &Policy{l: l, rules: append([]Rule(nil), rules...)}
	seen := map[string]bool{}
	for _, r := range p.rules {
		if err := r.validate(); err != nil {
			return nil, err
		}
		if seen[r.Name] {
			return nil, fmt.Errorf("ratelimit: rule name %q used twice in one policy", r.Name)
		}
		seen[r.Name] = true
		if r.UnsafeFailOpen && l.observe == nil {
			return nil, fmt.Errorf("ratelimit: rule %q fails open but the Limiter has no Observer: a failure would go unreported", r.Name)
		}
		p.needBody = p.needBody || r.Field != ""
	}
	return p, nil
}

// RuleResult is one rule's part of a Result.
type RuleResult struct {
	// Rule is the rule's Name.
	Rule string
	// Decision is the rule's decision.
	Decision Decision
	// Hidden reports that the rule is left out of the response headers.
	Hidden bool
}

// Result is the outcome of Policy.Check.
type Result struct {
	// Allowed reports whether the request may proceed.
	Allowed bool
	// Rules lists the decisions of the rules that applied, in order; when
	// denied, the last one is the denial.
	Rules []RuleResult
}

// Denied returns the denying rule's result; ok is false when allowed.
func (res Result) Denied() (RuleResult, bool) {
	if res.Allowed || len(res.Rules) == 0 {
		return RuleResult{}, false
	}
	return res.Rules[len(res.Rules)-1], true
}

// Check decides r under the policy, counting a hit for every rule that
// applies until one denies. It returns the request to pass on: r itself,
// or, when a rule read the body, a shallow copy whose body replays it (r is
// never modified). A non-nil error is a catalogue error the caller should
// send: request_too_large or invalid_request for an unreadable body,
// unavailable for a store failure on a fail-closed rule.
func (p *Policy) Check(r *http.Request) (Result, *http.Request, error) {
	now := p.l.clock.Now()
	var body []byte
	if p.needBody {
		var err error
		if body, r, err = p.l.readBody(r); err != nil {
			return Result{}, r, err
		}
	}
	res := Result{Allowed: true, Rules: make([]RuleResult, 0, len(p.rules))}
	for i := range p.rules {
		rule := &p.rules[i]
		var key string
		var ok bool
		if rule.Field != "" {
			if key, ok = jsonField(body, rule.Field); ok {
				key = NormalizeIdentifier(key)
			}
		} else {
			key, ok = rule.Key(r)
		}
		if !ok {
			continue
		}
		limit, lok := rule.Limit, true
		if rule.Limits != nil {
			limit, lok = rule.Limits(r)
		}
		var st State
		var err error
		if !lok {
			err = ErrNoLimit
		} else if err = limit.Validate(); err == nil {
			st, err = p.l.store.Take(r.Context(), StoreKey(rule.Name, key), now, limit)
		}
		if err != nil {
			p.l.notify(r, Event{Rule: rule.Name, Key: key, Err: err, FailedOpen: rule.UnsafeFailOpen})
			if rule.UnsafeFailOpen {
				continue
			}
			return res, r, problem.Wrap(problem.CodeUnavailable, fmt.Errorf("ratelimit: rule %q: %w", rule.Name, err))
		}
		d := limit.Decide(now, st)
		res.Rules = append(res.Rules, RuleResult{Rule: rule.Name, Decision: d, Hidden: rule.HideHeaders})
		p.l.notify(r, Event{Rule: rule.Name, Key: key, Decision: d})
		if !d.Allowed {
			res.Allowed = false
			return res, r, nil
		}
	}
	return res, r, nil
}

func (l *Limiter) notify(r *http.Request, e Event) {
	if l.observe != nil {
		l.observe(r, e)
	}
}

// readBody reads at most maxBody bytes of r's body and returns them with a
// shallow copy of r whose body replays them.
func (l *Limiter) readBody(r *http.Request) ([]byte, *http.Request, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, r, nil
	}
	if r.ContentLength > l.maxBody {
		return nil, r, problem.New(problem.CodeRequestTooLarge)
	}
	buf, err := io.ReadAll(io.LimitReader(r.Body, l.maxBody+1))
	if err != nil {
		return nil, r, problem.Wrap(problem.CodeInvalidRequest, err)
	}
	if int64(len(buf)) > l.maxBody {
		return nil, r, problem.New(problem.CodeRequestTooLarge)
	}
	r2 := new(http.Request)
	*r2 = *r
	r2.Body = replayBody{Reader: bytes.NewReader(buf), orig: r.Body}
	return buf, r2, nil
}

type replayBody struct {
	*bytes.Reader
	orig io.Closer
}

// Close closes the original body.
func (b replayBody) Close() error { return b.orig.Close() }

// Handler is the policy's middleware: it runs Check, sets the RateLimit and
// RateLimit-Policy headers of the rules that applied, and either calls next
// or denies with 429 rate_limited (Retry-After in whole seconds, rounded up,
// and Cache-Control: no-store), or with Check's error.
func (p *Policy) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, r2, err := p.Check(r)
		setHeaders(w.Header(), res)
		if err != nil {
			w.Header()["Cache-Control"] = []string{"no-store"}
			p.l.deny(w, r2, err)
			return
		}
		if d, denied := res.Denied(); denied {
			secs := ceilSeconds(d.Decision.RetryAfter)
			h := w.Header()
			h["Retry-After"] = []string{strconv.FormatInt(secs, 10)}
			h["Cache-Control"] = []string{"no-store"}
			p.l.deny(w, r2, &problem.Error{Code: problem.CodeRateLimited, RetryAfterSeconds: secs})
			return
		}
		next.ServeHTTP(w, r2)
	})
}

// setHeaders writes RateLimit-Policy and RateLimit per
// draft-ietf-httpapi-ratelimit-headers: `"name";q=5;w=3600` and
// `"name";r=4;t=3599`, one list member per rule that applied and is not
// hidden.
func setHeaders(h http.Header, res Result) {
	var pol, cur strings.Builder
	for _, rr := range res.Rules {
		if rr.Hidden {
			continue
		}
		if pol.Len() > 0 {
			pol.WriteString(", ")
			cur.WriteString(", ")
		}
		d := rr.Decision
		fmt.Fprintf(&pol, "%q;q=%d;w=%d", rr.Rule, d.Limit.N, ceilSeconds(d.Limit.Window))
		fmt.Fprintf(&cur, "%q;r=%d;t=%d", rr.Rule, d.Remaining, ceilSeconds(d.Reset))
	}
	if pol.Len() == 0 {
		return
	}
	h["Ratelimit-Policy"] = []string{pol.String()}
	h["Ratelimit"] = []string{cur.String()}
}

// ceilSeconds rounds d up to whole seconds; a positive d is at least 1.
func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}

// StoreKey is the Store key under which the middleware keeps the bucket of
// key for the rule named rule: the rule name, a NUL, then the key. Tools
// that inspect or erase a subject's buckets (privacy) derive keys with it.
func StoreKey(rule, key string) string { return rule + "\x00" + key }

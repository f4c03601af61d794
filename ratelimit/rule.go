package ratelimit

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/tenantgate/tenantgate/clientip"
)

// KeyFunc extracts a request's bucket key (client IP, tenant id, …). ok is
// false when the rule does not apply to the request (no tenant in the
// context, say); the rule is then skipped. A KeyFunc must not let a client
// choose its key freely: derive it from verified data only.
type KeyFunc func(r *http.Request) (key string, ok bool)

// LimitFunc returns the limit that applies to a request, looked up at
// decision time (the tenant's current plan, say). ok false means no limit is
// known, which the rule treats as a failure (fail closed unless
// UnsafeFailOpen).
type LimitFunc func(r *http.Request) (limit Limit, ok bool)

// Rule is one limit on a route.
type Rule struct {
	// Name names the policy in the RateLimit-Policy and RateLimit headers
	// and namespaces its buckets: rules with the same Name share buckets,
	// whatever route they guard, and path variants of one route share the
	// route's buckets (the raw path is never part of a key). Lowercase
	// letters, digits, '-', '_' and '.'; at most 64 bytes.
	Name string
	// Limit is a fixed limit. Exactly one of Limit and Limits is set.
	Limit Limit
	// Limits looks the limit up per request (see PlanLimits).
	Limits LimitFunc
	// Key keys the bucket. Exactly one of Key and Field is set.
	Key KeyFunc
	// Field keys the bucket by an identifier read from this top-level
	// member of the JSON request body (matched like encoding/json does:
	// case-insensitively, last one wins) and normalized by
	// NormalizeIdentifier. The body is restored for the handler. The rule is
	// skipped when the member is absent or not a string.
	Field string
	// HideHeaders leaves the rule out of the RateLimit and RateLimit-Policy
	// headers. Set it on identifier rules of unauthenticated routes: their
	// remaining count would tell anyone how often an address was used in
	// the window (OWASP ASVS 6.3.8). A denial still answers 429 with
	// Retry-After.
	HideHeaders bool
	// UnsafeFailOpen lets requests through when the store fails for this
	// rule. The failure is still reported to the Observer, which the
	// Limiter must then have (Policy refuses the rule otherwise). The
	// default, and
	// the only sane setting for authentication routes, is to deny with
	// 503 unavailable.
	UnsafeFailOpen bool
}

// Default rule names and limits of the unauthenticated authentication
// routes (see AuthRules).
const (
	RouteRegister           = "register"
	RouteForgotPassword     = "forgot-password"
	RouteResendVerification = "resend-verification"

	// DefaultAuthPerIPPerHour is the default hourly limit per client IP.
	DefaultAuthPerIPPerHour = 5
	// DefaultAuthPerEmailPerHour is the default hourly limit per email.
	DefaultAuthPerEmailPerHour = 3
)

// AuthRules returns the documented default rules of an unauthenticated
// authentication route (RouteRegister, RouteForgotPassword,
// RouteResendVerification): DefaultAuthPerIPPerHour requests per hour per
// client IP (rule "<route>-ip", keyed by ip) and DefaultAuthPerEmailPerHour
// per hour per normalized email address read from the JSON member "email"
// (rule "<route>-email", kept out of the RateLimit headers so that they do
// not tell how often an address was used). Both fail closed.
func AuthRules(route string, ip KeyFunc) []Rule {
	return []Rule{
		{Name: route + "-ip", Limit: PerHour(DefaultAuthPerIPPerHour), Key: ip},
		{Name: route + "-email", Limit: PerHour(DefaultAuthPerEmailPerHour), Field: "email", HideHeaders: true},
	}
}

// ByClientIP keys a request by its client address as res finds it (the
// trusted-proxy rule), grouped by g (IPv6 by prefix). A request whose socket
// address is not an IP (a Unix socket) gets the shared key "unknown", so it
// is still limited.
func ByClientIP(res *clientip.Resolver, g clientip.Grouper) (KeyFunc, error) {
	if res == nil {
		return nil, errors.New("ratelimit: ByClientIP needs a clientip.Resolver")
	}
	return func(r *http.Request) (string, bool) {
		a, err := res.ClientIP(r)
		if err != nil {
			return "unknown", true
		}
		return g.Key(a), true
	}, nil
}

// PlanLimits returns a LimitFunc that looks the request's plan up with plan
// and answers that plan's limit, or fallback for an unknown or absent plan.
// The plan is read on every request, so a plan change applies to the next
// request; the bucket (the Rule's Key, typically the tenant) is unchanged,
// keeping the hits already counted. limits is copied.
func PlanLimits(plan KeyFunc, limits map[string]Limit, fallback Limit) (LimitFunc, error) {
	if plan == nil {
		return nil, errors.New("ratelimit: PlanLimits needs a plan KeyFunc")
	}
	if err := fallback.Validate(); err != nil {
		return nil, fmt.Errorf("ratelimit: fallback plan limit: %w", err)
	}
	m := make(map[string]Limit, len(limits))
	for name, l := range limits {
		if err := l.Validate(); err != nil {
			return nil, fmt.Errorf("ratelimit: plan %q: %w", name, err)
		}
		m[name] = l
	}
	return func(r *http.Request) (Limit, bool) {
		if p, ok := plan(r); ok {
			if l, ok := m[p]; ok {
				return l, true
			}
		}
		return fallback, true
	}, nil
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func (r Rule) validate() error {
	if !validName(r.Name) {
		return fmt.Errorf("ratelimit: rule name %q must be 1–64 of [a-z0-9._-]", r.Name)
	}
	if (r.Limits == nil) == (r.Limit == Limit{}) {
		return fmt.Errorf("ratelimit: rule %q needs exactly one of Limit and Limits", r.Name)
	}
	if r.Limits == nil {
		if err := r.Limit.Validate(); err != nil {
			return fmt.Errorf("ratelimit: rule %q: %w", r.Name, err)
		}
	}
	if (r.Key == nil) == (r.Field == "") {
		return fmt.Errorf("ratelimit: rule %q needs exactly one of Key and Field", r.Name)
	}
	return nil
}

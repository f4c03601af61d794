package ratelimit_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/clientip"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/ratelimit"
)

// fakeClock is a settable Clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// env is one middleware under test with its store, clock, observer log and
// handler call counter.
type env struct {
	store   *countingStore
	clock   *fakeClock
	lim     *ratelimit.Limiter
	events  []ratelimit.Event
	evMu    sync.Mutex
	calls   atomic.Int32
	bodies  []string
	bodyMu  sync.Mutex
	handler http.Handler
}

// countingStore wraps a store and can be made to fail.
type countingStore struct {
	ratelimit.Store
	fail error
}

func (s *countingStore) Take(ctx context.Context, key string, now time.Time, l ratelimit.Limit) (ratelimit.State, error) {
	if s.fail != nil {
		return ratelimit.State{}, s.fail
	}
	return s.Store.Take(ctx, key, now, l)
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{store: &countingStore{Store: newStore(t)}, clock: &fakeClock{now: t0}}
	lim, err := ratelimit.New(ratelimit.Config{
		Store: e.store, Clock: e.clock,
		Observer: func(_ *http.Request, ev ratelimit.Event) {
			e.evMu.Lock()
			e.events = append(e.events, ev)
			e.evMu.Unlock()
		},
	})
	require.NoError(t, err)
	e.lim = lim
	e.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.calls.Add(1)
		b, _ := io.ReadAll(r.Body)
		e.bodyMu.Lock()
		e.bodies = append(e.bodies, string(b))
		e.bodyMu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	})
	return e
}

func (e *env) wrap(t *testing.T, rules ...ratelimit.Rule) http.Handler {
	t.Helper()
	p, err := e.lim.Policy(rules...)
	require.NoError(t, err)
	return p.Handler(e.handler)
}

func ipKey(t *testing.T, trusted ...string) ratelimit.KeyFunc {
	t.Helper()
	res, err := clientip.New(clientip.Config{TrustedProxies: trusted})
	require.NoError(t, err)
	k, err := ratelimit.ByClientIP(res, clientip.Grouper{})
	require.NoError(t, err)
	return k
}

func send(h http.Handler, method, path, remote, body string, hdr map[string]string) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, path, rd)
	r.RemoteAddr = remote
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func problemCode(t *testing.T, w *httptest.ResponseRecorder) problem.Code {
	t.Helper()
	var b problem.Body
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &b), w.Body.String())
	assert.Equal(t, w.Code, b.Status)
	return b.Code
}

func TestMiddleware_NoBurstAcrossWindowBoundary(t *testing.T) {
	e := newEnv(t)
	h := e.wrap(t, ratelimit.Rule{Name: "api", Limit: ratelimit.Limit{N: 5, Window: time.Minute}, Key: ipKey(t)})
	var admitted []time.Time
	try := func(at time.Time) int {
		e.clock.Set(at)
		w := send(h, "GET", "/", "203.0.113.1:1", "", nil)
		if w.Code == http.StatusAccepted {
			admitted = append(admitted, at)
		}
		return w.Code
	}
	for range 5 {
		assert.Equal(t, http.StatusAccepted, try(t0.Add(59*time.Second)))
	}
	for range 5 {
		assert.Equal(t, http.StatusTooManyRequests, try(t0.Add(61*time.Second)), "a fixed window would reset here")
	}
	assert.Equal(t, http.StatusTooManyRequests, try(t0.Add(119*time.Second-time.Millisecond)))
	for range 5 {
		assert.Equal(t, http.StatusAccepted, try(t0.Add(119*time.Second)))
	}
	assert.Equal(t, http.StatusTooManyRequests, try(t0.Add(119*time.Second)))
	// Never more than N in any rolling window.
	for i := range admitted {
		n := 0
		for _, a := range admitted {
			if !a.After(admitted[i]) && a.After(admitted[i].Add(-time.Minute)) {
				n++
			}
		}
		assert.LessOrEqual(t, n, 5)
	}
	assert.Len(t, admitted, 10)
}

func TestMiddleware_DenialResponse(t *testing.T) {
	e := newEnv(t)
	h := e.wrap(t, ratelimit.Rule{Name: "register-ip", Limit: ratelimit.PerHour(2), Key: ipKey(t)})
	w := send(h, "POST", "/api/auth/register", "203.0.113.1:1", "", nil)
	require.Equal(t, http.StatusAccepted, w.Code)
	assert.Equal(t, `"register-ip";q=2;w=3600`, w.Header().Get("RateLimit-Policy"))
	assert.Equal(t, `"register-ip";r=1;t=3600`, w.Header().Get("RateLimit"))

	e.clock.Set(t0.Add(10 * time.Minute))
	w = send(h, "POST", "/api/auth/register", "203.0.113.1:1", "", nil)
	require.Equal(t, http.StatusAccepted, w.Code)
	assert.Equal(t, `"register-ip";r=0;t=3000`, w.Header().Get("RateLimit"))

	e.clock.Set(t0.Add(20*time.Minute + 500*time.Millisecond))
	w = send(h, "POST", "/api/auth/register", "203.0.113.1:1", "", nil)
	require.Equal(t, http.StatusTooManyRequests, w.Code)
	assert.Equal(t, problem.CodeRateLimited, problemCode(t, w))
	assert.Equal(t, "2400", w.Header().Get("Retry-After"), "delta-seconds, rounded up")
	assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	assert.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
	assert.Equal(t, `"register-ip";q=2;w=3600`, w.Header().Get("RateLimit-Policy"))
	assert.Equal(t, `"register-ip";r=0;t=2400`, w.Header().Get("RateLimit"))
	for k := range w.Header() {
		assert.NotContains(t, strings.ToLower(k), "x-ratelimit", "no legacy headers")
	}
	assert.Equal(t, int32(2), e.calls.Load(), "the denied request never reached the handler")
}

// TestAdvisory_httprate53_RotatingHeadersOneBucket: one socket rotating
// every client-IP header stays in one bucket, and cannot drain the bucket
// of the address it names.
func TestAdvisory_httprate53_RotatingHeadersOneBucket(t *testing.T) {
	for _, trusted := range [][]string{nil, {"10.0.0.0/8"}} {
		t.Run("trusted="+strings.Join(trusted, ","), func(t *testing.T) {
			e := newEnv(t)
			h := e.wrap(t, ratelimit.Rule{Name: "register-ip", Limit: ratelimit.PerHour(5), Key: ipKey(t, trusted...)})
			codes := map[int]int{}
			for i := range 40 {
				victim := "192.0.2." + strconv.Itoa(i)
				hdr := map[string]string{
					"X-Forwarded-For": victim + ", 198.51.100." + strconv.Itoa(i),
					"X-Real-IP":       victim,
					"True-Client-IP":  victim,
					"Forwarded":       "for=" + victim,
				}
				codes[send(h, "POST", "/api/auth/register", "203.0.113.66:"+strconv.Itoa(1000+i), "", hdr).Code]++
			}
			assert.Equal(t, map[int]int{http.StatusAccepted: 5, http.StatusTooManyRequests: 35}, codes)
			// The victims' own buckets are untouched.
			w := send(h, "POST", "/api/auth/register", "192.0.2.1:1", "", nil)
			assert.Equal(t, http.StatusAccepted, w.Code)
			assert.Equal(t, `"register-ip";r=4;t=3600`, w.Header().Get("RateLimit"))
		})
	}
}

func TestMiddleware_TrustedProxyChain(t *testing.T) {
	e := newEnv(t)
	h := e.wrap(t, ratelimit.Rule{Name: "api", Limit: ratelimit.PerHour(1), Key: ipKey(t, "10.0.0.0/8")})
	via := func(client string) int {
		return send(h, "GET", "/", "10.0.0.1:443", "", map[string]string{"X-Forwarded-For": "6.6.6.6, " + client + ", 10.2.3.4"}).Code
	}
	assert.Equal(t, http.StatusAccepted, via("198.51.100.1"))
	assert.Equal(t, http.StatusAccepted, via("198.51.100.2"), "another client behind the same proxy")
	assert.Equal(t, http.StatusTooManyRequests, via("198.51.100.1"))
	assert.Equal(t, http.StatusAccepted, send(h, "GET", "/", "10.0.0.1:443", "", nil).Code, "the proxy's own bucket")
}

func TestMiddleware_IPv6GroupedBy64(t *testing.T) {
	e := newEnv(t)
	h := e.wrap(t, ratelimit.Rule{Name: "api", Limit: ratelimit.PerHour(2), Key: ipKey(t)})
	assert.Equal(t, http.StatusAccepted, send(h, "GET", "/", "[2001:db8:1:2::1]:1", "", nil).Code)
	assert.Equal(t, http.StatusAccepted, send(h, "GET", "/", "[2001:db8:1:2:aaaa::9]:1", "", nil).Code)
	assert.Equal(t, http.StatusTooManyRequests, send(h, "GET", "/", "[2001:db8:1:2:ffff:ffff:ffff:ffff]:1", "", nil).Code, "same /64")
	assert.Equal(t, http.StatusAccepted, send(h, "GET", "/", "[2001:db8:1:3::1]:1", "", nil).Code, "next /64")
}

func TestMiddleware_EmailVariantsShareBucket(t *testing.T) {
	e := newEnv(t)
	h := e.wrap(t, ratelimit.AuthRules(ratelimit.RouteRegister, ipKey(t))...)
	variants := []string{
		`{"email":"alice@bücher.example","password":"x"}`,
		`{"email":"  ALICE@BÜCHER.EXAMPLE. ","password":"x"}`,
		`{"Email":"alice@xn--bcher-kva.example","password":"x"}`,
		`{"email":"decoy@x.io","EMAIL":"Alice@Bücher.Example"}`,
		`{"email":"alice@xn--bcher-kva.example.","email":null}`,
	}
	for i, body := range variants {
		// Each from its own address, so only the email bucket can deny.
		w := send(h, "POST", "/api/auth/register", "198.51.100."+strconv.Itoa(i)+":1", body, map[string]string{"Content-Type": "application/json"})
		if i < 3 {
			assert.Equal(t, http.StatusAccepted, w.Code, body)
		} else {
			assert.Equal(t, http.StatusTooManyRequests, w.Code, body)
			assert.Equal(t, problem.CodeRateLimited, problemCode(t, w))
			assert.Equal(t, "3600", w.Header().Get("Retry-After"))
			assert.NotContains(t, w.Header().Get("RateLimit"), "register-email", "identifier counts are not advertised")
		}
	}
	assert.Equal(t, variants[:3], e.bodies, "the handler reads the body unchanged")
	require.NotEmpty(t, e.events)
	assert.Equal(t, "alice@xn--bcher-kva.example", e.events[len(e.events)-1].Key)
	// Another address is not affected.
	w := send(h, "POST", "/api/auth/register", "198.51.100.50:1", `{"email":"bob@bücher.example"}`, nil)
	assert.Equal(t, http.StatusAccepted, w.Code)
}

func TestMiddleware_BodyTooLargeCountsNothing(t *testing.T) {
	e := newEnv(t)
	h := e.wrap(t, ratelimit.AuthRules(ratelimit.RouteForgotPassword, ipKey(t))...)
	big := `{"email":"a@x.io","pad":"` + strings.Repeat("x", ratelimit.DefaultMaxBodyBytes) + `"}`
	w := send(h, "POST", "/api/auth/forgot-password", "198.51.100.1:1", big, nil)
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
	assert.Equal(t, problem.CodeRequestTooLarge, problemCode(t, w))
	assert.Zero(t, e.calls.Load())
	// Chunked (no Content-Length) too.
	r := httptest.NewRequest("POST", "/api/auth/forgot-password", io.MultiReader(strings.NewReader(big)))
	r.ContentLength = -1
	r.RemoteAddr = "198.51.100.1:1"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	st, err := e.store.Peek(context.Background(), "forgot-password-ip\x00198.51.100.1", t0, ratelimit.PerHour(5))
	require.NoError(t, err)
	assert.Zero(t, st.Count, "nothing counted")
}

func TestMiddleware_PathVariantsShareBucket(t *testing.T) {
	e := newEnv(t)
	h := e.wrap(t, ratelimit.Rule{Name: "contacts-write", Limit: ratelimit.PerMinute(3), Key: ipKey(t)})
	mux := http.NewServeMux()
	mux.Handle("PATCH /api/crm/contacts/{id}", h)
	mux.Handle("PATCH /api/crm/contacts/{id}/", h)
	paths := []string{"/api/crm/contacts/1", "/api/crm/contacts/2", "/api/crm/contacts/1/", "/api/crm/contacts/%31"}
	var codes []int
	for _, p := range paths {
		codes = append(codes, send(mux, "PATCH", p, "203.0.113.1:1", "", nil).Code)
	}
	assert.Equal(t, []int{202, 202, 202, 429}, codes)
}

type tenantKey struct{}

func tenantOf(r *http.Request) (string, bool) {
	ws, ok := r.Context().Value(tenantKey{}).(string)
	return ws, ok && ws != ""
}

// withTenant stands in for the gate: it puts a verified tenant in the
// context.
func withTenant(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws := r.Header.Get("X-Test-Tenant")
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tenantKey{}, ws)))
	})
}

func TestMiddleware_TenantIsolation(t *testing.T) {
	e := newEnv(t)
	h := withTenant(e.wrap(t, ratelimit.Rule{Name: "tenant", Limit: ratelimit.PerMinute(3), Key: tenantOf}))
	as := func(ws string) int {
		return send(h, "GET", "/api/crm/contacts", "203.0.113.1:1", "", map[string]string{"X-Test-Tenant": ws}).Code
	}
	for range 3 {
		assert.Equal(t, 202, as("ws_a"))
	}
	for range 10 {
		assert.Equal(t, 429, as("ws_a"))
	}
	for range 3 {
		assert.Equal(t, 202, as("ws_b"), "ws_a's exhaustion never affects ws_b")
	}
	assert.Equal(t, 429, as("ws_b"))
	assert.Equal(t, 202, as(""), "no tenant: the rule does not apply")
}

func TestMiddleware_PlanChangeAppliesOnNextRequest(t *testing.T) {
	var mu sync.Mutex
	plans := map[string]string{"ws_a": "free"}
	planOf := func(r *http.Request) (string, bool) {
		ws, ok := tenantOf(r)
		mu.Lock()
		defer mu.Unlock()
		p, known := plans[ws]
		return p, ok && known
	}
	limits, err := ratelimit.PlanLimits(planOf, map[string]ratelimit.Limit{
		"free": ratelimit.PerMinute(2),
		"pro":  ratelimit.PerMinute(5),
	}, ratelimit.PerMinute(1))
	require.NoError(t, err)
	e := newEnv(t)
	h := withTenant(e.wrap(t, ratelimit.Rule{Name: "api", Limits: limits, Key: tenantOf}))
	as := func(ws string) *httptest.ResponseRecorder {
		return send(h, "GET", "/", "203.0.113.1:1", "", map[string]string{"X-Test-Tenant": ws})
	}
	assert.Equal(t, 202, as("ws_a").Code)
	assert.Equal(t, 202, as("ws_a").Code)
	w := as("ws_a")
	assert.Equal(t, 429, w.Code)
	assert.Equal(t, `"api";q=2;w=60`, w.Header().Get("RateLimit-Policy"))

	mu.Lock()
	plans["ws_a"] = "pro"
	mu.Unlock()
	w = as("ws_a")
	assert.Equal(t, 202, w.Code, "upgrade applies to the next request")
	assert.Equal(t, `"api";q=5;w=60`, w.Header().Get("RateLimit-Policy"))
	assert.Equal(t, `"api";r=2;t=60`, w.Header().Get("RateLimit"), "hits already counted are kept")
	assert.Equal(t, 202, as("ws_a").Code)
	assert.Equal(t, 202, as("ws_a").Code)
	assert.Equal(t, 429, as("ws_a").Code)

	mu.Lock()
	plans["ws_a"] = "free"
	mu.Unlock()
	assert.Equal(t, 429, as("ws_a").Code, "downgrade applies at once")
	assert.Equal(t, 202, as("ws_unknown").Code, "unknown plan gets the fallback")
	assert.Equal(t, 429, as("ws_unknown").Code)
}

func TestMiddleware_StoreFailure(t *testing.T) {
	boom := errors.New("mongo: connection refused to 10.1.2.3")
	t.Run("fails closed and reports", func(t *testing.T) {
		e := newEnv(t)
		e.store.fail = boom
		h := e.wrap(t, ratelimit.AuthRules(ratelimit.RouteRegister, ipKey(t))...)
		w := send(h, "POST", "/api/auth/register", "203.0.113.1:1", `{"email":"a@x.io"}`, nil)
		assert.Equal(t, http.StatusServiceUnavailable, w.Code)
		assert.Equal(t, problem.CodeUnavailable, problemCode(t, w))
		assert.NotContains(t, w.Body.String(), "mongo")
		assert.NotContains(t, w.Body.String(), "10.1.2.3")
		assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
		assert.Zero(t, e.calls.Load())
		require.Len(t, e.events, 1)
		assert.ErrorIs(t, e.events[0].Err, boom)
		assert.False(t, e.events[0].FailedOpen)
		assert.Equal(t, "register-ip", e.events[0].Rule)
	})
	t.Run("fails open only where configured, still reported", func(t *testing.T) {
		e := newEnv(t)
		e.store.fail = boom
		h := e.wrap(t, ratelimit.Rule{Name: "api", Limit: ratelimit.PerMinute(1), Key: ipKey(t), UnsafeFailOpen: true})
		w := send(h, "GET", "/", "203.0.113.1:1", "", nil)
		assert.Equal(t, http.StatusAccepted, w.Code)
		require.Len(t, e.events, 1)
		assert.ErrorIs(t, e.events[0].Err, boom)
		assert.True(t, e.events[0].FailedOpen)
	})
	t.Run("full store fails closed", func(t *testing.T) {
		e := newEnv(t)
		e.store.fail = ratelimit.ErrStoreFull
		h := e.wrap(t, ratelimit.Rule{Name: "api", Limit: ratelimit.PerMinute(1), Key: ipKey(t)})
		assert.Equal(t, http.StatusServiceUnavailable, send(h, "GET", "/", "203.0.113.1:1", "", nil).Code)
	})
	t.Run("unknown limit fails closed", func(t *testing.T) {
		e := newEnv(t)
		h := e.wrap(t, ratelimit.Rule{Name: "api", Limits: func(*http.Request) (ratelimit.Limit, bool) { return ratelimit.Limit{}, false }, Key: ipKey(t)})
		assert.Equal(t, http.StatusServiceUnavailable, send(h, "GET", "/", "203.0.113.1:1", "", nil).Code)
		require.Len(t, e.events, 1)
		assert.ErrorIs(t, e.events[0].Err, ratelimit.ErrNoLimit)
	})
}

func TestMiddleware_ConcurrentExactlyN(t *testing.T) {
	e := newEnv(t)
	h := e.wrap(t, ratelimit.Rule{Name: "api", Limit: ratelimit.PerHour(10), Key: ipKey(t)})
	var wg sync.WaitGroup
	var ok atomic.Int32
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if send(h, "GET", "/", "203.0.113.1:1", "", nil).Code == http.StatusAccepted {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(10), ok.Load())
	assert.Equal(t, int32(10), e.calls.Load())
}

func TestMiddleware_CheckDoesNotMutateRequest(t *testing.T) {
	e := newEnv(t)
	p, err := e.lim.Policy(ratelimit.AuthRules(ratelimit.RouteResendVerification, ipKey(t))...)
	require.NoError(t, err)
	r := httptest.NewRequest("POST", "/api/auth/resend-verification", strings.NewReader(`{"email":"a@x.io"}`))
	origBody := r.Body
	res, r2, err := p.Check(r)
	require.NoError(t, err)
	assert.True(t, res.Allowed)
	assert.Len(t, res.Rules, 2)
	assert.True(t, origBody == r.Body, "the caller's request is untouched")
	assert.NotSame(t, r, r2)
	b, err := io.ReadAll(r2.Body)
	require.NoError(t, err)
	assert.Equal(t, `{"email":"a@x.io"}`, string(b))
}

func TestNew_Validation(t *testing.T) {
	s := newStore(t)
	clock := ratelimit.SystemClock
	cases := []struct {
		name string
		cfg  ratelimit.Config
	}{
		{"no store", ratelimit.Config{Clock: clock}},
		{"no clock", ratelimit.Config{Store: s}},
		{"negative body cap", ratelimit.Config{Store: s, Clock: clock, MaxBodyBytes: -1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, err := ratelimit.New(tc.cfg)
			assert.ErrorContains(t, err, "ratelimit: ")
			assert.Nil(t, l)
		})
	}
}

func TestPolicy_Validation(t *testing.T) {
	lim, err := ratelimit.New(ratelimit.Config{Store: newStore(t), Clock: ratelimit.SystemClock})
	require.NoError(t, err)
	key := func(*http.Request) (string, bool) { return "k", true }
	lf := func(*http.Request) (ratelimit.Limit, bool) { return ratelimit.PerHour(1), true }
	hour := ratelimit.PerHour(1)
	cases := []struct {
		name  string
		rules []ratelimit.Rule
	}{
		{"no rules", nil},
		{"no name", []ratelimit.Rule{{Limit: hour, Key: key}}},
		{"bad name", []ratelimit.Rule{{Name: `a"b`, Limit: hour, Key: key}}},
		{"upper-case name", []ratelimit.Rule{{Name: "Register", Limit: hour, Key: key}}},
		{"zero limit is not unlimited", []ratelimit.Rule{{Name: "a", Key: key}}},
		{"invalid limit", []ratelimit.Rule{{Name: "a", Limit: ratelimit.Limit{N: 1}, Key: key}}},
		{"both limits", []ratelimit.Rule{{Name: "a", Limit: hour, Limits: lf, Key: key}}},
		{"no key", []ratelimit.Rule{{Name: "a", Limit: hour}}},
		{"key and field", []ratelimit.Rule{{Name: "a", Limit: hour, Key: key, Field: "email"}}},
		{"duplicate names", []ratelimit.Rule{{Name: "a", Limit: hour, Key: key}, {Name: "a", Limit: hour, Field: "email"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := lim.Policy(tc.rules...)
			assert.ErrorContains(t, err, "ratelimit: ")
			assert.Nil(t, p)
		})
	}
	_, err = lim.Policy(ratelimit.Rule{Name: "a", Limit: hour, Key: key, UnsafeFailOpen: true})
	assert.ErrorContains(t, err, "no Observer", "failing open silently is refused")
	_, err = ratelimit.PlanLimits(nil, nil, hour)
	assert.Error(t, err)
	_, err = ratelimit.PlanLimits(key, map[string]ratelimit.Limit{"free": {}}, hour)
	assert.ErrorContains(t, err, `plan "free"`)
	_, err = ratelimit.PlanLimits(key, nil, ratelimit.Limit{})
	assert.Error(t, err)
	_, err = ratelimit.ByClientIP(nil, clientip.Grouper{})
	assert.Error(t, err)
}

// TestMiddleware_OmittingTheIdentifierStillIPLimited: a client that drops or
// garbles the email member escapes only the email rule, never the IP rule.
func TestMiddleware_OmittingTheIdentifierStillIPLimited(t *testing.T) {
	e := newEnv(t)
	h := e.wrap(t, ratelimit.AuthRules(ratelimit.RouteRegister, ipKey(t))...)
	bodies := []string{``, `{}`, `not json`, `{"email":5}`, `{"email":null}`, `[]`}
	var codes []int
	for _, b := range bodies {
		codes = append(codes, send(h, "POST", "/api/auth/register", "203.0.113.9:1", b, nil).Code)
	}
	assert.Equal(t, []int{202, 202, 202, 202, 202, 429}, codes)
}

func TestMiddleware_RetryAfterRoundsUp(t *testing.T) {
	e := newEnv(t)
	h := e.wrap(t, ratelimit.Rule{Name: "burst", Limit: ratelimit.Limit{N: 1, Window: 1500 * time.Millisecond}, Key: ipKey(t)})
	require.Equal(t, 202, send(h, "GET", "/", "203.0.113.1:1", "", nil).Code)
	e.clock.Set(t0.Add(time.Millisecond))
	w := send(h, "GET", "/", "203.0.113.1:1", "", nil)
	require.Equal(t, 429, w.Code)
	assert.Equal(t, "2", w.Header().Get("Retry-After"), "1.499s rounds up, never down to 1 or 0")
	assert.Equal(t, `"burst";q=1;w=2`, w.Header().Get("RateLimit-Policy"))
	e.clock.Set(t0.Add(1499 * time.Millisecond))
	w = send(h, "GET", "/", "203.0.113.1:1", "", nil)
	require.Equal(t, 429, w.Code)
	assert.Equal(t, "1", w.Header().Get("Retry-After"), "1ms left is still 1s")
}

func TestByClientIP_NoSocketAddressSharesOneBucket(t *testing.T) {
	k := ipKey(t)
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "@"
	key, ok := k(r)
	assert.True(t, ok, "still limited")
	assert.Equal(t, "unknown", key)
	r.RemoteAddr = "[2001:db8:1:2::5]:1"
	key, ok = k(r)
	assert.True(t, ok)
	assert.Equal(t, "2001:db8:1:2::/64", key)
}

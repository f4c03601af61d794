package ratelimit_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/tenantgate/tenantgate/clientip"
	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/ratelimit"
)

func Example() {
	store, _ := memstore.NewRateLimits(memstore.RateLimitOptions{})
	clock := ratelimit.ClockFunc(func() time.Time { return time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC) })
	lim, err := ratelimit.New(ratelimit.Config{Store: store, Clock: clock})
	if err != nil {
		panic(err)
	}
	res, _ := clientip.New(clientip.Config{}) // no proxy trusted: socket address only
	byIP, _ := ratelimit.ByClientIP(res, clientip.Grouper{})
	register, err := lim.Policy(ratelimit.AuthRules(ratelimit.RouteRegister, byIP)...)
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /api/auth/register", register.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	})))

	for i := range 4 {
		r := httptest.NewRequest("POST", "/api/auth/register", strings.NewReader(`{"email":"Alice@Example.com"}`))
		r.RemoteAddr = fmt.Sprintf("198.51.100.%d:5000", i) // a new address each time: the email bucket denies
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		fmt.Printf("%d %s|%s\n", w.Code, w.Header().Get("RateLimit"), w.Header().Get("Retry-After"))
	}
	// Output:
	// 202 "register-ip";r=4;t=3600|
	// 202 "register-ip";r=4;t=3600|
	// 202 "register-ip";r=4;t=3600|
	// 429 "register-ip";r=4;t=3600|3600
}

func ExampleCounter() {
	store, _ := memstore.NewRateLimits(memstore.RateLimitOptions{})
	otp, _ := ratelimit.NewCounter(store, "otp", ratelimit.Limit{N: 3, Window: 15 * time.Minute})
	ctx := context.Background()
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	for i := range 4 {
		d, _ := otp.Hit(ctx, "user-42", now.Add(time.Duration(i)*time.Minute)) // count the attempt first
		fmt.Println(d.Allowed, d.Remaining, d.RetryAfter)
	}
	_ = otp.Reset(ctx, "user-42") // after a correct code
	d, _ := otp.Peek(ctx, "user-42", now.Add(4*time.Minute))
	fmt.Println(d.Allowed, d.Remaining)
	// Output:
	// true 2 0s
	// true 1 0s
	// true 0 0s
	// false 0 12m0s
	// true 3
}

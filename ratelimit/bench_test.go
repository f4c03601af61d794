package ratelimit_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tenantgate/tenantgate/clientip"
	"github.com/tenantgate/tenantgate/ratelimit"
)

// BenchmarkPolicyCheck measures a whole decision as the middleware makes
// it: client IP through one trusted proxy, key building, one store call.
func BenchmarkPolicyCheck(b *testing.B) {
	res, err := clientip.New(clientip.Config{TrustedProxies: []string{"10.0.0.0/8"}})
	if err != nil {
		b.Fatal(err)
	}
	byIP, _ := ratelimit.ByClientIP(res, clientip.Grouper{})
	var clock fakeClock
	clock.Set(t0)
	lim, err := ratelimit.New(ratelimit.Config{Store: newStore(b), Clock: &clock})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("ip-rule", func(b *testing.B) {
		p, _ := lim.Policy(ratelimit.Rule{Name: "api", Limit: ratelimit.Limit{N: 100, Window: time.Second}, Key: byIP})
		reqs := make([]*http.Request, 1024)
		for i := range reqs {
			r := httptest.NewRequest("GET", "/api/crm/contacts", nil)
			r.RemoteAddr = "10.0.0.1:443"
			r.Header.Set("X-Forwarded-For", "198.51.100."+strconv.Itoa(i%256)+", 10.0.0.2")
			reqs[i] = r
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			_, _, _ = p.Check(reqs[i&1023])
		}
	})
	b.Run("auth-rules-with-json-body", func(b *testing.B) {
		p, _ := lim.Policy(ratelimit.AuthRules(ratelimit.RouteRegister, byIP)...)
		body := `{"email":"Alice@Bücher.example","password":"correct horse battery staple"}`
		b.ReportAllocs()
		for b.Loop() {
			r := httptest.NewRequest("POST", "/api/auth/register", strings.NewReader(body))
			r.RemoteAddr = "203.0.113.1:443"
			_, _, _ = p.Check(r)
		}
	})
}

package clientip_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/tenantgate/tenantgate/clientip"
)

func Example() {
	res, err := clientip.New(clientip.Config{TrustedProxies: []string{"10.0.0.0/8"}})
	if err != nil {
		panic(err)
	}
	g := clientip.Grouper{} // IPv6 by /64

	// Through the load balancer: the rightmost untrusted hop is the client;
	// the forged left part is never read.
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.0.0.5:41000"
	r.Header.Set("X-Forwarded-For", "192.0.2.99, 2001:db8:1:2::77")
	ip, _ := res.ClientIP(r)
	fmt.Println(ip, g.Key(ip))

	// Straight from the internet: headers are ignored.
	r.RemoteAddr = "203.0.113.7:5000"
	ip, _ = res.ClientIP(r)
	fmt.Println(ip, g.Key(ip))
	// Output:
	// 2001:db8:1:2::77 2001:db8:1:2::/64
	// 203.0.113.7 203.0.113.7
}

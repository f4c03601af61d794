package clientip_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/clientip"
)

func mustResolver(t testing.TB, cfg clientip.Config) *clientip.Resolver {
	t.Helper()
	r, err := clientip.New(cfg)
	require.NoError(t, err)
	return r
}

func request(remote string, hdr map[string][]string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/api/auth/register", nil)
	r.RemoteAddr = remote
	for k, v := range hdr {
		r.Header[k] = v
	}
	return r
}

// spoofHeaders are what an attacker rotates to pick or escape a bucket.
var spoofHeaders = []map[string][]string{
	{"X-Forwarded-For": {"198.51.100.1"}},
	{"X-Forwarded-For": {"198.51.100.2, 198.51.100.3"}},
	{"X-Real-Ip": {"198.51.100.4"}},
	{"True-Client-Ip": {"198.51.100.5"}},
	{"Forwarded": {"for=198.51.100.6"}},
	{"Forwarded": {`for="[2001:db8::6]:443"`}},
	{"X-Forwarded-For": {"2001:db8::7"}, "X-Real-Ip": {"2001:db8::8"}, "True-Client-Ip": {"2001:db8::9"}, "Forwarded": {"for=198.51.100.10"}},
	{"X-Forwarded-For": {"not-an-ip"}},
	{"X-Forwarded-For": {"127.0.0.1"}},
}

// TestAdvisory_GHSA_3fxj_6jh8_hvhx_NoTrustedProxyUsesSocketOnly: go-chi/chi
// took the client address from X-Real-IP / True-Client-IP / X-Forwarded-For
// without a trusted proxy. With no proxy trusted, only the socket counts.
func TestAdvisory_GHSA_3fxj_6jh8_hvhx_NoTrustedProxyUsesSocketOnly(t *testing.T) {
	res := mustResolver(t, clientip.Config{})
	want := netip.MustParseAddr("203.0.113.7")
	for i, h := range spoofHeaders {
		got, err := res.ClientIP(request("203.0.113.7:51234", h))
		require.NoError(t, err)
		assert.Equal(t, want, got, "spoof set %d", i)
	}
}

// TestAdvisory_httprate53_UntrustedPeerHeadersIgnored: go-chi/httprate
// issue 53 — keying on X-Forwarded-For let one client rotate buckets, or
// name a victim's address and drain the victim's bucket. A peer that is not
// a trusted proxy is the client, whatever it sends.
func TestAdvisory_httprate53_UntrustedPeerHeadersIgnored(t *testing.T) {
	res := mustResolver(t, clientip.Config{TrustedProxies: []string{"10.0.0.0/8"}})
	attacker := netip.MustParseAddr("203.0.113.66")
	for i, h := range spoofHeaders {
		got, err := res.ClientIP(request("203.0.113.66:4000", h))
		require.NoError(t, err)
		assert.Equal(t, attacker, got, "spoof set %d", i)
	}
}

// TestAdvisory_httprate53_VictimBucketNotDrainedThroughProxy: behind a
// trusted proxy that appends the real peer, a forged left part (the
// victim's address) is never reached.
func TestAdvisory_httprate53_VictimBucketNotDrainedThroughProxy(t *testing.T) {
	res := mustResolver(t, clientip.Config{TrustedProxies: []string{"10.0.0.1"}})
	got, err := res.ClientIP(request("10.0.0.1:443", map[string][]string{
		"X-Forwarded-For": {"192.0.2.99, 203.0.113.66"}, // victim forged, attacker appended by proxy
		"X-Real-Ip":       {"192.0.2.99"},
	}))
	require.NoError(t, err)
	assert.Equal(t, netip.MustParseAddr("203.0.113.66"), got)
}

func TestClientIP_TrustedChain(t *testing.T) {
	xff := mustResolver(t, clientip.Config{TrustedProxies: []string{"10.0.0.0/8", "2001:db8:ffff::/48", "192.0.2.254"}})
	fwd := mustResolver(t, clientip.Config{TrustedProxies: []string{"10.0.0.0/8", "2001:db8:ffff::/48"}, Header: clientip.Forwarded})
	cases := []struct {
		name   string
		res    *clientip.Resolver
		remote string
		hdr    map[string][]string
		want   string
	}{
		{"untrusted peer", xff, "203.0.113.1:1", map[string][]string{"X-Forwarded-For": {"198.51.100.1"}}, "203.0.113.1"},
		{"one proxy", xff, "10.0.0.1:1", map[string][]string{"X-Forwarded-For": {"198.51.100.1"}}, "198.51.100.1"},
		{"two proxies", xff, "10.0.0.1:1", map[string][]string{"X-Forwarded-For": {"198.51.100.1, 10.1.2.3"}}, "198.51.100.1"},
		{"forged left part", xff, "10.0.0.1:1", map[string][]string{"X-Forwarded-For": {"1.1.1.1, 2.2.2.2, 198.51.100.1, 10.1.2.3"}}, "198.51.100.1"},
		{"single trusted address", xff, "192.0.2.254:1", map[string][]string{"X-Forwarded-For": {"198.51.100.1"}}, "198.51.100.1"},
		{"neighbour of single trusted address", xff, "192.0.2.253:1", map[string][]string{"X-Forwarded-For": {"198.51.100.1"}}, "192.0.2.253"},
		{"multiple lines", xff, "10.0.0.1:1", map[string][]string{"X-Forwarded-For": {"1.1.1.1", "198.51.100.1, 10.9.9.9"}}, "198.51.100.1"},
		{"multiple lines, right line all trusted", xff, "10.0.0.1:1", map[string][]string{"X-Forwarded-For": {"198.51.100.1", "10.9.9.9"}}, "198.51.100.1"},
		{"no header", xff, "10.0.0.1:1", nil, "10.0.0.1"},
		{"all trusted", xff, "10.0.0.1:1", map[string][]string{"X-Forwarded-For": {"10.3.3.3, 10.2.2.2"}}, "10.3.3.3"},
		{"garbage from trusted hop", xff, "10.0.0.1:1", map[string][]string{"X-Forwarded-For": {"198.51.100.1, unknown, 10.2.2.2"}}, "10.2.2.2"},
		{"empty elements skipped", xff, "10.0.0.1:1", map[string][]string{"X-Forwarded-For": {"198.51.100.1, , "}}, "198.51.100.1"},
		{"ipv4 with port", xff, "10.0.0.1:1", map[string][]string{"X-Forwarded-For": {"198.51.100.1:8080"}}, "198.51.100.1"},
		{"ipv6 bracketed with port", xff, "10.0.0.1:1", map[string][]string{"X-Forwarded-For": {"[2001:db8::1]:8080"}}, "2001:db8::1"},
		{"ipv6 bare", xff, "[2001:db8:ffff::1]:443", map[string][]string{"X-Forwarded-For": {"2001:db8::1"}}, "2001:db8::1"},
		{"ipv4-mapped unmapped", xff, "10.0.0.1:1", map[string][]string{"X-Forwarded-For": {"::ffff:198.51.100.1"}}, "198.51.100.1"},
		{"mapped trusted peer", xff, "[::ffff:10.0.0.1]:1", map[string][]string{"X-Forwarded-For": {"198.51.100.1"}}, "198.51.100.1"},
		{"zone refused", xff, "10.0.0.1:1", map[string][]string{"X-Forwarded-For": {"fe80::1%eth0"}}, "10.0.0.1"},
		{"xff resolver ignores Forwarded", xff, "10.0.0.1:1", map[string][]string{"Forwarded": {"for=198.51.100.9"}}, "10.0.0.1"},
		{"forwarded one proxy", fwd, "10.0.0.1:1", map[string][]string{"Forwarded": {"for=198.51.100.1;proto=https"}}, "198.51.100.1"},
		{"forwarded chain", fwd, "10.0.0.1:1", map[string][]string{"Forwarded": {`for=1.1.1.1, for="198.51.100.1:4711";by=10.0.0.2, for=10.0.0.3`}}, "198.51.100.1"},
		{"forwarded ipv6", fwd, "10.0.0.1:1", map[string][]string{"Forwarded": {`for="[2001:db8:cafe::17]:4711"`}}, "2001:db8:cafe::17"},
		{"forwarded case-insensitive name", fwd, "10.0.0.1:1", map[string][]string{"Forwarded": {"For=198.51.100.1"}}, "198.51.100.1"},
		{"forwarded quoted comma", fwd, "10.0.0.1:1", map[string][]string{"Forwarded": {`for=198.51.100.1;ext="a,b"`}}, "198.51.100.1"},
		{"forwarded unknown", fwd, "10.0.0.1:1", map[string][]string{"Forwarded": {"for=198.51.100.1, for=unknown"}}, "10.0.0.1"},
		{"forwarded obfuscated", fwd, "10.0.0.1:1", map[string][]string{"Forwarded": {"for=_hidden"}}, "10.0.0.1"},
		{"forwarded without for", fwd, "10.0.0.1:1", map[string][]string{"Forwarded": {"proto=https"}}, "10.0.0.1"},
		// A client's unterminated quote to the left must not swallow the
		// element the proxy appended.
		{"forwarded unterminated quote on the left", fwd, "10.0.0.1:1", map[string][]string{"Forwarded": {`for="192.0.2.99, for=198.51.100.1`}}, "198.51.100.1"},
		{"forwarded ignores xff", fwd, "10.0.0.1:1", map[string][]string{"X-Forwarded-For": {"198.51.100.9"}}, "10.0.0.1"},
		{"forwarded backslash refused", fwd, "10.0.0.1:1", map[string][]string{"Forwarded": {`for="198.51.100.\1"`}}, "10.0.0.1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.res.ClientIP(request(tc.remote, tc.hdr))
			require.NoError(t, err)
			assert.Equal(t, netip.MustParseAddr(tc.want), got)
		})
	}
}

func TestClientIP_NoSocketAddress(t *testing.T) {
	res := mustResolver(t, clientip.Config{TrustedProxies: []string{"0.0.0.0/0"}})
	for _, remote := range []string{"", "@", "localhost:80", "[::1"} {
		_, err := res.ClientIP(request(remote, map[string][]string{"X-Forwarded-For": {"198.51.100.1"}}))
		assert.ErrorIs(t, err, clientip.ErrNoAddress, remote)
	}
}

func TestNew_Validation(t *testing.T) {
	cases := []struct {
		name string
		cfg  clientip.Config
		ok   bool
	}{
		{"empty", clientip.Config{}, true},
		{"cidrs and addresses", clientip.Config{TrustedProxies: []string{"10.0.0.0/8", " 192.0.2.1 ", "2001:db8::/32", "::ffff:10.0.0.0/104"}}, true},
		{"forwarded", clientip.Config{Header: clientip.Forwarded}, true},
		{"bad cidr", clientip.Config{TrustedProxies: []string{"10.0.0.0/33"}}, false},
		{"hostname", clientip.Config{TrustedProxies: []string{"proxy.internal"}}, false},
		{"empty entry", clientip.Config{TrustedProxies: []string{""}}, false},
		{"zone", clientip.Config{TrustedProxies: []string{"fe80::1%eth0"}}, false},
		{"short mapped prefix", clientip.Config{TrustedProxies: []string{"::ffff:0:0/90"}}, false},
		{"unknown header", clientip.Config{Header: clientip.Header(7)}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := clientip.New(tc.cfg)
			if tc.ok {
				require.NoError(t, err)
				assert.NotNil(t, r)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), "clientip: ")
			assert.Nil(t, r)
		})
	}
}

func TestTrusts_NonCanonicalCIDRMasked(t *testing.T) {
	res := mustResolver(t, clientip.Config{TrustedProxies: []string{"10.1.2.3/8", "::ffff:172.16.0.0/108"}})
	assert.True(t, res.Trusts(netip.MustParseAddr("10.200.0.1")))
	assert.True(t, res.Trusts(netip.MustParseAddr("172.16.5.5")))
	assert.False(t, res.Trusts(netip.MustParseAddr("11.0.0.1")))
}

func TestGrouper(t *testing.T) {
	g64, err := clientip.NewGrouper(clientip.DefaultIPv6Bits)
	require.NoError(t, err)
	g56, err := clientip.NewGrouper(56)
	require.NoError(t, err)
	cases := []struct {
		name string
		g    clientip.Grouper
		a, b string
		same bool
	}{
		{"v6 same /64", g64, "2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", true},
		{"v6 other /64", g64, "2001:db8:1:2::1", "2001:db8:1:3::1", false},
		{"v6 same /56", g56, "2001:db8:1:200::1", "2001:db8:1:2ff::1", true},
		{"v6 other /56", g56, "2001:db8:1:200::1", "2001:db8:1:300::1", false},
		{"v4 whole", g64, "192.0.2.1", "192.0.2.2", false},
		{"v4 mapped", g64, "::ffff:192.0.2.1", "192.0.2.1", true},
		{"zone dropped", g64, "fe80::1%eth0", "fe80::2", true},
		{"zero value is /64", clientip.Grouper{}, "2001:db8::1", "2001:db8::ffff", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ka := tc.g.Key(netip.MustParseAddr(tc.a))
			kb := tc.g.Key(netip.MustParseAddr(tc.b))
			require.NotEmpty(t, ka)
			assert.Equal(t, tc.same, ka == kb, "%s vs %s", ka, kb)
		})
	}
	assert.Equal(t, "2001:db8:1:2::/64", g64.Key(netip.MustParseAddr("2001:db8:1:2:3:4:5:6")))
	assert.Equal(t, "192.0.2.1", g64.Key(netip.MustParseAddr("192.0.2.1")))
	assert.Equal(t, "", g64.Key(netip.Addr{}))
	for _, bad := range []int{0, -1, 129} {
		_, err := clientip.NewGrouper(bad)
		assert.Error(t, err, bad)
	}
}

func TestClientIP_Allocs(t *testing.T) {
	res := mustResolver(t, clientip.Config{TrustedProxies: []string{"10.0.0.0/8"}})
	r := request("10.0.0.1:1", map[string][]string{"X-Forwarded-For": {"198.51.100.1, 10.1.1.1"}})
	n := testing.AllocsPerRun(100, func() { _, _ = res.ClientIP(r) })
	assert.Zero(t, n)
}

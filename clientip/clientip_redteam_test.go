package clientip_test

import (
	"net/http"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/clientip"
)

// Attacks through the RFC 7239 Forwarded header behind one trusted proxy
// (10.0.0.1). The proxy appends its own element; everything to its left
// is the client's to forge. The answer must be the element the proxy
// wrote, or the proxy itself when that element names no address.
func TestAttack_ForwardedElementTricks(t *testing.T) {
	r, err := clientip.New(clientip.Config{TrustedProxies: []string{"10.0.0.1"}, Header: clientip.Forwarded})
	require.NoError(t, err)
	proxy := "10.0.0.1:4242"
	cases := []struct {
		name, header, want string
	}{
		{"quoted IPv6 loopback with port", `for="[::1]:80"`, "::1"},
		{"IPv4 with port, quoted", `for="198.51.100.7:8080"`, "198.51.100.7"},
		{"obfuscated node", `for=_hidden`, "10.0.0.1"},
		{"unknown", `for=unknown`, "10.0.0.1"},
		{"IPv4-mapped IPv6 is the IPv4 client", `for="[::ffff:198.51.100.7]"`, "198.51.100.7"},
		{"forged element left of the proxy's", `for=1.1.1.1, for=198.51.100.7`, "198.51.100.7"},
		{"forged trusted hop left of the proxy's", `for=10.0.0.1, for=198.51.100.7`, "198.51.100.7"},
		{"quote smuggling a comma", `for="1.1.1.1, for=2.2.2.2", for=198.51.100.7`, "198.51.100.7"},
		{"two for pairs in the proxy's element", `for=198.51.100.7;for=1.1.1.1`, "10.0.0.1"},
		{"zone", `for="[fe80::1%eth0]"`, "10.0.0.1"},
		{"escaped quote", `for="1.1.1.1\"`, "10.0.0.1"},
		{"case-insensitive parameter name", `FOR=198.51.100.7;proto=https`, "198.51.100.7"},
		{"port without brackets on IPv6", `for=2001:db8::1:80`, "2001:db8::1:80"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.Resolve(proxy, http.Header{"Forwarded": {tc.header}})
			require.NoError(t, err)
			assert.Equal(t, netip.MustParseAddr(tc.want), got)
		})
	}
}

// Attack: rotate between spellings of one address to get fresh buckets.
func TestAttack_OneAddressOneBucket(t *testing.T) {
	g, err := clientip.NewGrouper(clientip.DefaultIPv6Bits)
	require.NoError(t, err)
	r, err := clientip.New(clientip.Config{TrustedProxies: []string{"10.0.0.0/8"}})
	require.NoError(t, err)
	want := "198.51.100.7"
	for _, xff := range []string{"198.51.100.7", "::ffff:198.51.100.7", "[::ffff:198.51.100.7]", "198.51.100.7:1234", "[::ffff:c633:6407]:9"} {
		t.Run(xff, func(t *testing.T) {
			a, err := r.Resolve("10.1.2.3:1", http.Header{"X-Forwarded-For": {xff}})
			require.NoError(t, err)
			assert.Equal(t, want, g.Key(a))
		})
	}
	// Direct peers too: a mapped socket address is the IPv4 client.
	a, err := r.Resolve("[::ffff:198.51.100.7]:443", nil)
	require.NoError(t, err)
	assert.Equal(t, want, g.Key(a))
	// IPv6 clients rotating inside their /64 share one bucket.
	k1, _ := r.Resolve("[2001:db8:1:2::1]:1", nil)
	k2, _ := r.Resolve("[2001:db8:1:2:ffff:ffff:ffff:ffff]:1", nil)
	assert.Equal(t, g.Key(k1), g.Key(k2))
}

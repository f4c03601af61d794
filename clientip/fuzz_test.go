package clientip_test

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/tenantgate/tenantgate/clientip"
)

var fuzzSeeds = []string{
	"198.51.100.1", "198.51.100.1, 10.0.0.2", "[2001:db8::1]:80, 10.0.0.2", "unknown", "",
	",,,", "for=198.51.100.1;proto=https", `for="[2001:db8:cafe::17]:4711", for=10.0.0.3`,
	`for="unterminated, for=198.51.100.1`, `for=_x;by=10.0.0.1`, "fe80::1%eth0", "::ffff:10.0.0.1",
}

// checkInvariants holds for any header: a result is always returned for an
// IP socket peer, it is unmapped and zone-free, and an untrusted peer is
// always its own client.
func checkInvariants(t *testing.T, h clientip.Header, value string) {
	trusting, err := clientip.New(clientip.Config{TrustedProxies: []string{"10.0.0.0/8"}, Header: h})
	if err != nil {
		t.Fatal(err)
	}
	none, err := clientip.New(clientip.Config{Header: h})
	if err != nil {
		t.Fatal(err)
	}
	hdr := http.Header{h.String(): strings.Split(value, "\n")}
	for _, peer := range []string{"10.0.0.1:1", "203.0.113.9:1"} {
		got, err := trusting.Resolve(peer, hdr)
		if err != nil {
			t.Fatalf("Resolve(%q): %v", peer, err)
		}
		if !got.IsValid() || got.Is4In6() || got.Zone() != "" {
			t.Fatalf("bad address %v", got)
		}
		if peer == "203.0.113.9:1" && got != netip.MustParseAddr("203.0.113.9") {
			t.Fatalf("untrusted peer replaced by %v", got)
		}
		got, err = none.Resolve(peer, hdr)
		if err != nil || got != netip.MustParseAddrPort(peer).Addr() {
			t.Fatalf("no trusted proxy but got %v, %v", got, err)
		}
	}
}

func FuzzXForwardedFor(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) { checkInvariants(t, clientip.XForwardedFor, v) })
}

func FuzzForwarded(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) { checkInvariants(t, clientip.Forwarded, v) })
}

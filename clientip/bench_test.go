package clientip_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tenantgate/tenantgate/clientip"
)

func benchResolve(b *testing.B, h clientip.Header, value string) {
	res, err := clientip.New(clientip.Config{TrustedProxies: []string{"10.0.0.0/8", "2001:db8:ffff::/48"}, Header: h})
	if err != nil {
		b.Fatal(err)
	}
	hdr := http.Header{h.String(): {value}}
	b.ReportAllocs()
	b.SetBytes(int64(len(value)))
	for b.Loop() {
		if _, err := res.Resolve("10.0.0.1:443", hdr); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResolve(b *testing.B) {
	attacker := strings.Repeat("198.51.100.200, ", 2000) + "198.51.100.1, 10.0.0.2" // ~32 KiB of forged hops
	attackerFwd := strings.Repeat(`for="[2001:db8::1]:1";proto=https, `, 1000) + "for=198.51.100.1, for=10.0.0.2"
	unterminated := `for="` + strings.Repeat("a,", 8000) + ", for=198.51.100.1"
	b.Run("xff/realistic", func(b *testing.B) { benchResolve(b, clientip.XForwardedFor, "198.51.100.1, 10.0.0.2") })
	b.Run("xff/attacker-32KiB", func(b *testing.B) { benchResolve(b, clientip.XForwardedFor, attacker) })
	b.Run("forwarded/realistic", func(b *testing.B) {
		benchResolve(b, clientip.Forwarded, `for="198.51.100.1:4711";proto=https, for=10.0.0.2`)
	})
	b.Run("forwarded/attacker-36KiB", func(b *testing.B) { benchResolve(b, clientip.Forwarded, attackerFwd) })
	b.Run("forwarded/attacker-unterminated-16KiB", func(b *testing.B) { benchResolve(b, clientip.Forwarded, unterminated) })
	b.Run("untrusted-peer", func(b *testing.B) {
		res, _ := clientip.New(clientip.Config{TrustedProxies: []string{"10.0.0.0/8"}})
		hdr := http.Header{"X-Forwarded-For": {attacker}}
		b.ReportAllocs()
		for b.Loop() {
			_, _ = res.Resolve("203.0.113.1:443", hdr)
		}
	})
}

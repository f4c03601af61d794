package clientip

import (
	"fmt"
	"net/netip"
)

// DefaultIPv6Bits is the IPv6 prefix length a Grouper uses by default: a
// /64 is what one subscriber or host usually holds.
const DefaultIPv6Bits = 64

// Grouper maps a client address to its rate-limit bucket. The zero value
// groups IPv6 by DefaultIPv6Bits; NewGrouper chooses another length.
type Grouper struct {
	v6Bits int
}

// NewGrouper returns a Grouper that keeps IPv4 addresses whole and masks
// IPv6 addresses to v6Bits (1–128; DefaultIPv6Bits is /64).
func NewGrouper(v6Bits int) (Grouper, error) {
	if v6Bits < 1 || v6Bits > 128 {
		return Grouper{}, fmt.Errorf("clientip: IPv6 prefix length %d out of range 1–128", v6Bits)
	}
	return Grouper{v6Bits: v6Bits}, nil
}

// Prefix returns the bucket of addr: addr/32 for IPv4 (and IPv4-mapped
// IPv6), addr masked to the configured length for IPv6. The zone is dropped.
// An invalid addr yields the zero Prefix.
func (g Grouper) Prefix(addr netip.Addr) netip.Prefix {
	if !addr.IsValid() {
		return netip.Prefix{}
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is4() {
		return netip.PrefixFrom(addr, 32)
	}
	bits := g.v6Bits
	if bits == 0 {
		bits = DefaultIPv6Bits
	}
	p, _ := addr.Prefix(bits) // cannot fail: bits in range, no zone
	return p
}

// Key returns the bucket of addr as a string: "192.0.2.1" for IPv4,
// "2001:db8:1:2::/64" for IPv6. Two addresses share a bucket exactly when
// their keys are equal.
func (g Grouper) Key(addr netip.Addr) string {
	p := g.Prefix(addr)
	if !p.IsValid() {
		return ""
	}
	if p.Addr().Is4() {
		return p.Addr().String()
	}
	return p.String()
}

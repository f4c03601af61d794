package clientip

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// ErrNoAddress is returned when the request's socket address
// (Request.RemoteAddr) is not an IP address, for example on a Unix socket.
var ErrNoAddress = errors.New("clientip: request has no IP socket address")

// Header names the forwarding header the trusted proxies write.
type Header int

const (
	// XForwardedFor reads X-Forwarded-For: a comma-separated list of
	// addresses, each hop appending the address of its peer. It is the
	// default.
	XForwardedFor Header = iota
	// Forwarded reads the RFC 7239 Forwarded header and uses the "for"
	// parameter of each element.
	Forwarded
)

// String returns the canonical header name.
func (h Header) String() string {
	switch h {
	case XForwardedFor:
		return "X-Forwarded-For"
	case Forwarded:
		return "Forwarded"
	}
	return fmt.Sprintf("Header(%d)", int(h))
}

// Config configures a Resolver.
type Config struct {
	// TrustedProxies lists the proxies whose forwarding header is believed,
	// as CIDR prefixes ("10.0.0.0/8", "2001:db8::/32") or single addresses
	// ("192.0.2.10"). Empty means no proxy is trusted: the socket address is
	// the client.
	TrustedProxies []string
	// Header is the forwarding header the trusted proxies write; the zero
	// value is XForwardedFor. It is ignored when TrustedProxies is empty.
	Header Header
}

// Resolver finds a request's client address. It is immutable and safe for
// concurrent use.
type Resolver struct {
	trusted []netip.Prefix
	header  string // canonical header key
}

// New validates cfg and returns a Resolver. Each trusted proxy must be a
// valid CIDR prefix or address without zone; an invalid entry is an error,
// never silently dropped.
func New(cfg Config) (*Resolver, error) {
	var h string
	switch cfg.Header {
	case XForwardedFor:
		h = "X-Forwarded-For"
	case Forwarded:
		h = "Forwarded"
	default:
		return nil, fmt.Errorf("clientip: unknown header %d", int(cfg.Header))
	}
	r := &Resolver{header: h}
	for _, s := range cfg.TrustedProxies {
		p, err := parseTrusted(s)
		if err != nil {
			return nil, err
		}
		r.trusted = append(r.trusted, p)
	}
	return r, nil
}

func parseTrusted(s string) (netip.Prefix, error) {
	t := strings.TrimSpace(s)
	if strings.ContainsRune(t, '/') {
		p, err := netip.ParsePrefix(t)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("clientip: invalid trusted proxy %q: %w", s, err)
		}
		a := p.Addr()
		if a.Is4In6() {
			if p.Bits() < 96 {
				return netip.Prefix{}, fmt.Errorf("clientip: invalid trusted proxy %q: IPv4-mapped prefix shorter than /96", s)
			}
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(t)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("clientip: invalid trusted proxy %q: %w", s, err)
	}
	if a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("clientip: invalid trusted proxy %q: zones are not allowed", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Trusts reports whether addr is a trusted proxy.
func (r *Resolver) Trusts(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range r.trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// ClientIP returns the client address of req by the package rule. The
// address is unmapped (::ffff:192.0.2.1 is returned as 192.0.2.1) and has no
// zone. It fails only when req.RemoteAddr is not an IP address
// (ErrNoAddress). It allocates nothing.
func (r *Resolver) ClientIP(req *http.Request) (netip.Addr, error) {
	return r.Resolve(req.RemoteAddr, req.Header)
}

// Resolve is ClientIP on a socket address ("host:port" or a bare address)
// and request headers, for callers that hold them apart from a request.
func (r *Resolver) Resolve(remoteAddr string, h http.Header) (netip.Addr, error) {
	peer, ok := parseHop(remoteAddr)
	if !ok {
		return netip.Addr{}, ErrNoAddress
	}
	if len(r.trusted) == 0 || !r.Trusts(peer) {
		return peer, nil
	}
	lines := h[r.header]
	client := peer // the nearest hop known good
	for i := len(lines) - 1; i >= 0; i-- {
		var done bool
		if r.header == "Forwarded" {
			client, done = r.walkForwarded(lines[i], client)
		} else {
			client, done = r.walkXFF(lines[i], client)
		}
		if done {
			return client, nil
		}
	}
	return client, nil
}

// walkXFF walks one X-Forwarded-For line from the right. last is the nearest
// trusted hop so far. It returns the client and true when an untrusted hop
// (the client) or an unparsable one (the client is then last) is met, or
// the leftmost trusted hop and false when the line is exhausted.
func (r *Resolver) walkXFF(line string, last netip.Addr) (netip.Addr, bool) {
	for len(line) > 0 {
		var elem string
		if i := strings.LastIndexByte(line, ','); i >= 0 {
			elem, line = line[i+1:], line[:i]
		} else {
			elem, line = line, ""
		}
		elem = trimOWS(elem)
		if elem == "" {
			continue
		}
		a, ok := parseHop(elem)
		if !ok {
			return last, true
		}
		if !r.Trusts(a) {
			return a, true
		}
		last = a
	}
	return last, false
}

// walkForwarded is walkXFF for one RFC 7239 Forwarded line. Elements are
// split from the right outside quoted strings, so garbage a client put to
// the left of the proxies' elements (an unterminated quote, say) is never
// parsed.
func (r *Resolver) walkForwarded(line string, last netip.Addr) (netip.Addr, bool) {
	for len(line) > 0 {
		// Find the element's start: the last comma outside quotes.
		inQuote := false
		start := 0
		for i := len(line) - 1; i >= 0; i-- {
			c := line[i]
			if c == '"' {
				inQuote = !inQuote
			} else if c == ',' && !inQuote {
				start = i + 1
				break
			}
		}
		if inQuote { // unbalanced quote in a hop we must trust: stop
			return last, true
		}
		elem := trimOWS(line[start:])
		if start > 0 {
			line = line[:start-1]
		} else {
			line = ""
		}
		if elem == "" {
			continue
		}
		v, ok := forwardedFor(elem)
		if !ok {
			return last, true
		}
		a, ok := parseHop(v)
		if !ok {
			return last, true
		}
		if !r.Trusts(a) {
			return a, true
		}
		last = a
	}
	return last, false
}

// forwardedFor returns the value of the "for" parameter of one Forwarded
// element (pairs separated by ';'), unquoted. A quoted value holding a
// backslash is refused: no address needs one.
func forwardedFor(elem string) (string, bool) {
	var val string
	found := false
	for len(elem) > 0 {
		// Next pair ends at ';' outside quotes.
		end := len(elem)
		inQuote := false
		for i := 0; i < len(elem); i++ {
			c := elem[i]
			if c == '"' {
				inQuote = !inQuote
			} else if c == ';' && !inQuote {
				end = i
				break
			}
		}
		pair := trimOWS(elem[:end])
		if end < len(elem) {
			elem = elem[end+1:]
		} else {
			elem = ""
		}
		eq := strings.IndexByte(pair, '=')
		if eq < 0 {
			if pair == "" {
				continue
			}
			return "", false
		}
		if !strings.EqualFold(pair[:eq], "for") {
			continue
		}
		if found { // duplicate "for" in one element is malformed
			return "", false
		}
		v := pair[eq+1:]
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
			if strings.IndexByte(v, '\\') >= 0 {
				return "", false
			}
		} else if strings.IndexByte(v, '"') >= 0 {
			return "", false
		}
		val, found = v, true
	}
	return val, found
}

// parseHop parses one hop: "192.0.2.1", "192.0.2.1:80", "2001:db8::1",
// "[2001:db8::1]" or "[2001:db8::1]:80". Zones and anything else are
// refused. The result is unmapped.
func parseHop(s string) (netip.Addr, bool) {
	if s == "" || strings.IndexByte(s, '%') >= 0 {
		return netip.Addr{}, false
	}
	if s[0] == '[' {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return netip.Addr{}, false
		}
		rest := s[end+1:]
		if rest != "" && !validPort(rest) {
			return netip.Addr{}, false
		}
		a, err := netip.ParseAddr(s[1:end])
		if err != nil || !a.Is6() {
			return netip.Addr{}, false
		}
		return a.Unmap(), true
	}
	if i := strings.IndexByte(s, ':'); i >= 0 && strings.IndexByte(s[i+1:], ':') < 0 {
		// exactly one colon: IPv4 with port
		if !validPort(s[i:]) {
			return netip.Addr{}, false
		}
		s = s[:i]
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is4() {
			return netip.Addr{}, false
		}
		return a, true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// validPort reports whether s is ":" followed by 1–5 digits.
func validPort(s string) bool {
	if len(s) < 2 || len(s) > 6 || s[0] != ':' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

package disposable

import (
	"errors"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"github.com/tenantgate/tenantgate/problem"
)

// Limits from RFC 5321 §4.5.3.1.
const (
	// MaxLocalLen is the longest local part, in octets.
	MaxLocalLen = 64
	// MaxDomainLen is the longest domain, in octets, after conversion to ASCII.
	MaxDomainLen = 255
	// MaxAddressLen is the longest address (local "@" domain), in octets.
	MaxAddressLen = 254
	// maxInputLen bounds the work done on untrusted input before any parsing:
	// generous enough for an IDN domain written in Unicode plus white space.
	maxInputLen = 1024
)

// Reasons an address is refused. They are the internal cause of the
// invalid_email problem (reachable with errors.Is) and are never rendered to
// clients.
var (
	ErrEmpty       = errors.New("disposable: empty address")
	ErrTooLong     = errors.New("disposable: address too long")
	ErrAt          = errors.New("disposable: address must contain exactly one @")
	ErrLocalPart   = errors.New("disposable: invalid local part")
	ErrLocalLength = errors.New("disposable: local part longer than 64 octets")
	ErrDomain      = errors.New("disposable: invalid domain")
)

// profile is the strict IDNA profile: UTS #46 lookup mapping (case, width,
// compatibility forms, full-stop variants), STD3 ASCII rules, label
// validation, the Bidi rule and DNS length checks; non-transitional.
var profile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.VerifyDNSLength(true),
	idna.Transitional(false),
)

// Address is a parsed, canonical email address. Both parts are lower-case
// ASCII; Domain is in punycode form without a trailing dot.
type Address struct {
	Local  string
	Domain string
}

// String returns the canonical address, local "@" domain.
func (a Address) String() string { return a.Local + "@" + a.Domain }

func invalid(cause error) error {
	return &problem.Error{Code: problem.CodeInvalidEmail, Err: cause}
}

// Parse parses untrusted input strictly and returns its canonical Address.
// Any refusal is a *problem.Error with code invalid_email (400) whose
// internal cause is one of the Err… reasons of this package.
func Parse(s string) (Address, error) {
	if len(s) > maxInputLen {
		return Address{}, invalid(ErrTooLong)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return Address{}, invalid(ErrEmpty)
	}
	at := strings.IndexByte(s, '@')
	if at < 0 || strings.IndexByte(s[at+1:], '@') >= 0 {
		return Address{}, invalid(ErrAt)
	}
	local, err := parseLocal(s[:at])
	if err != nil {
		return Address{}, invalid(err)
	}
	domain, err := normalizeDomain(s[at+1:])
	if err != nil {
		return Address{}, invalid(err)
	}
	if len(local)+1+len(domain) > MaxAddressLen {
		return Address{}, invalid(ErrTooLong)
	}
	return Address{Local: local, Domain: domain}, nil
}

// Normalize returns the canonical form of an address (see Parse), the key
// other packages should use for rate limits and account lookups.
func Normalize(s string) (string, error) {
	a, err := Parse(s)
	if err != nil {
		return "", err
	}
	return a.String(), nil
}

// NormalizeDomain returns the canonical ASCII form of a domain name: one
// trailing dot removed, IDNA-mapped (case, width) and converted to punycode,
// at least two labels, each label letters, digits and inner hyphens. A
// refusal is a *problem.Error with code invalid_email.
func NormalizeDomain(d string) (string, error) {
	if len(d) > maxInputLen {
		return "", invalid(ErrTooLong)
	}
	out, err := normalizeDomain(strings.TrimSpace(d))
	if err != nil {
		return "", invalid(err)
	}
	return out, nil
}

// parseLocal validates an ASCII dot-atom (RFC 5322 §3.2.3) and lower-cases it.
func parseLocal(l string) (string, error) {
	if l == "" {
		return "", ErrLocalPart
	}
	if len(l) > MaxLocalLen {
		return "", ErrLocalLength
	}
	if l[0] == '.' || l[len(l)-1] == '.' || strings.Contains(l, "..") {
		return "", ErrLocalPart
	}
	lower := true
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !isAtext(c) && c != '.' {
			return "", ErrLocalPart
		}
		if 'A' <= c && c <= 'Z' {
			lower = false
		}
	}
	if lower {
		return l, nil
	}
	return strings.ToLower(l), nil
}

// isAtext reports whether c is an RFC 5322 atext character: letters, digits
// and !#$%&'*+-/=?^_`{|}~. Quotes, brackets, parentheses, commas, colons,
// semicolons, backslashes, spaces and controls are not.
func isAtext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

func normalizeDomain(d string) (string, error) {
	if d == "" || !utf8.ValidString(d) {
		return "", ErrDomain
	}
	// Refuse what IDNA mapping would silently drop or fold: controls, spaces,
	// and ignorable format characters (soft hyphen, zero-width joiners…) are
	// never part of a domain we accept as written.
	for _, r := range d {
		if r <= ' ' || r == 0x7f || (0x80 <= r && r <= 0x9f) || r == 0xad || (0x200b <= r && r <= 0x200f) ||
			r == 0x2060 || r == 0xfeff || (0x2028 <= r && r <= 0x202e) {
			return "", ErrDomain
		}
	}
	// One trailing root dot is allowed, written "." or as a full-stop
	// variant (U+3002, U+FF0E…) that IDNA maps to "."; never two.
	rooted := strings.HasSuffix(d, ".")
	if rooted {
		d = d[:len(d)-1]
	}
	a, err := profile.ToASCII(d)
	if err != nil || a == "" {
		return "", ErrDomain
	}
	if strings.HasSuffix(a, ".") {
		if rooted {
			return "", ErrDomain
		}
		a = a[:len(a)-1]
	}
	if len(a) > MaxDomainLen || a == "" || a[0] == '.' || strings.Contains(a, "..") {
		return "", ErrDomain
	}
	dot := strings.LastIndexByte(a, '.')
	if dot < 0 {
		return "", ErrDomain // a bare host name is not a mail domain
	}
	tld := a[dot+1:]
	allDigits := true
	for i := 0; i < len(tld); i++ {
		c := tld[i]
		if c < '0' || c > '9' {
			allDigits = false
		}
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return "", ErrDomain
		}
	}
	if allDigits {
		return "", ErrDomain // an IPv4 literal in disguise
	}
	for i := 0; i < len(a); i++ {
		c := a[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return "", ErrDomain
		}
	}
	return a, nil
}

package disposable

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tenantgate/tenantgate/problem"
)

// ErrNoList is returned by New when it is given no block-list at all.
var ErrNoList = errors.New("disposable: at least one block-list is required (use Curated())")

// verdict is what a suffix entry decides.
type verdict uint8

const (
	blocked verdict = iota + 1
	allowed
)

// Checker decides whether an address may register. It merges its lists into
// one map at construction, so a check costs one lookup per label of the
// domain. A Checker is immutable and safe for concurrent use.
type Checker struct {
	entries map[string]verdict
}

// Config configures a Checker.
type Config struct {
	// Block lists the block-lists to merge; at least one is required. Pass
	// Curated() for the embedded list, plus any larger list from Load.
	Block []*List
	// Allow lists domains that pass even when they, or a parent of theirs,
	// are blocked. Entries are normalized with NormalizeDomain.
	Allow []string
}

// New builds a Checker. It refuses a Config without block-lists, nil lists
// and invalid allowlist entries.
func New(cfg Config) (*Checker, error) {
	if len(cfg.Block) == 0 {
		return nil, ErrNoList
	}
	n := 0
	for i, l := range cfg.Block {
		if l == nil {
			return nil, fmt.Errorf("disposable: block-list %d is nil", i+1)
		}
		n += l.Len()
	}
	c := &Checker{entries: make(map[string]verdict, n+len(cfg.Allow))}
	for _, l := range cfg.Block {
		for d := range l.set {
			c.entries[d] = blocked
		}
	}
	for i, a := range cfg.Allow {
		d, err := NormalizeDomain(a)
		if err != nil {
			return nil, fmt.Errorf("disposable: allow entry %d: %w", i+1, err)
		}
		c.entries[d] = allowed
	}
	return c, nil
}

// Default returns a Checker over the curated list with no allowlist.
func Default() *Checker { return defaultChecker }

var defaultChecker = &Checker{entries: func() map[string]verdict {
	m := make(map[string]verdict, curated.Len())
	for d := range curated.set {
		m[d] = blocked
	}
	return m
}()}

// Check parses an untrusted address (see Parse) and refuses it when its
// domain is disposable. It returns the canonical Address on success, a
// 400 invalid_email problem for malformed input and a 422
// disposable_email problem for a blocked domain.
func (c *Checker) Check(email string) (Address, error) {
	a, err := Parse(email)
	if err != nil {
		return Address{}, err
	}
	if hit, ok := c.match(a.Domain); ok {
		return Address{}, &problem.Error{
			Code: problem.CodeDisposableEmail,
			Err:  fmt.Errorf("disposable: domain matches block-list entry %q", hit),
		}
	}
	return a, nil
}

// Blocked reports whether a canonical domain (as returned by
// NormalizeDomain or in Address.Domain) is blocked: its most specific
// listed suffix, itself included, is a block-list entry.
func (c *Checker) Blocked(domain string) bool {
	_, ok := c.match(domain)
	return ok
}

// match walks the label suffixes of d from the most specific ("a.b.c",
// "b.c", "c") and returns the first entry found, if it is a block. The walk
// slices d without allocating.
func (c *Checker) match(d string) (string, bool) {
	for s := d; ; {
		if v, ok := c.entries[s]; ok {
			return s, v == blocked
		}
		i := strings.IndexByte(s, '.')
		if i < 0 {
			return "", false
		}
		s = s[i+1:]
	}
}

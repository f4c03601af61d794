package disposable

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"strings"
)

//go:embed domains.txt
var curatedText string

// curated is parsed once at package initialization; the embedded file is
// tested, so a failure here is a build defect, not a runtime condition.
var curated = mustLoad(curatedText)

func mustLoad(s string) *List {
	l, err := Load(strings.NewReader(s))
	if err != nil {
		panic(err) // unreachable: TestCurated parses the same embedded text
	}
	return l
}

// maxLineLen bounds one line of a loaded list.
const maxLineLen = 4096

// List is an immutable set of canonical domain names. It is safe for
// concurrent use.
type List struct {
	set map[string]struct{}
}

// Curated returns the embedded list of 15 well-known disposable-mail
// domains (see domains.txt for the source of each entry). The returned List
// is shared and immutable.
func Curated() *List { return curated }

// NewList returns a List of the given domains, each normalized with
// NormalizeDomain. An invalid domain is an error naming its position.
func NewList(domains ...string) (*List, error) {
	l := &List{set: make(map[string]struct{}, len(domains))}
	for i, d := range domains {
		n, err := NormalizeDomain(d)
		if err != nil {
			return nil, fmt.Errorf("disposable: domain %d: %w", i+1, err)
		}
		l.set[n] = struct{}{}
	}
	return l, nil
}

// Load reads a list in the common text format: one domain a line; "#"
// starts a comment that runs to the end of the line; blank lines are
// ignored; each domain is normalized with NormalizeDomain (so IDN entries
// may be written in Unicode or punycode). An invalid line, or a line longer
// than 4096 bytes, is an error naming its line number and the whole list is
// refused.
func Load(r io.Reader) (*List, error) {
	l := &List{set: make(map[string]struct{})}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256), maxLineLen)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		d, err := NormalizeDomain(line)
		if err != nil {
			return nil, fmt.Errorf("disposable: line %d: %w", n, err)
		}
		l.set[d] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("disposable: line %d: %w", n+1, err)
	}
	return l, nil
}

// Len returns the number of distinct domains in l.
func (l *List) Len() int { return len(l.set) }

// Has reports whether the canonical domain d is in l itself (parents are
// not consulted; see Checker for suffix matching).
func (l *List) Has(d string) bool {
	_, ok := l.set[d]
	return ok
}

// Domains returns the domains of l in no particular order.
func (l *List) Domains() []string {
	out := make([]string, 0, len(l.set))
	for d := range l.set {
		out = append(out, d)
	}
	return out
}

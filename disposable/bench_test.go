package disposable

import (
	"fmt"
	"strings"
	"testing"
)

func benchChecker(b *testing.B, n int) *Checker {
	b.Helper()
	var sb strings.Builder
	for i := range n {
		fmt.Fprintf(&sb, "d%07d.example\n", i)
	}
	l, err := Load(strings.NewReader(sb.String()))
	if err != nil {
		b.Fatal(err)
	}
	c, err := New(Config{Block: []*List{Curated(), l}})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkCheck compares list sizes: the cost per check depends on the
// number of labels of the domain, not on the number of entries.
func BenchmarkCheck(b *testing.B) {
	for _, n := range []int{15, 100_000, 1_000_000} {
		c := benchChecker(b, n)
		for _, in := range []struct{ name, email string }{
			{"ascii_pass", "Alice.Smith@mail.example.com"},
			{"subdomain_blocked", "u@a.b.c.mailinator.com"},
			{"idn_pass", "u@bücher.example.de"},
		} {
			b.Run(fmt.Sprintf("list=%d/%s", n, in.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					_, _ = c.Check(in.email)
				}
			})
		}
	}
}

// BenchmarkBlocked measures the suffix walk alone on an attacker-sized
// domain (127 labels) against a large list.
func BenchmarkBlocked(b *testing.B) {
	c := benchChecker(b, 1_000_000)
	d := strings.Repeat("a.", 126) + "com"
	b.ReportAllocs()
	for b.Loop() {
		_ = c.Blocked(d)
	}
}

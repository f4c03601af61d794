package disposable

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tenantgate/tenantgate/problem"
)

// FuzzParse checks Parse's promises on arbitrary input: it never panics; a
// refusal is always invalid_email; an accepted address is canonical (a fixed
// point of Normalize), within RFC 5321 limits, ASCII, free of spaces,
// controls, quotes and brackets, with exactly one "@"; and the default
// Checker agrees with Parse.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"u@mailinator.com", "U@MAILINATOR.COM", "u@x.mailinator.com", "u@mailinator.com.",
		" u@mailinator.com ", "a@b@mailinator.com", "u@bücher.example", "u@xn--bcher-kva.example",
		"Bob <bob@example.com>", `"q"@example.com`, "u@[127.0.0.1]", "u@ｍａｉｌｉｎａｔｏｒ.com",
		"u@mailinator\u3002com", "u@xn--", "", "@", "u@.", strings.Repeat("a", 65) + "@x.com",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		a, err := Parse(in)
		if err != nil {
			if !errors.Is(err, problem.ErrInvalidEmail) {
				t.Fatalf("Parse(%q) error %v is not invalid_email", in, err)
			}
			if _, cerr := Default().Check(in); !errors.Is(cerr, problem.ErrInvalidEmail) {
				t.Fatalf("Check(%q) = %v, Parse refused it", in, cerr)
			}
			return
		}
		s := a.String()
		if len(a.Local) == 0 || len(a.Local) > MaxLocalLen || len(a.Domain) > MaxDomainLen || len(s) > MaxAddressLen {
			t.Fatalf("Parse(%q) = %q exceeds limits", in, s)
		}
		if strings.Count(s, "@") != 1 || !utf8.ValidString(s) {
			t.Fatalf("Parse(%q) = %q", in, s)
		}
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c <= ' ' || c >= 0x7f || strings.IndexByte(`"<>()[],;:\`, c) >= 0 || ('A' <= c && c <= 'Z') {
				t.Fatalf("Parse(%q) = %q contains byte %#x", in, s, c)
			}
		}
		again, err := Parse(s)
		if err != nil || again != a {
			t.Fatalf("canonical %q does not reparse to itself: %v, %v", s, again, err)
		}
		_, cerr := Default().Check(in)
		if cerr != nil && !errors.Is(cerr, problem.ErrDisposableEmail) {
			t.Fatalf("Check(%q) = %v after Parse accepted it", in, cerr)
		}
		if (cerr != nil) != Default().Blocked(a.Domain) {
			t.Fatalf("Check and Blocked disagree on %q", in)
		}
	})
}

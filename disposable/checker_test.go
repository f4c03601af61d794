package disposable

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/problem"
)

func TestCurated(t *testing.T) {
	l, err := Load(strings.NewReader(curatedText))
	require.NoError(t, err)
	assert.Equal(t, 15, l.Len(), "the curated list has exactly 15 domains")
	assert.Equal(t, 15, Curated().Len())
	for _, line := range strings.Split(curatedText, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		assert.Contains(t, line, "# ", "every entry names its source: %q", line)
		assert.Contains(t, line, "https://", "every entry names its operator's site: %q", line)
	}
	for _, d := range Curated().Domains() {
		assert.True(t, Default().Blocked(d), d)
	}
}

// TestCheck_Variants is the table: every spelling of a listed domain
// is refused with 422 disposable_email, malformed input with 400
// invalid_email, and an allowlisted domain passes.
func TestCheck_Variants(t *testing.T) {
	idn, err := NewList("bücher.example")
	require.NoError(t, err)
	c, err := New(Config{
		Block: []*List{Curated(), idn},
		Allow: []string{"corp.mailinator.com", "YOPMAIL.COM."},
	})
	require.NoError(t, err)

	cases := []struct {
		name   string
		in     string
		status int
		code   problem.Code
		want   string
	}{
		{"listed", "u@mailinator.com", 422, problem.CodeDisposableEmail, ""},
		{"upper case", "U@MAILINATOR.COM", 422, problem.CodeDisposableEmail, ""},
		{"subdomain", "u@x.mailinator.com", 422, problem.CodeDisposableEmail, ""},
		{"deep subdomain", "u@a.b.c.mailinator.com", 422, problem.CodeDisposableEmail, ""},
		{"trailing dot", "u@mailinator.com.", 422, problem.CodeDisposableEmail, ""},
		{"surrounding spaces", "  u@mailinator.com  ", 422, problem.CodeDisposableEmail, ""},
		{"fullwidth", "u@ｍａｉｌｉｎａｔｏｒ.com", 422, problem.CodeDisposableEmail, ""},
		{"ideographic full stop", "u@mailinator\u3002com", 422, problem.CodeDisposableEmail, ""},
		{"fullwidth full stop trailing", "u@mailinator.com\uff0e", 422, problem.CodeDisposableEmail, ""},
		{"IDN listed unicode", "u@bücher.example", 422, problem.CodeDisposableEmail, ""},
		{"IDN listed upper", "u@BÜCHER.EXAMPLE", 422, problem.CodeDisposableEmail, ""},
		{"IDN listed punycode", "u@xn--bcher-kva.example", 422, problem.CodeDisposableEmail, ""},
		{"IDN listed subdomain punycode", "u@mx.XN--BCHER-KVA.example", 422, problem.CodeDisposableEmail, ""},
		{"other curated", "someone@guerrillamail.com", 422, problem.CodeDisposableEmail, ""},
		{"malformed two ats", "a@b@mailinator.com", 400, problem.CodeInvalidEmail, ""},
		{"malformed display name", "Mallory <m@mailinator.com>", 400, problem.CodeInvalidEmail, ""},
		{"lookalike not listed", "u@mailinator.co", 0, "", "u@mailinator.co"},
		{"suffix is not a subdomain", "u@notmailinator.com", 0, "", "u@notmailinator.com"},
		{"cyrillic homoglyph is another domain", "u@mailinatоr.com", 0, "", "u@xn--mailinatr-72h.com"},
		{"allowlisted subdomain", "u@corp.mailinator.com", 0, "", "u@corp.mailinator.com"},
		{"below allowlisted subdomain", "u@eu.corp.mailinator.com", 0, "", "u@eu.corp.mailinator.com"},
		{"allowlisted listed domain", "U@YopMail.com", 0, "", "u@yopmail.com"},
		{"ordinary", "Alice@Example.com", 0, "", "alice@example.com"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := c.Check(tc.in)
			if tc.code == "" {
				require.NoError(t, err)
				assert.Equal(t, tc.want, a.String())
				return
			}
			require.Error(t, err)
			assert.Equal(t, Address{}, a)
			body := problem.BodyOf(err)
			assert.Equal(t, tc.status, body.Status)
			assert.Equal(t, tc.code, body.Code)
		})
	}
}

func TestDefault_NoAllowlist(t *testing.T) {
	_, err := Default().Check("u@yopmail.com")
	assert.ErrorIs(t, err, problem.ErrDisposableEmail)
	a, err := Default().Check("u@example.com")
	require.NoError(t, err)
	assert.Equal(t, "u@example.com", a.String())
}

func TestNew_Config(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no list", Config{}, "at least one block-list"},
		{"nil list", Config{Block: []*List{nil}}, "block-list 1 is nil"},
		{"bad allow", Config{Block: []*List{Curated()}, Allow: []string{"ok.com", "not valid"}}, "allow entry 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.cfg)
			assert.Nil(t, c)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.True(t, strings.HasPrefix(err.Error(), "disposable: "))
		})
	}
}

func TestLoad(t *testing.T) {
	l, err := Load(strings.NewReader("# a list\n\nExample.ORG.   # trailing comment\n  bücher.example\nexample.org\n"))
	require.NoError(t, err)
	assert.Equal(t, 2, l.Len())
	assert.True(t, l.Has("example.org"))
	assert.True(t, l.Has("xn--bcher-kva.example"))

	bad := []struct{ name, in, want string }{
		{"invalid domain", "ok.com\nnot a domain\n", "line 2"},
		{"address not domain", "ok.com\n\nu@mailinator.com\n", "line 3"},
		{"line too long", "ok.com\n" + strings.Repeat("a", 5000) + ".com\n", "line 2"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			l, err := Load(strings.NewReader(tc.in))
			assert.Nil(t, l)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestCheck_CostIndependentOfListSize shows the lookup walks labels, not
// entries: a domain matched via a parent entry is found in a list of 100 000
// entries as in a list of one.
func TestCheck_LargeList(t *testing.T) {
	var b strings.Builder
	for i := range 100_000 {
		fmt.Fprintf(&b, "d%06d.example\n", i)
	}
	big, err := Load(strings.NewReader(b.String()))
	require.NoError(t, err)
	c, err := New(Config{Block: []*List{Curated(), big}})
	require.NoError(t, err)
	_, err = c.Check("u@mx.d099999.example")
	assert.ErrorIs(t, err, problem.ErrDisposableEmail)
	_, err = c.Check("u@d100000.example")
	assert.NoError(t, err)
}

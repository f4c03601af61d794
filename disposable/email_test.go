package disposable

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/problem"
)

func TestParse_Canonical(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"plain", "u@example.com", "u@example.com"},
		{"upper case", "U@EXAMPLE.COM", "u@example.com"},
		{"mixed case local", "John.Doe@Example.Org", "john.doe@example.org"},
		{"surrounding spaces", "  u@example.com \t\n", "u@example.com"},
		{"trailing dot", "u@example.com.", "u@example.com"},
		{"plus tag kept", "u+news@example.com", "u+news@example.com"},
		{"atext specials", "a!#$%&'*+-/=?^_`{|}~z@example.com", "a!#$%&'*+-/=?^_`{|}~z@example.com"},
		{"subdomain", "u@mail.example.co.uk", "u@mail.example.co.uk"},
		{"IDN unicode", "u@bücher.example", "u@xn--bcher-kva.example"},
		{"IDN upper unicode", "u@BÜCHER.example", "u@xn--bcher-kva.example"},
		{"IDN punycode", "u@xn--bcher-kva.example", "u@xn--bcher-kva.example"},
		{"IDN punycode upper", "u@XN--BCHER-KVA.EXAMPLE", "u@xn--bcher-kva.example"},
		{"fullwidth letters", "u@ｅｘａｍｐｌｅ.com", "u@example.com"},
		{"ideographic full stop", "u@example\u3002com", "u@example.com"},
		{"local 64 octets", strings.Repeat("a", 64) + "@example.com", strings.Repeat("a", 64) + "@example.com"},
		{"address 254 octets", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 57) + ".com",
			strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 57) + ".com"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Normalize(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			again, err := Normalize(got)
			require.NoError(t, err, "canonical form must parse")
			assert.Equal(t, got, again, "canonical form is a fixed point")
		})
	}
}

func TestParse_Refused(t *testing.T) {
	long := strings.Repeat("a", 63)
	cases := []struct {
		name, in string
		why      error
	}{
		{"empty", "", ErrEmpty},
		{"spaces only", "   ", ErrEmpty},
		{"no at", "u.example.com", ErrAt},
		{"two ats", "a@b@mailinator.com", ErrAt},
		{"quoted at", `"a@b"@example.com`, ErrAt},
		{"display name", "Bob <bob@example.com>", ErrLocalPart},
		{"angle brackets", "<bob@example.com>", ErrLocalPart},
		{"quoted local", `"bob"@example.com`, ErrLocalPart},
		{"comment", "bob(comment)@example.com", ErrLocalPart},
		{"inner space", "bo b@example.com", ErrLocalPart},
		{"CR LF injection", "bob\r\nBcc: x@example.com@example.com", ErrAt},
		{"CRLF in local", "bob\r\n@example.com", ErrLocalPart},
		{"NUL in local", "bob\x00@example.com", ErrLocalPart},
		{"non-ASCII local", "bøb@example.com", ErrLocalPart},
		{"leading dot", ".bob@example.com", ErrLocalPart},
		{"trailing dot local", "bob.@example.com", ErrLocalPart},
		{"double dot", "bo..b@example.com", ErrLocalPart},
		{"empty local", "@example.com", ErrLocalPart},
		{"local 65 octets", strings.Repeat("a", 65) + "@example.com", ErrLocalLength},
		{"empty domain", "u@", ErrDomain},
		{"bare host", "u@localhost", ErrDomain},
		{"IP literal", "u@[127.0.0.1]", ErrDomain},
		{"dotted quad", "u@127.0.0.1", ErrDomain},
		{"underscore", "u@ex_ample.com", ErrDomain},
		{"space in domain", "u@exa mple.com", ErrDomain},
		{"tab in domain", "u@example.com\t.evil", ErrDomain},
		{"two trailing dots", "u@example.com..", ErrDomain},
		{"dot and full stop", "u@example.com\u3002.", ErrDomain},
		{"leading dot domain", "u@.example.com", ErrDomain},
		{"empty label", "u@example..com", ErrDomain},
		{"hyphen edge", "u@-example.com", ErrDomain},
		{"label 64 octets", "u@" + strings.Repeat("b", 64) + ".com", ErrDomain},
		{"zero width joiner", "u@mail\u200dinator.com", ErrDomain},
		{"soft hyphen", "u@mail\u00adinator.com", ErrDomain},
		{"ASCII-only punycode", "u@xn--mailinator-.com", ErrDomain},
		{"bad punycode", "u@xn--zz-99999999.com", ErrDomain},
		{"invalid UTF-8", "u@exa\xffmple.com", ErrDomain},
		{"address 255 octets", strings.Repeat("a", 64) + "@" + long + "." + long + "." + strings.Repeat("d", 58) + ".com", ErrTooLong},
		{"huge input", strings.Repeat("a", 2000) + "@example.com", ErrTooLong},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Parse(tc.in)
			require.Error(t, err)
			assert.Equal(t, Address{}, a)
			assert.ErrorIs(t, err, problem.ErrInvalidEmail)
			assert.ErrorIs(t, err, tc.why)
			body := problem.BodyOf(err)
			assert.Equal(t, 400, body.Status)
			assert.Equal(t, problem.CodeInvalidEmail, body.Code)
			if strings.TrimSpace(tc.in) != "" {
				assert.NotContains(t, body.Detail, strings.TrimSpace(tc.in), "input is never echoed")
			}
		})
	}
}

func TestNormalizeDomain(t *testing.T) {
	d, err := NormalizeDomain(" MAILINATOR.COM. ")
	require.NoError(t, err)
	assert.Equal(t, "mailinator.com", d)
	_, err = NormalizeDomain("not a domain")
	assert.True(t, errors.Is(err, problem.ErrInvalidEmail))
}

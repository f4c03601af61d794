package secret

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Mask is the fixed text that stands for the hidden part of a Value.
const Mask = "********"

// MinRevealLen is the shortest Value (in characters) whose last 4 characters
// are shown; shorter values are rendered as Mask alone.
const MinRevealLen = 12

// revealTail is how many trailing characters a long Value shows.
const revealTail = 4

// ErrStaleMask is returned by Merge when the incoming text is a masked
// rendering that does not match the stored Value: the client echoed the mask
// of a credential that has changed since it read it. Hosts usually answer
// 409 conflict.
var ErrStaleMask = errors.New("secret: masked value does not match the stored credential")

// ErrUseUpdate is returned when JSON is decoded into a Value. Decode
// incoming credentials into an Update and apply it with Update.Apply, so that
// a masked echo never replaces the stored credential.
var ErrUseUpdate = errors.New("secret: decode credentials into secret.Update, not secret.Value")

// Value is a credential that renders masked everywhere. The zero Value is
// empty. Values are immutable and safe for concurrent use; copying a Value
// is cheap.
//
// The credential is held behind a pointer, so that even a struct printed by
// reflection (an unexported field under %+v) shows an address, never the
// text.
type Value struct {
	p *string
}

// New returns a Value holding s.
func New(s string) Value {
	if s == "" {
		return Value{}
	}
	return Value{p: &s}
}

// Reveal returns the plain credential. Call it only where the credential
// leaves the process for its legitimate use (the provider's API, the one
// response that shows a new credential to its owner).
func (v Value) Reveal() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}

// IsZero reports whether v is empty.
func (v Value) IsZero() bool { return v.p == nil || *v.p == "" }

// Equal reports whether v and w hold the same credential, in time that does
// not depend on where they differ.
func (v Value) Equal(w Value) bool {
	return subtle.ConstantTimeCompare([]byte(v.Reveal()), []byte(w.Reveal())) == 1
}

// Masked returns the masked rendering of v (see the package doc for the
// rule).
func (v Value) Masked() string {
	s := v.Reveal()
	if s == "" {
		return ""
	}
	n := utf8.RuneCountInString(s)
	if n < MinRevealLen {
		return Mask
	}
	// Walk back revealTail runes.
	i := len(s)
	for k := 0; k < revealTail; k++ {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return Mask + s[i:]
}

// String returns the masked rendering.
func (v Value) String() string { return v.Masked() }

// GoString returns the masked rendering in Go syntax, for %#v.
func (v Value) GoString() string { return "secret.Value(" + strconv.Quote(v.Masked()) + ")" }

// Format implements fmt.Formatter: every verb renders the masked text
// (%q quotes it, %#v shows GoString), so no verb prints the credential.
func (v Value) Format(f fmt.State, verb rune) {
	m := v.Masked()
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = f.Write([]byte(v.GoString()))
	case verb == 'q':
		_, _ = f.Write([]byte(strconv.Quote(m)))
	default:
		_, _ = f.Write([]byte(m))
	}
}

// LogValue implements slog.LogValuer: logs see the masked text.
func (v Value) LogValue() slog.Value { return slog.StringValue(v.Masked()) }

// MarshalJSON renders the masked text as a JSON string.
func (v Value) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(v.Masked())), nil }

// MarshalText renders the masked text (used by encoding/xml, map keys and
// text-based encoders).
func (v Value) MarshalText() ([]byte, error) { return []byte(v.Masked()), nil }

// UnmarshalJSON always fails with ErrUseUpdate: incoming credentials are
// decoded into an Update, which knows about masked echoes.
func (v *Value) UnmarshalJSON([]byte) error { return ErrUseUpdate }

// IsMasked reports whether s looks like a masked rendering (it starts with
// Mask). Such text is never stored as a credential.
func IsMasked(s string) bool { return strings.HasPrefix(s, Mask) }

// Merge applies an incoming text to a stored credential:
//
//   - clear is true: the result is empty, whatever incoming holds;
//   - incoming is empty: stored is kept (an absent field changes nothing);
//   - incoming is the masked rendering of stored (what a GET returned):
//     stored is kept;
//   - incoming is another masked text: ErrStaleMask, stored is kept;
//   - otherwise incoming replaces stored.
func Merge(stored Value, incoming string, clear bool) (Value, error) {
	switch {
	case clear:
		return Value{}, nil
	case incoming == "":
		return stored, nil
	case IsMasked(incoming):
		if incoming == stored.Masked() {
			return stored, nil
		}
		return stored, ErrStaleMask
	default:
		return New(incoming), nil
	}
}

// Update is an incoming credential field of a JSON request. It decodes from:
//
//   - a JSON string: a new credential, or the masked echo of the stored one
//     (see Merge); "" changes nothing;
//   - null, or an absent field: changes nothing;
//   - the object {"clear": true}: removes the stored credential.
//
// Apply merges it into the stored Value. An Update renders masked like a
// Value.
type Update struct {
	text  Value
	clear bool
}

// UpdateTo returns an Update that sets s (as if decoded from a JSON string).
func UpdateTo(s string) Update { return Update{text: New(s)} }

// UpdateClear returns an Update that clears the stored credential.
func UpdateClear() Update { return Update{clear: true} }

// UnmarshalJSON decodes a string, null or {"clear": true}.
func (u *Update) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	switch {
	case s == "null":
		*u = Update{}
		return nil
	case strings.HasPrefix(s, `"`):
		t, err := unquoteJSON(b)
		if err != nil {
			return errors.New("secret: invalid credential string")
		}
		*u = Update{text: New(t)}
		return nil
	case strings.HasPrefix(s, "{"):
		var c struct {
			Clear bool `json:"clear"`
		}
		if err := decodeStrict(b, &c); err != nil || !c.Clear {
			return errors.New(`secret: a credential object must be {"clear": true}`)
		}
		*u = Update{clear: true}
		return nil
	default:
		return errors.New("secret: a credential must be a string, null or {\"clear\": true}")
	}
}

// Apply merges u into stored (see Merge).
func (u Update) Apply(stored Value) (Value, error) {
	return Merge(stored, u.text.Reveal(), u.clear)
}

// IsClear reports whether u asks to clear the credential.
func (u Update) IsClear() bool { return u.clear }

// Format renders u masked, like a Value.
func (u Update) Format(f fmt.State, verb rune) {
	if u.clear {
		_, _ = f.Write([]byte("secret.Update(clear)"))
		return
	}
	u.text.Format(f, verb)
}

// LogValue renders u masked.
func (u Update) LogValue() slog.Value {
	if u.clear {
		return slog.StringValue("(clear)")
	}
	return u.text.LogValue()
}

// MarshalJSON renders u masked.
func (u Update) MarshalJSON() ([]byte, error) {
	if u.clear {
		return []byte(`{"clear":true}`), nil
	}
	return u.text.MarshalJSON()
}

package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
)

func TestEscape(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"plain", "Acme Corp", "Acme Corp"},
		{"non-ASCII letters kept", "Café Zürich 東京", "Café Zürich 東京"},
		{"CR LF", "a\r\nb", `a\r\nb`},
		{"ANSI escape", "\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"line separator", "a\u2028b\u2029c", `a\u2028b\u2029c`},
		{"bidi override", "abc\u202edcba", `abc\u202edcba`},
		{"NUL and DEL", "a\x00b\x7f", `a\x00b\x7f`},
		{"backslash is escaped so escapes are unambiguous", `a\nb`, `a\\nb`},
		{"quote", `say "hi"`, `say \"hi\"`},
		{"invalid UTF-8", "a\xffb", `a\xffb`},
		{"C1 control", "a\u0085b", `a\u0085b`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, audit.Escape(tc.in))
		})
	}
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "a\r\nb", "\x1b[2J", "x\u2028y", "\xff\xfe", `\"`, "ok"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := audit.Escape(s)
		require.True(t, utf8.ValidString(out))
		for _, r := range out {
			if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' || (r >= 0x80 && r < 0xa0) {
				t.Fatalf("Escape(%q) = %q keeps %U", s, out, r)
			}
		}
		back, err := strconv.Unquote(`"` + out + `"`)
		require.NoError(t, err)
		require.Equal(t, s, back, "Escape must be reversible")
	})
}

// forgedName tries to forge a second audit line and recolour the terminal.
const forgedName = "Acme\r\naudit 2025-01-01T00:00:00Z action=\"workspace.approve\" actor=\"op_1\"\x1b[2J\u2028"

func injectedEvent() audit.Event {
	return audit.Event{Time: t0, Workspace: "ws\n1", Actor: "u_1", Action: audit.ActionWorkspaceCreate,
		Target: audit.Target{Type: "workspace", ID: "ws\n1"}, Outcome: audit.OutcomeSuccess,
		RequestID: "req\r\nforged", Metadata: map[string]string{"workspace_title": forgedName, "k\ney": "v"}}
}

func assertOneSafeLine(t *testing.T, s string) {
	t.Helper()
	s = strings.TrimSuffix(s, "\n")
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' {
			t.Fatalf("rendering keeps %U: %q", r, s)
		}
	}
}

func TestAdvisory_LogInjection_String(t *testing.T) {
	e := injectedEvent()
	s := e.String()
	assertOneSafeLine(t, s)
	assert.True(t, strings.HasPrefix(s, "audit 2025-01-02T03:04:05.6789Z "), s)
	// The forged record stays inside its quoted value: its quotes are escaped.
	assert.Contains(t, s, `md.workspace_title="Acme\r\naudit 2025-01-01T00:00:00Z action=\"workspace.approve\" actor=\"op_1\"\x1b[2J\u2028"`)
	assert.Contains(t, s, `md.k\ney="v"`)
}

// rawHandler is the most naive slog handler: it writes string values as they
// are. Event.LogValue must be safe even through it.
type rawHandler struct{ buf *bytes.Buffer }

func (h rawHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h rawHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h rawHandler) WithGroup(string) slog.Handler            { return h }
func (h rawHandler) Handle(_ context.Context, r slog.Record) error {
	h.buf.WriteString(r.Message)
	var walk func(prefix string, a slog.Attr)
	walk = func(prefix string, a slog.Attr) {
		v := a.Value.Resolve()
		if v.Kind() == slog.KindGroup {
			for _, g := range v.Group() {
				walk(prefix+a.Key+".", g)
			}
			return
		}
		h.buf.WriteString(" " + prefix + a.Key + "=" + v.String())
	}
	r.Attrs(func(a slog.Attr) bool { walk("", a); return true })
	h.buf.WriteByte('\n')
	return nil
}

func TestAdvisory_LogInjection_Slog(t *testing.T) {
	e := injectedEvent()
	handlers := []struct {
		name string
		mk   func(*bytes.Buffer) slog.Handler
	}{
		{"text", func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) }},
		{"json", func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) }},
		{"naive", func(b *bytes.Buffer) slog.Handler { return rawHandler{b} }},
	}
	for _, h := range handlers {
		t.Run(h.name, func(t *testing.T) {
			var buf bytes.Buffer
			slog.New(h.mk(&buf)).Info("audit", "event", e)
			assert.Equal(t, 1, strings.Count(buf.String(), "\n"))
			assertOneSafeLine(t, buf.String())
			assert.Contains(t, buf.String(), "workspace.create")
		})
	}
}

func TestControlCharactersStoredAsData(t *testing.T) {
	st, trail := newTrail(t)
	got, err := trail.Append(context.Background(), injectedEvent())
	require.NoError(t, err)
	stored := readAll(t, st, "ws\n1")[0]
	assert.Equal(t, got, stored)
	assert.Equal(t, forgedName, stored.Metadata["workspace_title"], "stored exactly as given")
	assert.Equal(t, "req\r\nforged", stored.RequestID)
	js, err := json.Marshal(stored)
	require.NoError(t, err)
	assert.NotContains(t, string(js), "\n")
	assert.NotContains(t, string(js), "\u2028")
}

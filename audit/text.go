package audit

import (
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Escape renders s for a single line of text: backslash, quote, control
// characters (CR, LF, ESC and the rest of C0/C1), line and paragraph
// separators (U+2028, U+2029), bidirectional overrides and other
// non-printable runes become Go escapes (\n, \x1b, \u2028), and invalid UTF-8
// becomes \xNN. Printable text, including non-ASCII letters, is kept. The
// result never contains a byte below 0x20 or a line break of any kind.
func Escape(s string) string {
	if isPlain(s) {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '\\' || c == '"' {
			return false
		}
	}
	return true
}

// String renders e on one line with every field escaped (see Escape):
// a log line made from it cannot be split or forged by the data it carries.
// Sealed personal data is shown sealed.
func (e Event) String() string {
	var b strings.Builder
	b.WriteString("audit ")
	b.WriteString(e.Time.UTC().Format(time.RFC3339Nano))
	kv := func(k, v string) {
		if v == "" {
			return
		}
		b.WriteByte(' ')
		b.WriteString(k)
		b.WriteString(`="`)
		b.WriteString(Escape(v))
		b.WriteByte('"')
	}
	kv("id", e.ID)
	kv("workspace", e.Workspace)
	kv("seq", strconv.FormatUint(e.Seq, 10))
	kv("actor", e.Actor)
	kv("impersonator", e.Impersonator)
	kv("subject", e.Subject)
	kv("action", string(e.Action))
	kv("target_type", e.Target.Type)
	kv("target_id", e.Target.ID)
	kv("outcome", string(e.Outcome))
	kv("method", e.Method)
	kv("route", e.Route)
	if e.Status != 0 {
		kv("status", strconv.Itoa(e.Status))
	}
	kv("request_id", e.RequestID)
	kv("ip", e.IP)
	kv("user_agent", e.UserAgent)
	for _, k := range sortedKeys(e.Metadata) {
		kv("md."+Escape(k), e.Metadata[k])
	}
	kv("hash", e.Hash)
	return b.String()
}

// LogValue implements slog.LogValuer: e logs as a group whose string values
// are escaped (see Escape), so that no handler, however naive, writes a raw
// line break or terminal escape from event data.
func (e Event) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, 20)
	s := func(k, v string) {
		if v != "" {
			attrs = append(attrs, slog.String(k, Escape(v)))
		}
	}
	s("id", e.ID)
	attrs = append(attrs, slog.Time("time", e.Time.UTC()))
	s("workspace", e.Workspace)
	attrs = append(attrs, slog.Uint64("seq", e.Seq))
	s("actor", e.Actor)
	s("impersonator", e.Impersonator)
	s("subject", e.Subject)
	s("action", string(e.Action))
	s("target_type", e.Target.Type)
	s("target_id", e.Target.ID)
	s("outcome", string(e.Outcome))
	s("method", e.Method)
	s("route", e.Route)
	if e.Status != 0 {
		attrs = append(attrs, slog.Int("status", e.Status))
	}
	s("request_id", e.RequestID)
	s("ip", e.IP)
	s("user_agent", e.UserAgent)
	if len(e.Metadata) > 0 {
		md := make([]any, 0, len(e.Metadata))
		for _, k := range sortedKeys(e.Metadata) {
			md = append(md, slog.String(Escape(k), Escape(e.Metadata[k])))
		}
		attrs = append(attrs, slog.Group("metadata", md...))
	}
	s("hash", e.Hash)
	return slog.GroupValue(attrs...)
}

var _ slog.LogValuer = Event{}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

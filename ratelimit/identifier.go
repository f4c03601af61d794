package ratelimit

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode"

	"golang.org/x/net/idna"
)

// NormalizeIdentifier maps the spellings of one account identifier to one
// bucket key: surrounding white space is trimmed and the text lowercased;
// for an email address the domain is also converted from IDN to ASCII
// (punycode) and stripped of its trailing dot. So " Alice@Bücher.Example. "
// and "alice@xn--bcher-kva.example" share a bucket. A domain that is not a
// valid IDN is kept lowercased as written: it still counts, under its own
// key. Provider-specific aliases (dots, "+tag" local parts) are not folded.
func NormalizeIdentifier(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return s
	}
	local, domain := s[:at], trimDomain(s[at+1:])
	if a, err := idna.Lookup.ToASCII(domain); err == nil {
		domain = trimDomain(a)
	}
	return local + "@" + domain
}

// trimDomain drops trailing dots and white space (in any order).
func trimDomain(d string) string {
	return strings.TrimRightFunc(d, func(r rune) bool { return r == '.' || unicode.IsSpace(r) })
}

// jsonField returns the string value of the top-level member name of the
// JSON object in body, as encoding/json would decode it into a struct
// field: names match case-insensitively and the last match wins, and only
// the first JSON value of body is read. ok is false when body is not an
// object or the member is absent or not a string.
func jsonField(body []byte, name string) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return "", false
	}
	var val string
	found := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return "", false
		}
		if !strings.EqualFold(key, name) || string(raw) == "null" {
			continue // encoding/json leaves a field unchanged on null
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			found = false // a later non-string value overrides, as in encoding/json
			continue
		}
		val, found = s, true
	}
	return val, found
}

package audit

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Redacted replaces the value of every secret-looking metadata key, and
// Erased the value of a personal field that cannot be sealed (no subject, or
// the subject was erased).
const (
	Redacted = "[REDACTED]"
	Erased   = "[ERASED]"
)

// Metadata limits. Link rejects more than MaxMetadataKeys keys and cuts
// longer keys and values at a rune boundary.
const (
	MaxMetadataKeys     = 32
	MaxMetadataKeyLen   = 64
	MaxMetadataValueLen = 1024
)

// secretWords mark a metadata key as a credential wherever they occur in it
// (case-insensitive): its value is replaced by Redacted.
var secretWords = []string{
	"password", "passwd", "passphrase", "secret", "token", "otp", "totp",
	"authorization", "cookie", "recovery", "apikey", "api_key", "credential",
	"session", "bearer", "private", "signature", "seed",
}

// secretTokens mark a key as a credential when they are a whole word of it
// (split at non-letters and camelCase boundaries): "code" in "recoveryCode"
// or "otp_code", "key" in "apiKey", but not "keyboard" or "zipcode".
var secretTokens = map[string]bool{"code": true, "key": true, "auth": true, "pwd": true, "pass": true, "jwt": true, "sig": true, "pin": true, "nonce": true, "salt": true, "hash": true}

// personalTokens mark a key as personal data: its value is sealed under the
// event's subject key (see Trail), or dropped when it cannot be.
var personalTokens = map[string]bool{
	"email": true, "mail": true, "name": true, "phone": true, "ip": true,
	"address": true, "addr": true, "agent": true, "ua": true, "birthdate": true,
	"dob": true, "location": true,
}

// IsSecretKey reports whether a metadata key looks like it names a
// credential (password, token, secret, OTP, code, key, authorization, cookie,
// recovery code…). Its value is never stored.
//
// The key is matched after folding: invisible format characters (zero-width
// space, soft hyphen, bidi marks…) are dropped and full-width forms are read
// as ASCII, so "p\u200bassword" and "ｐａｓｓｗｏｒｄ" are secret keys too.
// Look-alike letters of other scripts (a Cyrillic "а" in "pаssword") are
// not recognized: metadata keys are meant to be program literals; never use
// client-supplied text as a key.
func IsSecretKey(key string) bool {
	key = foldKey(key)
	lk := strings.ToLower(key)
	for _, w := range secretWords {
		if strings.Contains(lk, w) {
			return true
		}
	}
	for _, t := range keyWords(key) {
		if secretTokens[t] {
			return true
		}
	}
	return false
}

// IsPersonalKey reports whether a metadata key looks like it names personal
// data (email, name, phone, IP, address, user agent…).
func IsPersonalKey(key string) bool {
	for _, t := range keyWords(foldKey(key)) {
		if personalTokens[t] {
			return true
		}
	}
	return false
}

// isSecretValue reports values that are credentials whatever their key: an
// HTTP authorization ("Bearer …", "Basic …", the scheme in any case and
// followed by any white space) or an otpauth:// URL.
func isSecretValue(v string) bool {
	lv := strings.ToLower(strings.TrimSpace(v))
	for _, scheme := range [...]string{"bearer", "basic"} {
		if rest, ok := strings.CutPrefix(lv, scheme); ok && rest != "" {
			if r, _ := utf8.DecodeRuneInString(rest); unicode.IsSpace(r) {
				return true
			}
		}
	}
	return strings.HasPrefix(lv, "otpauth://")
}

// foldKey returns key without format characters (unicode.Cf: zero-width
// space and joiners, soft hyphen, bidi controls) and with full-width ASCII
// forms (U+FF01–U+FF5E) replaced by ASCII, for the key checks only (the
// stored key is unchanged).
func foldKey(key string) string {
	plain := true
	for i := 0; i < len(key); i++ {
		if key[i] >= utf8.RuneSelf {
			plain = false
			break
		}
	}
	if plain {
		return key
	}
	var b strings.Builder
	b.Grow(len(key))
	for _, r := range key {
		switch {
		case unicode.Is(unicode.Cf, r):
		case r >= 0xFF01 && r <= 0xFF5E:
			b.WriteRune(r - 0xFEE0)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// looksPersonalValue reports values that look like an email address.
func looksPersonalValue(v string) bool {
	at := strings.IndexByte(v, '@')
	return at > 0 && strings.IndexByte(v[at+1:], '.') > 0
}

// keyWords splits a key into lower-case words at non-alphanumerics and at
// camelCase boundaries ("recoveryCode" → recovery, code; "X-API-Key" → x,
// api, key).
func keyWords(key string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(key)
	for i, r := range rs {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case unicode.IsUpper(r) && len(cur) > 0 &&
			(unicode.IsLower(cur[len(cur)-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]))):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return words
}

// truncate cuts s to at most n bytes at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

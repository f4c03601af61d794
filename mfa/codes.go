package mfa

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"log/slog"

	"golang.org/x/crypto/argon2"

	"github.com/tenantgate/tenantgate/secret"
)

const (
	recoveryBytes  = 10 // 80 bits → 16 base32 characters
	recoveryLen    = 16
	recoveryIndex  = 4
	recoverySalt   = 16
	recoveryKeyLen = 32
)

// parseOTP accepts exactly digits ASCII digits and nothing else.
func parseOTP(s string, digits int) bool {
	if len(s) != digits {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseRecovery returns the canonical 16-character form of a recovery code:
// ASCII letters upper-cased, and either no hyphens or exactly the three
// hyphens of XXXX-XXXX-XXXX-XXXX. Anything else is refused.
func parseRecovery(s string) (string, bool) {
	switch len(s) {
	case recoveryLen:
	case recoveryLen + 3:
		if s[4] != '-' || s[9] != '-' || s[14] != '-' {
			return "", false
		}
		s = s[0:4] + s[5:9] + s[10:14] + s[15:19]
	default:
		return "", false
	}
	var b [recoveryLen]byte
	for i := 0; i < recoveryLen; i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if !(('A' <= c && c <= 'Z') || ('2' <= c && c <= '7')) {
			return "", false
		}
		b[i] = c
	}
	return string(b[:]), true
}

// RecoveryCodes is a freshly generated recovery set, shown to its owner
// once. It renders masked (every fmt verb, JSON, slog); Reveal returns the
// codes for that one response.
type RecoveryCodes []secret.Value

// Reveal returns the codes as XXXX-XXXX-XXXX-XXXX strings.
func (rc RecoveryCodes) Reveal() []string {
	out := make([]string, len(rc))
	for i, v := range rc {
		out[i] = v.Reveal()
	}
	return out
}

// LogValue renders only the number of codes.
func (rc RecoveryCodes) LogValue() slog.Value {
	return slog.StringValue(fmt.Sprintf("%d recovery codes", len(rc)))
}

func display(code string) string {
	return code[0:4] + "-" + code[4:8] + "-" + code[8:12] + "-" + code[12:16]
}

// newRecoverySet draws RecoveryCodeCount codes with distinct indexes and
// hashes them.
func newRecoverySet(p Argon2Params) (RecoveryCodes, []RecoveryHash) {
	codes := make(RecoveryCodes, 0, RecoveryCodeCount)
	hashes := make([]RecoveryHash, 0, RecoveryCodeCount)
	seen := make(map[string]bool, RecoveryCodeCount)
	for len(codes) < RecoveryCodeCount {
		var raw [recoveryBytes]byte
		_, _ = rand.Read(raw[:])
		code := base32.StdEncoding.EncodeToString(raw[:])
		idx := code[:recoveryIndex]
		if seen[idx] {
			continue
		}
		seen[idx] = true
		codes = append(codes, secret.New(display(code)))
		hashes = append(hashes, hashRecovery(code, p))
	}
	return codes, hashes
}

func hashRecovery(code string, p Argon2Params) RecoveryHash {
	salt := make([]byte, recoverySalt)
	_, _ = rand.Read(salt)
	return RecoveryHash{
		Index:     code[:recoveryIndex],
		Salt:      salt,
		Hash:      argon2.IDKey([]byte(code), salt, p.Time, p.MemoryKiB, p.Threads, recoveryKeyLen),
		Time:      p.Time,
		MemoryKiB: p.MemoryKiB,
		Threads:   p.Threads,
	}
}

// matchRecovery finds the entry for code's index and checks it with one
// argon2id computation. With no entry for the index it still spends one
// computation (with p), so timing does not tell whether an index exists.
func matchRecovery(code string, set []RecoveryHash, p Argon2Params) (RecoveryHash, bool) {
	idx := code[:recoveryIndex]
	for _, h := range set {
		if h.Index == idx && len(h.Hash) > 0 {
			got := argon2.IDKey([]byte(code), h.Salt, h.Time, h.MemoryKiB, h.Threads, uint32(len(h.Hash)))
			return h, subtle.ConstantTimeCompare(got, h.Hash) == 1
		}
	}
	_ = argon2.IDKey([]byte(code), dummySalt[:], p.Time, p.MemoryKiB, p.Threads, recoveryKeyLen)
	return RecoveryHash{}, false
}

var dummySalt = [recoverySalt]byte{'t', 'e', 'n', 'a', 'n', 't', 'g', 'a', 't', 'e', '/', 'd', 'u', 'm', 'm', 'y'}

// isRecoveryShape tells a recovery code from a TOTP code by length.
func isRecoveryShape(s string) bool {
	return len(s) == recoveryLen || len(s) == recoveryLen+3
}

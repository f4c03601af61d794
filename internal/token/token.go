// Package token writes and reads the library's bearer tokens (email
// verification, password reset, team invites): 32 random bytes written as
// 43 characters of unpadded base64url, stored only as the SHA-256 of the
// raw bytes.
//
// Parsing is strict: a token has exactly one spelling, so a string that is
// not the canonical encoding of 32 bytes (another length, padding, the
// standard alphabet, non-zero trailing bits in the last character) is
// refused before any store lookup.
package token

import (
	"crypto/sha256"
	"encoding/base64"
)

// Size is the number of random bytes in a token.
const Size = 32

// Len is the length of an encoded token: Size bytes in unpadded base64url.
const Len = 43

// Hash is the SHA-256 of a token's raw bytes, the only form that is stored.
type Hash = [sha256.Size]byte

// Encode returns the text of raw and its hash.
func Encode(raw *[Size]byte) (string, Hash) {
	return base64.RawURLEncoding.EncodeToString(raw[:]), sha256.Sum256(raw[:])
}

// Parse returns the hash of the token whose text is s. ok is false, and h
// zero, unless s is exactly the canonical encoding of Size bytes.
func Parse(s string) (h Hash, ok bool) {
	if len(s) != Len {
		return Hash{}, false
	}
	var raw [Size]byte
	n, err := base64.RawURLEncoding.Strict().Decode(raw[:], []byte(s))
	if err != nil || n != Size {
		return Hash{}, false
	}
	return sha256.Sum256(raw[:]), true
}

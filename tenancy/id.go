package tenancy

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
)

// MaxIDLen is the longest accepted WorkspaceID or UserID, in bytes.
const MaxIDLen = 64

// ErrInvalidID is returned (wrapped) by ParseWorkspaceID and ParseUserID.
var ErrInvalidID = errors.New("tenancy: invalid id")

// WorkspaceID identifies a workspace (a tenant). The zero value is invalid.
//
// An id has exactly one spelling: 1 to 64 bytes of lowercase ASCII letters,
// digits, '-' and '_', starting with a letter or digit. Anything else —
// upper case, surrounding space, NUL, percent-encoding, full-width digits,
// dots, slashes — is rejected rather than normalized, so two different byte
// strings never name the same workspace.
type WorkspaceID string

// UserID identifies a user. It follows the grammar of WorkspaceID.
type UserID string

// ParseWorkspaceID returns s as a WorkspaceID if s is in canonical form.
func ParseWorkspaceID(s string) (WorkspaceID, error) {
	if !validID(s) {
		return "", ErrInvalidID
	}
	return WorkspaceID(s), nil
}

// ParseUserID returns s as a UserID if s is in canonical form.
func ParseUserID(s string) (UserID, error) {
	if !validID(s) {
		return "", ErrInvalidID
	}
	return UserID(s), nil
}

// Valid reports whether id is in canonical form.
func (id WorkspaceID) Valid() bool { return validID(string(id)) }

// Valid reports whether id is in canonical form.
func (id UserID) Valid() bool { return validID(string(id)) }

// String returns the id.
func (id WorkspaceID) String() string { return string(id) }

// String returns the id.
func (id UserID) String() string { return string(id) }

func validID(s string) bool {
	if len(s) == 0 || len(s) > MaxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case (c == '-' || c == '_') && i > 0:
		default:
			return false
		}
	}
	return true
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

func newID(prefix string) string {
	var b [15]byte         // 120 bits
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return prefix + idEncoding.EncodeToString(b[:])
}

// NewWorkspaceID returns a fresh random WorkspaceID ("ws-" and 24 base32
// characters, 120 bits of randomness).
func NewWorkspaceID() WorkspaceID { return WorkspaceID(newID("ws-")) }

// NewUserID returns a fresh random UserID ("u-" and 24 base32 characters).
func NewUserID() UserID { return UserID(newID("u-")) }

package verify

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"time"

	"github.com/tenantgate/tenantgate/internal/token"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

// Purpose binds a token to one use.
type Purpose string

// The purposes of this package. Their values double as mail Kinds.
const (
	PurposeVerifyEmail   Purpose = "verify_email"
	PurposeResetPassword Purpose = "reset_password"
)

// Valid reports whether p is one of the package's purposes.
func (p Purpose) Valid() bool { return p == PurposeVerifyEmail || p == PurposeResetPassword }

// TokenLen is the length of an encoded token: 32 random bytes in unpadded
// base64url.
const TokenLen = 43

// Hash is the SHA-256 digest of a token's 32 random bytes: the only form in
// which a token is stored.
type Hash [sha256.Size]byte

// String returns a short, non-reversible tag of h for logs (its first 8
// bytes in hex); never the token.
func (h Hash) String() string { return fmt.Sprintf("%x", h[:8]) }

// Record is a stored token.
type Record struct {
	Hash    Hash
	Purpose Purpose
	User    tenancy.UserID
	// Email is the canonical address the token was sent to.
	Email     string
	CreatedAt time.Time
	ExpiresAt time.Time
	// UsedAt is zero until the token is consumed or revoked.
	UsedAt time.Time
}

// NewToken draws 32 bytes from rand and returns the encoded token and its
// hash. Use crypto/rand.Reader in production.
func NewToken(rand io.Reader) (tok string, h Hash, err error) {
	var raw [token.Size]byte
	if _, err := io.ReadFull(rand, raw[:]); err != nil {
		return "", Hash{}, fmt.Errorf("verify: random source: %w", err)
	}
	tok, sum := token.Encode(&raw)
	return tok, Hash(sum), nil
}

// HashToken decodes an untrusted token and returns its hash. Anything that
// is not exactly 43 characters of canonical unpadded base64url is
// problem.ErrInvalidToken, without a store lookup.
func HashToken(tok string) (Hash, error) {
	h, ok := token.Parse(tok)
	if !ok {
		return Hash{}, problem.ErrInvalidToken
	}
	return Hash(h), nil
}

// Store keeps token records. Implementations must be safe for concurrent
// use; each method is one atomic operation (a MongoDB backend implements
// each with a single command on the tokens collection, keyed by hash, with a
// TTL index on ExpiresAt for clean-up only: no decision depends on it).
type Store interface {
	// Insert stores a new record. A record with the same Hash already
	// present is problem.ErrConflict and leaves the store unchanged.
	// (MongoDB: insertOne with _id = hash.)
	Insert(ctx context.Context, r Record) error

	// Consume atomically finds the record with hash h and purpose p that is
	// unused and whose ExpiresAt is after now, sets its UsedAt to now, and
	// returns it (with UsedAt set). Anything else (unknown hash, another
	// purpose, used, expired at or before now) is problem.ErrInvalidToken
	// and changes nothing. Among concurrent calls for the same token at most
	// one succeeds. (MongoDB: findOneAndUpdate with filter
	// {_id, purpose, usedAt: null, expiresAt: {$gt: now}}.)
	Consume(ctx context.Context, h Hash, p Purpose, now time.Time) (Record, error)

	// Revoke sets UsedAt to now on every unused record of user u and
	// purpose p, and returns how many it revoked. Each record changes
	// atomically; a record inserted concurrently may survive. (MongoDB:
	// updateMany with filter {user, purpose, usedAt: null}.)
	Revoke(ctx context.Context, u tenancy.UserID, p Purpose, now time.Time) (int, error)
}

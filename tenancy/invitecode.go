package tenancy

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// UnlimitedUses spells out "no use limit" for InviteCode.MaxUses. A zero
// MaxUses is invalid, never "unlimited".
const UnlimitedUses = -1

// MaxInviteCodeLen is the longest accepted closed-beta invite code, in
// bytes. Longer input is refused before it is hashed.
const MaxInviteCodeLen = 256

// MinInviteCodeLen is the shortest invite code NewInviteCode accepts.
const MinInviteCodeLen = 8

// InviteCodeHash is the SHA-256 of an invite code: stores keep and compare
// only hashes, so a leaked store does not reveal a code outright and every
// comparison is over 32 bytes, whatever the input length.
type InviteCodeHash [sha256.Size]byte

// HashInviteCode returns the hash under which code is stored.
func HashInviteCode(code string) InviteCodeHash { return sha256.Sum256([]byte(code)) }

// ErrInviteCodeUnusable is returned by InviteCodeStore.RedeemInviteCode when
// no code with the given hash can be used: unknown, expired or used up. The
// three cases are deliberately indistinguishable.
var ErrInviteCodeUnusable = errors.New("tenancy: invite code unusable")

// InviteCode is a closed-beta invite code as stored: its hash, never the
// code itself.
type InviteCode struct {
	Hash InviteCodeHash
	// Label names the code for operators ("launch-week"); it is not secret.
	Label string
	// MaxUses is how many workspaces the code may create: positive, or
	// UnlimitedUses.
	MaxUses int
	// Uses counts successful redemptions.
	Uses int
	// ExpiresAt is the instant from which the code is refused; zero means
	// the code does not expire.
	ExpiresAt time.Time
	CreatedAt time.Time
}

// NewInviteCode returns the stored form of code. maxUses must be positive or
// UnlimitedUses; code must be MinInviteCodeLen to MaxInviteCodeLen bytes of
// valid UTF-8.
func NewInviteCode(code, label string, maxUses int, expiresAt, now time.Time) (InviteCode, error) {
	if len(code) < MinInviteCodeLen || len(code) > MaxInviteCodeLen || !utf8.ValidString(code) {
		return InviteCode{}, fmt.Errorf("tenancy: invite code must be %d to %d bytes of UTF-8", MinInviteCodeLen, MaxInviteCodeLen)
	}
	if maxUses <= 0 && maxUses != UnlimitedUses {
		return InviteCode{}, errors.New("tenancy: invite code MaxUses must be positive or UnlimitedUses")
	}
	if !expiresAt.IsZero() && !expiresAt.After(now) {
		return InviteCode{}, errors.New("tenancy: invite code expires in the past")
	}
	return InviteCode{
		Hash: HashInviteCode(code), Label: label, MaxUses: maxUses,
		ExpiresAt: expiresAt.UTC(), CreatedAt: now.UTC(),
	}, nil
}

// Usable reports whether c can be redeemed once more at now.
func (c InviteCode) Usable(now time.Time) bool {
	if !c.ExpiresAt.IsZero() && !now.Before(c.ExpiresAt) {
		return false
	}
	return c.MaxUses == UnlimitedUses || (c.MaxUses > 0 && c.Uses < c.MaxUses)
}

// InviteCodeStore stores closed-beta invite codes.
type InviteCodeStore interface {
	// AddInviteCode stores c (Uses as given, normally 0). ErrConflict when
	// a code with the same hash exists.
	AddInviteCode(ctx context.Context, c InviteCode) error
	// RedeemInviteCode counts one use of the code whose hash is h, if it is
	// usable at now (not expired, uses below the limit), and returns the
	// code after the increment. Check and increment are one atomic step:
	// of N concurrent redemptions of a code with k uses left exactly k
	// succeed. Anything else is ErrInviteCodeUnusable. MongoDB: one
	// findOneAndUpdate on the unique hash index, conditional on expiry and
	// uses, with $inc. The comparison of h with stored hashes is constant
	// time (memstore) or an index lookup on a SHA-256 (MongoDB), so timing
	// reveals nothing usable about a code.
	RedeemInviteCode(ctx context.Context, h InviteCodeHash, now time.Time) (InviteCode, error)
	// ReleaseInviteCode gives back one use counted by RedeemInviteCode when
	// the creation it paid for failed. It never takes Uses below zero.
	// ErrNotFound when no code has hash h.
	ReleaseInviteCode(ctx context.Context, h InviteCodeHash) error
	// InviteCodes lists every stored code, ordered by Label then hash.
	InviteCodes(ctx context.Context) ([]InviteCode, error)
}

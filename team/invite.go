package team

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"time"

	"github.com/tenantgate/tenantgate/internal/token"
	"github.com/tenantgate/tenantgate/tenancy"
)

// DefaultInviteTTL is how long an invite can be accepted when
// Config.InviteTTL is zero.
const DefaultInviteTTL = 7 * 24 * time.Hour

// TokenHash is the SHA-256 of an invite token's 32 random bytes: the only
// form of the token that is stored.
type TokenHash [sha256.Size]byte

// Invite is a team invite as stored. It never holds the token itself.
type Invite struct {
	ID        string
	Workspace tenancy.WorkspaceID
	// Email is the invitee's normalized address.
	Email string
	// Role is the role the invitee receives on acceptance.
	Role      string
	TokenHash TokenHash
	InvitedBy tenancy.UserID
	CreatedAt time.Time
	ExpiresAt time.Time
	// AcceptedAt and AcceptedBy are set when the invite is consumed.
	AcceptedAt time.Time
	AcceptedBy tenancy.UserID
	// RevokedAt is set when the invite is revoked.
	RevokedAt time.Time
}

// Pending reports whether inv can still be accepted at now: neither
// accepted nor revoked, and now is before ExpiresAt (at ExpiresAt exactly
// the invite has expired).
func (inv *Invite) Pending(now time.Time) bool {
	return inv.AcceptedAt.IsZero() && inv.RevokedAt.IsZero() && now.Before(inv.ExpiresAt)
}

// InviteStore stores team invites. Sentinels are tenancy.ErrNotFound and
// tenancy.ErrConflict; every other error is a backend failure.
type InviteStore interface {
	// CreateInvite stores inv. ErrConflict if an invite with the same ID or
	// TokenHash exists (MongoDB: unique indexes on _id and tokenHash).
	CreateInvite(ctx context.Context, inv Invite) error
	// InviteByToken returns the invite whose TokenHash is h, whatever its
	// state, or ErrNotFound.
	InviteByToken(ctx context.Context, h TokenHash) (Invite, error)
	// ConsumeInvite marks the invite with TokenHash h accepted by user at
	// now and returns it, in ONE conditional update: only if it is pending
	// at now (not accepted, not revoked, ExpiresAt after now). Otherwise —
	// unknown, used, revoked or expired alike — it returns ErrNotFound and
	// changes nothing. Of any number of concurrent calls for one token at
	// most one succeeds. (MongoDB: findOneAndUpdate with filter {tokenHash,
	// acceptedAt: null, revokedAt: null, expiresAt: {$gt: now}}.)
	ConsumeInvite(ctx context.Context, h TokenHash, user tenancy.UserID, now time.Time) (Invite, error)
	// RevokeInvite marks the invite id of ws revoked at now and returns it,
	// in one conditional update. ErrNotFound when ws has no such invite
	// (an invite of another workspace is not found); ErrConflict when it
	// was already accepted or revoked.
	RevokeInvite(ctx context.Context, ws tenancy.WorkspaceID, id string, now time.Time) (Invite, error)
	// Invites lists every invite of ws, whatever its state, ordered by
	// CreatedAt then ID.
	Invites(ctx context.Context, ws tenancy.WorkspaceID) ([]Invite, error)
}

// errToken is the cause behind every refused token.
var errToken = errors.New("team: malformed invite token")

// NewToken returns a fresh invite token (32 bytes from crypto/rand,
// unpadded base64url: 43 characters) and its hash.
func NewToken() (tok string, h TokenHash) {
	var b [token.Size]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	tok, sum := token.Encode(&b)
	return tok, TokenHash(sum)
}

// ParseToken checks that tok is exactly the canonical encoding of 32
// bytes and returns its hash. Anything else — another length, padding,
// standard base64, a non-canonical last character — is refused.
func ParseToken(tok string) (TokenHash, error) {
	h, ok := token.Parse(tok)
	if !ok {
		return TokenHash{}, errToken
	}
	return TokenHash(h), nil
}

func newInviteID() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	return "inv-" + base64.RawURLEncoding.EncodeToString(b[:])
}

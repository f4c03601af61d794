package privacy

import (
	"context"
	"time"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/mfa"
	"github.com/tenantgate/tenantgate/ratelimit"
	"github.com/tenantgate/tenantgate/team"
	"github.com/tenantgate/tenantgate/tenancy"
	"github.com/tenantgate/tenantgate/verify"
)

// The interfaces below are what the privacy service needs of each store.
// The memstore types satisfy them (the methods beyond the owning package's
// own Store interface live in memstore's privacy_*.go files), and the
// storetest.RunPrivacy… suites check every backend against these contracts.

// Memberships is what the service needs of the membership store;
// tenancy.MembershipStore satisfies it.
type Memberships interface {
	tenancy.MembershipReader
	// UserMemberships lists every membership of user, ordered by workspace.
	UserMemberships(ctx context.Context, user tenancy.UserID) ([]tenancy.Membership, error)
	// Members lists ws's memberships ordered by user id after the user id
	// after, at most limit of them.
	Members(ctx context.Context, ws tenancy.WorkspaceID, after tenancy.UserID, limit int) ([]tenancy.Membership, error)
	// RemoveMember deletes a membership: tenancy.ErrNotFound if absent,
	// tenancy.ErrLastOwner (nothing changed) if it is the last owner's; the
	// check and the removal are one atomic step.
	RemoveMember(ctx context.Context, ws tenancy.WorkspaceID, user tenancy.UserID) error
}

// Workspaces is what the service needs of the workspace store.
type Workspaces interface {
	tenancy.WorkspaceReader
	// DeleteWorkspaceAudited deletes the workspace ws.ID together with
	// every membership of it, frees its owner's one-workspace slot, and
	// appends ev to sink — atomically, and only if the stored Version
	// equals ws.Version (compare-and-set). tenancy.ErrNotFound when the
	// workspace is absent and tenancy.ErrConflict when the version differs;
	// nothing is appended then. A failed append leaves everything in place
	// and returns the Sink's error. Of concurrent calls exactly one
	// succeeds and exactly one record is appended.
	//
	// memstore appends under the store lock (as UpdateWorkspaceAudited), so
	// sink must never call back into the same store, not even to read (see
	// tenancy.WorkspaceStore, "Sinks and the store lock").
	// MongoDB: one transaction (deleteOne {_id, version} on workspaces,
	// deleteMany {workspace} on memberships, the audit insert) where
	// supported; on a standalone server mark the workspace deletePending
	// with a conditional update, append, then delete, and clear the mark
	// if the append fails.
	DeleteWorkspaceAudited(ctx context.Context, ws tenancy.Workspace, ev audit.Event, sink audit.Sink) error
}

// Invites is what the service needs of the team invite store.
type Invites interface {
	// UserInvites returns every invite, of any workspace and in any state,
	// that user sent (InvitedBy) or accepted (AcceptedBy), or that was
	// addressed to one of emails (compared exactly: callers pass
	// normalized addresses), ordered by CreatedAt then ID, each once.
	// MongoDB: one find with $or over indexed invitedBy, acceptedBy and
	// email.
	UserInvites(ctx context.Context, user tenancy.UserID, emails []string) ([]team.Invite, error)
	// DeleteUserInvites deletes every invite UserInvites(user, emails)
	// would return and reports how many it deleted. Each deletion is
	// atomic; an invite created concurrently may survive (erasure is
	// idempotent: run it again). MongoDB: one deleteMany with the same
	// filter.
	DeleteUserInvites(ctx context.Context, user tenancy.UserID, emails []string) (int, error)
	// DeleteWorkspaceInvites deletes every invite of ws and reports how
	// many. MongoDB: one deleteMany {workspace}.
	DeleteWorkspaceInvites(ctx context.Context, ws tenancy.WorkspaceID) (int, error)
}

// Roles is what the service needs of the custom role store;
// team.RoleStore satisfies it.
type Roles interface {
	// Roles lists ws's custom roles ordered by name.
	Roles(ctx context.Context, ws tenancy.WorkspaceID) ([]team.RoleDef, error)
	// DeleteRole deletes the named role of ws (tenancy.ErrNotFound if
	// absent).
	DeleteRole(ctx context.Context, ws tenancy.WorkspaceID, name string) error
}

// MFA is what the service needs of the MFA store.
type MFA interface {
	// Get returns the user's record, or mfa.ErrNotFound.
	Get(ctx context.Context, userID string) (mfa.State, error)
	// EraseUser deletes the user's record whatever its state (enabled,
	// pending, locked), unconditionally, in one atomic step. Erasing a
	// user without a record is not an error. MongoDB: one deleteOne
	// {_id: userID}.
	EraseUser(ctx context.Context, userID string) error
}

// Tokens is what the service needs of the verification token store.
type Tokens interface {
	// UserTokens returns every stored token record of user, any purpose,
	// used or not, ordered by CreatedAt then Hash. MongoDB: one find
	// {user} on an index of user.
	UserTokens(ctx context.Context, user tenancy.UserID) ([]verify.Record, error)
	// DeleteUserTokens deletes every token record of user and reports how
	// many it deleted. A record inserted concurrently may survive.
	// MongoDB: one deleteMany {user}.
	DeleteUserTokens(ctx context.Context, user tenancy.UserID) (int, error)
}

// Limiter is what the service needs of the rate-limit store;
// ratelimit.Store satisfies it.
type Limiter interface {
	// Peek reports the State of key at now under limit without recording.
	Peek(ctx context.Context, key string, now time.Time, limit ratelimit.Limit) (ratelimit.State, error)
	// Reset forgets every hit of key (an unknown key is not an error).
	Reset(ctx context.Context, key string) error
}

// AuditReader reads chains in order; audit.Reader satisfies it.
type AuditReader interface {
	// Chain returns up to limit events of workspace's chain with Seq
	// greater than afterSeq, in ascending Seq order; empty at the end.
	Chain(ctx context.Context, workspace string, afterSeq uint64, limit int) ([]audit.Event, error)
}

// Opener opens the sealed personal fields of a stored event for display;
// *audit.Trail satisfies it.
type Opener interface {
	// Open returns a copy of e with its sealed fields opened, or replaced
	// by audit.Erased when the subject's key was destroyed.
	Open(ctx context.Context, e audit.Event) (audit.Event, error)
}

// SecondFactor verifies a user's second factor for step-up; *mfa.Service
// satisfies it.
type SecondFactor interface {
	// Authenticate passes a user without MFA whatever the code, and for a
	// user with MFA requires a current TOTP or recovery code
	// (mfa_required when code is empty, invalid_otp or mfa_locked).
	Authenticate(ctx context.Context, sub mfa.Subject, code string) (mfa.Result, error)
}

// AuditDropper is an optional capability of an audit store: dropping a
// whole workspace chain. tenantgate's own backends deliberately do not
// offer it (audit has no delete path); see Config.WorkspaceAudit.
type AuditDropper interface {
	// DropChain removes every event of workspace's chain.
	DropChain(ctx context.Context, workspace string) error
}

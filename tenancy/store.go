package tenancy

import (
	"context"
	"errors"
)

// Store sentinels. Backends return these (possibly wrapped) and wrap every
// other failure; callers treat any other error as "unavailable" and fail
// closed.
var (
	// ErrNotFound: the workspace or membership does not exist.
	ErrNotFound = errors.New("tenancy: not found")
	// ErrConflict: a compare-and-set precondition did not hold, or the
	// record already exists.
	ErrConflict = errors.New("tenancy: conflict")
	// ErrOwnerLimit: the user already owns a workspace (one per user).
	ErrOwnerLimit = errors.New("tenancy: workspace limit reached")
	// ErrLastOwner: the change would leave a workspace without an owner.
	ErrLastOwner = errors.New("tenancy: last owner")
)

// WorkspaceReader reads workspaces; it is all the gate needs.
type WorkspaceReader interface {
	// Workspace returns the workspace with id, or ErrNotFound. The result
	// reflects every write that completed before the call (or, for a
	// caching implementation, is at most its documented staleness bound
	// old).
	Workspace(ctx context.Context, id WorkspaceID) (Workspace, error)
}

// MembershipReader reads memberships; it is all the gate needs.
type MembershipReader interface {
	// Membership returns user's membership of ws, or ErrNotFound. A
	// removed member is not found on the very next call.
	Membership(ctx context.Context, ws WorkspaceID, user UserID) (Membership, error)
}

// WorkspaceStore stores workspaces.
type WorkspaceStore interface {
	WorkspaceReader
	// CreateWorkspace stores ws (Version 1) together with owner's
	// membership, atomically: either both exist afterwards or neither.
	// It returns ErrOwnerLimit when ws.OwnerID already owns a workspace
	// (enforced atomically: of two concurrent creates by one owner exactly
	// one succeeds) and ErrConflict when ws.ID exists.
	CreateWorkspace(ctx context.Context, ws Workspace, owner Membership) error
	// UpdateWorkspace replaces the stored workspace with ws if the stored
	// Version equals ws.Version (compare-and-set) and returns it with
	// Version incremented. ErrConflict when the version differs,
	// ErrNotFound when absent.
	UpdateWorkspace(ctx context.Context, ws Workspace) (Workspace, error)
}

// MembershipStore stores memberships.
type MembershipStore interface {
	MembershipReader
	// AddMember stores m; ErrConflict if the user is already a member.
	AddMember(ctx context.Context, m Membership) error
	// ChangeRole sets the role of user in ws to role if the current role is
	// from (compare-and-set; ErrConflict otherwise, ErrNotFound if absent).
	// Demoting an owner returns ErrLastOwner when no other owner would
	// remain; this check and the change are one atomic step, so two
	// concurrent demotions of the last two owners leave one owner.
	ChangeRole(ctx context.Context, ws WorkspaceID, user UserID, from, role string) error
	// RemoveMember deletes the membership (ErrNotFound if absent,
	// ErrLastOwner if it is the last owner's; atomic as ChangeRole).
	RemoveMember(ctx context.Context, ws WorkspaceID, user UserID) error
	// Members lists ws's memberships ordered by user id, starting after
	// the user id after ("" for the first page), at most limit entries.
	Members(ctx context.Context, ws WorkspaceID, after UserID, limit int) ([]Membership, error)
	// UserMemberships lists every membership of user, ordered by workspace.
	UserMemberships(ctx context.Context, user UserID) ([]Membership, error)
}

// RoleOwner is the name of the built-in owner role, which the store's
// last-owner guard protects.
const RoleOwner = "owner"

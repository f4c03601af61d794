package tenancy

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/tenantgate/tenantgate/audit"
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
//
// # Sinks and the store lock
//
// The audited methods (CreateWorkspaceAudited, UpdateWorkspaceAudited, and
// a backend's DeleteWorkspaceAudited) call sink.Append while the change is
// held open: memstore calls it under the store's write lock, MongoDB inside
// the transaction or while the auditPending mark is set. This is
// deliberate — the change and its record are one atomic step — and an
// exception to the rule of never calling out while holding a lock. So:
//
//   - the sink may use any store except the one it is called from (an
//     audit store, another backend, a queue), as long as no sink of that
//     other store calls back into this one (a lock cycle);
//   - the sink must never call back into the same store, not even to read
//     (Workspace, Membership, ListWorkspaces, …): with memstore such a call
//     blocks forever on the lock its caller holds, and every later call on
//     that store blocks behind it; with MongoDB it would run outside the
//     transaction and see, or conflict with, the state before the change.
//     No deadlock is detected: this contract is the guard;
//   - the sink should return promptly and honour ctx, since every reader of
//     the store waits while it runs.
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
	// CreateWorkspaceAudited is CreateWorkspace that also appends ev to
	// sink, atomically: the workspace, the owner's membership and the
	// audit record are stored together or not at all. It returns the
	// errors of CreateWorkspace, or the Sink's error (nothing stored).
	//
	// sink is called while the change is held open, so it must never call
	// back into this store (see "Sinks and the store lock" above). memstore
	// appends under the store lock after every precondition holds, so a
	// failed append leaves nothing behind. MongoDB runs the inserts and the
	// append in one transaction on replica sets and sharded clusters; on a
	// standalone server (no transactions) it inserts the workspace marked
	// auditPending, appends, then clears the mark, and removes the
	// workspace again if the append fails.
	CreateWorkspaceAudited(ctx context.Context, ws Workspace, owner Membership, ev audit.Event, sink audit.Sink) error
	// UpdateWorkspaceAudited is UpdateWorkspace (compare-and-set on
	// Version) that also appends ev to sink, atomically: the new state and
	// its audit record are stored together or not at all. A failed
	// precondition (ErrNotFound, ErrConflict, ErrOwnerLimit) appends
	// nothing; a failed append leaves the workspace unchanged and returns
	// the Sink's error. Of concurrent calls with the same Version exactly
	// one succeeds and exactly one record is appended.
	//
	// sink is called while the change is held open, so it must never call
	// back into this store (see "Sinks and the store lock" above). memstore
	// appends under the store lock (lock order: store, then sink). MongoDB
	// uses one transaction where supported; on a standalone server it
	// applies the compare-and-set with an auditPending mark, appends, then
	// clears the mark, and reverts (compare-and-set on the new Version) if
	// the append fails; readers treat a marked document as its previous
	// state.
	UpdateWorkspaceAudited(ctx context.Context, ws Workspace, ev audit.Event, sink audit.Sink) (Workspace, error)
	// ListWorkspaces returns at most q.Limit workspaces matching q,
	// ordered by (CreatedAt, ID) ascending — the oldest first, so pending
	// workspaces are reviewed in arrival order — starting strictly after
	// (q.AfterCreatedAt, q.AfterID) when q.AfterID is set. q.Limit <= 0
	// returns nothing. MongoDB: one find on the {status, createdAt, _id}
	// index with the same sort.
	ListWorkspaces(ctx context.Context, q WorkspaceQuery) ([]Workspace, error)
}

// WorkspaceQuery selects workspaces for ListWorkspaces. Zero filters match
// everything.
type WorkspaceQuery struct {
	// Status, when set, must match exactly.
	Status Status
	// Search, when set, matches a workspace whose ID or OwnerID equals it,
	// or whose Name contains it, ignoring case (simple Unicode folding).
	Search string
	// AfterCreatedAt and AfterID are the sort key of the last workspace of
	// the previous page; AfterID == "" starts at the beginning.
	AfterCreatedAt time.Time
	AfterID        WorkspaceID
	// Limit is the most workspaces to return.
	Limit int
}

// MatchesWorkspace reports whether w passes q's filters (status and
// search), ignoring the page position. Backends may use it.
func (q WorkspaceQuery) MatchesWorkspace(w Workspace) bool {
	if q.Status != "" && w.Status != q.Status {
		return false
	}
	if q.Search == "" {
		return true
	}
	if string(w.ID) == q.Search || string(w.OwnerID) == q.Search {
		return true
	}
	return containsFold(w.Name, q.Search)
}

// After reports whether w sorts strictly after q's page position.
func (q WorkspaceQuery) After(w Workspace) bool {
	if q.AfterID == "" {
		return true
	}
	if !w.CreatedAt.Equal(q.AfterCreatedAt) {
		return w.CreatedAt.After(q.AfterCreatedAt)
	}
	return w.ID > q.AfterID
}

// containsFold reports whether substr is within s under simple Unicode case
// folding.
func containsFold(s, substr string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(substr))
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

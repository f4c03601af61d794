package memstore

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/tenancy"
)

// Tenancy stores workspaces and memberships in memory. Workspaces and
// memberships share one lock so that a workspace and its owner's membership
// are created together and the last-owner guard is atomic. Reads take the
// lock shared and do not allocate.
type Tenancy struct {
	mu         sync.RWMutex
	workspaces map[tenancy.WorkspaceID]tenancy.Workspace
	ownedBy    map[tenancy.UserID]tenancy.WorkspaceID
	members    memberTable
}

var (
	_ tenancy.WorkspaceStore  = (*Tenancy)(nil)
	_ tenancy.MembershipStore = (*Tenancy)(nil)
)

// NewTenancy returns an empty workspace and membership store.
func NewTenancy() *Tenancy {
	return &Tenancy{
		workspaces: map[tenancy.WorkspaceID]tenancy.Workspace{},
		ownedBy:    map[tenancy.UserID]tenancy.WorkspaceID{},
		members:    newMemberTable(),
	}
}

// Workspace implements tenancy.WorkspaceReader.
func (s *Tenancy) Workspace(ctx context.Context, id tenancy.WorkspaceID) (tenancy.Workspace, error) {
	if err := ctx.Err(); err != nil {
		return tenancy.Workspace{}, err
	}
	s.mu.RLock()
	w, ok := s.workspaces[id]
	s.mu.RUnlock()
	if !ok {
		return tenancy.Workspace{}, tenancy.ErrNotFound
	}
	return w, nil
}

// CreateWorkspace implements tenancy.WorkspaceStore.
func (s *Tenancy) CreateWorkspace(ctx context.Context, ws tenancy.Workspace, owner tenancy.Membership) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkCreateLocked(ws); err != nil {
		return err
	}
	s.commitCreateLocked(ws, owner)
	return nil
}

// UpdateWorkspace implements tenancy.WorkspaceStore.
func (s *Tenancy) UpdateWorkspace(ctx context.Context, ws tenancy.Workspace) (tenancy.Workspace, error) {
	if err := ctx.Err(); err != nil {
		return tenancy.Workspace{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := s.checkUpdateLocked(ws)
	if err != nil {
		return tenancy.Workspace{}, err
	}
	return s.commitUpdateLocked(cur, ws), nil
}

// CreateWorkspaceAudited implements tenancy.WorkspaceStore. The append
// runs under the store lock once every precondition holds; if it fails,
// nothing is stored. Because sink.Append runs while s holds its write lock
// (deliberately, so the workspace and its record are one step), sink must
// never call back into s — not even to read — or the call deadlocks and
// every later call on s blocks behind it; a sink backed by other stores
// works. See tenancy.WorkspaceStore, "Sinks and the store lock".
func (s *Tenancy) CreateWorkspaceAudited(ctx context.Context, ws tenancy.Workspace, owner tenancy.Membership, ev audit.Event, sink audit.Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if sink == nil {
		return errors.New("memstore: nil audit sink")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkCreateLocked(ws); err != nil {
		return err
	}
	if _, err := sink.Append(ctx, ev); err != nil {
		return err
	}
	s.commitCreateLocked(ws, owner)
	return nil
}

// UpdateWorkspaceAudited implements tenancy.WorkspaceStore. The append runs
// under the store lock after the compare-and-set precondition holds and
// before the new state is written, so a failed append changes nothing.
// Because sink.Append runs while s holds its write lock, sink must never
// call back into s — not even to read — or the call deadlocks; a sink
// backed by other stores works. See tenancy.WorkspaceStore, "Sinks
// and the store lock".
func (s *Tenancy) UpdateWorkspaceAudited(ctx context.Context, ws tenancy.Workspace, ev audit.Event, sink audit.Sink) (tenancy.Workspace, error) {
	if err := ctx.Err(); err != nil {
		return tenancy.Workspace{}, err
	}
	if sink == nil {
		return tenancy.Workspace{}, errors.New("memstore: nil audit sink")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := s.checkUpdateLocked(ws)
	if err != nil {
		return tenancy.Workspace{}, err
	}
	if _, err := sink.Append(ctx, ev); err != nil {
		return tenancy.Workspace{}, err
	}
	return s.commitUpdateLocked(cur, ws), nil
}

// checkCreateLocked reports why ws cannot be created: tenancy.ErrConflict
// when its id is taken, tenancy.ErrOwnerLimit when its owner already owns
// a workspace. The caller holds s.mu for writing.
func (s *Tenancy) checkCreateLocked(ws tenancy.Workspace) error {
	if _, ok := s.workspaces[ws.ID]; ok {
		return tenancy.ErrConflict
	}
	if _, ok := s.ownedBy[ws.OwnerID]; ok {
		return tenancy.ErrOwnerLimit
	}
	return nil
}

// commitCreateLocked stores ws at version 1 with owner as its membership.
// The caller holds s.mu for writing and checkCreateLocked(ws) has passed.
func (s *Tenancy) commitCreateLocked(ws tenancy.Workspace, owner tenancy.Membership) {
	ws.Version = 1
	s.workspaces[ws.ID] = ws
	s.ownedBy[ws.OwnerID] = ws.ID
	owner.Workspace = ws.ID
	s.addLocked(owner)
}

// checkUpdateLocked returns the stored workspace ws would replace, or
// tenancy.ErrNotFound when there is none, tenancy.ErrConflict when its
// version is not ws.Version, tenancy.ErrOwnerLimit when ws moves it to an
// owner who already owns another workspace. The caller holds s.mu for
// writing.
func (s *Tenancy) checkUpdateLocked(ws tenancy.Workspace) (tenancy.Workspace, error) {
	cur, ok := s.workspaces[ws.ID]
	if !ok {
		return tenancy.Workspace{}, tenancy.ErrNotFound
	}
	if cur.Version != ws.Version {
		return tenancy.Workspace{}, tenancy.ErrConflict
	}
	if ws.OwnerID != cur.OwnerID {
		if other, taken := s.ownedBy[ws.OwnerID]; taken && other != ws.ID {
			return tenancy.Workspace{}, tenancy.ErrOwnerLimit
		}
	}
	return cur, nil
}

// commitUpdateLocked replaces cur with ws at the next version, moving the
// ownership index when the owner changed, and returns what it stored. The
// caller holds s.mu for writing and cur came from checkUpdateLocked(ws).
func (s *Tenancy) commitUpdateLocked(cur, ws tenancy.Workspace) tenancy.Workspace {
	if ws.OwnerID != cur.OwnerID {
		delete(s.ownedBy, cur.OwnerID)
		s.ownedBy[ws.OwnerID] = ws.ID
	}
	ws.Version++
	s.workspaces[ws.ID] = ws
	return ws
}

// ListWorkspaces implements tenancy.WorkspaceStore. It scans every
// workspace (memstore keeps no secondary index), so it suits operator
// consoles, not request paths.
func (s *Tenancy) ListWorkspaces(ctx context.Context, q tenancy.WorkspaceQuery) ([]tenancy.Workspace, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if q.Limit <= 0 {
		return nil, nil
	}
	type key struct {
		at time.Time
		id tenancy.WorkspaceID
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	keys := make([]key, 0, min(len(s.workspaces), 1024))
	for id, w := range s.workspaces {
		if q.MatchesWorkspace(w) && q.After(w) {
			keys = append(keys, key{w.CreatedAt, id})
		}
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return strings.Compare(string(a.id), string(b.id))
	})
	if len(keys) > q.Limit {
		keys = keys[:q.Limit]
	}
	out := make([]tenancy.Workspace, len(keys))
	for i, k := range keys {
		out[i] = s.workspaces[k.id]
	}
	return out, nil
}

// Membership implements tenancy.MembershipReader. It does not allocate.
func (s *Tenancy) Membership(ctx context.Context, ws tenancy.WorkspaceID, user tenancy.UserID) (tenancy.Membership, error) {
	if err := ctx.Err(); err != nil {
		return tenancy.Membership{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.members.find(ws, user)
	if !ok {
		return tenancy.Membership{}, tenancy.ErrNotFound
	}
	return s.members.get(r, ws, user), nil
}

func (s *Tenancy) addLocked(m tenancy.Membership) { s.members.add(m) }

// AddMember implements tenancy.MembershipStore.
func (s *Tenancy) AddMember(ctx context.Context, m tenancy.Membership) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !m.Workspace.Valid() || !m.User.Valid() {
		return errors.New("memstore: invalid workspace or user id")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.members.find(m.Workspace, m.User); ok {
		return tenancy.ErrConflict
	}
	s.addLocked(m)
	return nil
}

// ChangeRole implements tenancy.MembershipStore.
func (s *Tenancy) ChangeRole(ctx context.Context, ws tenancy.WorkspaceID, user tenancy.UserID, from, role string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.members.find(ws, user)
	if !ok {
		return tenancy.ErrNotFound
	}
	if s.members.roles[s.members.recs[r].role] != from {
		return tenancy.ErrConflict
	}
	if from == role {
		return nil
	}
	if from == tenancy.RoleOwner && s.members.ownerCount(s.members.recs[r].ws) <= 1 {
		return tenancy.ErrLastOwner
	}
	s.members.setRole(r, role)
	return nil
}

// RemoveMember implements tenancy.MembershipStore.
func (s *Tenancy) RemoveMember(ctx context.Context, ws tenancy.WorkspaceID, user tenancy.UserID) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.members.find(ws, user)
	if !ok {
		return tenancy.ErrNotFound
	}
	if s.members.isOwner(r) && s.members.ownerCount(s.members.recs[r].ws) <= 1 {
		return tenancy.ErrLastOwner
	}
	s.members.remove(r)
	return nil
}

// Members implements tenancy.MembershipStore.
func (s *Tenancy) Members(ctx context.Context, ws tenancy.WorkspaceID, after tenancy.UserID, limit int) ([]tenancy.Membership, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.members.ofWorkspace(ws, after, limit), nil
}

// UserMemberships implements tenancy.MembershipStore.
func (s *Tenancy) UserMemberships(ctx context.Context, user tenancy.UserID) ([]tenancy.Membership, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.members.ofUser(user), nil
}

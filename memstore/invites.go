package memstore

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/tenantgate/tenantgate/team"
	"github.com/tenantgate/tenantgate/tenancy"
)

// Invites stores team invites in memory, indexed by token hash. It is safe
// for concurrent use; ConsumeInvite and RevokeInvite are atomic under the
// store's lock.
type Invites struct {
	mu      sync.RWMutex
	byHash  map[team.TokenHash]*team.Invite
	byID    map[string]*team.Invite
	bySpace map[tenancy.WorkspaceID][]*team.Invite
}

var _ team.InviteStore = (*Invites)(nil)

// NewInvites returns an empty invite store.
func NewInvites() *Invites {
	return &Invites{
		byHash:  map[team.TokenHash]*team.Invite{},
		byID:    map[string]*team.Invite{},
		bySpace: map[tenancy.WorkspaceID][]*team.Invite{},
	}
}

// CreateInvite implements team.InviteStore.
func (s *Invites) CreateInvite(ctx context.Context, inv team.Invite) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byHash[inv.TokenHash]; ok {
		return tenancy.ErrConflict
	}
	if _, ok := s.byID[inv.ID]; ok {
		return tenancy.ErrConflict
	}
	p := &inv
	s.byHash[inv.TokenHash] = p
	s.byID[inv.ID] = p
	s.bySpace[inv.Workspace] = append(s.bySpace[inv.Workspace], p)
	return nil
}

// InviteByToken implements team.InviteStore.
func (s *Invites) InviteByToken(ctx context.Context, h team.TokenHash) (team.Invite, error) {
	if err := ctx.Err(); err != nil {
		return team.Invite{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.byHash[h]
	if !ok {
		return team.Invite{}, tenancy.ErrNotFound
	}
	return *p, nil
}

// ConsumeInvite implements team.InviteStore.
func (s *Invites) ConsumeInvite(ctx context.Context, h team.TokenHash, user tenancy.UserID, now time.Time) (team.Invite, error) {
	if err := ctx.Err(); err != nil {
		return team.Invite{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.byHash[h]
	if !ok || !p.Pending(now) {
		return team.Invite{}, tenancy.ErrNotFound
	}
	p.AcceptedAt, p.AcceptedBy = now, user
	return *p, nil
}

// RevokeInvite implements team.InviteStore.
func (s *Invites) RevokeInvite(ctx context.Context, ws tenancy.WorkspaceID, id string, now time.Time) (team.Invite, error) {
	if err := ctx.Err(); err != nil {
		return team.Invite{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.byID[id]
	if !ok || p.Workspace != ws {
		return team.Invite{}, tenancy.ErrNotFound
	}
	if !p.AcceptedAt.IsZero() || !p.RevokedAt.IsZero() {
		return team.Invite{}, tenancy.ErrConflict
	}
	p.RevokedAt = now
	return *p, nil
}

// Invites implements team.InviteStore.
func (s *Invites) Invites(ctx context.Context, ws tenancy.WorkspaceID) ([]team.Invite, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	out := make([]team.Invite, 0, len(s.bySpace[ws]))
	for _, p := range s.bySpace[ws] {
		out = append(out, *p)
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

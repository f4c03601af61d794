package memstore

import (
	"context"

	"github.com/tenantgate/tenantgate/tenancy"
)

var _ tenancy.AccessReader = (*Tenancy)(nil)

// Access implements tenancy.AccessReader: the membership and the workspace
// under one read lock. It does not allocate.
func (s *Tenancy) Access(ctx context.Context, ws tenancy.WorkspaceID, user tenancy.UserID) (tenancy.Membership, tenancy.Workspace, error) {
	if err := ctx.Err(); err != nil {
		return tenancy.Membership{}, tenancy.Workspace{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.members.find(ws, user)
	if !ok {
		return tenancy.Membership{}, tenancy.Workspace{}, tenancy.ErrNotFound
	}
	w, ok := s.workspaces[ws]
	if !ok {
		return tenancy.Membership{}, tenancy.Workspace{}, tenancy.ErrNotFound
	}
	return s.members.get(r, ws, user), w, nil
}

package memstore

import (
	"context"
	"sort"
	"sync"

	"github.com/tenantgate/tenantgate/team"
	"github.com/tenantgate/tenantgate/tenancy"
)

type roleKey struct {
	ws   tenancy.WorkspaceID
	name string
}

// Roles stores custom roles in memory. It is safe for concurrent use.
type Roles struct {
	mu    sync.RWMutex
	roles map[roleKey]team.RoleDef
}

var _ team.RoleStore = (*Roles)(nil)

// NewRoles returns an empty custom role store.
func NewRoles() *Roles { return &Roles{roles: map[roleKey]team.RoleDef{}} }

func cloneRole(d team.RoleDef) team.RoleDef {
	d.Permissions = append([]string(nil), d.Permissions...)
	return d
}

// CreateRole implements team.RoleStore.
func (s *Roles) CreateRole(ctx context.Context, d team.RoleDef) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := roleKey{d.Workspace, d.Name}
	if _, ok := s.roles[k]; ok {
		return tenancy.ErrConflict
	}
	d.Version = 1
	s.roles[k] = cloneRole(d)
	return nil
}

// UpdateRole implements team.RoleStore.
func (s *Roles) UpdateRole(ctx context.Context, d team.RoleDef) (team.RoleDef, error) {
	if err := ctx.Err(); err != nil {
		return team.RoleDef{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := roleKey{d.Workspace, d.Name}
	cur, ok := s.roles[k]
	if !ok {
		return team.RoleDef{}, tenancy.ErrNotFound
	}
	if cur.Version != d.Version {
		return team.RoleDef{}, tenancy.ErrConflict
	}
	cur.Permissions = append([]string(nil), d.Permissions...)
	cur.Version++
	s.roles[k] = cur
	return cloneRole(cur), nil
}

// Role implements team.RoleStore.
func (s *Roles) Role(ctx context.Context, ws tenancy.WorkspaceID, name string) (team.RoleDef, error) {
	if err := ctx.Err(); err != nil {
		return team.RoleDef{}, err
	}
	s.mu.RLock()
	d, ok := s.roles[roleKey{ws, name}]
	s.mu.RUnlock()
	if !ok {
		return team.RoleDef{}, tenancy.ErrNotFound
	}
	return cloneRole(d), nil
}

// Roles implements team.RoleStore.
func (s *Roles) Roles(ctx context.Context, ws tenancy.WorkspaceID) ([]team.RoleDef, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	var out []team.RoleDef
	for k, d := range s.roles {
		if k.ws == ws {
			out = append(out, cloneRole(d))
		}
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// DeleteRole implements team.RoleStore.
func (s *Roles) DeleteRole(ctx context.Context, ws tenancy.WorkspaceID, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := roleKey{ws, name}
	if _, ok := s.roles[k]; !ok {
		return tenancy.ErrNotFound
	}
	delete(s.roles, k)
	return nil
}

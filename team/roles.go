package team

import (
	"context"
	"errors"
	"time"

	"github.com/tenantgate/tenantgate/gate"
	"github.com/tenantgate/tenantgate/rbac"
	"github.com/tenantgate/tenantgate/tenancy"
)

// RoleDef is a custom role of one workspace as stored: its permissions by
// name (not by bit index), so it survives a change in the host's
// registration order.
type RoleDef struct {
	Workspace   tenancy.WorkspaceID
	Name        string
	Permissions []string
	CreatedAt   time.Time
	// Version increases with every change; UpdateRole compares it.
	Version int64
}

// RoleStore stores custom roles, keyed by (workspace, name). Sentinels are
// tenancy.ErrNotFound and tenancy.ErrConflict; every other error is a
// backend failure and callers fail closed.
type RoleStore interface {
	// CreateRole stores d with Version 1. ErrConflict if the workspace
	// already has a role of that name (in MongoDB: an insert under a
	// unique {workspace, name} index, so of concurrent creates exactly one
	// succeeds).
	CreateRole(ctx context.Context, d RoleDef) error
	// UpdateRole replaces the permissions of the stored role if its Version
	// equals d.Version (compare-and-set, one conditional update) and
	// returns it with Version incremented. ErrNotFound when absent,
	// ErrConflict when the version differs.
	UpdateRole(ctx context.Context, d RoleDef) (RoleDef, error)
	// Role returns the named role of ws, or ErrNotFound. It reflects every
	// write completed before the call.
	Role(ctx context.Context, ws tenancy.WorkspaceID, name string) (RoleDef, error)
	// Roles lists ws's custom roles ordered by name.
	Roles(ctx context.Context, ws tenancy.WorkspaceID) ([]RoleDef, error)
	// DeleteRole deletes the named role of ws (ErrNotFound if absent).
	// Members still holding it hold no permission until given another role.
	DeleteRole(ctx context.Context, ws tenancy.WorkspaceID, name string) error
}

// RoleLookup resolves custom roles from a RoleStore for the gate
// (gate.Config.CustomRoles). Each call reads the store, so a changed or
// deleted role takes effect on the next request.
type RoleLookup struct {
	store  RoleStore
	policy *rbac.Policy
}

var _ gate.RoleLookup = (*RoleLookup)(nil)

// NewRoleLookup returns a RoleLookup over store, compiling permission
// names with policy.
func NewRoleLookup(store RoleStore, policy *rbac.Policy) (*RoleLookup, error) {
	if store == nil {
		return nil, errors.New("team: NewRoleLookup needs a RoleStore")
	}
	if policy == nil {
		return nil, errors.New("team: NewRoleLookup needs a Policy")
	}
	return &RoleLookup{store: store, policy: policy}, nil
}

// RolePermissions implements gate.RoleLookup: ok is false for a role ws
// does not define (the member then holds nothing). Stored permission names
// the registry no longer knows grant nothing.
func (l *RoleLookup) RolePermissions(ctx context.Context, ws tenancy.WorkspaceID, role string) (rbac.Set, bool, error) {
	if rbac.IsBuiltin(role) || !rbac.ValidRoleName(role) {
		return rbac.Set{}, false, nil
	}
	d, err := l.store.Role(ctx, ws, role)
	if errors.Is(err, tenancy.ErrNotFound) {
		return rbac.Set{}, false, nil
	}
	if err != nil {
		return rbac.Set{}, false, err
	}
	return l.policy.Compile(d.Permissions), true, nil
}

package rbac

import (
	"errors"
	"fmt"
	"sort"
)

// Built-in role names.
const (
	RoleOwner   = "owner"
	RoleAdmin   = "admin"
	RoleBilling = "billing"
	RoleManager = "manager"
	RoleAgent   = "agent"
	RoleAuditor = "auditor"
	RoleViewer  = "viewer"
)

// BuiltinRoleNames returns the seven built-in role names from most to least
// privileged. Each call returns a new slice: changing it changes nothing
// else.
func BuiltinRoleNames() []string {
	return []string{RoleOwner, RoleAdmin, RoleBilling, RoleManager, RoleAgent, RoleAuditor, RoleViewer}
}

// Role is a named permission set.
type Role struct {
	Name        string
	Permissions Set
	Builtin     bool
}

// BuiltinRoles derives the seven built-in roles from reg. Host permissions
// ("content": any resource the library does not own) are classified by
// action: "read" is a read, anything else a write.
//
//	owner    everything
//	admin    everything except billing:*, workspace:delete, workspace:transfer
//	billing  billing:read, billing:write, workspace:read
//	manager  content read and write, members:read, invites:write, workspace:read
//	agent    content read and write, workspace:read
//	auditor  content read, workspace:read, members:read, audit:read
//	         (not billing, settings or channels: those reads are reserved
//	         to the roles that manage them)
//	viewer   content read, workspace:read
//
// A manager holds content writes so that the rule "grant only what you
// hold" lets it invite agents and viewers, and nothing above them.
func BuiltinRoles(reg *Registry) []Role {
	var owner, admin, billing, manager, agent, auditor, viewer Set
	for _, name := range reg.All() {
		p, _ := reg.Lookup(name)
		owner.Add(p)
		content, read := isContent(name), isRead(name)
		switch {
		case name == BillingRead || name == BillingWrite:
			billing.Add(p)
		case name == WorkspaceDelete || name == WorkspaceTransfer:
		default:
			admin.Add(p)
		}
		if content || name == WorkspaceRead {
			agent.Add(p)
			manager.Add(p)
			if read {
				viewer.Add(p)
			}
		}
		if name == MembersRead || name == InvitesWrite {
			manager.Add(p)
		}
		if read && (content || name == WorkspaceRead || name == MembersRead || name == AuditRead) {
			auditor.Add(p)
		}
		if name == WorkspaceRead {
			billing.Add(p)
		}
	}
	return []Role{
		{RoleOwner, owner, true}, {RoleAdmin, admin, true}, {RoleBilling, billing, true},
		{RoleManager, manager, true}, {RoleAgent, agent, true}, {RoleAuditor, auditor, true},
		{RoleViewer, viewer, true},
	}
}

// Policy maps role names to permission sets. It is immutable once built
// and safe for concurrent use.
type Policy struct {
	reg *Registry
	// membersWrite and invitesWrite are resolved once for CanGrant.
	membersWrite, invitesWrite Permission
	builtin                    [7]Role // in BuiltinRoleNames() order
	roles                      map[string]Role
}

// NewPolicy returns the policy of the built-in roles over reg, plus the
// given custom roles (which may not reuse a built-in name).
func NewPolicy(reg *Registry, custom ...Role) (*Policy, error) {
	if reg == nil {
		return nil, errors.New("rbac: nil registry")
	}
	p := &Policy{reg: reg, roles: map[string]Role{}}
	p.membersWrite, _ = reg.Lookup(MembersWrite)
	p.invitesWrite, _ = reg.Lookup(InvitesWrite)
	for i, r := range BuiltinRoles(reg) {
		p.builtin[i] = r
		p.roles[r.Name] = r
	}
	for _, r := range custom {
		if !validPart(r.Name) {
			return nil, fmt.Errorf("rbac: invalid role name %q", r.Name)
		}
		if _, dup := p.roles[r.Name]; dup {
			return nil, fmt.Errorf("rbac: role %q already defined", r.Name)
		}
		r.Builtin = false
		p.roles[r.Name] = r
	}
	return p, nil
}

// Registry returns the policy's registry.
func (p *Policy) Registry() *Registry { return p.reg }

// Role returns the named role. Built-in roles are found without a map
// lookup; the call does not allocate.
func (p *Policy) Role(name string) (Role, bool) {
	if i := builtinIndex(name); i >= 0 {
		return p.builtin[i], true
	}
	r, ok := p.roles[name]
	return r, ok
}

// Allows reports whether role holds perm. Unknown roles hold nothing.
// It does not allocate.
func (p *Policy) Allows(role string, perm Permission) bool {
	if i := builtinIndex(role); i >= 0 {
		return p.builtin[i].Permissions.Has(perm)
	}
	r, ok := p.roles[role]
	return ok && r.Permissions.Has(perm)
}

// Check reports whether role holds perm (allowed) and whether the policy
// defines role at all (defined), so that a caller can fall back to
// per-workspace custom roles for an undefined one. It copies no Role and
// does not allocate: the gate's hot path.
func (p *Policy) Check(role string, perm Permission) (allowed, defined bool) {
	if i := builtinIndex(role); i >= 0 {
		return p.builtin[i].Permissions.Has(perm), true
	}
	r, ok := p.roles[role]
	return ok && r.Permissions.Has(perm), ok
}

// IsBuiltin reports whether name is one of the seven built-in role names.
func IsBuiltin(name string) bool { return builtinIndex(name) >= 0 }

// builtinIndex returns name's index in BuiltinRoleNames(), or -1. It
// dispatches on length first so that a lookup is one or two fixed-size
// comparisons.
func builtinIndex(name string) int {
	switch len(name) {
	case 5:
		switch name {
		case RoleOwner:
			return 0
		case RoleAdmin:
			return 1
		case RoleAgent:
			return 4
		}
	case 6:
		if name == RoleViewer {
			return 6
		}
	case 7:
		switch name {
		case RoleBilling:
			return 2
		case RoleManager:
			return 3
		case RoleAuditor:
			return 5
		}
	}
	return -1
}

// Roles returns every role, built-in roles first in BuiltinRoleNames() order,
// then custom roles by name.
func (p *Policy) Roles() []Role {
	out := make([]Role, 0, len(p.roles))
	out = append(out, p.builtin[:]...)
	var custom []Role
	for _, r := range p.roles {
		if !r.Builtin {
			custom = append(custom, r)
		}
	}
	sort.Slice(custom, func(i, j int) bool { return custom[i].Name < custom[j].Name })
	return append(out, custom...)
}

package rbac

import (
	"errors"
	"fmt"
)

// ErrInvalidRole is returned (wrapped) for a custom role that cannot be
// defined: a malformed name, a built-in name, an unknown permission or an
// owner-only permission.
var ErrInvalidRole = errors.New("rbac: invalid role")

// ownerOnly lists the permissions no custom role may hold: deleting the
// workspace and transferring its ownership stay with owners.
var ownerOnly = []string{WorkspaceDelete, WorkspaceTransfer}

// ValidRoleName reports whether name is a well-formed role name: 1–32
// bytes of lowercase letters, digits, '_' and '-'.
func ValidRoleName(name string) bool { return validPart(name) }

// CompileCustom validates a custom role — a well-formed name that is not a
// built-in one, and registered permissions only, none owner-only — and
// returns its permission set. Every refusal wraps ErrInvalidRole.
func (p *Policy) CompileCustom(name string, perms []string) (Set, error) {
	if !validPart(name) {
		return Set{}, fmt.Errorf("%w: malformed name %q", ErrInvalidRole, name)
	}
	if IsBuiltin(name) {
		return Set{}, fmt.Errorf("%w: %q is a built-in role", ErrInvalidRole, name)
	}
	var s Set
	for _, n := range perms {
		if isOwnerOnly(n) {
			return Set{}, fmt.Errorf("%w: %q is reserved to owners", ErrInvalidRole, n)
		}
		perm, ok := p.reg.Lookup(n)
		if !ok {
			return Set{}, fmt.Errorf("%w: unknown permission %q", ErrInvalidRole, n)
		}
		s.Add(perm)
	}
	return s, nil
}

// Compile returns the set of the registered permissions among names, for
// a stored custom role. A name the registry does not know (a permission the
// host no longer registers) grants nothing, and neither does an owner-only
// permission (workspace:delete, workspace:transfer) that a role written
// behind CompileCustom's back would hold: stored roles fail closed.
func (p *Policy) Compile(names []string) Set {
	var s Set
	for _, n := range names {
		if isOwnerOnly(n) {
			continue
		}
		if perm, ok := p.reg.Lookup(n); ok {
			s.Add(perm)
		}
	}
	return s
}

func isOwnerOnly(name string) bool {
	for _, o := range ownerOnly {
		if name == o {
			return true
		}
	}
	return false
}

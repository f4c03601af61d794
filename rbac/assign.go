package rbac

import "errors"

// Assignment-rule refusals. Callers (the team service) turn each into a 403
// permission_denied; the sentinels tell tests and logs which rule applied.
var (
	// ErrNotHeld: the role holds a permission the actor does not hold.
	ErrNotHeld = errors.New("rbac: role holds permissions the actor lacks")
	// ErrDelegation: the role can itself grant access (members:write or
	// invites:write) and the actor cannot manage members.
	ErrDelegation = errors.New("rbac: only a member manager may grant a role that grants access")
	// ErrSelfPromotion: an actor tried to give itself a role that is not a
	// subset of its current one.
	ErrSelfPromotion = errors.New("rbac: self-promotion")
	// ErrOutranked: the target holds a permission the actor does not hold,
	// so the actor may not change or remove it.
	ErrOutranked = errors.New("rbac: target outranks the actor")
)

// CanGrant checks that an actor holding actor may give someone a role
// holding role:
//
//   - role ⊆ actor ("grant only what you hold"), and
//   - a role holding members:write or invites:write (a role that can
//     itself bring people in) is granted only by an actor holding
//     members:write. So a manager invites agents and viewers but not other
//     managers, while an admin may grant any role up to admin.
//
// It does not allocate.
func (p *Policy) CanGrant(actor, role Set) error {
	if !role.SubsetOf(actor) {
		return ErrNotHeld
	}
	if (role.Has(p.membersWrite) || role.Has(p.invitesWrite)) && !actor.Has(p.membersWrite) {
		return ErrDelegation
	}
	return nil
}

// CanManage checks that an actor holding actor may change the role of, or
// remove, a member currently holding target: target ⊆ actor. An admin
// cannot demote or remove an owner; an owner can manage anyone.
func (p *Policy) CanManage(actor, target Set) error {
	if !target.SubsetOf(actor) {
		return ErrOutranked
	}
	return nil
}

// CanChangeOwn checks a change of the actor's own role from current to
// next: only a step down (next ⊆ current) is allowed, never a promotion,
// whatever other rights the actor holds.
func CanChangeOwn(current, next Set) error {
	if !next.SubsetOf(current) {
		return ErrSelfPromotion
	}
	return nil
}

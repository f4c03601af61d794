package team

import (
	"context"
	"errors"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/rbac"
	"github.com/tenantgate/tenantgate/tenancy"
)

// ChangeRole gives target the role in ws on behalf of p.
//
// Changing someone else's role needs members:write, a target who holds
// nothing p lacks, and a role p may grant (rbac.Policy.CanGrant). Changing
// one's own role is only ever a step down (no self-promotion). Granting
// owner is refused to impersonating principals. Errors: 403
// workspace_forbidden (p is not a member), 403 permission_denied, 404
// not_found (target is not a member), 422 validation_failed (unknown
// role), 409 last_owner (the change would leave no owner; race-safe), 409
// conflict (target's role changed meanwhile).
func (s *Service) ChangeRole(ctx context.Context, p tenancy.Principal, ws tenancy.WorkspaceID, target tenancy.UserID, role string) error {
	a, err := s.loadActor(ctx, p, ws)
	if err != nil {
		return err
	}
	tgt := userTarget(target)
	newSet, err := s.grantable(ctx, ws, role)
	if err != nil {
		return err
	}
	var from string
	if target == p.User {
		if err := rbac.CanChangeOwn(a.perm, newSet); err != nil {
			return s.refuse(ctx, p, ws, audit.ActionMemberRoleChange, tgt, denied(err, "You cannot promote yourself."))
		}
		from = a.m.Role
	} else {
		if !a.perm.Has(s.membersWrite) {
			return s.refuse(ctx, p, ws, audit.ActionMemberRoleChange, tgt, denied(nil, "Your role cannot change roles."))
		}
		m, err := s.cfg.Members.Membership(ctx, ws, target)
		if err != nil {
			return storeError(err)
		}
		cur, _, err := s.roleSet(ctx, ws, m.Role)
		if err != nil {
			return err
		}
		if err := s.cfg.Policy.CanManage(a.perm, cur); err != nil {
			return s.refuse(ctx, p, ws, audit.ActionMemberRoleChange, tgt, denied(err, "This member holds rights you do not hold."))
		}
		if err := s.checkGrant(a, role, newSet); err != nil {
			return s.refuse(ctx, p, ws, audit.ActionMemberRoleChange, tgt, err)
		}
		from = m.Role
	}
	return s.commit(ctx, p, ws, audit.ActionMemberRoleChange, tgt, map[string]string{"from": from, "to": role}, func() error {
		if err := s.cfg.Members.ChangeRole(ctx, ws, target, from, role); err != nil {
			return storeError(err)
		}
		return nil
	})
}

// RemoveMember removes target from ws on behalf of p. Removing oneself is
// Leave. Removing someone else needs members:write and a target who holds
// nothing p lacks. Errors as ChangeRole; the last owner is never removed
// (409 last_owner, race-safe).
func (s *Service) RemoveMember(ctx context.Context, p tenancy.Principal, ws tenancy.WorkspaceID, target tenancy.UserID) error {
	if target == p.User {
		return s.Leave(ctx, p, ws)
	}
	a, err := s.loadActor(ctx, p, ws)
	if err != nil {
		return err
	}
	tgt := userTarget(target)
	if !a.perm.Has(s.membersWrite) {
		return s.refuse(ctx, p, ws, audit.ActionMemberRemove, tgt, denied(nil, "Your role cannot remove members."))
	}
	m, err := s.cfg.Members.Membership(ctx, ws, target)
	if err != nil {
		return storeError(err)
	}
	cur, _, err := s.roleSet(ctx, ws, m.Role)
	if err != nil {
		return err
	}
	if err := s.cfg.Policy.CanManage(a.perm, cur); err != nil {
		return s.refuse(ctx, p, ws, audit.ActionMemberRemove, tgt, denied(err, "This member holds rights you do not hold."))
	}
	return s.remove(ctx, p, ws, target, m.Role)
}

// Leave removes p from ws. Any member may leave except the last owner (409
// last_owner; race-safe), who must first transfer ownership or make
// another owner.
func (s *Service) Leave(ctx context.Context, p tenancy.Principal, ws tenancy.WorkspaceID) error {
	a, err := s.loadActor(ctx, p, ws)
	if err != nil {
		return err
	}
	return s.remove(ctx, p, ws, p.User, a.m.Role)
}

func (s *Service) remove(ctx context.Context, p tenancy.Principal, ws tenancy.WorkspaceID, target tenancy.UserID, role string) error {
	return s.commit(ctx, p, ws, audit.ActionMemberRemove, userTarget(target), map[string]string{"role": role}, func() error {
		if err := s.cfg.Members.RemoveMember(ctx, ws, target); err != nil {
			return storeError(err)
		}
		return nil
	})
}

// TransferOwnership makes member to the owner of ws in place of p, who
// becomes an admin; the workspace's OwnerID (its owner of record, which
// the one-workspace-per-user limit counts) becomes to. p must be an owner (workspace:transfer) acting as
// itself: impersonating principals are refused (403 permission_denied).
// The steps are ordered so that the workspace never lacks an owner: the
// workspace's OwnerID is compare-and-set first (409 conflict on a
// concurrent change, 409 workspace_limit_reached if to already owns a
// workspace), then to is promoted, then p is demoted; a failure after the
// first step undoes it.
func (s *Service) TransferOwnership(ctx context.Context, p tenancy.Principal, ws tenancy.WorkspaceID, to tenancy.UserID) error {
	tgt := userTarget(to)
	a, err := s.loadActor(ctx, p, ws)
	if err != nil {
		return err
	}
	if err := tenancy.RefuseImpersonation(p); err != nil {
		return s.refuse(ctx, p, ws, audit.ActionOwnershipTransfer, tgt, err)
	}
	if a.m.Role != tenancy.RoleOwner || !a.perm.Has(s.transfer) {
		return s.refuse(ctx, p, ws, audit.ActionOwnershipTransfer, tgt, denied(nil, "Only an owner can transfer ownership."))
	}
	if to == p.User {
		return errorf(problem.CodeConflict, nil, "You already own this workspace.")
	}
	m, err := s.cfg.Members.Membership(ctx, ws, to)
	if err != nil {
		return storeError(err)
	}
	return s.commit(ctx, p, ws, audit.ActionOwnershipTransfer, tgt, map[string]string{"from": string(p.User), "previousRole": rbac.RoleAdmin}, func() error {
		w, err := s.cfg.Workspaces.Workspace(ctx, ws)
		if err != nil {
			return storeError(err)
		}
		prevOwner := w.OwnerID
		w.OwnerID = to
		w, err = s.cfg.Workspaces.UpdateWorkspace(ctx, w)
		if err != nil {
			return storeError(err)
		}
		if m.Role != tenancy.RoleOwner {
			if err := s.cfg.Members.ChangeRole(ctx, ws, to, m.Role, tenancy.RoleOwner); err != nil {
				w.OwnerID = prevOwner
				_, _ = s.cfg.Workspaces.UpdateWorkspace(ctx, w) // undo; a concurrent change wins
				return storeError(err)
			}
		}
		// The new owner is in place. If p's demotion fails, p stays an
		// owner too (never no owner): the error is reported, the transfer
		// kept. ErrConflict means p's role changed meanwhile.
		if err := s.cfg.Members.ChangeRole(ctx, ws, p.User, tenancy.RoleOwner, rbac.RoleAdmin); err != nil && !errors.Is(err, tenancy.ErrConflict) {
			return storeError(err)
		}
		return nil
	})
}

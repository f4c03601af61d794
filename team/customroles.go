package team

import (
	"context"
	"errors"
	"strings"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/rbac"
	"github.com/tenantgate/tenantgate/tenancy"
)

func roleTarget(name string) audit.Target { return audit.Target{Type: "role", ID: name} }

// auditRoleName is name when it is a well-formed role name, else "": a
// refused caller's free text never reaches the trail.
func auditRoleName(name string) string {
	if rbac.ValidRoleName(name) {
		return name
	}
	return ""
}

// DefineRole creates or replaces the custom role name of ws with perms, on
// behalf of p. p needs members:write, checked first: without it the answer
// is 403 permission_denied (audited as denied) whatever the role, so a
// caller without the right learns nothing of the validation rules. Then
// the role is validated by rbac.Policy.CompileCustom: a well-formed name
// that is not a built-in one, registered permissions only, never
// workspace:delete or workspace:transfer (422 validation_failed). Last, p
// must hold every permission of the role (the rule of
// rbac.Policy.CanGrant), since whoever holds the role gains them (403,
// audited). Redefining a role changes the rights of its holders on their
// next request. Needs Config.Roles.
func (s *Service) DefineRole(ctx context.Context, p tenancy.Principal, ws tenancy.WorkspaceID, name string, perms []string) error {
	if s.cfg.Roles == nil {
		return problem.Wrap(problem.CodeUnavailable, errors.New("team: no RoleStore configured"))
	}
	a, err := s.loadActor(ctx, p, ws)
	if err != nil {
		return err
	}
	// The right first: a caller who may not define roles learns nothing of
	// the validation rules, and the refusal is audited like every other.
	if !a.perm.Has(s.membersWrite) {
		return s.refuse(ctx, p, ws, ActionRoleDefine, roleTarget(auditRoleName(name)), denied(nil, "Your role cannot define roles."))
	}
	set, err := s.cfg.Policy.CompileCustom(name, perms)
	if err != nil {
		return &problem.Error{Code: problem.CodeValidationFailed, Err: err,
			Fields: []problem.FieldError{{Field: "role", Message: strings.TrimPrefix(err.Error(), "rbac: ")}}}
	}
	if err := s.cfg.Policy.CanGrant(a.perm, set); err != nil {
		return s.refuse(ctx, p, ws, ActionRoleDefine, roleTarget(name), denied(err, "The role holds rights you do not hold."))
	}
	names := s.cfg.Policy.Registry().Names(set) // canonical: sorted, deduplicated
	now := s.cfg.Clock.Now().UTC()
	cur, err := s.cfg.Roles.Role(ctx, ws, name)
	exists := err == nil
	if err != nil && !errors.Is(err, tenancy.ErrNotFound) {
		return storeError(err)
	}
	if exists {
		if err := s.cfg.Policy.CanManage(a.perm, s.cfg.Policy.Compile(cur.Permissions)); err != nil {
			return s.refuse(ctx, p, ws, ActionRoleDefine, roleTarget(name), denied(err, "The role holds rights you do not hold."))
		}
	}
	md := map[string]string{"permissions": strings.Join(names, " ")}
	return s.commit(ctx, p, ws, ActionRoleDefine, roleTarget(name), md, func() error {
		var err error
		if exists {
			cur.Permissions = names
			_, err = s.cfg.Roles.UpdateRole(ctx, cur) // compare-and-set on the version read above
		} else {
			err = s.cfg.Roles.CreateRole(ctx, RoleDef{Workspace: ws, Name: name, Permissions: names, CreatedAt: now})
		}
		if err != nil {
			return storeError(err)
		}
		return nil
	})
}

// DeleteRole deletes the custom role name of ws on behalf of p (members:write
// and every permission of the role). Members holding it hold nothing from
// their next request on. 404 not_found when ws has no such role.
func (s *Service) DeleteRole(ctx context.Context, p tenancy.Principal, ws tenancy.WorkspaceID, name string) error {
	if s.cfg.Roles == nil {
		return problem.New(problem.CodeNotFound)
	}
	a, err := s.loadActor(ctx, p, ws)
	if err != nil {
		return err
	}
	set, ok, err := s.roleSet(ctx, ws, name)
	if err != nil {
		return err
	}
	if !ok || s.isBuiltin(name) {
		return problem.New(problem.CodeNotFound)
	}
	if !a.perm.Has(s.membersWrite) || s.cfg.Policy.CanManage(a.perm, set) != nil {
		return s.refuse(ctx, p, ws, ActionRoleDelete, roleTarget(name), denied(nil, "Your role cannot delete this role."))
	}
	return s.commit(ctx, p, ws, ActionRoleDelete, roleTarget(name), nil, func() error {
		if err := s.cfg.Roles.DeleteRole(ctx, ws, name); err != nil {
			return storeError(err)
		}
		return nil
	})
}

func (s *Service) isBuiltin(name string) bool {
	_, ok := s.cfg.Policy.Role(name)
	return ok
}

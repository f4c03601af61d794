package team_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/rbac"
	"github.com/tenantgate/tenantgate/team"
)

func TestDefineRole(t *testing.T) {
	tests := []struct {
		name  string
		actor string
		role  string
		perms []string
		want  problem.Code
	}{
		{"admin defines support", "admin", "support", []string{"contacts:read", "members:read"}, ""},
		{"owner defines a billing clerk", "owner", "clerk", []string{"billing:read"}, ""},
		{"admin cannot include billing", "admin", "clerk", []string{"billing:read"}, problem.CodePermissionDenied},
		{"manager cannot define roles", "manager", "support", []string{"contacts:read"}, problem.CodePermissionDenied},
		{"built-in name", "owner", "admin", []string{"contacts:read"}, problem.CodeValidationFailed},
		{"unknown permission", "owner", "support", []string{"contacts:delete"}, problem.CodeValidationFailed},
		{"owner-only permission", "owner", "heir", []string{"workspace:transfer"}, problem.CodeValidationFailed},
		{"malformed name", "owner", "Support Team", nil, problem.CodeValidationFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t)
			owner := env.User(t)
			ws := env.Workspace(t, owner)
			actor := owner
			if tt.actor != rbac.RoleOwner {
				actor = env.Member(t, ws.ID, tt.actor)
			}
			err := env.Team.DefineRole(ctx, actor.Principal(), ws.ID, tt.role, tt.perms)
			roles, lerr := env.Roles.Roles(ctx, ws.ID)
			require.NoError(t, lerr)
			if tt.want != "" {
				assertCode(t, tt.want, err)
				assert.Empty(t, roles)
				return
			}
			require.NoError(t, err)
			require.Len(t, roles, 1)
			assert.ElementsMatch(t, tt.perms, roles[0].Permissions)
			assert.Equal(t, team.ActionRoleDefine, lastEvent(t, env, ws.ID).Action)
		})
	}
}

// TestDefineRole_RightCheckedBeforeValidation: a member without the right
// to define roles is refused with 403 permission_denied whatever role it
// sends, never with rbac's 422 validation text, and the refusal is audited
// as denied. A malformed name does not reach the trail.
func TestDefineRole_RightCheckedBeforeValidation(t *testing.T) {
	tests := []struct {
		name       string
		actor      string
		role       string
		perms      []string
		wantTarget string
	}{
		{"viewer, valid role", rbac.RoleViewer, "support", []string{"contacts:read"}, "support"},
		{"manager, built-in name", rbac.RoleManager, rbac.RoleAdmin, []string{"contacts:read"}, rbac.RoleAdmin},
		{"agent, unknown permission", rbac.RoleAgent, "support", []string{"contacts:delete"}, "support"},
		{"billing, owner-only permission", rbac.RoleBilling, "heir", []string{"workspace:transfer"}, "heir"},
		{"auditor, malformed name", rbac.RoleAuditor, "Support Team <a@b.example>", nil, ""},
		{"viewer, empty name", rbac.RoleViewer, "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t)
			ws := env.Workspace(t, env.User(t))
			actor := env.Member(t, ws.ID, tt.actor)
			before := len(events(t, env, ws.ID))
			err := env.Team.DefineRole(ctx, actor.Principal(), ws.ID, tt.role, tt.perms)
			assertCode(t, problem.CodePermissionDenied, err)
			assert.Empty(t, problem.From(err).Fields, "no validation detail for a caller without the right")
			assert.NotContains(t, err.Error(), "rbac")
			roles, lerr := env.Roles.Roles(ctx, ws.ID)
			require.NoError(t, lerr)
			assert.Empty(t, roles, "nothing defined")
			evs := events(t, env, ws.ID)
			require.Len(t, evs, before+1, "the refusal is audited")
			ev := evs[0]
			assert.Equal(t, team.ActionRoleDefine, ev.Action)
			assert.Equal(t, audit.OutcomeDenied, ev.Outcome)
			assert.Equal(t, string(actor.ID), ev.Actor)
			assert.Equal(t, audit.Target{Type: "role", ID: tt.wantTarget}, ev.Target)
			assert.Equal(t, string(problem.CodePermissionDenied), ev.Metadata["reason"])
		})
	}
}

func TestDefineRole_RedefineAndDelete(t *testing.T) {
	env := newEnv(t)
	owner := env.User(t)
	ws := env.Workspace(t, owner)
	admin := env.Member(t, ws.ID, rbac.RoleAdmin)
	require.NoError(t, env.Team.DefineRole(ctx, owner.Principal(), ws.ID, "clerk", []string{"billing:read"}))
	// An admin cannot widen or narrow a role holding rights it lacks.
	assertCode(t, problem.CodePermissionDenied, env.Team.DefineRole(ctx, admin.Principal(), ws.ID, "clerk", []string{"contacts:read"}))
	assertCode(t, problem.CodePermissionDenied, env.Team.DeleteRole(ctx, admin.Principal(), ws.ID, "clerk"))
	// A member with the custom role cannot be given it by someone who
	// lacks its rights, nor promote itself.
	clerk := env.Member(t, ws.ID, "clerk")
	viewer := env.Member(t, ws.ID, rbac.RoleViewer)
	assertCode(t, problem.CodePermissionDenied, env.Team.ChangeRole(ctx, admin.Principal(), ws.ID, viewer.ID, "clerk"))
	assertCode(t, problem.CodePermissionDenied, env.Team.ChangeRole(ctx, clerk.Principal(), ws.ID, clerk.ID, rbac.RoleBilling))
	require.NoError(t, env.Team.DefineRole(ctx, owner.Principal(), ws.ID, "clerk", []string{"billing:read", "billing:write"}))
	d, err := env.Roles.Role(ctx, ws.ID, "clerk")
	require.NoError(t, err)
	assert.Equal(t, []string{"billing:read", "billing:write"}, d.Permissions)
	require.NoError(t, env.Team.DeleteRole(ctx, owner.Principal(), ws.ID, "clerk"))
	assertCode(t, problem.CodeNotFound, env.Team.DeleteRole(ctx, owner.Principal(), ws.ID, "clerk"))
	assertCode(t, problem.CodeNotFound, env.Team.DeleteRole(ctx, owner.Principal(), ws.ID, rbac.RoleAdmin))
	assert.Equal(t, team.ActionRoleDelete, lastEvent(t, env, ws.ID).Action)
	denied := 0
	for _, ev := range events(t, env, ws.ID) {
		if ev.Outcome == audit.OutcomeDenied {
			denied++
		}
	}
	assert.Equal(t, 4, denied, "each of the four refusals is audited")
}

func TestRoleLookup(t *testing.T) {
	env := newEnv(t)
	ws := env.Workspace(t, env.User(t))
	other := env.Workspace(t, env.User(t))
	env.DefineRole(t, ws.ID, "support", "contacts:read", "members:read")
	read, _ := env.Registry.Lookup("contacts:read")
	write, _ := env.Registry.Lookup("contacts:write")
	set, ok, err := env.RoleLookup.RolePermissions(ctx, ws.ID, "support")
	require.NoError(t, err)
	require.True(t, ok)
	assert.True(t, set.Has(read))
	assert.False(t, set.Has(write))
	_, ok, err = env.RoleLookup.RolePermissions(ctx, other.ID, "support")
	require.NoError(t, err)
	assert.False(t, ok, "custom roles are per workspace")
	_, ok, _ = env.RoleLookup.RolePermissions(ctx, ws.ID, "Support")
	assert.False(t, ok)
	_, err = team.NewRoleLookup(nil, env.Policy)
	assert.Error(t, err)
}

func TestNew_ValidatesConfig(t *testing.T) {
	_, err := team.New(team.Config{InviteTTL: -1})
	require.Error(t, err)
	for _, field := range []string{"Members", "Workspaces", "Invites", "Policy", "Audit", "Clock", "InviteTTL"} {
		assert.Contains(t, err.Error(), field)
	}
}

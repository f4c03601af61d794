package team_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/gatetest"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/rbac"
	"github.com/tenantgate/tenantgate/tenancy"
)

// TestAttack_InviteDoesNotOutliveItsInviter: an admin invites a second
// address it controls, loses its rights (removed, demoted below the
// invite's role, or left), and redeems the pending invite to get back in.
// The redemption is 400 invalid_token, joins nobody, and is audited as
// denied; an invite whose inviter still holds the rights is redeemed.
func TestAttack_InviteDoesNotOutliveItsInviter(t *testing.T) {
	tests := []struct {
		name   string
		role   string
		revoke func(t *testing.T, env *gatetest.Env, owner, inviter gatetest.User, ws tenancy.WorkspaceID)
		want   problem.Code
	}{
		{"inviter removed", rbac.RoleAdmin, func(t *testing.T, env *gatetest.Env, owner, inviter gatetest.User, ws tenancy.WorkspaceID) {
			require.NoError(t, env.Team.RemoveMember(ctx, owner.Principal(), ws, inviter.ID))
		}, problem.CodeInvalidToken},
		{"inviter left", rbac.RoleAdmin, func(t *testing.T, env *gatetest.Env, _, inviter gatetest.User, ws tenancy.WorkspaceID) {
			require.NoError(t, env.Team.Leave(ctx, inviter.Principal(), ws))
		}, problem.CodeInvalidToken},
		{"inviter demoted to viewer", rbac.RoleAgent, func(t *testing.T, env *gatetest.Env, owner, inviter gatetest.User, ws tenancy.WorkspaceID) {
			require.NoError(t, env.Team.ChangeRole(ctx, owner.Principal(), ws, inviter.ID, rbac.RoleViewer))
		}, problem.CodeInvalidToken},
		{"inviter demoted below the invite's role", rbac.RoleAdmin, func(t *testing.T, env *gatetest.Env, owner, inviter gatetest.User, ws tenancy.WorkspaceID) {
			require.NoError(t, env.Team.ChangeRole(ctx, owner.Principal(), ws, inviter.ID, rbac.RoleManager))
		}, problem.CodeInvalidToken},
		{"inviter kept its rights", rbac.RoleAgent, func(*testing.T, *gatetest.Env, gatetest.User, gatetest.User, tenancy.WorkspaceID) {}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t)
			owner := env.User(t)
			ws := env.Workspace(t, owner)
			inviter := env.Member(t, ws.ID, rbac.RoleAdmin)
			alt := env.User(t)
			iss, err := env.Team.Invite(ctx, inviter.Principal(), ws.ID, alt.Email, tt.role)
			require.NoError(t, err)
			tt.revoke(t, env, owner, inviter, ws.ID)

			_, err = env.Team.AcceptInvite(ctx, alt.Principal(), alt.Email, iss.Token)
			if tt.want == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.role, roleOf(t, env, ws.ID, alt.ID))
				return
			}
			assertCode(t, tt.want, err)
			assert.Equal(t, "", roleOf(t, env, ws.ID, alt.ID), "joined nothing")
			ev := lastEvent(t, env, ws.ID)
			assert.Equal(t, audit.ActionInviteAccept, ev.Action)
			assert.Equal(t, audit.OutcomeDenied, ev.Outcome)
			assert.Equal(t, "inviter_rights_revoked", ev.Metadata["reason"])
		})
	}
}

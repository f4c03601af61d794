package team_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/gatetest"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/rbac"
	"github.com/tenantgate/tenantgate/team"
)

// downSink is an audit trail that refuses every append.
type downSink struct{}

func (downSink) Append(context.Context, audit.Event) (audit.Event, error) {
	return audit.Event{}, fmt.Errorf("%w: down", audit.ErrUnavailable)
}

// TestAudit_TrailDownChangesNothing: a change that cannot be recorded is
// not made (503 unavailable), whatever it is.
func TestAudit_TrailDownChangesNothing(t *testing.T) {
	env := newEnv(t)
	owner := env.User(t)
	ws := env.Workspace(t, owner)
	agent := env.Member(t, ws.ID, rbac.RoleAgent)
	iss, err := env.Team.Invite(ctx, owner.Principal(), ws.ID, "ann@example.com", rbac.RoleViewer)
	require.NoError(t, err)
	down, err := team.New(team.Config{
		Members: env.Tenancy, Workspaces: env.Tenancy, Invites: env.Invites, Roles: env.Roles,
		Policy: env.Policy, Audit: downSink{}, Clock: env.Clock,
	})
	require.NoError(t, err)
	ann := env.User(t, gatetest.Email("ann@example.com"))

	tests := []struct {
		name string
		op   func() error
	}{
		{"role change", func() error { return down.ChangeRole(ctx, owner.Principal(), ws.ID, agent.ID, rbac.RoleAdmin) }},
		{"removal", func() error { return down.RemoveMember(ctx, owner.Principal(), ws.ID, agent.ID) }},
		{"leave", func() error { return down.Leave(ctx, agent.Principal(), ws.ID) }},
		{"transfer", func() error { return down.TransferOwnership(ctx, owner.Principal(), ws.ID, agent.ID) }},
		{"invite", func() error {
			_, err := down.Invite(ctx, owner.Principal(), ws.ID, "bob@example.com", rbac.RoleViewer)
			return err
		}},
		{"revoke", func() error { return down.RevokeInvite(ctx, owner.Principal(), ws.ID, iss.Invite.ID) }},
		{"accept", func() error {
			_, err := down.AcceptInvite(ctx, ann.Principal(), ann.Email, iss.Token)
			return err
		}},
		{"define role", func() error {
			return down.DefineRole(ctx, owner.Principal(), ws.ID, "support", []string{"contacts:read"})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertCode(t, problem.CodeUnavailable, tt.op())
			assert.Equal(t, rbac.RoleOwner, roleOf(t, env, ws.ID, owner.ID))
			assert.Equal(t, rbac.RoleAgent, roleOf(t, env, ws.ID, agent.ID))
			assert.Equal(t, "", roleOf(t, env, ws.ID, ann.ID))
			invs, _ := env.Invites.Invites(ctx, ws.ID)
			require.Len(t, invs, 1)
			assert.True(t, invs[0].Pending(env.Clock.Now()))
			roles, _ := env.Roles.Roles(ctx, ws.ID)
			assert.Empty(t, roles)
			w, _ := env.Tenancy.Workspace(ctx, ws.ID)
			assert.Equal(t, owner.ID, w.OwnerID)
		})
	}
}

// TestAudit_AttemptThenOutcome: a change leaves an attempted record and
// its outcome; a change the store refuses leaves the refusal.
func TestAudit_AttemptThenOutcome(t *testing.T) {
	env := newEnv(t)
	owner := env.User(t)
	ws := env.Workspace(t, owner)
	agent := env.Member(t, ws.ID, rbac.RoleAgent)
	require.NoError(t, env.Team.ChangeRole(ctx, owner.Principal(), ws.ID, agent.ID, rbac.RoleViewer))
	assertCode(t, problem.CodeLastOwner, env.Team.Leave(ctx, owner.Principal(), ws.ID))
	evs := events(t, env, ws.ID) // newest first
	require.Len(t, evs, 4)
	got := make([]string, 0, len(evs))
	for _, ev := range evs {
		got = append(got, string(ev.Action)+" "+string(ev.Outcome))
	}
	assert.Equal(t, []string{
		"member.remove denied", "member.remove attempted",
		"member.role_change success", "member.role_change attempted",
	}, got)
	assert.Equal(t, "viewer", evs[2].Metadata["to"])
	assert.Equal(t, "last_owner", evs[0].Metadata["reason"])
}

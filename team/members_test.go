package team_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/gatetest"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/rbac"
	"github.com/tenantgate/tenantgate/tenancy"
)

// TestChangeRole_AssignmentRules plays actor role × target role × new role
// and checks the answer, the stored role and the audit outcome.
func TestChangeRole_AssignmentRules(t *testing.T) {
	tests := []struct {
		name         string
		actor, from  string
		to           string
		want         problem.Code // "" for success
		wantAuditOut audit.Outcome
	}{
		{"owner makes a viewer admin", "owner", "viewer", "admin", "", audit.OutcomeSuccess},
		{"owner makes a viewer billing", "owner", "viewer", "billing", "", audit.OutcomeSuccess},
		{"owner makes an admin owner", "owner", "admin", "owner", "", audit.OutcomeSuccess},
		{"admin makes a viewer admin", "admin", "viewer", "admin", "", audit.OutcomeSuccess},
		{"admin makes an agent auditor", "admin", "agent", "auditor", "", audit.OutcomeSuccess},
		{"admin cannot grant billing", "admin", "viewer", "billing", problem.CodePermissionDenied, audit.OutcomeDenied},
		{"admin cannot grant owner", "admin", "viewer", "owner", problem.CodePermissionDenied, audit.OutcomeDenied},
		{"admin cannot demote an owner", "admin", "owner", "viewer", problem.CodePermissionDenied, audit.OutcomeDenied},
		{"admin cannot touch billing", "admin", "billing", "viewer", problem.CodePermissionDenied, audit.OutcomeDenied},
		{"manager cannot change roles", "manager", "viewer", "agent", problem.CodePermissionDenied, audit.OutcomeDenied},
		{"agent cannot change roles", "agent", "viewer", "agent", problem.CodePermissionDenied, audit.OutcomeDenied},
		{"billing cannot change roles", "billing", "viewer", "viewer", problem.CodePermissionDenied, audit.OutcomeDenied},
		{"unknown role", "owner", "viewer", "superuser", problem.CodeValidationFailed, ""},
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
			target := env.Member(t, ws.ID, tt.from)
			before := len(events(t, env, ws.ID))
			err := env.Team.ChangeRole(ctx, actor.Principal(), ws.ID, target.ID, tt.to)
			if tt.want == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.to, roleOf(t, env, ws.ID, target.ID))
			} else {
				assertCode(t, tt.want, err)
				assert.Equal(t, tt.from, roleOf(t, env, ws.ID, target.ID), "nothing changed")
			}
			if tt.wantAuditOut == "" {
				assert.Len(t, events(t, env, ws.ID), before)
				return
			}
			ev := lastEvent(t, env, ws.ID)
			assert.Equal(t, audit.ActionMemberRoleChange, ev.Action)
			assert.Equal(t, tt.wantAuditOut, ev.Outcome)
			assert.Equal(t, string(actor.ID), ev.Actor)
			assert.Equal(t, string(target.ID), ev.Target.ID)
		})
	}
}

func TestChangeRole_NoSelfPromotion(t *testing.T) {
	tests := []struct {
		name     string
		from, to string
		want     problem.Code
	}{
		{"admin to owner", "admin", "owner", problem.CodePermissionDenied},
		{"agent to admin", "agent", "admin", problem.CodePermissionDenied},
		{"viewer to auditor", "viewer", "auditor", problem.CodePermissionDenied},
		{"manager to manager is a no-op", "manager", "manager", ""},
		{"admin steps down to viewer", "admin", "viewer", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t)
			ws := env.Workspace(t, env.User(t))
			u := env.Member(t, ws.ID, tt.from)
			err := env.Team.ChangeRole(ctx, u.Principal(), ws.ID, u.ID, tt.to)
			if tt.want == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.to, roleOf(t, env, ws.ID, u.ID))
				return
			}
			assertCode(t, tt.want, err)
			assert.Equal(t, tt.from, roleOf(t, env, ws.ID, u.ID))
		})
	}
}

func TestChangeRole_NonMemberAndMissingTarget(t *testing.T) {
	env := newEnv(t)
	owner := env.User(t)
	ws := env.Workspace(t, owner)
	other := env.Workspace(t, env.User(t))
	stranger := env.Member(t, other.ID, rbac.RoleOwner)
	victim := env.Member(t, ws.ID, rbac.RoleViewer)
	assertCode(t, problem.CodeWorkspaceForbidden, env.Team.ChangeRole(ctx, stranger.Principal(), ws.ID, victim.ID, "admin"))
	assert.Equal(t, rbac.RoleViewer, roleOf(t, env, ws.ID, victim.ID))
	assertCode(t, problem.CodeNotFound, env.Team.ChangeRole(ctx, owner.Principal(), ws.ID, "u-nobody", "viewer"))
	assertCode(t, problem.CodeUnauthenticated, env.Team.ChangeRole(ctx, tenancy.Principal{}, ws.ID, victim.ID, "viewer"))
}

func TestLastOwner(t *testing.T) {
	env := newEnv(t)
	owner := env.User(t)
	ws := env.Workspace(t, owner)
	admin := env.Member(t, ws.ID, rbac.RoleAdmin)
	assertCode(t, problem.CodeLastOwner, env.Team.ChangeRole(ctx, owner.Principal(), ws.ID, owner.ID, rbac.RoleAdmin))
	assertCode(t, problem.CodeLastOwner, env.Team.Leave(ctx, owner.Principal(), ws.ID))
	assertCode(t, problem.CodeLastOwner, env.Team.RemoveMember(ctx, owner.Principal(), ws.ID, owner.ID))
	assert.Equal(t, rbac.RoleOwner, roleOf(t, env, ws.ID, owner.ID))
	ev := lastEvent(t, env, ws.ID)
	assert.Equal(t, audit.OutcomeDenied, ev.Outcome)
	assert.Equal(t, "last_owner", ev.Metadata["reason"])
	// With a second owner the first may step down.
	require.NoError(t, env.Team.ChangeRole(ctx, owner.Principal(), ws.ID, admin.ID, rbac.RoleOwner))
	require.NoError(t, env.Team.Leave(ctx, owner.Principal(), ws.ID))
	assert.Equal(t, "", roleOf(t, env, ws.ID, owner.ID))
}

// TestLastOwner_ConcurrentDemotions: the last two owners demote each other
// (and themselves) at the same time; exactly one owner remains.
func TestLastOwner_ConcurrentDemotions(t *testing.T) {
	ops := []struct {
		name string
		op   func(env *gatetest.Env, me, other gatetest.User, ws tenancy.WorkspaceID) error
	}{
		{"each demotes itself", func(env *gatetest.Env, me, _ gatetest.User, ws tenancy.WorkspaceID) error {
			return env.Team.ChangeRole(ctx, me.Principal(), ws, me.ID, rbac.RoleAdmin)
		}},
		{"each demotes the other", func(env *gatetest.Env, me, other gatetest.User, ws tenancy.WorkspaceID) error {
			return env.Team.ChangeRole(ctx, me.Principal(), ws, other.ID, rbac.RoleViewer)
		}},
		{"each leaves", func(env *gatetest.Env, me, _ gatetest.User, ws tenancy.WorkspaceID) error {
			return env.Team.Leave(ctx, me.Principal(), ws)
		}},
		{"each removes the other", func(env *gatetest.Env, me, other gatetest.User, ws tenancy.WorkspaceID) error {
			return env.Team.RemoveMember(ctx, me.Principal(), ws, other.ID)
		}},
	}
	for _, tt := range ops {
		t.Run(tt.name, func(t *testing.T) {
			for round := 0; round < 25; round++ {
				env := newEnv(t)
				a := env.User(t)
				ws := env.Workspace(t, a)
				b := env.Member(t, ws.ID, rbac.RoleOwner)
				users := []gatetest.User{a, b}
				errs := make([]error, 2)
				var wg sync.WaitGroup
				start := make(chan struct{})
				for i := range users {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						errs[i] = tt.op(env, users[i], users[1-i], ws.ID)
					}()
				}
				close(start)
				wg.Wait()
				owners := 0
				for _, u := range users {
					if roleOf(t, env, ws.ID, u.ID) == rbac.RoleOwner {
						owners++
					}
				}
				require.Equal(t, 1, owners, "round %d: errors %v", round, errs)
				var failed int
				for _, err := range errs {
					if err != nil {
						failed++
						// The loser is refused as last owner, or finds
						// itself already demoted (no longer allowed) or
						// removed (no longer a member): every read is fresh.
						code := problem.From(err).Code
						assert.Contains(t, []problem.Code{problem.CodeLastOwner, problem.CodeWorkspaceForbidden, problem.CodePermissionDenied}, code, "%v", err)
					}
				}
				assert.Equal(t, 1, failed)
			}
		})
	}
}

func TestRemoveMember(t *testing.T) {
	tests := []struct {
		name          string
		actor, target string
		want          problem.Code
	}{
		{"owner removes admin", "owner", "admin", ""},
		{"admin removes agent", "admin", "agent", ""},
		{"admin cannot remove owner", "admin", "owner", problem.CodePermissionDenied},
		{"admin cannot remove billing", "admin", "billing", problem.CodePermissionDenied},
		{"manager cannot remove agent", "manager", "agent", problem.CodePermissionDenied},
		{"viewer cannot remove viewer", "viewer", "viewer", problem.CodePermissionDenied},
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
			target := env.Member(t, ws.ID, tt.target)
			err := env.Team.RemoveMember(ctx, actor.Principal(), ws.ID, target.ID)
			if tt.want == "" {
				require.NoError(t, err)
				assert.Equal(t, "", roleOf(t, env, ws.ID, target.ID))
				ev := lastEvent(t, env, ws.ID)
				assert.Equal(t, audit.ActionMemberRemove, ev.Action)
				assert.Equal(t, audit.OutcomeSuccess, ev.Outcome)
				return
			}
			assertCode(t, tt.want, err)
			assert.Equal(t, tt.target, roleOf(t, env, ws.ID, target.ID))
		})
	}
}

func TestTransferOwnership(t *testing.T) {
	t.Run("owner hands over and becomes admin", func(t *testing.T) {
		env := newEnv(t)
		owner := env.User(t)
		ws := env.Workspace(t, owner)
		heir := env.Member(t, ws.ID, rbac.RoleAgent)
		require.NoError(t, env.Team.TransferOwnership(ctx, owner.Principal(), ws.ID, heir.ID))
		assert.Equal(t, rbac.RoleOwner, roleOf(t, env, ws.ID, heir.ID))
		assert.Equal(t, rbac.RoleAdmin, roleOf(t, env, ws.ID, owner.ID))
		w, err := env.Tenancy.Workspace(ctx, ws.ID)
		require.NoError(t, err)
		assert.Equal(t, heir.ID, w.OwnerID)
		ev := lastEvent(t, env, ws.ID)
		assert.Equal(t, audit.ActionOwnershipTransfer, ev.Action)
		assert.Equal(t, audit.OutcomeSuccess, ev.Outcome)
	})
	refusals := []struct {
		name  string
		setup func(t *testing.T, env *gatetest.Env, ws tenancy.WorkspaceID, owner gatetest.User) (tenancy.Principal, tenancy.UserID)
		want  problem.Code
	}{
		{"impersonated owner", func(t *testing.T, env *gatetest.Env, ws tenancy.WorkspaceID, owner gatetest.User) (tenancy.Principal, tenancy.UserID) {
			p := owner.Principal()
			p.Impersonator = "u-operator"
			return p, env.Member(t, ws, rbac.RoleAdmin).ID
		}, problem.CodePermissionDenied},
		{"admin", func(t *testing.T, env *gatetest.Env, ws tenancy.WorkspaceID, _ gatetest.User) (tenancy.Principal, tenancy.UserID) {
			admin := env.Member(t, ws, rbac.RoleAdmin)
			return admin.Principal(), admin.ID
		}, problem.CodePermissionDenied},
		{"to a non-member", func(t *testing.T, env *gatetest.Env, ws tenancy.WorkspaceID, owner gatetest.User) (tenancy.Principal, tenancy.UserID) {
			return owner.Principal(), env.User(t).ID
		}, problem.CodeNotFound},
		{"to someone who owns a workspace", func(t *testing.T, env *gatetest.Env, ws tenancy.WorkspaceID, owner gatetest.User) (tenancy.Principal, tenancy.UserID) {
			other := env.User(t)
			env.Workspace(t, other)
			env.AddMember(t, ws, other, rbac.RoleAdmin)
			return owner.Principal(), other.ID
		}, problem.CodeWorkspaceLimitReached},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t)
			owner := env.User(t)
			ws := env.Workspace(t, owner)
			p, to := tt.setup(t, env, ws.ID, owner)
			before := roleOf(t, env, ws.ID, to)
			assertCode(t, tt.want, env.Team.TransferOwnership(ctx, p, ws.ID, to))
			assert.Equal(t, rbac.RoleOwner, roleOf(t, env, ws.ID, owner.ID))
			assert.Equal(t, before, roleOf(t, env, ws.ID, to), "nothing changed")
			w, _ := env.Tenancy.Workspace(ctx, ws.ID)
			assert.Equal(t, owner.ID, w.OwnerID)
		})
	}
}

func TestImpersonatorCannotGrantOwner(t *testing.T) {
	env := newEnv(t)
	owner := env.User(t)
	ws := env.Workspace(t, owner)
	admin := env.Member(t, ws.ID, rbac.RoleAdmin)
	p := owner.Principal()
	p.Impersonator = "u-operator"
	err := env.Team.ChangeRole(ctx, p, ws.ID, admin.ID, rbac.RoleOwner)
	assertCode(t, problem.CodePermissionDenied, err)
	assert.True(t, errors.Is(err, tenancy.ErrImpersonation))
	assert.Equal(t, rbac.RoleAdmin, roleOf(t, env, ws.ID, admin.ID))
	ev := lastEvent(t, env, ws.ID)
	assert.Equal(t, "u-operator", ev.Impersonator, "the audit record carries both identities")
}

func TestAudit_NeverHoldsEmails(t *testing.T) {
	env := newEnv(t)
	owner := env.User(t)
	ws := env.Workspace(t, owner)
	iss, err := env.Team.Invite(ctx, owner.Principal(), ws.ID, "ann@example.com", rbac.RoleAgent)
	require.NoError(t, err)
	ann := env.User(t, gatetest.Email("ann@example.com"))
	_, err = env.Team.AcceptInvite(ctx, ann.Principal(), "eve@example.com", iss.Token) // takeover attempt
	assertCode(t, problem.CodeInvalidToken, err)
	_, err = env.Team.AcceptInvite(ctx, ann.Principal(), ann.Email, iss.Token)
	require.NoError(t, err)
	require.NoError(t, env.Team.RevokeInvite(ctx, owner.Principal(), ws.ID, mustInvite(t, env, owner, ws.ID).Invite.ID))
	evs := events(t, env, ws.ID)
	require.Len(t, evs, 9, "attempted and result for invite, accept, invite, revoke; the denied takeover")
	for _, ev := range evs {
		assert.NotContains(t, fmt.Sprint(ev.Target, ev.Metadata, ev.Actor), "@", "event %s", ev.Action)
	}
}

func mustInvite(t *testing.T, env *gatetest.Env, actor gatetest.User, ws tenancy.WorkspaceID) struct{ Invite struct{ ID string } } {
	t.Helper()
	iss, err := env.Team.Invite(ctx, actor.Principal(), ws, "bob@example.com", rbac.RoleViewer)
	require.NoError(t, err)
	var out struct{ Invite struct{ ID string } }
	out.Invite.ID = iss.Invite.ID
	return out
}

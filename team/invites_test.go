package team_test

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/gatetest"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/rbac"
	"github.com/tenantgate/tenantgate/team"
	"github.com/tenantgate/tenantgate/tenancy"
)

func TestInvite_RoleWithinInvitersRights(t *testing.T) {
	tests := []struct {
		inviter, role string
		want          problem.Code
	}{
		{"owner", "owner", ""},
		{"owner", "billing", ""},
		{"admin", "admin", ""},
		{"admin", "auditor", ""},
		{"admin", "billing", problem.CodePermissionDenied},
		{"admin", "owner", problem.CodePermissionDenied},
		{"manager", "agent", ""},
		{"manager", "viewer", ""},
		{"manager", "manager", problem.CodePermissionDenied},
		{"manager", "auditor", problem.CodePermissionDenied},
		{"agent", "viewer", problem.CodePermissionDenied},
		{"viewer", "viewer", problem.CodePermissionDenied},
		{"billing", "billing", problem.CodePermissionDenied},
		{"auditor", "viewer", problem.CodePermissionDenied},
		{"owner", "god", problem.CodeValidationFailed},
	}
	for _, tt := range tests {
		t.Run(tt.inviter+" invites "+tt.role, func(t *testing.T) {
			env := newEnv(t)
			owner := env.User(t)
			ws := env.Workspace(t, owner)
			inviter := owner
			if tt.inviter != rbac.RoleOwner {
				inviter = env.Member(t, ws.ID, tt.inviter)
			}
			iss, err := env.Team.Invite(ctx, inviter.Principal(), ws.ID, "new@example.com", tt.role)
			invs, lerr := env.Invites.Invites(ctx, ws.ID)
			require.NoError(t, lerr)
			if tt.want != "" {
				assertCode(t, tt.want, err)
				assert.Empty(t, invs, "no invite stored")
				return
			}
			require.NoError(t, err)
			require.Len(t, invs, 1)
			assert.Equal(t, tt.role, invs[0].Role)
			assert.Len(t, iss.Token, 43)
			assert.NotContains(t, strings.ToLower(string(invs[0].TokenHash[:])), iss.Token, "the token is not stored")
			h, err := team.ParseToken(iss.Token)
			require.NoError(t, err)
			assert.Equal(t, h, invs[0].TokenHash, "only the token's hash is stored")
			assert.Equal(t, env.Clock.Now().Add(team.DefaultInviteTTL), invs[0].ExpiresAt)
			ev := lastEvent(t, env, ws.ID)
			assert.Equal(t, audit.ActionInviteCreate, ev.Action)
			assert.Equal(t, iss.Invite.ID, ev.Target.ID)
		})
	}
}

func TestInvite_ImpersonatorCannotInviteOwner(t *testing.T) {
	env := newEnv(t)
	owner := env.User(t)
	ws := env.Workspace(t, owner)
	p := owner.Principal()
	p.Impersonator = "u-operator"
	_, err := env.Team.Invite(ctx, p, ws.ID, "heir@example.com", rbac.RoleOwner)
	assertCode(t, problem.CodePermissionDenied, err)
	_, err = env.Team.Invite(ctx, p, ws.ID, "agent@example.com", rbac.RoleAgent)
	assert.NoError(t, err, "other invites are ordinary support work")
}

func TestInvite_EmailNormalized(t *testing.T) {
	env := newEnv(t)
	owner := env.User(t)
	ws := env.Workspace(t, owner)
	iss, err := env.Team.Invite(ctx, owner.Principal(), ws.ID, "  Ann@Example.COM ", rbac.RoleAgent)
	require.NoError(t, err)
	assert.Equal(t, "ann@example.com", iss.Invite.Email)
	ann := env.User(t, gatetest.Email("ann@example.com"))
	m, err := env.Team.AcceptInvite(ctx, ann.Principal(), "ANN@example.com", iss.Token)
	require.NoError(t, err)
	assert.Equal(t, rbac.RoleAgent, m.Role)
	assert.Equal(t, ws.ID, m.Workspace)
	// An internationalized domain matches its punycode spelling.
	iss, err = env.Team.Invite(ctx, owner.Principal(), ws.ID, "bob@BÜCHER.example", rbac.RoleViewer)
	require.NoError(t, err)
	assert.Equal(t, "bob@xn--bcher-kva.example", iss.Invite.Email)
	bob := env.User(t, gatetest.Email("bob@xn--bcher-kva.example."))
	_, err = env.Team.AcceptInvite(ctx, bob.Principal(), bob.Email, iss.Token)
	require.NoError(t, err)
	for _, bad := range []string{"", "ann", "@example.com", "ann@", "a@b@c", "ann @example.com", "ann@exa\nmple.com"} {
		_, err := env.Team.Invite(ctx, owner.Principal(), ws.ID, bad, rbac.RoleAgent)
		assertCode(t, problem.CodeInvalidEmail, err)
	}
}

// invited sets up a workspace with a pending agent invite for
// ann@example.com and returns the token.
func invited(t *testing.T) (*gatetest.Env, tenancy.Workspace, gatetest.User, string) {
	env := newEnv(t)
	owner := env.User(t)
	ws := env.Workspace(t, owner)
	iss, err := env.Team.Invite(ctx, owner.Principal(), ws.ID, "ann@example.com", rbac.RoleAgent)
	require.NoError(t, err)
	return env, ws, owner, iss.Token
}

func pending(t *testing.T, env *gatetest.Env, token string) bool {
	h, err := team.ParseToken(token)
	require.NoError(t, err)
	inv, err := env.Invites.InviteByToken(ctx, h)
	require.NoError(t, err)
	return inv.Pending(env.Clock.Now())
}

// TestAcceptInvite_Attacks: each attack gets its exact code, joins nobody,
// and leaves the invite usable by its rightful owner.
func TestAcceptInvite_Attacks(t *testing.T) {
	tests := []struct {
		name   string
		user   []gatetest.UserOption
		email  string
		token  func(good string) string
		imp    bool
		want   problem.Code
		usable bool
	}{
		{"unverified invitee", []gatetest.UserOption{gatetest.Unverified}, "ann@example.com", same, false, problem.CodeEmailUnverified, true},
		{"other verified user's email", nil, "eve@example.com", same, false, problem.CodeInvalidToken, true},
		{"look-alike email", nil, "ann@example.com.evil", same, false, problem.CodeInvalidToken, true},
		{"impersonated invitee", nil, "ann@example.com", same, true, problem.CodePermissionDenied, true},
		{"unknown token", nil, "ann@example.com", func(string) string { tok, _ := team.NewToken(); return tok }, false, problem.CodeInvalidToken, true},
		{"truncated token", nil, "ann@example.com", func(g string) string { return g[:42] }, false, problem.CodeInvalidToken, true},
		{"padded token", nil, "ann@example.com", func(g string) string { return g + "=" }, false, problem.CodeInvalidToken, true},
		{"token with spaces", nil, "ann@example.com", func(g string) string { return " " + g }, false, problem.CodeInvalidToken, true},
		{"empty token", nil, "ann@example.com", func(string) string { return "" }, false, problem.CodeInvalidToken, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, ws, _, token := invited(t)
			u := env.User(t, tt.user...)
			p := u.Principal()
			if tt.imp {
				p.Impersonator = "u-operator"
			}
			_, err := env.Team.AcceptInvite(ctx, p, tt.email, tt.token(token))
			assertCode(t, tt.want, err)
			assert.Equal(t, "", roleOf(t, env, ws.ID, u.ID), "joined nothing")
			assert.Equal(t, tt.usable, pending(t, env, token), "the invite is intact")
			ann := env.User(t, gatetest.Email("ann@example.com"))
			_, err = env.Team.AcceptInvite(ctx, ann.Principal(), ann.Email, token)
			assert.NoError(t, err, "the rightful invitee can still accept")
		})
	}
}

func same(g string) string { return g }

func TestAcceptInvite_EmailMismatchIsAudited(t *testing.T) {
	env, ws, _, token := invited(t)
	eve := env.User(t)
	_, err := env.Team.AcceptInvite(ctx, eve.Principal(), "eve@example.com", token)
	assertCode(t, problem.CodeInvalidToken, err)
	ev := lastEvent(t, env, ws.ID)
	assert.Equal(t, audit.ActionInviteAccept, ev.Action)
	assert.Equal(t, audit.OutcomeDenied, ev.Outcome)
	assert.Equal(t, string(eve.ID), ev.Actor)
}

func TestAcceptInvite_Lifecycle(t *testing.T) {
	tests := []struct {
		name  string
		after func(t *testing.T, env *gatetest.Env, ws tenancy.Workspace, owner gatetest.User)
		want  problem.Code
	}{
		{"accepted just before expiry", func(t *testing.T, env *gatetest.Env, _ tenancy.Workspace, _ gatetest.User) {
			env.Clock.Advance(team.DefaultInviteTTL - time.Second)
		}, ""},
		{"expired at seven days", func(t *testing.T, env *gatetest.Env, _ tenancy.Workspace, _ gatetest.User) {
			env.Clock.Advance(team.DefaultInviteTTL)
		}, problem.CodeInvalidToken},
		{"revoked", func(t *testing.T, env *gatetest.Env, ws tenancy.Workspace, owner gatetest.User) {
			invs, _ := env.Invites.Invites(ctx, ws.ID)
			require.NoError(t, env.Team.RevokeInvite(ctx, owner.Principal(), ws.ID, invs[0].ID))
		}, problem.CodeInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, ws, owner, token := invited(t)
			tt.after(t, env, ws, owner)
			ann := env.User(t, gatetest.Email("ann@example.com"))
			_, err := env.Team.AcceptInvite(ctx, ann.Principal(), ann.Email, token)
			if tt.want == "" {
				require.NoError(t, err)
				assert.Equal(t, rbac.RoleAgent, roleOf(t, env, ws.ID, ann.ID))
				ev := lastEvent(t, env, ws.ID)
				assert.Equal(t, audit.ActionInviteAccept, ev.Action)
				assert.Equal(t, audit.OutcomeSuccess, ev.Outcome)
				return
			}
			assertCode(t, tt.want, err)
			assert.Equal(t, "", roleOf(t, env, ws.ID, ann.ID))
		})
	}
}

func TestAcceptInvite_Replay(t *testing.T) {
	env, ws, _, token := invited(t)
	ann := env.User(t, gatetest.Email("ann@example.com"))
	_, err := env.Team.AcceptInvite(ctx, ann.Principal(), ann.Email, token)
	require.NoError(t, err)
	require.NoError(t, env.Team.Leave(ctx, ann.Principal(), ws.ID))
	_, err = env.Team.AcceptInvite(ctx, ann.Principal(), ann.Email, token)
	assertCode(t, problem.CodeInvalidToken, err)
	assert.Equal(t, "", roleOf(t, env, ws.ID, ann.ID), "a used token does not readmit")
}

// TestAcceptInvite_ConcurrentRedemption: 20 verified accounts that all
// claim the invitee's address redeem one token at once; exactly one joins.
func TestAcceptInvite_ConcurrentRedemption(t *testing.T) {
	env, ws, _, token := invited(t)
	users := make([]gatetest.User, 20)
	for i := range users {
		users[i] = env.User(t, gatetest.Email("ann@example.com"))
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := env.Team.AcceptInvite(ctx, u.Principal(), u.Email, token)
			if err == nil {
				wins.Add(1)
				return
			}
			assert.Equal(t, problem.CodeInvalidToken, problem.From(err).Code)
		}()
	}
	close(start)
	wg.Wait()
	assert.Equal(t, int32(1), wins.Load())
	members, err := env.Tenancy.Members(ctx, ws.ID, "", 100)
	require.NoError(t, err)
	assert.Len(t, members, 2, "the owner and one invitee")
}

func TestAcceptInvite_AlreadyMemberKeepsInvite(t *testing.T) {
	env, ws, _, token := invited(t)
	ann := env.User(t, gatetest.Email("ann@example.com"))
	env.AddMember(t, ws.ID, ann, rbac.RoleViewer)
	_, err := env.Team.AcceptInvite(ctx, ann.Principal(), ann.Email, token)
	assertCode(t, problem.CodeConflict, err)
	assert.Equal(t, rbac.RoleViewer, roleOf(t, env, ws.ID, ann.ID))
	assert.True(t, pending(t, env, token))
}

func TestRevokeInvite(t *testing.T) {
	env, ws, owner, token := invited(t)
	invs, _ := env.Invites.Invites(ctx, ws.ID)
	id := invs[0].ID
	agent := env.Member(t, ws.ID, rbac.RoleAgent)
	assertCode(t, problem.CodePermissionDenied, env.Team.RevokeInvite(ctx, agent.Principal(), ws.ID, id))
	other := env.Workspace(t, env.User(t))
	otherOwner, _ := env.Tenancy.Membership(ctx, other.ID, other.OwnerID)
	stranger, _ := env.Lookup(otherOwner.User)
	assertCode(t, problem.CodeNotFound, env.Team.RevokeInvite(ctx, stranger.Principal(), other.ID, id), "another workspace's invite is not found")
	assert.True(t, pending(t, env, token))
	require.NoError(t, env.Team.RevokeInvite(ctx, owner.Principal(), ws.ID, id))
	assertCode(t, problem.CodeConflict, env.Team.RevokeInvite(ctx, owner.Principal(), ws.ID, id))
	ev := lastEvent(t, env, ws.ID)
	assert.Equal(t, audit.ActionInviteRevoke, ev.Action)
}

func TestParseToken(t *testing.T) {
	tok, h := team.NewToken()
	got, err := team.ParseToken(tok)
	require.NoError(t, err)
	assert.Equal(t, h, got)
	tok2, _ := team.NewToken()
	assert.NotEqual(t, tok, tok2)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, tok[42])
	nonCanonical := tok[:42] + string(alphabet[last^1]) // a padding bit set
	bad := []string{"", tok[:42], tok + "A", "+" + tok[1:], "/" + tok[1:], tok[:42] + "=", nonCanonical, tok[:41] + "\n"}
	for _, b := range bad {
		_, err := team.ParseToken(b)
		assert.Error(t, err, "%q", b)
	}
}

func FuzzParseToken(f *testing.F) {
	tok, _ := team.NewToken()
	f.Add(tok)
	f.Add("")
	f.Add(tok[:42] + "=")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := team.ParseToken(s)
		if err != nil {
			return
		}
		// Only canonical 43-character tokens are accepted, and each has one
		// spelling: re-encoding yields the same hash.
		require.Len(t, s, 43)
		h2, err := team.ParseToken(s)
		require.NoError(t, err)
		require.Equal(t, h, h2)
	})
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"Ann@Example.com", " a@b ", "a@@b", "\x00@b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := team.NormalizeEmail(s)
		if err != nil {
			return
		}
		again, err := team.NormalizeEmail(n)
		require.NoError(t, err)
		require.Equal(t, n, again, "normalization is idempotent")
		require.Equal(t, strings.ToLower(n), n)
		require.Equal(t, 1, strings.Count(n, "@"))
	})
}

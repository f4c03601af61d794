package storetest

import (
	"context"
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/mfa"
	"github.com/tenantgate/tenantgate/team"
	"github.com/tenantgate/tenantgate/tenancy"
	"github.com/tenantgate/tenantgate/verify"
)

// PrivacyStores are the stores whose privacy methods RunPrivacyStores
// checks (the privacy package's Workspaces, Invites, MFA and Tokens
// contracts). Each field is the full store, so the suite can set data up
// through the owning package's own methods.
type PrivacyStores struct {
	Tenancy interface {
		tenancy.WorkspaceStore
		tenancy.MembershipStore
		DeleteWorkspaceAudited(ctx context.Context, ws tenancy.Workspace, ev audit.Event, sink audit.Sink) error
	}
	Invites interface {
		team.InviteStore
		UserInvites(ctx context.Context, user tenancy.UserID, emails []string) ([]team.Invite, error)
		DeleteUserInvites(ctx context.Context, user tenancy.UserID, emails []string) (int, error)
		DeleteWorkspaceInvites(ctx context.Context, ws tenancy.WorkspaceID) (int, error)
	}
	MFA interface {
		mfa.Store
		EraseUser(ctx context.Context, userID string) error
	}
	Tokens interface {
		verify.Store
		UserTokens(ctx context.Context, user tenancy.UserID) ([]verify.Record, error)
		DeleteUserTokens(ctx context.Context, user tenancy.UserID) (int, error)
	}
	// Audit is the sink DeleteWorkspaceAudited appends to.
	Audit audit.Store
}

var privT0 = time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)

// failingSink refuses every append.
type failingSink struct{}

func (failingSink) Append(context.Context, audit.Event) (audit.Event, error) {
	return audit.Event{}, audit.ErrUnavailable
}

// RunPrivacyStores runs the conformance suite of the privacy service's
// store methods against stores built by newStores, fresh and empty per
// subtest: audited workspace deletion (compare-and-set, memberships and
// the owner slot freed, nothing deleted when the append fails, exactly one
// winner among concurrent deletions), invites by user and email, MFA and
// token erasure.
func RunPrivacyStores(t *testing.T, newStores func(t *testing.T) PrivacyStores) {
	ctx := context.Background()
	ev := audit.Event{Time: privT0, Action: audit.ActionWorkspaceDelete, Outcome: audit.OutcomeSuccess, Actor: "u-owner"}
	create := func(t *testing.T, s PrivacyStores, ws tenancy.WorkspaceID, owner tenancy.UserID) tenancy.Workspace {
		t.Helper()
		w := tenancy.Workspace{ID: ws, Name: "Acme", Status: tenancy.StatusActive, OwnerID: owner, CreatedAt: privT0}
		require.NoError(t, s.Tenancy.CreateWorkspace(ctx, w, tenancy.Membership{User: owner, Role: tenancy.RoleOwner, CreatedAt: privT0}))
		require.NoError(t, s.Tenancy.AddMember(ctx, tenancy.Membership{Workspace: ws, User: "u-agent", Role: "agent", CreatedAt: privT0}))
		got, err := s.Tenancy.Workspace(ctx, ws)
		require.NoError(t, err)
		return got
	}
	t.Run("DeleteWorkspaceAudited", func(t *testing.T) {
		s := newStores(t)
		w := create(t, s, "ws-a", "u-owner")
		other := create(t, s, "ws-b", "u-other")
		require.NoError(t, s.Tenancy.DeleteWorkspaceAudited(ctx, w, ev, s.Audit))
		_, err := s.Tenancy.Workspace(ctx, "ws-a")
		assert.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = s.Tenancy.Membership(ctx, "ws-a", "u-agent")
		assert.ErrorIs(t, err, tenancy.ErrNotFound)
		ms, err := s.Tenancy.Members(ctx, "ws-a", "", 100)
		require.NoError(t, err)
		assert.Empty(t, ms)
		ums, err := s.Tenancy.UserMemberships(ctx, "u-agent")
		require.NoError(t, err)
		require.Len(t, ums, 1, "the other workspace's membership stays")
		assert.Equal(t, other.ID, ums[0].Workspace)
		page, err := s.Audit.Query(ctx, audit.Query{})
		require.NoError(t, err)
		require.Len(t, page.Events, 1)
		assert.Equal(t, audit.ActionWorkspaceDelete, page.Events[0].Action)
		// The owner's one-workspace slot is free again.
		create(t, s, "ws-c", "u-owner")
		assert.ErrorIs(t, s.Tenancy.DeleteWorkspaceAudited(ctx, w, ev, s.Audit), tenancy.ErrNotFound)
	})
	t.Run("DeleteWorkspaceStaleVersionOrFailedAppendChangesNothing", func(t *testing.T) {
		s := newStores(t)
		w := create(t, s, "ws-a", "u-owner")
		stale := w
		stale.Version--
		assert.ErrorIs(t, s.Tenancy.DeleteWorkspaceAudited(ctx, stale, ev, s.Audit), tenancy.ErrConflict)
		assert.Error(t, s.Tenancy.DeleteWorkspaceAudited(ctx, w, ev, failingSink{}))
		_, err := s.Tenancy.Workspace(ctx, "ws-a")
		require.NoError(t, err)
		ms, err := s.Tenancy.Members(ctx, "ws-a", "", 100)
		require.NoError(t, err)
		assert.Len(t, ms, 2)
		page, err := s.Audit.Query(ctx, audit.Query{})
		require.NoError(t, err)
		assert.Empty(t, page.Events)
	})
	t.Run("DeleteWorkspaceConcurrentOneWinner", func(t *testing.T) {
		s := newStores(t)
		w := create(t, s, "ws-a", "u-owner")
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if s.Tenancy.DeleteWorkspaceAudited(ctx, w, ev, s.Audit) == nil {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, 1, wins)
		page, err := s.Audit.Query(ctx, audit.Query{})
		require.NoError(t, err)
		assert.Len(t, page.Events, 1)
	})
	t.Run("UserInvites", func(t *testing.T) {
		s := newStores(t)
		// at counts whole seconds: MongoDB keeps milliseconds, so finer
		// offsets would tie and make the order random.
		mk := func(id, ws, email string, by tenancy.UserID, at time.Duration) team.Invite {
			_, h := team.NewToken()
			inv := team.Invite{ID: id, Workspace: tenancy.WorkspaceID(ws), Email: email, Role: "agent", TokenHash: h,
				InvitedBy: by, CreatedAt: privT0.Add(at * time.Second), ExpiresAt: privT0.Add(time.Hour)}
			require.NoError(t, s.Invites.CreateInvite(ctx, inv))
			return inv
		}
		sent := mk("inv-sent", "ws-a", "bob@example.com", "u-zed", 3)
		recv := mk("inv-recv", "ws-b", "zed@example.com", "u-ann", 2)
		acc := mk("inv-acc", "ws-c", "old@example.com", "u-ann", 1)
		mk("inv-other", "ws-a", "carl@example.com", "u-ann", 4)
		_, err := s.Invites.ConsumeInvite(ctx, acc.TokenHash, "u-zed", privT0)
		require.NoError(t, err)
		got, err := s.Invites.UserInvites(ctx, "u-zed", []string{"zed@example.com"})
		require.NoError(t, err)
		var ids []string
		for _, inv := range got {
			ids = append(ids, inv.ID)
		}
		assert.Equal(t, []string{acc.ID, recv.ID, sent.ID}, ids, "ordered by CreatedAt")
		n, err := s.Invites.DeleteUserInvites(ctx, "u-zed", []string{"zed@example.com"})
		require.NoError(t, err)
		assert.Equal(t, 3, n)
		got, err = s.Invites.UserInvites(ctx, "u-zed", []string{"zed@example.com"})
		require.NoError(t, err)
		assert.Empty(t, got)
		_, err = s.Invites.InviteByToken(ctx, recv.TokenHash)
		assert.ErrorIs(t, err, tenancy.ErrNotFound, "gone from the token index too")
		left, err := s.Invites.Invites(ctx, "ws-a")
		require.NoError(t, err)
		require.Len(t, left, 1)
		assert.Equal(t, "inv-other", left[0].ID)
		n, err = s.Invites.DeleteWorkspaceInvites(ctx, "ws-a")
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		left, err = s.Invites.Invites(ctx, "ws-a")
		require.NoError(t, err)
		assert.Empty(t, left)
	})
	t.Run("EraseMFAWhateverItsState", func(t *testing.T) {
		s := newStores(t)
		require.NoError(t, s.MFA.PutPending(ctx, "u-pending", []byte("sealed-1")))
		require.NoError(t, s.MFA.PutPending(ctx, "u-on", []byte("sealed-2")))
		require.NoError(t, s.MFA.Enable(ctx, "u-on", []byte("sealed-2"), 5, []mfa.RecoveryHash{{Index: "ABCD", Salt: []byte("s"), Hash: []byte("h")}}))
		for _, u := range []string{"u-pending", "u-on", "u-none"} {
			require.NoError(t, s.MFA.EraseUser(ctx, u), u)
			_, err := s.MFA.Get(ctx, u)
			assert.ErrorIs(t, err, mfa.ErrNotFound, u)
		}
	})
	t.Run("UserTokens", func(t *testing.T) {
		s := newStores(t)
		// at counts whole seconds (see mk above).
		ins := func(u tenancy.UserID, p verify.Purpose, at time.Duration) verify.Record {
			_, h, err := verify.NewToken(rand.Reader)
			require.NoError(t, err)
			r := verify.Record{Hash: h, Purpose: p, User: u, Email: string(u) + "@example.com", CreatedAt: privT0.Add(at * time.Second), ExpiresAt: privT0.Add(time.Hour)}
			require.NoError(t, s.Tokens.Insert(ctx, r))
			return r
		}
		b := ins("u-zed", verify.PurposeResetPassword, 2)
		a := ins("u-zed", verify.PurposeVerifyEmail, 1)
		other := ins("u-ann", verify.PurposeVerifyEmail, 0)
		got, err := s.Tokens.UserTokens(ctx, "u-zed")
		require.NoError(t, err)
		require.Len(t, got, 2)
		assert.Equal(t, a.Hash, got[0].Hash)
		assert.Equal(t, b.Hash, got[1].Hash)
		n, err := s.Tokens.DeleteUserTokens(ctx, "u-zed")
		require.NoError(t, err)
		assert.Equal(t, 2, n)
		got, err = s.Tokens.UserTokens(ctx, "u-zed")
		require.NoError(t, err)
		assert.Empty(t, got)
		_, err = s.Tokens.Consume(ctx, a.Hash, verify.PurposeVerifyEmail, privT0)
		assert.Error(t, err, "a deleted token cannot be redeemed")
		_, err = s.Tokens.Consume(ctx, other.Hash, verify.PurposeVerifyEmail, privT0)
		assert.NoError(t, err, "another user's token stays")
	})
}

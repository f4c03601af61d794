package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/team"
	"github.com/tenantgate/tenantgate/tenancy"
)

func memInvite(id, ws, email string) (team.Invite, string) {
	token, h := team.NewToken()
	return team.Invite{
		ID: id, Workspace: tenancy.WorkspaceID(ws), Email: email, Role: "agent", TokenHash: h,
		InvitedBy: "u-owner", CreatedAt: memT0, ExpiresAt: memT0.Add(team.DefaultInviteTTL),
	}, token
}

// RunInviteStore runs the conformance suite of team.InviteStore against
// stores built by newStore, a fresh empty store per subtest. It checks
// single use under concurrent redemption, expiry at the exact instant,
// revocation and workspace scoping.
func RunInviteStore(t *testing.T, newStore func(t *testing.T) team.InviteStore) {
	ctx := context.Background()
	t.Run("CreateAndFindByToken", func(t *testing.T) {
		s := newStore(t)
		inv, _ := memInvite("inv-1", "ws-a", "ann@example.com")
		require.NoError(t, s.CreateInvite(ctx, inv))
		got, err := s.InviteByToken(ctx, inv.TokenHash)
		require.NoError(t, err)
		assert.Equal(t, inv.ID, got.ID)
		assert.Equal(t, inv.Email, got.Email)
		assert.Equal(t, inv.Role, got.Role)
		assert.Equal(t, inv.Workspace, got.Workspace)
		assert.True(t, inv.ExpiresAt.Equal(got.ExpiresAt))
		_, err = s.InviteByToken(ctx, team.TokenHash{1})
		assert.ErrorIs(t, err, tenancy.ErrNotFound)
	})
	t.Run("DuplicateIDOrHashConflicts", func(t *testing.T) {
		s := newStore(t)
		inv, _ := memInvite("inv-1", "ws-a", "ann@example.com")
		require.NoError(t, s.CreateInvite(ctx, inv))
		other, _ := memInvite("inv-1", "ws-a", "bob@example.com")
		assert.ErrorIs(t, s.CreateInvite(ctx, other), tenancy.ErrConflict, "same id")
		same := inv
		same.ID = "inv-2"
		assert.ErrorIs(t, s.CreateInvite(ctx, same), tenancy.ErrConflict, "same token hash")
	})
	t.Run("ConsumeOnce", func(t *testing.T) {
		s := newStore(t)
		inv, _ := memInvite("inv-1", "ws-a", "ann@example.com")
		require.NoError(t, s.CreateInvite(ctx, inv))
		now := memT0.Add(time.Hour)
		got, err := s.ConsumeInvite(ctx, inv.TokenHash, "u-ann", now)
		require.NoError(t, err)
		assert.Equal(t, tenancy.UserID("u-ann"), got.AcceptedBy)
		assert.True(t, now.Equal(got.AcceptedAt))
		_, err = s.ConsumeInvite(ctx, inv.TokenHash, "u-eve", now)
		assert.ErrorIs(t, err, tenancy.ErrNotFound, "replay")
		stored, _ := s.InviteByToken(ctx, inv.TokenHash)
		assert.Equal(t, tenancy.UserID("u-ann"), stored.AcceptedBy, "the replay changed nothing")
	})
	t.Run("ConcurrentRedemptionsExactlyOne", func(t *testing.T) {
		s := newStore(t)
		inv, _ := memInvite("inv-1", "ws-a", "ann@example.com")
		require.NoError(t, s.CreateInvite(ctx, inv))
		var wins atomic.Int32
		var winner atomic.Value
		memParallel(20, func(i int) {
			u := tenancy.UserID(fmt.Sprintf("u-%d", i))
			if _, err := s.ConsumeInvite(ctx, inv.TokenHash, u, memT0.Add(time.Minute)); err == nil {
				wins.Add(1)
				winner.Store(u)
			}
		})
		require.Equal(t, int32(1), wins.Load())
		stored, _ := s.InviteByToken(ctx, inv.TokenHash)
		assert.Equal(t, winner.Load(), stored.AcceptedBy)
	})
	t.Run("ExpiresAtTheInstant", func(t *testing.T) {
		s := newStore(t)
		inv, _ := memInvite("inv-1", "ws-a", "ann@example.com")
		require.NoError(t, s.CreateInvite(ctx, inv))
		_, err := s.ConsumeInvite(ctx, inv.TokenHash, "u-ann", inv.ExpiresAt)
		assert.ErrorIs(t, err, tenancy.ErrNotFound, "at ExpiresAt the invite has expired")
		_, err = s.ConsumeInvite(ctx, inv.TokenHash, "u-ann", inv.ExpiresAt.Add(-time.Millisecond))
		assert.NoError(t, err, "one millisecond before, it is valid")
	})
	t.Run("RevokedCannotBeConsumed", func(t *testing.T) {
		s := newStore(t)
		inv, _ := memInvite("inv-1", "ws-a", "ann@example.com")
		require.NoError(t, s.CreateInvite(ctx, inv))
		got, err := s.RevokeInvite(ctx, "ws-a", "inv-1", memT0.Add(time.Minute))
		require.NoError(t, err)
		assert.False(t, got.RevokedAt.IsZero())
		_, err = s.ConsumeInvite(ctx, inv.TokenHash, "u-ann", memT0.Add(2*time.Minute))
		assert.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = s.RevokeInvite(ctx, "ws-a", "inv-1", memT0.Add(3*time.Minute))
		assert.ErrorIs(t, err, tenancy.ErrConflict, "revoked twice")
	})
	t.Run("RevokeIsScopedToTheWorkspace", func(t *testing.T) {
		s := newStore(t)
		inv, _ := memInvite("inv-1", "ws-a", "ann@example.com")
		require.NoError(t, s.CreateInvite(ctx, inv))
		_, err := s.RevokeInvite(ctx, "ws-b", "inv-1", memT0)
		assert.ErrorIs(t, err, tenancy.ErrNotFound, "another workspace cannot revoke it")
		_, err = s.RevokeInvite(ctx, "ws-a", "inv-none", memT0)
		assert.ErrorIs(t, err, tenancy.ErrNotFound)
		stored, _ := s.InviteByToken(ctx, inv.TokenHash)
		assert.True(t, stored.RevokedAt.IsZero())
	})
	t.Run("AcceptedCannotBeRevoked", func(t *testing.T) {
		s := newStore(t)
		inv, _ := memInvite("inv-1", "ws-a", "ann@example.com")
		require.NoError(t, s.CreateInvite(ctx, inv))
		_, err := s.ConsumeInvite(ctx, inv.TokenHash, "u-ann", memT0)
		require.NoError(t, err)
		_, err = s.RevokeInvite(ctx, "ws-a", "inv-1", memT0)
		assert.ErrorIs(t, err, tenancy.ErrConflict)
	})
	t.Run("ConcurrentRevokeAndConsumeOneWins", func(t *testing.T) {
		for round := 0; round < 20; round++ {
			s := newStore(t)
			inv, _ := memInvite("inv-1", "ws-a", "ann@example.com")
			require.NoError(t, s.CreateInvite(ctx, inv))
			var consumed, revoked atomic.Int32
			memParallel(2, func(i int) {
				if i == 0 {
					if _, err := s.ConsumeInvite(ctx, inv.TokenHash, "u-ann", memT0); err == nil {
						consumed.Add(1)
					}
				} else if _, err := s.RevokeInvite(ctx, "ws-a", "inv-1", memT0); err == nil {
					revoked.Add(1)
				}
			})
			assert.Equal(t, int32(1), consumed.Load()+revoked.Load())
		}
	})
	t.Run("ListByWorkspaceInCreationOrder", func(t *testing.T) {
		s := newStore(t)
		for i, id := range []string{"inv-c", "inv-a", "inv-b"} {
			inv, _ := memInvite(id, "ws-a", "x@example.com")
			inv.CreatedAt = memT0.Add(time.Duration(i) * time.Minute)
			require.NoError(t, s.CreateInvite(ctx, inv))
		}
		other, _ := memInvite("inv-z", "ws-b", "x@example.com")
		require.NoError(t, s.CreateInvite(ctx, other))
		list, err := s.Invites(ctx, "ws-a")
		require.NoError(t, err)
		var ids []string
		for _, inv := range list {
			ids = append(ids, inv.ID)
		}
		assert.Equal(t, []string{"inv-c", "inv-a", "inv-b"}, ids)
	})
}

package storetest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/tenancy"
)

func inviteCode(t *testing.T, code string, maxUses int, expires time.Time) tenancy.InviteCode {
	t.Helper()
	c, err := tenancy.NewInviteCode(code, "label-"+code, maxUses, expires, wsT0)
	require.NoError(t, err)
	return c
}

// RunInviteCodeStore runs the conformance suite of tenancy.InviteCodeStore
// against fresh stores made by newStore, one per subtest.
func RunInviteCodeStore(t *testing.T, newStore func(t *testing.T) tenancy.InviteCodeStore) {
	ctx := context.Background()
	now := wsT0.Add(time.Hour)

	t.Run("RedeemCountsUses", func(t *testing.T) {
		s := newStore(t)
		c := inviteCode(t, "beta-code-1", 2, time.Time{})
		require.NoError(t, s.AddInviteCode(ctx, c))
		got, err := s.RedeemInviteCode(ctx, c.Hash, now)
		require.NoError(t, err)
		assert.Equal(t, 1, got.Uses)
		got, err = s.RedeemInviteCode(ctx, c.Hash, now)
		require.NoError(t, err)
		assert.Equal(t, 2, got.Uses)
		_, err = s.RedeemInviteCode(ctx, c.Hash, now)
		assert.ErrorIs(t, err, tenancy.ErrInviteCodeUnusable)
	})

	t.Run("AddDuplicateIsConflict", func(t *testing.T) {
		s := newStore(t)
		c := inviteCode(t, "beta-code-1", 2, time.Time{})
		require.NoError(t, s.AddInviteCode(ctx, c))
		assert.ErrorIs(t, s.AddInviteCode(ctx, c), tenancy.ErrConflict)
	})

	t.Run("UnknownCodeIsUnusable", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.AddInviteCode(ctx, inviteCode(t, "beta-code-1", 2, time.Time{})))
		_, err := s.RedeemInviteCode(ctx, tenancy.HashInviteCode("beta-code-2"), now)
		assert.ErrorIs(t, err, tenancy.ErrInviteCodeUnusable)
	})

	t.Run("ExpiredCodeIsUnusableFromItsExpiryOn", func(t *testing.T) {
		s := newStore(t)
		exp := wsT0.Add(2 * time.Hour)
		c := inviteCode(t, "beta-code-1", tenancy.UnlimitedUses, exp)
		require.NoError(t, s.AddInviteCode(ctx, c))
		_, err := s.RedeemInviteCode(ctx, c.Hash, exp.Add(-time.Nanosecond))
		require.NoError(t, err)
		_, err = s.RedeemInviteCode(ctx, c.Hash, exp)
		assert.ErrorIs(t, err, tenancy.ErrInviteCodeUnusable)
		codes, err := s.InviteCodes(ctx)
		require.NoError(t, err)
		require.Len(t, codes, 1)
		assert.Equal(t, 1, codes[0].Uses, "a refused redemption counts nothing")
	})

	t.Run("ConcurrentRedemptionsNeverExceedTheLimit", func(t *testing.T) {
		s := newStore(t)
		const limit, n = 5, 60
		c := inviteCode(t, "beta-code-1", limit, time.Time{})
		require.NoError(t, s.AddInviteCode(ctx, c))
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				_, err := s.RedeemInviteCode(ctx, c.Hash, now)
				if err == nil {
					wins.Add(1)
				} else if !errors.Is(err, tenancy.ErrInviteCodeUnusable) {
					t.Errorf("unexpected error: %v", err)
				}
			})
		}
		wg.Wait()
		assert.Equal(t, int32(limit), wins.Load())
		codes, err := s.InviteCodes(ctx)
		require.NoError(t, err)
		require.Len(t, codes, 1)
		assert.Equal(t, limit, codes[0].Uses)
	})

	t.Run("UnlimitedCodeCountsEveryUse", func(t *testing.T) {
		s := newStore(t)
		c := inviteCode(t, "beta-code-1", tenancy.UnlimitedUses, time.Time{})
		require.NoError(t, s.AddInviteCode(ctx, c))
		var wg sync.WaitGroup
		for range 40 {
			wg.Go(func() {
				_, err := s.RedeemInviteCode(ctx, c.Hash, now)
				assert.NoError(t, err)
			})
		}
		wg.Wait()
		codes, err := s.InviteCodes(ctx)
		require.NoError(t, err)
		assert.Equal(t, 40, codes[0].Uses)
	})

	t.Run("ReleaseGivesBackOneUseNeverBelowZero", func(t *testing.T) {
		s := newStore(t)
		c := inviteCode(t, "beta-code-1", 1, time.Time{})
		require.NoError(t, s.AddInviteCode(ctx, c))
		_, err := s.RedeemInviteCode(ctx, c.Hash, now)
		require.NoError(t, err)
		require.NoError(t, s.ReleaseInviteCode(ctx, c.Hash))
		require.NoError(t, s.ReleaseInviteCode(ctx, c.Hash))
		codes, err := s.InviteCodes(ctx)
		require.NoError(t, err)
		assert.Equal(t, 0, codes[0].Uses)
		_, err = s.RedeemInviteCode(ctx, c.Hash, now)
		require.NoError(t, err)
		_, err = s.RedeemInviteCode(ctx, c.Hash, now)
		assert.ErrorIs(t, err, tenancy.ErrInviteCodeUnusable, "a release below zero must not grant an extra use")
		assert.ErrorIs(t, s.ReleaseInviteCode(ctx, tenancy.HashInviteCode("beta-code-x")), tenancy.ErrNotFound)
	})

	t.Run("ListIsOrderedByLabel", func(t *testing.T) {
		s := newStore(t)
		for _, code := range []string{"beta-code-c", "beta-code-a", "beta-code-b"} {
			require.NoError(t, s.AddInviteCode(ctx, inviteCode(t, code, 1, time.Time{})))
		}
		codes, err := s.InviteCodes(ctx)
		require.NoError(t, err)
		require.Len(t, codes, 3)
		assert.Equal(t, []string{"label-beta-code-a", "label-beta-code-b", "label-beta-code-c"},
			[]string{codes[0].Label, codes[1].Label, codes[2].Label})
	})
}

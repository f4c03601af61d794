package storetest

import (
	"context"
	"crypto/rand"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
	"github.com/tenantgate/tenantgate/verify"
)

var tokT0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func tokRecord(t *testing.T, u tenancy.UserID, p verify.Purpose, ttl time.Duration) verify.Record {
	t.Helper()
	_, h, err := verify.NewToken(rand.Reader)
	require.NoError(t, err)
	return verify.Record{
		Hash: h, Purpose: p, User: u, Email: string(u) + "@example.com",
		CreatedAt: tokT0, ExpiresAt: tokT0.Add(ttl),
	}
}

// RunTokenStore runs the conformance suite of verify.Store against stores
// built by newStore, a fresh empty store per subtest. It checks single use
// (sequential and under 20 and 100 concurrent redemptions), expiry at the
// exact instant, purpose binding, duplicate hashes and revocation.
func RunTokenStore(t *testing.T, newStore func(t *testing.T) verify.Store) {
	ctx := context.Background()

	t.Run("InsertThenConsume", func(t *testing.T) {
		s := newStore(t)
		r := tokRecord(t, "u-1", verify.PurposeVerifyEmail, time.Hour)
		require.NoError(t, s.Insert(ctx, r))
		now := tokT0.Add(time.Minute)
		got, err := s.Consume(ctx, r.Hash, r.Purpose, now)
		require.NoError(t, err)
		assert.Equal(t, r.Hash, got.Hash)
		assert.Equal(t, r.Purpose, got.Purpose)
		assert.Equal(t, r.User, got.User)
		assert.Equal(t, r.Email, got.Email)
		assert.True(t, r.CreatedAt.Equal(got.CreatedAt))
		assert.True(t, r.ExpiresAt.Equal(got.ExpiresAt))
		assert.True(t, now.Equal(got.UsedAt), "UsedAt is the consume time")
	})

	t.Run("UnknownHashIsInvalidToken", func(t *testing.T) {
		s := newStore(t)
		_, err := s.Consume(ctx, verify.Hash{1, 2, 3}, verify.PurposeVerifyEmail, tokT0)
		assert.ErrorIs(t, err, problem.ErrInvalidToken)
	})

	t.Run("DuplicateHashConflictsAndKeepsOriginal", func(t *testing.T) {
		s := newStore(t)
		r := tokRecord(t, "u-1", verify.PurposeResetPassword, time.Hour)
		require.NoError(t, s.Insert(ctx, r))
		evil := r
		evil.User = "u-attacker"
		evil.ExpiresAt = tokT0.Add(1000 * time.Hour)
		assert.ErrorIs(t, s.Insert(ctx, evil), problem.ErrConflict)
		got, err := s.Consume(ctx, r.Hash, r.Purpose, tokT0)
		require.NoError(t, err)
		assert.Equal(t, tenancy.UserID("u-1"), got.User, "the first record is unchanged")
		assert.True(t, r.ExpiresAt.Equal(got.ExpiresAt))
	})

	t.Run("SingleUse", func(t *testing.T) {
		s := newStore(t)
		r := tokRecord(t, "u-1", verify.PurposeResetPassword, time.Hour)
		require.NoError(t, s.Insert(ctx, r))
		_, err := s.Consume(ctx, r.Hash, r.Purpose, tokT0)
		require.NoError(t, err)
		_, err = s.Consume(ctx, r.Hash, r.Purpose, tokT0)
		assert.ErrorIs(t, err, problem.ErrInvalidToken, "replay")
	})

	for _, n := range []int{20, 100} {
		t.Run("ConcurrentRedemptionExactlyOneWinner/"+strconv.Itoa(n), func(t *testing.T) {
			s := newStore(t)
			r := tokRecord(t, "u-1", verify.PurposeResetPassword, time.Hour)
			require.NoError(t, s.Insert(ctx, r))
			var wins, invalid atomic.Int32
			var wg sync.WaitGroup
			start := make(chan struct{})
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, err := s.Consume(ctx, r.Hash, r.Purpose, tokT0.Add(time.Second))
					switch {
					case err == nil:
						wins.Add(1)
					case problem.From(err).Code == problem.CodeInvalidToken:
						invalid.Add(1)
					}
				}()
			}
			close(start)
			wg.Wait()
			assert.Equal(t, int32(1), wins.Load(), "exactly one redemption wins")
			assert.Equal(t, int32(n-1), invalid.Load(), "every other one is invalid_token")
		})
	}

	t.Run("ExpiryBoundary", func(t *testing.T) {
		cases := []struct {
			name string
			at   time.Duration // relative to ExpiresAt
			ok   bool
		}{
			{"one second before", -time.Second, true},
			{"one nanosecond before", -time.Nanosecond, true},
			{"at expiry", 0, false},
			{"one second after", time.Second, false},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				s := newStore(t)
				r := tokRecord(t, "u-1", verify.PurposeVerifyEmail, 24*time.Hour)
				require.NoError(t, s.Insert(ctx, r))
				_, err := s.Consume(ctx, r.Hash, r.Purpose, r.ExpiresAt.Add(tc.at))
				if tc.ok {
					assert.NoError(t, err)
					return
				}
				assert.ErrorIs(t, err, problem.ErrInvalidToken)
			})
		}
	})

	t.Run("WrongPurposeRefusedAndTokenUntouched", func(t *testing.T) {
		s := newStore(t)
		r := tokRecord(t, "u-1", verify.PurposeVerifyEmail, time.Hour)
		require.NoError(t, s.Insert(ctx, r))
		_, err := s.Consume(ctx, r.Hash, verify.PurposeResetPassword, tokT0)
		assert.ErrorIs(t, err, problem.ErrInvalidToken, "a verification token cannot reset a password")
		_, err = s.Consume(ctx, r.Hash, verify.PurposeVerifyEmail, tokT0)
		assert.NoError(t, err, "the refused attempt changed nothing")
	})

	t.Run("RevokeUserAndPurposeOnly", func(t *testing.T) {
		s := newStore(t)
		old1 := tokRecord(t, "u-1", verify.PurposeResetPassword, time.Hour)
		old2 := tokRecord(t, "u-1", verify.PurposeResetPassword, time.Hour)
		used := tokRecord(t, "u-1", verify.PurposeResetPassword, time.Hour)
		ver := tokRecord(t, "u-1", verify.PurposeVerifyEmail, time.Hour)
		other := tokRecord(t, "u-2", verify.PurposeResetPassword, time.Hour)
		for _, r := range []verify.Record{old1, old2, used, ver, other} {
			require.NoError(t, s.Insert(ctx, r))
		}
		_, err := s.Consume(ctx, used.Hash, used.Purpose, tokT0)
		require.NoError(t, err)

		n, err := s.Revoke(ctx, "u-1", verify.PurposeResetPassword, tokT0.Add(time.Minute))
		require.NoError(t, err)
		assert.Equal(t, 2, n, "only unused tokens of that user and purpose count")
		for _, r := range []verify.Record{old1, old2} {
			_, err := s.Consume(ctx, r.Hash, r.Purpose, tokT0.Add(2*time.Minute))
			assert.ErrorIs(t, err, problem.ErrInvalidToken, "revoked")
		}
		_, err = s.Consume(ctx, ver.Hash, ver.Purpose, tokT0.Add(2*time.Minute))
		assert.NoError(t, err, "another purpose is untouched")
		_, err = s.Consume(ctx, other.Hash, other.Purpose, tokT0.Add(2*time.Minute))
		assert.NoError(t, err, "another user is untouched")

		n, err = s.Revoke(ctx, "u-1", verify.PurposeResetPassword, tokT0.Add(3*time.Minute))
		require.NoError(t, err)
		assert.Zero(t, n)
		n, err = s.Revoke(ctx, "u-nobody", verify.PurposeResetPassword, tokT0)
		require.NoError(t, err)
		assert.Zero(t, n)
	})

	t.Run("NewTokenAfterRevokeIsValid", func(t *testing.T) {
		s := newStore(t)
		old := tokRecord(t, "u-1", verify.PurposeResetPassword, time.Hour)
		require.NoError(t, s.Insert(ctx, old))
		_, err := s.Revoke(ctx, "u-1", verify.PurposeResetPassword, tokT0)
		require.NoError(t, err)
		fresh := tokRecord(t, "u-1", verify.PurposeResetPassword, time.Hour)
		require.NoError(t, s.Insert(ctx, fresh))
		_, err = s.Consume(ctx, fresh.Hash, fresh.Purpose, tokT0.Add(time.Second))
		assert.NoError(t, err)
	})
}

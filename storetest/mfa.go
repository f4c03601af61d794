package storetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/mfa"
)

// mfaT0 is the MFA suite's clock origin, on a whole millisecond.
var mfaT0 = time.Date(2025, 6, 7, 8, 9, 10, 0, time.UTC)

// RunMFAStore runs the conformance suite of mfa.Store against fresh stores
// made by newStore, one per subtest. A store that passes it keeps every
// conditional update atomic: one winner among concurrent acceptances of a
// step or uses of a recovery code, and exact failure counting under
// concurrency.
func RunMFAStore(t *testing.T, newStore func(t *testing.T) mfa.Store) {
	ctx := context.Background()
	policy := mfa.LockPolicy{After: 5, Backoff: time.Minute, MaxBackoff: time.Hour}
	seedA, seedB := []byte("sealed-seed-A"), []byte("sealed-seed-B")
	codes := func(idx ...string) []mfa.RecoveryHash {
		out := make([]mfa.RecoveryHash, len(idx))
		for i, x := range idx {
			out[i] = mfa.RecoveryHash{Index: x, Salt: []byte("salt-" + x), Hash: []byte("hash-" + x), Time: 1, MemoryKiB: 64, Threads: 1}
		}
		return out
	}
	// enabled returns a store with user u enabled on seedA at step 10 with
	// recovery codes AAAA and BBBB.
	enabled := func(t *testing.T) mfa.Store {
		s := newStore(t)
		require.NoError(t, s.PutPending(ctx, "u", seedA))
		require.NoError(t, s.Enable(ctx, "u", seedA, 10, codes("AAAA", "BBBB")))
		return s
	}

	t.Run("get missing is ErrNotFound", func(t *testing.T) {
		_, err := newStore(t).Get(ctx, "nobody")
		require.ErrorIs(t, err, mfa.ErrNotFound)
	})
	t.Run("every method on a missing record is ErrNotFound", func(t *testing.T) {
		s := newStore(t)
		_, err := s.BeginAttempt(ctx, "x", mfaT0, policy)
		assert.ErrorIs(t, err, mfa.ErrNotFound)
		assert.ErrorIs(t, s.Enable(ctx, "x", seedA, 1, nil), mfa.ErrNotFound)
		assert.ErrorIs(t, s.AcceptStep(ctx, "x", seedA, 1), mfa.ErrNotFound)
		assert.ErrorIs(t, s.UseRecoveryCode(ctx, "x", "AAAA", []byte("hash-AAAA")), mfa.ErrNotFound)
		assert.ErrorIs(t, s.ReplaceRecoveryCodes(ctx, "x", seedA, nil), mfa.ErrNotFound)
		assert.ErrorIs(t, s.Delete(ctx, "x", seedA), mfa.ErrNotFound)
	})
	t.Run("pending then enable", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.PutPending(ctx, "u", seedA))
		st, err := s.Get(ctx, "u")
		require.NoError(t, err)
		assert.Equal(t, "u", st.UserID)
		assert.False(t, st.Enabled)
		assert.Equal(t, seedA, st.PendingSeed)
		assert.Equal(t, mfa.NoStep, st.LastStep)
		require.NoError(t, s.PutPending(ctx, "u", seedB), "re-enrolling replaces the pending seed")
		require.ErrorIs(t, s.Enable(ctx, "u", seedA, 10, codes("AAAA")), mfa.ErrConflict, "stale pending seed")
		require.NoError(t, s.Enable(ctx, "u", seedB, 10, codes("AAAA")))
		st, err = s.Get(ctx, "u")
		require.NoError(t, err)
		assert.True(t, st.Enabled)
		assert.Equal(t, seedB, st.Seed)
		assert.Nil(t, st.PendingSeed)
		assert.Equal(t, int64(10), st.LastStep)
		assert.Equal(t, 0, st.Failures)
		require.Len(t, st.Recovery, 1)
		assert.Equal(t, codes("AAAA")[0], st.Recovery[0])
	})
	t.Run("pending refused once enabled, record unchanged", func(t *testing.T) {
		s := enabled(t)
		before, _ := s.Get(ctx, "u")
		require.ErrorIs(t, s.PutPending(ctx, "u", seedB), mfa.ErrConflict)
		require.ErrorIs(t, s.Enable(ctx, "u", seedA, 11, nil), mfa.ErrConflict)
		after, _ := s.Get(ctx, "u")
		assert.Equal(t, before, after)
	})
	t.Run("accept step only forward", func(t *testing.T) {
		s := enabled(t)
		require.ErrorIs(t, s.AcceptStep(ctx, "u", seedA, 10), mfa.ErrConflict, "same step as enable")
		require.ErrorIs(t, s.AcceptStep(ctx, "u", seedA, 9), mfa.ErrConflict, "older step")
		require.NoError(t, s.AcceptStep(ctx, "u", seedA, 12))
		require.ErrorIs(t, s.AcceptStep(ctx, "u", seedA, 11), mfa.ErrConflict, "older step after newer success")
		require.ErrorIs(t, s.AcceptStep(ctx, "u", seedB, 13), mfa.ErrConflict, "other seed")
		st, _ := s.Get(ctx, "u")
		assert.Equal(t, int64(12), st.LastStep)
	})
	t.Run("accept step on pending record refused", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.PutPending(ctx, "u", seedA))
		require.ErrorIs(t, s.AcceptStep(ctx, "u", seedA, 5), mfa.ErrConflict)
	})
	t.Run("concurrent accept of one step has exactly one winner", func(t *testing.T) {
		s := enabled(t)
		var wins, conflicts atomic.Int32
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				switch err := s.AcceptStep(ctx, "u", seedA, 11); {
				case err == nil:
					wins.Add(1)
				case assert.ErrorIs(t, err, mfa.ErrConflict):
					conflicts.Add(1)
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, int32(1), wins.Load())
		assert.Equal(t, int32(19), conflicts.Load())
	})
	t.Run("attempts count and lock", func(t *testing.T) {
		s := enabled(t)
		for i := 1; i <= 4; i++ {
			st, err := s.BeginAttempt(ctx, "u", mfaT0, policy)
			require.NoError(t, err)
			assert.Equal(t, i, st.Failures)
			assert.True(t, st.LockedUntil.IsZero() || !st.LockedUntil.After(mfaT0))
		}
		st, err := s.BeginAttempt(ctx, "u", mfaT0, policy)
		require.NoError(t, err, "the fifth attempt is still checked")
		assert.Equal(t, 5, st.Failures)
		assert.True(t, st.LockedUntil.Equal(mfaT0.Add(time.Minute)), "got %v", st.LockedUntil)

		st, err = s.BeginAttempt(ctx, "u", mfaT0.Add(59*time.Second), policy)
		require.ErrorIs(t, err, mfa.ErrLocked)
		assert.Equal(t, 5, st.Failures, "a refused attempt is not counted")
		assert.True(t, st.LockedUntil.Equal(mfaT0.Add(time.Minute)))

		// After the lock, five more failures lock for twice as long.
		at := mfaT0.Add(time.Minute)
		for i := 6; i <= 10; i++ {
			st, err = s.BeginAttempt(ctx, "u", at, policy)
			require.NoError(t, err)
		}
		assert.True(t, st.LockedUntil.Equal(at.Add(2*time.Minute)), "got %v", st.LockedUntil)
	})
	t.Run("success resets failures and lock", func(t *testing.T) {
		s := enabled(t)
		for range 5 {
			_, err := s.BeginAttempt(ctx, "u", mfaT0, policy)
			require.NoError(t, err)
		}
		require.NoError(t, s.AcceptStep(ctx, "u", seedA, 11))
		st, _ := s.Get(ctx, "u")
		assert.Equal(t, 0, st.Failures)
		assert.False(t, st.LockedUntil.After(mfaT0))
		for range 5 {
			_, err := s.BeginAttempt(ctx, "u", mfaT0, policy)
			require.NoError(t, err)
		}
		require.NoError(t, s.UseRecoveryCode(ctx, "u", "AAAA", []byte("hash-AAAA")))
		st, _ = s.Get(ctx, "u")
		assert.Equal(t, 0, st.Failures)
		assert.False(t, st.LockedUntil.After(mfaT0))
	})
	t.Run("concurrent attempts never exceed the budget", func(t *testing.T) {
		s := enabled(t)
		var admitted, refused atomic.Int32
		var wg sync.WaitGroup
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.BeginAttempt(ctx, "u", mfaT0, policy)
				if err == nil {
					admitted.Add(1)
				} else if assert.ErrorIs(t, err, mfa.ErrLocked) {
					refused.Add(1)
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, int32(5), admitted.Load())
		assert.Equal(t, int32(45), refused.Load())
		st, _ := s.Get(ctx, "u")
		assert.Equal(t, 5, st.Failures)
	})
	t.Run("recovery code single use", func(t *testing.T) {
		s := enabled(t)
		require.ErrorIs(t, s.UseRecoveryCode(ctx, "u", "AAAA", []byte("hash-BBBB")), mfa.ErrConflict, "hash of another code")
		require.ErrorIs(t, s.UseRecoveryCode(ctx, "u", "CCCC", []byte("hash-CCCC")), mfa.ErrConflict, "unknown index")
		require.NoError(t, s.UseRecoveryCode(ctx, "u", "AAAA", []byte("hash-AAAA")))
		require.ErrorIs(t, s.UseRecoveryCode(ctx, "u", "AAAA", []byte("hash-AAAA")), mfa.ErrConflict, "second use")
		st, _ := s.Get(ctx, "u")
		require.Len(t, st.Recovery, 1)
		assert.Equal(t, "BBBB", st.Recovery[0].Index)
	})
	t.Run("concurrent use of one recovery code has exactly one winner", func(t *testing.T) {
		s := enabled(t)
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.UseRecoveryCode(ctx, "u", "BBBB", []byte("hash-BBBB")); err == nil {
					wins.Add(1)
				} else {
					assert.ErrorIs(t, err, mfa.ErrConflict)
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, int32(1), wins.Load())
	})
	t.Run("replace recovery codes invalidates old ones", func(t *testing.T) {
		s := enabled(t)
		require.ErrorIs(t, s.ReplaceRecoveryCodes(ctx, "u", seedB, codes("ZZZZ")), mfa.ErrConflict, "other seed")
		require.NoError(t, s.ReplaceRecoveryCodes(ctx, "u", seedA, codes("CCCC", "DDDD")))
		require.ErrorIs(t, s.UseRecoveryCode(ctx, "u", "AAAA", []byte("hash-AAAA")), mfa.ErrConflict)
		require.NoError(t, s.UseRecoveryCode(ctx, "u", "CCCC", []byte("hash-CCCC")))
	})
	t.Run("delete", func(t *testing.T) {
		s := enabled(t)
		require.ErrorIs(t, s.Delete(ctx, "u", seedB), mfa.ErrConflict)
		require.NoError(t, s.Delete(ctx, "u", seedA))
		_, err := s.Get(ctx, "u")
		require.ErrorIs(t, err, mfa.ErrNotFound)
		require.NoError(t, s.PutPending(ctx, "u", seedB), "a disabled user can enroll again")
	})
	t.Run("records are isolated per user and from caller slices", func(t *testing.T) {
		s := enabled(t)
		in := []byte("sealed-seed-V")
		require.NoError(t, s.PutPending(ctx, "v", in))
		in[0] = 'X'
		st, _ := s.Get(ctx, "v")
		assert.Equal(t, []byte("sealed-seed-V"), st.PendingSeed)
		_, err := s.BeginAttempt(ctx, "v", mfaT0, policy)
		require.NoError(t, err)
		u, _ := s.Get(ctx, "u")
		assert.Equal(t, 0, u.Failures)
	})
}

package memstore_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/ratelimit"
	"github.com/tenantgate/tenantgate/storetest"
)

func newRateLimits(t testing.TB, opts memstore.RateLimitOptions) *memstore.RateLimits {
	t.Helper()
	s, err := memstore.NewRateLimits(opts)
	require.NoError(t, err)
	return s
}

func TestRateLimitStore(t *testing.T) {
	storetest.RunRateLimitStore(t, func(t *testing.T) ratelimit.Store {
		return newRateLimits(t, memstore.RateLimitOptions{})
	})
}

func TestRateLimitStore_OneShard(t *testing.T) {
	storetest.RunRateLimitStore(t, func(t *testing.T) ratelimit.Store {
		return newRateLimits(t, memstore.RateLimitOptions{Shards: 1})
	})
}

func TestNewRateLimits_Validation(t *testing.T) {
	cases := []struct {
		name string
		opts memstore.RateLimitOptions
	}{
		{"shards not power of two", memstore.RateLimitOptions{Shards: 3}},
		{"negative shards", memstore.RateLimitOptions{Shards: -4}},
		{"negative max keys", memstore.RateLimitOptions{MaxKeys: -1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := memstore.NewRateLimits(tc.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "memstore: ")
			assert.Nil(t, s)
		})
	}
}

func TestRateLimits_IdleKeysEvicted(t *testing.T) {
	ctx := context.Background()
	s := newRateLimits(t, memstore.RateLimitOptions{Shards: 1})
	t0 := time.Unix(1_700_000_000, 0)
	l := ratelimit.PerMinute(2)
	for i := range 1000 {
		_, err := s.Take(ctx, "old:"+strconv.Itoa(i), t0, l)
		require.NoError(t, err)
	}
	require.Equal(t, 1000, s.Len())
	// A minute later the old keys are idle; new keys sweep them out, so the
	// table does not keep growing with churn.
	for i := range 1000 {
		_, err := s.Take(ctx, "new:"+strconv.Itoa(i), t0.Add(time.Minute), l)
		require.NoError(t, err)
	}
	assert.Equal(t, 1000, s.Len(), "only the new keys remain")
	for i := range 1000 { // the old keys start afresh
		st, err := s.Peek(ctx, "old:"+strconv.Itoa(i), t0.Add(time.Minute), l)
		require.NoError(t, err)
		require.Zero(t, st.Count)
	}
}

func TestRateLimits_FullStoreFailsClosedAndKeepsLiveKeys(t *testing.T) {
	ctx := context.Background()
	s := newRateLimits(t, memstore.RateLimitOptions{Shards: 1, MaxKeys: 40})
	t0 := time.Unix(1_700_000_000, 0)
	l := ratelimit.PerHour(1)
	held := 0
	for i := range 100 {
		st, err := s.Take(ctx, "k"+strconv.Itoa(i), t0, l)
		if err != nil {
			require.ErrorIs(t, err, ratelimit.ErrStoreFull)
			break
		}
		require.True(t, st.Admitted)
		held++
	}
	assert.GreaterOrEqual(t, held, 40)
	assert.LessOrEqual(t, held, 50, "at most 5/4 of MaxKeys")
	_, err := s.Take(ctx, "new", t0.Add(time.Minute), l)
	require.ErrorIs(t, err, ratelimit.ErrStoreFull)
	// The live keys were not forgotten to make room.
	for i := range held {
		st, err := s.Take(ctx, "k"+strconv.Itoa(i), t0.Add(time.Minute), l)
		require.NoError(t, err)
		assert.False(t, st.Admitted, i)
	}
	// Once they are idle, room is made.
	st, err := s.Take(ctx, "new", t0.Add(time.Hour), l)
	require.NoError(t, err)
	assert.True(t, st.Admitted)
}

func TestRateLimits_HotPathAllocatesNothing(t *testing.T) {
	ctx := context.Background()
	s := newRateLimits(t, memstore.RateLimitOptions{})
	t0 := time.Unix(1_700_000_000, 0)
	l := ratelimit.Limit{N: 10, Window: time.Second}
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		i++
		_, _ = s.Take(ctx, "hot", t0.Add(time.Duration(i)*time.Millisecond), l)
	})
	assert.Zero(t, allocs)
}

// TestRateLimits_TableChurn drives one shard's table through growth,
// Resets and evictions with many colliding probe runs, and checks every
// key's count against a reference model.
func TestRateLimits_TableChurn(t *testing.T) {
	ctx := context.Background()
	s := newRateLimits(t, memstore.RateLimitOptions{Shards: 1})
	rng := rand.New(rand.NewPCG(7, 11))
	l := ratelimit.Limit{N: 3, Window: 10 * time.Second}
	ref := map[string][]time.Time{} // admitted hits per key
	now := time.Unix(1_700_000_000, 0)
	count := func(k string) int {
		n := 0
		for _, h := range ref[k] {
			if h.After(now.Add(-l.Window)) {
				n++
			}
		}
		return min(n, l.N)
	}
	for step := range 20000 {
		now = now.Add(time.Duration(rng.IntN(20)) * time.Millisecond)
		k := "k" + strconv.Itoa(rng.IntN(3000))
		switch rng.IntN(10) {
		case 0:
			require.NoError(t, s.Reset(ctx, k))
			delete(ref, k)
		case 1:
			st, err := s.Peek(ctx, k, now, l)
			require.NoError(t, err)
			require.Equal(t, count(k), st.Count, "step %d peek %s", step, k)
		default:
			want := count(k) < l.N
			st, err := s.Take(ctx, k, now, l)
			require.NoError(t, err)
			require.Equal(t, want, st.Admitted, "step %d take %s", step, k)
			if want {
				ref[k] = append(ref[k], now)
			}
			require.Equal(t, count(k), st.Count, "step %d take %s", step, k)
		}
	}
	for k := range ref {
		st, err := s.Peek(ctx, k, now, l)
		require.NoError(t, err)
		require.Equal(t, count(k), st.Count, k)
	}
}

package storetest

import (
	"context"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/ratelimit"
)

// rlT0 is the rate-limit suite's clock origin, on a whole millisecond (the
// precision every store keeps).
var rlT0 = time.Date(2025, 6, 7, 8, 9, 10, 123_000_000, time.UTC)

// RunRateLimitStore runs the conformance suite of ratelimit.Store against
// fresh stores made by newStore, one per subtest. A store that passes it is
// an exact sliding log: never more than N admitted hits in any rolling
// window, under concurrency too, and no denial that the window does not
// justify.
func RunRateLimitStore(t *testing.T, newStore func(t *testing.T) ratelimit.Store) {
	ctx := context.Background()
	ms := time.Millisecond

	take := func(t *testing.T, s ratelimit.Store, key string, at time.Time, l ratelimit.Limit) ratelimit.State {
		t.Helper()
		st, err := s.Take(ctx, key, at, l)
		require.NoError(t, err)
		return st
	}

	t.Run("UnknownKeyIsEmpty", func(t *testing.T) {
		s := newStore(t)
		st, err := s.Peek(ctx, "nobody", rlT0, ratelimit.PerMinute(3))
		require.NoError(t, err)
		assert.Equal(t, ratelimit.State{}, st)
		require.NoError(t, s.Reset(ctx, "nobody"))
	})

	t.Run("AdmitsNThenDenies", func(t *testing.T) {
		s := newStore(t)
		l := ratelimit.PerMinute(3)
		for i := range 3 {
			at := rlT0.Add(time.Duration(i) * time.Second)
			st := take(t, s, "k", at, l)
			assert.True(t, st.Admitted, i)
			assert.Equal(t, i+1, st.Count)
			assert.True(t, rlT0.Equal(st.Oldest), "oldest %v", st.Oldest)
		}
		st := take(t, s, "k", rlT0.Add(10*time.Second), l)
		assert.False(t, st.Admitted)
		assert.Equal(t, 3, st.Count)
		assert.True(t, rlT0.Equal(st.Oldest))
		d := l.Decide(rlT0.Add(10*time.Second), st)
		assert.Equal(t, 50*time.Second, d.RetryAfter)
		assert.Equal(t, 0, d.Remaining)
	})

	t.Run("WindowIsHalfOpen", func(t *testing.T) {
		// A hit at h counts at now exactly when now−W < h ≤ now.
		s := newStore(t)
		l := ratelimit.PerMinute(1)
		require.True(t, take(t, s, "k", rlT0, l).Admitted)
		assert.False(t, take(t, s, "k", rlT0.Add(time.Minute-ms), l).Admitted, "W−1ms: still in window")
		st := take(t, s, "k", rlT0.Add(time.Minute), l)
		assert.True(t, st.Admitted, "at W: the first hit has left")
		assert.Equal(t, 1, st.Count)
	})

	t.Run("NoBurstAcrossWindowBoundary", func(t *testing.T) {
		// N at W−1s and N at W+1s: a fixed window would admit 2N within
		// two seconds; a sliding window admits N.
		s := newStore(t)
		const n = 5
		l := ratelimit.Limit{N: n, Window: time.Minute}
		first := rlT0.Add(time.Minute - time.Second)
		second := rlT0.Add(time.Minute + time.Second)
		admitted := 0
		for range n {
			if take(t, s, "k", first, l).Admitted {
				admitted++
			}
		}
		assert.Equal(t, n, admitted)
		for range n {
			assert.False(t, take(t, s, "k", second, l).Admitted)
		}
		assert.False(t, take(t, s, "k", first.Add(time.Minute-ms), l).Admitted)
		again := 0
		for range n + 1 {
			if take(t, s, "k", first.Add(time.Minute), l).Admitted {
				again++
			}
		}
		assert.Equal(t, n, again, "a full window later, N again")
	})

	t.Run("ExactSlidingLog", func(t *testing.T) {
		// A random timeline checked against a reference log: every decision
		// must match, so the store neither over- nor under-admits.
		s := newStore(t)
		l := ratelimit.Limit{N: 7, Window: 10 * time.Second}
		rng := rand.New(rand.NewPCG(1, 2))
		var ref []time.Time
		at := rlT0
		for i := range 2000 {
			at = at.Add(time.Duration(rng.IntN(1500)) * ms)
			inWindow := 0
			for _, h := range ref {
				if h.After(at.Add(-l.Window)) {
					inWindow++
				}
			}
			want := inWindow < l.N
			st := take(t, s, "k", at, l)
			require.Equal(t, want, st.Admitted, "step %d at %v", i, at.Sub(rlT0))
			if want {
				ref = append(ref, at)
				inWindow++
			}
			require.Equal(t, inWindow, st.Count, "step %d", i)
		}
		assertNoWindowOverN(t, ref, l)
	})

	t.Run("PeekRecordsNothing", func(t *testing.T) {
		s := newStore(t)
		l := ratelimit.PerMinute(2)
		take(t, s, "k", rlT0, l)
		for range 5 {
			st, err := s.Peek(ctx, "k", rlT0.Add(time.Second), l)
			require.NoError(t, err)
			assert.Equal(t, 1, st.Count)
			assert.False(t, st.Admitted)
			assert.True(t, rlT0.Equal(st.Oldest))
		}
		assert.True(t, take(t, s, "k", rlT0.Add(2*time.Second), l).Admitted)
		st, err := s.Peek(ctx, "k", rlT0.Add(time.Minute+time.Second), l)
		require.NoError(t, err)
		assert.Equal(t, 1, st.Count, "the first hit has expired")
		st, err = s.Peek(ctx, "k", rlT0.Add(time.Hour), l)
		require.NoError(t, err)
		assert.Equal(t, 0, st.Count)
		assert.True(t, st.Oldest.IsZero())
	})

	t.Run("ResetForgets", func(t *testing.T) {
		s := newStore(t)
		l := ratelimit.PerHour(2)
		take(t, s, "k", rlT0, l)
		take(t, s, "k", rlT0, l)
		take(t, s, "other", rlT0, l)
		assert.False(t, take(t, s, "k", rlT0, l).Admitted)
		require.NoError(t, s.Reset(ctx, "k"))
		st, err := s.Peek(ctx, "k", rlT0, l)
		require.NoError(t, err)
		assert.Equal(t, 0, st.Count)
		assert.True(t, take(t, s, "k", rlT0, l).Admitted)
		st, err = s.Peek(ctx, "other", rlT0, l)
		require.NoError(t, err)
		assert.Equal(t, 1, st.Count, "other keys untouched")
	})

	t.Run("KeysAreIsolated", func(t *testing.T) {
		s := newStore(t)
		l := ratelimit.PerHour(1)
		keys := []string{"a", "A", "a ", "b", "ws_1", "ws_2", "\x00", "tenant\x00ws_1"}
		for _, k := range keys {
			assert.True(t, take(t, s, k, rlT0, l).Admitted, "%q", k)
		}
		for _, k := range keys {
			assert.False(t, take(t, s, k, rlT0, l).Admitted, "%q", k)
		}
	})

	t.Run("LimitShrinkKeepsNewest", func(t *testing.T) {
		s := newStore(t)
		big := ratelimit.PerMinute(10)
		for i := range 10 {
			require.True(t, take(t, s, "k", rlT0.Add(time.Duration(i)*time.Second), big).Admitted)
		}
		small := ratelimit.PerMinute(3)
		now := rlT0.Add(20 * time.Second)
		st := take(t, s, "k", now, small)
		assert.False(t, st.Admitted)
		assert.Equal(t, 3, st.Count)
		assert.True(t, rlT0.Add(7*time.Second).Equal(st.Oldest), "oldest of the newest three: %v", st.Oldest)
		// The slot frees when the 8th hit (t0+7s) leaves: at t0+67s.
		assert.False(t, take(t, s, "k", rlT0.Add(67*time.Second-ms), small).Admitted)
		assert.True(t, take(t, s, "k", rlT0.Add(67*time.Second), small).Admitted)
	})

	t.Run("LimitGrowAdmitsMore", func(t *testing.T) {
		s := newStore(t)
		for range 2 {
			take(t, s, "k", rlT0, ratelimit.PerMinute(2))
		}
		assert.False(t, take(t, s, "k", rlT0, ratelimit.PerMinute(2)).Admitted)
		st := take(t, s, "k", rlT0.Add(time.Second), ratelimit.PerMinute(4))
		assert.True(t, st.Admitted, "plan upgrade applies on the next hit")
		assert.Equal(t, 3, st.Count)
	})

	t.Run("OutOfOrderTimesCounted", func(t *testing.T) {
		// Two callers read the clock, the later one stores first.
		s := newStore(t)
		l := ratelimit.Limit{N: 3, Window: 10 * time.Second}
		take(t, s, "k", rlT0.Add(2*time.Second), l)
		st := take(t, s, "k", rlT0.Add(time.Second), l)
		assert.True(t, st.Admitted)
		assert.Equal(t, 2, st.Count)
		assert.True(t, rlT0.Add(time.Second).Equal(st.Oldest), "oldest is the earliest time: %v", st.Oldest)
		st = take(t, s, "k", rlT0.Add(11*time.Second), l)
		assert.True(t, st.Admitted)
		assert.Equal(t, 2, st.Count, "the t0+1s hit left first")
	})

	t.Run("ConcurrentOneKeyExactlyN", func(t *testing.T) {
		s := newStore(t)
		const goroutines, n = 100, 37
		l := ratelimit.Limit{N: n, Window: time.Hour}
		var admitted atomic.Int64
		var wg sync.WaitGroup
		start := make(chan struct{})
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for j := range 3 {
					st, err := s.Take(ctx, "hot", rlT0.Add(time.Duration(g*3+j)*ms), l)
					if !assert.NoError(t, err) {
						return
					}
					if st.Admitted {
						admitted.Add(1)
					}
					assert.LessOrEqual(t, st.Count, n)
				}
			}()
		}
		close(start)
		wg.Wait()
		assert.Equal(t, int64(n), admitted.Load())
		st, err := s.Peek(ctx, "hot", rlT0.Add(time.Second), l)
		require.NoError(t, err)
		assert.Equal(t, n, st.Count)
	})

	t.Run("ConcurrentManyKeysExactlyNEach", func(t *testing.T) {
		s := newStore(t)
		const keys, perKey, n = 20, 10, 4
		l := ratelimit.Limit{N: n, Window: time.Hour}
		var mu sync.Mutex
		admitted := map[string]int{}
		var wg sync.WaitGroup
		for k := range keys {
			for range perKey {
				wg.Add(1)
				go func() {
					defer wg.Done()
					key := "k" + strconv.Itoa(k)
					st, err := s.Take(ctx, key, rlT0, l)
					if assert.NoError(t, err) && st.Admitted {
						mu.Lock()
						admitted[key]++
						mu.Unlock()
					}
				}()
			}
		}
		wg.Wait()
		require.Len(t, admitted, keys)
		for k, got := range admitted {
			assert.Equal(t, n, got, k)
		}
	})

	t.Run("LongestWindow", func(t *testing.T) {
		// No overflow at the longest window a Limit allows.
		s := newStore(t)
		l := ratelimit.Limit{N: 1, Window: ratelimit.MaxWindow}
		require.True(t, take(t, s, "k", rlT0, l).Admitted)
		assert.False(t, take(t, s, "k", rlT0.Add(ratelimit.MaxWindow-ms), l).Admitted)
		assert.True(t, take(t, s, "k", rlT0.Add(ratelimit.MaxWindow), l).Admitted)
	})

	t.Run("LargeLimit", func(t *testing.T) {
		// Limits beyond any inline capacity, shrinking and growing.
		s := newStore(t)
		l := ratelimit.Limit{N: 500, Window: time.Minute}
		for i := range 600 {
			st := take(t, s, "k", rlT0.Add(time.Duration(i)*ms), l)
			require.Equal(t, i < 500, st.Admitted, i)
		}
		st := take(t, s, "k", rlT0.Add(time.Minute+ms), l)
		assert.True(t, st.Admitted, "the t0 and t0+1ms hits left the window")
		assert.Equal(t, 499, st.Count)
		st = take(t, s, "k", rlT0.Add(time.Minute+2*ms), ratelimit.Limit{N: 2, Window: time.Minute})
		assert.False(t, st.Admitted)
		assert.Equal(t, 2, st.Count)
		st = take(t, s, "k", rlT0.Add(time.Minute+3*ms), ratelimit.Limit{N: 1000, Window: time.Minute})
		assert.True(t, st.Admitted)
		assert.Equal(t, 3, st.Count, "the two newest kept, plus this one")
	})

	t.Run("InvalidLimitRefused", func(t *testing.T) {
		s := newStore(t)
		for _, l := range []ratelimit.Limit{{}, {N: 0, Window: time.Minute}, {N: 1, Window: 0}, {N: -1, Window: time.Minute}} {
			_, err := s.Take(ctx, "k", rlT0, l)
			assert.Error(t, err, "%+v", l)
		}
		st, err := s.Peek(ctx, "k", rlT0, ratelimit.PerMinute(1))
		require.NoError(t, err)
		assert.Equal(t, 0, st.Count, "a refused limit records nothing")
	})
}

// assertNoWindowOverN checks that no window of l.Window holds more than l.N
// of the admitted times.
func assertNoWindowOverN(t *testing.T, admitted []time.Time, l ratelimit.Limit) {
	t.Helper()
	ts := append([]time.Time(nil), admitted...)
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	for i := range ts {
		// hits in (ts[i]−W, ts[i]]
		n := 0
		for j := i; j >= 0 && ts[j].After(ts[i].Add(-l.Window)); j-- {
			n++
		}
		require.LessOrEqual(t, n, l.N, "window ending at %v", ts[i])
	}
}

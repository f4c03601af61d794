package memstore

import (
	"context"
	"fmt"
	"hash/maphash"
	"strings"
	"sync"
	"time"

	"github.com/tenantgate/tenantgate/ratelimit"
)

// Defaults of RateLimitOptions.
const (
	// DefaultRateLimitShards is the number of lock shards.
	DefaultRateLimitShards = 256
	// DefaultRateLimitMaxKeys bounds the live keys of a RateLimits store.
	DefaultRateLimitMaxKeys = 1 << 22
)

// RateLimitOptions configures NewRateLimits. Zero fields take the defaults.
type RateLimitOptions struct {
	// Shards is the number of independently locked shards, a power of two
	// (default DefaultRateLimitShards).
	Shards int
	// MaxKeys bounds the number of live keys (default
	// DefaultRateLimitMaxKeys), spread evenly over the shards. A Take that
	// would add a key to a full shard first evicts the shard's idle keys and
	// fails with ratelimit.ErrStoreFull if none is idle; it never forgets a
	// live key, so a full store fails closed instead of admitting more.
	MaxKeys int
}

// RateLimits is the in-memory ratelimit.Store: an exact sliding log per key.
//
// Keys are spread over shards by hash, each with its own mutex, so a
// decision locks one shard once. The hot path (a known key whose limit is
// unchanged) allocates nothing. Each key holds a ring of at most N hit
// times (8 bytes each), kept sorted. Memory is bounded: a key whose newest
// hit has left its window is idle and is evicted incrementally (each call
// examines two entries of its shard; no background goroutine, no clock of
// its own), and MaxKeys caps live keys. A live key costs about
// 120 bytes plus 8 bytes per hit plus its key string (see the benchmark
// BenchmarkRateLimitsMemory).
//
// Safe for concurrent use.
type RateLimits struct {
	shards   []rlShard
	mask     uint64
	seed     maphash.Seed
	shardMax int
}

var _ ratelimit.Store = (*RateLimits)(nil)

type rlShard struct {
	mu    sync.Mutex
	idx   map[string]int32
	ents  []rlEntry
	free  []int32
	sweep int
	_     [64]byte // keep shards on separate cache lines
}

type rlEntry struct {
	key  string  // "" when the slot is free
	ring []int64 // hit times, unix nanoseconds; len is the limit N
	head int32   // index of the oldest hit
	n    int32   // number of hits held
	idle int64   // unix ns from which every held hit has left the window
}

// maxReusedRing is the largest ring kept on a freed slot for reuse.
const maxReusedRing = 64

// NewRateLimits returns an empty store.
func NewRateLimits(opts RateLimitOptions) (*RateLimits, error) {
	shards := opts.Shards
	if shards == 0 {
		shards = DefaultRateLimitShards
	}
	if shards < 1 || shards&(shards-1) != 0 || shards > 1<<16 {
		return nil, fmt.Errorf("memstore: rate-limit shards %d must be a power of two up to 65536", shards)
	}
	maxKeys := opts.MaxKeys
	if maxKeys == 0 {
		maxKeys = DefaultRateLimitMaxKeys
	}
	if maxKeys < 1 {
		return nil, fmt.Errorf("memstore: rate-limit MaxKeys %d must be positive", maxKeys)
	}
	s := &RateLimits{
		shards:   make([]rlShard, shards),
		mask:     uint64(shards - 1),
		seed:     maphash.MakeSeed(),
		shardMax: max((maxKeys+shards-1)/shards, 1),
	}
	for i := range s.shards {
		s.shards[i].idx = make(map[string]int32)
	}
	return s, nil
}

func (s *RateLimits) shard(key string) *rlShard {
	return &s.shards[maphash.String(s.seed, key)&s.mask]
}

// Take implements ratelimit.Store: one shard lock, no allocation for a
// known key whose limit is unchanged.
func (s *RateLimits) Take(_ context.Context, key string, now time.Time, limit ratelimit.Limit) (ratelimit.State, error) {
	if err := limit.Validate(); err != nil {
		return ratelimit.State{}, err
	}
	t := now.UnixNano()
	w := int64(limit.Window)
	sh := s.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.sweepStep(t, 2)
	i, ok := sh.idx[key]
	if !ok {
		var err error
		if i, err = sh.insert(key, limit.N, t, s.shardMax); err != nil {
			return ratelimit.State{}, err
		}
	}
	e := &sh.ents[i]
	if len(e.ring) != limit.N {
		e.resize(limit.N)
	}
	e.expire(t - w)
	admitted := int(e.n) < limit.N
	if admitted {
		e.push(t)
	}
	e.idle = max(e.idle, e.newest()+w)
	return e.state(admitted), nil
}

// Peek implements ratelimit.Store. It records nothing and never adds a key.
func (s *RateLimits) Peek(_ context.Context, key string, now time.Time, limit ratelimit.Limit) (ratelimit.State, error) {
	if err := limit.Validate(); err != nil {
		return ratelimit.State{}, err
	}
	t := now.UnixNano()
	sh := s.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	i, ok := sh.idx[key]
	if !ok {
		return ratelimit.State{}, nil
	}
	e := &sh.ents[i]
	cut := t - int64(limit.Window)
	// Count the newest min(n, N) hits after cut; the ring is sorted.
	count, oldest := 0, int64(0)
	size := int32(len(e.ring))
	for j := e.n - 1; j >= 0 && count < limit.N; j-- {
		h := e.ring[(e.head+j)%size]
		if h <= cut {
			break
		}
		count++
		oldest = h
	}
	if count == 0 {
		return ratelimit.State{}, nil
	}
	return ratelimit.State{Count: count, Oldest: time.Unix(0, oldest).UTC()}, nil
}

// Reset implements ratelimit.Store.
func (s *RateLimits) Reset(_ context.Context, key string) error {
	sh := s.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if i, ok := sh.idx[key]; ok {
		sh.remove(i)
	}
	return nil
}

// Len returns the number of live keys (idle keys not yet evicted included).
func (s *RateLimits) Len() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += len(sh.idx)
		sh.mu.Unlock()
	}
	return n
}

// sweepStep examines up to k slots from the sweep cursor and evicts idle
// ones.
func (sh *rlShard) sweepStep(t int64, k int) {
	for ; k > 0 && len(sh.ents) > 0; k-- {
		if sh.sweep >= len(sh.ents) {
			sh.sweep = 0
		}
		e := &sh.ents[sh.sweep]
		if e.key != "" && e.idle <= t {
			sh.remove(int32(sh.sweep))
		}
		sh.sweep++
	}
}

func (sh *rlShard) insert(key string, n int, t int64, shardMax int) (int32, error) {
	if len(sh.idx) >= shardMax {
		sh.sweepStep(t, len(sh.ents))
		if len(sh.idx) >= shardMax {
			return 0, ratelimit.ErrStoreFull
		}
	}
	key = strings.Clone(key) // never retain a caller's larger buffer
	var i int32
	if l := len(sh.free); l > 0 {
		i = sh.free[l-1]
		sh.free = sh.free[:l-1]
		e := &sh.ents[i]
		if cap(e.ring) >= n {
			e.ring = e.ring[:n]
		} else {
			e.ring = make([]int64, n)
		}
		e.key, e.head, e.n, e.idle = key, 0, 0, 0
	} else {
		i = int32(len(sh.ents))
		sh.ents = append(sh.ents, rlEntry{key: key, ring: make([]int64, n)})
	}
	sh.idx[key] = i
	return i, nil
}

func (sh *rlShard) remove(i int32) {
	e := &sh.ents[i]
	delete(sh.idx, e.key)
	e.key = ""
	if cap(e.ring) > maxReusedRing {
		e.ring = nil
	}
	sh.free = append(sh.free, i)
}

// resize changes the ring to hold n hits, keeping the newest.
func (e *rlEntry) resize(n int) {
	keep := min(int(e.n), n)
	ring := make([]int64, n)
	size := int32(len(e.ring))
	for j := range keep {
		ring[j] = e.ring[(e.head+e.n-int32(keep)+int32(j))%size]
	}
	e.ring, e.head, e.n = ring, 0, int32(keep)
}

// expire drops the hits at or before cut.
func (e *rlEntry) expire(cut int64) {
	size := int32(len(e.ring))
	for e.n > 0 && e.ring[e.head] <= cut {
		e.head++
		if e.head == size {
			e.head = 0
		}
		e.n--
	}
}

// push records t, keeping the ring sorted (t is normally the newest; a
// caller whose clock read lost a race is inserted in place). The ring must
// not be full.
func (e *rlEntry) push(t int64) {
	size := int32(len(e.ring))
	j := e.n
	for j > 0 {
		prev := e.ring[(e.head+j-1)%size]
		if prev <= t {
			break
		}
		e.ring[(e.head+j)%size] = prev
		j--
	}
	e.ring[(e.head+j)%size] = t
	e.n++
}

func (e *rlEntry) newest() int64 {
	return e.ring[(e.head+e.n-1)%int32(len(e.ring))]
}

func (e *rlEntry) state(admitted bool) ratelimit.State {
	if e.n == 0 {
		return ratelimit.State{Admitted: admitted}
	}
	return ratelimit.State{Admitted: admitted, Count: int(e.n), Oldest: time.Unix(0, e.ring[e.head]).UTC()}
}

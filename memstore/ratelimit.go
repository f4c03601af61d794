package memstore

import (
	"context"
	"fmt"
	"hash/maphash"
	"sync"
	"time"

	"github.com/tenantgate/tenantgate/ratelimit"
)

// Defaults of RateLimitOptions.
const (
	// DefaultRateLimitShards is the number of lock shards.
	DefaultRateLimitShards = 256
	// DefaultRateLimitMaxKeys bounds the live keys of a RateLimits store:
	// about 1M keys, whose tables reach about 185 MB (tables do not shrink;
	// their high-water mark is bounded by MaxKeys).
	DefaultRateLimitMaxKeys = 1 << 20
)

// RateLimitOptions configures NewRateLimits. Zero fields take the defaults.
type RateLimitOptions struct {
	// Shards is the number of independently locked shards, a power of two
	// (default DefaultRateLimitShards).
	Shards int
	// MaxKeys bounds the number of live keys (default
	// DefaultRateLimitMaxKeys). Each shard holds at most 5/4 of its even
	// share, to absorb uneven hashing, so a store may hold up to 5/4 of
	// MaxKeys when the load spreads unevenly. A Take that
	// would add a key to a full shard first evicts the shard's idle keys and
	// fails with ratelimit.ErrStoreFull if none is idle; it never forgets a
	// live key, so a full store fails closed instead of admitting more.
	MaxKeys int
}

// RateLimits is the in-memory ratelimit.Store: an exact sliding log per key.
//
// Keys are spread over shards, each with its own mutex, so a decision locks
// one shard once. The hot path (a known key whose limit is unchanged)
// allocates nothing. Tables hold no pointers for limits of up to 6 hits
// (the hit times live inline in the entry), so a million keys cost the
// garbage collector nothing to scan; larger limits keep their ring of hit
// times (8 bytes each) in a side table.
//
// A key is identified by a 128-bit hash keyed with random per-store seeds
// (hash/maphash), not by its text: the key string is never retained. Two
// keys would share a bucket only on a 128-bit collision, which an attacker
// cannot aim for without the seeds, and sharing can only deny more, never
// admit more.
//
// Memory is bounded: a key whose newest hit has left its window (by the
// window of its last Take) is idle and is evicted incrementally: only new
// keys grow a table, and each one first examines four slots of its shard
// (no background goroutine, no clock of its own), so a shard is swept
// through at least once per quarter of its slot count in new keys. MaxKeys
// caps live keys. A live key with a limit of at most 6
// costs one 88-byte slot in a table kept between 3/8 and 3/4 full, about
// 180 bytes whatever the length of its key (176 B/key measured over 1M keys
// by BenchmarkRateLimitsMemory); a larger limit adds 8 bytes per hit.
//
// Safe for concurrent use.
type RateLimits struct {
	shards       []rlShard
	mask         uint64
	seed1, seed2 maphash.Seed
	shardMax     int
}

var _ ratelimit.Store = (*RateLimits)(nil)

// rlSweepPerInsert is how many slots an insert examines for idle entries.
const rlSweepPerInsert = 4

// rlInline is the largest limit whose hit times live inside the entry.
const rlInline = 6

type rlKey [2]uint64

// rlShard is an open-addressing hash table (linear probing, backward-shift
// deletion) of entries stored inline, so that a lookup touches one slot.
type rlShard struct {
	mu       sync.Mutex
	slots    []rlEntry // length a power of two; a slot is used when size > 0
	count    int
	rings    [][]int64 // rings of entries whose limit exceeds rlInline
	ringFree []int32
	sweep    int
	_        [64]byte // keep shards on separate cache lines
}

type rlEntry struct {
	k    rlKey
	idle int64           // unix ns from which every held hit has left the window
	head int32           // index of the oldest hit
	n    int32           // number of hits held
	size int32           // ring capacity (the limit N of the last Take); 0 marks a free slot
	ovf  int32           // 1 + index into rings when size > rlInline, else 0
	inl  [rlInline]int64 // hit times, unix ns, when size ≤ rlInline
}

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
		seed1:    maphash.MakeSeed(),
		seed2:    maphash.MakeSeed(),
		shardMax: max((maxKeys*5/4+shards-1)/shards, 1), // room for uneven hashing
	}
	for i := range s.shards {
		s.shards[i].slots = make([]rlEntry, 8)
	}
	return s, nil
}

func (s *RateLimits) locate(key string) (*rlShard, rlKey) {
	k := rlKey{maphash.String(s.seed1, key), maphash.String(s.seed2, key)}
	return &s.shards[k[0]&s.mask], k
}

// Take implements ratelimit.Store: one shard lock, no allocation for a
// known key whose limit is unchanged.
func (s *RateLimits) Take(_ context.Context, key string, now time.Time, limit ratelimit.Limit) (ratelimit.State, error) {
	if err := limit.Validate(); err != nil {
		return ratelimit.State{}, err
	}
	t := now.UnixNano()
	w := int64(limit.Window)
	sh, k := s.locate(key)
	sh.mu.Lock()
	i := sh.find(k)
	if i < 0 {
		var err error
		if i, err = sh.insert(k, limit.N, t, s.shardMax); err != nil {
			sh.mu.Unlock()
			return ratelimit.State{}, err
		}
	}
	e := &sh.slots[i]
	if int(e.size) != limit.N {
		sh.resize(e, limit.N)
	}
	ring := sh.ring(e)
	e.expire(ring, t-w)
	admitted := int(e.n) < limit.N
	if admitted {
		e.push(ring, t)
	}
	newest := ring[(e.head+e.n-1)%e.size]
	e.idle = max(e.idle, newest+w)
	st := ratelimit.State{Admitted: admitted, Count: int(e.n), Oldest: time.Unix(0, ring[e.head]).UTC()}
	sh.mu.Unlock()
	return st, nil
}

// Peek implements ratelimit.Store. It records nothing and never adds a key.
func (s *RateLimits) Peek(_ context.Context, key string, now time.Time, limit ratelimit.Limit) (ratelimit.State, error) {
	if err := limit.Validate(); err != nil {
		return ratelimit.State{}, err
	}
	t := now.UnixNano()
	sh, k := s.locate(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	i := sh.find(k)
	if i < 0 {
		return ratelimit.State{}, nil
	}
	e := &sh.slots[i]
	ring := sh.ring(e)
	cut := t - int64(limit.Window)
	// Count the newest min(n, N) hits after cut; the ring is sorted.
	count, oldest := 0, int64(0)
	for j := e.n - 1; j >= 0 && count < limit.N; j-- {
		h := ring[(e.head+j)%e.size]
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
	sh, k := s.locate(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if i := sh.find(k); i >= 0 {
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
		n += sh.count
		sh.mu.Unlock()
	}
	return n
}

// sweepStep examines up to k slots from the sweep cursor and evicts idle
// ones. A removal may shift a later entry back under the cursor, so the
// cursor stays put after one.
func (sh *rlShard) sweepStep(t int64, k int) {
	for ; k > 0; k-- {
		if sh.sweep >= len(sh.slots) {
			sh.sweep = 0
		}
		if e := &sh.slots[sh.sweep]; e.size > 0 && e.idle <= t {
			sh.remove(sh.sweep)
			continue // an entry may have shifted into this slot
		}
		sh.sweep++
	}
}

// home is k's preferred slot. k[0] chose the shard; k[1] places the slot.
func (sh *rlShard) home(k rlKey) int { return int(k[1] & uint64(len(sh.slots)-1)) }

// find returns k's slot or -1.
func (sh *rlShard) find(k rlKey) int {
	mask := len(sh.slots) - 1
	for i := sh.home(k); ; i = (i + 1) & mask {
		e := &sh.slots[i]
		if e.size == 0 {
			return -1
		}
		if e.k == k {
			return i
		}
	}
}

// insert adds an entry for k with a ring of n hits and returns its slot.
func (sh *rlShard) insert(k rlKey, n int, t int64, shardMax int) (int, error) {
	// Only inserts grow the table, so they pay for eviction: each examines
	// rlSweepPerInsert slots, so a table is swept through at least once per
	// len(slots)/rlSweepPerInsert inserts.
	sh.sweepStep(t, rlSweepPerInsert)
	if sh.count >= shardMax {
		sh.sweepStep(t, len(sh.slots))
		if sh.count >= shardMax {
			return 0, ratelimit.ErrStoreFull
		}
	}
	if (sh.count+1)*4 > len(sh.slots)*3 {
		sh.grow()
	}
	mask := len(sh.slots) - 1
	i := sh.home(k)
	for sh.slots[i].size != 0 {
		i = (i + 1) & mask
	}
	sh.slots[i] = rlEntry{k: k}
	sh.resize(&sh.slots[i], n)
	sh.count++
	return i, nil
}

// grow doubles the table.
func (sh *rlShard) grow() {
	old := sh.slots
	sh.slots = make([]rlEntry, 2*len(old))
	mask := len(sh.slots) - 1
	for j := range old {
		if old[j].size == 0 {
			continue
		}
		i := sh.home(old[j].k)
		for sh.slots[i].size != 0 {
			i = (i + 1) & mask
		}
		sh.slots[i] = old[j]
	}
	sh.sweep = 0
}

// remove frees slot i, shifting back the entries of its probe run so that
// find never stops early.
func (sh *rlShard) remove(i int) {
	if o := sh.slots[i].ovf; o != 0 {
		sh.releaseRing(o)
	}
	mask := len(sh.slots) - 1
	for j := (i + 1) & mask; sh.slots[j].size != 0; j = (j + 1) & mask {
		h := sh.home(sh.slots[j].k)
		// Entry j may move to i unless its home lies cyclically in (i, j].
		if (j > i && (h <= i || h > j)) || (j < i && h <= i && h > j) {
			sh.slots[i] = sh.slots[j]
			i = j
		}
	}
	sh.slots[i] = rlEntry{}
	sh.count--
}

func (sh *rlShard) ring(e *rlEntry) []int64 {
	if e.ovf == 0 {
		return e.inl[:e.size]
	}
	return sh.rings[e.ovf-1]
}

func (sh *rlShard) releaseRing(ovf int32) {
	sh.rings[ovf-1] = nil
	sh.ringFree = append(sh.ringFree, ovf-1)
}

// resize gives e a ring of n hits, keeping the newest.
func (sh *rlShard) resize(e *rlEntry, n int) {
	old := sh.ring(e)
	keep := min(int(e.n), n)
	var tmp [rlInline]int64
	var dst []int64
	if n <= rlInline {
		dst = tmp[:n]
	} else {
		dst = make([]int64, n)
	}
	for j := range keep {
		dst[j] = old[(int(e.head)+int(e.n)-keep+j)%len(old)]
	}
	if e.ovf != 0 {
		sh.releaseRing(e.ovf)
		e.ovf = 0
	}
	if n <= rlInline {
		e.inl = tmp
	} else if l := len(sh.ringFree); l > 0 {
		r := sh.ringFree[l-1]
		sh.ringFree = sh.ringFree[:l-1]
		sh.rings[r] = dst
		e.ovf = r + 1
	} else {
		sh.rings = append(sh.rings, dst)
		e.ovf = int32(len(sh.rings))
	}
	e.size, e.head, e.n = int32(n), 0, int32(keep)
}

// expire drops the hits at or before cut.
func (e *rlEntry) expire(ring []int64, cut int64) {
	for e.n > 0 && ring[e.head] <= cut {
		e.head++
		if e.head == e.size {
			e.head = 0
		}
		e.n--
	}
}

// push records t, keeping the ring sorted (t is normally the newest; a
// caller whose clock read lost a race is inserted in place). The ring must
// not be full.
func (e *rlEntry) push(ring []int64, t int64) {
	j := e.n
	for j > 0 {
		prev := ring[(e.head+j-1)%e.size]
		if prev <= t {
			break
		}
		ring[(e.head+j)%e.size] = prev
		j--
	}
	ring[(e.head+j)%e.size] = t
	e.n++
}

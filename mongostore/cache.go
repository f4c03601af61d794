package mongostore

import (
	"sync"
	"time"

	"github.com/tenantgate/tenantgate/tenancy"
)

// memberCache caches positive membership reads for at most ttl (see
// WithMembershipCache). Not-found answers are never cached, so a member
// added anywhere is seen at once.
//
// Writes through the owning Tenancy invalidate their key and bump gen; a
// read that started before a write (gen changed meanwhile) does not fill
// the cache, so an in-flight read of the old value cannot outlive the
// write that replaced it.
type memberCache struct {
	ttl   time.Duration
	size  int
	clock Clock

	mu      sync.Mutex
	gen     uint64
	entries map[string]cacheEntry
}

type cacheEntry struct {
	m       tenancy.Membership
	expires time.Time
}

func newMemberCache(ttl time.Duration, size int, clock Clock) *memberCache {
	return &memberCache{ttl: ttl, size: size, clock: clock, entries: make(map[string]cacheEntry, min(size, 1024))}
}

func (c *memberCache) get(key string) (tenancy.Membership, bool) {
	now := c.clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return tenancy.Membership{}, false
	}
	if !now.Before(e.expires) {
		delete(c.entries, key)
		return tenancy.Membership{}, false
	}
	return e.m, true
}

func (c *memberCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put stores m unless a write happened since gen was read.
func (c *memberCache) put(key string, m tenancy.Membership, gen uint64) {
	now := c.clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if len(c.entries) >= c.size {
		for k, e := range c.entries { // prefer an expired entry
			if !now.Before(e.expires) {
				delete(c.entries, k)
				break
			}
		}
	}
	if len(c.entries) >= c.size {
		for k := range c.entries { // else any (map order is random)
			delete(c.entries, k)
			break
		}
	}
	c.entries[key] = cacheEntry{m: m, expires: now.Add(c.ttl)}
}

func (c *memberCache) invalidate(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.entries, key)
}

// invalidateAll empties the cache (a workspace and all its memberships
// were deleted).
func (c *memberCache) invalidateAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}

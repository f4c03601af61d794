package mongostore

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tenantgate/tenantgate/tenancy"
)

func memberReply(role string) func(call, int) (any, updateResult, error) {
	return func(c call, _ int) (any, updateResult, error) {
		if c.Op == "FindOne" {
			return bson.D{{Key: "_id", Value: "ws-a/u-1"}, {Key: "workspace", Value: "ws-a"}, {Key: "user", Value: "u-1"}, {Key: "role", Value: role}}, updateResult{}, nil
		}
		return nil, updateResult{Matched: 1}, nil
	}
}

func TestMembershipCache(t *testing.T) {
	ctx := context.Background()
	clk := &fixedClock{t0}
	mem := &fakeColl{reply: memberReply("agent")}
	s := newTestTenancy(&fakeColl{}, mem, &fakeColl{})
	s.cache = newMemberCache(10*time.Second, 100, clk)

	_, err := s.Membership(ctx, "ws-a", "u-1")
	require.NoError(t, err)
	_, err = s.Membership(ctx, "ws-a", "u-1")
	require.NoError(t, err)
	assert.Len(t, mem.ops(), 1, "second read served from the cache")

	clk.t = t0.Add(10 * time.Second)
	_, err = s.Membership(ctx, "ws-a", "u-1")
	require.NoError(t, err)
	assert.Len(t, mem.ops(), 2, "an entry is never served at or after its ttl")

	// A write through the store invalidates at once.
	require.NoError(t, s.ChangeRole(ctx, "ws-a", "u-1", "agent", "viewer"))
	mem.reply = memberReply("viewer")
	m, err := s.Membership(ctx, "ws-a", "u-1")
	require.NoError(t, err)
	assert.Equal(t, "viewer", m.Role)
}

// TestAdvisory_RemovedMemberNotServedFromCache: removal through the store
// makes the very next read go to the server.
func TestAdvisory_RemovedMemberNotServedFromCache(t *testing.T) {
	ctx := context.Background()
	mem := &fakeColl{reply: memberReply("agent")}
	s := newTestTenancy(&fakeColl{}, mem, &fakeColl{})
	s.cache = newMemberCache(time.Minute, 100, &fixedClock{t0})
	_, err := s.Membership(ctx, "ws-a", "u-1")
	require.NoError(t, err)
	require.NoError(t, s.RemoveMember(ctx, "ws-a", "u-1")) // DeleteOne matched 1
	mem.reply = func(call, int) (any, updateResult, error) { return nil, updateResult{}, nil }
	_, err = s.Membership(ctx, "ws-a", "u-1")
	assert.ErrorIs(t, err, tenancy.ErrNotFound)
}

// A read that started before a write must not fill the cache with the
// value the write replaced.
func TestMembershipCacheGenerationGuard(t *testing.T) {
	c := newMemberCache(time.Minute, 10, &fixedClock{t0})
	gen := c.generation()
	c.invalidate("ws-a/u-1") // a write lands while the read is in flight
	c.put("ws-a/u-1", tenancy.Membership{Role: "owner"}, gen)
	_, ok := c.get("ws-a/u-1")
	assert.False(t, ok)
}

func TestMembershipCacheBounded(t *testing.T) {
	c := newMemberCache(time.Minute, 3, &fixedClock{t0})
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		c.put(k, tenancy.Membership{}, c.generation())
	}
	assert.Len(t, c.entries, 3)
}

func TestNotFoundIsNeverCached(t *testing.T) {
	ctx := context.Background()
	mem := &fakeColl{reply: func(call, int) (any, updateResult, error) { return nil, updateResult{}, nil }}
	s := newTestTenancy(&fakeColl{}, mem, &fakeColl{})
	s.cache = newMemberCache(time.Minute, 10, &fixedClock{t0})
	for range 2 {
		_, err := s.Membership(ctx, "ws-a", "u-1")
		assert.ErrorIs(t, err, tenancy.ErrNotFound)
	}
	assert.Len(t, mem.ops(), 2)
}

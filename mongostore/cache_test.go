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

// TestAdvisory_ReadDuringWriteNotCachedPastTheWrite: a gate read that runs
// while a removal or role change is in flight (after the write's first
// invalidation, before the server applied the write) reads the old
// membership. It must not stay cached once the write has returned: the
// package promises that changes made through the same Stores take effect
// at once, so a removed member is refused on the very next request.
func TestAdvisory_ReadDuringWriteNotCachedPastTheWrite(t *testing.T) {
	cases := []struct {
		name  string
		op    string // the write's command during which the read runs
		write func(ctx context.Context, s *Tenancy) error
		check func(t *testing.T, m tenancy.Membership, err error)
	}{
		{"RemoveMember", "DeleteOne",
			func(ctx context.Context, s *Tenancy) error { return s.RemoveMember(ctx, "ws-a", "u-1") },
			func(t *testing.T, _ tenancy.Membership, err error) { assert.ErrorIs(t, err, tenancy.ErrNotFound) }},
		{"ChangeRole", "UpdateOne",
			func(ctx context.Context, s *Tenancy) error {
				return s.ChangeRole(ctx, "ws-a", "u-1", "admin", "viewer")
			},
			func(t *testing.T, m tenancy.Membership, err error) {
				require.NoError(t, err)
				assert.Equal(t, "viewer", m.Role)
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			var s *Tenancy
			applied := false
			doc := func(role string) bson.D {
				return bson.D{{Key: "_id", Value: "ws-a/u-1"}, {Key: "workspace", Value: "ws-a"}, {Key: "user", Value: "u-1"}, {Key: "role", Value: role}}
			}
			mem := &fakeColl{}
			mem.reply = func(c call, _ int) (any, updateResult, error) {
				switch {
				case c.Op == "FindOne" && !applied:
					return doc("admin"), updateResult{}, nil
				case c.Op == "FindOne" && tc.op == "UpdateOne":
					return doc("viewer"), updateResult{}, nil
				case c.Op == "FindOne":
					return nil, updateResult{}, nil
				case c.Op == tc.op:
					// A concurrent gate read lands while the write is in flight.
					m, err := s.Membership(ctx, "ws-a", "u-1")
					require.NoError(t, err)
					require.Equal(t, "admin", m.Role)
					applied = true
				}
				return nil, updateResult{Matched: 1}, nil
			}
			s = newTestTenancy(&fakeColl{}, mem, &fakeColl{})
			s.cache = newMemberCache(time.Minute, 100, &fixedClock{t0})
			require.NoError(t, tc.write(ctx, s))
			m, err := s.Membership(ctx, "ws-a", "u-1")
			tc.check(t, m, err)
		})
	}
}

package memstore

import (
	"fmt"
	"hash/maphash"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/tenancy"
)

func TestIDTableHashCollision(t *testing.T) {
	tab := newIDTable()
	a := tab.intern("alice")
	// Forge a collision: make "mallory" hash to alice's slot.
	h := maphash.String(tab.seed, "mallory")
	tab.byHash[h] = a + 1
	m := tab.intern("mallory")
	assert.NotEqual(t, a, m)
	got, ok := tab.lookup("mallory")
	require.True(t, ok)
	assert.Equal(t, m, got)
	got, ok = tab.lookup("alice")
	require.True(t, ok)
	assert.Equal(t, a, got)
	_, ok = tab.lookup("bob")
	assert.False(t, ok)
}

func TestMemberTableListsSurviveRemovalsAndReuse(t *testing.T) {
	tab := newMemberTable()
	for i := range 5 {
		for j := range 5 {
			tab.add(tenancy.Membership{Workspace: tenancy.WorkspaceID(fmt.Sprintf("w%d", i)), User: tenancy.UserID(fmt.Sprintf("u%d", j)), Role: "agent"})
		}
	}
	// Remove from the head, the middle and the tail of lists.
	for _, k := range [][2]string{{"w0", "u4"}, {"w2", "u2"}, {"w4", "u0"}} {
		r, ok := tab.find(tenancy.WorkspaceID(k[0]), tenancy.UserID(k[1]))
		require.True(t, ok)
		tab.remove(r)
		_, ok = tab.find(tenancy.WorkspaceID(k[0]), tenancy.UserID(k[1]))
		require.False(t, ok)
	}
	assert.Len(t, tab.ofWorkspace("w0", "", 0), 4)
	assert.Len(t, tab.ofWorkspace("w2", "", 0), 4)
	assert.Len(t, tab.ofUser("u2"), 4)
	assert.Len(t, tab.ofUser("u0"), 4)
	// Freed records are reused without corrupting the lists.
	tab.add(tenancy.Membership{Workspace: "w9", User: "u2", Role: "owner"})
	assert.Len(t, tab.ofUser("u2"), 5)
	r, ok := tab.find("w9", "u2")
	require.True(t, ok)
	assert.Equal(t, int32(1), tab.ownerCount(tab.recs[r].ws))
	ms := tab.ofWorkspace("w1", "u2", 2)
	require.Len(t, ms, 2)
	assert.Equal(t, tenancy.UserID("u3"), ms[0].User)
}

func BenchmarkMembershipLookup(b *testing.B) {
	s := NewTenancy()
	for i := range 10_000 {
		s.members.add(tenancy.Membership{Workspace: tenancy.WorkspaceID(fmt.Sprintf("ws-%05d", i/10)), User: tenancy.UserID(fmt.Sprintf("u-%06d", i)), Role: "agent"})
	}
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Membership(ctx, "ws-00500", "u-005003"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestMemberTablePairHashCollision(t *testing.T) {
	tab := newMemberTable()
	tab.add(tenancy.Membership{Workspace: "w1", User: "alice", Role: "owner"})
	// Forge a collision: make (w2, mallory) hash to alice's slot.
	h := tab.pairHash("w2", "mallory")
	ra, _ := tab.find("w1", "alice")
	tab.byPair[h] = ra + 1
	tab.add(tenancy.Membership{Workspace: "w2", User: "mallory", Role: "agent"})
	require.Len(t, tab.collide, 1)
	rm, ok := tab.find("w2", "mallory")
	require.True(t, ok)
	assert.Equal(t, "agent", tab.roles[tab.recs[rm].role])
	// A pair that shares neither record is still absent.
	_, ok = tab.find("w1", "mallory")
	assert.False(t, ok)
	// Removing the colliding record leaves the other one found.
	tab.remove(rm)
	assert.Empty(t, tab.collide)
	_, ok = tab.find("w2", "mallory")
	assert.False(t, ok)
	r, ok := tab.find("w1", "alice")
	require.True(t, ok)
	assert.Equal(t, ra, r)
}

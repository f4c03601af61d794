package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/tenancy"
)

// memT0 is the membership suite's clock origin.
var memT0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func memMember(ws, user, role string) tenancy.Membership {
	return tenancy.Membership{Workspace: tenancy.WorkspaceID(ws), User: tenancy.UserID(user), Role: role, CreatedAt: memT0}
}

// RunMembershipStore runs the conformance suite of tenancy.MembershipStore
// against stores built by newStore, a fresh empty store per subtest. It
// checks the not-found and conflict sentinels, compare-and-set role
// changes, ordering and paging, and the last-owner guard under concurrency
// (run it with -race).
func RunMembershipStore(t *testing.T, newStore func(t *testing.T) tenancy.MembershipStore) {
	ctx := context.Background()
	t.Run("AddAndRead", func(t *testing.T) {
		s := newStore(t)
		m := memMember("ws-a", "u-1", "agent")
		require.NoError(t, s.AddMember(ctx, m))
		got, err := s.Membership(ctx, "ws-a", "u-1")
		require.NoError(t, err)
		assert.Equal(t, m.Role, got.Role)
		assert.Equal(t, m.Workspace, got.Workspace)
		assert.Equal(t, m.User, got.User)
		assert.True(t, m.CreatedAt.Equal(got.CreatedAt))
	})
	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.AddMember(ctx, memMember("ws-a", "u-1", "agent")))
		_, err := s.Membership(ctx, "ws-b", "u-1")
		assert.ErrorIs(t, err, tenancy.ErrNotFound, "membership of another workspace")
		_, err = s.Membership(ctx, "ws-a", "u-2")
		assert.ErrorIs(t, err, tenancy.ErrNotFound)
		assert.ErrorIs(t, s.ChangeRole(ctx, "ws-a", "u-2", "agent", "viewer"), tenancy.ErrNotFound)
		assert.ErrorIs(t, s.RemoveMember(ctx, "ws-a", "u-2"), tenancy.ErrNotFound)
	})
	t.Run("AddTwiceConflicts", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.AddMember(ctx, memMember("ws-a", "u-1", "agent")))
		assert.ErrorIs(t, s.AddMember(ctx, memMember("ws-a", "u-1", "admin")), tenancy.ErrConflict)
		got, err := s.Membership(ctx, "ws-a", "u-1")
		require.NoError(t, err)
		assert.Equal(t, "agent", got.Role, "the conflicting add changed nothing")
	})
	t.Run("ConcurrentAddsOneWins", func(t *testing.T) {
		s := newStore(t)
		var wins atomic.Int32
		memParallel(50, func(i int) {
			if s.AddMember(ctx, memMember("ws-a", "u-1", fmt.Sprintf("r%d", i))) == nil {
				wins.Add(1)
			}
		})
		assert.Equal(t, int32(1), wins.Load())
	})
	t.Run("ChangeRoleIsCompareAndSet", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.AddMember(ctx, memMember("ws-a", "u-o", tenancy.RoleOwner)))
		require.NoError(t, s.AddMember(ctx, memMember("ws-a", "u-1", "agent")))
		assert.ErrorIs(t, s.ChangeRole(ctx, "ws-a", "u-1", "viewer", "admin"), tenancy.ErrConflict, "stale from")
		got, _ := s.Membership(ctx, "ws-a", "u-1")
		assert.Equal(t, "agent", got.Role)
		require.NoError(t, s.ChangeRole(ctx, "ws-a", "u-1", "agent", "admin"))
		got, _ = s.Membership(ctx, "ws-a", "u-1")
		assert.Equal(t, "admin", got.Role, "visible on the very next read")
	})
	t.Run("ConcurrentRoleChangesOneWins", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.AddMember(ctx, memMember("ws-a", "u-o", tenancy.RoleOwner)))
		require.NoError(t, s.AddMember(ctx, memMember("ws-a", "u-1", "agent")))
		var wins atomic.Int32
		memParallel(50, func(i int) {
			if s.ChangeRole(ctx, "ws-a", "u-1", "agent", fmt.Sprintf("r%d", i)) == nil {
				wins.Add(1)
			}
		})
		assert.Equal(t, int32(1), wins.Load())
	})
	t.Run("LastOwnerCannotBeDemotedOrRemoved", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.AddMember(ctx, memMember("ws-a", "u-o", tenancy.RoleOwner)))
		require.NoError(t, s.AddMember(ctx, memMember("ws-b", "u-x", tenancy.RoleOwner)), "an owner elsewhere does not count")
		assert.ErrorIs(t, s.ChangeRole(ctx, "ws-a", "u-o", tenancy.RoleOwner, "admin"), tenancy.ErrLastOwner)
		assert.ErrorIs(t, s.RemoveMember(ctx, "ws-a", "u-o"), tenancy.ErrLastOwner)
		got, err := s.Membership(ctx, "ws-a", "u-o")
		require.NoError(t, err)
		assert.Equal(t, tenancy.RoleOwner, got.Role, "nothing changed")
	})
	t.Run("SecondOwnerUnlocksTheFirst", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.AddMember(ctx, memMember("ws-a", "u-o", tenancy.RoleOwner)))
		require.NoError(t, s.AddMember(ctx, memMember("ws-a", "u-1", "admin")))
		require.NoError(t, s.ChangeRole(ctx, "ws-a", "u-1", "admin", tenancy.RoleOwner))
		require.NoError(t, s.ChangeRole(ctx, "ws-a", "u-o", tenancy.RoleOwner, "admin"))
		assert.ErrorIs(t, s.RemoveMember(ctx, "ws-a", "u-1"), tenancy.ErrLastOwner, "u-1 is now the last owner")
		require.NoError(t, s.RemoveMember(ctx, "ws-a", "u-o"))
		_, err := s.Membership(ctx, "ws-a", "u-o")
		assert.ErrorIs(t, err, tenancy.ErrNotFound, "a removed member is not found on the very next call")
	})
	t.Run("ConcurrentDemotionsOfTwoOwnersLeaveOne", func(t *testing.T) {
		for round := 0; round < 20; round++ {
			s := newStore(t)
			require.NoError(t, s.AddMember(ctx, memMember("ws-a", "u-1", tenancy.RoleOwner)))
			require.NoError(t, s.AddMember(ctx, memMember("ws-a", "u-2", tenancy.RoleOwner)))
			errs := make([]error, 2)
			memParallel(2, func(i int) {
				u := tenancy.UserID(fmt.Sprintf("u-%d", i+1))
				errs[i] = s.ChangeRole(ctx, "ws-a", u, tenancy.RoleOwner, "admin")
			})
			memAssertOneOwnerLeft(t, s, errs)
		}
	})
	t.Run("ConcurrentRemovalsOfTwoOwnersLeaveOne", func(t *testing.T) {
		for round := 0; round < 20; round++ {
			s := newStore(t)
			require.NoError(t, s.AddMember(ctx, memMember("ws-a", "u-1", tenancy.RoleOwner)))
			require.NoError(t, s.AddMember(ctx, memMember("ws-a", "u-2", tenancy.RoleOwner)))
			errs := make([]error, 2)
			memParallel(2, func(i int) {
				errs[i] = s.RemoveMember(ctx, "ws-a", tenancy.UserID(fmt.Sprintf("u-%d", i+1)))
			})
			memAssertOneOwnerLeft(t, s, errs)
		}
	})
	t.Run("ManyOwnersDemotedConcurrentlyLeaveOne", func(t *testing.T) {
		s := newStore(t)
		const n = 30
		for i := 0; i < n; i++ {
			require.NoError(t, s.AddMember(ctx, memMember("ws-a", fmt.Sprintf("u-%02d", i), tenancy.RoleOwner)))
		}
		var ok, last atomic.Int32
		memParallel(n, func(i int) {
			u := tenancy.UserID(fmt.Sprintf("u-%02d", i))
			var err error
			if i%2 == 0 {
				err = s.ChangeRole(ctx, "ws-a", u, tenancy.RoleOwner, "viewer")
			} else {
				err = s.RemoveMember(ctx, "ws-a", u)
			}
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, tenancy.ErrLastOwner):
				last.Add(1)
			default:
				t.Errorf("unexpected error: %v", err)
			}
		})
		assert.Equal(t, int32(n-1), ok.Load())
		assert.Equal(t, int32(1), last.Load())
		assert.Equal(t, 1, memCountOwners(t, s, "ws-a"))
	})
	t.Run("MembersOrderedAndPaged", func(t *testing.T) {
		s := newStore(t)
		for _, u := range []string{"u-c", "u-a", "u-e", "u-b", "u-d"} {
			require.NoError(t, s.AddMember(ctx, memMember("ws-a", u, "viewer")))
		}
		require.NoError(t, s.AddMember(ctx, memMember("ws-b", "u-z", "viewer")))
		page, err := s.Members(ctx, "ws-a", "", 2)
		require.NoError(t, err)
		assert.Equal(t, []tenancy.UserID{"u-a", "u-b"}, memUsers(page))
		page, err = s.Members(ctx, "ws-a", "u-b", 2)
		require.NoError(t, err)
		assert.Equal(t, []tenancy.UserID{"u-c", "u-d"}, memUsers(page))
		page, err = s.Members(ctx, "ws-a", "u-d", 2)
		require.NoError(t, err)
		assert.Equal(t, []tenancy.UserID{"u-e"}, memUsers(page))
		page, err = s.Members(ctx, "ws-a", "u-e", 2)
		require.NoError(t, err)
		assert.Empty(t, page)
		page, err = s.Members(ctx, "ws-none", "", 10)
		require.NoError(t, err)
		assert.Empty(t, page)
	})
	t.Run("UserMembershipsOrderedByWorkspace", func(t *testing.T) {
		s := newStore(t)
		for _, ws := range []string{"ws-c", "ws-a", "ws-b"} {
			require.NoError(t, s.AddMember(ctx, memMember(ws, "u-1", "agent")))
		}
		require.NoError(t, s.AddMember(ctx, memMember("ws-a", "u-2", "agent")))
		require.NoError(t, s.RemoveMember(ctx, "ws-b", "u-1"))
		ms, err := s.UserMemberships(ctx, "u-1")
		require.NoError(t, err)
		var got []tenancy.WorkspaceID
		for _, m := range ms {
			assert.Equal(t, tenancy.UserID("u-1"), m.User)
			got = append(got, m.Workspace)
		}
		assert.Equal(t, []tenancy.WorkspaceID{"ws-a", "ws-c"}, got)
		ms, err = s.UserMemberships(ctx, "u-none")
		require.NoError(t, err)
		assert.Empty(t, ms)
	})
	t.Run("RemovedOwnerReaddedCountsAgain", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.AddMember(ctx, memMember("ws-a", "u-1", tenancy.RoleOwner)))
		require.NoError(t, s.AddMember(ctx, memMember("ws-a", "u-2", tenancy.RoleOwner)))
		require.NoError(t, s.RemoveMember(ctx, "ws-a", "u-2"))
		require.NoError(t, s.AddMember(ctx, memMember("ws-a", "u-2", tenancy.RoleOwner)))
		require.NoError(t, s.ChangeRole(ctx, "ws-a", "u-1", tenancy.RoleOwner, "admin"))
		assert.ErrorIs(t, s.ChangeRole(ctx, "ws-a", "u-2", tenancy.RoleOwner, "admin"), tenancy.ErrLastOwner)
	})
}

func memUsers(ms []tenancy.Membership) []tenancy.UserID {
	out := make([]tenancy.UserID, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.User)
	}
	return out
}

func memCountOwners(t *testing.T, s tenancy.MembershipStore, ws tenancy.WorkspaceID) int {
	t.Helper()
	ms, err := s.Members(context.Background(), ws, "", 1000)
	require.NoError(t, err)
	n := 0
	for _, m := range ms {
		if m.Role == tenancy.RoleOwner {
			n++
		}
	}
	return n
}

func memAssertOneOwnerLeft(t *testing.T, s tenancy.MembershipStore, errs []error) {
	t.Helper()
	var ok, last int
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, tenancy.ErrLastOwner):
			last++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	assert.Equal(t, 1, ok, "exactly one change succeeds")
	assert.Equal(t, 1, last, "the other is refused as last owner")
	assert.Equal(t, 1, memCountOwners(t, s, "ws-a"), "one owner remains")
}

// memParallel runs f(0..n-1) on n goroutines released together.
func memParallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			f(i)
		}()
	}
	close(start)
	wg.Wait()
}

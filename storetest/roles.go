package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/team"
	"github.com/tenantgate/tenantgate/tenancy"
)

// RunRoleStore runs the conformance suite of team.RoleStore against stores
// built by newStore, a fresh empty store per subtest.
func RunRoleStore(t *testing.T, newStore func(t *testing.T) team.RoleStore) {
	ctx := context.Background()
	def := func(ws, name string, perms ...string) team.RoleDef {
		return team.RoleDef{Workspace: tenancy.WorkspaceID(ws), Name: name, Permissions: perms, CreatedAt: memT0}
	}
	t.Run("CreateAndRead", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.CreateRole(ctx, def("ws-a", "support", "contacts:read", "members:read")))
		got, err := s.Role(ctx, "ws-a", "support")
		require.NoError(t, err)
		assert.Equal(t, []string{"contacts:read", "members:read"}, got.Permissions)
		assert.Equal(t, int64(1), got.Version)
		assert.True(t, memT0.Equal(got.CreatedAt))
	})
	t.Run("RolesAreScopedToTheirWorkspace", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.CreateRole(ctx, def("ws-a", "support", "contacts:read")))
		_, err := s.Role(ctx, "ws-b", "support")
		assert.ErrorIs(t, err, tenancy.ErrNotFound)
		require.NoError(t, s.CreateRole(ctx, def("ws-b", "support", "contacts:write")), "same name, other workspace")
		a, _ := s.Role(ctx, "ws-a", "support")
		assert.Equal(t, []string{"contacts:read"}, a.Permissions)
		assert.ErrorIs(t, s.DeleteRole(ctx, "ws-c", "support"), tenancy.ErrNotFound)
	})
	t.Run("CreateTwiceConflicts", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.CreateRole(ctx, def("ws-a", "support", "contacts:read")))
		assert.ErrorIs(t, s.CreateRole(ctx, def("ws-a", "support", "contacts:write")), tenancy.ErrConflict)
		got, _ := s.Role(ctx, "ws-a", "support")
		assert.Equal(t, []string{"contacts:read"}, got.Permissions)
	})
	t.Run("ConcurrentCreatesOneWins", func(t *testing.T) {
		s := newStore(t)
		var wins atomic.Int32
		memParallel(50, func(i int) {
			if s.CreateRole(ctx, def("ws-a", "support", fmt.Sprintf("p:r%d", i))) == nil {
				wins.Add(1)
			}
		})
		assert.Equal(t, int32(1), wins.Load())
	})
	t.Run("UpdateIsCompareAndSet", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.CreateRole(ctx, def("ws-a", "support", "contacts:read")))
		cur, _ := s.Role(ctx, "ws-a", "support")
		cur.Permissions = []string{"contacts:write"}
		upd, err := s.UpdateRole(ctx, cur)
		require.NoError(t, err)
		assert.Equal(t, int64(2), upd.Version)
		_, err = s.UpdateRole(ctx, cur) // stale version
		assert.ErrorIs(t, err, tenancy.ErrConflict)
		got, _ := s.Role(ctx, "ws-a", "support")
		assert.Equal(t, []string{"contacts:write"}, got.Permissions)
		_, err = s.UpdateRole(ctx, def("ws-a", "ghost"))
		assert.ErrorIs(t, err, tenancy.ErrNotFound)
	})
	t.Run("ConcurrentUpdatesOneWins", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.CreateRole(ctx, def("ws-a", "support")))
		cur, _ := s.Role(ctx, "ws-a", "support")
		var wins atomic.Int32
		memParallel(50, func(i int) {
			d := cur
			d.Permissions = []string{fmt.Sprintf("p:r%d", i)}
			if _, err := s.UpdateRole(ctx, d); err == nil {
				wins.Add(1)
			}
		})
		assert.Equal(t, int32(1), wins.Load())
	})
	t.Run("ReturnedRolesDoNotAlias", func(t *testing.T) {
		s := newStore(t)
		d := def("ws-a", "support", "contacts:read")
		require.NoError(t, s.CreateRole(ctx, d))
		d.Permissions[0] = "billing:write"
		got, _ := s.Role(ctx, "ws-a", "support")
		got.Permissions[0] = "billing:write"
		again, _ := s.Role(ctx, "ws-a", "support")
		assert.Equal(t, []string{"contacts:read"}, again.Permissions)
	})
	t.Run("ListOrderedByName", func(t *testing.T) {
		s := newStore(t)
		for _, n := range []string{"zeta", "alpha", "mid"} {
			require.NoError(t, s.CreateRole(ctx, def("ws-a", n)))
		}
		require.NoError(t, s.CreateRole(ctx, def("ws-b", "other")))
		rs, err := s.Roles(ctx, "ws-a")
		require.NoError(t, err)
		var names []string
		for _, r := range rs {
			names = append(names, r.Name)
		}
		assert.Equal(t, []string{"alpha", "mid", "zeta"}, names)
	})
	t.Run("Delete", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.CreateRole(ctx, def("ws-a", "support")))
		require.NoError(t, s.DeleteRole(ctx, "ws-a", "support"))
		_, err := s.Role(ctx, "ws-a", "support")
		assert.ErrorIs(t, err, tenancy.ErrNotFound)
		assert.ErrorIs(t, s.DeleteRole(ctx, "ws-a", "support"), tenancy.ErrNotFound)
		require.NoError(t, s.CreateRole(ctx, def("ws-a", "support")), "the name is free again")
	})
}

package rbac_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/rbac"
)

// FuzzCompileCustom feeds custom role definitions as a host would receive
// them from a client ("name|perm,perm"). An accepted role has a
// well-formed, non-built-in name and only registered, non-owner-only
// permissions.
func FuzzCompileCustom(f *testing.F) {
	for _, s := range []string{"support|contacts:read", "admin|contacts:read", "x|workspace:delete", "Sup|a:b", "|", "a|contacts:read,,members:read"} {
		f.Add(s)
	}
	p := hostPolicy(f)
	f.Fuzz(func(t *testing.T, s string) {
		name, list, _ := strings.Cut(s, "|")
		perms := strings.Split(list, ",")
		set, err := p.CompileCustom(name, perms)
		if err != nil {
			require.ErrorIs(t, err, rbac.ErrInvalidRole)
			require.Equal(t, rbac.Set{}, set)
			return
		}
		require.True(t, rbac.ValidRoleName(name))
		require.False(t, rbac.IsBuiltin(name))
		for _, n := range p.Registry().Names(set) {
			require.NotEqual(t, rbac.WorkspaceDelete, n)
			require.NotEqual(t, rbac.WorkspaceTransfer, n)
		}
		for _, n := range perms {
			_, ok := p.Registry().Lookup(n)
			require.True(t, ok, n)
		}
		owner, _ := p.Role(rbac.RoleOwner)
		require.True(t, set.SubsetOf(owner.Permissions))
	})
}

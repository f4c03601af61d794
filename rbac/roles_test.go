package rbac_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/rbac"
)

// documented is the role table of DESIGN §4, spelled out permission by
// permission for a host that registers contacts:read and contacts:write.
// It is the reference the generated table is compared against.
var documented = map[string][]string{
	rbac.RoleOwner: {
		"audit:read", "billing:read", "billing:write", "channels:read", "channels:write",
		"contacts:read", "contacts:write", "invites:write", "members:read", "members:write",
		"settings:read", "settings:write", "workspace:delete", "workspace:read", "workspace:transfer",
	},
	rbac.RoleAdmin: {
		"audit:read", "channels:read", "channels:write", "contacts:read", "contacts:write",
		"invites:write", "members:read", "members:write", "settings:read", "settings:write",
		"workspace:read",
	},
	rbac.RoleBilling: {"billing:read", "billing:write", "workspace:read"},
	rbac.RoleManager: {"contacts:read", "contacts:write", "invites:write", "members:read", "workspace:read"},
	rbac.RoleAgent:   {"contacts:read", "contacts:write", "workspace:read"},
	rbac.RoleAuditor: {"audit:read", "contacts:read", "members:read", "workspace:read"},
	rbac.RoleViewer:  {"contacts:read", "workspace:read"},
}

func hostPolicy(t testing.TB) *rbac.Policy {
	t.Helper()
	reg := rbac.NewRegistry()
	reg.MustRegister("contacts:read")
	reg.MustRegister("contacts:write")
	p, err := rbac.NewPolicy(reg)
	require.NoError(t, err)
	return p
}

// TestBuiltinRoles_EveryRoleEveryPermission generates one case per
// built-in role × registered permission and compares the policy's answer
// with the documented table.
func TestBuiltinRoles_EveryRoleEveryPermission(t *testing.T) {
	p := hostPolicy(t)
	reg := p.Registry()
	require.Len(t, documented, len(rbac.BuiltinRoleNames()))
	for _, role := range rbac.BuiltinRoleNames() {
		want := map[string]bool{}
		for _, n := range documented[role] {
			want[n] = true
		}
		for _, name := range reg.All() {
			perm, ok := reg.Lookup(name)
			require.True(t, ok)
			t.Run(role+"/"+name, func(t *testing.T) {
				assert.Equal(t, want[name], p.Allows(role, perm), "role %s, permission %s", role, name)
				r, ok := p.Role(role)
				require.True(t, ok)
				assert.Equal(t, want[name], r.Permissions.Has(perm))
			})
		}
	}
}

func TestBuiltinRoles_LeastPrivilege(t *testing.T) {
	p := hostPolicy(t)
	set := func(role string) rbac.Set { r, ok := p.Role(role); require.True(t, ok); return r.Permissions }
	tests := []struct {
		name      string
		sub, sup  string
		wantSubst bool
	}{
		{"every role is within owner", rbac.RoleAdmin, rbac.RoleOwner, true},
		{"admin holds no billing", rbac.RoleBilling, rbac.RoleAdmin, false},
		{"admin may grant manager", rbac.RoleManager, rbac.RoleAdmin, true},
		{"admin may grant auditor", rbac.RoleAuditor, rbac.RoleAdmin, true},
		{"agent within manager", rbac.RoleAgent, rbac.RoleManager, true},
		{"viewer within agent", rbac.RoleViewer, rbac.RoleAgent, true},
		{"auditor is not within agent", rbac.RoleAuditor, rbac.RoleAgent, false},
		{"owner is not within admin", rbac.RoleOwner, rbac.RoleAdmin, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.wantSubst, set(tt.sub).SubsetOf(set(tt.sup)))
		})
	}
}

func TestPolicy_UnknownRoleHoldsNothing(t *testing.T) {
	p := hostPolicy(t)
	for _, name := range p.Registry().All() {
		perm, _ := p.Registry().Lookup(name)
		assert.False(t, p.Allows("Owner", perm), name)
		assert.False(t, p.Allows("", perm), name)
		assert.False(t, p.Allows("owner ", perm), name)
	}
	assert.False(t, p.Allows(rbac.RoleOwner, 0), "the zero permission is never granted")
}

// TestMatrix_Golden keeps the published matrix (testdata/matrix.md and
// testdata/matrix.json) in step with the code. Run with -update to rewrite
// them after an intended change, and review the diff.
func TestMatrix_Golden(t *testing.T) {
	m := hostPolicy(t).Matrix()
	js, err := json.MarshalIndent(m, "", "  ")
	require.NoError(t, err)
	for file, got := range map[string][]byte{"matrix.md": []byte(m.Markdown()), "matrix.json": append(js, '\n')} {
		path := filepath.Join("testdata", file)
		if os.Getenv("RBAC_UPDATE_GOLDEN") != "" {
			require.NoError(t, os.WriteFile(path, got, 0o644))
		}
		want, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got), file)
	}
	// The JSON matrix agrees with the documented table.
	for role, perms := range documented {
		for _, perm := range m.Permissions {
			want := false
			for _, p := range perms {
				want = want || p == perm
			}
			assert.Equal(t, want, m.Allows(role, perm), "%s %s", role, perm)
		}
	}
}

func TestCompileCustom(t *testing.T) {
	p := hostPolicy(t)
	tests := []struct {
		name    string
		role    string
		perms   []string
		wantErr bool
	}{
		{"valid", "support", []string{"contacts:read", "members:read"}, false},
		{"empty set is allowed", "nobody", nil, false},
		{"built-in name", "admin", []string{"contacts:read"}, true},
		{"built-in name in caps", "Owner", nil, true},
		{"malformed name", "sup port", nil, true},
		{"too long", "abcdefghijabcdefghijabcdefghijabc", nil, true},
		{"unknown permission", "support", []string{"contacts:delete"}, true},
		{"owner-only delete", "janitor", []string{"workspace:delete"}, true},
		{"owner-only transfer", "heir", []string{"workspace:transfer"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := p.CompileCustom(tt.role, tt.perms)
			if tt.wantErr {
				require.ErrorIs(t, err, rbac.ErrInvalidRole)
				assert.Equal(t, rbac.Set{}, s)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, p.Compile(tt.perms), s)
		})
	}
}

func TestCompile_UnknownNamesGrantNothing(t *testing.T) {
	p := hostPolicy(t)
	s := p.Compile([]string{"contacts:read", "gone:away", ""})
	assert.Equal(t, []string{"contacts:read"}, p.Registry().Names(s))
}

func TestPolicy_Check(t *testing.T) {
	reg := rbac.NewRegistry()
	read := reg.MustRegister("contacts:read")
	write := reg.MustRegister("contacts:write")
	s, _ := reg.SetOf("contacts:read")
	p, err := rbac.NewPolicy(reg, rbac.Role{Name: "support", Permissions: s})
	require.NoError(t, err)
	tests := []struct {
		role             string
		perm             rbac.Permission
		allowed, defined bool
	}{
		{"agent", write, true, true},
		{"viewer", write, false, true},
		{"support", read, true, true},
		{"support", write, false, true},
		{"ghost", read, false, false},
		{"Agent", read, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.role, func(t *testing.T) {
			allowed, defined := p.Check(tt.role, tt.perm)
			assert.Equal(t, tt.allowed, allowed)
			assert.Equal(t, tt.defined, defined)
			r, ok := p.Role(tt.role)
			assert.Equal(t, ok, defined, "Check agrees with Role")
			assert.Equal(t, ok && r.Permissions.Has(tt.perm), allowed)
		})
	}
}

func TestBuiltinRoleNames(t *testing.T) {
	names := rbac.BuiltinRoleNames()
	assert.Equal(t, []string{"owner", "admin", "billing", "manager", "agent", "auditor", "viewer"}, names)
	names[0] = "viewer" // a caller's copy: the list and the policy are unchanged
	assert.Equal(t, rbac.RoleOwner, rbac.BuiltinRoleNames()[0])
	roles := hostPolicy(t).Roles()
	for i, n := range rbac.BuiltinRoleNames() {
		assert.Equal(t, n, roles[i].Name, "Policy.Roles lists the built-in roles in this order")
		assert.True(t, rbac.IsBuiltin(n))
	}
}

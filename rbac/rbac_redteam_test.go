package rbac_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/rbac"
)

// Attack: define a custom role that passes for a built-in one, or that
// holds an owner-only right under another spelling.
func TestAttack_CustomRoleImpersonatesBuiltinOrHoldsOwnerRights(t *testing.T) {
	reg := rbac.NewRegistry()
	reg.MustRegister("contacts:read")
	p, err := rbac.NewPolicy(reg)
	require.NoError(t, err)
	names := map[string]string{
		"upper case":          "Owner",
		"all caps":            "ADMIN",
		"cyrillic o":          "\u043ewner",
		"full-width":          "ｏｗｎｅｒ",
		"trailing space":      "owner ",
		"trailing NUL":        "owner\x00",
		"zero-width joiner":   "own\u200der",
		"exact built-in":      "owner",
		"exact built-in 2":    "viewer",
		"too long":            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"empty":               "",
		"path separator":      "a/b",
		"colon like a perm":   "workspace:delete",
		"dot":                 "own.er",
		"combining character": "owne\u0301r",
	}
	for name, role := range names {
		t.Run("name "+name, func(t *testing.T) {
			_, err := p.CompileCustom(role, []string{"contacts:read"})
			require.ErrorIs(t, err, rbac.ErrInvalidRole)
		})
	}
	perms := map[string][]string{
		"workspace:delete":        {rbac.WorkspaceDelete},
		"workspace:transfer":      {rbac.WorkspaceTransfer},
		"hidden among others":     {"contacts:read", rbac.WorkspaceDelete},
		"upper case":              {"WORKSPACE:DELETE"},
		"trailing space":          {"workspace:delete "},
		"wildcard":                {"workspace:*"},
		"star":                    {"*"},
		"unregistered":            {"contacts:nuke"},
		"empty permission":        {""},
		"owner-only after a dupe": {"contacts:read", "contacts:read", rbac.WorkspaceTransfer},
	}
	for name, ps := range perms {
		t.Run("perms "+name, func(t *testing.T) {
			_, err := p.CompileCustom("closer", ps)
			require.ErrorIs(t, err, rbac.ErrInvalidRole)
		})
	}
	set, err := p.CompileCustom("closer", []string{"contacts:read"})
	require.NoError(t, err, "a plain custom role is fine")
	del, ok := p.Registry().Lookup(rbac.WorkspaceDelete)
	require.True(t, ok)
	assert.False(t, set.Has(del))
	// A role stored behind CompileCustom's back (a tampered or imported
	// record) holding an owner-only right gets none of it from Compile.
	stored := p.Compile([]string{"contacts:read", rbac.WorkspaceDelete, rbac.WorkspaceTransfer})
	tr, ok := p.Registry().Lookup(rbac.WorkspaceTransfer)
	require.True(t, ok)
	assert.False(t, stored.Has(del))
	assert.False(t, stored.Has(tr))
	assert.Equal(t, set, stored)
}

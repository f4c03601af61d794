package rbac_test

import (
	"testing"

	"github.com/tenantgate/tenantgate/rbac"
)

var sink bool

// BenchmarkPermissionCheck measures the check the gate makes per request:
// find the member's role, test one bit.
func BenchmarkPermissionCheck(b *testing.B) {
	p := hostPolicy(b)
	perm, _ := p.Registry().Lookup("contacts:write")
	role := string([]byte("agent")) // not a constant: as read from a store
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r, ok := p.Role(role)
		sink = ok && r.Permissions.Has(perm)
	}
}

// BenchmarkSetHas measures the bit test alone.
func BenchmarkSetHas(b *testing.B) {
	p := hostPolicy(b)
	perm, _ := p.Registry().Lookup("contacts:write")
	r, _ := p.Role(rbac.RoleAgent)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sink = r.Permissions.Has(perm)
	}
}

// BenchmarkAllowsCustomRole measures a custom role defined in the policy
// (one map lookup).
func BenchmarkAllowsCustomRole(b *testing.B) {
	reg := rbac.NewRegistry()
	perm := reg.MustRegister("contacts:read")
	s, _ := reg.SetOf("contacts:read")
	p, err := rbac.NewPolicy(reg, rbac.Role{Name: "support", Permissions: s})
	if err != nil {
		b.Fatal(err)
	}
	role := string([]byte("support"))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sink = p.Allows(role, perm)
	}
}

// BenchmarkAllows measures Policy.Allows for a built-in role.
func BenchmarkAllows(b *testing.B) {
	p := hostPolicy(b)
	perm, _ := p.Registry().Lookup("contacts:write")
	role := string([]byte("manager"))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sink = p.Allows(role, perm)
	}
}

// BenchmarkCheck measures Policy.Check, the allocation-free check that
// also says whether the role is defined (for a custom-role fallback).
func BenchmarkCheck(b *testing.B) {
	p := hostPolicy(b)
	perm, _ := p.Registry().Lookup("contacts:write")
	role := string([]byte("agent"))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		ok, defined := p.Check(role, perm)
		sink = ok && defined
	}
}

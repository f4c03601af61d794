package rbac_test

import (
	"fmt"

	"github.com/tenantgate/tenantgate/rbac"
)

func ExamplePolicy_Matrix() {
	reg := rbac.NewRegistry()
	reg.MustRegister("contacts:read")
	policy, err := rbac.NewPolicy(reg)
	if err != nil {
		panic(err)
	}
	m := policy.Matrix()
	fmt.Println(m.Allows(rbac.RoleViewer, "contacts:read"), m.Allows(rbac.RoleViewer, "members:read"))
	fmt.Println(len(m.Roles), "roles,", len(m.Permissions), "permissions")
	// Output:
	// true false
	// 7 roles, 14 permissions
}

func ExamplePolicy_CanGrant() {
	reg := rbac.NewRegistry()
	reg.MustRegister("contacts:read")
	reg.MustRegister("contacts:write")
	policy, _ := rbac.NewPolicy(reg)
	manager, _ := policy.Role(rbac.RoleManager)
	agent, _ := policy.Role(rbac.RoleAgent)
	admin, _ := policy.Role(rbac.RoleAdmin)
	fmt.Println(policy.CanGrant(manager.Permissions, agent.Permissions))
	fmt.Println(policy.CanGrant(manager.Permissions, admin.Permissions))
	fmt.Println(policy.CanGrant(manager.Permissions, manager.Permissions))
	// Output:
	// <nil>
	// rbac: role holds permissions the actor lacks
	// rbac: only a member manager may grant a role that grants access
}

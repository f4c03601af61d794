package rbac_test

import (
	"fmt"

	"github.com/tenantgate/tenantgate/rbac"
)

func ExamplePolicy_Allows() {
	reg := rbac.NewRegistry()
	write := reg.MustRegister("contacts:write")
	policy, _ := rbac.NewPolicy(reg)
	for _, role := range []string{rbac.RoleAgent, rbac.RoleViewer, rbac.RoleBilling} {
		fmt.Println(role, policy.Allows(role, write))
	}
	// Output:
	// agent true
	// viewer false
	// billing false
}

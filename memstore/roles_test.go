package memstore_test

import (
	"testing"

	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/storetest"
	"github.com/tenantgate/tenantgate/team"
)

func TestRoleStore(t *testing.T) {
	storetest.RunRoleStore(t, func(*testing.T) team.RoleStore { return memstore.NewRoles() })
}

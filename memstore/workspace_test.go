package memstore_test

import (
	"testing"

	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/storetest"
	"github.com/tenantgate/tenantgate/tenancy"
)

func TestTenancyWorkspaceStore(t *testing.T) {
	storetest.RunWorkspaceStore(t, func(*testing.T) tenancy.WorkspaceStore { return memstore.NewTenancy() })
}

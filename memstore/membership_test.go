package memstore_test

import (
	"testing"

	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/storetest"
	"github.com/tenantgate/tenantgate/tenancy"
)

func TestTenancyMembershipStore(t *testing.T) {
	storetest.RunMembershipStore(t, func(*testing.T) tenancy.MembershipStore { return memstore.NewTenancy() })
}

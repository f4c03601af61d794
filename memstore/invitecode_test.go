package memstore_test

import (
	"testing"

	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/storetest"
	"github.com/tenantgate/tenantgate/tenancy"
)

func TestInviteCodes(t *testing.T) {
	storetest.RunInviteCodeStore(t, func(*testing.T) tenancy.InviteCodeStore { return memstore.NewInviteCodes() })
}

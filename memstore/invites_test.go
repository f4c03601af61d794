package memstore_test

import (
	"testing"

	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/storetest"
	"github.com/tenantgate/tenantgate/team"
)

func TestInviteStore(t *testing.T) {
	storetest.RunInviteStore(t, func(*testing.T) team.InviteStore { return memstore.NewInvites() })
}

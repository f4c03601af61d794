package memstore_test

import (
	"testing"

	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/mfa"
	"github.com/tenantgate/tenantgate/storetest"
)

func TestMFA_Conformance(t *testing.T) {
	storetest.RunMFAStore(t, func(*testing.T) mfa.Store { return memstore.NewMFA() })
}

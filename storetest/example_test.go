package storetest_test

import (
	"testing"

	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/storetest"
	"github.com/tenantgate/tenantgate/verify"
)

// A backend proves its token store by running the suite from an ordinary
// test, with a fresh store per subtest. (The suites take a *testing.T, so
// this example is compiled but not run; memstore's tests run it.)
func ExampleRunTokenStore() {
	_ = func(t *testing.T) { // func TestTokenStore(t *testing.T) in the backend's package
		storetest.RunTokenStore(t, func(t *testing.T) verify.Store {
			return memstore.NewTokens()
		})
	}
}

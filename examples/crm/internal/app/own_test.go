package app_test

import (
	"testing"

	"github.com/tenantgate/tenantgate/examples/crm/internal/app"
	"github.com/tenantgate/tenantgate/examples/crm/internal/owntest"
)

func TestMemAccounts(t *testing.T) {
	owntest.RunAccountStore(t, func(*testing.T) app.AccountStore { return app.NewMemAccounts() })
}

func TestMemContacts(t *testing.T) {
	owntest.RunContactStore(t, func(*testing.T) app.ContactStore { return app.NewMemContacts() })
}

func TestMemChannels(t *testing.T) {
	owntest.RunChannelStore(t, func(*testing.T) app.ChannelStore { return app.NewMemChannels() })
}

package mongoapp_test

import (
	"context"
	"crypto/rand"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tenantgate/tenantgate/examples/crm/internal/app"
	"github.com/tenantgate/tenantgate/examples/crm/internal/mongoapp"
	"github.com/tenantgate/tenantgate/examples/crm/internal/owntest"
)

// stores opens the stores on a fresh database, dropped after the test. It
// skips without TENANTGATE_MONGO_URI.
func stores(t *testing.T) app.Stores {
	uri := os.Getenv("TENANTGATE_MONGO_URI")
	if uri == "" {
		t.Skip("set TENANTGATE_MONGO_URI (e.g. mongodb://127.0.0.1:27017) to run the MongoDB conformance suites")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := mongo.Connect(options.Client().ApplyURI(uri).SetTimeout(30 * time.Second))
	require.NoError(t, err)
	db := c.Database("crm_test_" + rand.Text()[:12])
	t.Cleanup(func() {
		_ = db.Drop(context.Background())
		_ = c.Disconnect(context.Background())
	})
	s, err := mongoapp.Open(ctx, db)
	require.NoError(t, err)
	return s
}

func TestAccounts(t *testing.T) {
	owntest.RunAccountStore(t, func(t *testing.T) app.AccountStore { return stores(t).Accounts })
}

func TestContacts(t *testing.T) {
	owntest.RunContactStore(t, func(t *testing.T) app.ContactStore { return stores(t).Contacts })
}

func TestChannels(t *testing.T) {
	owntest.RunChannelStore(t, func(t *testing.T) app.ChannelStore { return stores(t).Channels })
}

package mongostore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/mfa"
	"github.com/tenantgate/tenantgate/mongostore"
	"github.com/tenantgate/tenantgate/ratelimit"
	"github.com/tenantgate/tenantgate/storetest"
	"github.com/tenantgate/tenantgate/team"
	"github.com/tenantgate/tenantgate/tenancy"
	"github.com/tenantgate/tenantgate/verify"
)

const skipMsg = "set TENANTGATE_MONGO_URI=mongodb://localhost:27017 to run the MongoDB conformance suites"

// connect returns a client of TENANTGATE_MONGO_URI (monitored by mon when
// given), or skips the test when the variable is unset.
func connect(t *testing.T, mon *event.CommandMonitor) *mongo.Client {
	t.Helper()
	uri := os.Getenv("TENANTGATE_MONGO_URI")
	if uri == "" {
		t.Skip(skipMsg)
	}
	o := options.Client().ApplyURI(uri).SetTimeout(30 * time.Second)
	if mon != nil {
		o.SetMonitor(mon)
	}
	c, err := mongo.Connect(o)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = c.Disconnect(ctx)
	})
	return c
}

// freshDB returns a new database of the test's own, dropped when the test
// ends.
func freshDB(t *testing.T, c *mongo.Client) *mongo.Database {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	db := c.Database("tenantgate_test_" + hex.EncodeToString(b[:]))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = db.Drop(ctx)
	})
	return db
}

// freshStores opens the stores on a new database of their own, dropped
// when the test ends, with the TTL indexes frozen (freezeTTL).
func freshStores(t *testing.T, c *mongo.Client, opts ...mongostore.Option) *mongostore.Stores {
	t.Helper()
	db := freshDB(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := mongostore.Open(ctx, db, opts...)
	require.NoError(t, err)
	freezeTTL(ctx, t, db)
	return s
}

// freezeTTL moves every TTL index of db about 34 years out (collMod). The
// suites run on fixed clocks, some in the past (2025): their documents'
// expiry dates have passed by the server's clock, so the TTL monitor,
// which wakes every 60 s, could delete a rate-limit log or an invite in the
// middle of a subtest and make the suite flaky. Decisions never depend on
// the TTL monitor, so freezing it hides nothing the suites check;
// TestMongoOpenCreatesIndexesIdempotently checks the real TTL specs on a
// database of its own.
func freezeTTL(ctx context.Context, t *testing.T, db *mongo.Database) {
	t.Helper()
	for _, ix := range mongostore.Indexes() {
		if !ix.TTL {
			continue
		}
		cmd := bson.D{{Key: "collMod", Value: ix.Collection}, {Key: "index", Value: bson.D{
			{Key: "name", Value: ix.Name}, {Key: "expireAfterSeconds", Value: int32(1 << 30)},
		}}}
		require.NoError(t, db.RunCommand(ctx, cmd).Err(), "collMod %s.%s", ix.Collection, ix.Name)
	}
}

// suite returns a constructor of fresh stores sharing one client.
func suite(t *testing.T) func(t *testing.T) *mongostore.Stores {
	c := connect(t, nil)
	return func(t *testing.T) *mongostore.Stores { return freshStores(t, c) }
}

func TestMongoWorkspaceStore(t *testing.T) {
	fresh := suite(t)
	storetest.RunWorkspaceStore(t, func(t *testing.T) tenancy.WorkspaceStore { return fresh(t).Workspaces })
}

func TestMongoWorkspaceStoreWithoutTransactions(t *testing.T) {
	c := connect(t, nil)
	storetest.RunWorkspaceStore(t, func(t *testing.T) tenancy.WorkspaceStore {
		return freshStores(t, c, mongostore.WithTransactions(mongostore.TxNever)).Workspaces
	})
}

func TestMongoMembershipStore(t *testing.T) {
	fresh := suite(t)
	storetest.RunMembershipStore(t, func(t *testing.T) tenancy.MembershipStore { return fresh(t).Members })
}

func TestMongoMembershipStoreWithoutTransactions(t *testing.T) {
	c := connect(t, nil)
	storetest.RunMembershipStore(t, func(t *testing.T) tenancy.MembershipStore {
		return freshStores(t, c, mongostore.WithTransactions(mongostore.TxNever)).Members
	})
}

func TestMongoInviteCodeStore(t *testing.T) {
	fresh := suite(t)
	storetest.RunInviteCodeStore(t, func(t *testing.T) tenancy.InviteCodeStore { return fresh(t).InviteCodes })
}

func TestMongoRateLimitStore(t *testing.T) {
	fresh := suite(t)
	storetest.RunRateLimitStore(t, func(t *testing.T) ratelimit.Store { return fresh(t).RateLimits })
}

func TestMongoInviteStore(t *testing.T) {
	fresh := suite(t)
	storetest.RunInviteStore(t, func(t *testing.T) team.InviteStore { return fresh(t).Invites })
}

func TestMongoRoleStore(t *testing.T) {
	fresh := suite(t)
	storetest.RunRoleStore(t, func(t *testing.T) team.RoleStore { return fresh(t).Roles })
}

func TestMongoMFAStore(t *testing.T) {
	fresh := suite(t)
	storetest.RunMFAStore(t, func(t *testing.T) mfa.Store { return fresh(t).MFA })
}

func TestMongoTokenStore(t *testing.T) {
	fresh := suite(t)
	storetest.RunTokenStore(t, func(t *testing.T) verify.Store { return fresh(t).Tokens })
}

func TestMongoAuditStore(t *testing.T) {
	fresh := suite(t)
	storetest.RunAuditStore(t, func(t *testing.T) audit.Store { return fresh(t).Audit })
}

func TestMongoSubjectKeys(t *testing.T) {
	fresh := suite(t)
	storetest.RunSubjectKeys(t, func(t *testing.T) audit.SubjectKeys { return fresh(t).SubjectKeys })
}

func TestMongoPrivacyStores(t *testing.T) {
	fresh := suite(t)
	storetest.RunPrivacyStores(t, func(t *testing.T) storetest.PrivacyStores {
		s := fresh(t)
		return storetest.PrivacyStores{Tenancy: s.Workspaces, Invites: s.Invites, MFA: s.MFA, Tokens: s.Tokens, Audit: s.Audit}
	})
}

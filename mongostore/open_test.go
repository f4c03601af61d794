package mongostore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tenantgate/tenantgate/mongostore"
)

// TestOpenUnreachableFailsWithWrappedError: nothing listens on port 1; Open
// returns within the server selection timeout with an error that wraps
// ErrUnavailable (and the driver's, for logs) instead of hanging.
func TestOpenUnreachableFailsWithWrappedError(t *testing.T) {
	c, err := mongo.Connect(options.Client().ApplyURI("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200&connectTimeoutMS=200"))
	require.NoError(t, err, "connecting is lazy")
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := mongostore.Open(ctx, c.Database("app"))
	require.Error(t, err)
	assert.Nil(t, s)
	assert.ErrorIs(t, err, mongostore.ErrUnavailable)
	assert.Contains(t, err.Error(), "mongostore: open")
	assert.NoError(t, ctx.Err(), "failed by the client's selection timeout, not the test's deadline")
}

// The caller's deadline bounds Open even when the client's own timeouts
// are long.
func TestOpenHonoursContextDeadline(t *testing.T) {
	c, err := mongo.Connect(options.Client().ApplyURI("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=60000"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = mongostore.Open(ctx, c.Database("app"))
	require.Error(t, err)
	assert.ErrorIs(t, err, mongostore.ErrUnavailable)
	assert.Contains(t, err.Error(), "timeout")
}

func TestOpenValidatesOptions(t *testing.T) {
	c, err := mongo.Connect(options.Client().ApplyURI("mongodb://127.0.0.1:1/"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	db := c.Database("app")
	cases := []struct {
		name string
		opt  mongostore.Option
	}{
		{"NilOption", nil},
		{"ZeroTimeout", mongostore.WithOperationTimeout(0)},
		{"CacheTTLZero", mongostore.WithMembershipCache(0, 10)},
		{"CacheTTLTooLong", mongostore.WithMembershipCache(time.Hour, 10)},
		{"CacheSizeZero", mongostore.WithMembershipCache(time.Second, 0)},
		{"UnknownTxMode", mongostore.WithTransactions(mongostore.TxMode(9))},
		{"NilClock", mongostore.WithClock(nil)},
		{"NilKeyring", mongostore.WithKeyring(nil)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mongostore.Open(context.Background(), db, tc.opt)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "mongostore: ")
			assert.NotErrorIs(t, err, mongostore.ErrUnavailable, "refused before any I/O")
		})
	}
	_, err = mongostore.Open(context.Background(), nil)
	assert.Error(t, err)
}

package memstore_test

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/storetest"
	"github.com/tenantgate/tenantgate/verify"
)

func TestTokens(t *testing.T) {
	storetest.RunTokenStore(t, func(t *testing.T) verify.Store { return memstore.NewTokens() })
}

func TestTokens_Purge(t *testing.T) {
	ctx := context.Background()
	s := memstore.NewTokens()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	_, short, err := verify.NewToken(rand.Reader)
	require.NoError(t, err)
	_, long, err := verify.NewToken(rand.Reader)
	require.NoError(t, err)
	require.NoError(t, s.Insert(ctx, verify.Record{Hash: short, Purpose: verify.PurposeResetPassword, User: "u-1", ExpiresAt: t0.Add(time.Hour)}))
	require.NoError(t, s.Insert(ctx, verify.Record{Hash: long, Purpose: verify.PurposeResetPassword, User: "u-1", ExpiresAt: t0.Add(24 * time.Hour)}))
	assert.Equal(t, 1, s.Purge(t0.Add(time.Hour)))
	_, err = s.Consume(ctx, short, verify.PurposeResetPassword, t0)
	assert.ErrorIs(t, err, problem.ErrInvalidToken, "purged")
	n, err := s.Revoke(ctx, "u-1", verify.PurposeResetPassword, t0)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the live token survives the purge")
}

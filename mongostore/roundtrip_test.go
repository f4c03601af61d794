package mongostore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/tenantgate/tenantgate/ratelimit"
	"github.com/tenantgate/tenantgate/tenancy"
)

// commandCounter counts the commands a client sends (handshakes and
// monitoring use other connections and are not CommandStarted events).
type commandCounter struct {
	mu    sync.Mutex
	names []string
}

func (c *commandCounter) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		c.mu.Lock()
		c.names = append(c.names, e.CommandName)
		c.mu.Unlock()
	}}
}

// during returns the commands fn sent.
func (c *commandCounter) during(fn func()) []string {
	c.mu.Lock()
	c.names = nil
	c.mu.Unlock()
	fn()
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.names...)
}

// TestRoundTripsPerOperation pins the number of commands of the hot
// operations against a real server.
func TestRoundTripsPerOperation(t *testing.T) {
	cc := &commandCounter{}
	c := connect(t, cc.monitor())
	s := freshStores(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	ws := tenancy.Workspace{ID: "ws-a", Name: "A", Status: tenancy.StatusActive, OwnerID: "u-a", CreatedAt: now}
	require.NoError(t, s.Workspaces.CreateWorkspace(ctx, ws, tenancy.Membership{User: "u-a", Role: tenancy.RoleOwner, CreatedAt: now}))

	got := cc.during(func() {
		_, err := s.RateLimits.Take(ctx, "ip:203.0.113.9", now, ratelimit.PerMinute(10))
		require.NoError(t, err)
	})
	assert.Equal(t, []string{"findAndModify"}, got, "a rate-limit decision is one round trip")

	got = cc.during(func() {
		_, err := s.Workspaces.Workspace(ctx, ws.ID)
		require.NoError(t, err)
		_, err = s.Members.Membership(ctx, ws.ID, "u-a")
		require.NoError(t, err)
	})
	assert.LessOrEqual(t, len(got), 2, "the gate's reads: %v", got)

	got = cc.during(func() {
		_, err := s.InviteCodes.RedeemInviteCode(ctx, tenancy.HashInviteCode("missing-code"), now)
		require.ErrorIs(t, err, tenancy.ErrInviteCodeUnusable)
	})
	assert.Equal(t, []string{"findAndModify"}, got)
}

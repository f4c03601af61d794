package memstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/tenancy"
)

func TestAccessAnswersBothReadsOrNotFound(t *testing.T) {
	s := memstore.NewTenancy()
	ctx := context.Background()
	require.NoError(t, s.CreateWorkspace(ctx, tenancy.Workspace{ID: "acme", OwnerID: "alice", Status: tenancy.StatusActive},
		tenancy.Membership{User: "alice", Role: tenancy.RoleOwner}))
	// A dangling membership of a workspace that does not exist.
	require.NoError(t, s.AddMember(ctx, tenancy.Membership{Workspace: "ghost", User: "alice", Role: "agent"}))

	m, w, err := s.Access(ctx, "acme", "alice")
	require.NoError(t, err)
	assert.Equal(t, tenancy.RoleOwner, m.Role)
	assert.Equal(t, tenancy.WorkspaceID("acme"), w.ID)

	for _, c := range []struct{ ws, user string }{{"acme", "mallory"}, {"nope", "alice"}, {"ghost", "alice"}} {
		_, _, err := s.Access(ctx, tenancy.WorkspaceID(c.ws), tenancy.UserID(c.user))
		assert.ErrorIs(t, err, tenancy.ErrNotFound, c)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, _, err = s.Access(cctx, "acme", "alice")
	assert.ErrorIs(t, err, context.Canceled)
}

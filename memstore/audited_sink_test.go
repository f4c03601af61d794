package memstore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/tenancy"
)

// The audited workspace methods call the sink while the Tenancy holds its
// write lock (tenancy.WorkspaceStore, "Sinks and the store lock"). A sink
// on any other store works, including one that reads another Tenancy; a
// sink that calls back into the same Tenancy would deadlock, which is the
// documented contract and is deliberately not exercised here.

var sinkT0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// readingSink appends to an audit store after reading a different
// Tenancy, as a sink that enriches events from another store might.
type readingSink struct {
	other *memstore.Tenancy
	trail *memstore.Audit
	reads atomic.Int64
}

func (s *readingSink) Append(ctx context.Context, e audit.Event) (audit.Event, error) {
	if _, err := s.other.Workspace(ctx, "ws-elsewhere"); err != nil {
		return audit.Event{}, err
	}
	if _, err := s.other.ListWorkspaces(ctx, tenancy.WorkspaceQuery{Limit: 10}); err != nil {
		return audit.Event{}, err
	}
	s.reads.Add(1)
	return s.trail.Append(ctx, e)
}

func sinkWS(id, owner string) tenancy.Workspace {
	return tenancy.Workspace{ID: tenancy.WorkspaceID(id), Name: "W " + id, Status: tenancy.StatusPendingApproval,
		OwnerID: tenancy.UserID(owner), CreatedAt: sinkT0}
}

func sinkEvent(ws tenancy.WorkspaceID, action audit.Action) audit.Event {
	return audit.Event{Time: sinkT0, Workspace: string(ws), Actor: "u-op", Action: action,
		Target: audit.Target{Type: "workspace", ID: string(ws)}, Outcome: audit.OutcomeSuccess}
}

func newReadingSink(t *testing.T) *readingSink {
	t.Helper()
	other := memstore.NewTenancy()
	w := sinkWS("ws-elsewhere", "u-elsewhere")
	require.NoError(t, other.CreateWorkspace(context.Background(), w,
		tenancy.Membership{Workspace: w.ID, User: w.OwnerID, Role: tenancy.RoleOwner, CreatedAt: sinkT0}))
	return &readingSink{other: other, trail: memstore.NewAudit()}
}

// TestAuditedWorkspace_SinkOnAnotherStore: create, update and delete each
// append their record through a sink that uses two other stores (an audit
// store and a second Tenancy), under the first store's lock.
func TestAuditedWorkspace_SinkOnAnotherStore(t *testing.T) {
	ctx := context.Background()
	s := memstore.NewTenancy()
	sink := newReadingSink(t)
	w := sinkWS("ws-a", "u-a")
	owner := tenancy.Membership{Workspace: w.ID, User: w.OwnerID, Role: tenancy.RoleOwner, CreatedAt: sinkT0}

	require.NoError(t, s.CreateWorkspaceAudited(ctx, w, owner, sinkEvent(w.ID, audit.ActionWorkspaceCreate), sink))
	cur, err := s.Workspace(ctx, w.ID)
	require.NoError(t, err)
	cur.Status = tenancy.StatusActive
	cur, err = s.UpdateWorkspaceAudited(ctx, cur, sinkEvent(w.ID, audit.ActionWorkspaceApprove), sink)
	require.NoError(t, err)
	require.NoError(t, s.DeleteWorkspaceAudited(ctx, cur, sinkEvent(w.ID, audit.ActionWorkspaceDelete), sink))

	_, err = s.Workspace(ctx, w.ID)
	assert.ErrorIs(t, err, tenancy.ErrNotFound)
	page, err := sink.trail.Query(ctx, audit.Query{Workspace: string(w.ID), Limit: audit.MaxLimit})
	require.NoError(t, err)
	var actions []audit.Action
	for _, ev := range page.Events {
		actions = append(actions, ev.Action)
	}
	assert.Equal(t, []audit.Action{audit.ActionWorkspaceDelete, audit.ActionWorkspaceApprove, audit.ActionWorkspaceCreate}, actions, "newest first")
	assert.Equal(t, int64(3), sink.reads.Load())
	// The store is usable after the sink ran under its lock.
	_, err = s.ListWorkspaces(ctx, tenancy.WorkspaceQuery{Limit: 10})
	require.NoError(t, err)
}

// TestAuditedWorkspace_SinkOnAnotherStore_Concurrent: many audited
// updates race on one version while the sink reads a second Tenancy that
// is itself being written: exactly one update wins, exactly one record is
// appended, and nothing blocks (run with -race).
func TestAuditedWorkspace_SinkOnAnotherStore_Concurrent(t *testing.T) {
	ctx := context.Background()
	s := memstore.NewTenancy()
	sink := newReadingSink(t)
	w := sinkWS("ws-a", "u-a")
	require.NoError(t, s.CreateWorkspace(ctx, w, tenancy.Membership{Workspace: w.ID, User: w.OwnerID, Role: tenancy.RoleOwner, CreatedAt: sinkT0}))
	cur, err := s.Workspace(ctx, w.ID)
	require.NoError(t, err)

	const n = 50
	var wg sync.WaitGroup
	var wins atomic.Int64
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			next := cur
			next.Status = tenancy.StatusActive
			if _, err := s.UpdateWorkspaceAudited(ctx, next, sinkEvent(w.ID, audit.ActionWorkspaceApprove), sink); err == nil {
				wins.Add(1)
			} else {
				assert.ErrorIs(t, err, tenancy.ErrConflict)
			}
		}()
		go func() { // writes to the sink's other store meanwhile
			defer wg.Done()
			o := sinkWS(fmt.Sprintf("ws-o%d", i), fmt.Sprintf("u-o%d", i))
			assert.NoError(t, sink.other.CreateWorkspace(ctx, o, tenancy.Membership{Workspace: o.ID, User: o.OwnerID, Role: tenancy.RoleOwner, CreatedAt: sinkT0}))
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(1), wins.Load())
	page, err := sink.trail.Query(ctx, audit.Query{Workspace: string(w.ID), Limit: audit.MaxLimit})
	require.NoError(t, err)
	assert.Len(t, page.Events, 1)
}

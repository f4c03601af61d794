package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/tenancy"
)

// wsT0 is the workspace suite's clock origin.
var wsT0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// errSinkDown is what a failing suiteSink returns.
var errSinkDown = fmt.Errorf("%w: suite sink down", audit.ErrUnavailable)

// suiteSink is an audit.Sink that records appends and can be told to fail.
type suiteSink struct {
	mu     sync.Mutex
	events []audit.Event
	fail   atomic.Bool
}

func (s *suiteSink) Append(_ context.Context, e audit.Event) (audit.Event, error) {
	if s.fail.Load() {
		return audit.Event{}, errSinkDown
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, e)
	return e, nil
}

func (s *suiteSink) snapshot() []audit.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]audit.Event(nil), s.events...)
}

func newWS(id, owner string, at time.Time) tenancy.Workspace {
	return tenancy.Workspace{
		ID: tenancy.WorkspaceID(id), Name: "Workspace " + id, Status: tenancy.StatusPendingApproval,
		OwnerID: tenancy.UserID(owner), CreatedAt: at,
	}
}

func ownerOf(ws tenancy.Workspace) tenancy.Membership {
	return tenancy.Membership{Workspace: ws.ID, User: ws.OwnerID, Role: tenancy.RoleOwner, CreatedAt: ws.CreatedAt}
}

func wsEvent(ws tenancy.Workspace, action audit.Action) audit.Event {
	return audit.Event{
		Time: wsT0, Workspace: string(ws.ID), Actor: "u-operator", Action: action,
		Target: audit.Target{Type: "workspace", ID: string(ws.ID)}, Outcome: audit.OutcomeSuccess,
	}
}

// RunWorkspaceStore runs the conformance suite of tenancy.WorkspaceStore
// against fresh stores made by newStore, one per subtest. When the store
// also implements tenancy.MembershipReader, the suite checks that the
// owner's membership is created with the workspace.
func RunWorkspaceStore(t *testing.T, newStore func(t *testing.T) tenancy.WorkspaceStore) {
	ctx := context.Background()

	t.Run("CreateThenRead", func(t *testing.T) {
		s := newStore(t)
		ws := newWS("ws-a", "u-a", wsT0)
		require.NoError(t, s.CreateWorkspace(ctx, ws, ownerOf(ws)))
		got, err := s.Workspace(ctx, ws.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(1), got.Version)
		assert.Equal(t, ws.Name, got.Name)
		assert.Equal(t, tenancy.StatusPendingApproval, got.Status)
		assert.True(t, got.CreatedAt.Equal(wsT0))
		if mr, ok := s.(tenancy.MembershipReader); ok {
			m, err := mr.Membership(ctx, ws.ID, ws.OwnerID)
			require.NoError(t, err)
			assert.Equal(t, tenancy.RoleOwner, m.Role)
		}
	})

	t.Run("NameStoredExactly", func(t *testing.T) {
		s := newStore(t)
		ws := newWS("ws-a", "u-a", wsT0)
		ws.Name = "Acme\r\nX-Injected: 1\x1b[31m\u2028"
		require.NoError(t, s.CreateWorkspace(ctx, ws, ownerOf(ws)))
		got, err := s.Workspace(ctx, ws.ID)
		require.NoError(t, err)
		assert.Equal(t, ws.Name, got.Name)
	})

	t.Run("ReadAbsentIsNotFound", func(t *testing.T) {
		s := newStore(t)
		_, err := s.Workspace(ctx, "ws-missing")
		assert.ErrorIs(t, err, tenancy.ErrNotFound)
	})

	t.Run("CreateDuplicateIDIsConflict", func(t *testing.T) {
		s := newStore(t)
		ws := newWS("ws-a", "u-a", wsT0)
		require.NoError(t, s.CreateWorkspace(ctx, ws, ownerOf(ws)))
		other := newWS("ws-a", "u-b", wsT0)
		assert.ErrorIs(t, s.CreateWorkspace(ctx, other, ownerOf(other)), tenancy.ErrConflict)
		got, err := s.Workspace(ctx, "ws-a")
		require.NoError(t, err)
		assert.Equal(t, tenancy.UserID("u-a"), got.OwnerID, "the first workspace is untouched")
	})

	t.Run("SecondWorkspaceOfOwnerIsOwnerLimit", func(t *testing.T) {
		s := newStore(t)
		a := newWS("ws-a", "u-a", wsT0)
		require.NoError(t, s.CreateWorkspace(ctx, a, ownerOf(a)))
		b := newWS("ws-b", "u-a", wsT0)
		assert.ErrorIs(t, s.CreateWorkspace(ctx, b, ownerOf(b)), tenancy.ErrOwnerLimit)
		_, err := s.Workspace(ctx, "ws-b")
		assert.ErrorIs(t, err, tenancy.ErrNotFound)
	})

	t.Run("ConcurrentCreatesByOneOwnerExactlyOneWins", func(t *testing.T) {
		s := newStore(t)
		const n = 50
		var wins, limits atomic.Int32
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				ws := newWS(fmt.Sprintf("ws-%d", i), "u-a", wsT0)
				err := s.CreateWorkspace(ctx, ws, ownerOf(ws))
				switch {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, tenancy.ErrOwnerLimit):
					limits.Add(1)
				default:
					t.Errorf("unexpected error: %v", err)
				}
			})
		}
		wg.Wait()
		assert.Equal(t, int32(1), wins.Load())
		assert.Equal(t, int32(n-1), limits.Load())
		all, err := s.ListWorkspaces(ctx, tenancy.WorkspaceQuery{Limit: 1000})
		require.NoError(t, err)
		assert.Len(t, all, 1)
	})

	t.Run("UpdateIsCompareAndSet", func(t *testing.T) {
		s := newStore(t)
		ws := newWS("ws-a", "u-a", wsT0)
		require.NoError(t, s.CreateWorkspace(ctx, ws, ownerOf(ws)))
		cur, err := s.Workspace(ctx, ws.ID)
		require.NoError(t, err)
		next := cur
		next.Status = tenancy.StatusActive
		saved, err := s.UpdateWorkspace(ctx, next)
		require.NoError(t, err)
		assert.Equal(t, int64(2), saved.Version)

		stale := cur
		stale.Status = tenancy.StatusRejected
		_, err = s.UpdateWorkspace(ctx, stale)
		assert.ErrorIs(t, err, tenancy.ErrConflict)
		got, err := s.Workspace(ctx, ws.ID)
		require.NoError(t, err)
		assert.Equal(t, tenancy.StatusActive, got.Status)
		assert.Equal(t, int64(2), got.Version)
	})

	t.Run("UpdateAbsentIsNotFound", func(t *testing.T) {
		s := newStore(t)
		_, err := s.UpdateWorkspace(ctx, tenancy.Workspace{ID: "ws-missing", Version: 1})
		assert.ErrorIs(t, err, tenancy.ErrNotFound)
	})

	t.Run("ConcurrentUpdatesOfOneVersionExactlyOneWins", func(t *testing.T) {
		s := newStore(t)
		ws := newWS("ws-a", "u-a", wsT0)
		require.NoError(t, s.CreateWorkspace(ctx, ws, ownerOf(ws)))
		cur, err := s.Workspace(ctx, ws.ID)
		require.NoError(t, err)
		const n = 50
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				next := cur
				next.Name = fmt.Sprintf("name-%d", i)
				if _, err := s.UpdateWorkspace(ctx, next); err == nil {
					wins.Add(1)
				} else if !errors.Is(err, tenancy.ErrConflict) {
					t.Errorf("unexpected error: %v", err)
				}
			})
		}
		wg.Wait()
		assert.Equal(t, int32(1), wins.Load())
		got, err := s.Workspace(ctx, ws.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(2), got.Version)
	})

	t.Run("CreateAuditedAppendsOnce", func(t *testing.T) {
		s, sink := newStore(t), &suiteSink{}
		ws := newWS("ws-a", "u-a", wsT0)
		require.NoError(t, s.CreateWorkspaceAudited(ctx, ws, ownerOf(ws), wsEvent(ws, audit.ActionWorkspaceCreate), sink))
		evs := sink.snapshot()
		require.Len(t, evs, 1)
		assert.Equal(t, audit.ActionWorkspaceCreate, evs[0].Action)
		got, err := s.Workspace(ctx, ws.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(1), got.Version)
	})

	t.Run("CreateAuditedFailedAppendStoresNothing", func(t *testing.T) {
		s, sink := newStore(t), &suiteSink{}
		sink.fail.Store(true)
		ws := newWS("ws-a", "u-a", wsT0)
		err := s.CreateWorkspaceAudited(ctx, ws, ownerOf(ws), wsEvent(ws, audit.ActionWorkspaceCreate), sink)
		require.ErrorIs(t, err, audit.ErrUnavailable)
		_, err = s.Workspace(ctx, ws.ID)
		assert.ErrorIs(t, err, tenancy.ErrNotFound)
		if mr, ok := s.(tenancy.MembershipReader); ok {
			_, err := mr.Membership(ctx, ws.ID, ws.OwnerID)
			assert.ErrorIs(t, err, tenancy.ErrNotFound)
		}
		// The owner's slot was not taken.
		sink.fail.Store(false)
		require.NoError(t, s.CreateWorkspaceAudited(ctx, ws, ownerOf(ws), wsEvent(ws, audit.ActionWorkspaceCreate), sink))
	})

	t.Run("CreateAuditedRefusedAppendsNothing", func(t *testing.T) {
		s, sink := newStore(t), &suiteSink{}
		a := newWS("ws-a", "u-a", wsT0)
		require.NoError(t, s.CreateWorkspace(ctx, a, ownerOf(a)))
		b := newWS("ws-b", "u-a", wsT0)
		err := s.CreateWorkspaceAudited(ctx, b, ownerOf(b), wsEvent(b, audit.ActionWorkspaceCreate), sink)
		assert.ErrorIs(t, err, tenancy.ErrOwnerLimit)
		dup := newWS("ws-a", "u-b", wsT0)
		err = s.CreateWorkspaceAudited(ctx, dup, ownerOf(dup), wsEvent(dup, audit.ActionWorkspaceCreate), sink)
		assert.ErrorIs(t, err, tenancy.ErrConflict)
		assert.Empty(t, sink.snapshot())
	})

	t.Run("ConcurrentCreatesAuditedExactlyOneRecord", func(t *testing.T) {
		s, sink := newStore(t), &suiteSink{}
		const n = 30
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				ws := newWS(fmt.Sprintf("ws-%d", i), "u-a", wsT0)
				err := s.CreateWorkspaceAudited(ctx, ws, ownerOf(ws), wsEvent(ws, audit.ActionWorkspaceCreate), sink)
				if err == nil {
					wins.Add(1)
				} else if !errors.Is(err, tenancy.ErrOwnerLimit) {
					t.Errorf("unexpected error: %v", err)
				}
			})
		}
		wg.Wait()
		assert.Equal(t, int32(1), wins.Load())
		assert.Len(t, sink.snapshot(), 1)
	})

	t.Run("UpdateAuditedAppendsOnce", func(t *testing.T) {
		s, sink := newStore(t), &suiteSink{}
		ws := newWS("ws-a", "u-a", wsT0)
		require.NoError(t, s.CreateWorkspace(ctx, ws, ownerOf(ws)))
		cur, err := s.Workspace(ctx, ws.ID)
		require.NoError(t, err)
		next := cur
		next.Status = tenancy.StatusActive
		saved, err := s.UpdateWorkspaceAudited(ctx, next, wsEvent(ws, audit.ActionWorkspaceApprove), sink)
		require.NoError(t, err)
		assert.Equal(t, int64(2), saved.Version)
		assert.Len(t, sink.snapshot(), 1)
	})

	t.Run("UpdateAuditedStaleOrAbsentAppendsNothing", func(t *testing.T) {
		s, sink := newStore(t), &suiteSink{}
		ws := newWS("ws-a", "u-a", wsT0)
		require.NoError(t, s.CreateWorkspace(ctx, ws, ownerOf(ws)))
		stale := ws
		stale.Version = 7
		_, err := s.UpdateWorkspaceAudited(ctx, stale, wsEvent(ws, audit.ActionWorkspaceApprove), sink)
		assert.ErrorIs(t, err, tenancy.ErrConflict)
		absent := newWS("ws-missing", "u-z", wsT0)
		absent.Version = 1
		_, err = s.UpdateWorkspaceAudited(ctx, absent, wsEvent(absent, audit.ActionWorkspaceApprove), sink)
		assert.ErrorIs(t, err, tenancy.ErrNotFound)
		assert.Empty(t, sink.snapshot())
	})

	t.Run("UpdateAuditedFailedAppendChangesNothing", func(t *testing.T) {
		s, sink := newStore(t), &suiteSink{}
		ws := newWS("ws-a", "u-a", wsT0)
		require.NoError(t, s.CreateWorkspace(ctx, ws, ownerOf(ws)))
		cur, err := s.Workspace(ctx, ws.ID)
		require.NoError(t, err)
		sink.fail.Store(true)
		next := cur
		next.Status = tenancy.StatusActive
		_, err = s.UpdateWorkspaceAudited(ctx, next, wsEvent(ws, audit.ActionWorkspaceApprove), sink)
		require.ErrorIs(t, err, audit.ErrUnavailable)
		got, err := s.Workspace(ctx, ws.ID)
		require.NoError(t, err)
		assert.Equal(t, cur, got, "state and version unchanged")
	})

	t.Run("ConcurrentAuditedUpdatesExactlyOneWinsAndIsRecorded", func(t *testing.T) {
		s, sink := newStore(t), &suiteSink{}
		ws := newWS("ws-a", "u-a", wsT0)
		require.NoError(t, s.CreateWorkspace(ctx, ws, ownerOf(ws)))
		cur, err := s.Workspace(ctx, ws.ID)
		require.NoError(t, err)
		const n = 50
		var wins atomic.Int32
		var winner atomic.Value
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				next := cur
				action := audit.ActionWorkspaceApprove
				next.Status = tenancy.StatusActive
				if i%2 == 1 {
					action = audit.ActionWorkspaceReject
					next.Status = tenancy.StatusRejected
				}
				if _, err := s.UpdateWorkspaceAudited(ctx, next, wsEvent(ws, action), sink); err == nil {
					wins.Add(1)
					winner.Store(next.Status)
				} else if !errors.Is(err, tenancy.ErrConflict) {
					t.Errorf("unexpected error: %v", err)
				}
			})
		}
		wg.Wait()
		require.Equal(t, int32(1), wins.Load())
		evs := sink.snapshot()
		require.Len(t, evs, 1)
		got, err := s.Workspace(ctx, ws.ID)
		require.NoError(t, err)
		assert.Equal(t, winner.Load(), got.Status)
		want := audit.ActionWorkspaceApprove
		if got.Status == tenancy.StatusRejected {
			want = audit.ActionWorkspaceReject
		}
		assert.Equal(t, want, evs[0].Action, "the one record names the winner")
	})

	t.Run("ListFiltersAndPages", func(t *testing.T) {
		s := newStore(t)
		var ids []tenancy.WorkspaceID
		for i := range 23 {
			ws := newWS(fmt.Sprintf("ws-%02d", i), fmt.Sprintf("u-%02d", i), wsT0.Add(time.Duration(i%5)*time.Minute))
			if i%3 == 0 {
				ws.Status = tenancy.StatusActive
			}
			if i == 7 {
				ws.Name = "ACME Rockets"
			}
			require.NoError(t, s.CreateWorkspace(ctx, ws, ownerOf(ws)))
			ids = append(ids, ws.ID)
		}

		// Full pagination visits everything once, in (CreatedAt, ID) order.
		var seen []tenancy.Workspace
		q := tenancy.WorkspaceQuery{Limit: 4}
		for range 100 {
			page, err := s.ListWorkspaces(ctx, q)
			require.NoError(t, err)
			require.LessOrEqual(t, len(page), 4)
			if len(page) == 0 {
				break
			}
			seen = append(seen, page...)
			last := page[len(page)-1]
			q.AfterCreatedAt, q.AfterID = last.CreatedAt, last.ID
		}
		require.Len(t, seen, len(ids))
		for i := 1; i < len(seen); i++ {
			a, b := seen[i-1], seen[i]
			assert.True(t, a.CreatedAt.Before(b.CreatedAt) || (a.CreatedAt.Equal(b.CreatedAt) && a.ID < b.ID),
				"order at %d: %s then %s", i, a.ID, b.ID)
		}

		active, err := s.ListWorkspaces(ctx, tenancy.WorkspaceQuery{Status: tenancy.StatusActive, Limit: 100})
		require.NoError(t, err)
		assert.Len(t, active, 8)
		for _, w := range active {
			assert.Equal(t, tenancy.StatusActive, w.Status)
		}

		byName, err := s.ListWorkspaces(ctx, tenancy.WorkspaceQuery{Search: "acme rock", Limit: 100})
		require.NoError(t, err)
		require.Len(t, byName, 1)
		assert.Equal(t, tenancy.WorkspaceID("ws-07"), byName[0].ID)

		byOwner, err := s.ListWorkspaces(ctx, tenancy.WorkspaceQuery{Search: "u-11", Limit: 100})
		require.NoError(t, err)
		require.Len(t, byOwner, 1)
		assert.Equal(t, tenancy.WorkspaceID("ws-11"), byOwner[0].ID)

		none, err := s.ListWorkspaces(ctx, tenancy.WorkspaceQuery{Limit: 0})
		require.NoError(t, err)
		assert.Empty(t, none)
	})

	t.Run("CancelledContextFails", func(t *testing.T) {
		s := newStore(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		ws := newWS("ws-a", "u-a", wsT0)
		assert.Error(t, s.CreateWorkspace(cctx, ws, ownerOf(ws)))
		_, err := s.Workspace(ctx, ws.ID)
		assert.ErrorIs(t, err, tenancy.ErrNotFound)
	})
}

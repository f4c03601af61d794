package memstore

import (
	"context"
	"errors"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/tenancy"
)

// DeleteWorkspaceAudited deletes the workspace ws.ID, every membership of
// it and its owner's one-workspace slot, and appends ev to sink, if the
// stored Version equals ws.Version (see privacy.Workspaces). The append
// runs under the store lock after the precondition holds and before
// anything is deleted, so a failed append changes nothing. Because
// sink.Append runs while s holds its write lock, sink must never call back
// into s — not even to read — or the call deadlocks; a sink backed by
// other stores works. See tenancy.WorkspaceStore, "Sinks and the store
// lock".
func (s *Tenancy) DeleteWorkspaceAudited(ctx context.Context, ws tenancy.Workspace, ev audit.Event, sink audit.Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if sink == nil {
		return errors.New("memstore: nil audit sink")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.workspaces[ws.ID]
	if !ok {
		return tenancy.ErrNotFound
	}
	if cur.Version != ws.Version {
		return tenancy.ErrConflict
	}
	if _, err := sink.Append(ctx, ev); err != nil {
		return err
	}
	delete(s.workspaces, ws.ID)
	if s.ownedBy[cur.OwnerID] == ws.ID {
		delete(s.ownedBy, cur.OwnerID)
	}
	t := &s.members
	if w, ok := t.wsIDs.lookup(string(ws.ID)); ok {
		var recs []uint32
		for p := t.headWs[w]; p != 0; p = t.recs[p-1].nextWs {
			recs = append(recs, p-1)
		}
		for _, r := range recs {
			t.remove(r)
		}
		delete(t.owners, w)
	}
	return nil
}

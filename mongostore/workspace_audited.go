package mongostore

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/tenancy"
)

// Pending marks (workspaceDoc.Pending).
const (
	pendingCreate = "create"
	pendingUpdate = "update"
)

// pendingStaleAfter is the age after which a pending audited write is
// considered abandoned (its writer crashed) and rolled back by the next
// writer. Audited writes bound their own duration to half of it, so a live
// writer is never rolled back.
const pendingStaleAfter = time.Minute

func (s *Tenancy) stale(since time.Time) bool {
	return since.Before(s.clock.Now().Add(-pendingStaleAfter))
}

// workspaceFieldNames are the fields of workspaceFields, saved in prev by
// an audited update.
var workspaceFieldNames = []string{"name", "status", "plan", "ownerId", "createdAt", "approvedAt", "trialEndsAt", "version"}

// pendingUpdatePipeline is the update (an aggregation pipeline, MongoDB
// 4.2+) of an audited update's first step: it saves the current fields in
// prev ("$name" refers to the stored value: all fields of one $set stage
// are computed from the document as it was before the stage), writes ws's
// fields ($literal, so that a name such as "$x" stays text), increments
// the version and marks the document pending.
func pendingUpdatePipeline(ws tenancy.Workspace, now time.Time) bson.A {
	prev := bson.D{}
	for _, f := range workspaceFieldNames {
		prev = append(prev, bson.E{Key: f, Value: "$" + f})
	}
	set := bson.D{{Key: "prev", Value: prev}}
	for _, e := range workspaceFields(ws) {
		set = append(set, bson.E{Key: e.Key, Value: bson.D{{Key: "$literal", Value: e.Value}}})
	}
	set = append(set,
		bson.E{Key: "version", Value: bson.D{{Key: "$add", Value: bson.A{"$version", int64(1)}}}},
		bson.E{Key: "pending", Value: pendingUpdate},
		bson.E{Key: "pendingSince", Value: now.UTC()},
	)
	return bson.A{bson.D{{Key: "$set", Value: set}}}
}

// revertPipeline restores the fields saved in prev (version included) and
// drops the mark.
func revertPipeline() bson.A {
	set := bson.D{}
	for _, f := range workspaceFieldNames {
		set = append(set, bson.E{Key: f, Value: "$prev." + f})
	}
	return bson.A{
		bson.D{{Key: "$set", Value: set}},
		bson.D{{Key: "$unset", Value: bson.A{"prev", "pending", "pendingSince"}}},
	}
}

// commitUpdate drops the mark, keeping the new fields.
func commitUpdate() bson.D {
	return bson.D{{Key: "$unset", Value: bson.D{{Key: "prev", Value: ""}, {Key: "pending", Value: ""}, {Key: "pendingSince", Value: ""}}}}
}

func pendingFilter(id string, version int64, mark string) bson.D {
	return bson.D{{Key: "_id", Value: id}, {Key: "version", Value: version}, {Key: "pending", Value: mark}}
}

// rollBackStale resolves an abandoned pending write found in d: an update
// is reverted, a create deleted (with the owner's membership), a delete
// finished. Each is one
// command conditional on the same mark and version, so a concurrent
// roll-back or commit makes it a no-op.
func (s *Tenancy) rollBackStale(ctx context.Context, d *workspaceDoc) error {
	switch d.Pending {
	case pendingDelete:
		return s.finishDelete(ctx, d)
	case pendingUpdate:
		_, err := s.ws.UpdateOne(ctx, pendingFilter(d.ID, d.Version, pendingUpdate), revertPipeline(), false)
		return mapErr("roll back stale update", err, nil, nil)
	case pendingCreate:
		ws, owner := tenancy.WorkspaceID(d.ID), tenancy.UserID(d.OwnerID)
		defer s.invalidate(ws, owner)
		if _, err := s.owners.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, uncountOwnerUpdate(owner), false); err != nil {
			return mapErr("roll back stale create", err, nil, nil)
		}
		if _, err := s.mem.DeleteOne(ctx, memberFilter(ws, owner)); err != nil {
			return mapErr("roll back stale create", err, nil, nil)
		}
		_, err := s.ws.DeleteOne(ctx, pendingFilter(d.ID, d.Version, pendingCreate))
		return mapErr("roll back stale create", err, nil, nil)
	}
	return nil
}

// auditedCtx bounds an audited write to half of pendingStaleAfter.
func (s *Tenancy) auditedCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, pendingStaleAfter/2)
}

// cleanup runs compensation writes even when ctx is done.
func (s *Tenancy) cleanupCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
}

// CreateWorkspaceAudited implements tenancy.WorkspaceStore. The sink is
// any audit.Sink, so its write cannot join a database transaction in
// general; the same protocol therefore runs on every deployment:
//
//  1. insert the workspace marked pending "create" (readers see no
//     workspace; the unique _id and ownerId indexes decide ErrConflict and
//     ErrOwnerLimit atomically, as in CreateWorkspace);
//  2. insert the owner's membership;
//  3. append ev to sink; on failure delete both (conditional on the mark)
//     and return the sink's error;
//  4. drop the mark (one update conditional on the mark).
//
// A writer that crashes between 1 and 4 leaves a marked document that
// readers ignore; after pendingStaleAfter the next create by that owner
// (or update of that id) deletes it.
func (s *Tenancy) CreateWorkspaceAudited(ctx context.Context, ws tenancy.Workspace, owner tenancy.Membership, ev audit.Event, sink audit.Sink) error {
	if sink == nil {
		return fmt.Errorf("mongostore: create workspace: nil sink: %w", audit.ErrUnavailable)
	}
	ctx, cancel := s.auditedCtx(ctx)
	defer cancel()
	owner.Workspace = ws.ID
	s.invalidate(owner.Workspace, owner.User)
	defer s.invalidate(owner.Workspace, owner.User)
	doc := newWorkspaceDoc(ws)
	doc = append(doc, bson.E{Key: "pending", Value: pendingCreate}, bson.E{Key: "pendingSince", Value: s.clock.Now().UTC()})
	if err := s.insertClaimingStale(ctx, ws, doc); err != nil {
		return err
	}
	undo := func() { s.undoCreate(ctx, ws.ID, owner, pendingFilter(string(ws.ID), 1, pendingCreate)) }
	if err := s.mem.InsertOne(ctx, newMemberDoc(owner)); err != nil {
		undo()
		return mapErr("create workspace: owner membership", err, nil, tenancy.ErrConflict)
	}
	if owner.Role == tenancy.RoleOwner {
		if err := s.countOwner(ctx, ws.ID, owner.User); err != nil {
			undo()
			return err
		}
	}
	if _, err := sink.Append(ctx, ev); err != nil {
		undo()
		return fmt.Errorf("mongostore: create workspace: audit: %w", err)
	}
	r, err := s.ws.UpdateOne(ctx, pendingFilter(string(ws.ID), 1, pendingCreate), commitUpdate(), false)
	if err != nil {
		return mapErr("create workspace: commit", err, nil, nil)
	}
	if r.Matched != 1 {
		return fmt.Errorf("mongostore: create workspace: rolled back while pending: %w", tenancy.ErrConflict)
	}
	return nil
}

// insertClaimingStale inserts doc; when the owner's slot is held by an
// abandoned pending create, that one is rolled back and the insert tried
// once more.
func (s *Tenancy) insertClaimingStale(ctx context.Context, ws tenancy.Workspace, doc bson.D) error {
	for attempt := 0; ; attempt++ {
		err := s.ws.InsertOne(ctx, doc)
		if err == nil {
			return nil
		}
		switch duplicateIndex(err) {
		case idxOwner:
			if attempt == 0 {
				var cur workspaceDoc
				ferr := s.ws.FindOne(ctx, bson.D{{Key: "ownerId", Value: string(ws.OwnerID)}}, &cur)
				if ferr == nil && cur.Pending == pendingCreate && s.stale(cur.PendingSince) {
					if err := s.rollBackStale(ctx, &cur); err != nil {
						return err
					}
					continue
				}
			}
			return fmt.Errorf("mongostore: create workspace: %w", tenancy.ErrOwnerLimit)
		default:
			return mapErr("create workspace", err, nil, tenancy.ErrConflict)
		}
	}
}

// UpdateWorkspaceAudited implements tenancy.WorkspaceStore with the same
// protocol as CreateWorkspaceAudited:
//
//  1. compare-and-set as UpdateWorkspace (one findOneAndUpdate on {_id,
//     version, no pending write}), with pendingUpdatePipeline: the new
//     fields are written, the old ones kept in prev, the document marked
//     pending "update" — readers keep seeing the old state, and every
//     other writer misses the filter (ErrConflict), so of concurrent calls
//     with one Version exactly one gets here;
//  2. append ev to sink; on failure revert (one update conditional on the
//     mark and the new version, restoring prev) and return the sink's
//     error;
//  3. drop the mark (one update conditional on the mark and version).
func (s *Tenancy) UpdateWorkspaceAudited(ctx context.Context, ws tenancy.Workspace, ev audit.Event, sink audit.Sink) (tenancy.Workspace, error) {
	if sink == nil {
		return tenancy.Workspace{}, fmt.Errorf("mongostore: update workspace: nil sink: %w", audit.ErrUnavailable)
	}
	ctx, cancel := s.auditedCtx(ctx)
	defer cancel()
	d, err := s.casUpdate(ctx, ws, pendingUpdatePipeline(ws, s.clock.Now()))
	if err != nil {
		return tenancy.Workspace{}, err
	}
	if _, err := sink.Append(ctx, ev); err != nil {
		cctx, ccancel := s.cleanupCtx(ctx)
		defer ccancel()
		_, rerr := s.ws.UpdateOne(cctx, pendingFilter(d.ID, d.Version, pendingUpdate), revertPipeline(), false)
		return tenancy.Workspace{}, errors.Join(fmt.Errorf("mongostore: update workspace: audit: %w", err), mapErr("update workspace: revert", rerr, nil, nil))
	}
	r, err := s.ws.UpdateOne(ctx, pendingFilter(d.ID, d.Version, pendingUpdate), commitUpdate(), false)
	if err != nil {
		return tenancy.Workspace{}, mapErr("update workspace: commit", err, nil, nil)
	}
	if r.Matched != 1 {
		return tenancy.Workspace{}, fmt.Errorf("mongostore: update workspace: rolled back while pending: %w", tenancy.ErrConflict)
	}
	return d.workspace(), nil
}

// listFilter is the find filter of q: status, search (id or owner equal,
// or name containing the text, case-insensitive, the text quoted so that
// it is never a pattern) and the page position (createdAt, _id) > after.
func listFilter(q tenancy.WorkspaceQuery) bson.D {
	f := bson.D{}
	if q.Status != "" {
		f = append(f, bson.E{Key: "status", Value: string(q.Status)})
	}
	var and bson.A
	if q.Search != "" {
		and = append(and, bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "_id", Value: q.Search}},
			bson.D{{Key: "ownerId", Value: q.Search}},
			bson.D{{Key: "name", Value: bson.D{{Key: "$regex", Value: regexp.QuoteMeta(q.Search)}, {Key: "$options", Value: "i"}}}},
		}}})
	}
	if q.AfterID != "" {
		// Stored createdAt values are whole milliseconds (BSON dates). A
		// cursor time with nanoseconds (not one this store returned) can
		// equal none of them: then the page starts at the first createdAt
		// after it, ceil(at) included, and the tie-break on _id does not
		// apply.
		at := q.AfterCreatedAt.UTC()
		if c := ceilMS(at); !c.Equal(at) {
			and = append(and, bson.D{{Key: "createdAt", Value: bson.D{{Key: "$gte", Value: c}}}})
		} else {
			and = append(and, bson.D{{Key: "$or", Value: bson.A{
				bson.D{{Key: "createdAt", Value: bson.D{{Key: "$gt", Value: at}}}},
				bson.D{{Key: "createdAt", Value: at}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: string(q.AfterID)}}}},
			}}})
		}
	}
	if len(and) > 0 {
		f = append(f, bson.E{Key: "$and", Value: and})
	}
	return f
}

// ListWorkspaces implements tenancy.WorkspaceStore: one find on the
// {status, createdAt, _id} (or {createdAt, _id}) index, sorted by
// createdAt then _id. A workspace with an audited write pending is listed
// as readers see it (an update's previous state; a create not at all).
func (s *Tenancy) ListWorkspaces(ctx context.Context, q tenancy.WorkspaceQuery) ([]tenancy.Workspace, error) {
	if q.Limit <= 0 {
		return []tenancy.Workspace{}, nil
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var docs []workspaceDoc
	sort := bson.D{{Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}}
	if err := s.ws.Find(ctx, listFilter(q), sort, int64(q.Limit), &docs); err != nil {
		return nil, mapErr("list workspaces", err, nil, nil)
	}
	out := make([]tenancy.Workspace, 0, len(docs))
	for i := range docs {
		if w, ok := docs[i].effective(); ok && q.MatchesWorkspace(w) {
			out = append(out, w)
		}
	}
	return out, nil
}

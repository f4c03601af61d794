package mongostore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tenantgate/tenantgate/tenancy"
)

// idxOwner is the unique index that enforces one workspace per owner.
const idxOwner = "ownerId_1"

// ownersDoc is the guard of the last-owner rule, one per workspace in
// CollOwners (_id = workspace id): the users counted as owners. Invariant
// (kept by the order of every write, see Tenancy): every user in Owners has
// an owner membership, so the number of owners is at least len(Owners),
// and the guard never removes the last user it holds. It lives apart from
// the workspace document so that memberships need no workspace document.
type ownersDoc struct {
	ID     string   `bson:"_id"`
	Owners []string `bson:"owners"`
}

// workspaceDoc is a workspace as stored in CollWorkspaces.
type workspaceDoc struct {
	ID          string    `bson:"_id"`
	Name        string    `bson:"name"`
	Status      string    `bson:"status"`
	Plan        string    `bson:"plan"`
	OwnerID     string    `bson:"ownerId"`
	CreatedAt   time.Time `bson:"createdAt"`
	ApprovedAt  time.Time `bson:"approvedAt"`
	TrialEndsAt time.Time `bson:"trialEndsAt"`
	Version     int64     `bson:"version"`
	// Pending marks a write whose audit record is being appended on the
	// path without transactions (see CreateWorkspaceAudited): "create"
	// (readers see no workspace) or "update" (readers see Prev).
	Pending      string        `bson:"pending,omitempty"`
	PendingSince time.Time     `bson:"pendingSince,omitempty"`
	Prev         *workspaceDoc `bson:"prev,omitempty"`
}

// effective is the workspace readers see: the previous state while an
// audited update is pending, nothing while an audited create is.
func (d *workspaceDoc) effective() (tenancy.Workspace, bool) {
	switch d.Pending {
	case pendingCreate:
		return tenancy.Workspace{}, false
	case pendingUpdate:
		if d.Prev != nil {
			p := *d.Prev
			p.ID = d.ID
			return p.workspace(), true
		}
	}
	return d.workspace(), true
}

func (d *workspaceDoc) workspace() tenancy.Workspace {
	return tenancy.Workspace{
		ID: tenancy.WorkspaceID(d.ID), Name: d.Name, Status: tenancy.Status(d.Status),
		Plan: d.Plan, OwnerID: tenancy.UserID(d.OwnerID),
		CreatedAt: utc(d.CreatedAt), ApprovedAt: utc(d.ApprovedAt), TrialEndsAt: utc(d.TrialEndsAt),
		Version: d.Version,
	}
}

// utc returns t in UTC; the zero time stays zero.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// memberDoc is a membership as stored in CollMemberships. _id is
// "<workspace>/<user>" ('/' occurs in neither id), so the gate's read is a
// point lookup on _id; the unique {workspace, user} index serves listing
// and sharding on workspace.
type memberDoc struct {
	ID        string    `bson:"_id"`
	Workspace string    `bson:"workspace"`
	User      string    `bson:"user"`
	Role      string    `bson:"role"`
	CreatedAt time.Time `bson:"createdAt"`
}

func (d *memberDoc) membership() tenancy.Membership {
	return tenancy.Membership{
		Workspace: tenancy.WorkspaceID(d.Workspace), User: tenancy.UserID(d.User),
		Role: d.Role, CreatedAt: utc(d.CreatedAt),
	}
}

func memberID(ws tenancy.WorkspaceID, user tenancy.UserID) string {
	return string(ws) + "/" + string(user)
}

// cacheKey is the membership cache's key of (ws, user): the workspace's
// length first, so that no two pairs share a key whatever their bytes.
func cacheKey(ws tenancy.WorkspaceID, user tenancy.UserID) string {
	return strconv.Itoa(len(ws)) + ":" + string(ws) + "/" + string(user)
}

// memberFilter matches the membership of user in ws: the _id (the point
// lookup) and, because the store does not check ids and "<ws>/<user>" is
// ambiguous once either holds a '/', the workspace and user fields too, so
// that no spelling of one tenant's pair reaches another tenant's document.
func memberFilter(ws tenancy.WorkspaceID, user tenancy.UserID) bson.D {
	return bson.D{
		{Key: "_id", Value: memberID(ws, user)},
		{Key: "workspace", Value: string(ws)},
		{Key: "user", Value: string(user)},
	}
}

// Tenancy stores workspaces (CollWorkspaces) and memberships
// (CollMemberships). Every single-document rule is one atomic command:
// version compare-and-set is a findOneAndUpdate whose filter holds the
// version, one workspace per owner is the unique ownerId index, one
// membership per (workspace, user) is the _id.
//
// The last-owner rule spans two documents (the workspace's owners guard in
// CollOwners, and the membership). Its atomic step is one conditional
// update of the guard document — $pull the user from owners only if owners
// holds the user and at least one other — so of two concurrent demotions of the last
// two owners exactly one passes the guard. The membership write follows.
// On a replica set or sharded cluster both writes run in one transaction.
// On a standalone server (no transactions) they run in an order that keeps
// the invariant "every counted owner is an owner": counted owners are
// removed from the guard before their membership changes and added after
// it. A crash between the two writes therefore leaves an owner who is not
// counted — the guard may then refuse a change it would have allowed
// (ErrConflict / ErrLastOwner), never allow one that leaves no owner.
// CreateWorkspace likewise inserts the workspace before the owner's
// membership; on a standalone server a failed second insert is compensated
// by deleting the workspace.
//
// Membership is one round trip (a find on _id), Workspace one.
type Tenancy struct {
	base
	ws, mem, owners collection
	tx              txRunner
	txOn            bool // tx runs real transactions
	cache           *memberCache
	clock           Clock
}

var (
	_ tenancy.WorkspaceStore  = (*Tenancy)(nil)
	_ tenancy.MembershipStore = (*Tenancy)(nil)
)

func newTenancy(b base, ws, mem, owners collection, tx txRunner, txOn bool, clock Clock) *Tenancy {
	return &Tenancy{base: b, ws: ws, mem: mem, owners: owners, tx: tx, txOn: txOn, clock: clock}
}

// Workspace implements tenancy.WorkspaceReader: one find on _id.
func (s *Tenancy) Workspace(ctx context.Context, id tenancy.WorkspaceID) (tenancy.Workspace, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var d workspaceDoc
	if err := s.ws.FindOne(ctx, bson.D{{Key: "_id", Value: string(id)}}, &d); err != nil {
		return tenancy.Workspace{}, mapErr("workspace", err, tenancy.ErrNotFound, nil)
	}
	w, ok := d.effective()
	if !ok {
		return tenancy.Workspace{}, fmt.Errorf("mongostore: workspace: %w", tenancy.ErrNotFound)
	}
	return w, nil
}

// workspaceFields are the $set fields of w (everything but _id, version and
// owners). Times are stored as BSON dates (millisecond precision, UTC).
func workspaceFields(w tenancy.Workspace) bson.D {
	return bson.D{
		{Key: "name", Value: w.Name},
		{Key: "status", Value: string(w.Status)},
		{Key: "plan", Value: w.Plan},
		{Key: "ownerId", Value: string(w.OwnerID)},
		{Key: "createdAt", Value: w.CreatedAt.UTC()},
		{Key: "approvedAt", Value: w.ApprovedAt.UTC()},
		{Key: "trialEndsAt", Value: w.TrialEndsAt.UTC()},
	}
}

// newWorkspaceDoc is the document CreateWorkspace inserts.
func newWorkspaceDoc(w tenancy.Workspace) bson.D {
	d := bson.D{{Key: "_id", Value: string(w.ID)}}
	d = append(d, workspaceFields(w)...)
	return append(d, bson.E{Key: "version", Value: int64(1)})
}

func newMemberDoc(m tenancy.Membership) bson.D {
	return bson.D{
		{Key: "_id", Value: memberID(m.Workspace, m.User)},
		{Key: "workspace", Value: string(m.Workspace)},
		{Key: "user", Value: string(m.User)},
		{Key: "role", Value: m.Role},
		{Key: "createdAt", Value: m.CreatedAt.UTC()},
	}
}

// CreateWorkspace implements tenancy.WorkspaceStore. The workspace insert
// is the atomic step: the unique _id rejects an existing id (ErrConflict)
// and the unique ownerId index a second workspace of one owner
// (ErrOwnerLimit) — of two concurrent inserts the server commits exactly one.
// The owner's membership is inserted next, in the same transaction where
// the deployment has them; on a standalone server a failure of that insert
// deletes the workspace again (best effort, see Tenancy).
func (s *Tenancy) CreateWorkspace(ctx context.Context, ws tenancy.Workspace, owner tenancy.Membership) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	owner.Workspace = ws.ID
	s.invalidate(owner.Workspace, owner.User)
	defer s.invalidate(owner.Workspace, owner.User)
	wsDoc, memDoc := newWorkspaceDoc(ws), newMemberDoc(owner)
	inserted := false
	err := s.tx(ctx, func(ctx context.Context) error {
		if err := s.insertClaimingStale(ctx, ws, wsDoc); err != nil {
			return err
		}
		inserted = true
		if err := s.mem.InsertOne(ctx, memDoc); err != nil {
			return mapErr("create workspace: owner membership", err, nil, tenancy.ErrConflict)
		}
		if owner.Role == tenancy.RoleOwner {
			return s.countOwner(ctx, ws.ID, owner.User)
		}
		return nil
	})
	if err != nil && inserted && !s.txOn {
		// Compensate: remove what this call inserted (version 1 = nobody
		// changed it since), and a membership whose insert may have
		// happened although its reply was lost.
		s.undoCreate(ctx, ws.ID, owner, bson.D{{Key: "_id", Value: string(ws.ID)}, {Key: "version", Value: int64(1)}})
	}
	return err
}

// UpdateWorkspace implements tenancy.WorkspaceStore: one findOneAndUpdate
// whose filter is {_id, version}. findAndModify on one document is atomic
// (the server re-evaluates the filter when a concurrent write to the
// document intervenes), so of two updates from one version exactly one
// matches. Only on a miss a second read tells ErrNotFound from ErrConflict.
// A new ownerId that another workspace holds violates the unique index:
// ErrOwnerLimit.
func (s *Tenancy) UpdateWorkspace(ctx context.Context, ws tenancy.Workspace) (tenancy.Workspace, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	d, err := s.casUpdate(ctx, ws, updateWorkspaceUpdate(ws))
	if err != nil {
		return tenancy.Workspace{}, err
	}
	return d.workspace(), nil
}

// casUpdate applies update to ws's document if it is at ws.Version with no
// audited write pending (one findOneAndUpdate, returning the document
// after the update). On a miss it reads the document to tell ErrNotFound
// from ErrConflict; a pending write older than pendingStaleAfter (its
// writer crashed) is rolled back first and the update tried once more.
func (s *Tenancy) casUpdate(ctx context.Context, ws tenancy.Workspace, update any) (workspaceDoc, error) {
	for attempt := 0; ; attempt++ {
		var d workspaceDoc
		err := s.ws.FindOneAndUpdate(ctx, updateWorkspaceFilter(ws), update, false, &d)
		switch {
		case err == nil:
			return d, nil
		case duplicateIndex(err) == idxOwner:
			return workspaceDoc{}, fmt.Errorf("mongostore: update workspace: %w", tenancy.ErrOwnerLimit)
		case classify(err) != failNoDocument:
			return workspaceDoc{}, mapErr("update workspace", err, nil, tenancy.ErrConflict)
		}
		var cur workspaceDoc
		if err := s.ws.FindOne(ctx, bson.D{{Key: "_id", Value: string(ws.ID)}}, &cur); err != nil {
			return workspaceDoc{}, mapErr("update workspace", err, tenancy.ErrNotFound, nil)
		}
		if attempt == 0 && cur.Pending != "" && s.stale(cur.PendingSince) {
			if err := s.rollBackStale(ctx, &cur); err != nil {
				return workspaceDoc{}, err
			}
			continue
		}
		if cur.Pending == pendingCreate {
			return workspaceDoc{}, fmt.Errorf("mongostore: update workspace: %w", tenancy.ErrNotFound)
		}
		return workspaceDoc{}, fmt.Errorf("mongostore: update workspace: %w", tenancy.ErrConflict)
	}
}

// updateWorkspaceFilter matches ws's document at ws.Version with no audited
// write pending.
func updateWorkspaceFilter(ws tenancy.Workspace) bson.D {
	return bson.D{
		{Key: "_id", Value: string(ws.ID)},
		{Key: "version", Value: ws.Version},
		{Key: "pending", Value: bson.D{{Key: "$exists", Value: false}}},
	}
}

func updateWorkspaceUpdate(ws tenancy.Workspace) bson.D {
	return bson.D{
		{Key: "$set", Value: workspaceFields(ws)},
		{Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}},
	}
}

// Membership implements tenancy.MembershipReader: one find on _id (or a
// cache hit, see WithMembershipCache).
func (s *Tenancy) Membership(ctx context.Context, ws tenancy.WorkspaceID, user tenancy.UserID) (tenancy.Membership, error) {
	var gen uint64
	if s.cache != nil {
		if m, ok := s.cache.get(cacheKey(ws, user)); ok {
			return m, nil
		}
		gen = s.cache.generation()
	}
	m, err := s.membership(ctx, ws, user)
	if err == nil && s.cache != nil {
		s.cache.put(cacheKey(ws, user), m, gen)
	}
	return m, err
}

func (s *Tenancy) membership(ctx context.Context, ws tenancy.WorkspaceID, user tenancy.UserID) (tenancy.Membership, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var d memberDoc
	if err := s.mem.FindOne(ctx, memberFilter(ws, user), &d); err != nil {
		return tenancy.Membership{}, mapErr("membership", err, tenancy.ErrNotFound, nil)
	}
	return d.membership(), nil
}

// invalidate drops the cache entry of (ws, user) and makes every read in
// flight unable to fill it. A write calls it before it starts and again
// (deferred) after it ended: a read that began between the first call and
// the write's effect may have read the old membership, and the second call
// keeps that read out of the cache.
func (s *Tenancy) invalidate(ws tenancy.WorkspaceID, user tenancy.UserID) {
	if s.cache != nil {
		s.cache.invalidate(cacheKey(ws, user))
	}
}

// AddMember implements tenancy.MembershipStore: an insert that the _id
// rejects for an existing member (ErrConflict). A new owner is then added
// to the workspace's owners guard (after the membership: see Tenancy).
func (s *Tenancy) AddMember(ctx context.Context, m tenancy.Membership) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	s.invalidate(m.Workspace, m.User)
	defer s.invalidate(m.Workspace, m.User)
	return s.tx(ctx, func(ctx context.Context) error {
		if err := s.mem.InsertOne(ctx, newMemberDoc(m)); err != nil {
			return mapErr("add member", err, nil, tenancy.ErrConflict)
		}
		if m.Role == tenancy.RoleOwner {
			return s.countOwner(ctx, m.Workspace, m.User)
		}
		return nil
	})
}

// countOwner adds user to ws's owners guard: one upsert with $addToSet
// (idempotent). Two upserts racing to create the guard may see a
// duplicate-key error on _id (the loser's insert); the server retries such
// upserts itself since MongoDB 4.2, and countOwner once more.
func (s *Tenancy) countOwner(ctx context.Context, ws tenancy.WorkspaceID, user tenancy.UserID) error {
	filter := bson.D{{Key: "_id", Value: string(ws)}}
	update := bson.D{{Key: "$addToSet", Value: bson.D{{Key: "owners", Value: string(user)}}}}
	_, err := s.owners.UpdateOne(ctx, filter, update, true)
	if classify(err) == failDuplicate {
		_, err = s.owners.UpdateOne(ctx, filter, update, true)
	}
	return mapErr("count owner", err, nil, tenancy.ErrConflict)
}

// undoCreate removes what a failed create inserted: the owner is
// uncounted first (a workspace that never existed has no last owner to
// protect), then the membership, then the workspace document matching
// wsFilter.
func (s *Tenancy) undoCreate(ctx context.Context, ws tenancy.WorkspaceID, owner tenancy.Membership, wsFilter bson.D) {
	cctx, ccancel := s.cleanupCtx(ctx)
	defer ccancel()
	defer s.invalidate(ws, owner.User)
	_, _ = s.owners.UpdateOne(cctx, bson.D{{Key: "_id", Value: string(ws)}}, uncountOwnerUpdate(owner.User), false)
	_, _ = s.mem.DeleteOne(cctx, append(memberFilter(ws, owner.User), bson.E{Key: "createdAt", Value: owner.CreatedAt.UTC()}))
	_, _ = s.ws.DeleteOne(cctx, wsFilter)
}

// uncountOwnerFilter matches ws only while its owners guard holds user and
// at least one other user ("owners.1" exists: the array has a second
// element). Owners never holds duplicates ($addToSet), so this is "another
// owner remains".
func uncountOwnerFilter(ws tenancy.WorkspaceID, user tenancy.UserID) bson.D {
	return bson.D{
		{Key: "_id", Value: string(ws)},
		{Key: "owners", Value: string(user)},
		{Key: "owners.1", Value: bson.D{{Key: "$exists", Value: true}}},
	}
}

func uncountOwnerUpdate(user tenancy.UserID) bson.D {
	return bson.D{{Key: "$pull", Value: bson.D{{Key: "owners", Value: string(user)}}}}
}

// uncountOwner is the atomic step of the last-owner rule: one update
// whose filter is uncountOwnerFilter. A single-document update is atomic,
// so two concurrent calls for the last two owners cannot both match: after
// the first $pull the array has one element and "owners.1" no longer
// exists. On a miss it tells why: ErrNotFound (no membership), ErrConflict
// (the user is not an owner, or is an owner the guard does not count: a
// concurrent change in flight) or ErrLastOwner.
func (s *Tenancy) uncountOwner(ctx context.Context, ws tenancy.WorkspaceID, user tenancy.UserID) error {
	r, err := s.owners.UpdateOne(ctx, uncountOwnerFilter(ws, user), uncountOwnerUpdate(user), false)
	if err != nil {
		return mapErr("uncount owner", err, nil, tenancy.ErrConflict)
	}
	if r.Matched == 1 {
		return nil
	}
	m, err := s.membership(ctx, ws, user)
	if err != nil {
		return err
	}
	if m.Role != tenancy.RoleOwner {
		return fmt.Errorf("mongostore: change role: %w", tenancy.ErrConflict)
	}
	var d ownersDoc
	if err := s.owners.FindOne(ctx, bson.D{{Key: "_id", Value: string(ws)}}, &d); err != nil && classify(err) != failNoDocument {
		return mapErr("uncount owner", err, nil, nil)
	}
	for _, o := range d.Owners {
		if o == string(user) {
			return fmt.Errorf("mongostore: %w", tenancy.ErrLastOwner)
		}
	}
	return fmt.Errorf("mongostore: owner not counted: %w", tenancy.ErrConflict)
}

// setRole is the membership compare-and-set: one update whose filter holds
// the expected role.
func (s *Tenancy) setRole(ctx context.Context, ws tenancy.WorkspaceID, user tenancy.UserID, from, role string) error {
	r, err := s.mem.UpdateOne(ctx, setRoleFilter(ws, user, from),
		bson.D{{Key: "$set", Value: bson.D{{Key: "role", Value: role}}}}, false)
	if err != nil {
		return mapErr("change role", err, nil, tenancy.ErrConflict)
	}
	if r.Matched == 1 {
		return nil
	}
	if _, err := s.membership(ctx, ws, user); err != nil {
		return err
	}
	return fmt.Errorf("mongostore: change role: %w", tenancy.ErrConflict)
}

func setRoleFilter(ws tenancy.WorkspaceID, user tenancy.UserID, from string) bson.D {
	return append(memberFilter(ws, user), bson.E{Key: "role", Value: from})
}

// ChangeRole implements tenancy.MembershipStore.
//
//   - between non-owner roles: one compare-and-set update on the membership;
//   - demoting an owner: uncountOwner (the atomic last-owner guard), then
//     the compare-and-set;
//   - promoting to owner: the compare-and-set, then countOwner.
//
// Both writes share a transaction where the deployment has them.
func (s *Tenancy) ChangeRole(ctx context.Context, ws tenancy.WorkspaceID, user tenancy.UserID, from, role string) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	s.invalidate(ws, user)
	defer s.invalidate(ws, user)
	if from == role {
		m, err := s.membership(ctx, ws, user)
		if err != nil {
			return err
		}
		if m.Role != from {
			return fmt.Errorf("mongostore: change role: %w", tenancy.ErrConflict)
		}
		return nil
	}
	switch {
	case from == tenancy.RoleOwner:
		return s.tx(ctx, func(ctx context.Context) error {
			if err := s.uncountOwner(ctx, ws, user); err != nil {
				return err
			}
			return s.setRole(ctx, ws, user, from, role)
		})
	case role == tenancy.RoleOwner:
		return s.tx(ctx, func(ctx context.Context) error {
			if err := s.setRole(ctx, ws, user, from, role); err != nil {
				return err
			}
			return s.countOwner(ctx, ws, user)
		})
	default:
		return s.setRole(ctx, ws, user, from, role)
	}
}

// RemoveMember implements tenancy.MembershipStore. A non-owner is removed
// by one delete whose filter excludes the owner role. An owner is first
// uncounted (the atomic last-owner guard), then deleted with a filter on
// the owner role; both in one transaction where the deployment has them.
// A role that changes between the two attempts is retried (at most three
// times, then ErrConflict).
func (s *Tenancy) RemoveMember(ctx context.Context, ws tenancy.WorkspaceID, user tenancy.UserID) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	s.invalidate(ws, user)
	defer s.invalidate(ws, user)
	for range 3 {
		n, err := s.mem.DeleteOne(ctx, append(memberFilter(ws, user), bson.E{Key: "role", Value: bson.D{{Key: "$ne", Value: tenancy.RoleOwner}}}))
		if err != nil {
			return mapErr("remove member", err, nil, nil)
		}
		if n == 1 {
			return nil
		}
		m, err := s.membership(ctx, ws, user)
		if err != nil {
			return err
		}
		if m.Role != tenancy.RoleOwner {
			continue // changed since the delete: try again
		}
		err = s.tx(ctx, func(ctx context.Context) error {
			if err := s.uncountOwner(ctx, ws, user); err != nil {
				return err
			}
			n, err := s.mem.DeleteOne(ctx, append(memberFilter(ws, user), bson.E{Key: "role", Value: tenancy.RoleOwner}))
			if err != nil {
				return mapErr("remove member", err, nil, nil)
			}
			if n != 1 {
				return fmt.Errorf("mongostore: remove member: %w", tenancy.ErrConflict)
			}
			return nil
		})
		if errors.Is(err, tenancy.ErrConflict) {
			continue
		}
		return err
	}
	return fmt.Errorf("mongostore: remove member: %w", tenancy.ErrConflict)
}

// Members implements tenancy.MembershipStore: one find on the unique
// {workspace, user} index, {workspace, user > after}, sorted by user.
func (s *Tenancy) Members(ctx context.Context, ws tenancy.WorkspaceID, after tenancy.UserID, limit int) ([]tenancy.Membership, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var docs []memberDoc
	filter := bson.D{{Key: "workspace", Value: string(ws)}, {Key: "user", Value: bson.D{{Key: "$gt", Value: string(after)}}}}
	if err := s.mem.Find(ctx, filter, bson.D{{Key: "user", Value: 1}}, int64(max(limit, 0)), &docs); err != nil {
		return nil, mapErr("members", err, nil, nil)
	}
	return memberships(docs), nil
}

// UserMemberships implements tenancy.MembershipStore: one find on the
// {user, workspace} index.
func (s *Tenancy) UserMemberships(ctx context.Context, user tenancy.UserID) ([]tenancy.Membership, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var docs []memberDoc
	if err := s.mem.Find(ctx, bson.D{{Key: "user", Value: string(user)}}, bson.D{{Key: "workspace", Value: 1}}, 0, &docs); err != nil {
		return nil, mapErr("user memberships", err, nil, nil)
	}
	return memberships(docs), nil
}

func memberships(docs []memberDoc) []tenancy.Membership {
	out := make([]tenancy.Membership, len(docs))
	for i := range docs {
		out[i] = docs[i].membership()
	}
	return out
}

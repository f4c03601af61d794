package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/privacy"
	"github.com/tenantgate/tenantgate/team"
	"github.com/tenantgate/tenantgate/tenancy"
	"github.com/tenantgate/tenantgate/verify"
)

// pendingDelete marks a workspace whose audited deletion is under way;
// readers still see it (nothing has changed yet).
const pendingDelete = "delete"

var (
	_ privacy.Memberships = (*Tenancy)(nil)
	_ privacy.Workspaces  = (*Tenancy)(nil)
	_ privacy.Invites     = (*Invites)(nil)
	_ privacy.Roles       = (*Roles)(nil)
	_ privacy.MFA         = (*MFA)(nil)
	_ privacy.Tokens      = (*Tokens)(nil)
	_ privacy.Limiter     = (*RateLimits)(nil)
	_ privacy.AuditReader = (*Audit)(nil)
	_ audit.SubjectKeys   = (*SubjectKeys)(nil)
)

// The stores Open returns fill every store field of privacy.Config (the
// Sink and Opener are normally an audit.Trail over Stores.Audit and
// Stores.SubjectKeys; the raw Audit satisfies Sink too). This function is
// never called: it fails to compile if a Stores field stops satisfying
// the interface privacy.Config takes for it.
var _ = func(s *Stores) privacy.Config {
	return privacy.Config{
		Members: s.Members, Workspaces: s.Workspaces, Invites: s.Invites, Roles: s.Roles,
		MFA: s.MFA, Tokens: s.Tokens, Limiter: s.RateLimits,
		Audit: s.Audit, Sink: s.Audit, Keys: s.SubjectKeys,
	}
}

// DeleteWorkspaceAudited implements privacy.Workspaces with the protocol
// of UpdateWorkspaceAudited:
//
//  1. mark the workspace pending "delete" with the compare-and-set filter
//     {_id, version, no pending write} (one findOneAndUpdate): of
//     concurrent deletions exactly one matches, and every other writer
//     misses from then on;
//  2. append ev to sink; on failure drop the mark (one update conditional
//     on it) and return the sink's error — nothing else changed;
//  3. delete the memberships (deleteMany {workspace}), the owners guard
//     and the workspace document (conditional on the mark), which frees
//     the owner's one-workspace slot.
//
// A writer that dies after the mark is set is finished by the next writer
// once the mark is older than pendingStaleAfter: a stale "delete" is
// rolled forward (the deletion was requested and had passed its
// compare-and-set), unlike a stale create or update, which is rolled back.
func (s *Tenancy) DeleteWorkspaceAudited(ctx context.Context, ws tenancy.Workspace, ev audit.Event, sink audit.Sink) error {
	if sink == nil {
		return fmt.Errorf("mongostore: delete workspace: nil sink: %w", audit.ErrUnavailable)
	}
	ctx, cancel := s.auditedCtx(ctx)
	defer cancel()
	mark := bson.D{{Key: "$set", Value: bson.D{{Key: "pending", Value: pendingDelete}, {Key: "pendingSince", Value: s.clock.Now().UTC()}}}}
	d, err := s.casUpdate(ctx, ws, mark)
	if err != nil {
		return err
	}
	if _, err := sink.Append(ctx, ev); err != nil {
		cctx, ccancel := s.cleanupCtx(ctx)
		defer ccancel()
		_, _ = s.ws.UpdateOne(cctx, pendingFilter(d.ID, d.Version, pendingDelete),
			bson.D{{Key: "$unset", Value: bson.D{{Key: "pending", Value: ""}, {Key: "pendingSince", Value: ""}}}}, false)
		return fmt.Errorf("mongostore: delete workspace: audit: %w", err)
	}
	return s.finishDelete(ctx, &d)
}

// finishDelete removes a workspace marked pending "delete": its
// memberships (and their cache entries), its owners guard, then the
// document itself.
func (s *Tenancy) finishDelete(ctx context.Context, d *workspaceDoc) error {
	if s.cache != nil {
		// Before and after: a read in flight during the deletes must not
		// leave a membership of the deleted workspace in the cache.
		s.cache.invalidateAll()
		defer s.cache.invalidateAll()
	}
	if _, err := s.mem.DeleteMany(ctx, bson.D{{Key: "workspace", Value: d.ID}}); err != nil {
		return mapErr("delete workspace: memberships", err, nil, nil)
	}
	if _, err := s.owners.DeleteOne(ctx, bson.D{{Key: "_id", Value: d.ID}}); err != nil {
		return mapErr("delete workspace: owners", err, nil, nil)
	}
	if _, err := s.ws.DeleteOne(ctx, pendingFilter(d.ID, d.Version, pendingDelete)); err != nil {
		return mapErr("delete workspace", err, nil, nil)
	}
	return nil
}

// userInvitesFilter matches the invites user sent or accepted, or that
// were addressed to one of emails.
func userInvitesFilter(user tenancy.UserID, emails []string) bson.D {
	in := bson.A{}
	for _, e := range emails {
		in = append(in, e)
	}
	return bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "invitedBy", Value: string(user)}},
		bson.D{{Key: "acceptedBy", Value: string(user)}},
		bson.D{{Key: "email", Value: bson.D{{Key: "$in", Value: in}}}},
	}}}
}

// UserInvites implements privacy.Invites: one find with userInvitesFilter
// (each branch on an index), sorted by createdAt then _id.
func (s *Invites) UserInvites(ctx context.Context, user tenancy.UserID, emails []string) ([]team.Invite, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var docs []inviteDoc
	sort := bson.D{{Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}}
	if err := s.c.Find(ctx, userInvitesFilter(user, emails), sort, 0, &docs); err != nil {
		return nil, mapErr("user invites", err, nil, nil)
	}
	out := make([]team.Invite, len(docs))
	for i := range docs {
		out[i] = docs[i].invite()
	}
	return out, nil
}

// DeleteUserInvites implements privacy.Invites: one deleteMany with
// userInvitesFilter.
func (s *Invites) DeleteUserInvites(ctx context.Context, user tenancy.UserID, emails []string) (int, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := s.c.DeleteMany(ctx, userInvitesFilter(user, emails))
	if err != nil {
		return 0, mapErr("delete user invites", err, nil, nil)
	}
	return int(n), nil
}

// DeleteWorkspaceInvites implements privacy.Invites: one deleteMany
// {workspace}.
func (s *Invites) DeleteWorkspaceInvites(ctx context.Context, ws tenancy.WorkspaceID) (int, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := s.c.DeleteMany(ctx, bson.D{{Key: "workspace", Value: string(ws)}})
	if err != nil {
		return 0, mapErr("delete workspace invites", err, nil, nil)
	}
	return int(n), nil
}

// EraseUser implements privacy.MFA: one deleteOne {_id}, whatever the
// record's state.
func (s *MFA) EraseUser(ctx context.Context, userID string) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	if _, err := s.c.DeleteOne(ctx, userFilter(userID)); err != nil {
		return mapErr("mfa erase", err, nil, nil)
	}
	return nil
}

// UserTokens implements privacy.Tokens: one find {user}, sorted by
// createdAt then hash.
func (s *Tokens) UserTokens(ctx context.Context, user tenancy.UserID) ([]verify.Record, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var docs []tokenDoc
	sort := bson.D{{Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}}
	if err := s.c.Find(ctx, bson.D{{Key: "user", Value: string(user)}}, sort, 0, &docs); err != nil {
		return nil, mapErr("user tokens", err, nil, nil)
	}
	out := make([]verify.Record, len(docs))
	for i := range docs {
		out[i] = docs[i].record()
	}
	return out, nil
}

// DeleteUserTokens implements privacy.Tokens: one deleteMany {user}.
func (s *Tokens) DeleteUserTokens(ctx context.Context, user tenancy.UserID) (int, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := s.c.DeleteMany(ctx, bson.D{{Key: "user", Value: string(user)}})
	if err != nil {
		return 0, mapErr("delete user tokens", err, nil, nil)
	}
	return int(n), nil
}

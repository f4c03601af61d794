package mongostore

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tenantgate/tenantgate/team"
	"github.com/tenantgate/tenantgate/tenancy"
)

// Collections of the team stores.
const (
	CollInvites = "invites"
	CollRoles   = "roles"
)

// InvitePurgeAfter is how long after its expiry an invite document is kept
// (for listing and for InviteByToken, which answer whatever the state)
// before the TTL index on purgeAt deletes it.
const InvitePurgeAfter = 30 * 24 * time.Hour

// inviteDoc is a team invite as stored: _id is the invite id, tokenHash
// the SHA-256 of the token (unique; the token is never stored). Zero times
// are absent fields.
type inviteDoc struct {
	ID         string    `bson:"_id"`
	Workspace  string    `bson:"workspace"`
	Email      string    `bson:"email"`
	Role       string    `bson:"role"`
	TokenHash  []byte    `bson:"tokenHash"`
	InvitedBy  string    `bson:"invitedBy"`
	CreatedAt  time.Time `bson:"createdAt"`
	ExpiresAt  time.Time `bson:"expiresAt"`
	AcceptedAt time.Time `bson:"acceptedAt"`
	AcceptedBy string    `bson:"acceptedBy"`
	RevokedAt  time.Time `bson:"revokedAt"`
}

func (d *inviteDoc) invite() team.Invite {
	inv := team.Invite{
		ID: d.ID, Workspace: tenancy.WorkspaceID(d.Workspace), Email: d.Email, Role: d.Role,
		InvitedBy: tenancy.UserID(d.InvitedBy), CreatedAt: utc(d.CreatedAt), ExpiresAt: utc(d.ExpiresAt),
		AcceptedAt: utc(d.AcceptedAt), AcceptedBy: tenancy.UserID(d.AcceptedBy), RevokedAt: utc(d.RevokedAt),
	}
	copy(inv.TokenHash[:], d.TokenHash)
	return inv
}

// Invites stores team invites (team.InviteStore) in CollInvites.
type Invites struct {
	base
	c collection
}

var _ team.InviteStore = (*Invites)(nil)

func newInvites(b base, c collection) *Invites { return &Invites{base: b, c: c} }

// CreateInvite implements team.InviteStore: one insert; the unique _id and
// tokenHash indexes reject a duplicate (ErrConflict).
func (s *Invites) CreateInvite(ctx context.Context, inv team.Invite) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	d := bson.D{
		{Key: "_id", Value: inv.ID}, {Key: "workspace", Value: string(inv.Workspace)},
		{Key: "email", Value: inv.Email}, {Key: "role", Value: inv.Role},
		{Key: "tokenHash", Value: inv.TokenHash[:]}, {Key: "invitedBy", Value: string(inv.InvitedBy)},
		{Key: "createdAt", Value: inv.CreatedAt.UTC()}, {Key: "expiresAt", Value: inv.ExpiresAt.UTC()},
		{Key: "purgeAt", Value: inv.ExpiresAt.Add(InvitePurgeAfter).UTC()},
	}
	if !inv.AcceptedAt.IsZero() {
		d = append(d, bson.E{Key: "acceptedAt", Value: inv.AcceptedAt.UTC()}, bson.E{Key: "acceptedBy", Value: string(inv.AcceptedBy)})
	}
	if !inv.RevokedAt.IsZero() {
		d = append(d, bson.E{Key: "revokedAt", Value: inv.RevokedAt.UTC()})
	}
	return mapErr("create invite", s.c.InsertOne(ctx, d), nil, tenancy.ErrConflict)
}

// InviteByToken implements team.InviteStore: one find on the tokenHash
// index.
func (s *Invites) InviteByToken(ctx context.Context, h team.TokenHash) (team.Invite, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var d inviteDoc
	if err := s.c.FindOne(ctx, bson.D{{Key: "tokenHash", Value: h[:]}}, &d); err != nil {
		return team.Invite{}, mapErr("invite by token", err, tenancy.ErrNotFound, nil)
	}
	return d.invite(), nil
}

// consumeFilter matches the invite of h only while it is pending at now:
// not accepted ({acceptedAt: null} matches an absent field), not revoked,
// expiresAt after now.
func consumeFilter(h team.TokenHash, now time.Time) bson.D {
	return bson.D{
		{Key: "tokenHash", Value: h[:]},
		{Key: "acceptedAt", Value: nil},
		{Key: "revokedAt", Value: nil},
		{Key: "expiresAt", Value: bson.D{{Key: "$gt", Value: now.UTC()}}},
	}
}

// ConsumeInvite implements team.InviteStore: one findOneAndUpdate with
// consumeFilter and {$set: {acceptedAt, acceptedBy}}. The filter and the
// update apply atomically to the one document, so of concurrent calls for
// one token at most one matches; every miss is ErrNotFound.
func (s *Invites) ConsumeInvite(ctx context.Context, h team.TokenHash, user tenancy.UserID, now time.Time) (team.Invite, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var d inviteDoc
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "acceptedAt", Value: now.UTC()}, {Key: "acceptedBy", Value: string(user)}}}}
	if err := s.c.FindOneAndUpdate(ctx, consumeFilter(h, now), update, false, &d); err != nil {
		return team.Invite{}, mapErr("consume invite", err, tenancy.ErrNotFound, nil)
	}
	return d.invite(), nil
}

// RevokeInvite implements team.InviteStore: one findOneAndUpdate on {_id,
// workspace, not accepted, not revoked}; on a miss a read tells ErrNotFound
// (no such invite in ws) from ErrConflict (already accepted or revoked).
func (s *Invites) RevokeInvite(ctx context.Context, ws tenancy.WorkspaceID, id string, now time.Time) (team.Invite, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	own := bson.D{{Key: "_id", Value: id}, {Key: "workspace", Value: string(ws)}}
	filter := append(bson.D{}, own...)
	filter = append(filter, bson.E{Key: "acceptedAt", Value: nil}, bson.E{Key: "revokedAt", Value: nil})
	var d inviteDoc
	err := s.c.FindOneAndUpdate(ctx, filter, bson.D{{Key: "$set", Value: bson.D{{Key: "revokedAt", Value: now.UTC()}}}}, false, &d)
	if err == nil {
		return d.invite(), nil
	}
	if classify(err) != failNoDocument {
		return team.Invite{}, mapErr("revoke invite", err, nil, nil)
	}
	if err := s.c.FindOne(ctx, own, &d); err != nil {
		return team.Invite{}, mapErr("revoke invite", err, tenancy.ErrNotFound, nil)
	}
	return team.Invite{}, fmt.Errorf("mongostore: revoke invite: %w", tenancy.ErrConflict)
}

// Invites implements team.InviteStore: one find on {workspace, createdAt,
// _id}.
func (s *Invites) Invites(ctx context.Context, ws tenancy.WorkspaceID) ([]team.Invite, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var docs []inviteDoc
	sort := bson.D{{Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}}
	if err := s.c.Find(ctx, bson.D{{Key: "workspace", Value: string(ws)}}, sort, 0, &docs); err != nil {
		return nil, mapErr("invites", err, nil, nil)
	}
	out := make([]team.Invite, len(docs))
	for i := range docs {
		out[i] = docs[i].invite()
	}
	return out, nil
}

// roleDoc is a custom role as stored; {workspace, name} is unique.
type roleDoc struct {
	Workspace   string    `bson:"workspace"`
	Name        string    `bson:"name"`
	Permissions []string  `bson:"permissions"`
	CreatedAt   time.Time `bson:"createdAt"`
	Version     int64     `bson:"version"`
}

func (d *roleDoc) role() team.RoleDef {
	return team.RoleDef{Workspace: tenancy.WorkspaceID(d.Workspace), Name: d.Name, Permissions: d.Permissions, CreatedAt: utc(d.CreatedAt), Version: d.Version}
}

// Roles stores custom roles (team.RoleStore) in CollRoles.
type Roles struct {
	base
	c collection
}

var _ team.RoleStore = (*Roles)(nil)

func newRoles(b base, c collection) *Roles { return &Roles{base: b, c: c} }

func roleKey(ws tenancy.WorkspaceID, name string) bson.D {
	return bson.D{{Key: "workspace", Value: string(ws)}, {Key: "name", Value: name}}
}

// CreateRole implements team.RoleStore: one insert under the unique
// {workspace, name} index (ErrConflict for an existing name).
func (s *Roles) CreateRole(ctx context.Context, d team.RoleDef) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	doc := append(roleKey(d.Workspace, d.Name),
		bson.E{Key: "permissions", Value: d.Permissions},
		bson.E{Key: "createdAt", Value: d.CreatedAt.UTC()},
		bson.E{Key: "version", Value: int64(1)})
	return mapErr("create role", s.c.InsertOne(ctx, doc), nil, tenancy.ErrConflict)
}

// UpdateRole implements team.RoleStore: one findOneAndUpdate on {workspace,
// name, version} ($set permissions, $inc version); on a miss a read tells
// ErrNotFound from ErrConflict.
func (s *Roles) UpdateRole(ctx context.Context, d team.RoleDef) (team.RoleDef, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	filter := append(roleKey(d.Workspace, d.Name), bson.E{Key: "version", Value: d.Version})
	update := bson.D{
		{Key: "$set", Value: bson.D{{Key: "permissions", Value: d.Permissions}}},
		{Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}},
	}
	var got roleDoc
	err := s.c.FindOneAndUpdate(ctx, filter, update, false, &got)
	if err == nil {
		return got.role(), nil
	}
	if classify(err) != failNoDocument {
		return team.RoleDef{}, mapErr("update role", err, nil, nil)
	}
	if _, err := s.Role(ctx, d.Workspace, d.Name); err != nil {
		return team.RoleDef{}, err
	}
	return team.RoleDef{}, fmt.Errorf("mongostore: update role: %w", tenancy.ErrConflict)
}

// Role implements team.RoleStore: one find on the unique index.
func (s *Roles) Role(ctx context.Context, ws tenancy.WorkspaceID, name string) (team.RoleDef, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var d roleDoc
	if err := s.c.FindOne(ctx, roleKey(ws, name), &d); err != nil {
		return team.RoleDef{}, mapErr("role", err, tenancy.ErrNotFound, nil)
	}
	return d.role(), nil
}

// Roles implements team.RoleStore: one find sorted by name.
func (s *Roles) Roles(ctx context.Context, ws tenancy.WorkspaceID) ([]team.RoleDef, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var docs []roleDoc
	if err := s.c.Find(ctx, bson.D{{Key: "workspace", Value: string(ws)}}, bson.D{{Key: "name", Value: 1}}, 0, &docs); err != nil {
		return nil, mapErr("roles", err, nil, nil)
	}
	if len(docs) == 0 {
		return nil, nil
	}
	out := make([]team.RoleDef, len(docs))
	for i := range docs {
		out[i] = docs[i].role()
	}
	return out, nil
}

// DeleteRole implements team.RoleStore: one deleteOne (ErrNotFound when
// nothing was deleted).
func (s *Roles) DeleteRole(ctx context.Context, ws tenancy.WorkspaceID, name string) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := s.c.DeleteOne(ctx, roleKey(ws, name))
	if err != nil {
		return mapErr("delete role", err, nil, nil)
	}
	if n == 0 {
		return fmt.Errorf("mongostore: delete role: %w", tenancy.ErrNotFound)
	}
	return nil
}

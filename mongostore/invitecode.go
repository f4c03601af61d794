package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tenantgate/tenantgate/tenancy"
)

// CollInviteCodes holds the closed-beta invite codes.
const CollInviteCodes = "invite_codes"

// inviteCodeDoc is an invite code as stored: _id is the SHA-256 of the
// code (the code itself is never stored). ExpiresAt is absent for a code
// that does not expire.
type inviteCodeDoc struct {
	Hash      []byte    `bson:"_id"`
	Label     string    `bson:"label"`
	MaxUses   int       `bson:"maxUses"`
	Uses      int       `bson:"uses"`
	ExpiresAt time.Time `bson:"expiresAt,omitempty"`
	CreatedAt time.Time `bson:"createdAt"`
}

func (d *inviteCodeDoc) inviteCode() tenancy.InviteCode {
	c := tenancy.InviteCode{Label: d.Label, MaxUses: d.MaxUses, Uses: d.Uses, ExpiresAt: utc(d.ExpiresAt), CreatedAt: utc(d.CreatedAt)}
	copy(c.Hash[:], d.Hash)
	return c
}

// InviteCodes stores closed-beta invite codes (tenancy.InviteCodeStore) in
// CollInviteCodes.
type InviteCodes struct {
	base
	c collection
}

var _ tenancy.InviteCodeStore = (*InviteCodes)(nil)

func newInviteCodes(b base, c collection) *InviteCodes { return &InviteCodes{base: b, c: c} }

// AddInviteCode implements tenancy.InviteCodeStore: one insert; the _id
// (the hash) rejects a duplicate (ErrConflict).
func (s *InviteCodes) AddInviteCode(ctx context.Context, c tenancy.InviteCode) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	d := bson.D{
		{Key: "_id", Value: c.Hash[:]}, {Key: "label", Value: c.Label},
		{Key: "maxUses", Value: c.MaxUses}, {Key: "uses", Value: c.Uses},
		{Key: "createdAt", Value: c.CreatedAt.UTC()},
	}
	if !c.ExpiresAt.IsZero() {
		d = append(d, bson.E{Key: "expiresAt", Value: c.ExpiresAt.UTC()})
	}
	return mapErr("add invite code", s.c.InsertOne(ctx, d), nil, tenancy.ErrConflict)
}

// redeemFilter matches the code h only while it is usable at now: not
// expired (no expiresAt, or expiresAt > now) and below its limit
// (unlimited, or uses < maxUses).
func redeemFilter(h tenancy.InviteCodeHash, now time.Time) bson.D {
	return bson.D{
		{Key: "_id", Value: h[:]},
		{Key: "$and", Value: bson.A{
			bson.D{{Key: "$or", Value: bson.A{
				bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$exists", Value: false}}}},
				bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$gt", Value: now.UTC()}}}},
			}}},
			bson.D{{Key: "$or", Value: bson.A{
				bson.D{{Key: "maxUses", Value: tenancy.UnlimitedUses}},
				bson.D{{Key: "$expr", Value: bson.D{{Key: "$lt", Value: bson.A{"$uses", "$maxUses"}}}}},
			}}},
		}},
	}
}

// RedeemInviteCode implements tenancy.InviteCodeStore: one findOneAndUpdate
// with redeemFilter and {$inc: {uses: 1}}. The filter is evaluated and the
// increment applied atomically on the one document, so with k uses left
// exactly k of any number of concurrent calls match. A miss (unknown,
// expired or used up) is ErrInviteCodeUnusable, whichever the reason.
func (s *InviteCodes) RedeemInviteCode(ctx context.Context, h tenancy.InviteCodeHash, now time.Time) (tenancy.InviteCode, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var d inviteCodeDoc
	err := s.c.FindOneAndUpdate(ctx, redeemFilter(h, now), bson.D{{Key: "$inc", Value: bson.D{{Key: "uses", Value: 1}}}}, false, &d)
	if err != nil {
		return tenancy.InviteCode{}, mapErr("redeem invite code", err, tenancy.ErrInviteCodeUnusable, nil)
	}
	return d.inviteCode(), nil
}

// ReleaseInviteCode implements tenancy.InviteCodeStore: one update
// conditional on uses > 0, so uses never goes below zero; only on a miss
// a read tells ErrNotFound from "nothing to give back".
func (s *InviteCodes) ReleaseInviteCode(ctx context.Context, h tenancy.InviteCodeHash) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	r, err := s.c.UpdateOne(ctx, bson.D{{Key: "_id", Value: h[:]}, {Key: "uses", Value: bson.D{{Key: "$gt", Value: 0}}}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "uses", Value: -1}}}}, false)
	if err != nil {
		return mapErr("release invite code", err, nil, nil)
	}
	if r.Matched == 1 {
		return nil
	}
	var d inviteCodeDoc
	if err := s.c.FindOne(ctx, bson.D{{Key: "_id", Value: h[:]}}, &d); err != nil {
		return mapErr("release invite code", err, tenancy.ErrNotFound, nil)
	}
	return nil
}

// InviteCodes implements tenancy.InviteCodeStore: one find sorted by label
// then hash.
func (s *InviteCodes) InviteCodes(ctx context.Context) ([]tenancy.InviteCode, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var docs []inviteCodeDoc
	if err := s.c.Find(ctx, bson.D{}, bson.D{{Key: "label", Value: 1}, {Key: "_id", Value: 1}}, 0, &docs); err != nil {
		return nil, mapErr("invite codes", err, nil, nil)
	}
	out := make([]tenancy.InviteCode, len(docs))
	for i := range docs {
		out[i] = docs[i].inviteCode()
	}
	return out, nil
}

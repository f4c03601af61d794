package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
	"github.com/tenantgate/tenantgate/verify"
)

// CollTokens holds email-verification and password-reset tokens.
const CollTokens = "tokens"

// tokenDoc is a token record as stored: _id is the SHA-256 of the token
// (the token itself is never stored); usedAt is absent until consumed.
type tokenDoc struct {
	Hash      []byte    `bson:"_id"`
	Purpose   string    `bson:"purpose"`
	User      string    `bson:"user"`
	Email     string    `bson:"email"`
	CreatedAt time.Time `bson:"createdAt"`
	ExpiresAt time.Time `bson:"expiresAt"`
	UsedAt    time.Time `bson:"usedAt"`
}

func (d *tokenDoc) record() verify.Record {
	r := verify.Record{Purpose: verify.Purpose(d.Purpose), User: tenancy.UserID(d.User), Email: d.Email,
		CreatedAt: utc(d.CreatedAt), ExpiresAt: utc(d.ExpiresAt), UsedAt: utc(d.UsedAt)}
	copy(r.Hash[:], d.Hash)
	return r
}

// Tokens stores verification and reset tokens (verify.Store) in
// CollTokens, with a TTL index on expiresAt for clean-up only.
type Tokens struct {
	base
	c collection
}

var _ verify.Store = (*Tokens)(nil)

func newTokens(b base, c collection) *Tokens { return &Tokens{base: b, c: c} }

// Insert implements verify.Store: one insert with _id = hash; a duplicate
// is problem.ErrConflict.
func (s *Tokens) Insert(ctx context.Context, r verify.Record) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	d := bson.D{
		{Key: "_id", Value: r.Hash[:]}, {Key: "purpose", Value: string(r.Purpose)},
		{Key: "user", Value: string(r.User)}, {Key: "email", Value: r.Email},
		{Key: "createdAt", Value: r.CreatedAt.UTC()}, {Key: "expiresAt", Value: r.ExpiresAt.UTC()},
	}
	if !r.UsedAt.IsZero() {
		d = append(d, bson.E{Key: "usedAt", Value: r.UsedAt.UTC()})
	}
	return mapErr("insert token", s.c.InsertOne(ctx, d), nil, problem.ErrConflict)
}

// tokenConsumeFilter matches the record of h and p only while unused
// ({usedAt: null} matches the absent field) and unexpired at now.
func tokenConsumeFilter(h verify.Hash, p verify.Purpose, now time.Time) bson.D {
	return bson.D{
		{Key: "_id", Value: h[:]},
		{Key: "purpose", Value: string(p)},
		{Key: "usedAt", Value: nil},
		{Key: "expiresAt", Value: bson.D{{Key: "$gt", Value: now.UTC()}}},
	}
}

// Consume implements verify.Store: one findOneAndUpdate with
// tokenConsumeFilter and {$set: {usedAt: now}}. Filter and update apply
// atomically to the one document: of concurrent calls for one token the
// first sets usedAt and every later one no longer matches. Every miss is
// problem.ErrInvalidToken, whatever the reason.
func (s *Tokens) Consume(ctx context.Context, h verify.Hash, p verify.Purpose, now time.Time) (verify.Record, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var d tokenDoc
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "usedAt", Value: now.UTC()}}}}
	if err := s.c.FindOneAndUpdate(ctx, tokenConsumeFilter(h, p, now), update, false, &d); err != nil {
		return verify.Record{}, mapErr("consume token", err, problem.ErrInvalidToken, nil)
	}
	return d.record(), nil
}

// Revoke implements verify.Store: one updateMany on {user, purpose,
// usedAt: null}; each document changes atomically.
func (s *Tokens) Revoke(ctx context.Context, u tenancy.UserID, p verify.Purpose, now time.Time) (int, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := s.c.UpdateMany(ctx,
		bson.D{{Key: "user", Value: string(u)}, {Key: "purpose", Value: string(p)}, {Key: "usedAt", Value: nil}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "usedAt", Value: now.UTC()}}}})
	if err != nil {
		return 0, unavailable("revoke tokens", err)
	}
	return int(n), nil
}

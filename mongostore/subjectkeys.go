package mongostore

import (
	"context"
	"crypto/rand"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/secret"
)

// keyDoc is a subject key as stored in CollSubjectKeys (_id = subject). Key
// is the raw key, or the key sealed with the keyring (associated data: the
// subject) when Sealed is set. An erased subject keeps only the tombstone.
type keyDoc struct {
	Subject string `bson:"_id"`
	Key     []byte `bson:"key,omitempty"`
	Sealed  bool   `bson:"sealed,omitempty"`
	Erased  bool   `bson:"erased,omitempty"`
}

// SubjectKeys stores the audit per-subject keys (audit.SubjectKeys), sealed
// at rest with the keyring of WithKeyring when one is given.
type SubjectKeys struct {
	base
	c       collection
	keyring *secret.Keyring
}

var _ audit.SubjectKeys = (*SubjectKeys)(nil)

func newSubjectKeys(b base, c collection, k *secret.Keyring) *SubjectKeys {
	return &SubjectKeys{base: b, c: c, keyring: k}
}

// getOrCreateUpdate inserts key only when the document is created
// ($setOnInsert): an existing key or tombstone is never overwritten.
func getOrCreateUpdate(key []byte, sealed bool) bson.D {
	set := bson.D{{Key: "key", Value: key}}
	if sealed {
		set = append(set, bson.E{Key: "sealed", Value: true})
	}
	return bson.D{{Key: "$setOnInsert", Value: set}}
}

// GetOrCreate implements audit.SubjectKeys: one findOneAndUpdate({_id:
// subject}, {$setOnInsert: {key}}, upsert, returnDocument after). The
// upsert creates the document at most once (the _id is unique; since
// MongoDB 4.2 the server retries an upsert that loses the insert race on
// an equality _id predicate, and this method retries once more on a
// duplicate-key error), and every caller gets the stored document back, so
// concurrent callers all return the same key.
func (s *SubjectKeys) GetOrCreate(ctx context.Context, subject string) ([]byte, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	fresh := make([]byte, audit.KeySize)
	_, _ = rand.Read(fresh) // crypto/rand.Read never fails (Go ≥ 1.24)
	stored := fresh
	if s.keyring != nil {
		stored = s.keyring.Seal(fresh, []byte(subject))
	}
	filter := bson.D{{Key: "_id", Value: subject}}
	var d keyDoc
	err := s.c.FindOneAndUpdate(ctx, filter, getOrCreateUpdate(stored, s.keyring != nil), true, &d)
	if classify(err) == failDuplicate {
		err = s.c.FindOne(ctx, filter, &d)
	}
	if err != nil {
		return nil, unavailable("subject key", err)
	}
	return s.open(&d)
}

// open returns d's key, or ErrSubjectErased.
func (s *SubjectKeys) open(d *keyDoc) ([]byte, error) {
	if d.Erased {
		return nil, audit.ErrSubjectErased
	}
	if !d.Sealed {
		if len(d.Key) != audit.KeySize {
			return nil, fmt.Errorf("mongostore: subject key: stored key has %d bytes: %w", len(d.Key), ErrUnavailable)
		}
		return d.Key, nil
	}
	if s.keyring == nil {
		return nil, fmt.Errorf("mongostore: subject key is sealed and no keyring is configured: %w", ErrUnavailable)
	}
	key, err := s.keyring.Open(d.Key, []byte(d.Subject))
	if err != nil || len(key) != audit.KeySize {
		return nil, fmt.Errorf("mongostore: subject key does not open: %w", ErrUnavailable)
	}
	return key, nil
}

// Get implements audit.SubjectKeys: one find on _id.
func (s *SubjectKeys) Get(ctx context.Context, subject string) ([]byte, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var d keyDoc
	if err := s.c.FindOne(ctx, bson.D{{Key: "_id", Value: subject}}, &d); err != nil {
		return nil, mapErr("subject key", err, audit.ErrKeyNotFound, nil)
	}
	return s.open(&d)
}

// destroyUpdate removes the key and sets the tombstone.
func destroyUpdate() bson.D {
	return bson.D{
		{Key: "$unset", Value: bson.D{{Key: "key", Value: ""}, {Key: "sealed", Value: ""}}},
		{Key: "$set", Value: bson.D{{Key: "erased", Value: true}}},
	}
}

// Destroy implements audit.SubjectKeys: one updateOne({_id: subject},
// {$unset: {key}, $set: {erased: true}}, upsert). Idempotent; a subject
// without a key gets a tombstone.
func (s *SubjectKeys) Destroy(ctx context.Context, subject string) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	_, err := s.c.UpdateOne(ctx, bson.D{{Key: "_id", Value: subject}}, destroyUpdate(), true)
	if classify(err) == failDuplicate { // lost an upsert race: the document exists now
		_, err = s.c.UpdateOne(ctx, bson.D{{Key: "_id", Value: subject}}, destroyUpdate(), true)
	}
	if err != nil {
		return unavailable("destroy subject key", err)
	}
	return nil
}

package mongostore

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tenantgate/tenantgate/mfa"
)

// CollMFA holds one MFA record per user (_id = user id).
const CollMFA = "mfa"

type recoveryDoc struct {
	Index     string `bson:"index"`
	Salt      []byte `bson:"salt"`
	Hash      []byte `bson:"hash"`
	Time      uint32 `bson:"time"`
	MemoryKiB uint32 `bson:"memoryKiB"`
	Threads   uint8  `bson:"threads"`
}

// mfaDoc is a user's MFA record as stored. Seed and pendingSeed are
// sealed by the mfa package before they reach the store; lockedUntil is
// absent when no lock was ever set or after a success.
type mfaDoc struct {
	UserID      string        `bson:"_id"`
	Enabled     bool          `bson:"enabled"`
	Seed        []byte        `bson:"seed,omitempty"`
	PendingSeed []byte        `bson:"pendingSeed,omitempty"`
	LastStep    int64         `bson:"lastStep"`
	Failures    int           `bson:"failures"`
	LockedUntil time.Time     `bson:"lockedUntil"`
	Recovery    []recoveryDoc `bson:"recovery"`
}

func (d *mfaDoc) state() mfa.State {
	st := mfa.State{UserID: d.UserID, Enabled: d.Enabled, Seed: d.Seed, PendingSeed: d.PendingSeed,
		LastStep: d.LastStep, Failures: d.Failures, LockedUntil: utc(d.LockedUntil)}
	if len(d.Recovery) > 0 {
		st.Recovery = make([]mfa.RecoveryHash, len(d.Recovery))
		for i, r := range d.Recovery {
			st.Recovery[i] = mfa.RecoveryHash{Index: r.Index, Salt: r.Salt, Hash: r.Hash, Time: r.Time, MemoryKiB: r.MemoryKiB, Threads: r.Threads}
		}
	}
	return st
}

func recoveryDocs(codes []mfa.RecoveryHash) bson.A {
	out := bson.A{}
	for _, c := range codes {
		out = append(out, recoveryDoc{Index: c.Index, Salt: c.Salt, Hash: c.Hash, Time: c.Time, MemoryKiB: c.MemoryKiB, Threads: c.Threads})
	}
	return out
}

// MFA stores MFA records (mfa.Store) in CollMFA. Every method is one
// conditional command on the user's document; only on a miss does a
// second read tell mfa.ErrNotFound from mfa.ErrConflict (or ErrLocked).
//
// A write conditional on a secret (seed, pending seed, recovery hash)
// given an empty one is a miss without sending the write: a nil []byte
// encodes as BSON null, and {seed: null} would match a record that has no
// seed at all.
type MFA struct {
	base
	c collection
}

var _ mfa.Store = (*MFA)(nil)

func newMFA(b base, c collection) *MFA { return &MFA{base: b, c: c} }

func userFilter(user string) bson.D { return bson.D{{Key: "_id", Value: user}} }

// Get implements mfa.Store: one find on _id.
func (s *MFA) Get(ctx context.Context, userID string) (mfa.State, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	return s.get(ctx, userID)
}

func (s *MFA) get(ctx context.Context, userID string) (mfa.State, error) {
	var d mfaDoc
	if err := s.c.FindOne(ctx, userFilter(userID), &d); err != nil {
		return mfa.State{}, mapErr("mfa get", err, mfa.ErrNotFound, nil)
	}
	return d.state(), nil
}

// missed turns a conditional update that matched nothing into
// mfa.ErrNotFound (no record) or mfa.ErrConflict.
func (s *MFA) missed(ctx context.Context, op, userID string) error {
	if _, err := s.get(ctx, userID); err != nil {
		return err
	}
	return fmt.Errorf("mongostore: %s: %w", op, mfa.ErrConflict)
}

// PutPending implements mfa.Store: one updateOne({_id, enabled: false},
// {$set: {pendingSeed}, $setOnInsert: {lastStep: NoStep, failures: 0}},
// upsert). An enabled record misses the filter, so the upsert tries to
// insert a second document with the same _id: the duplicate-key error is
// ErrConflict and nothing changes.
//
// A duplicate key has a second cause: two first enrolments of one user at
// the same instant both miss and both insert. The server does not retry
// this upsert itself (its filter has a field, enabled, outside the unique
// _id index, so the manual's conditions for the automatic retry do not
// hold), so PutPending retries once: the retry matches the other call's
// pending record and replaces its seed (as a later call would), while an
// enabled record fails the retry the same way — ErrConflict.
func (s *MFA) PutPending(ctx context.Context, userID string, sealed []byte) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	filter := bson.D{{Key: "_id", Value: userID}, {Key: "enabled", Value: false}}
	update := bson.D{
		{Key: "$set", Value: bson.D{{Key: "pendingSeed", Value: sealed}}},
		{Key: "$setOnInsert", Value: bson.D{{Key: "lastStep", Value: mfa.NoStep}, {Key: "failures", Value: 0}, {Key: "recovery", Value: bson.A{}}}},
	}
	_, err := s.c.UpdateOne(ctx, filter, update, true)
	if classify(err) == failDuplicate {
		_, err = s.c.UpdateOne(ctx, filter, update, true)
	}
	return mapErr("mfa put pending", err, nil, mfa.ErrConflict)
}

// Enable implements mfa.Store: one updateOne on {_id, enabled: false,
// pendingSeed: pending} (whole-value equality on the binary).
func (s *MFA) Enable(ctx context.Context, userID string, pending []byte, step int64, codes []mfa.RecoveryHash) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	if len(pending) == 0 {
		return s.missed(ctx, "mfa enable", userID)
	}
	filter := bson.D{{Key: "_id", Value: userID}, {Key: "enabled", Value: false}, {Key: "pendingSeed", Value: pending}}
	update := bson.D{
		{Key: "$set", Value: bson.D{
			{Key: "seed", Value: pending}, {Key: "enabled", Value: true}, {Key: "lastStep", Value: step},
			{Key: "recovery", Value: recoveryDocs(codes)}, {Key: "failures", Value: 0},
		}},
		{Key: "$unset", Value: bson.D{{Key: "pendingSeed", Value: ""}, {Key: "lockedUntil", Value: ""}}},
	}
	r, err := s.c.UpdateOne(ctx, filter, update, false)
	if err != nil {
		return mapErr("mfa enable", err, nil, nil)
	}
	if r.Matched == 1 {
		return nil
	}
	return s.missed(ctx, "mfa enable", userID)
}

// unlockedFilter matches userID's record unless it is locked at now.
func unlockedFilter(userID string, now time.Time) bson.D {
	return bson.D{
		{Key: "_id", Value: userID},
		{Key: "$or", Value: bson.A{
			bson.D{{Key: "lockedUntil", Value: bson.D{{Key: "$exists", Value: false}}}},
			bson.D{{Key: "lockedUntil", Value: bson.D{{Key: "$lte", Value: now.UTC()}}}},
		}},
	}
}

// maxLockDoublings caps the exponent of a lock's doubling: 2^40 times any
// backoff of a millisecond or more exceeds every MaxBackoff a
// time.Duration can hold, so the cap changes no result and keeps $pow in
// exact range.
const maxLockDoublings = 40

// beginAttemptPipeline increments failures and, when p.LockFor(failures)
// is positive, sets lockedUntil = now + that lock, computing LockFor on the
// server from the incremented count: positive exactly when failures is a
// positive multiple of After and Backoff is positive, then
// min(Backoff × 2^min(failures/After − 1, 40), MaxBackoff) in milliseconds.
//
// Both stages apply to one document in one update, so the count and the
// lock it triggers are one atomic step. $cond evaluates only the branch
// it selects, and $divide/$trunc/$pow/$multiply on these operands yield a
// double, which $toDate truncates to a whole millisecond.
//
// BSON dates hold milliseconds: now and both durations are rounded up to
// a whole millisecond, so a lock never ends before now + LockFor (it may
// end up to 2 ms later). The unlocked filter compares the whole-millisecond
// lockedUntil with now truncated by the driver, which for a
// whole-millisecond bound gives the exact answer.
func beginAttemptPipeline(now time.Time, p mfa.LockPolicy) bson.A {
	after := int64(p.After)
	lockMS := bson.D{{Key: "$min", Value: bson.A{
		bson.D{{Key: "$multiply", Value: bson.A{
			ceilDurationMS(p.Backoff),
			bson.D{{Key: "$pow", Value: bson.A{2, bson.D{{Key: "$min", Value: bson.A{
				bson.D{{Key: "$subtract", Value: bson.A{
					bson.D{{Key: "$trunc", Value: bson.D{{Key: "$divide", Value: bson.A{"$failures", max(after, 1)}}}}}, 1,
				}}},
				maxLockDoublings,
			}}}}}},
		}}},
		ceilDurationMS(p.MaxBackoff),
	}}}
	locks := bson.D{{Key: "$and", Value: bson.A{
		after > 0 && p.Backoff > 0,
		bson.D{{Key: "$eq", Value: bson.A{bson.D{{Key: "$mod", Value: bson.A{"$failures", max(after, 1)}}}, 0}}},
	}}}
	return bson.A{
		bson.D{{Key: "$set", Value: bson.D{{Key: "failures", Value: bson.D{{Key: "$add", Value: bson.A{bson.D{{Key: "$ifNull", Value: bson.A{"$failures", 0}}}, 1}}}}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "lockedUntil", Value: bson.D{{Key: "$cond", Value: bson.A{
			locks,
			bson.D{{Key: "$toDate", Value: bson.D{{Key: "$add", Value: bson.A{ceilMS(now).UnixMilli(), lockMS}}}}},
			"$lockedUntil",
		}}}}}}},
	}
}

// ceilDurationMS is d in milliseconds, rounded up.
func ceilDurationMS(d time.Duration) int64 {
	ms := d.Milliseconds()
	if time.Duration(ms)*time.Millisecond < d {
		ms++
	}
	return ms
}

// BeginAttempt implements mfa.Store: one findOneAndUpdate({_id, not locked
// at now}, beginAttemptPipeline, returnDocument after). The count and the
// lock are applied atomically to the one document, so N concurrent calls
// add exactly N and the call that reaches a multiple of After sets the
// lock before any later call can match. On a miss a read tells ErrNotFound
// from ErrLocked (returned with the record).
func (s *MFA) BeginAttempt(ctx context.Context, userID string, now time.Time, p mfa.LockPolicy) (mfa.State, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	for attempt := 0; ; attempt++ {
		var d mfaDoc
		err := s.c.FindOneAndUpdate(ctx, unlockedFilter(userID, now), beginAttemptPipeline(now, p), false, &d)
		if err == nil {
			return d.state(), nil
		}
		if classify(err) != failNoDocument {
			return mfa.State{}, mapErr("mfa begin attempt", err, nil, nil)
		}
		st, err := s.get(ctx, userID)
		if err != nil {
			return mfa.State{}, err
		}
		if st.LockedUntil.After(now) || attempt > 0 {
			return st, fmt.Errorf("mongostore: mfa begin attempt: %w", mfa.ErrLocked)
		}
	}
}

// AcceptStep implements mfa.Store: one updateOne on {_id, enabled: true,
// seed, lastStep < step}. The replay check and the write of the new step
// are one atomic update, so of concurrent calls with one step exactly one
// matches; a replayed step (lastStep ≥ step) never matches.
func (s *MFA) AcceptStep(ctx context.Context, userID string, seed []byte, step int64) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	if len(seed) == 0 {
		return s.missed(ctx, "mfa accept step", userID)
	}
	filter := bson.D{
		{Key: "_id", Value: userID}, {Key: "enabled", Value: true}, {Key: "seed", Value: seed},
		{Key: "lastStep", Value: bson.D{{Key: "$lt", Value: step}}},
	}
	update := bson.D{
		{Key: "$set", Value: bson.D{{Key: "lastStep", Value: step}, {Key: "failures", Value: 0}}},
		{Key: "$unset", Value: bson.D{{Key: "lockedUntil", Value: ""}}},
	}
	r, err := s.c.UpdateOne(ctx, filter, update, false)
	if err != nil {
		return mapErr("mfa accept step", err, nil, nil)
	}
	if r.Matched == 1 {
		return nil
	}
	return s.missed(ctx, "mfa accept step", userID)
}

// UseRecoveryCode implements mfa.Store: one updateOne on {_id, enabled:
// true, recovery: {$elemMatch: {index, hash}}} with $pull of that entry.
// The match and the removal are one atomic update: of concurrent uses of
// one code exactly one matches.
func (s *MFA) UseRecoveryCode(ctx context.Context, userID, index string, hash []byte) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	if len(hash) == 0 {
		return s.missed(ctx, "mfa use recovery code", userID)
	}
	filter := bson.D{
		{Key: "_id", Value: userID}, {Key: "enabled", Value: true},
		{Key: "recovery", Value: bson.D{{Key: "$elemMatch", Value: bson.D{{Key: "index", Value: index}, {Key: "hash", Value: hash}}}}},
	}
	update := bson.D{
		{Key: "$pull", Value: bson.D{{Key: "recovery", Value: bson.D{{Key: "index", Value: index}, {Key: "hash", Value: hash}}}}},
		{Key: "$set", Value: bson.D{{Key: "failures", Value: 0}}},
		{Key: "$unset", Value: bson.D{{Key: "lockedUntil", Value: ""}}},
	}
	r, err := s.c.UpdateOne(ctx, filter, update, false)
	if err != nil {
		return mapErr("mfa use recovery code", err, nil, nil)
	}
	if r.Matched == 1 {
		return nil
	}
	return s.missed(ctx, "mfa use recovery code", userID)
}

// ReplaceRecoveryCodes implements mfa.Store: one updateOne on {_id,
// enabled: true, seed}.
func (s *MFA) ReplaceRecoveryCodes(ctx context.Context, userID string, seed []byte, codes []mfa.RecoveryHash) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	if len(seed) == 0 {
		return s.missed(ctx, "mfa replace recovery codes", userID)
	}
	filter := bson.D{{Key: "_id", Value: userID}, {Key: "enabled", Value: true}, {Key: "seed", Value: seed}}
	r, err := s.c.UpdateOne(ctx, filter, bson.D{{Key: "$set", Value: bson.D{{Key: "recovery", Value: recoveryDocs(codes)}}}}, false)
	if err != nil {
		return mapErr("mfa replace recovery codes", err, nil, nil)
	}
	if r.Matched == 1 {
		return nil
	}
	return s.missed(ctx, "mfa replace recovery codes", userID)
}

// Delete implements mfa.Store: one deleteOne on {_id, seed}.
func (s *MFA) Delete(ctx context.Context, userID string, seed []byte) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	if len(seed) == 0 {
		return s.missed(ctx, "mfa delete", userID)
	}
	n, err := s.c.DeleteOne(ctx, bson.D{{Key: "_id", Value: userID}, {Key: "seed", Value: seed}})
	if err != nil {
		return mapErr("mfa delete", err, nil, nil)
	}
	if n == 1 {
		return nil
	}
	return s.missed(ctx, "mfa delete", userID)
}

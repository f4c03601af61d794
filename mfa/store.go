package mfa

import (
	"context"
	"errors"
	"time"
)

// Store sentinels. Backends return them (possibly wrapped) and wrap every
// other failure; the Service turns any other error into 503 unavailable.
var (
	// ErrNotFound: the user has no MFA record.
	ErrNotFound = errors.New("mfa: not found")
	// ErrConflict: a conditional update did not apply (the record is not in
	// the state the caller expected).
	ErrConflict = errors.New("mfa: conflict")
	// ErrLocked: BeginAttempt refused the attempt because the record is
	// locked.
	ErrLocked = errors.New("mfa: locked")
)

// NoStep is the LastStep of a record that has never accepted a TOTP code.
const NoStep int64 = -1

// RecoveryHash is one stored recovery code.
type RecoveryHash struct {
	// Index is the code's public first group (4 characters), unique within
	// a user's set.
	Index string
	// Salt is 16 random bytes.
	Salt []byte
	// Hash is argon2id(code, Salt, Time, MemoryKiB, Threads, len(Hash)).
	Hash      []byte
	Time      uint32
	MemoryKiB uint32
	Threads   uint8
}

// State is a user's MFA record. Slices in a State returned by a Store must
// not be modified by the caller.
type State struct {
	UserID string
	// Enabled is true once an enrollment has been confirmed.
	Enabled bool
	// Seed is the sealed active TOTP seed (nil unless Enabled).
	Seed []byte
	// PendingSeed is the sealed seed of an enrollment awaiting
	// confirmation.
	PendingSeed []byte
	// LastStep is the last accepted TOTP step, NoStep if none.
	LastStep int64
	// Failures counts consecutive failed (or in-flight) attempts.
	Failures int
	// LockedUntil, when after now, refuses every attempt.
	LockedUntil time.Time
	// Recovery holds the unused recovery codes.
	Recovery []RecoveryHash
}

// LockPolicy is the lockout rule a Store applies in BeginAttempt.
type LockPolicy struct {
	// After is the number of consecutive failures that starts a lock
	// (1..100).
	After int
	// Backoff is the first lock's duration; each further lock doubles it.
	Backoff time.Duration
	// MaxBackoff caps a lock's duration.
	MaxBackoff time.Duration
}

// LockFor is the lock that starts when the failure count reaches failures:
// zero unless failures is a positive multiple of After, else
// min(Backoff × 2^(failures/After − 1), MaxBackoff).
func (p LockPolicy) LockFor(failures int) time.Duration {
	if p.After <= 0 || failures <= 0 || failures%p.After != 0 {
		return 0
	}
	d := p.Backoff
	for k := failures / p.After; k > 1 && d < p.MaxBackoff; k-- {
		d *= 2
	}
	if d > p.MaxBackoff {
		d = p.MaxBackoff
	}
	return d
}

// Store keeps one MFA record per user. Every method is one atomic operation
// on one record (a MongoDB backend implements each as a single command on
// one document keyed by user id); implementations are safe for concurrent
// use. Byte-slice conditions ("Seed equals seed") compare whole values.
// Callers must not modify slices they passed in or got back.
type Store interface {
	// Get returns the user's record, or ErrNotFound.
	Get(ctx context.Context, userID string) (State, error)

	// PutPending stores sealed as the user's PendingSeed, creating the
	// record (LastStep NoStep, Failures 0) if there is none. If the record
	// is Enabled it returns ErrConflict and changes nothing. A previous
	// pending seed is replaced. (MongoDB: updateOne with filter
	// {_id, enabled: false} and upsert; a duplicate-key error means
	// enabled.)
	PutPending(ctx context.Context, userID string, sealed []byte) error

	// Enable turns MFA on, only if the record is not Enabled and its
	// PendingSeed equals pending: Seed = pending, PendingSeed = nil,
	// Enabled = true, LastStep = step, Recovery = codes, Failures = 0,
	// LockedUntil = zero. Otherwise ErrConflict (ErrNotFound without a
	// record), nothing changed.
	Enable(ctx context.Context, userID string, pending []byte, step int64, codes []RecoveryHash) error

	// BeginAttempt counts one attempt before it is checked. If LockedUntil
	// is after now it returns the record and ErrLocked, changing nothing.
	// Otherwise it increments Failures and, when p.LockFor(Failures) is
	// positive, sets LockedUntil = now + p.LockFor(Failures); it returns the
	// record after the update. ErrNotFound without a record. Concurrent
	// calls are serialized: N calls increment Failures by exactly N, so
	// concurrent guesses cannot exceed the lock budget. (MongoDB:
	// findOneAndUpdate with filter {lockedUntil <= now}, an update pipeline
	// computing the lock, returnDocument after; on no match, a Get to tell
	// ErrLocked from ErrNotFound.)
	BeginAttempt(ctx context.Context, userID string, now time.Time, p LockPolicy) (State, error)

	// AcceptStep records a TOTP success, only if the record is Enabled,
	// its Seed equals seed and LastStep < step: LastStep = step, Failures =
	// 0, LockedUntil = zero. Otherwise ErrConflict (a replay, or the record
	// changed), nothing changed; ErrNotFound without a record. Of
	// concurrent calls with one step, exactly one succeeds.
	AcceptStep(ctx context.Context, userID string, seed []byte, step int64) error

	// UseRecoveryCode consumes a recovery code, only if the record is
	// Enabled and holds an entry with this index and hash: the entry is
	// removed, Failures = 0, LockedUntil = zero. Otherwise ErrConflict
	// (already used), nothing changed; ErrNotFound without a record. Of
	// concurrent calls for one code, exactly one succeeds. (MongoDB:
	// updateOne with filter {_id, enabled, recovery: {$elemMatch: {index,
	// hash}}} and $pull.)
	UseRecoveryCode(ctx context.Context, userID, index string, hash []byte) error

	// ReplaceRecoveryCodes replaces the whole recovery set, only if the
	// record is Enabled and its Seed equals seed; otherwise ErrConflict
	// (ErrNotFound without a record).
	ReplaceRecoveryCodes(ctx context.Context, userID string, seed []byte, codes []RecoveryHash) error

	// Delete removes the record, only if its Seed equals seed; otherwise
	// ErrConflict (ErrNotFound without a record).
	Delete(ctx context.Context, userID string, seed []byte) error
}

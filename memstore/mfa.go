package memstore

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/tenantgate/tenantgate/mfa"
)

// MFA is an in-memory mfa.Store. Each method holds one mutex for its
// whole read-modify-write, which makes it the single atomic operation the
// contract asks for. Stored slices are never modified in place (a write
// replaces them), so records handed out share them safely.
type MFA struct {
	mu sync.Mutex
	m  map[string]*mfa.State
}

var _ mfa.Store = (*MFA)(nil)

// NewMFA returns an empty MFA.
func NewMFA() *MFA { return &MFA{m: make(map[string]*mfa.State)} }

// Get implements mfa.Store.
func (s *MFA) Get(ctx context.Context, userID string) (mfa.State, error) {
	var st mfa.State
	err := s.withRecord(ctx, userID, func(r *mfa.State) error {
		st = *r
		return nil
	})
	return st, err
}

// PutPending implements mfa.Store.
func (s *MFA) PutPending(ctx context.Context, userID string, sealed []byte) error {
	return s.locked(ctx, func() error {
		r, ok := s.m[userID]
		if !ok {
			r = &mfa.State{UserID: userID, LastStep: mfa.NoStep}
			s.m[userID] = r
		}
		if r.Enabled {
			return mfa.ErrConflict
		}
		r.PendingSeed = bytes.Clone(sealed)
		return nil
	})
}

// Enable implements mfa.Store.
func (s *MFA) Enable(ctx context.Context, userID string, pending []byte, step int64, codes []mfa.RecoveryHash) error {
	return s.withRecord(ctx, userID, func(r *mfa.State) error {
		if r.Enabled || r.PendingSeed == nil || !bytes.Equal(r.PendingSeed, pending) {
			return mfa.ErrConflict
		}
		r.Enabled = true
		r.Seed, r.PendingSeed = r.PendingSeed, nil
		r.LastStep = step
		r.Recovery = cloneHashes(codes)
		r.Failures, r.LockedUntil = 0, time.Time{}
		return nil
	})
}

// BeginAttempt implements mfa.Store.
func (s *MFA) BeginAttempt(ctx context.Context, userID string, now time.Time, p mfa.LockPolicy) (mfa.State, error) {
	var st mfa.State
	err := s.withRecord(ctx, userID, func(r *mfa.State) error {
		if r.LockedUntil.After(now) {
			st = *r
			return mfa.ErrLocked
		}
		r.Failures++
		if d := p.LockFor(r.Failures); d > 0 {
			r.LockedUntil = now.Add(d)
		}
		st = *r
		return nil
	})
	return st, err
}

// AcceptStep implements mfa.Store.
func (s *MFA) AcceptStep(ctx context.Context, userID string, seed []byte, step int64) error {
	return s.withRecord(ctx, userID, func(r *mfa.State) error {
		if !r.Enabled || r.LastStep >= step || !bytes.Equal(r.Seed, seed) {
			return mfa.ErrConflict
		}
		r.LastStep = step
		r.Failures, r.LockedUntil = 0, time.Time{}
		return nil
	})
}

// UseRecoveryCode implements mfa.Store.
func (s *MFA) UseRecoveryCode(ctx context.Context, userID, index string, hash []byte) error {
	return s.withRecord(ctx, userID, func(r *mfa.State) error {
		if !r.Enabled {
			return mfa.ErrConflict
		}
		i := slices.IndexFunc(r.Recovery, func(h mfa.RecoveryHash) bool {
			return h.Index == index && bytes.Equal(h.Hash, hash)
		})
		if i < 0 {
			return mfa.ErrConflict
		}
		r.Recovery = slices.Delete(slices.Clone(r.Recovery), i, i+1)
		r.Failures, r.LockedUntil = 0, time.Time{}
		return nil
	})
}

// ReplaceRecoveryCodes implements mfa.Store.
func (s *MFA) ReplaceRecoveryCodes(ctx context.Context, userID string, seed []byte, codes []mfa.RecoveryHash) error {
	return s.withRecord(ctx, userID, func(r *mfa.State) error {
		if !r.Enabled || !bytes.Equal(r.Seed, seed) {
			return mfa.ErrConflict
		}
		r.Recovery = cloneHashes(codes)
		return nil
	})
}

// Delete implements mfa.Store.
func (s *MFA) Delete(ctx context.Context, userID string, seed []byte) error {
	return s.withRecord(ctx, userID, func(r *mfa.State) error {
		if r.Seed == nil || !bytes.Equal(r.Seed, seed) {
			return mfa.ErrConflict
		}
		delete(s.m, userID)
		return nil
	})
}

// locked returns ctx's error wrapped as "memstore: mfa: %w", and
// otherwise f's result, with f run holding s.mu. f must stay within this
// file: it may read and write s.m and its records (replacing, never
// mutating, stored slices) and must call nothing that could block or
// re-enter s.
func (s *MFA) locked(ctx context.Context, f func() error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: mfa: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return f()
}

// withRecord is locked for a method that needs userID's record: it
// returns mfa.ErrNotFound when there is none, and otherwise f's result,
// with f run on the stored record under s.mu (see locked for what f may
// do).
func (s *MFA) withRecord(ctx context.Context, userID string, f func(r *mfa.State) error) error {
	return s.locked(ctx, func() error {
		r, ok := s.m[userID]
		if !ok {
			return mfa.ErrNotFound
		}
		return f(r)
	})
}

func cloneHashes(in []mfa.RecoveryHash) []mfa.RecoveryHash {
	out := make([]mfa.RecoveryHash, len(in))
	for i, h := range in {
		h.Salt = bytes.Clone(h.Salt)
		h.Hash = bytes.Clone(h.Hash)
		out[i] = h
	}
	return out
}

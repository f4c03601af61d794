package memstore

import (
	"context"
	"sync"
	"time"

	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
	"github.com/tenantgate/tenantgate/verify"
)

var _ verify.Store = (*Tokens)(nil)

// Tokens is the in-memory verify.Store. Records are keyed by token hash
// under one mutex, so Consume's check-and-mark is atomic; an index by user
// and purpose serves Revoke. Expired records are kept until Purge removes
// them (no decision depends on removal). Safe for concurrent use.
type Tokens struct {
	mu     sync.Mutex
	byHash map[verify.Hash]*verify.Record
	byUser map[tokenOwner][]verify.Hash
}

type tokenOwner struct {
	user    tenancy.UserID
	purpose verify.Purpose
}

// NewTokens returns an empty token store.
func NewTokens() *Tokens {
	return &Tokens{
		byHash: make(map[verify.Hash]*verify.Record),
		byUser: make(map[tokenOwner][]verify.Hash),
	}
}

// Insert implements verify.Store.
func (s *Tokens) Insert(ctx context.Context, r verify.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byHash[r.Hash]; ok {
		return problem.ErrConflict
	}
	rec := r
	s.byHash[r.Hash] = &rec
	k := tokenOwner{r.User, r.Purpose}
	s.byUser[k] = append(s.byUser[k], r.Hash)
	return nil
}

// Consume implements verify.Store.
func (s *Tokens) Consume(ctx context.Context, h verify.Hash, p verify.Purpose, now time.Time) (verify.Record, error) {
	if err := ctx.Err(); err != nil {
		return verify.Record{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.byHash[h]
	if !ok || r.Purpose != p || !r.UsedAt.IsZero() || !now.Before(r.ExpiresAt) {
		return verify.Record{}, problem.ErrInvalidToken
	}
	r.UsedAt = now
	return *r, nil
}

// Revoke implements verify.Store.
func (s *Tokens) Revoke(ctx context.Context, u tenancy.UserID, p verify.Purpose, now time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, h := range s.byUser[tokenOwner{u, p}] {
		if r := s.byHash[h]; r != nil && r.UsedAt.IsZero() {
			r.UsedAt = now
			n++
		}
	}
	return n, nil
}

// Purge removes the records that expired at or before now, and returns how
// many it removed. Call it periodically to bound memory; correctness never
// depends on it.
func (s *Tokens) Purge(now time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for h, r := range s.byHash {
		if !now.Before(r.ExpiresAt) {
			delete(s.byHash, h)
			n++
		}
	}
	for k, hs := range s.byUser {
		kept := hs[:0]
		for _, h := range hs {
			if _, ok := s.byHash[h]; ok {
				kept = append(kept, h)
			}
		}
		if len(kept) == 0 {
			delete(s.byUser, k)
		} else {
			s.byUser[k] = kept
		}
	}
	return n
}

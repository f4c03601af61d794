package memstore

import (
	"bytes"
	"context"
	"crypto/subtle"
	"sort"
	"sync"
	"time"

	"github.com/tenantgate/tenantgate/tenancy"
)

// InviteCodes stores closed-beta invite codes in memory. A redemption
// compares the presented hash with every stored hash in constant time
// (crypto/subtle, no early exit), so its duration depends only on the
// number of codes. It is safe for concurrent use.
type InviteCodes struct {
	mu    sync.Mutex
	codes []tenancy.InviteCode
}

var _ tenancy.InviteCodeStore = (*InviteCodes)(nil)

// NewInviteCodes returns an empty invite code store.
func NewInviteCodes() *InviteCodes { return &InviteCodes{} }

// find returns the index of the code with hash h, or -1, comparing against
// every code in constant time. The caller holds s.mu.
func (s *InviteCodes) find(h tenancy.InviteCodeHash) int {
	idx := -1
	for i := range s.codes {
		if subtle.ConstantTimeCompare(s.codes[i].Hash[:], h[:]) == 1 {
			idx = i
		}
	}
	return idx
}

// AddInviteCode implements tenancy.InviteCodeStore.
func (s *InviteCodes) AddInviteCode(ctx context.Context, c tenancy.InviteCode) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.find(c.Hash) >= 0 {
		return tenancy.ErrConflict
	}
	s.codes = append(s.codes, c)
	return nil
}

// RedeemInviteCode implements tenancy.InviteCodeStore.
func (s *InviteCodes) RedeemInviteCode(ctx context.Context, h tenancy.InviteCodeHash, now time.Time) (tenancy.InviteCode, error) {
	if err := ctx.Err(); err != nil {
		return tenancy.InviteCode{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.find(h)
	if i < 0 || !s.codes[i].Usable(now) {
		return tenancy.InviteCode{}, tenancy.ErrInviteCodeUnusable
	}
	s.codes[i].Uses++
	return s.codes[i], nil
}

// ReleaseInviteCode implements tenancy.InviteCodeStore.
func (s *InviteCodes) ReleaseInviteCode(ctx context.Context, h tenancy.InviteCodeHash) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.find(h)
	if i < 0 {
		return tenancy.ErrNotFound
	}
	if s.codes[i].Uses > 0 {
		s.codes[i].Uses--
	}
	return nil
}

// InviteCodes implements tenancy.InviteCodeStore.
func (s *InviteCodes) InviteCodes(ctx context.Context) ([]tenancy.InviteCode, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	out := append([]tenancy.InviteCode(nil), s.codes...)
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Label != out[j].Label {
			return out[i].Label < out[j].Label
		}
		return bytes.Compare(out[i].Hash[:], out[j].Hash[:]) < 0
	})
	return out, nil
}

package memstore

import (
	"bytes"
	"context"
	"sort"

	"github.com/tenantgate/tenantgate/tenancy"
	"github.com/tenantgate/tenantgate/verify"
)

// UserTokens returns every token record of user, ordered by CreatedAt then
// Hash (see privacy.Tokens).
func (s *Tokens) UserTokens(ctx context.Context, user tenancy.UserID) ([]verify.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	out := []verify.Record{}
	for k, hs := range s.byUser {
		if k.user != user {
			continue
		}
		for _, h := range hs {
			if r := s.byHash[h]; r != nil {
				out = append(out, *r)
			}
		}
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return bytes.Compare(out[i].Hash[:], out[j].Hash[:]) < 0
	})
	return out, nil
}

// DeleteUserTokens deletes every token record of user and reports how many
// (see privacy.Tokens).
func (s *Tokens) DeleteUserTokens(ctx context.Context, user tenancy.UserID) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, hs := range s.byUser {
		if k.user != user {
			continue
		}
		for _, h := range hs {
			if _, ok := s.byHash[h]; ok {
				delete(s.byHash, h)
				n++
			}
		}
		delete(s.byUser, k)
	}
	return n, nil
}

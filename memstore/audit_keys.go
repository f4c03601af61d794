package memstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"sync"

	"github.com/tenantgate/tenantgate/audit"
)

// SubjectKeys stores per-subject audit keys in memory (see
// audit.SubjectKeys). Destroy zeroes the key and keeps a tombstone.
type SubjectKeys struct {
	mu   sync.Mutex
	keys map[string]*subjectKey
}

type subjectKey struct {
	key    []byte
	erased bool
}

var _ audit.SubjectKeys = (*SubjectKeys)(nil)

// NewSubjectKeys returns an empty key store.
func NewSubjectKeys() *SubjectKeys {
	return &SubjectKeys{keys: map[string]*subjectKey{}}
}

// GetOrCreate implements audit.SubjectKeys.
func (s *SubjectKeys) GetOrCreate(ctx context.Context, subject string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: subject key: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.keys[subject]
	if k == nil {
		k = &subjectKey{key: make([]byte, audit.KeySize)}
		_, _ = rand.Read(k.key) // never fails (crypto/rand)
		s.keys[subject] = k
	}
	if k.erased {
		return nil, audit.ErrSubjectErased
	}
	return bytes.Clone(k.key), nil
}

// Get implements audit.SubjectKeys.
func (s *SubjectKeys) Get(ctx context.Context, subject string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: subject key: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.keys[subject]
	switch {
	case k == nil:
		return nil, audit.ErrKeyNotFound
	case k.erased:
		return nil, audit.ErrSubjectErased
	}
	return bytes.Clone(k.key), nil
}

// Destroy implements audit.SubjectKeys.
func (s *SubjectKeys) Destroy(ctx context.Context, subject string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: subject key: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.keys[subject]
	if k == nil {
		s.keys[subject] = &subjectKey{erased: true}
		return nil
	}
	clear(k.key)
	k.key, k.erased = nil, true
	return nil
}

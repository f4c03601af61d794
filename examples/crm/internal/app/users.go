package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"sync"
	"time"

	"github.com/tenantgate/tenantgate/tenancy"
)

// errNoUser is the not-found sentinel of the user store.
var errNoUser = errors.New("app: user not found")

// user is an account of the example's own authentication.
type user struct {
	ID           tenancy.UserID
	Email        string // normalized
	PasswordHash string // argon2id PHC string
	Verified     bool
	Operator     bool
	CreatedAt    time.Time
}

// session is a login; only the SHA-256 of its token is stored.
type session struct {
	User      tenancy.UserID
	ExpiresAt time.Time
	// Impersonator is the operator acting as User ("" normally).
	Impersonator tenancy.UserID
}

// sessionTTL bounds a session's life.
const sessionTTL = 12 * time.Hour

// accounts stores users and sessions in memory. Safe for concurrent use.
type accounts struct {
	mu       sync.RWMutex
	byID     map[tenancy.UserID]*user
	byEmail  map[string]tenancy.UserID
	sessions map[[32]byte]session
}

func newAccounts() *accounts {
	return &accounts{
		byID:     map[tenancy.UserID]*user{},
		byEmail:  map[string]tenancy.UserID{},
		sessions: map[[32]byte]session{},
	}
}

// create stores u unless its email is taken (then it returns false).
func (s *accounts) create(_ context.Context, u user) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byEmail[u.Email]; ok {
		return false
	}
	s.byID[u.ID] = &u
	s.byEmail[u.Email] = u.ID
	return true
}

func (s *accounts) byEmailAddr(_ context.Context, email string) (user, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.byEmail[email]
	if !ok {
		return user{}, errNoUser
	}
	return *s.byID[id], nil
}

func (s *accounts) get(_ context.Context, id tenancy.UserID) (user, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.byID[id]
	if !ok {
		return user{}, errNoUser
	}
	return *u, nil
}

// update applies f to the stored user atomically.
func (s *accounts) update(_ context.Context, id tenancy.UserID, f func(*user)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.byID[id]
	if !ok {
		return errNoUser
	}
	f(u)
	return nil
}

// remove deletes a user and every session of theirs.
func (s *accounts) remove(_ context.Context, id tenancy.UserID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.byID[id]; ok {
		delete(s.byEmail, u.Email)
		delete(s.byID, id)
	}
	for k, v := range s.sessions {
		if v.User == id {
			delete(s.sessions, k)
		}
	}
}

// newSession stores a session and returns its token (shown once).
func (s *accounts) newSession(_ context.Context, sess session) string {
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	tok := base64.RawURLEncoding.EncodeToString(raw[:])
	s.mu.Lock()
	s.sessions[sha256.Sum256([]byte(tok))] = sess
	s.mu.Unlock()
	return tok
}

// session returns the live session of token at now.
func (s *accounts) session(_ context.Context, token string, now time.Time) (session, bool) {
	k := sha256.Sum256([]byte(token))
	s.mu.RLock()
	sess, ok := s.sessions[k]
	s.mu.RUnlock()
	if !ok || !now.Before(sess.ExpiresAt) {
		return session{}, false
	}
	return sess, true
}

func (s *accounts) endSession(_ context.Context, token string) {
	k := sha256.Sum256([]byte(token))
	s.mu.Lock()
	delete(s.sessions, k)
	s.mu.Unlock()
}

// endSessions ends every session of a user (password reset).
func (s *accounts) endSessions(_ context.Context, id tenancy.UserID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.sessions {
		if v.User == id {
			delete(s.sessions, k)
		}
	}
}

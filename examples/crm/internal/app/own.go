package app

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tenantgate/tenantgate/tenancy"
)

// The example's own data — accounts, sessions, contacts and channel
// credentials — sits behind the small interfaces of this file, each with an
// in-memory implementation here and a MongoDB one in the mongoapp package.
// Each method is one atomic operation of its backend.

// Sentinels of the example's own stores.
var (
	// ErrNoUser: no account with that id or address.
	ErrNoUser = errors.New("app: user not found")
	// ErrEmailTaken: an account with that address exists.
	ErrEmailTaken = errors.New("app: email taken")
	// ErrNoSession: no session with that token hash.
	ErrNoSession = errors.New("app: session not found")
	// ErrNoContact: no contact with that id in that workspace.
	ErrNoContact = errors.New("app: contact not found")
	// ErrChannelsChanged: the channels changed since they were read.
	ErrChannelsChanged = errors.New("app: channels changed")
)

// User is an account of the example's own authentication.
type User struct {
	ID tenancy.UserID
	// Email is the canonical address (disposable.Normalize).
	Email string
	// PasswordHash is an argon2id PHC string.
	PasswordHash string
	Verified     bool
	Operator     bool
	CreatedAt    time.Time
}

// Session is a login. Only the SHA-256 of its token is stored.
type Session struct {
	User tenancy.UserID
	// Impersonator is the operator acting as User ("" normally), under
	// the grant ImpersonationID.
	Impersonator    tenancy.UserID
	ImpersonationID string
	ExpiresAt       time.Time
}

// TokenHash is the SHA-256 of a session token's 32 raw bytes (not of its
// text), the only form of a token that is stored.
type TokenHash [32]byte

// AccountStore stores users and sessions.
type AccountStore interface {
	// CreateUser stores u; ErrEmailTaken when u.Email exists (atomic: of
	// two concurrent registrations of one address exactly one succeeds).
	CreateUser(ctx context.Context, u User) error
	// UserByEmail and UserByID return the user, or ErrNoUser.
	UserByEmail(ctx context.Context, email string) (User, error)
	UserByID(ctx context.Context, id tenancy.UserID) (User, error)
	// MarkVerified sets Verified on user id if its address is still
	// email; ErrNoUser otherwise. One conditional update.
	MarkVerified(ctx context.Context, id tenancy.UserID, email string) error
	// SetPasswordHash replaces the hash of user id if its address is
	// still email; ErrNoUser otherwise. One conditional update.
	SetPasswordHash(ctx context.Context, id tenancy.UserID, email, hash string) error
	// DeleteUser removes the user and every session of theirs (an unknown
	// user is not an error).
	DeleteUser(ctx context.Context, id tenancy.UserID) error
	// CreateSession stores s under h.
	CreateSession(ctx context.Context, h TokenHash, s Session) error
	// SessionByHash returns the session stored under h, or ErrNoSession.
	// Expiry is the caller's to check against its clock.
	SessionByHash(ctx context.Context, h TokenHash) (Session, error)
	// DeleteSession removes one session; DeleteSessions every session of
	// a user. Unknown ones are not errors.
	DeleteSession(ctx context.Context, h TokenHash) error
	DeleteSessions(ctx context.Context, user tenancy.UserID) error
}

// Contact is the CRM's one resource, always scoped to a workspace.
type Contact struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// ContactPatch is a partial update; nil fields are kept.
type ContactPatch struct {
	Name, Email *string
}

// ContactStore stores contacts. Every method is scoped to a workspace: a
// contact id of another workspace is ErrNoContact.
type ContactStore interface {
	CreateContact(ctx context.Context, ws tenancy.WorkspaceID, c Contact) error
	// Contact returns one contact or ErrNoContact.
	Contact(ctx context.Context, ws tenancy.WorkspaceID, id string) (Contact, error)
	// UpdateContact applies p atomically and returns the result, or
	// ErrNoContact.
	UpdateContact(ctx context.Context, ws tenancy.WorkspaceID, id string, p ContactPatch) (Contact, error)
	// DeleteContact removes one contact, or answers ErrNoContact.
	DeleteContact(ctx context.Context, ws tenancy.WorkspaceID, id string) error
	// Contacts lists contacts with an id greater than after, in id order
	// (ids sort by creation time), at most limit.
	Contacts(ctx context.Context, ws tenancy.WorkspaceID, after string, limit int) ([]Contact, error)
}

// SealedChannels is a workspace's channel settings as stored: credentials
// sealed with the server's keyring, never in clear.
type SealedChannels struct {
	Telegram, WhatsApp, Resend []byte
	PhoneNumberID, From        string
	// Version increases with every write (compare-and-set).
	Version int64
}

// ChannelStore stores channel settings.
type ChannelStore interface {
	// Channels returns ws's settings (the zero value when none).
	Channels(ctx context.Context, ws tenancy.WorkspaceID) (SealedChannels, error)
	// PutChannels stores c if the stored Version equals c.Version
	// (compare-and-set, ErrChannelsChanged otherwise) and returns it with
	// Version incremented.
	PutChannels(ctx context.Context, ws tenancy.WorkspaceID, c SealedChannels) (SealedChannels, error)
}

// newContactID returns an id that sorts by creation time: "c-", 12 hex
// digits of Unix milliseconds, then 12 random hex digits.
func newContactID(now time.Time) string {
	var b [12]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	_, _ = rand.Read(b[6:])
	const hexdigits = "0123456789abcdef"
	out := make([]byte, 2, 26)
	copy(out, "c-")
	for _, c := range b {
		out = append(out, hexdigits[c>>4], hexdigits[c&15])
	}
	return string(out)
}

// ---- in memory ----

// MemAccounts is the in-memory AccountStore. Safe for concurrent use.
type MemAccounts struct {
	mu       sync.RWMutex
	byID     map[tenancy.UserID]User
	byEmail  map[string]tenancy.UserID
	sessions map[TokenHash]Session
}

var _ AccountStore = (*MemAccounts)(nil)

// NewMemAccounts returns an empty store.
func NewMemAccounts() *MemAccounts {
	return &MemAccounts{byID: map[tenancy.UserID]User{}, byEmail: map[string]tenancy.UserID{}, sessions: map[TokenHash]Session{}}
}

// CreateUser implements AccountStore.
func (s *MemAccounts) CreateUser(_ context.Context, u User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byEmail[u.Email]; ok {
		return ErrEmailTaken
	}
	s.byID[u.ID] = u
	s.byEmail[u.Email] = u.ID
	return nil
}

// UserByEmail implements AccountStore.
func (s *MemAccounts) UserByEmail(_ context.Context, email string) (User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.byEmail[email]
	if !ok {
		return User{}, ErrNoUser
	}
	return s.byID[id], nil
}

// UserByID implements AccountStore.
func (s *MemAccounts) UserByID(_ context.Context, id tenancy.UserID) (User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.byID[id]
	if !ok {
		return User{}, ErrNoUser
	}
	return u, nil
}

func (s *MemAccounts) updateIf(id tenancy.UserID, email string, f func(*User)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.byID[id]
	if !ok || u.Email != email {
		return ErrNoUser
	}
	f(&u)
	s.byID[id] = u
	return nil
}

// MarkVerified implements AccountStore.
func (s *MemAccounts) MarkVerified(_ context.Context, id tenancy.UserID, email string) error {
	return s.updateIf(id, email, func(u *User) { u.Verified = true })
}

// SetPasswordHash implements AccountStore.
func (s *MemAccounts) SetPasswordHash(_ context.Context, id tenancy.UserID, email, hash string) error {
	return s.updateIf(id, email, func(u *User) { u.PasswordHash = hash })
}

// DeleteUser implements AccountStore.
func (s *MemAccounts) DeleteUser(_ context.Context, id tenancy.UserID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.byID[id]; ok {
		delete(s.byEmail, u.Email)
		delete(s.byID, id)
	}
	for h, sess := range s.sessions {
		if sess.User == id {
			delete(s.sessions, h)
		}
	}
	return nil
}

// CreateSession implements AccountStore.
func (s *MemAccounts) CreateSession(_ context.Context, h TokenHash, sess Session) error {
	s.mu.Lock()
	s.sessions[h] = sess
	s.mu.Unlock()
	return nil
}

// SessionByHash implements AccountStore.
func (s *MemAccounts) SessionByHash(_ context.Context, h TokenHash) (Session, error) {
	s.mu.RLock()
	sess, ok := s.sessions[h]
	s.mu.RUnlock()
	if !ok {
		return Session{}, ErrNoSession
	}
	return sess, nil
}

// DeleteSession implements AccountStore.
func (s *MemAccounts) DeleteSession(_ context.Context, h TokenHash) error {
	s.mu.Lock()
	delete(s.sessions, h)
	s.mu.Unlock()
	return nil
}

// DeleteSessions implements AccountStore.
func (s *MemAccounts) DeleteSessions(_ context.Context, user tenancy.UserID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for h, sess := range s.sessions {
		if sess.User == user {
			delete(s.sessions, h)
		}
	}
	return nil
}

// MemContacts is the in-memory ContactStore. Safe for concurrent use.
type MemContacts struct {
	mu  sync.RWMutex
	all map[tenancy.WorkspaceID]*memWS
}

type memWS struct {
	ids  []string // sorted
	data map[string]Contact
}

var _ ContactStore = (*MemContacts)(nil)

// NewMemContacts returns an empty store.
func NewMemContacts() *MemContacts { return &MemContacts{all: map[tenancy.WorkspaceID]*memWS{}} }

// CreateContact implements ContactStore.
func (s *MemContacts) CreateContact(_ context.Context, ws tenancy.WorkspaceID, c Contact) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.all[ws]
	if w == nil {
		w = &memWS{data: map[string]Contact{}}
		s.all[ws] = w
	}
	i, found := slices.BinarySearch(w.ids, c.ID)
	if !found {
		w.ids = slices.Insert(w.ids, i, c.ID)
	}
	w.data[c.ID] = c
	return nil
}

// Contact implements ContactStore.
func (s *MemContacts) Contact(_ context.Context, ws tenancy.WorkspaceID, id string) (Contact, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if w := s.all[ws]; w != nil {
		if c, ok := w.data[id]; ok {
			return c, nil
		}
	}
	return Contact{}, ErrNoContact
}

// UpdateContact implements ContactStore.
func (s *MemContacts) UpdateContact(_ context.Context, ws tenancy.WorkspaceID, id string, p ContactPatch) (Contact, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.all[ws]
	if w == nil {
		return Contact{}, ErrNoContact
	}
	c, ok := w.data[id]
	if !ok {
		return Contact{}, ErrNoContact
	}
	if p.Name != nil {
		c.Name = *p.Name
	}
	if p.Email != nil {
		c.Email = *p.Email
	}
	w.data[id] = c
	return c, nil
}

// DeleteContact implements ContactStore.
func (s *MemContacts) DeleteContact(_ context.Context, ws tenancy.WorkspaceID, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.all[ws]
	if w == nil {
		return ErrNoContact
	}
	if _, ok := w.data[id]; !ok {
		return ErrNoContact
	}
	delete(w.data, id)
	if i, found := slices.BinarySearch(w.ids, id); found {
		w.ids = slices.Delete(w.ids, i, i+1)
	}
	return nil
}

// Contacts implements ContactStore.
func (s *MemContacts) Contacts(_ context.Context, ws tenancy.WorkspaceID, after string, limit int) ([]Contact, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []Contact{}
	w := s.all[ws]
	if w == nil {
		return out, nil
	}
	i, _ := slices.BinarySearchFunc(w.ids, after, func(id, after string) int { return strings.Compare(id, after) })
	for ; i < len(w.ids) && len(out) < limit; i++ {
		if w.ids[i] > after {
			out = append(out, w.data[w.ids[i]])
		}
	}
	return out, nil
}

// MemChannels is the in-memory ChannelStore. Safe for concurrent use.
type MemChannels struct {
	mu  sync.Mutex
	all map[tenancy.WorkspaceID]SealedChannels
}

var _ ChannelStore = (*MemChannels)(nil)

// NewMemChannels returns an empty store.
func NewMemChannels() *MemChannels {
	return &MemChannels{all: map[tenancy.WorkspaceID]SealedChannels{}}
}

// Channels implements ChannelStore.
func (s *MemChannels) Channels(_ context.Context, ws tenancy.WorkspaceID) (SealedChannels, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.all[ws], nil
}

// PutChannels implements ChannelStore.
func (s *MemChannels) PutChannels(_ context.Context, ws tenancy.WorkspaceID, c SealedChannels) (SealedChannels, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.all[ws].Version != c.Version {
		return SealedChannels{}, ErrChannelsChanged
	}
	c.Version++
	s.all[ws] = c
	return c, nil
}

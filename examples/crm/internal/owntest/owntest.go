// Package owntest is the conformance suite of the reference server's own
// stores (app.AccountStore, app.ContactStore, app.ChannelStore), run by
// the in-memory implementations and, with TENANTGATE_MONGO_URI set, by the
// MongoDB ones. Each subtest gets a fresh store.
package owntest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/examples/crm/internal/app"
	"github.com/tenantgate/tenantgate/tenancy"
)

// RunAccountStore checks an app.AccountStore.
func RunAccountStore(t *testing.T, newStore func(t *testing.T) app.AccountStore) {
	ctx := context.Background()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	ann := app.User{ID: "u-ann", Email: "ann@example.com", PasswordHash: "h1", CreatedAt: now}

	t.Run("create and read back", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.CreateUser(ctx, ann))
		got, err := s.UserByEmail(ctx, ann.Email)
		require.NoError(t, err)
		assert.Equal(t, ann.ID, got.ID)
		assert.True(t, ann.CreatedAt.Equal(got.CreatedAt))
		got, err = s.UserByID(ctx, ann.ID)
		require.NoError(t, err)
		assert.Equal(t, ann.Email, got.Email)
		_, err = s.UserByEmail(ctx, "nobody@example.com")
		assert.ErrorIs(t, err, app.ErrNoUser)
		_, err = s.UserByID(ctx, "u-nobody")
		assert.ErrorIs(t, err, app.ErrNoUser)
	})
	t.Run("one account per address under concurrency", func(t *testing.T) {
		s := newStore(t)
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				u := ann
				u.ID = tenancy.UserID("u-" + string(rune('a'+i)))
				err := s.CreateUser(ctx, u)
				if err == nil {
					wins.Add(1)
				} else {
					assert.ErrorIs(t, err, app.ErrEmailTaken)
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, int32(1), wins.Load())
	})
	t.Run("verification and password changes are conditional on the address", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.CreateUser(ctx, ann))
		assert.ErrorIs(t, s.MarkVerified(ctx, ann.ID, "old@example.com"), app.ErrNoUser)
		assert.ErrorIs(t, s.SetPasswordHash(ctx, ann.ID, "old@example.com", "evil"), app.ErrNoUser)
		assert.ErrorIs(t, s.MarkVerified(ctx, "u-nobody", ann.Email), app.ErrNoUser)
		got, _ := s.UserByID(ctx, ann.ID)
		assert.False(t, got.Verified)
		assert.Equal(t, "h1", got.PasswordHash)
		require.NoError(t, s.MarkVerified(ctx, ann.ID, ann.Email))
		require.NoError(t, s.SetPasswordHash(ctx, ann.ID, ann.Email, "h2"))
		got, _ = s.UserByID(ctx, ann.ID)
		assert.True(t, got.Verified)
		assert.Equal(t, "h2", got.PasswordHash)
	})
	t.Run("sessions", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.CreateUser(ctx, ann))
		h1, h2, other := app.TokenHash{1}, app.TokenHash{2}, app.TokenHash{3}
		require.NoError(t, s.CreateSession(ctx, h1, app.Session{User: ann.ID, ExpiresAt: now.Add(time.Hour)}))
		require.NoError(t, s.CreateSession(ctx, h2, app.Session{User: ann.ID, ExpiresAt: now.Add(time.Hour)}))
		imp := app.Session{User: "u-bob", Impersonator: "u-op", ImpersonationID: "imp-1", ExpiresAt: now.Add(time.Hour)}
		require.NoError(t, s.CreateSession(ctx, other, imp))
		got, err := s.SessionByHash(ctx, other)
		require.NoError(t, err)
		assert.Equal(t, imp.Impersonator, got.Impersonator)
		assert.Equal(t, imp.ImpersonationID, got.ImpersonationID)
		got, err = s.SessionByHash(ctx, h1)
		require.NoError(t, err)
		assert.Equal(t, ann.ID, got.User)
		assert.True(t, now.Add(time.Hour).Equal(got.ExpiresAt))
		_, err = s.SessionByHash(ctx, app.TokenHash{9})
		assert.ErrorIs(t, err, app.ErrNoSession)
		require.NoError(t, s.DeleteSession(ctx, h1))
		_, err = s.SessionByHash(ctx, h1)
		assert.ErrorIs(t, err, app.ErrNoSession)
		require.NoError(t, s.DeleteSessions(ctx, ann.ID))
		_, err = s.SessionByHash(ctx, h2)
		assert.ErrorIs(t, err, app.ErrNoSession)
		_, err = s.SessionByHash(ctx, other)
		assert.NoError(t, err, "another user's session stays")
	})
	t.Run("deleting a user ends their sessions", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.CreateUser(ctx, ann))
		require.NoError(t, s.CreateSession(ctx, app.TokenHash{1}, app.Session{User: ann.ID, ExpiresAt: now.Add(time.Hour)}))
		require.NoError(t, s.DeleteUser(ctx, ann.ID))
		_, err := s.UserByEmail(ctx, ann.Email)
		assert.ErrorIs(t, err, app.ErrNoUser)
		_, err = s.SessionByHash(ctx, app.TokenHash{1})
		assert.ErrorIs(t, err, app.ErrNoSession)
		require.NoError(t, s.DeleteUser(ctx, ann.ID), "deleting twice is not an error")
		require.NoError(t, s.CreateUser(ctx, ann), "the address is free again")
	})
}

// RunContactStore checks an app.ContactStore.
func RunContactStore(t *testing.T, newStore func(t *testing.T) app.ContactStore) {
	ctx := context.Background()
	name := func(s string) *string { return &s }
	t.Run("scoped to the workspace", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.CreateContact(ctx, "ws-a", app.Contact{ID: "c-1", Name: "Ada"}))
		_, err := s.Contact(ctx, "ws-b", "c-1")
		assert.ErrorIs(t, err, app.ErrNoContact)
		_, err = s.UpdateContact(ctx, "ws-b", "c-1", app.ContactPatch{Name: name("pwned")})
		assert.ErrorIs(t, err, app.ErrNoContact)
		assert.ErrorIs(t, s.DeleteContact(ctx, "ws-b", "c-1"), app.ErrNoContact)
		list, err := s.Contacts(ctx, "ws-b", "", 10)
		require.NoError(t, err)
		assert.Empty(t, list)
		got, err := s.Contact(ctx, "ws-a", "c-1")
		require.NoError(t, err)
		assert.Equal(t, "Ada", got.Name)
	})
	t.Run("patch keeps absent fields", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.CreateContact(ctx, "ws-a", app.Contact{ID: "c-1", Name: "Ada", Email: "ada@example.com"}))
		got, err := s.UpdateContact(ctx, "ws-a", "c-1", app.ContactPatch{Name: name("Ada L.")})
		require.NoError(t, err)
		assert.Equal(t, app.Contact{ID: "c-1", Name: "Ada L.", Email: "ada@example.com"}, got)
	})
	t.Run("list in id order after the cursor", func(t *testing.T) {
		s := newStore(t)
		for _, id := range []string{"c-3", "c-1", "c-2", "c-4"} {
			require.NoError(t, s.CreateContact(ctx, "ws-a", app.Contact{ID: id, Name: id}))
		}
		require.NoError(t, s.DeleteContact(ctx, "ws-a", "c-2"))
		page, err := s.Contacts(ctx, "ws-a", "", 2)
		require.NoError(t, err)
		assert.Equal(t, []string{"c-1", "c-3"}, ids(page))
		page, err = s.Contacts(ctx, "ws-a", "c-3", 2)
		require.NoError(t, err)
		assert.Equal(t, []string{"c-4"}, ids(page))
	})
}

func ids(cs []app.Contact) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

// RunChannelStore checks an app.ChannelStore.
func RunChannelStore(t *testing.T, newStore func(t *testing.T) app.ChannelStore) {
	ctx := context.Background()
	t.Run("absent is the zero value", func(t *testing.T) {
		got, err := newStore(t).Channels(ctx, "ws-a")
		require.NoError(t, err)
		assert.Equal(t, app.SealedChannels{}, got)
	})
	t.Run("compare-and-set on the version", func(t *testing.T) {
		s := newStore(t)
		v1, err := s.PutChannels(ctx, "ws-a", app.SealedChannels{Telegram: []byte("sealed"), From: "a@example.com"})
		require.NoError(t, err)
		assert.Equal(t, int64(1), v1.Version)
		_, err = s.PutChannels(ctx, "ws-a", app.SealedChannels{From: "stale"})
		assert.ErrorIs(t, err, app.ErrChannelsChanged)
		got, err := s.Channels(ctx, "ws-a")
		require.NoError(t, err)
		assert.Equal(t, []byte("sealed"), got.Telegram)
		assert.Equal(t, int64(1), got.Version)
		other, err := s.Channels(ctx, "ws-b")
		require.NoError(t, err)
		assert.Zero(t, other.Version, "workspaces are separate")
	})
	t.Run("exactly one of concurrent writers of one version wins", func(t *testing.T) {
		s := newStore(t)
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.PutChannels(ctx, "ws-a", app.SealedChannels{From: "x"}); err == nil {
					wins.Add(1)
				} else {
					assert.ErrorIs(t, err, app.ErrChannelsChanged)
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, int32(1), wins.Load())
	})
}

package app

import (
	"context"
	"crypto/rand"
	"net/http"
	"time"

	"github.com/tenantgate/tenantgate/internal/token"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

// sessionTTL bounds a session's life on the server's clock.
const sessionTTL = 12 * time.Hour

// newSessionToken returns a fresh session token (the library's token
// format: 32 bytes from crypto/rand, 43 characters of unpadded base64url)
// and the hash it is stored under: the SHA-256 of the raw bytes.
func newSessionToken() (string, TokenHash) {
	var raw [token.Size]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	tok, h := token.Encode(&raw)
	return tok, TokenHash(h)
}

// sessionHash returns the hash a presented session token is stored under.
// ok is false for any text that is not exactly the canonical spelling of a
// token (another length, padding, the standard alphabet, stray trailing
// bits): such a token names no session and is refused before any store
// lookup.
func sessionHash(tok string) (h TokenHash, ok bool) {
	sum, ok := token.Parse(tok)
	return TokenHash(sum), ok
}

// newSession stores a session of u for sessionTTL and returns its token,
// shown once; only its hash is stored.
func (a *App) newSession(ctx context.Context, u tenancy.UserID) (string, error) {
	tok, h := newSessionToken()
	err := a.stores.Accounts.CreateSession(ctx, h, Session{User: u, ExpiresAt: a.clock.Now().Add(sessionTTL)})
	return tok, err
}

// newSessionFor stores s and returns its token.
func (a *App) newSessionFor(r *http.Request, s Session) (string, error) {
	tok, h := newSessionToken()
	if err := a.stores.Accounts.CreateSession(r.Context(), h, s); err != nil {
		return "", problem.Wrap(problem.CodeUnavailable, err)
	}
	return tok, nil
}

// session returns the live session of tok at now; a token that is not
// canonical is no session, without a store lookup.
func (a *App) session(ctx context.Context, tok string, now time.Time) (Session, bool, error) {
	h, ok := sessionHash(tok)
	if !ok {
		return Session{}, false, nil
	}
	s, err := a.stores.Accounts.SessionByHash(ctx, h)
	if err == ErrNoSession {
		return Session{}, false, nil
	}
	if err != nil {
		return Session{}, false, err
	}
	return s, now.Before(s.ExpiresAt), nil
}

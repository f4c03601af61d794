package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

// sessionTTL bounds a session's life on the server's clock.
const sessionTTL = 12 * time.Hour

func hashToken(tok string) TokenHash { return sha256.Sum256([]byte(tok)) }

// newSession stores a session and returns its token: 32 random bytes,
// shown once; only its SHA-256 is stored.
func (a *App) newSession(ctx context.Context, u tenancy.UserID) (string, error) {
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	tok := base64.RawURLEncoding.EncodeToString(raw[:])
	err := a.stores.Accounts.CreateSession(ctx, hashToken(tok), Session{User: u, ExpiresAt: a.clock.Now().Add(sessionTTL)})
	return tok, err
}

// newSessionFor stores s and returns its token.
func (a *App) newSessionFor(r *http.Request, s Session) (string, error) {
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	tok := base64.RawURLEncoding.EncodeToString(raw[:])
	if err := a.stores.Accounts.CreateSession(r.Context(), hashToken(tok), s); err != nil {
		return "", problem.Wrap(problem.CodeUnavailable, err)
	}
	return tok, nil
}

// session returns the live session of token at now.
func (a *App) session(ctx context.Context, token string, now time.Time) (Session, bool, error) {
	s, err := a.stores.Accounts.SessionByHash(ctx, hashToken(token))
	if err == ErrNoSession {
		return Session{}, false, nil
	}
	if err != nil {
		return Session{}, false, err
	}
	return s, now.Before(s.ExpiresAt), nil
}

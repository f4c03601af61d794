package app

// STAND-INS. Everything in this file replaces a library package that has
// not landed yet; each block names the package that will replace it. The
// example must not keep library logic of its own: once the package lands,
// its block is deleted and the server wired to the real thing.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

// ---- verify (issue 9): tokens, mailers, dev outbox ----

// Mail kinds, as the dev outbox reports them.
const (
	kindVerifyEmail   = "verify_email"
	kindResetPassword = "reset_password"
	kindInvite        = "invite"
)

// Mail is one outgoing message.
type Mail struct {
	To      string `json:"to"`
	Kind    string `json:"kind"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
	Token   string `json:"token"`
}

// Mailer sends mail.
type Mailer interface {
	Send(ctx context.Context, m Mail) error
}

// logMailer "sends" mail to the log: it records only that a mail of a kind
// was sent, never the recipient, body or token.
type logMailer struct{ log *slog.Logger }

func (l logMailer) Send(_ context.Context, m Mail) error {
	l.log.Info("mail sent", "kind", m.Kind)
	return nil
}

// outbox keeps every mail in memory for GET /dev/outbox (-dev only).
type outbox struct {
	next Mailer
	mu   sync.Mutex
	all  []Mail
}

func (o *outbox) Send(ctx context.Context, m Mail) error {
	o.mu.Lock()
	o.all = append(o.all, m)
	o.mu.Unlock()
	return o.next.Send(ctx, m)
}

func (o *outbox) to(addr string) []Mail {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := []Mail{}
	for _, m := range o.all {
		if addr == "" || m.To == addr {
			out = append(out, m)
		}
	}
	return out
}

type tokenRecord struct {
	kind      string
	user      tenancy.UserID
	email     string
	data      map[string]string
	expiresAt time.Time
}

// tokens issues single-use, expiring tokens stored only as SHA-256.
type tokens struct {
	mu  sync.Mutex
	all map[[32]byte]tokenRecord
}

func newTokens() *tokens { return &tokens{all: map[[32]byte]tokenRecord{}} }

func (t *tokens) issue(rec tokenRecord) string {
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	tok := base64.RawURLEncoding.EncodeToString(raw[:])
	t.mu.Lock()
	t.all[sha256.Sum256([]byte(tok))] = rec
	t.mu.Unlock()
	return tok
}

// redeemIf consumes tok of kind at now only when ok accepts its record;
// otherwise the token stays usable (by its addressee) and the answer is
// problem.ErrInvalidToken.
func (t *tokens) redeemIf(tok, kind string, now time.Time, ok func(tokenRecord) bool) (tokenRecord, error) {
	k := sha256.Sum256([]byte(tok))
	t.mu.Lock()
	defer t.mu.Unlock()
	rec, found := t.all[k]
	if !found || rec.kind != kind || !now.Before(rec.expiresAt) || !ok(rec) {
		return tokenRecord{}, problem.ErrInvalidToken
	}
	delete(t.all, k)
	return rec, nil
}

// redeem consumes tok of kind at now; unknown, used, expired or other-kind
// tokens are problem.ErrInvalidToken.
func (t *tokens) redeem(tok, kind string, now time.Time) (tokenRecord, error) {
	k := sha256.Sum256([]byte(tok))
	t.mu.Lock()
	defer t.mu.Unlock()
	rec, ok := t.all[k]
	if !ok || rec.kind != kind {
		return tokenRecord{}, problem.ErrInvalidToken
	}
	delete(t.all, k)
	if !now.Before(rec.expiresAt) {
		return tokenRecord{}, problem.ErrInvalidToken
	}
	return rec, nil
}

// ---- disposable (issue 9): email parsing ----

// normalizeEmail trims and lower-cases an address and checks its shape.
func normalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") || len(s) > 254 ||
		strings.ContainsAny(s, " \t\r\n<>,;\"") {
		return "", problem.ErrInvalidEmail
	}
	return strings.TrimSuffix(s, "."), nil
}

// ---- team (issue 4): invites ----

type invite struct {
	ID        string    `json:"id"`
	Workspace string    `json:"workspaceId"`
	Email     string    `json:"email"`
	Role      string    `json:"role"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// inviteTTL is how long a team invite may be accepted.
const inviteTTL = 7 * 24 * time.Hour

// Token lifetimes (verify's defaults).
const (
	verifyTTL = 24 * time.Hour
	resetTTL  = time.Hour
)

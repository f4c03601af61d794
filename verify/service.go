package verify

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"time"

	"github.com/tenantgate/tenantgate/disposable"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

// Default token lifetimes.
const (
	DefaultVerifyTTL = 24 * time.Hour
	DefaultResetTTL  = time.Hour
)

// User is what the Service needs to know of an account.
type User struct {
	ID       tenancy.UserID
	Verified bool
}

// UserFinder looks accounts up by address; the host implements it over its
// own user store.
type UserFinder interface {
	// FindByEmail returns the user registered with the canonical address
	// email (as returned by disposable.Normalize). An unknown address is
	// (User{}, false, nil); an error means the lookup itself failed.
	FindByEmail(ctx context.Context, email string) (User, bool, error)
}

// UserFinderFunc adapts a function to UserFinder.
type UserFinderFunc func(ctx context.Context, email string) (User, bool, error)

// FindByEmail calls f.
func (f UserFinderFunc) FindByEmail(ctx context.Context, email string) (User, bool, error) {
	return f(ctx, email)
}

// AllowFunc is the rate-limit hook: it returns nil to let a request
// proceed, or an error (typically a *problem.Error with code rate_limited
// and RetryAfterSeconds) that the Service returns unchanged. It must be
// safe for concurrent use. The ratelimit package's limiter is wired in with
// a closure over its decision, without this package importing it.
type AllowFunc func(ctx context.Context, key string) error

// NoLimit is an AllowFunc that allows everything; it spells out that a
// deployment chose not to limit resends.
func NoLimit(context.Context, string) error { return nil }

// Config configures a Service.
type Config struct {
	// Store keeps the token records (required).
	Store Store
	// Mailer delivers the messages (required).
	Mailer Mailer
	// Users finds accounts by address (required).
	Users UserFinder
	// Clock reads the time for issuing and redeeming (required).
	Clock Clock
	// Allow is the rate-limit hook consulted before every resend and reset
	// request with the key "<purpose>:<canonical address>" (required; use
	// NoLimit to opt out).
	Allow AllowFunc
	// Logger receives delivery failures, which are never returned to the
	// caller (required).
	Logger *slog.Logger
	// Rand is the token source; default crypto/rand.Reader.
	Rand io.Reader
	// VerifyTTL and ResetTTL are the token lifetimes; defaults 24 h and
	// 1 h. Negative values are refused.
	VerifyTTL time.Duration
	ResetTTL  time.Duration
	// Link, when set, turns a token into the URL the mail links to (for
	// example "https://app.example/verify?token="+token). Without it the
	// mail carries the token as a code.
	Link func(p Purpose, token string) string
}

// Service issues and redeems tokens. It is safe for concurrent use.
type Service struct {
	store  Store
	mailer Mailer
	users  UserFinder
	clock  Clock
	allow  AllowFunc
	log    *slog.Logger
	rand   io.Reader
	ttl    map[Purpose]time.Duration
	link   func(Purpose, string) string
}

// New validates cfg and returns a Service.
func New(cfg Config) (*Service, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("verify: a token Store is required")
	case cfg.Mailer == nil:
		return nil, errors.New("verify: a Mailer is required")
	case cfg.Users == nil:
		return nil, errors.New("verify: a UserFinder is required")
	case cfg.Clock == nil:
		return nil, errors.New("verify: a Clock is required")
	case cfg.Allow == nil:
		return nil, errors.New("verify: an Allow hook is required (use verify.NoLimit to opt out of rate limiting)")
	case cfg.Logger == nil:
		return nil, errors.New("verify: a Logger is required")
	case cfg.VerifyTTL < 0 || cfg.ResetTTL < 0:
		return nil, errors.New("verify: token lifetimes must not be negative")
	}
	s := &Service{
		store: cfg.Store, mailer: cfg.Mailer, users: cfg.Users, clock: cfg.Clock,
		allow: cfg.Allow, log: cfg.Logger, rand: cfg.Rand, link: cfg.Link,
		ttl: map[Purpose]time.Duration{
			PurposeVerifyEmail:   cfg.VerifyTTL,
			PurposeResetPassword: cfg.ResetTTL,
		},
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if s.ttl[PurposeVerifyEmail] == 0 {
		s.ttl[PurposeVerifyEmail] = DefaultVerifyTTL
	}
	if s.ttl[PurposeResetPassword] == 0 {
		s.ttl[PurposeResetPassword] = DefaultResetTTL
	}
	return s, nil
}

// Issue creates a token of purpose p for user u at the address email and
// mails it. A reset token first revokes the user's older unused reset
// tokens. Issue returns storage and delivery errors: call it where the
// account is known to exist (right after registration); the request paths
// that must not reveal registration are ResendVerification and
// RequestPasswordReset.
func (s *Service) Issue(ctx context.Context, p Purpose, u tenancy.UserID, email string) error {
	if !p.Valid() {
		return fmt.Errorf("verify: unknown purpose %q", p)
	}
	if u == "" {
		return errors.New("verify: a user id is required")
	}
	addr, err := disposable.Normalize(email)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	if p == PurposeResetPassword {
		if _, err := s.store.Revoke(ctx, u, p, now); err != nil {
			return fmt.Errorf("verify: revoke older tokens: %w", err)
		}
	}
	token, h, err := NewToken(s.rand)
	if err != nil {
		return err
	}
	rec := Record{Hash: h, Purpose: p, User: u, Email: addr, CreatedAt: now, ExpiresAt: now.Add(s.ttl[p])}
	if err := s.store.Insert(ctx, rec); err != nil {
		return fmt.Errorf("verify: store token: %w", err)
	}
	if err := s.mailer.Send(ctx, s.compose(p, addr, token)); err != nil {
		return fmt.Errorf("verify: deliver %s mail: %w", p, err)
	}
	return nil
}

// ResendVerification mails a new verification token when email belongs to
// an unverified account. It answers nil for unknown and already verified
// addresses alike, and logs rather than returns delivery failures, so its
// result never reveals whether an address is registered. It returns a
// malformed address's invalid_email, the Allow hook's error (consulted
// first, for every address) and a failed user lookup (503 unavailable).
func (s *Service) ResendVerification(ctx context.Context, email string) error {
	return s.request(ctx, PurposeVerifyEmail, email)
}

// RequestPasswordReset mails a reset token when email belongs to an
// account, revoking its older reset tokens. Its results follow the rules of
// ResendVerification: nil whether or not the address is registered.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	return s.request(ctx, PurposeResetPassword, email)
}

func (s *Service) request(ctx context.Context, p Purpose, email string) error {
	addr, err := disposable.Normalize(email)
	if err != nil {
		return err
	}
	if err := s.allow(ctx, string(p)+":"+addr); err != nil {
		return err
	}
	u, found, err := s.users.FindByEmail(ctx, addr)
	if err != nil {
		return problem.Wrap(problem.CodeUnavailable, fmt.Errorf("verify: find user: %w", err))
	}
	if !found || (p == PurposeVerifyEmail && u.Verified) {
		return nil
	}
	if err := s.Issue(ctx, p, u.ID, addr); err != nil {
		s.log.WarnContext(ctx, "verify: token not delivered",
			slog.String("purpose", string(p)), slog.String("user", string(u.ID)), slog.String("err", err.Error()))
	}
	return nil
}

// Redeem consumes a token of purpose p and returns its record, whose User
// and Email the caller then marks verified or lets set a new password. An
// unknown, malformed, used, expired or wrong-purpose token is
// problem.ErrInvalidToken (400), the same in every case; a wrong-purpose
// attempt leaves the token valid for its own purpose. Store failures are
// returned as they are (503 through problem.Write).
func (s *Service) Redeem(ctx context.Context, p Purpose, token string) (Record, error) {
	if !p.Valid() {
		return Record{}, fmt.Errorf("verify: unknown purpose %q", p)
	}
	h, err := HashToken(token)
	if err != nil {
		return Record{}, err
	}
	return s.store.Consume(ctx, h, p, s.clock.Now())
}

// compose builds the message for a token. The idempotency key derives from
// the token (not from its stored hash), so retries of one message share it
// and it reveals nothing redeemable.
func (s *Service) compose(p Purpose, to, token string) Message {
	idem := sha256.Sum256([]byte("tenantgate idempotency:" + token))
	m := Message{
		To:             to,
		Kind:           Kind(p),
		Token:          token,
		IdempotencyKey: string(p) + "/" + hex.EncodeToString(idem[:16]),
	}
	what, subject := "verify your email address", "Verify your email address"
	if p == PurposeResetPassword {
		what, subject = "reset your password", "Reset your password"
	}
	m.Subject = subject
	ttl := s.ttl[p].String()
	if s.link != nil {
		u := s.link(p, token)
		m.Text = fmt.Sprintf("Open this link to %s:\n\n%s\n\nThe link expires in %s. If you did not ask for it, ignore this message.\n", what, u, ttl)
		m.HTML = fmt.Sprintf("<p>Open this link to %s:</p><p><a href=\"%s\">%s</a></p><p>The link expires in %s. If you did not ask for it, ignore this message.</p>",
			html.EscapeString(what), html.EscapeString(u), html.EscapeString(u), html.EscapeString(ttl))
		return m
	}
	m.Text = fmt.Sprintf("Use this code to %s:\n\n%s\n\nThe code expires in %s. If you did not ask for it, ignore this message.\n", what, token, ttl)
	m.HTML = fmt.Sprintf("<p>Use this code to %s:</p><p><code>%s</code></p><p>The code expires in %s. If you did not ask for it, ignore this message.</p>",
		html.EscapeString(what), html.EscapeString(token), html.EscapeString(ttl))
	return m
}

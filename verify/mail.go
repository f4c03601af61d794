package verify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/tenantgate/tenantgate/tenancy"
)

// Kind says what a message is for.
type Kind string

// The kinds of mail the library sends.
const (
	KindVerifyEmail   Kind = "verify_email"
	KindResetPassword Kind = "reset_password"
	KindInvite        Kind = "invite"
)

// Valid reports whether k is one of the package's kinds.
func (k Kind) Valid() bool {
	return k == KindVerifyEmail || k == KindResetPassword || k == KindInvite
}

// MaxIdempotencyKeyLen is the longest idempotency key Resend accepts.
const MaxIdempotencyKeyLen = 256

// Message is one email. It renders without its token and bodies in fmt and
// slog output, so logging a Message never leaks the token it carries.
type Message struct {
	// To is the recipient's address (one address, canonical form).
	To      string
	Subject string
	// Text and HTML are the bodies; at least one is required.
	Text string
	HTML string
	Kind Kind
	// Token is the raw token the message carries, if any. Only the dev
	// Outbox keeps it; real mailers send the bodies alone.
	Token string
	// IdempotencyKey makes retries of this message safe: a provider that
	// supports it delivers the message once per key (Resend: for 24 h).
	// At most 256 characters.
	IdempotencyKey string
	// Workspace is the workspace on whose behalf the message is sent, or
	// empty for platform mail; Fallback uses it to pick the workspace's own
	// credentials.
	Workspace tenancy.WorkspaceID
}

// ErrInvalidMessage is the error Message.Validate wraps for every refused
// message; the wrapped text names the offending part.
var ErrInvalidMessage = errors.New("verify: invalid message")

// Validate checks what every Mailer relies on: a recipient, a subject and a
// body, a known Kind, no CR or LF in the recipient or subject (header
// injection), and an idempotency key of at most 256 characters.
func (m Message) Validate() error {
	switch {
	case m.To == "" || strings.ContainsAny(m.To, "\r\n,;<> \t"):
		return fmt.Errorf("%w: recipient", ErrInvalidMessage)
	case m.Subject == "" || strings.ContainsAny(m.Subject, "\r\n"):
		return fmt.Errorf("%w: subject", ErrInvalidMessage)
	case m.Text == "" && m.HTML == "":
		return fmt.Errorf("%w: no body", ErrInvalidMessage)
	case !m.Kind.Valid():
		return fmt.Errorf("%w: kind", ErrInvalidMessage)
	case len(m.IdempotencyKey) > MaxIdempotencyKeyLen:
		return fmt.Errorf("%w: idempotency key longer than 256 characters", ErrInvalidMessage)
	}
	return nil
}

// String renders the message's kind and workspace only.
func (m Message) String() string {
	return fmt.Sprintf("verify.Message{Kind:%s Workspace:%s}", m.Kind, m.Workspace)
}

// GoString renders like String, for %#v.
func (m Message) GoString() string { return m.String() }

// LogValue renders the kind, workspace and idempotency key; never the
// recipient, bodies or token.
func (m Message) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("kind", string(m.Kind)),
		slog.String("workspace", string(m.Workspace)),
		slog.String("idempotency_key", m.IdempotencyKey),
	)
}

// Mailer delivers one message.
type Mailer interface {
	// Send delivers m or returns an error. Implementations must be safe for
	// concurrent use, must honour ctx's deadline and cancellation, and must
	// never put credentials in the error. A nil error means the provider
	// accepted the message.
	Send(ctx context.Context, m Message) error
}

// MailerFunc adapts a function to Mailer.
type MailerFunc func(ctx context.Context, m Message) error

// Send calls f.
func (f MailerFunc) Send(ctx context.Context, m Message) error { return f(ctx, m) }

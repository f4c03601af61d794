package resend

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	sdk "github.com/resend/resend-go/v3"

	"github.com/tenantgate/tenantgate/secret"
	"github.com/tenantgate/tenantgate/verify"
)

var _ verify.Mailer = (*Mailer)(nil)

// DefaultBaseURL is Resend's API root.
const DefaultBaseURL = "https://api.resend.com/"

// Defaults of Config.
const (
	DefaultTimeout       = 10 * time.Second
	DefaultMaxAttempts   = 3
	DefaultBackoff       = 500 * time.Millisecond
	DefaultMaxRetryAfter = 30 * time.Second
	maxAttempts          = 10
)

// Config configures a Mailer.
type Config struct {
	// APIKey is the Resend API key (required). It is sent only in the
	// Authorization header and never appears in errors or logs.
	APIKey secret.Value
	// From is the sender, "addr@domain" or "Name <addr@domain>" (required).
	From string
	// BaseURL is the API root; default DefaultBaseURL. Tests point it at an
	// httptest server. It must be an absolute http(s) URL.
	BaseURL string
	// HTTPClient sends the requests; default a client with a DefaultTimeout
	// timeout per attempt. Its Transport is wrapped, never modified.
	HTTPClient *http.Client
	// MaxAttempts bounds the attempts per message (1–10); default
	// DefaultMaxAttempts.
	MaxAttempts int
	// Backoff is the wait before the first retry when the server gives no
	// Retry-After; it doubles on each retry. Default DefaultBackoff.
	Backoff time.Duration
	// MaxRetryAfter is the longest Retry-After honoured; a server asking for
	// a longer wait ends the retries at once. Default DefaultMaxRetryAfter.
	MaxRetryAfter time.Duration
	// Sleep waits d or until ctx is done; default a timer. Tests inject one
	// that records the waits.
	Sleep func(ctx context.Context, d time.Duration) error
	// Clock reads the time for HTTP-date Retry-After values; default
	// verify.SystemClock.
	Clock verify.Clock
}

// Mailer delivers mail through the Resend API (POST /emails) with the
// official SDK. Each attempt carries the message's idempotency key, so a
// retry after a timeout or a 5xx cannot send twice. 429 and 5xx answers
// and transport errors are retried up to MaxAttempts, waiting what the
// server's Retry-After asks (seconds or HTTP date) or an exponential
// backoff; other 4xx answers fail at once. A Mailer is safe for concurrent
// use.
type Mailer struct {
	key         secret.Value
	from        string
	client      *sdk.Client
	maxAttempts int
	backoff     time.Duration
	maxWait     time.Duration
	sleep       func(ctx context.Context, d time.Duration) error
	clock       verify.Clock
}

// New validates cfg and returns a Mailer.
func New(cfg Config) (*Mailer, error) {
	key := cfg.APIKey.Reveal()
	if key == "" || strings.TrimSpace(key) != key || strings.ContainsAny(key, "\r\n") {
		return nil, errors.New("resend: an API key without surrounding spaces is required")
	}
	if cfg.From == "" || strings.ContainsAny(cfg.From, "\r\n") {
		return nil, errors.New("resend: a From address is required")
	}
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return nil, errors.New("resend: BaseURL must be an absolute http(s) URL without credentials")
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	m := &Mailer{
		key:         cfg.APIKey,
		from:        cfg.From,
		maxAttempts: cfg.MaxAttempts,
		backoff:     cfg.Backoff,
		maxWait:     cfg.MaxRetryAfter,
		sleep:       cfg.Sleep,
		clock:       cfg.Clock,
	}
	switch {
	case m.maxAttempts == 0:
		m.maxAttempts = DefaultMaxAttempts
	case m.maxAttempts < 0 || m.maxAttempts > maxAttempts:
		return nil, fmt.Errorf("resend: MaxAttempts must be 1–%d", maxAttempts)
	}
	if m.backoff < 0 || m.maxWait < 0 {
		return nil, errors.New("resend: Backoff and MaxRetryAfter must not be negative")
	}
	if m.backoff == 0 {
		m.backoff = DefaultBackoff
	}
	if m.maxWait == 0 {
		m.maxWait = DefaultMaxRetryAfter
	}
	if m.sleep == nil {
		m.sleep = sleepCtx
	}
	if m.clock == nil {
		m.clock = verify.SystemClock
	}
	hc := http.Client{Timeout: DefaultTimeout}
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	transport := hc.Transport
	if transport == nil {
		transport = http.DefaultTransport
	}
	hc.Transport = observer{base: transport}
	m.client = sdk.NewCustomClient(&hc, key)
	m.client.BaseURL = u
	return m, nil
}

// String renders the mailer without its key.
func (m *Mailer) String() string { return "resend.Mailer{key:" + m.key.Masked() + "}" }

// GoString renders like String, for %#v.
func (m *Mailer) GoString() string { return m.String() }

// Send delivers msg. See Mailer for the retry rules. A failed delivery is
// an *Error; an invalid message is verify.ErrInvalidMessage and nothing is
// sent.
func (m *Mailer) Send(ctx context.Context, msg verify.Message) error {
	if err := msg.Validate(); err != nil {
		return err
	}
	req := &sdk.SendEmailRequest{
		From:    m.from,
		To:      []string{msg.To},
		Subject: msg.Subject,
		Html:    msg.HTML,
		Text:    msg.Text,
	}
	opts := &sdk.SendEmailOptions{IdempotencyKey: msg.IdempotencyKey}
	for attempt := 1; ; attempt++ {
		var obs observation
		_, err := m.client.Emails.SendWithOptions(context.WithValue(ctx, observationKey{}, &obs), req, opts)
		if err == nil {
			return nil
		}
		last := &Error{Status: obs.status, Attempts: attempt, cause: m.scrub(ctx, err)}
		if ctx.Err() != nil || attempt >= m.maxAttempts {
			return last
		}
		wait, ok := m.retryDelay(obs, attempt)
		if !ok {
			return last
		}
		if err := m.sleep(ctx, wait); err != nil {
			return last
		}
	}
}

// retryDelay decides whether to retry after an observed failure and how
// long to wait first.
func (m *Mailer) retryDelay(o observation, attempt int) (time.Duration, bool) {
	if o.status != 0 && o.status != http.StatusTooManyRequests && o.status < 500 {
		return 0, false
	}
	if o.retryAfter != "" {
		d, ok := parseRetryAfter(o.retryAfter, m.clock.Now())
		if ok {
			if d > m.maxWait {
				return 0, false
			}
			return d, true
		}
	}
	d := m.backoff << (attempt - 1)
	if d > m.maxWait || d <= 0 {
		d = m.maxWait
	}
	return d, true
}

// scrub keeps context errors as they are and rewrites any other error's
// text without the API key.
func (m *Mailer) scrub(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
		return ctxErr
	}
	msg := err.Error()
	if k := m.key.Reveal(); k != "" {
		msg = strings.ReplaceAll(msg, k, m.key.Masked())
	}
	return errors.New(msg)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

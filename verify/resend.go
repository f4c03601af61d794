package verify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	resend "github.com/resend/resend-go/v3"

	"github.com/tenantgate/tenantgate/secret"
)

var _ Mailer = (*Resend)(nil)

// DefaultResendBaseURL is Resend's API root.
const DefaultResendBaseURL = "https://api.resend.com/"

// Defaults of ResendConfig.
const (
	DefaultResendTimeout       = 10 * time.Second
	DefaultResendMaxAttempts   = 3
	DefaultResendBackoff       = 500 * time.Millisecond
	DefaultResendMaxRetryAfter = 30 * time.Second
	maxResendAttempts          = 10
)

// ResendConfig configures a Resend mailer.
type ResendConfig struct {
	// APIKey is the Resend API key (required). It is sent only in the
	// Authorization header and never appears in errors or logs.
	APIKey secret.Value
	// From is the sender, "addr@domain" or "Name <addr@domain>" (required).
	From string
	// BaseURL is the API root; default DefaultResendBaseURL. Tests point it
	// at an httptest server. It must be an absolute http(s) URL.
	BaseURL string
	// HTTPClient sends the requests; default a client with a 10 s timeout
	// per attempt. Its Transport is wrapped, never modified.
	HTTPClient *http.Client
	// MaxAttempts bounds the attempts per message (1–10); default 3.
	MaxAttempts int
	// Backoff is the wait before the first retry when the server gives no
	// Retry-After; it doubles on each retry. Default 500 ms.
	Backoff time.Duration
	// MaxRetryAfter is the longest Retry-After honoured; a server asking for
	// a longer wait ends the retries at once. Default 30 s.
	MaxRetryAfter time.Duration
	// Sleep waits d or until ctx is done; default a timer. Tests inject one
	// that records the waits.
	Sleep func(ctx context.Context, d time.Duration) error
	// Clock reads the time for HTTP-date Retry-After values; default
	// SystemClock.
	Clock Clock
}

// Resend delivers mail through the Resend API (POST /emails) with the
// official SDK. Each attempt carries the message's idempotency key, so a
// retry after a timeout or a 5xx cannot send twice. 429 and 5xx answers
// and transport errors are retried up to MaxAttempts, waiting what the
// server's Retry-After asks (seconds or HTTP date) or an exponential
// backoff; other 4xx answers fail at once. A Resend is safe for concurrent
// use.
type Resend struct {
	key         secret.Value
	from        string
	client      *resend.Client
	maxAttempts int
	backoff     time.Duration
	maxWait     time.Duration
	sleep       func(ctx context.Context, d time.Duration) error
	clock       Clock
}

// NewResend validates cfg and returns a Resend mailer.
func NewResend(cfg ResendConfig) (*Resend, error) {
	key := cfg.APIKey.Reveal()
	if key == "" || strings.TrimSpace(key) != key || strings.ContainsAny(key, "\r\n") {
		return nil, errors.New("verify: resend: an API key without surrounding spaces is required")
	}
	if cfg.From == "" || strings.ContainsAny(cfg.From, "\r\n") {
		return nil, errors.New("verify: resend: a From address is required")
	}
	base := cfg.BaseURL
	if base == "" {
		base = DefaultResendBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return nil, errors.New("verify: resend: BaseURL must be an absolute http(s) URL without credentials")
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	r := &Resend{
		key:         cfg.APIKey,
		from:        cfg.From,
		maxAttempts: cfg.MaxAttempts,
		backoff:     cfg.Backoff,
		maxWait:     cfg.MaxRetryAfter,
		sleep:       cfg.Sleep,
		clock:       cfg.Clock,
	}
	switch {
	case r.maxAttempts == 0:
		r.maxAttempts = DefaultResendMaxAttempts
	case r.maxAttempts < 0 || r.maxAttempts > maxResendAttempts:
		return nil, fmt.Errorf("verify: resend: MaxAttempts must be 1–%d", maxResendAttempts)
	}
	if r.backoff < 0 || r.maxWait < 0 {
		return nil, errors.New("verify: resend: Backoff and MaxRetryAfter must not be negative")
	}
	if r.backoff == 0 {
		r.backoff = DefaultResendBackoff
	}
	if r.maxWait == 0 {
		r.maxWait = DefaultResendMaxRetryAfter
	}
	if r.sleep == nil {
		r.sleep = sleepCtx
	}
	if r.clock == nil {
		r.clock = SystemClock
	}
	hc := http.Client{Timeout: DefaultResendTimeout}
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	base2 := hc.Transport
	if base2 == nil {
		base2 = http.DefaultTransport
	}
	hc.Transport = observer{base: base2}
	r.client = resend.NewCustomClient(&hc, key)
	r.client.BaseURL = u
	return r, nil
}

// String renders the mailer without its key.
func (r *Resend) String() string { return "verify.Resend{key:" + r.key.Masked() + "}" }

// GoString renders like String, for %#v.
func (r *Resend) GoString() string { return r.String() }

// ResendError is a failed delivery. Its text names the HTTP status and the
// number of attempts, never the API key or the message content.
type ResendError struct {
	// Status is the last HTTP status, or 0 when no answer came (transport
	// error, timeout, cancellation).
	Status   int
	Attempts int
	cause    error
}

// Error names the status (or the transport failure) and the attempts.
func (e *ResendError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("verify: resend: no answer after %d attempt(s): %v", e.Attempts, e.cause)
	}
	return fmt.Sprintf("verify: resend: status %d after %d attempt(s)", e.Status, e.Attempts)
}

// Unwrap returns the cause with the API key scrubbed from its text (and
// context errors kept, so errors.Is(err, context.DeadlineExceeded) works).
func (e *ResendError) Unwrap() error { return e.cause }

// Send delivers m. See Resend for the retry rules.
func (r *Resend) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	req := &resend.SendEmailRequest{
		From:    r.from,
		To:      []string{m.To},
		Subject: m.Subject,
		Html:    m.HTML,
		Text:    m.Text,
	}
	opts := &resend.SendEmailOptions{IdempotencyKey: m.IdempotencyKey}
	var last *ResendError
	for attempt := 1; ; attempt++ {
		var obs observation
		_, err := r.client.Emails.SendWithOptions(context.WithValue(ctx, observationKey{}, &obs), req, opts)
		if err == nil {
			return nil
		}
		last = &ResendError{Status: obs.status, Attempts: attempt, cause: r.scrub(ctx, err)}
		if ctx.Err() != nil || attempt >= r.maxAttempts {
			return last
		}
		wait, ok := r.retryDelay(obs, attempt)
		if !ok {
			return last
		}
		if err := r.sleep(ctx, wait); err != nil {
			return last
		}
	}
}

// retryDelay decides whether to retry after an observed failure and how
// long to wait first.
func (r *Resend) retryDelay(o observation, attempt int) (time.Duration, bool) {
	if o.status != 0 && o.status != http.StatusTooManyRequests && o.status < 500 {
		return 0, false
	}
	if o.retryAfter != "" {
		d, ok := parseRetryAfter(o.retryAfter, r.clock.Now())
		if ok {
			if d > r.maxWait {
				return 0, false
			}
			return d, true
		}
	}
	d := r.backoff << (attempt - 1)
	if d > r.maxWait || d <= 0 {
		d = r.maxWait
	}
	return d, true
}

// parseRetryAfter reads an RFC 9110 Retry-After value: delay-seconds or an
// HTTP date (a date in the past means no wait).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// scrub keeps context errors as they are and rewrites any other error's
// text without the API key.
func (r *Resend) scrub(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
		return ctxErr
	}
	msg := err.Error()
	if k := r.key.Reveal(); k != "" {
		msg = strings.ReplaceAll(msg, k, r.key.Masked())
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

// observation is what the transport saw of one attempt's answer. The SDK
// reports a 5xx as an untyped error and drops Retry-After for everything
// but 429, so the wrapped transport records both for the retry decision.
type observation struct {
	status     int
	retryAfter string
}

type observationKey struct{}

type observer struct{ base http.RoundTripper }

func (o observer) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := o.base.RoundTrip(req)
	if err == nil {
		if obs, ok := req.Context().Value(observationKey{}).(*observation); ok {
			obs.status = resp.StatusCode
			if v := resp.Header["Retry-After"]; len(v) > 0 {
				obs.retryAfter = v[0]
			}
		}
	}
	return resp, err
}

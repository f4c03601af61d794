package resend

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/secret"
	"github.com/tenantgate/tenantgate/verify"
)

const canaryKey = "re_CANARY_9f8e7d6c5b4a39281706"

var testMsg = verify.Message{
	To:             "ann@example.com",
	Subject:        "Verify your email address",
	Text:           "code: abc",
	HTML:           "<p>code: abc</p>",
	Kind:           verify.KindVerifyEmail,
	Token:          "tok-should-never-leave",
	IdempotencyKey: "verify_email/0123456789abcdef",
}

// resendServer answers each attempt with the next scripted response and
// records what it received.
type resendServer struct {
	t       *testing.T
	mu      sync.Mutex
	script  []func(w http.ResponseWriter)
	reqs    []*http.Request
	bodies  [][]byte
	attempt int
}

func (s *resendServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.reqs = append(s.reqs, r)
	s.bodies = append(s.bodies, b)
	i := s.attempt
	s.attempt++
	s.mu.Unlock()
	if i >= len(s.script) {
		i = len(s.script) - 1
	}
	s.script[i](w)
}

func (s *resendServer) attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempt
}

func ok(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"id":"49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"}`)
}

func status(code int, retryAfter string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"statusCode":%d,"name":"error","message":"failed for key %s"}`, code, canaryKey)
	}
}

type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func newTestResend(t *testing.T, script ...func(w http.ResponseWriter)) (*Mailer, *resendServer, *sleeps) {
	t.Helper()
	srv := &resendServer{t: t, script: script}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	sl := &sleeps{}
	r, err := New(Config{
		APIKey:  secret.New(canaryKey),
		From:    "Acme <noreply@acme.example>",
		BaseURL: ts.URL,
		Sleep:   sl.sleep,
		Clock:   verify.ClockFunc(func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }),
	})
	require.NoError(t, err)
	return r, srv, sl
}

// TestResend_RequestShape checks the request Resend documents for sending
// an email: POST {base}/emails, Bearer API key, JSON content type, the
// Idempotency-Key header, and a JSON body of from, to (array), subject,
// html and text, nothing else (the token is never sent on its own).
func TestResend_RequestShape(t *testing.T) {
	r, srv, sl := newTestResend(t, ok)
	require.NoError(t, r.Send(context.Background(), testMsg))
	require.Len(t, srv.reqs, 1)
	req := srv.reqs[0]
	assert.Equal(t, http.MethodPost, req.Method)
	assert.Equal(t, "/emails", req.URL.Path)
	assert.Equal(t, "Bearer "+canaryKey, req.Header.Get("Authorization"))
	assert.Equal(t, "application/json", req.Header.Get("Content-Type"))
	assert.Equal(t, testMsg.IdempotencyKey, req.Header.Get("Idempotency-Key"))

	var body map[string]any
	require.NoError(t, json.Unmarshal(srv.bodies[0], &body))
	assert.Equal(t, map[string]any{
		"from":    "Acme <noreply@acme.example>",
		"to":      []any{"ann@example.com"},
		"subject": "Verify your email address",
		"html":    "<p>code: abc</p>",
		"text":    "code: abc",
	}, body)
	assert.NotContains(t, string(srv.bodies[0]), testMsg.Token)
	assert.Empty(t, sl.d)
}

func TestResend_Retries(t *testing.T) {
	cases := []struct {
		name     string
		script   []func(http.ResponseWriter)
		attempts int
		sleeps   []time.Duration
		status   int // 0: success
	}{
		{"429 with Retry-After then success", []func(http.ResponseWriter){status(429, "2"), ok}, 2, []time.Duration{2 * time.Second}, 0},
		{"503 with HTTP-date Retry-After", []func(http.ResponseWriter){status(503, "Tue, 01 Jan 2030 00:00:07 GMT"), ok}, 2, []time.Duration{7 * time.Second}, 0},
		{"5xx without Retry-After backs off exponentially", []func(http.ResponseWriter){status(500, ""), status(502, ""), ok}, 3, []time.Duration{500 * time.Millisecond, time.Second}, 0},
		{"bounded attempts", []func(http.ResponseWriter){status(503, "1")}, 3, []time.Duration{time.Second, time.Second}, 503},
		{"Retry-After beyond the cap is not waited for", []func(http.ResponseWriter){status(429, "3600"), ok}, 1, nil, 429},
		{"unparsable Retry-After falls back to backoff", []func(http.ResponseWriter){status(429, "soon"), ok}, 2, []time.Duration{500 * time.Millisecond}, 0},
		{"400 not retried", []func(http.ResponseWriter){status(400, ""), ok}, 1, nil, 400},
		{"401 not retried", []func(http.ResponseWriter){status(401, ""), ok}, 1, nil, 401},
		{"403 not retried", []func(http.ResponseWriter){status(403, ""), ok}, 1, nil, 403},
		{"409 not retried", []func(http.ResponseWriter){status(409, ""), ok}, 1, nil, 409},
		{"422 not retried", []func(http.ResponseWriter){status(422, "1"), ok}, 1, nil, 422},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, srv, sl := newTestResend(t, tc.script...)
			err := r.Send(context.Background(), testMsg)
			assert.Equal(t, tc.attempts, srv.attempts())
			assert.Equal(t, tc.sleeps, sl.d)
			for _, req := range srv.reqs {
				assert.Equal(t, testMsg.IdempotencyKey, req.Header.Get("Idempotency-Key"), "every attempt carries the same key")
			}
			if tc.status == 0 {
				require.NoError(t, err)
				return
			}
			var re *Error
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tc.status, re.Status)
			assert.Equal(t, tc.attempts, re.Attempts)
		})
	}
}

// TestResend_CanaryKeyNeverLeaks sends with a canary key to a server that
// echoes the key in its error message, and checks every rendering of the
// error and of the mailer.
func TestResend_CanaryKeyNeverLeaks(t *testing.T) {
	r, _, _ := newTestResend(t, status(401, ""))
	err := r.Send(context.Background(), testMsg)
	require.Error(t, err)
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	log.Error("send failed", "err", err, "mailer", r)
	renderings := []string{
		err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err),
		errors.Unwrap(err).Error(),
		fmt.Sprintf("%v", r), fmt.Sprintf("%+v", r), fmt.Sprintf("%#v", r), fmt.Sprint(*r),
		logs.String(),
	}
	for i, s := range renderings {
		assert.NotContains(t, s, canaryKey, "rendering %d", i)
		assert.NotContains(t, s, "CANARY", "rendering %d", i)
	}
}

func TestResend_Timeout(t *testing.T) {
	block := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer ts.Close()
	defer close(block)
	sl := &sleeps{}
	r, err := New(Config{
		APIKey: secret.New(canaryKey), From: "noreply@acme.example", BaseURL: ts.URL,
		HTTPClient: &http.Client{Timeout: 50 * time.Millisecond}, MaxAttempts: 2, Sleep: sl.sleep,
	})
	require.NoError(t, err)
	err = r.Send(context.Background(), testMsg)
	var re *Error
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 0, re.Status, "no answer")
	assert.Equal(t, 2, re.Attempts, "a timeout is retried, within the bound")
	assert.NotContains(t, err.Error(), canaryKey)
}

func TestResend_ContextCancelStopsRetries(t *testing.T) {
	r, srv, _ := newTestResend(t, status(503, "1"))
	ctx, cancel := context.WithCancel(context.Background())
	r.sleep = func(context.Context, time.Duration) error { cancel(); return context.Canceled }
	err := r.Send(ctx, testMsg)
	require.Error(t, err)
	assert.Equal(t, 1, srv.attempts())
}

func TestResend_RefusesInvalidMessage(t *testing.T) {
	r, srv, _ := newTestResend(t, ok)
	bad := testMsg
	bad.Subject = "hi\r\nBcc: victim@example.com"
	assert.ErrorIs(t, r.Send(context.Background(), bad), verify.ErrInvalidMessage)
	assert.Zero(t, srv.attempts(), "nothing sent")
}

func TestNew_Config(t *testing.T) {
	good := Config{APIKey: secret.New(canaryKey), From: "noreply@acme.example"}
	cases := []struct {
		name string
		mod  func(c *Config)
		want string
	}{
		{"no key", func(c *Config) { c.APIKey = secret.Value{} }, "API key"},
		{"key with spaces", func(c *Config) { c.APIKey = secret.New(" " + canaryKey) }, "API key"},
		{"no from", func(c *Config) { c.From = "" }, "From"},
		{"from with CRLF", func(c *Config) { c.From = "a@b.example\r\nBcc: x" }, "From"},
		{"relative base", func(c *Config) { c.BaseURL = "/emails" }, "BaseURL"},
		{"ftp base", func(c *Config) { c.BaseURL = "ftp://api.resend.com/" }, "BaseURL"},
		{"base with userinfo", func(c *Config) { c.BaseURL = "https://u:p@api.resend.com/" }, "BaseURL"},
		{"too many attempts", func(c *Config) { c.MaxAttempts = 11 }, "MaxAttempts"},
		{"negative attempts", func(c *Config) { c.MaxAttempts = -1 }, "MaxAttempts"},
		{"negative backoff", func(c *Config) { c.Backoff = -time.Second }, "negative"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			tc.mod(&c)
			r, err := New(c)
			assert.Nil(t, r)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), "resend: ")
			assert.NotContains(t, err.Error(), canaryKey)
		})
	}
	r, err := New(good)
	require.NoError(t, err)
	assert.Equal(t, DefaultBaseURL, r.client.BaseURL.String(), "the API root is set explicitly, never read from the environment")
	good.BaseURL = "https://mail.example/resend"
	r, err = New(good)
	require.NoError(t, err)
	assert.Equal(t, "https://mail.example/resend/", r.client.BaseURL.String(), "paths under the root resolve below it")
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true},
		{"120", 2 * time.Minute, true},
		{" 5 ", 5 * time.Second, true},
		{"Tue, 01 Jan 2030 00:01:00 GMT", time.Minute, true},
		{"Mon, 31 Dec 2029 23:00:00 GMT", 0, true},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"99999999999", 0, false},
		{"", 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			d, ok := parseRetryAfter(tc.in, now)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.want, d)
		})
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"0", "120", "Tue, 01 Jan 2030 00:01:00 GMT", "-1", "", "1e9"} {
		f.Add(s)
	}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := parseRetryAfter(s, now)
		if d < 0 || (!ok && d != 0) {
			t.Fatalf("parseRetryAfter(%q) = %v, %v", s, d, ok)
		}
	})
}

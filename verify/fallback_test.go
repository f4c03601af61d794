package verify

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/tenancy"
)

// recorder is a Mailer that records its calls in a shared journal and
// answers with err.
type recorder struct {
	name    string
	err     error
	journal *[]string
	mu      *sync.Mutex
}

func (r recorder) Send(_ context.Context, m Message) error {
	r.mu.Lock()
	*r.journal = append(*r.journal, r.name+":"+m.IdempotencyKey)
	r.mu.Unlock()
	return r.err
}

func TestFallback_Order(t *testing.T) {
	errWS := errors.New("workspace mailer: status 401 after 1 attempt(s)")
	errPlat := errors.New("platform mailer: status 503 after 3 attempt(s)")
	cases := []struct {
		name      string
		workspace tenancy.WorkspaceID
		wsMailer  bool  // the workspace has its own credentials
		lookupErr error // loading them fails
		wsErr     error
		platErr   error
		journal   []string
		warnings  int
		wantErr   []error
	}{
		{"workspace mailer first", "ws-1", true, nil, nil, nil, []string{"workspace:k"}, 0, nil},
		{"workspace fails then platform", "ws-1", true, nil, errWS, nil, []string{"workspace:k", "platform:k"}, 1, nil},
		{"both fail", "ws-1", true, nil, errWS, errPlat, []string{"workspace:k", "platform:k"}, 2, []error{errWS, errPlat}},
		{"workspace without credentials", "ws-1", false, nil, nil, nil, []string{"platform:k"}, 0, nil},
		{"credentials lookup fails", "ws-1", false, errors.New("store down"), nil, nil, []string{"platform:k"}, 1, nil},
		{"platform mail", "", true, nil, nil, nil, []string{"platform:k"}, 0, nil},
		{"platform only fails", "", false, nil, nil, errPlat, []string{"platform:k"}, 1, []error{errPlat}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var journal []string
			var mu sync.Mutex
			var logs bytes.Buffer
			f, err := NewFallback(FallbackConfig{
				Platform: recorder{"platform", tc.platErr, &journal, &mu},
				Workspace: func(_ context.Context, ws tenancy.WorkspaceID) (Mailer, error) {
					assert.Equal(t, tc.workspace, ws)
					if tc.lookupErr != nil {
						return nil, tc.lookupErr
					}
					if !tc.wsMailer {
						return nil, nil
					}
					return recorder{"workspace", tc.wsErr, &journal, &mu}, nil
				},
				Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
			})
			require.NoError(t, err)
			m := testMsg
			m.IdempotencyKey = "k"
			m.Workspace = tc.workspace
			err = f.Send(context.Background(), m)
			assert.Equal(t, tc.journal, journal)
			assert.Equal(t, tc.warnings, strings.Count(logs.String(), `"level":"WARN"`))
			for _, secretish := range []string{m.Token, m.To, m.Text, canaryKey} {
				assert.NotContains(t, logs.String(), secretish, "logs carry no recipient, body, token or key")
			}
			if tc.wantErr == nil {
				assert.NoError(t, err)
				return
			}
			for _, e := range tc.wantErr {
				assert.ErrorIs(t, err, e)
			}
		})
	}
}

func TestNewFallback_Config(t *testing.T) {
	_, err := NewFallback(FallbackConfig{Logger: slog.New(slog.DiscardHandler)})
	assert.ErrorContains(t, err, "verify: fallback: a platform mailer is required")
	_, err = NewFallback(FallbackConfig{Platform: MailerFunc(func(context.Context, Message) error { return nil })})
	assert.ErrorContains(t, err, "verify: fallback: a logger is required")
}

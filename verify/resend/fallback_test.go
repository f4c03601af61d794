package resend

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/tenancy"
	"github.com/tenantgate/tenantgate/verify"
)

// TestFallback_ResendCanary wires two real Resend mailers into a
// verify.Fallback (workspace key failing with 401, platform succeeding) and
// checks the order of the servers hit and that the log never shows either
// key.
func TestFallback_ResendCanary(t *testing.T) {
	wsMailer, wsSrv, _ := newTestResend(t, status(401, ""))
	platMailer, platSrv, _ := newTestResend(t, ok)
	var logs bytes.Buffer
	f, err := verify.NewFallback(verify.FallbackConfig{
		Platform:  platMailer,
		Workspace: func(context.Context, tenancy.WorkspaceID) (verify.Mailer, error) { return wsMailer, nil },
		Logger:    slog.New(slog.NewTextHandler(&logs, nil)),
	})
	require.NoError(t, err)
	m := testMsg
	m.Workspace = "ws-1"
	require.NoError(t, f.Send(context.Background(), m))
	assert.Equal(t, 1, wsSrv.attempts())
	assert.Equal(t, 1, platSrv.attempts())
	assert.Contains(t, logs.String(), "status 401")
	assert.NotContains(t, logs.String(), canaryKey)
	assert.NotContains(t, logs.String(), m.Token)
}

package team_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/gatetest"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/rbac"
	"github.com/tenantgate/tenantgate/tenancy"
)

var ctx = context.Background()

func newEnv(t *testing.T) *gatetest.Env {
	reg := rbac.NewRegistry()
	reg.MustRegister("contacts:read")
	reg.MustRegister("contacts:write")
	return gatetest.New(t, gatetest.Config{Registry: reg})
}

// assertCode asserts that err is the catalogue error code.
func assertCode(t *testing.T, want problem.Code, err error, msg ...string) {
	t.Helper()
	require.Error(t, err, msg)
	assert.Equal(t, want, problem.From(err).Code, "error: %v %v", err, msg)
}

func roleOf(t *testing.T, env *gatetest.Env, ws tenancy.WorkspaceID, u tenancy.UserID) string {
	t.Helper()
	m, err := env.Tenancy.Membership(ctx, ws, u)
	if err != nil {
		return ""
	}
	return m.Role
}

func events(t *testing.T, env *gatetest.Env, ws tenancy.WorkspaceID) []audit.Event {
	t.Helper()
	page, err := env.Audit.Query(ctx, audit.Query{Workspace: string(ws), Limit: audit.MaxLimit})
	require.NoError(t, err)
	return page.Events
}

// lastEvent returns the newest audit event of ws.
func lastEvent(t *testing.T, env *gatetest.Env, ws tenancy.WorkspaceID) audit.Event {
	t.Helper()
	evs := events(t, env, ws)
	require.NotEmpty(t, evs)
	return evs[0]
}

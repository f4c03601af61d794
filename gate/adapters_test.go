package gate_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/gate"
	"github.com/tenantgate/tenantgate/tenancy"
)

func TestAdaptersReadOnlyTheVerifiedTenant(t *testing.T) {
	f := newFixture(t)
	g := f.gate(t, nil)
	var key, plan string
	var keyOK bool
	var attr audit.Attribution
	h := g.AnyMember()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, keyOK = gate.TenantKey(r)
		plan, _ = gate.PlanKey(r)
		attr = gate.AuditAttribution(r)
	}))
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Workspace-ID", "w1")
	r = r.WithContext(tenancy.WithPrincipal(r.Context(), tenancy.Principal{User: "alice", Impersonator: "op"}))
	h.ServeHTTP(httptest.NewRecorder(), r)
	assert.True(t, keyOK)
	assert.Equal(t, "w1", key)
	assert.Equal(t, "trial", plan)
	assert.Equal(t, audit.Attribution{Workspace: "w1", Actor: "alice", Impersonator: "op"}, attr)

	// Outside the gate, a workspace header never becomes a tenant key.
	_, ok := gate.TenantKey(r)
	assert.False(t, ok)
	_, ok = gate.PlanKey(r)
	assert.False(t, ok)
	assert.Equal(t, audit.Attribution{Actor: "alice", Impersonator: "op"}, gate.AuditAttribution(r))
}

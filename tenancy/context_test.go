package tenancy_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tenantgate/tenantgate/tenancy"
)

// carrier is a context that holds the tenant itself, the way the gate
// avoids a second allocation.
type carrier struct {
	context.Context
	t tenancy.Tenant
}

func (c *carrier) Value(key any) any {
	if tenancy.IsTenantKey(key) {
		return &c.t
	}
	return c.Context.Value(key)
}

func TestContextCarriesPrincipalAndTenant(t *testing.T) {
	alice := tenancy.Principal{User: "alice", EmailVerified: true}
	tn := tenancy.Tenant{Principal: alice, Workspace: tenancy.Workspace{ID: "w1"}, Role: "owner"}
	bg := context.Background()
	for _, c := range []struct {
		name          string
		ctx           context.Context
		wantPrincipal bool
		wantTenant    bool
	}{
		{"empty", bg, false, false},
		{"principal only", tenancy.WithPrincipal(bg, alice), true, false},
		{"tenant", tenancy.WithTenant(bg, tn), true, true},
		{"custom carrier", &carrier{Context: bg, t: tn}, true, true},
		// A tenant stored under any other key, a string in particular,
		// is not a verified tenant.
		//lint:ignore SA1029 the attack under test
		{"string key", context.WithValue(bg, "tenant", &tn), false, false},
		//lint:ignore SA1029 the attack under test
		{"struct key of another package", context.WithValue(bg, struct{}{}, &tn), false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, ok := tenancy.PrincipalFromContext(c.ctx)
			assert.Equal(t, c.wantPrincipal, ok)
			if ok {
				assert.Equal(t, alice, p)
			}
			got, ok := tenancy.FromContext(c.ctx)
			assert.Equal(t, c.wantTenant, ok)
			if ok {
				assert.Equal(t, tn, got)
			}
		})
	}
}

func TestIsTenantKey(t *testing.T) {
	assert.False(t, tenancy.IsTenantKey(nil))
	assert.False(t, tenancy.IsTenantKey("tenant"))
	assert.False(t, tenancy.IsTenantKey(struct{}{}))
}

func TestWithTenantCopies(t *testing.T) {
	tn := tenancy.Tenant{Role: "viewer"}
	ctx := tenancy.WithTenant(context.Background(), tn)
	tn.Role = "owner"
	got, ok := tenancy.FromContext(ctx)
	assert.True(t, ok)
	assert.Equal(t, "viewer", got.Role, "the context holds a snapshot")
}

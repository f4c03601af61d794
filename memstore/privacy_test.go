package memstore_test

import (
	"testing"

	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/privacy"
	"github.com/tenantgate/tenantgate/storetest"
)

var (
	_ privacy.Workspaces  = (*memstore.Tenancy)(nil)
	_ privacy.Memberships = (*memstore.Tenancy)(nil)
	_ privacy.Invites     = (*memstore.Invites)(nil)
	_ privacy.Roles       = (*memstore.Roles)(nil)
	_ privacy.MFA         = (*memstore.MFA)(nil)
	_ privacy.Tokens      = (*memstore.Tokens)(nil)
	_ privacy.Limiter     = (*memstore.RateLimits)(nil)
	_ privacy.AuditReader = (*memstore.Audit)(nil)
)

func TestPrivacyStores(t *testing.T) {
	storetest.RunPrivacyStores(t, func(*testing.T) storetest.PrivacyStores {
		return storetest.PrivacyStores{
			Tenancy: memstore.NewTenancy(), Invites: memstore.NewInvites(),
			MFA: memstore.NewMFA(), Tokens: memstore.NewTokens(), Audit: memstore.NewAudit(),
		}
	})
}

package gate

import (
	"net/http"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/tenancy"
)

// TenantKey returns the verified workspace id of a gated request, for
// per-tenant rate limits placed inside the gate (it has the signature of
// ratelimit.KeyFunc). Outside a gated handler ok is false, so a
// non-member's request never reaches a tenant's bucket.
func TenantKey(r *http.Request) (key string, ok bool) {
	t, ok := tenancy.FromContext(r.Context())
	if !ok {
		return "", false
	}
	return string(t.Workspace.ID), true
}

// PlanKey returns the verified workspace's plan ("trial" while it has
// none), for per-plan limits looked up at decision time: a plan change
// applies on the next request.
func PlanKey(r *http.Request) (key string, ok bool) {
	t, ok := tenancy.FromContext(r.Context())
	if !ok {
		return "", false
	}
	if t.Workspace.Plan == "" {
		return "trial", true
	}
	return t.Workspace.Plan, true
}

// AuditAttribution attributes a gated request to its verified workspace,
// user and impersonator (it has the signature of audit.AttributeFunc).
// Outside a gated handler it attributes the request to the authenticated
// principal, if any, in the platform chain.
func AuditAttribution(r *http.Request) audit.Attribution {
	if t, ok := tenancy.FromContext(r.Context()); ok {
		return audit.Attribution{
			Workspace:    string(t.Workspace.ID),
			Actor:        string(t.Principal.User),
			Impersonator: string(t.Principal.Impersonator),
		}
	}
	p, _ := tenancy.PrincipalFromContext(r.Context())
	return audit.Attribution{Actor: string(p.User), Impersonator: string(p.Impersonator)}
}

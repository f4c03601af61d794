package gate

import "github.com/tenantgate/tenantgate/rbac"

// Option configures one route.
type Option func(*Route)

// TrialExempt lets writes through after the workspace's trial has ended
// (billing, export). Reads are never trial-gated.
func TrialExempt(r *Route) { r.TrialExempt = true }

// Route is a route's requirements. Build it with Require or AnyMember;
// the zero Route requires a zero Permission and so denies everything.
type Route struct {
	// Permission is the permission a member's role must hold.
	Permission rbac.Permission
	// EveryMember admits every member whatever the role (explicit opt-in).
	EveryMember bool
	// TrialExempt: see the TrialExempt option.
	TrialExempt bool
}

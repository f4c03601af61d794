// Package operator is tenantgate's console for platform staff: the
// /admin/workspaces HTTP handlers (list, search, show, approve, reject,
// suspend, reactivate, reopen) and audited impersonation.
//
// Every route is operator-only. The check runs before routing, so a caller
// who is not an operator acting as itself — an ordinary user, a workspace
// owner, or an operator who is impersonating someone — gets 403
// operator_only on every path and method under the prefix, learns nothing
// about which routes exist, and changes nothing. Requests and responses are
// JSON; every error is RFC 9457 problem+json from the problem catalogue.
//
// Impersonation lets an operator act as a user for a stated reason and a
// bounded time. The resulting tenancy.Principal carries both identities
// (User is the impersonated user, Impersonator the operator, Operator is
// false), so every audit record made meanwhile names both; start and stop
// are recorded in the platform audit chain. Packages that change MFA,
// passwords or ownership refuse impersonated principals with
// tenancy.RefuseImpersonation.
package operator

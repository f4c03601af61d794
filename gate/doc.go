// Package gate is tenantgate's request chain. One Gate, built once from a
// validated Config, hands out per-route middlewares that decide, in order:
//
//	identity → verified email (writes) → workspace resolved → membership
//	→ approval state → trial (writes) → permission → handler
//
// GET, HEAD and OPTIONS are reads; every other method, unknown ones
// included, is a write. Method-override headers are never consulted.
//
// A principal who is not a member of the addressed workspace gets one
// 403 workspace_forbidden response, byte for byte the same whether the
// workspace exists or not and whatever its state: only members learn a
// workspace's state, plan or trial. Any store error or deadline denies with
// 503 unavailable; the handler never runs on a denial.
//
// Check is the pure decision (tests and the Observer use it); Require and
// AnyMember adapt it to net/http. Handlers read the verified
// tenancy.Tenant with tenancy.FromContext.
package gate

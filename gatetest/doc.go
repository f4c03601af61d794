// Package gatetest is the kit host applications test their own routers
// with: tenantgate's in-memory wiring (memstore, gate, policy, team
// service), a fake clock, scenario builders (verified user, approved
// workspace, member with role) and a Runner that plays a route × method ×
// role truth table against the host's own http.Handler.
//
// For every route the Runner also generates attacks:
//
//   - cross-tenant: the same request, into the same workspace, from the
//     owner of another workspace must answer 403 workspace_forbidden as
//     problem+json, without the workspace's Trial-Ends-At, with the same
//     status, headers and bytes as for a workspace that does not exist;
//   - anonymous: the same request without a principal must answer 401;
//   - foreign object (when Route.WantForeignObject is set): the request
//     names the attacker's own workspace but the victim's objects, and
//     must not succeed.
//
// What the Runner cannot see: it judges statuses, problem codes and, for
// the cross-tenant cells, headers and bytes. It does not read a successful
// response for another tenant's data, it does not try a workspace id in a
// body or query parameter while the path names the caller's own workspace
// (a handler that scopes by such an id instead of tenancy.FromContext is
// not caught), and the foreign-object attack runs only for routes that set
// WantForeignObject. Test those in the host's own handler tests.
//
// How the host's authentication learns the principal: by default the
// Runner puts it in the request context with tenancy.WithPrincipal before
// calling the handler, which suits hosts whose auth middleware wraps the
// router from outside (test the inner router) or passes through a request
// that already carries a principal. Hosts whose auth must run can instead
// build their router with Env.Authenticate as the auth middleware (it
// reads the UserHeader the Runner sets), or set Runner.Authenticate to mint
// a real credential for the user.
//
// Everything is in memory and safe for concurrent use; each cell of a
// table runs against a fresh workspace, so mutating routes do not disturb
// each other.
package gatetest

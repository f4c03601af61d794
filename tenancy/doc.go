// Package tenancy holds tenantgate's tenant model: WorkspaceID and UserID
// with one strict canonical spelling, Workspace and its approval Status,
// Membership, the Principal the host's authentication establishes, and the
// Tenant the gate verifies for each request.
//
// Resolvers find the workspace a request addresses in exactly the carriers
// the host configures (a path value, a header, a query parameter, a cookie,
// a sub-domain); Agree requires every present carrier to name the same
// workspace. Resolvers never read the request body.
//
// The store interfaces (WorkspaceStore, MembershipStore, InviteCodeStore)
// state their atomicity contracts in their doc comments; memstore and
// mongostore implement them and pass the storetest suites.
//
// Lifecycle is the workspace lifecycle service: creation with a closed-beta
// invite code and one workspace per owner, and the approval transitions
//
//	pending_approval → active     (approve)
//	pending_approval → rejected   (reject)
//	active           → suspended  (suspend)
//	suspended        → active     (reactivate)
//	rejected         → pending_approval (reopen)
//
// each a compare-and-set on the current state, with actor and reason,
// stored together with its audit record.
package tenancy

// Package rbac holds tenantgate's permissions and roles.
//
// Hosts register their permissions as "resource:action" names in a
// Registry; each gets a small index, and a role's permissions are a fixed
// size bitset (Set), so a check is one shift and one AND: constant time and
// allocation-free. The library registers its own permissions (members,
// invites, settings, channels, billing, audit, workspace) in every Registry.
//
// A Policy maps role names to permission sets: the seven built-in roles
// (owner, admin, billing, manager, agent, auditor, viewer), derived from the
// registry by the rules of BuiltinRoles, plus any custom roles. Built-in
// roles are found without a map lookup. Policy.Matrix renders the role ×
// permission table as Markdown and JSON for hosts to publish.
//
// Custom roles per workspace are validated with Policy.CompileCustom (a
// well-formed name that is not a built-in one; registered permissions only,
// never the owner-only workspace:delete and workspace:transfer) and stored
// by name, not by bit index, so a stored role survives a change in
// registration order; Policy.Compile turns stored names back into a Set and
// ignores names no longer registered (fail closed).
//
// The assignment rules are pure functions the team service enforces:
// CanGrant (grant only what you hold; only member managers grant roles
// that can themselves grant), CanManage (never change or remove someone
// who holds more than you) and CanChangeOwn (no self-promotion).
package rbac

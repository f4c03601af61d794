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
// registry by the rules of BuiltinRoles, plus any custom roles.
package rbac

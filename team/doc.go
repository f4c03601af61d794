// Package team manages who belongs to a workspace and with which role:
// role changes, removals, leaving, ownership transfer, custom roles per
// workspace, and team invites by email.
//
// The assignment rules are enforced here, inside the library, never left
// to the host's handlers or UI:
//
//   - an actor grants only roles whose permissions it holds itself, and
//     only a member manager (members:write) grants a role that can itself
//     grant access (rbac.Policy.CanGrant);
//   - an actor never changes or removes a member who holds more than it
//     does (rbac.Policy.CanManage), and never promotes itself;
//   - no change leaves a workspace without an owner: the store's
//     ChangeRole and RemoveMember check and change in one atomic step, so
//     two concurrent demotions of the last two owners leave one owner
//     (409 last_owner);
//   - ownership moves only by an explicit TransferOwnership, never by an
//     impersonating principal.
//
// Every decision reads the actor's membership fresh from the store, so a
// role change or removal takes effect on the actor's next request.
//
// Invites carry a 256-bit token from crypto/rand; only its SHA-256 is
// stored. An invite is single use even under concurrent redemption (the
// store consumes it with one conditional update), expires (seven days by
// default, on the injected clock), can be revoked, and is accepted only by
// a verified user whose normalized email matches it. An unknown, used,
// revoked or expired token and a token presented by another address all
// answer the same 400 invalid_token, so a token reveals nothing about who
// it was meant for.
//
// Every invite, acceptance, revocation, role change, removal, transfer and
// custom-role change is recorded in the audit trail, failing closed as
// audit prescribes for sensitive actions: an "attempted" event is written
// first and, if the trail cannot take it, nothing is changed (503
// unavailable); the outcome (success, denied, failed) follows. Attempts the
// rules refuse are recorded as denied. (The membership store has no
// audited variants of its methods yet, so change and record are two
// writes, not one atomic step; the attempted record bounds the gap.)
//
// Addresses are normalized by the disposable package's strict parser
// (NormalizeEmail), so an invite to "Ann@BÜCHER.example" is accepted by
// the account "ann@xn--bcher-kva.example".
//
// The package is separate from tenancy because it brings its own stores
// (InviteStore, RoleStore), depends on the email normalization and audit
// trail, and is not on the request path: the gate imports tenancy, never
// team.
package team

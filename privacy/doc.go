// Package privacy is tenantgate's data-subject tooling: export, erasure and
// anonymization of everything the library holds about a user, across every
// store, and deletion of a workspace by its owner.
//
// # What is covered
//
// A Service sees every store of the library (New refuses a missing one):
// memberships, workspaces, team invites, custom roles, MFA records,
// verification tokens, rate-limit buckets and the audit trail. The host's
// own account data (email, password hash, sessions) is the host's: it
// resolves a user's identifiers through Config.Identities and deletes its
// records in Config.AfterErase.
//
//   - Export streams a JSON document (ExportFormat) of memberships and
//     roles, workspaces owned, invites sent and received, MFA enrollment
//     state (never the seed or codes), token metadata (never the token or
//     its hash), rate-limit buckets derived from the user's identifiers, and
//     the audit events where the user is actor, impersonator, subject or
//     target, opened for reading. Audit chains are paged (Config.PageSize),
//     so memory stays bounded whatever their length.
//   - Erase removes memberships, invites, the MFA record, tokens and
//     limiter buckets, then destroys the user's audit subject key. It
//     refuses with 409 last_owner while the user is the last owner of a
//     workspace, before changing anything.
//   - Anonymize is Erase, with the user's id shown as a stable pseudonym.
//   - DeleteWorkspace removes a tenant's invites, custom roles, tenant
//     rate-limit buckets, memberships and the workspace, audited in the
//     platform (operator) chain atomically with the deletion.
//
// Every request is audited in the platform chain with the context's
// Principal as actor, the user or workspace as target: an "attempted"
// record before any change (when it cannot be written nothing happens and
// the caller gets 503 unavailable), then the outcome.
//
// # Audit chains after erasure
//
// Chains are append-only and hash every stored field, so nothing in them is
// rewritten. Personal data in events (client IP, user agent, personal
// metadata) is sealed under the data subject's key (see the audit
// package's erasure note); Erase destroys that key, which leaves the sealed
// values unreadable for good while audit.Verify still passes, and later
// events of the subject store no personal data. The user's opaque id stays
// in the chains — it is a random value, and the mapping from it to a person
// is the host's user record, deleted in AfterErase.
//
// The pseudonym of Anonymize is applied when events are read, never
// stored: Present (and Export) show an erased user's id as ErasedID, and an
// anonymized user's as Pseudonym(id) — "anon-" and an HMAC-SHA256 of the id
// under Config.PseudonymKey — so that counts and sequences per user stay
// meaningful without naming anyone. Which of the two applies is kept as a
// second tombstone in the subject key store (under a name no user id can
// take), so no further store is needed.
//
// # Workspace audit retention
//
// Config.WorkspaceAudit decides the fate of a deleted workspace's chain:
// KeepWorkspaceAudit (the default, and the only setting tenantgate's own
// backends support, since their audit has no delete path) keeps it whole
// and verifiable; DropWorkspaceAudit removes it through an audit store that
// implements AuditDropper.
//
// # HTTP
//
// Handlers serves GET /api/me/export, POST /api/me/erase (step-up: the
// password through a host function and, when the user has MFA, a TOTP or
// recovery code), the operator routes for a user named by the {user} path
// value, and workspace deletion for the {ws} path value. Impersonating
// sessions can neither export nor erase.
//
// # Stores
//
// The interfaces in this package (Workspaces, Invites, MFA, Tokens, …) are
// what the service needs; methods beyond each owning package's Store are
// implemented by memstore and checked by storetest.RunPrivacyStores.
package privacy

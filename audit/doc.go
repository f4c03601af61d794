// Package audit is tenantgate's append-only, tamper-evident audit trail.
//
// # Recording
//
// Every Event belongs to one workspace chain (events with no workspace go to
// the platform chain, Workspace ""). The library and hosts append through a
// Trail (New), which stamps each event with a fresh ID and the injected
// Clock's time in UTC (callers cannot backdate), replaces the value of every
// secret-looking metadata key (password, token, secret, otp, code, key,
// authorization, cookie, recovery, session…) and of every "Bearer …"/"Basic …"
// value with Redacted, and seals personal data (see Erasure). Keys are
// matched case-insensitively, by word, after dropping invisible format
// characters and reading full-width forms as ASCII; look-alike letters of
// other scripts are not recognized, so metadata keys must be program
// literals, never client-supplied text. A Recorder
// turns HTTP traffic into events: its Middleware, inside the gate, records
// every mutation (any method but GET, HEAD and OPTIONS) with its status and
// outcome; RecordDenial records the gate's denials at a configurable level
// (default: denials of sensitive routes). No query string or body is ever
// copied into an event, and of the headers only the User-Agent (sealed as
// personal data) and an X-Request-Id that has the shape of an id, so
// credentials cannot leak through them and a client cannot write free text
// into a chain that can never be edited.
//
// Sensitive actions fail closed: Record (before performing an action) and
// the Sensitive route option write the event first, and when it cannot be
// written the action is not performed and the client gets 503 unavailable.
//
// Text fields are stored exactly as given, control characters included
// (they are data); every text rendering, Event.String and Event.LogValue,
// escapes them (see Escape), so a name holding CR, LF, ESC or U+2028 cannot
// forge a log line.
//
// # Storage and the chain
//
// A Sink appends; a Reader queries (one workspace, newest first, opaque
// cursors) and reads a chain in order. There is no update or delete method,
// here or in any backend. A backend stores the event Link returns for the
// chain's current Head: Seq is the predecessor's Seq + 1 (1 for the first),
// PrevHash the predecessor's Hash (GenesisHash, 64 "0", for the first), and
// Hash the lowercase hex SHA-256 of the canonical encoding below. Verify
// walks a chain from Seq 1 and reports the first event whose workspace, Seq,
// PrevHash or Hash does not follow: an edited, deleted, reordered or
// inserted record breaks the chain there. A chain cannot show that its newest
// records were cut off; compare Verify's Head with one published earlier.
// The chain is keyless (plain SHA-256), so the same holds for a writer with
// store access who edits a record and recomputes every later hash: the
// rewritten chain verifies, and only an earlier Head kept outside the store
// (an anchor: a signed log, a ticket, another system) exposes it
// (TestAttack_SuffixRewriteNeedsAnAnchor).
//
// Concurrent appends to one workspace never fork a chain. memstore holds a
// lock per chain while it links and stores an event. A MongoDB backend keeps
// a unique index on {workspace, seq}: it reads the head (find {workspace},
// sort {seq: -1}, limit 1), calls Link and inserts; when the insert fails
// with a duplicate key another writer took that Seq first, so it reads the
// new head and retries (a bounded number of times, then ErrUnavailable).
// Chains of different workspaces never contend, and the shard key is the
// workspace.
//
// # Canonical encoding (format version 1)
//
// Integers are big-endian. A string is its byte length as a uint32 followed
// by its bytes, exactly as stored (UTF-8 is not required nor normalized).
// The encoding is the concatenation of:
//
//  1. the 17 bytes "tenantgate.audit" 0x01 (magic and version)
//  2. ID (string)
//  3. Time as int64 Unix milliseconds, UTC (8 bytes)
//  4. Workspace, 5. Actor, 6. Impersonator, 7. Subject, 8. Action,
//  9. Target.Type, 10. Target.ID, 11. Outcome, 12. IP (sealed form),
//  13. UserAgent (sealed form), 14. RequestID, 15. Method, 16. Route
//     (strings)
//  17. Status as int64 (8 bytes)
//  18. the number of metadata entries as uint32, then each entry as key
//     (string) and value (string), keys in ascending byte order
//  19. Seq as uint64 (8 bytes)
//  20. PrevHash (string: the 64 hex characters)
//
// Hash is not part of it. Stores keep time at millisecond precision, which
// is why Link truncates it. TestCanonical_ByteLayout and
// TestCanonical_GoldenHash pin this format; a change is a new version.
//
// # Erasure (crypto-shredding)
//
// Actors, impersonators, subjects and target ids are opaque ids, never
// emails. Personal data (client IP, user agent, and metadata values under
// personal keys such as email, name, phone, address, or that look like an
// email address) is sealed with AES-256-GCM under a key per data subject
// (SubjectKeys). The subject is Event.Subject, or the Actor when it is
// empty; the Recorder uses the impersonator when there is one, since the
// network data is theirs. The sealed value, "pd1." + base64url(nonce ‖
// ciphertext ‖ tag), is bound to its subject, event ID and field, and it is
// what the chain hashes. Link itself drops personal data that is not sealed,
// so a backend never stores it in clear even when a caller bypasses the
// Trail. Trail.Open returns an event for display with sealed values opened.
//
// Design note for the privacy service: erasing a data subject is
// SubjectKeys.Destroy(subject). Every chain stays byte-for-byte intact and
// verifiable, sealed values of that subject open as Erased, and Destroy leaves
// a tombstone so that no new personal data is sealed for the subject again
// (later events store none). Pseudonymization needs nothing more: actor ids
// are already opaque, and the mapping from id to person lives in the user
// store, which erasure deletes. Personal data about someone other than the
// actor (an invitee's email) must go in its own event whose Subject is that
// person's id, so that it is erased with them. The key store is then the
// only place the privacy service has to erase for the audit trail; a
// persistent backend should wrap subject keys with secret.Keyring at rest and
// keep them out of backups it cannot erase from.
package audit

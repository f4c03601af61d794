// Package mfa is tenantgate's second factor: TOTP (RFC 6238) with recovery
// codes, replay protection, failure lockout and step-up for changes.
//
// # Lifecycle
//
//   - Enroll draws a 20-byte seed from crypto/rand (through
//     github.com/pquerna/otp), seals it with a secret.Keyring bound to the
//     user id, stores it as pending and returns it once, as an otpauth URL
//     and a QR PNG. No other call ever returns the seed.
//   - Confirm checks a code against the pending seed, turns MFA on and
//     returns 10 recovery codes, shown once.
//   - Verify (and Authenticate, for a login flow) checks a TOTP code or a
//     recovery code.
//   - Disable and RegenerateRecoveryCodes require a current TOTP or recovery
//     code (step-up, OWASP ASVS 7.5.1) and are refused to impersonating
//     sessions, as are Enroll and Confirm.
//
// # Codes
//
// TOTP defaults to SHA-1, 6 digits and 30 s steps (configurable), accepts
// the previous, current and next step (±1 step skew), and takes the time
// from the injected Clock. A code is accepted at most once (ASVS 6.5.1): the
// store keeps the last accepted step and advances it with a conditional
// update (lastStep < step), so the same code twice, an older step after a
// newer success, and concurrent submissions of one code give exactly one
// success. Input is strict: exactly the configured number of ASCII digits;
// spaces, full-width digits and other lengths are refused without touching
// the store.
//
// Recovery codes are 16 characters of the RFC 4648 base32 alphabet (80
// random bits), shown as XXXX-XXXX-XXXX-XXXX. Input is upper-cased (ASCII
// only) and the three hyphens are optional; nothing else is normalized. The
// first group is a public index: each code is stored as its index, a random
// 16-byte salt and an argon2id hash of the whole code (default parameters:
// time 2, memory 19 MiB, 1 thread, 32-byte key — the OWASP Password Storage
// Cheat Sheet's argon2id baseline; ASVS 6.5.2), so checking a code costs
// exactly one hash computation. Each code is single use; regenerating
// replaces every old code.
//
// # Lockout
//
// Every attempt (TOTP or recovery code) is counted before it is checked, by
// one atomic store operation, and a success resets the count, so concurrent
// guesses cannot exceed the budget. After LockAfter consecutive failures
// (default 5, at most 100) the account's second factor is locked for
// LockBackoff (default 5 min), doubling with each further lock up to
// MaxLockBackoff (default 24 h); while locked every attempt, correct or not,
// gets 423 mfa_locked with Retry-After.
//
// # Errors
//
// Errors are problem catalogue errors: invalid_otp (401), mfa_required
// (401), mfa_locked (423), conflict (409), permission_denied (403),
// invalid_request (400), unavailable (503). Confirm answers conflict
// (nothing pending, or MFA already on) from a plain read, before any attempt
// is counted or recorded.
//
// # Audit: changes fail closed
//
// Events go through the Config.Audit hook as events about the user
// (FanOut copies them into every workspace the user belongs to). Metadata
// holds only MetaAttempt, MetaFactor and MetaCodesLeft: no event, error,
// log line or return value other than the one-time Enrollment and
// RecoveryCodes carries a seed, a code or a recovery code.
//
// Every change of a user's second factor — enable (Confirm), Disable,
// RegenerateRecoveryCodes and the use of a recovery code (in Verify,
// Authenticate, or as the step-up of a change) — is recorded as two events
// with one random attempt id (MetaAttempt), as audit.Sensitive routes are:
//
//  1. an audit.OutcomeAttempted event, written after the input is parsed
//     and before the first store call. When it cannot be written, the
//     operation answers 503 unavailable and the store is untouched: MFA
//     stays as it was, no attempt is counted, no TOTP step or recovery code
//     is consumed and the old recovery codes keep working. An action that
//     cannot be audited is not performed, a recovery-code login included.
//  2. its result (success, denied or failed, with MetaCodesLeft on
//     success), written after. This one is best effort: the change is
//     already committed (and new recovery codes exist only in the
//     response), so a failure to record the result is logged, and the
//     operation answers as if it had been recorded. A trail that shows an
//     attempt without a result therefore means "outcome not recorded"; the
//     user's current Status tells which.
//
// Why not write a success event before the change and a correction after
// a failure: the correction is best effort too, so a crash or a second
// audit failure would leave a record of a change that never happened; an
// attempted event is true whatever follows. And the attempted event must
// come before BeginAttempt (the change's first store write), or an audit
// outage would still spend the user's failure budget.
//
// Refusals are not changes: a replayed code (audit.ActionMFAReplay), the
// failure that starts a lock (audit.ActionMFALockout) and an impersonating
// session's refused Disable or RegenerateRecoveryCodes (denied) are
// recorded best effort, and the caller gets the refusal's own answer
// (invalid_otp, mfa_locked with Retry-After, permission_denied) whether or
// not the event was stored. The refusal is already the safe outcome and
// the lock is already stored — an audit outage never lifts a lock or
// allows a guess — and answering 503 only when a replay's event failed
// would tell a replayed code from a wrong one. A successful TOTP
// verification only advances the replay marker and is not an MFA event of
// its own (the host records the login); as the step-up of a change it is
// covered by that change's attempted event. Malformed input is refused
// before the store and the audit are touched.
//
// # Seeds in memory
//
// Opening a sealed seed costs more than computing a TOTP code, so the
// Service keeps a bounded cache of opened seeds keyed by user and
// ciphertext (Config.SeedCacheSize; negative disables it). The process
// already holds the keyring's keys, so the cache adds no exposure beyond
// what the process memory already has; the stored records stay sealed.
package mfa

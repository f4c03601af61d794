// Package verify issues and redeems email-verification and password-reset
// tokens, and delivers the mail that carries them.
//
// # Tokens
//
// A token is 256 bits from crypto/rand, written as 43 characters of
// unpadded base64url. Only its SHA-256 hash is stored (a database leak
// yields nothing redeemable). A token is bound to a Purpose (a verification
// token cannot reset a password), expires (24 h for verification, 1 h for
// reset, configurable) and is single use: Store.Consume is one conditional
// update, so of any number of concurrent redemptions exactly one wins.
// Issuing a password-reset token revokes the user's older unused reset
// tokens. An unknown, used, expired or wrong-purpose token is a 400
// invalid_token (problem.ErrInvalidToken), the same answer in every case.
//
// # No user enumeration
//
// Service.RequestPasswordReset and Service.ResendVerification answer nil
// for unknown addresses exactly as for registered ones (OWASP ASVS 6.3.8),
// so a handler answers 202 whatever the address. Failures that could only
// happen for a registered address (token storage, mail delivery) are logged
// and not returned. The rate-limit hook (Config.Allow) is consulted before
// the user lookup, keyed by the canonical address, so a 429 says nothing
// about registration either. Timing would still differ (a registered
// address sends mail): hand the Service a Queue, which returns as soon as
// the message is buffered, so the answer does not wait for delivery.
//
// # Rate limiting
//
// Config.Allow is a func(ctx, key string) error called before every resend
// or reset request. The ratelimit package (or anything else) plugs in
// without this package importing it: return nil to proceed, or an error
// (typically a problem.ErrRateLimited with RetryAfterSeconds) that the
// Service returns unchanged. Keys are "verify_email:" or "reset_password:"
// followed by the canonical address. Unlimited must be spelled out with
// NoLimit.
//
// # Mail
//
// Mailer is the one-method delivery interface. Fallback tries a
// workspace's own mailer before the platform's, Queue delivers from
// background workers, and Outbox keeps messages in memory for development
// and tests. The subpackage verify/resend delivers through the Resend API
// (bounded retries on 429 and 5xx honouring Retry-After, an idempotency key
// per message, errors that never contain the API key); it is a package of
// its own so that only a service that imports it compiles the Resend SDK.
package verify

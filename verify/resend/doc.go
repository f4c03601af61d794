// Package resend delivers verify's mail through the Resend API
// (POST /emails) with the official SDK. It is the only package of the
// module that imports the Resend SDK, so a service that sends mail another
// way (or only keeps it in verify's Outbox) never compiles it.
//
// A Mailer implements verify.Mailer:
//
//   - every attempt carries the message's idempotency key, so a retry after
//     a timeout or a 5xx cannot send the message twice;
//   - 429 and 5xx answers and transport errors (timeouts included) are
//     retried, at most Config.MaxAttempts times, waiting what the server's
//     Retry-After asks (delay-seconds or an HTTP date) or else an
//     exponential backoff; a Retry-After longer than Config.MaxRetryAfter
//     ends the retries at once, and any other 4xx fails at once;
//   - each attempt has a timeout (DefaultTimeout unless the caller's
//     http.Client sets its own);
//   - the API key travels only in the Authorization header: errors (an
//     *Error, whose cause has the key scrubbed from its text) and every
//     rendering of the Mailer (fmt verbs, slog) show it masked;
//   - the API root is always set explicitly (DefaultBaseURL unless
//     Config.BaseURL names another), never left to the SDK's environment
//     lookup.
//
// Combine it with verify.Fallback to try a workspace's own Resend account
// before the platform's, and with verify.Queue to deliver in the
// background.
package resend

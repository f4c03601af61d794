// Package app is the reference server of tenantgate: a small CRM whose
// routes exercise every gate of the library, wired only through the
// library's public API. Its own logic is what a host owns: password login
// and sessions, contacts, channel settings, and the HTTP plumbing (strict
// JSON, request ids, logs).
//
// New builds the whole server as an http.Handler from a validated Config,
// so the end-to-end tests drive exactly the wiring that
// "go run ./examples/crm" serves. Stores are injected (Config.Stores):
// memstore by default, mongostore plus the mongoapp package with -mongo,
// gatetest's in tests.
//
// The request path of a gated route:
//
//	request id, log line → bearer session → http.ServeMux
//	  → gate (identity, verified email, workspace, membership, approval,
//	    trial, permission) → workspace quota (ratelimit, by plan)
//	  → audit recorder (mutations) → handler
//
// Passwords are hashed with argon2id (golang.org/x/crypto/argon2) using
// OWASP's recommended parameters — m = 19 MiB, t = 2, p = 1, a 16-byte
// random salt, a 32-byte key — stored as PHC strings; unknown addresses at
// login hash a dummy password so both paths cost the same. Session tokens
// are the library's tokens — 32 random bytes from crypto/rand, written as
// 43 characters of unpadded base64url with one accepted spelling — shown
// once and stored only as the SHA-256 of the raw bytes; sessions last 12
// hours on the server's clock. Failed logins are counted per address (10
// per 15 minutes) and per client IP (100 per 15 minutes) before the
// password is checked.
//
// With Config.Dev the server's one clock is a TestClock that
// POST /dev/clock moves, and GET /dev/outbox shows the mail sent; every
// time-dependent decision (trial, tokens, sessions, TOTP, rate windows,
// audit times) reads that clock.
package app

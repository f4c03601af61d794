// Package app is the reference server of tenantgate: a small CRM whose
// routes exercise every gate of the library. It is wired only through the
// library's public API; the only logic of its own is what a host owns
// (password login, sessions, contacts), plus a few clearly marked
// stand-ins for library packages that have not landed yet (see
// standin.go).
//
// New builds the whole server as an http.Handler, so the end-to-end tests
// drive exactly the wiring that "go run ./examples/crm" serves.
//
// Passwords are hashed with argon2id (golang.org/x/crypto/argon2) using the
// OWASP-recommended parameters m = 19 MiB, t = 2, p = 1, a 16-byte random
// salt and a 32-byte key, stored in the PHC string format. Session tokens
// are 32 random bytes (crypto/rand), sent once to the client and stored
// only as their SHA-256 digest.
package app

// Package secret keeps credentials out of responses, logs and error text,
// and seals them at rest.
//
// # Value
//
// A Value holds a credential (an API key, a bot token, a TOTP seed). Every
// rendering of a Value is masked: JSON, every fmt verb (%v %+v %#v %s %q %x
// …), slog and error text built with fmt.Errorf. The masking rule is:
//
//   - the empty Value renders as "" (so a client can tell "not set");
//   - a Value of fewer than MinRevealLen (12) characters renders as Mask
//     ("********") alone: nothing of it is shown;
//   - a longer Value renders as Mask followed by its last 4 characters.
//
// The mask has a fixed length, so the rendering never reveals the length of
// the credential. The plain text is available only through Reveal, a loudly
// named method meant for the one place that hands the credential to its
// provider.
//
// # Updates
//
// A settings form usually GETs masked values and PUTs the whole document
// back. Merge (or the JSON-decoded Update) applies the PUT: the masked text
// that a GET returned leaves the stored credential unchanged, a new value
// replaces it, an empty value leaves it unchanged, and only an explicit clear
// removes it. A masked text that is not the current mask (the credential
// changed since the client read it) is refused with ErrStaleMask rather than
// stored as a credential.
//
// # Keyring
//
// A Keyring seals credentials at rest with XChaCha20-Poly1305
// (golang.org/x/crypto/chacha20poly1305): a random 192-bit nonce per
// message, the key id inside the ciphertext, new writes with the current
// key, old keys still able to open what they sealed. Associated data binds a
// ciphertext to its context (for example the user id), so a sealed TOTP seed
// moved to another user's record does not open.
//
// # Responses
//
// NoStore wraps a handler that returns credentials (even masked ones) so
// that its responses carry Cache-Control: no-store (OWASP ASVS 14.3.2).
package secret

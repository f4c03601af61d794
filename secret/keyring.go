package secret

import (
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"golang.org/x/crypto/chacha20poly1305"
)

// KeySize is the size in bytes of every Keyring key (256 bits).
const KeySize = chacha20poly1305.KeySize

// sealVersion is the first byte of every ciphertext of this format.
const sealVersion byte = 1

// maxKeyIDLen bounds key ids so that they fit the one-byte length prefix and
// stay short in every ciphertext.
const maxKeyIDLen = 32

// ErrOpen is returned by Open for any ciphertext that does not open: wrong
// or unknown key id, tampered bytes, wrong associated data, truncation. The
// reasons are deliberately not told apart.
var ErrOpen = errors.New("secret: ciphertext does not open")

// Keyring seals and opens small secrets at rest with XChaCha20-Poly1305.
//
// A ciphertext is
//
//	version(1) | len(keyID)(1) | keyID | nonce(24) | sealed box (plaintext + 16-byte tag)
//
// and the AEAD's associated data is the header (version, length, key id)
// followed by the caller's associated data, so the key id cannot be swapped
// and a ciphertext bound to one context does not open in another.
//
// Seal always uses the current key; Open uses whichever key the ciphertext
// names, so rotating keys is: add the new key, make it current, keep the old
// ones until every record has been resealed (Reseal).
//
// A Keyring is safe for concurrent use. It never prints its keys.
type Keyring struct {
	current string
	aeads   map[string]cipher.AEAD
}

// NewKeyring returns a Keyring over keys (key id → 32-byte key) that seals
// with keys[current]. Key ids are 1 to 32 characters of [A-Za-z0-9._-].
// The keys are copied; the caller may wipe its slices afterwards.
func NewKeyring(current string, keys map[string][]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("secret: keyring needs at least one key")
	}
	if _, ok := keys[current]; !ok {
		return nil, fmt.Errorf("secret: current key id %q is not among the keys", current)
	}
	k := &Keyring{current: current, aeads: make(map[string]cipher.AEAD, len(keys))}
	for id, key := range keys {
		if !validKeyID(id) {
			return nil, fmt.Errorf("secret: invalid key id %q (1-%d characters of A-Z a-z 0-9 . _ -)", id, maxKeyIDLen)
		}
		if len(key) != KeySize {
			return nil, fmt.Errorf("secret: key %q is %d bytes, want %d", id, len(key), KeySize)
		}
		a, err := chacha20poly1305.NewX(key)
		if err != nil {
			return nil, fmt.Errorf("secret: key %q: %w", id, err)
		}
		k.aeads[id] = a
	}
	return k, nil
}

// GenerateKey returns a new random 32-byte key for a Keyring.
func GenerateKey() []byte {
	b := make([]byte, KeySize)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+).
	return b
}

func validKeyID(id string) bool {
	if id == "" || len(id) > maxKeyIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// Current is the id of the key new ciphertexts are sealed with.
func (k *Keyring) Current() string { return k.current }

// Seal encrypts plaintext with the current key, bound to ad (which may be
// nil). The result is a fresh slice.
func (k *Keyring) Seal(plaintext, ad []byte) []byte {
	a := k.aeads[k.current]
	hl := 2 + len(k.current)
	out := make([]byte, hl+a.NonceSize(), hl+a.NonceSize()+len(plaintext)+a.Overhead())
	out[0] = sealVersion
	out[1] = byte(len(k.current))
	copy(out[2:], k.current)
	nonce := out[hl : hl+a.NonceSize()]
	_, _ = rand.Read(nonce)
	return a.Seal(out, nonce, plaintext, additional(out[:hl], ad))
}

// additional is header || ad; a stack buffer keeps the common small case
// free of allocations.
func additional(header, ad []byte) []byte {
	if len(ad) == 0 {
		return header
	}
	buf := make([]byte, 0, len(header)+len(ad))
	buf = append(buf, header...)
	return append(buf, ad...)
}

// parse splits a ciphertext into header, key id, nonce and box.
func (k *Keyring) parse(ct []byte) (header []byte, id string, a cipher.AEAD, nonce, box []byte, err error) {
	if len(ct) < 2 || ct[0] != sealVersion {
		return nil, "", nil, nil, nil, ErrOpen
	}
	hl := 2 + int(ct[1])
	if int(ct[1]) == 0 || len(ct) < hl {
		return nil, "", nil, nil, nil, ErrOpen
	}
	id = string(ct[2:hl])
	a, ok := k.aeads[id]
	if !ok || len(ct) < hl+a.NonceSize()+a.Overhead() {
		return nil, "", nil, nil, nil, ErrOpen
	}
	return ct[:hl], id, a, ct[hl : hl+a.NonceSize()], ct[hl+a.NonceSize():], nil
}

// Open decrypts a ciphertext made by Seal with the same associated data,
// with whichever key of the ring it names. Any failure is ErrOpen.
func (k *Keyring) Open(ciphertext, ad []byte) ([]byte, error) {
	header, _, a, nonce, box, err := k.parse(ciphertext)
	if err != nil {
		return nil, err
	}
	pt, err := a.Open(nil, nonce, box, additional(header, ad))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// KeyID returns the id of the key a ciphertext names, if the ring holds it.
// It does not authenticate the ciphertext.
func (k *Keyring) KeyID(ciphertext []byte) (string, error) {
	_, id, _, _, _, err := k.parse(ciphertext)
	return id, err
}

// Reseal opens ciphertext and, when it was sealed with a key other than the
// current one, seals it again with the current key. It reports whether the
// result differs from the input. Use it to migrate records after a rotation.
func (k *Keyring) Reseal(ciphertext, ad []byte) ([]byte, bool, error) {
	_, id, _, _, _, err := k.parse(ciphertext)
	if err != nil {
		return nil, false, err
	}
	pt, err := k.Open(ciphertext, ad)
	if err != nil {
		return nil, false, err
	}
	if id == k.current {
		return ciphertext, false, nil
	}
	return k.Seal(pt, ad), true, nil
}

// SealValue seals a Value's credential (see Seal).
func (k *Keyring) SealValue(v Value, ad []byte) []byte {
	return k.Seal([]byte(v.Reveal()), ad)
}

// OpenValue opens a ciphertext made by SealValue (see Open).
func (k *Keyring) OpenValue(ciphertext, ad []byte) (Value, error) {
	pt, err := k.Open(ciphertext, ad)
	if err != nil {
		return Value{}, err
	}
	return New(string(pt)), nil
}

// ids returns the key ids, sorted.
func (k *Keyring) ids() []string {
	ids := make([]string, 0, len(k.aeads))
	for id := range k.aeads {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// String names the current key and the key ids, never a key.
func (k *Keyring) String() string {
	return "secret.Keyring{current: " + k.current + ", keys: [" + strings.Join(k.ids(), " ") + "]}"
}

// Format renders String for every verb, so no verb prints key material.
func (k *Keyring) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(k.String())) }

// LogValue renders String.
func (k *Keyring) LogValue() slog.Value { return slog.StringValue(k.String()) }

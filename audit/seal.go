package audit

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the size of a subject key: AES-256.
const KeySize = 32

// ErrKeyNotFound is returned by SubjectKeys.Get for a subject that never had
// a key.
var ErrKeyNotFound = errors.New("audit: subject key not found")

// ErrSubjectErased is returned by SubjectKeys for a subject whose key was
// destroyed: its sealed data is unreadable for good and no new personal data
// is sealed for it.
var ErrSubjectErased = errors.New("audit: subject erased")

// SubjectKeys stores one data key per data subject (an opaque user id), the
// basis of crypto-shredding: personal data in audit events is sealed under
// its subject's key, and destroying the key erases it from every chain
// without touching a hash. Keys must not be logged; a persistent backend
// should wrap them with a key-encryption key (secret.Keyring) at rest.
type SubjectKeys interface {
	// GetOrCreate returns subject's KeySize-byte key, creating a random one
	// if the subject has none. It is atomic: concurrent calls for one
	// subject all return the same key. It fails with ErrSubjectErased after
	// Destroy (no key is ever created again for that subject). MongoDB: one
	// findOneAndUpdate({_id: subject}, {$setOnInsert: {key: random}},
	// upsert, returnDocument after), then ErrSubjectErased if the document
	// is a tombstone.
	GetOrCreate(ctx context.Context, subject string) ([]byte, error)
	// Get returns subject's key, ErrKeyNotFound if it has none, or
	// ErrSubjectErased after Destroy. The caller must not modify the slice.
	Get(ctx context.Context, subject string) ([]byte, error)
	// Destroy deletes subject's key irreversibly and leaves a tombstone, so
	// that GetOrCreate and Get fail with ErrSubjectErased from then on.
	// It is idempotent and also tombstones a subject that had no key.
	// MongoDB: one updateOne({_id: subject}, {$unset: {key: ""}, $set:
	// {erased: true}}, upsert).
	Destroy(ctx context.Context, subject string) error
}

// sealPrefix marks a sealed value: "pd1." + base64url(nonce ‖ ciphertext ‖ tag).
const sealPrefix = "pd1."

const (
	nonceSize = 12
	tagSize   = 16
)

// IsSealed reports whether v has the form of a sealed personal value.
func IsSealed(v string) bool {
	rest, ok := strings.CutPrefix(v, sealPrefix)
	if !ok || base64.RawURLEncoding.DecodedLen(len(rest)) < nonceSize+tagSize {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// sealAD binds a sealed value to its subject, event and field, so that a
// value cannot be moved to another event or field and still open.
func sealAD(subject, eventID, field string) []byte {
	ad := make([]byte, 0, 32+len(subject)+len(eventID)+len(field))
	ad = append(ad, "tenantgate.audit.pd1"...)
	for _, s := range [...]string{subject, eventID, field} {
		ad = binary.BigEndian.AppendUint32(ad, uint32(len(s)))
		ad = append(ad, s...)
	}
	return ad
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("audit: subject key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return cipher.NewGCM(block)
}

// seal encrypts plaintext with AES-256-GCM under key.
func seal(aead cipher.AEAD, subject, eventID, field, plaintext string) string {
	buf := make([]byte, nonceSize, nonceSize+len(plaintext)+tagSize)
	_, _ = rand.Read(buf) // never fails (crypto/rand)
	buf = aead.Seal(buf, buf[:nonceSize], []byte(plaintext), sealAD(subject, eventID, field))
	return sealPrefix + base64.RawURLEncoding.EncodeToString(buf)
}

// unseal reverses seal.
func unseal(aead cipher.AEAD, subject, eventID, field, sealed string) (string, error) {
	rest, ok := strings.CutPrefix(sealed, sealPrefix)
	if !ok {
		return "", errors.New("audit: not a sealed value")
	}
	raw, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(raw) < nonceSize+tagSize {
		return "", errors.New("audit: malformed sealed value")
	}
	pt, err := aead.Open(nil, raw[:nonceSize], raw[nonceSize:], sealAD(subject, eventID, field))
	if err != nil {
		return "", errors.New("audit: sealed value does not open")
	}
	return string(pt), nil
}

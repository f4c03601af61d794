package audit

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"time"
)

// GenesisHash is the PrevHash of the first event of every chain: 64 "0".
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// canonicalMagic opens every canonical encoding (format version 1).
const canonicalMagic = "tenantgate.audit\x01"

// Head is the tip of a chain: the Seq and Hash of its last event. The zero
// Head is an empty chain.
type Head struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

// Field limits applied by Link (longer values are cut at a rune boundary).
const (
	maxIDLen    = 128
	maxTextLen  = 512
	maxShortLen = 64
)

// Link returns e prepared for storage as the successor of head: the form
// every Sink stores. It
//
//   - truncates Time to the millisecond, in UTC (what MongoDB keeps);
//   - assigns a random ID when e.ID is empty;
//   - replaces every secret-looking metadata value with Redacted, and every
//     personal value (IP, UserAgent, personal metadata) that is not sealed
//     with Erased (or drops it), since only sealed personal data is stored;
//   - sets Seq = head.Seq+1, PrevHash = head.Hash (GenesisHash for an empty
//     chain) and Hash = HashOf(the result).
//
// It fails with ErrInvalidEvent for a zero Time, an empty Action, an unknown
// Outcome or more than MaxMetadataKeys metadata keys. Link is pure: backends
// call it while they hold the chain's tip (memstore: the chain's lock;
// MongoDB: before an insert that the unique {workspace, seq} index rejects
// if another writer took that seq first).
func Link(head Head, e Event) (Event, error) {
	if e.Time.IsZero() {
		return Event{}, fmt.Errorf("%w: zero time", ErrInvalidEvent)
	}
	if e.Action == "" {
		return Event{}, fmt.Errorf("%w: no action", ErrInvalidEvent)
	}
	if !e.Outcome.Valid() {
		return Event{}, fmt.Errorf("%w: unknown outcome", ErrInvalidEvent)
	}
	if len(e.Metadata) > MaxMetadataKeys {
		return Event{}, fmt.Errorf("%w: more than %d metadata keys", ErrInvalidEvent, MaxMetadataKeys)
	}
	if e.ID == "" {
		e.ID = NewID()
	}
	e.ID = truncate(e.ID, maxIDLen)
	e.Time = time.UnixMilli(e.Time.UnixMilli()).UTC()
	e.Workspace = truncate(e.Workspace, maxIDLen)
	e.Actor = truncate(e.Actor, maxIDLen)
	e.Impersonator = truncate(e.Impersonator, maxIDLen)
	e.Subject = truncate(e.Subject, maxIDLen)
	e.Action = Action(truncate(string(e.Action), maxShortLen))
	e.Target.Type = truncate(e.Target.Type, maxShortLen)
	e.Target.ID = truncate(e.Target.ID, maxIDLen)
	e.RequestID = truncate(e.RequestID, maxIDLen)
	e.Method = truncate(e.Method, maxShortLen)
	e.Route = truncate(e.Route, maxTextLen)
	if !IsSealed(e.IP) {
		e.IP = ""
	}
	if !IsSealed(e.UserAgent) {
		e.UserAgent = ""
	}
	e.Metadata = cleanMetadata(e.Metadata)
	e.Seq = head.Seq + 1
	e.PrevHash = head.Hash
	if head.Seq == 0 || e.PrevHash == "" {
		e.PrevHash = GenesisHash
	}
	e.Hash = HashOf(e)
	return e, nil
}

// cleanMetadata returns a copy of md with keys and values cut to their
// limits, secrets redacted and unsealed personal values erased; nil for an
// empty map.
func cleanMetadata(md map[string]string) map[string]string {
	if len(md) == 0 {
		return nil
	}
	out := make(map[string]string, len(md))
	for k, v := range md {
		k = truncate(k, MaxMetadataKeyLen)
		switch {
		case IsSecretKey(k) || isSecretValue(v):
			v = Redacted
		case IsSealed(v):
		case IsPersonalKey(k) || looksPersonalValue(v):
			v = Erased
		default:
			v = truncate(v, MaxMetadataValueLen)
		}
		out[k] = v
	}
	return out
}

// NewID returns a random event id (26 base32 characters, 130 bits).
func NewID() string { return rand.Text() }

// HashOf returns the lowercase hex SHA-256 of e's canonical encoding (see
// the package documentation). e.Hash is not part of the encoding.
func HashOf(e Event) string {
	var buf [512]byte
	sum := sha256.Sum256(AppendCanonical(buf[:0], e))
	return hex.EncodeToString(sum[:])
}

// AppendCanonical appends e's canonical encoding (format version 1,
// described byte by byte in the package documentation) to dst.
func AppendCanonical(dst []byte, e Event) []byte {
	dst = append(dst, canonicalMagic...)
	dst = appendString(dst, e.ID)
	dst = binary.BigEndian.AppendUint64(dst, uint64(e.Time.UnixMilli()))
	dst = appendString(dst, e.Workspace)
	dst = appendString(dst, e.Actor)
	dst = appendString(dst, e.Impersonator)
	dst = appendString(dst, e.Subject)
	dst = appendString(dst, string(e.Action))
	dst = appendString(dst, e.Target.Type)
	dst = appendString(dst, e.Target.ID)
	dst = appendString(dst, string(e.Outcome))
	dst = appendString(dst, e.IP)
	dst = appendString(dst, e.UserAgent)
	dst = appendString(dst, e.RequestID)
	dst = appendString(dst, e.Method)
	dst = appendString(dst, e.Route)
	dst = binary.BigEndian.AppendUint64(dst, uint64(int64(e.Status)))
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(e.Metadata)))
	if len(e.Metadata) > 0 {
		var arr [MaxMetadataKeys]string
		keys := arr[:0]
		for k := range e.Metadata {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			dst = appendString(dst, k)
			dst = appendString(dst, e.Metadata[k])
		}
	}
	dst = binary.BigEndian.AppendUint64(dst, e.Seq)
	dst = appendString(dst, e.PrevHash)
	return dst
}

func appendString(dst []byte, s string) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(s)))
	return append(dst, s...)
}

func hashHex(canonical []byte) string {
	sum := sha256.Sum256(canonical)
	return hex.EncodeToString(sum[:])
}

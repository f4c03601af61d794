package audit

import (
	"context"
	"crypto/cipher"
	"errors"
	"fmt"
)

// Config configures a Trail.
type Config struct {
	// Store is where events go (memstore or mongostore). Required.
	Store Sink
	// Clock stamps every event. Required (SystemClock in production).
	Clock Clock
	// Keys holds the per-subject keys that seal personal data. Required
	// unless DropPersonalData is set.
	Keys SubjectKeys
	// DropPersonalData records no personal data at all (client IP, user
	// agent and personal metadata become Erased) instead of sealing it.
	DropPersonalData bool
}

// Trail is the Sink hosts and the library append through. Before handing an
// event to the store it stamps it (a fresh ID when none is given and the
// clock's time, always: callers cannot backdate), redacts secret-looking
// metadata, and seals personal data (IP, user agent, personal metadata) under
// the data subject's key with AES-256-GCM. The store then chains the sealed
// form, so destroying the subject's key (crypto-shredding) makes the data
// unreadable while Verify still passes.
//
// A Trail is safe for concurrent use.
type Trail struct {
	store Sink
	clock Clock
	keys  SubjectKeys
	drop  bool
}

var _ Sink = (*Trail)(nil)

// New returns a Trail, or an error naming the missing setting.
func New(cfg Config) (*Trail, error) {
	if cfg.Store == nil {
		return nil, errors.New("audit: Config.Store is required")
	}
	if cfg.Clock == nil {
		return nil, errors.New("audit: Config.Clock is required (use audit.SystemClock)")
	}
	if cfg.Keys == nil && !cfg.DropPersonalData {
		return nil, errors.New("audit: Config.Keys is required (or set DropPersonalData to record no personal data)")
	}
	return &Trail{store: cfg.Store, clock: cfg.Clock, keys: cfg.Keys, drop: cfg.DropPersonalData}, nil
}

// Append stamps, redacts and seals e (see Trail) and appends it to the
// store, returning the stored event. Failures wrap ErrUnavailable (the store
// or the key store failed) or ErrInvalidEvent; nothing is stored then.
func (t *Trail) Append(ctx context.Context, e Event) (Event, error) {
	if e.ID == "" {
		e.ID = NewID()
	}
	e.ID = truncate(e.ID, maxIDLen)
	e.Time = t.clock.Now()
	e.Subject = truncate(e.Subject, maxIDLen)
	e.Actor = truncate(e.Actor, maxIDLen)
	e.IP = truncate(e.IP, maxTextLen)
	e.UserAgent = truncate(e.UserAgent, maxTextLen)
	if len(e.Metadata) > MaxMetadataKeys {
		return Event{}, fmt.Errorf("%w: more than %d metadata keys", ErrInvalidEvent, MaxMetadataKeys)
	}
	md := make(map[string]string, len(e.Metadata))
	personal := e.IP != "" || e.UserAgent != ""
	for k, v := range e.Metadata {
		k = truncate(k, MaxMetadataKeyLen)
		switch {
		case IsSecretKey(k) || isSecretValue(v):
			v = Redacted
		case IsPersonalKey(k) || looksPersonalValue(v):
			personal = true
			v = truncate(v, MaxMetadataValueLen)
		default:
			v = truncate(v, MaxMetadataValueLen)
		}
		md[k] = v
	}
	if len(md) == 0 {
		md = nil
	}
	e.Metadata = md
	if personal {
		aead, err := t.subjectAEAD(ctx, e.DataSubject())
		if err != nil {
			return Event{}, err
		}
		sealPersonal(&e, aead)
	}
	stored, err := t.store.Append(ctx, e)
	if err != nil {
		if errors.Is(err, ErrInvalidEvent) || errors.Is(err, ErrUnavailable) {
			return Event{}, err
		}
		return Event{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return stored, nil
}

// subjectAEAD returns the cipher for subject's key, or nil when personal
// data must be dropped (no subject, DropPersonalData, or an erased subject).
func (t *Trail) subjectAEAD(ctx context.Context, subject string) (cipher.AEAD, error) {
	if subject == "" || t.drop {
		return nil, nil
	}
	key, err := t.keys.GetOrCreate(ctx, subject)
	if errors.Is(err, ErrSubjectErased) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: subject key: %w", ErrUnavailable, err)
	}
	aead, err := newAEAD(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return aead, nil
}

// sealPersonal seals e's personal fields in place with aead, or erases them
// when aead is nil.
func sealPersonal(e *Event, aead cipher.AEAD) {
	subject := e.DataSubject()
	do := func(field, v string) string {
		if v == "" {
			return ""
		}
		if aead == nil {
			return Erased
		}
		return seal(aead, subject, e.ID, field, v)
	}
	if e.IP != "" {
		e.IP = do("ip", e.IP)
	}
	if e.UserAgent != "" {
		e.UserAgent = do("userAgent", e.UserAgent)
	}
	for k, v := range e.Metadata {
		if v != Redacted && (IsPersonalKey(k) || looksPersonalValue(v)) {
			e.Metadata[k] = do("metadata."+k, v)
		}
	}
	if aead == nil { // Link drops unsealed IP and user agent
		if e.IP == Erased {
			e.IP = ""
		}
		if e.UserAgent == Erased {
			e.UserAgent = ""
		}
	}
}

// Open returns a copy of e for display with its sealed personal fields
// opened, or replaced by Erased when the subject's key was destroyed (or
// the value does not open). The copy no longer verifies; Verify reads stored
// events, never opened ones. It fails only when the key store fails
// (wrapping ErrUnavailable).
func (t *Trail) Open(ctx context.Context, e Event) (Event, error) {
	sealedMD := false
	for _, v := range e.Metadata {
		if IsSealed(v) {
			sealedMD = true
			break
		}
	}
	if !IsSealed(e.IP) && !IsSealed(e.UserAgent) && !sealedMD {
		return e, nil
	}
	subject := e.DataSubject()
	var aead cipher.AEAD
	if t.keys != nil && subject != "" {
		key, err := t.keys.Get(ctx, subject)
		switch {
		case err == nil:
			if aead, err = newAEAD(key); err != nil {
				return Event{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
			}
		case errors.Is(err, ErrKeyNotFound), errors.Is(err, ErrSubjectErased):
		default:
			return Event{}, fmt.Errorf("%w: subject key: %w", ErrUnavailable, err)
		}
	}
	open := func(field, v string) string {
		if !IsSealed(v) {
			return v
		}
		if aead == nil {
			return Erased
		}
		pt, err := unseal(aead, subject, e.ID, field, v)
		if err != nil {
			return Erased
		}
		return pt
	}
	e.IP = open("ip", e.IP)
	e.UserAgent = open("userAgent", e.UserAgent)
	if len(e.Metadata) > 0 {
		md := make(map[string]string, len(e.Metadata))
		for k, v := range e.Metadata {
			md[k] = open("metadata."+k, v)
		}
		e.Metadata = md
	}
	return e, nil
}

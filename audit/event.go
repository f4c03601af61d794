package audit

import (
	"context"
	"errors"
	"time"
)

// Outcome is the result of an audited action.
type Outcome string

// Outcomes. Attempted is written before a sensitive action runs (see
// Sensitive); its result follows in a second event.
const (
	OutcomeSuccess   Outcome = "success"
	OutcomeDenied    Outcome = "denied"
	OutcomeFailed    Outcome = "failed"
	OutcomeAttempted Outcome = "attempted"
)

// Valid reports whether o is one of the outcomes above.
func (o Outcome) Valid() bool {
	switch o {
	case OutcomeSuccess, OutcomeDenied, OutcomeFailed, OutcomeAttempted:
		return true
	}
	return false
}

// Target names the resource an event is about. ID is an opaque id, never an
// email address or a name.
type Target struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Event is one audit record. Workspace, Actor, Impersonator and Subject are
// opaque ids (never emails). IP, UserAgent and personal metadata values are
// stored sealed under Subject's key (see Trail); Seq, PrevHash and Hash are
// assigned by the Sink when the event is appended; callers leave them zero.
//
// Text fields are stored exactly as given (control characters included) and
// escaped by every text rendering: String and LogValue.
type Event struct {
	ID           string    `json:"id"`
	Time         time.Time `json:"time"`
	Workspace    string    `json:"workspaceId"`
	Actor        string    `json:"actor"`
	Impersonator string    `json:"impersonator,omitempty"`
	// Subject is the data subject whose key seals the personal fields of
	// this event. Empty means Actor.
	Subject   string            `json:"subject,omitempty"`
	Action    Action            `json:"action"`
	Target    Target            `json:"target"`
	Outcome   Outcome           `json:"outcome"`
	IP        string            `json:"ip,omitempty"`
	UserAgent string            `json:"userAgent,omitempty"`
	RequestID string            `json:"requestId,omitempty"`
	Method    string            `json:"method,omitempty"`
	Route     string            `json:"route,omitempty"`
	Status    int               `json:"status,omitempty"`
	Metadata  map[string]string `json:"metadata,omitempty"`

	Seq      uint64 `json:"seq"`
	PrevHash string `json:"prevHash"`
	Hash     string `json:"hash"`
}

// DataSubject is the subject whose key seals e's personal fields: Subject,
// or Actor when Subject is empty.
func (e Event) DataSubject() string {
	if e.Subject != "" {
		return e.Subject
	}
	return e.Actor
}

// ErrUnavailable is returned (wrapped) by a Sink or Reader whose backend
// failed. Sensitive actions that cannot be recorded must not be performed.
var ErrUnavailable = errors.New("audit: store unavailable")

// ErrInvalidEvent is returned (wrapped) by Link, and so by every Sink, for an
// event that cannot be stored: no ID, zero Time, no Action, an unknown
// Outcome or too much metadata. Nothing is stored.
var ErrInvalidEvent = errors.New("audit: invalid event")

// Sink appends events. There is deliberately no update or delete method,
// here or in any backend.
//
// Append assigns Seq (1-based, per workspace chain), PrevHash and Hash
// atomically: concurrent appends to one workspace never fork the chain (two
// events never get the same Seq). Backends compute the stored form with Link,
// so the event is normalized (UTC, millisecond time), its secret-looking
// metadata redacted and its plaintext personal data dropped. It returns the
// stored event, equal field for field to what a Reader later returns. An
// invalid event fails with ErrInvalidEvent and a backend failure with
// ErrUnavailable (both wrapped); in either case nothing is stored.
type Sink interface {
	Append(ctx context.Context, e Event) (Event, error)
}

// Query selects events of one workspace chain. The zero value of each
// optional filter matches everything.
type Query struct {
	// Workspace is the chain to read; "" is the platform chain. A query
	// never spans chains.
	Workspace string
	// From (inclusive) and To (exclusive) bound Time when non-zero.
	From, To time.Time
	// Action and Actor, when non-empty, must match exactly.
	Action Action
	Actor  string
	// Limit is the page size: 0 means DefaultLimit, more than MaxLimit
	// means MaxLimit.
	Limit int
	// Cursor is the NextCursor of the previous page, or "" for the first.
	Cursor string
}

// Page sizes.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Page is one page of a query, newest first. NextCursor is "" on the last
// page.
type Page struct {
	Events     []Event `json:"items"`
	NextCursor string  `json:"nextCursor"`
}

// Reader reads stored events. It has no method that changes them.
type Reader interface {
	// Query returns the events of q.Workspace's chain that match q, newest
	// (highest Seq) first, at most q.EffectiveLimit() of them. The next
	// page holds only events with a lower Seq than the last one returned, so
	// events appended meanwhile never shift pages. A malformed cursor fails
	// with ErrInvalidCursor. In MongoDB this is one find on the unique
	// {workspace, seq} index: {workspace, seq: {$lt: cursor}, filters},
	// sorted by seq descending, limit+1 to learn whether a next page exists.
	Query(ctx context.Context, q Query) (Page, error)
	// Chain returns up to limit events of workspace's chain with Seq greater
	// than afterSeq, in ascending Seq order, exactly as stored (Verify reads
	// through it). limit <= 0 means MaxLimit. An empty slice means the end
	// of the chain.
	Chain(ctx context.Context, workspace string, afterSeq uint64, limit int) ([]Event, error)
}

// Store is a Sink and a Reader; every backend implements it.
type Store interface {
	Sink
	Reader
}

// EffectiveLimit is the page size q asks for, clamped to [1, MaxLimit].
func (q Query) EffectiveLimit() int {
	switch {
	case q.Limit <= 0:
		return DefaultLimit
	case q.Limit > MaxLimit:
		return MaxLimit
	}
	return q.Limit
}

// Matches reports whether e passes q's filters (workspace, time range,
// action, actor); it ignores the cursor and limit. Backends may use it.
func (q Query) Matches(e Event) bool {
	if e.Workspace != q.Workspace {
		return false
	}
	if !q.From.IsZero() && e.Time.Before(q.From) {
		return false
	}
	if !q.To.IsZero() && !e.Time.Before(q.To) {
		return false
	}
	if q.Action != "" && e.Action != q.Action {
		return false
	}
	if q.Actor != "" && e.Actor != q.Actor {
		return false
	}
	return true
}

package audit

import (
	"context"
	"errors"
	"time"
)

// Outcome is the result of an audited action.
type Outcome string

// Outcomes.
const (
	OutcomeSuccess Outcome = "success"
	OutcomeDenied  Outcome = "denied"
	OutcomeFailed  Outcome = "failed"
)

// Target names the resource an event is about.
type Target struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Event is one audit record. Workspace, Actor and Impersonator are opaque
// ids (never emails). Seq, PrevHash and Hash are assigned by the Sink when
// the event is appended; callers leave them zero.
type Event struct {
	ID           string            `json:"id"`
	Time         time.Time         `json:"time"`
	Workspace    string            `json:"workspaceId"`
	Actor        string            `json:"actor"`
	Impersonator string            `json:"impersonator,omitempty"`
	Action       Action            `json:"action"`
	Target       Target            `json:"target"`
	Outcome      Outcome           `json:"outcome"`
	IP           string            `json:"ip,omitempty"`
	UserAgent    string            `json:"userAgent,omitempty"`
	RequestID    string            `json:"requestId,omitempty"`
	Method       string            `json:"method,omitempty"`
	Route        string            `json:"route,omitempty"`
	Status       int               `json:"status,omitempty"`
	Metadata     map[string]string `json:"metadata,omitempty"`

	Seq      uint64 `json:"seq"`
	PrevHash string `json:"prevHash"`
	Hash     string `json:"hash"`
}

// ErrUnavailable is returned (wrapped) by a Sink or Reader whose backend
// failed. Sensitive actions that cannot be recorded must not be performed.
var ErrUnavailable = errors.New("audit: store unavailable")

// Sink appends events. There is deliberately no update or delete method.
//
// Append assigns Seq (1-based, per workspace chain), PrevHash and Hash
// atomically: concurrent appends to one workspace never fork the chain. It
// returns the stored event.
type Sink interface {
	Append(ctx context.Context, e Event) (Event, error)
}

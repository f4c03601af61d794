package verify

import (
	"context"
	"errors"
	"strings"
	"sync"
)

var _ Mailer = (*Outbox)(nil)

// OutboxEntry is one message kept by an Outbox, in the shape the reference
// server's dev outbox answers.
type OutboxEntry struct {
	To      string `json:"to"`
	Kind    Kind   `json:"kind"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
	Token   string `json:"token"`
}

// Outbox is a development Mailer that keeps messages in memory instead of
// sending them, so that a developer or a test can read the token a real
// mail would carry. It keeps the newest Max entries. It is safe for
// concurrent use. Never wire it in production: it stores tokens in clear.
type Outbox struct {
	mu      sync.Mutex
	max     int
	entries []OutboxEntry
}

// NewOutbox returns an Outbox that keeps at most max entries (oldest dropped
// first); max must be positive.
func NewOutbox(max int) (*Outbox, error) {
	if max <= 0 {
		return nil, errors.New("verify: outbox size must be positive")
	}
	return &Outbox{max: max}, nil
}

// Send validates m and appends it. Body is the text body, or the HTML body
// when there is no text.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := m.Validate(); err != nil {
		return err
	}
	body := m.Text
	if body == "" {
		body = m.HTML
	}
	e := OutboxEntry{To: m.To, Kind: m.Kind, Subject: m.Subject, Body: body, Token: m.Token}
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.entries) == o.max {
		copy(o.entries, o.entries[1:])
		o.entries = o.entries[:len(o.entries)-1]
	}
	o.entries = append(o.entries, e)
	return nil
}

// To returns the entries sent to addr (compared case-insensitively), oldest
// first; an empty addr returns every entry. The result is a copy.
func (o *Outbox) To(addr string) []OutboxEntry {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := []OutboxEntry{}
	for _, e := range o.entries {
		if addr == "" || strings.EqualFold(e.To, addr) {
			out = append(out, e)
		}
	}
	return out
}

// Last returns the newest entry sent to addr with kind k.
func (o *Outbox) Last(addr string, k Kind) (OutboxEntry, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.entries) - 1; i >= 0; i-- {
		if e := o.entries[i]; e.Kind == k && strings.EqualFold(e.To, addr) {
			return e, true
		}
	}
	return OutboxEntry{}, false
}

// Len returns the number of entries kept.
func (o *Outbox) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.entries)
}

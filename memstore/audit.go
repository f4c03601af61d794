package memstore

import (
	"context"
	"fmt"
	"maps"
	"sync"

	"github.com/tenantgate/tenantgate/audit"
)

// Audit stores audit chains in memory. Each workspace chain has its own lock:
// Append holds it while it links the event to the chain's tip, so concurrent
// appends to one workspace never fork it, and appends to different
// workspaces never wait for each other. There is no way to change or remove
// a stored event. Events are copied in and out, so callers cannot alter the
// stored data through a returned map.
type Audit struct {
	mu     sync.RWMutex
	chains map[string]*auditChain
}

// auditChain is one workspace's chain; events[i].Seq == i+1.
type auditChain struct {
	mu     sync.RWMutex
	events []audit.Event
}

var _ audit.Store = (*Audit)(nil)

// NewAudit returns an empty audit store.
func NewAudit() *Audit {
	return &Audit{chains: map[string]*auditChain{}}
}

func (s *Audit) chain(ws string, create bool) *auditChain {
	s.mu.RLock()
	c := s.chains[ws]
	s.mu.RUnlock()
	if c != nil || !create {
		return c
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c = s.chains[ws]; c == nil {
		c = &auditChain{}
		s.chains[ws] = c
	}
	return c
}

// Append implements audit.Sink: it links e to its workspace chain's tip under
// the chain's lock (see audit.Link).
func (s *Audit) Append(ctx context.Context, e audit.Event) (audit.Event, error) {
	if err := ctx.Err(); err != nil {
		return audit.Event{}, fmt.Errorf("memstore: audit append: %w: %w", audit.ErrUnavailable, err)
	}
	c := s.chain(e.Workspace, true)
	c.mu.Lock()
	var head audit.Head
	if n := len(c.events); n > 0 {
		head = audit.Head{Seq: c.events[n-1].Seq, Hash: c.events[n-1].Hash}
	}
	stored, err := audit.Link(head, e)
	if err != nil {
		c.mu.Unlock()
		return audit.Event{}, err
	}
	c.events = append(c.events, stored)
	c.mu.Unlock()
	return cloneEvent(stored), nil
}

// Query implements audit.Reader.
func (s *Audit) Query(ctx context.Context, q audit.Query) (audit.Page, error) {
	if err := ctx.Err(); err != nil {
		return audit.Page{}, fmt.Errorf("memstore: audit query: %w: %w", audit.ErrUnavailable, err)
	}
	below, hasCursor, err := audit.ParseCursor(q.Cursor)
	if err != nil {
		return audit.Page{}, err
	}
	page := audit.Page{Events: []audit.Event{}}
	c := s.chain(q.Workspace, false)
	if c == nil {
		return page, nil
	}
	limit := q.EffectiveLimit()
	c.mu.RLock()
	defer c.mu.RUnlock()
	end := len(c.events) // events[i].Seq == i+1: the page holds Seq < below
	if hasCursor && below-1 < uint64(end) {
		end = int(below - 1)
	}
	for i := end - 1; i >= 0; i-- {
		e := c.events[i]
		if !q.Matches(e) {
			continue
		}
		if len(page.Events) == limit {
			page.NextCursor = audit.EncodeCursor(page.Events[limit-1].Seq)
			break
		}
		page.Events = append(page.Events, cloneEvent(e))
	}
	return page, nil
}

// Chain implements audit.Reader.
func (s *Audit) Chain(ctx context.Context, workspace string, afterSeq uint64, limit int) ([]audit.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: audit chain: %w: %w", audit.ErrUnavailable, err)
	}
	if limit <= 0 {
		limit = audit.MaxLimit
	}
	c := s.chain(workspace, false)
	if c == nil {
		return []audit.Event{}, nil
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if afterSeq >= uint64(len(c.events)) {
		return []audit.Event{}, nil
	}
	end := min(uint64(len(c.events)), afterSeq+uint64(limit))
	out := make([]audit.Event, 0, end-afterSeq)
	for _, e := range c.events[afterSeq:end] {
		out = append(out, cloneEvent(e))
	}
	return out, nil
}

func cloneEvent(e audit.Event) audit.Event {
	if e.Metadata != nil {
		e.Metadata = maps.Clone(e.Metadata)
	}
	return e
}

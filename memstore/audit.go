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

// auditChain is one workspace's chain, stored in fixed-size blocks so that
// growing it never copies the chain under its lock; event i (Seq i+1) is
// blocks[i/auditBlock][i%auditBlock].
type auditChain struct {
	mu     sync.RWMutex
	blocks [][]audit.Event
	n      int
}

const auditBlock = 1024

func (c *auditChain) at(i int) *audit.Event { return &c.blocks[i/auditBlock][i%auditBlock] }

func (c *auditChain) push(e audit.Event) {
	if c.n%auditBlock == 0 {
		size := auditBlock
		if c.n == 0 { // most chains are short: let the first block grow
			size = 4
		}
		c.blocks = append(c.blocks, make([]audit.Event, 0, size))
	}
	b := len(c.blocks) - 1
	c.blocks[b] = append(c.blocks[b], e)
	c.n++
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
	if c.n > 0 {
		last := c.at(c.n - 1)
		head = audit.Head{Seq: last.Seq, Hash: last.Hash}
	}
	stored, err := audit.Link(head, e)
	if err != nil {
		c.mu.Unlock()
		return audit.Event{}, err
	}
	c.push(stored)
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
	end := c.n // event i has Seq i+1: the page holds Seq < below
	if hasCursor && below-1 < uint64(end) {
		end = int(below - 1)
	}
	for i := end - 1; i >= 0; i-- {
		e := c.at(i)
		if !q.Matches(*e) {
			continue
		}
		if len(page.Events) == limit {
			page.NextCursor = audit.EncodeCursor(page.Events[limit-1].Seq)
			break
		}
		page.Events = append(page.Events, cloneEvent(*e))
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
	if afterSeq >= uint64(c.n) {
		return []audit.Event{}, nil
	}
	end := min(uint64(c.n), afterSeq+uint64(limit))
	out := make([]audit.Event, 0, end-afterSeq)
	for i := int(afterSeq); i < int(end); i++ {
		out = append(out, cloneEvent(*c.at(i)))
	}
	return out, nil
}

func cloneEvent(e audit.Event) audit.Event {
	if e.Metadata != nil {
		e.Metadata = maps.Clone(e.Metadata)
	}
	return e
}

package verify

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

var _ Mailer = (*Queue)(nil)

// ErrQueueFull is returned by Queue.Send when its buffer is full, and
// ErrQueueClosed after Close.
var (
	ErrQueueFull   = errors.New("verify: mail queue full")
	ErrQueueClosed = errors.New("verify: mail queue closed")
)

// QueueConfig configures a Queue.
type QueueConfig struct {
	// Mailer delivers the queued messages (required).
	Mailer Mailer
	// Size is the buffer length (required, positive).
	Size int
	// Workers is the number of concurrent deliveries (required, positive).
	Workers int
	// Timeout bounds each delivery (required, positive): queued messages
	// outlive the request that queued them, so they get their own deadline.
	Timeout time.Duration
	// Logger receives delivery failures (required).
	Logger *slog.Logger
}

// Queue is a Mailer that returns as soon as a message is buffered and
// delivers it from background workers. Handing the Service a Queue keeps
// the time a forgot-password or resend request takes from depending on
// whether mail was sent (a timing side channel for user enumeration). It is
// safe for concurrent use; Close stops it.
type Queue struct {
	next    Mailer
	timeout time.Duration
	log     *slog.Logger
	ch      chan queued
	mu      sync.RWMutex
	closed  bool
	wg      sync.WaitGroup
}

type queued struct {
	ctx context.Context
	m   Message
}

// NewQueue validates cfg and starts the workers.
func NewQueue(cfg QueueConfig) (*Queue, error) {
	switch {
	case cfg.Mailer == nil:
		return nil, errors.New("verify: queue: a Mailer is required")
	case cfg.Size <= 0 || cfg.Workers <= 0:
		return nil, errors.New("verify: queue: Size and Workers must be positive")
	case cfg.Timeout <= 0:
		return nil, errors.New("verify: queue: a positive Timeout is required")
	case cfg.Logger == nil:
		return nil, errors.New("verify: queue: a Logger is required")
	}
	q := &Queue{next: cfg.Mailer, timeout: cfg.Timeout, log: cfg.Logger, ch: make(chan queued, cfg.Size)}
	q.wg.Add(cfg.Workers)
	for range cfg.Workers {
		go q.work()
	}
	return q, nil
}

// Send validates m and buffers it without waiting for delivery. It fails
// with ErrQueueFull when the buffer is full (it never blocks) and with
// ErrQueueClosed after Close. The values of ctx (request id, trace) are kept
// for delivery; its cancellation is not.
func (q *Queue) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.closed {
		return ErrQueueClosed
	}
	select {
	case q.ch <- queued{ctx: context.WithoutCancel(ctx), m: m}:
		return nil
	default:
		return ErrQueueFull
	}
}

// Close stops accepting messages and waits until the buffered ones are
// delivered or ctx is done.
func (q *Queue) Close(ctx context.Context) error {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.ch)
	}
	q.mu.Unlock()
	done := make(chan struct{})
	go func() { q.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (q *Queue) work() {
	defer q.wg.Done()
	for it := range q.ch {
		ctx, cancel := context.WithTimeout(it.ctx, q.timeout)
		if err := q.next.Send(ctx, it.m); err != nil {
			q.log.WarnContext(ctx, "verify: queued mail not delivered",
				slog.Any("message", it.m), slog.String("err", err.Error()))
		}
		cancel()
	}
}

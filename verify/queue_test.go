package verify

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQueue_DeliversInBackground(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var got []string
	slow := MailerFunc(func(ctx context.Context, m Message) error {
		<-release
		_, hasDeadline := ctx.Deadline()
		assert.True(t, hasDeadline, "each delivery has its own deadline")
		mu.Lock()
		got = append(got, m.IdempotencyKey)
		mu.Unlock()
		if m.IdempotencyKey == "fail" {
			return errors.New("status 503 after 3 attempt(s)")
		}
		return nil
	})
	var logs bytes.Buffer
	q, err := NewQueue(QueueConfig{Mailer: slow, Size: 2, Workers: 1, Timeout: time.Minute, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	for _, k := range []string{"a", "fail"} {
		m := testMsg
		m.IdempotencyKey = k
		require.NoError(t, q.Send(ctx, m), "Send returns before delivery")
	}
	cancel() // the request ends; queued mail still goes out
	// The worker holds one message and the buffer the other; fill it and overflow.
	m := testMsg
	m.IdempotencyKey = "b"
	var full int
	for range 3 {
		if errors.Is(q.Send(context.Background(), m), ErrQueueFull) {
			full++
		}
	}
	assert.Positive(t, full, "a full queue refuses at once instead of blocking")
	close(release)
	require.NoError(t, q.Close(context.Background()))
	assert.Equal(t, []string{"a", "fail"}, got[:2])
	assert.Contains(t, logs.String(), "queued mail not delivered")
	assert.NotContains(t, logs.String(), testMsg.Token)
	assert.ErrorIs(t, q.Send(context.Background(), testMsg), ErrQueueClosed)
}

func TestNewQueue_Config(t *testing.T) {
	m := MailerFunc(func(context.Context, Message) error { return nil })
	log := slog.New(slog.DiscardHandler)
	for name, cfg := range map[string]QueueConfig{
		"no mailer":  {Size: 1, Workers: 1, Timeout: time.Second, Logger: log},
		"no size":    {Mailer: m, Workers: 1, Timeout: time.Second, Logger: log},
		"no workers": {Mailer: m, Size: 1, Timeout: time.Second, Logger: log},
		"no timeout": {Mailer: m, Size: 1, Workers: 1, Logger: log},
		"no logger":  {Mailer: m, Size: 1, Workers: 1, Timeout: time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			q, err := NewQueue(cfg)
			assert.Nil(t, q)
			assert.ErrorContains(t, err, "verify: queue: ")
		})
	}
}

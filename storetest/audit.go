package storetest

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
)

// auditT0 is the suite's clock origin; its nanoseconds check that stores
// keep millisecond precision.
var auditT0 = time.Date(2025, 3, 4, 5, 6, 7, 891_234_567, time.UTC)

func auditEvent(ws string, i int) audit.Event {
	return audit.Event{
		Time:      auditT0.Add(time.Duration(i) * time.Second),
		Workspace: ws,
		Actor:     "u_" + strconv.Itoa(i%3),
		Action:    audit.ActionRequest,
		Target:    audit.Target{Type: "contact", ID: "c_" + strconv.Itoa(i)},
		Outcome:   audit.OutcomeSuccess,
		Method:    "POST",
		Route:     "POST /api/crm/contacts",
		Status:    201,
		RequestID: "req-" + strconv.Itoa(i),
		Metadata:  map[string]string{"i": strconv.Itoa(i)},
	}
}

func appendN(t *testing.T, s audit.Store, ws string, n int) []audit.Event {
	t.Helper()
	out := make([]audit.Event, 0, n)
	for i := range n {
		e, err := s.Append(context.Background(), auditEvent(ws, i))
		require.NoError(t, err)
		out = append(out, e)
	}
	return out
}

func readChain(t *testing.T, s audit.Store, ws string) []audit.Event {
	t.Helper()
	var all []audit.Event
	var after uint64
	for {
		batch, err := s.Chain(context.Background(), ws, after, 7)
		require.NoError(t, err)
		if len(batch) == 0 {
			return all
		}
		all = append(all, batch...)
		after = batch[len(batch)-1].Seq
	}
}

func queryAll(t *testing.T, s audit.Store, q audit.Query) []audit.Event {
	t.Helper()
	var all []audit.Event
	for range 1000 {
		p, err := s.Query(context.Background(), q)
		require.NoError(t, err)
		all = append(all, p.Events...)
		if p.NextCursor == "" {
			return all
		}
		q.Cursor = p.NextCursor
	}
	t.Fatal("pagination does not end")
	return nil
}

// RunAuditStore runs the conformance suite of audit.Store (audit.Sink and
// audit.Reader) against fresh stores made by newStore, one per subtest.
func RunAuditStore(t *testing.T, newStore func(t *testing.T) audit.Store) {
	ctx := context.Background()

	t.Run("AppendLinksChain", func(t *testing.T) {
		s := newStore(t)
		evs := appendN(t, s, "ws_a", 3)
		for i, e := range evs {
			assert.Equal(t, uint64(i+1), e.Seq)
			assert.Equal(t, audit.HashOf(e), e.Hash)
			assert.NotEmpty(t, e.ID)
			if i == 0 {
				assert.Equal(t, audit.GenesisHash, e.PrevHash)
			} else {
				assert.Equal(t, evs[i-1].Hash, e.PrevHash)
			}
		}
		head, err := audit.Verify(ctx, s, "ws_a")
		require.NoError(t, err)
		assert.Equal(t, audit.Head{Seq: 3, Hash: evs[2].Hash}, head)
	})

	t.Run("AppendIgnoresCallerChainFields", func(t *testing.T) {
		s := newStore(t)
		e := auditEvent("ws_a", 0)
		e.Seq, e.PrevHash, e.Hash = 99, "forged-prev", "forged-hash"
		got, err := s.Append(ctx, e)
		require.NoError(t, err)
		assert.Equal(t, uint64(1), got.Seq)
		assert.Equal(t, audit.GenesisHash, got.PrevHash)
		assert.Equal(t, audit.HashOf(got), got.Hash)
	})

	t.Run("StoredEqualsReturned", func(t *testing.T) {
		s := newStore(t)
		e := auditEvent("ws_a", 1)
		e.Time = auditT0.In(time.FixedZone("X", 5*3600))
		e.Impersonator = "op_1"
		got, err := s.Append(ctx, e)
		require.NoError(t, err)
		assert.Equal(t, time.UTC, got.Time.Location())
		assert.Equal(t, auditT0.Truncate(time.Millisecond), got.Time)
		chain := readChain(t, s, "ws_a")
		require.Len(t, chain, 1)
		assert.Equal(t, got, chain[0])
		page, err := s.Query(ctx, audit.Query{Workspace: "ws_a"})
		require.NoError(t, err)
		require.Len(t, page.Events, 1)
		assert.Equal(t, got, page.Events[0])
	})

	t.Run("ReturnedEventIsACopy", func(t *testing.T) {
		s := newStore(t)
		got, err := s.Append(ctx, auditEvent("ws_a", 1))
		require.NoError(t, err)
		got.Metadata["i"] = "tampered"
		page, err := s.Query(ctx, audit.Query{Workspace: "ws_a"})
		require.NoError(t, err)
		page.Events[0].Metadata["i"] = "tampered"
		_, err = audit.Verify(ctx, s, "ws_a")
		assert.NoError(t, err)
	})

	t.Run("InvalidEventStoresNothing", func(t *testing.T) {
		many := map[string]string{}
		for i := range audit.MaxMetadataKeys + 1 {
			many["k"+strconv.Itoa(i)] = "v"
		}
		cases := []struct {
			name   string
			mutate func(*audit.Event)
		}{
			{"zero time", func(e *audit.Event) { e.Time = time.Time{} }},
			{"no action", func(e *audit.Event) { e.Action = "" }},
			{"unknown outcome", func(e *audit.Event) { e.Outcome = "maybe" }},
			{"too much metadata", func(e *audit.Event) { e.Metadata = many }},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				s := newStore(t)
				e := auditEvent("ws_a", 1)
				tc.mutate(&e)
				_, err := s.Append(ctx, e)
				require.ErrorIs(t, err, audit.ErrInvalidEvent)
				assert.Empty(t, readChain(t, s, "ws_a"))
			})
		}
	})

	t.Run("RedactsSecretsAndDropsPlainPersonalData", func(t *testing.T) {
		s := newStore(t)
		e := auditEvent("ws_a", 1)
		e.IP = "203.0.113.7"
		e.UserAgent = "canary-agent"
		e.Metadata = map[string]string{
			"password": "canary-pw", "recoveryCode": "canary-rc", "apiKey": "canary-key",
			"email": "canary@example.com", "note": "canary2@example.com", "plan": "pro",
		}
		got, err := s.Append(ctx, e)
		require.NoError(t, err)
		stored := readChain(t, s, "ws_a")[0]
		assert.Equal(t, got, stored)
		assert.Empty(t, stored.IP)
		assert.Empty(t, stored.UserAgent)
		assert.Equal(t, map[string]string{
			"password": audit.Redacted, "recoveryCode": audit.Redacted, "apiKey": audit.Redacted,
			"email": audit.Erased, "note": audit.Erased, "plan": "pro",
		}, stored.Metadata)
	})

	t.Run("ChainsAreSeparate", func(t *testing.T) {
		s := newStore(t)
		appendN(t, s, "ws_a", 3)
		appendN(t, s, "ws_b", 2)
		appendN(t, s, "", 1) // the platform chain
		for ws, n := range map[string]int{"ws_a": 3, "ws_b": 2, "": 1, "ws_none": 0} {
			evs := queryAll(t, s, audit.Query{Workspace: ws})
			assert.Len(t, evs, n, "workspace %q", ws)
			for _, e := range evs {
				assert.Equal(t, ws, e.Workspace)
			}
			head, err := audit.Verify(ctx, s, ws)
			require.NoError(t, err)
			assert.Equal(t, uint64(n), head.Seq)
		}
	})

	t.Run("QueryNewestFirstAndPaginates", func(t *testing.T) {
		s := newStore(t)
		appendN(t, s, "ws_a", 25)
		q := audit.Query{Workspace: "ws_a", Limit: 10}
		var sizes []int
		var seqs []uint64
		for {
			p, err := s.Query(ctx, q)
			require.NoError(t, err)
			sizes = append(sizes, len(p.Events))
			for _, e := range p.Events {
				seqs = append(seqs, e.Seq)
			}
			if p.NextCursor == "" {
				break
			}
			q.Cursor = p.NextCursor
		}
		assert.Equal(t, []int{10, 10, 5}, sizes)
		for i, seq := range seqs {
			assert.Equal(t, uint64(25-i), seq)
		}
	})

	t.Run("ExactPageHasNoEmptyNextPage", func(t *testing.T) {
		s := newStore(t)
		appendN(t, s, "ws_a", 10)
		p, err := s.Query(ctx, audit.Query{Workspace: "ws_a", Limit: 10})
		require.NoError(t, err)
		assert.Len(t, p.Events, 10)
		assert.Empty(t, p.NextCursor)
	})

	t.Run("CursorIsStableUnderAppends", func(t *testing.T) {
		s := newStore(t)
		appendN(t, s, "ws_a", 6)
		p1, err := s.Query(ctx, audit.Query{Workspace: "ws_a", Limit: 3})
		require.NoError(t, err)
		appendN(t, s, "ws_a", 4)
		p2, err := s.Query(ctx, audit.Query{Workspace: "ws_a", Limit: 3, Cursor: p1.NextCursor})
		require.NoError(t, err)
		var got []uint64
		for _, e := range p2.Events {
			got = append(got, e.Seq)
		}
		assert.Equal(t, []uint64{3, 2, 1}, got)
	})

	t.Run("QueryFilters", func(t *testing.T) {
		s := newStore(t)
		for i := range 9 {
			e := auditEvent("ws_a", i)
			if i%2 == 0 {
				e.Action = audit.ActionMemberRoleChange
			}
			_, err := s.Append(ctx, e)
			require.NoError(t, err)
		}
		cases := []struct {
			name string
			q    audit.Query
			want []uint64
		}{
			{"all", audit.Query{}, []uint64{9, 8, 7, 6, 5, 4, 3, 2, 1}},
			{"action", audit.Query{Action: audit.ActionMemberRoleChange}, []uint64{9, 7, 5, 3, 1}},
			{"actor", audit.Query{Actor: "u_1"}, []uint64{8, 5, 2}},
			{"from inclusive", audit.Query{From: auditT0.Add(7 * time.Second).Truncate(time.Millisecond)}, []uint64{9, 8}},
			{"to exclusive", audit.Query{To: auditT0.Add(2 * time.Second).Truncate(time.Millisecond)}, []uint64{2, 1}},
			{"range and action", audit.Query{From: auditT0.Add(2 * time.Second), To: auditT0.Add(7 * time.Second), Action: audit.ActionMemberRoleChange}, []uint64{7, 5}},
			{"no match", audit.Query{Actor: "u_9"}, nil},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				q := tc.q
				q.Workspace, q.Limit = "ws_a", 2
				var got []uint64
				for _, e := range queryAll(t, s, q) {
					got = append(got, e.Seq)
				}
				assert.Equal(t, tc.want, got)
			})
		}
	})

	t.Run("LimitIsClamped", func(t *testing.T) {
		s := newStore(t)
		appendN(t, s, "ws_a", audit.MaxLimit+5)
		for _, tc := range []struct {
			limit, want int
		}{{0, audit.DefaultLimit}, {-1, audit.DefaultLimit}, {1, 1}, {10_000, audit.MaxLimit}} {
			p, err := s.Query(ctx, audit.Query{Workspace: "ws_a", Limit: tc.limit})
			require.NoError(t, err)
			assert.Len(t, p.Events, tc.want, "limit %d", tc.limit)
		}
	})

	t.Run("InvalidCursor", func(t *testing.T) {
		s := newStore(t)
		appendN(t, s, "ws_a", 3)
		for _, c := range []string{"x", "!!!!", audit.EncodeCursor(1), audit.EncodeCursor(0), "czEuMDE"} {
			_, err := s.Query(ctx, audit.Query{Workspace: "ws_a", Cursor: c})
			assert.ErrorIs(t, err, audit.ErrInvalidCursor, "cursor %q", c)
		}
	})

	t.Run("ConcurrentAppendsOneWorkspaceNeverFork", func(t *testing.T) {
		s := newStore(t)
		const n = 100
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				_, err := s.Append(ctx, auditEvent("ws_a", i))
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		chain := readChain(t, s, "ws_a")
		require.Len(t, chain, n)
		ids := map[string]bool{}
		for i, e := range chain {
			assert.Equal(t, uint64(i+1), e.Seq)
			ids[e.ID] = true
		}
		assert.Len(t, ids, n)
		head, err := audit.Verify(ctx, s, "ws_a")
		require.NoError(t, err)
		assert.Equal(t, uint64(n), head.Seq)
	})

	t.Run("ConcurrentAppendsManyWorkspaces", func(t *testing.T) {
		s := newStore(t)
		var wg sync.WaitGroup
		for w := range 10 {
			for i := range 20 {
				wg.Go(func() {
					_, err := s.Append(ctx, auditEvent(fmt.Sprintf("ws_%d", w), i))
					assert.NoError(t, err)
				})
			}
		}
		wg.Wait()
		for w := range 10 {
			head, err := audit.Verify(ctx, s, fmt.Sprintf("ws_%d", w))
			require.NoError(t, err)
			assert.Equal(t, uint64(20), head.Seq)
		}
	})

	t.Run("CanceledContextStoresNothing", func(t *testing.T) {
		s := newStore(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := s.Append(cctx, auditEvent("ws_a", 1))
		require.Error(t, err)
		assert.Empty(t, readChain(t, s, "ws_a"))
	})
}

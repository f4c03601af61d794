package audit_test

import (
	"context"
	"encoding/binary"
	"errors"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
)

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 678_900_000, time.UTC)

func lp(s string) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(s))), s...)
}

// TestCanonical_ByteLayout pins the encoding documented in the package doc,
// byte by byte, so that every backend and any external verifier agree.
func TestCanonical_ByteLayout(t *testing.T) {
	e := audit.Event{
		ID: "ev1", Time: t0, Workspace: "ws", Actor: "u1", Impersonator: "op",
		Subject: "u1", Action: "a.b", Target: audit.Target{Type: "t", ID: "i"},
		Outcome: audit.OutcomeSuccess, IP: "ip", UserAgent: "ua", RequestID: "r",
		Method: "POST", Route: "POST /x", Status: 201,
		Metadata: map[string]string{"z": "1", "a": "2"},
		Seq:      7, PrevHash: "ph",
	}
	var want []byte
	want = append(want, "tenantgate.audit\x01"...)
	want = append(want, lp("ev1")...)
	want = binary.BigEndian.AppendUint64(want, uint64(t0.UnixMilli()))
	for _, s := range []string{"ws", "u1", "op", "u1", "a.b", "t", "i", "success", "ip", "ua", "r", "POST", "POST /x"} {
		want = append(want, lp(s)...)
	}
	want = binary.BigEndian.AppendUint64(want, 201)
	want = binary.BigEndian.AppendUint32(want, 2)
	want = append(append(append(append(want, lp("a")...), lp("2")...), lp("z")...), lp("1")...)
	want = binary.BigEndian.AppendUint64(want, 7)
	want = append(want, lp("ph")...)
	assert.Equal(t, want, audit.AppendCanonical(nil, e))
}

// TestCanonical_GoldenHash fixes the hash of one event: a change of the
// encoding breaks every stored chain and must be a new format version.
func TestCanonical_GoldenHash(t *testing.T) {
	e := audit.Event{ID: "ev1", Time: t0, Workspace: "ws_1", Actor: "u_1", Action: audit.ActionWorkspaceApprove,
		Target: audit.Target{Type: "workspace", ID: "ws_1"}, Outcome: audit.OutcomeSuccess, Seq: 1, PrevHash: audit.GenesisHash}
	assert.Equal(t, "f80bb297898c8239402bc3f92a8cfd4a9184c44154050cfa9dd239310e311d94", audit.HashOf(e))
}

func TestCanonical_NoAmbiguity(t *testing.T) {
	base := audit.Event{ID: "x", Time: t0, Action: "a", Outcome: audit.OutcomeSuccess}
	cases := []struct {
		name string
		a, b func(*audit.Event)
	}{
		{"field boundary", func(e *audit.Event) { e.Actor, e.Impersonator = "ab", "" }, func(e *audit.Event) { e.Actor, e.Impersonator = "a", "b" }},
		{"metadata boundary", func(e *audit.Event) { e.Metadata = map[string]string{"a": "bc"} }, func(e *audit.Event) { e.Metadata = map[string]string{"ab": "c"} }},
		{"metadata vs none", func(e *audit.Event) { e.Metadata = map[string]string{"": ""} }, func(e *audit.Event) {}},
		{"status", func(e *audit.Event) { e.Status = 200 }, func(e *audit.Event) { e.Status = 201 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, b := base, base
			tc.a(&a)
			tc.b(&b)
			assert.NotEqual(t, audit.HashOf(a), audit.HashOf(b))
		})
	}
	t.Run("metadata order does not matter", func(t *testing.T) {
		a, b := base, base
		a.Metadata = map[string]string{"k1": "v1", "k2": "v2", "k3": "v3"}
		b.Metadata = map[string]string{"k3": "v3", "k2": "v2", "k1": "v1"}
		assert.Equal(t, audit.HashOf(a), audit.HashOf(b))
	})
}

func TestLink_Normalizes(t *testing.T) {
	in := audit.Event{Time: t0.In(time.FixedZone("CET", 3600)).Add(123 * time.Microsecond), Workspace: "ws",
		Action: audit.ActionMFAEnable, Outcome: audit.OutcomeSuccess, Seq: 42, Hash: "forged", Metadata: map[string]string{}}
	e, err := audit.Link(audit.Head{}, in)
	require.NoError(t, err)
	assert.NotEmpty(t, e.ID)
	assert.Equal(t, time.UTC, e.Time.Location())
	assert.Equal(t, t0.Add(123*time.Microsecond).Truncate(time.Millisecond), e.Time)
	assert.Equal(t, uint64(1), e.Seq)
	assert.Equal(t, audit.GenesisHash, e.PrevHash)
	assert.Equal(t, audit.HashOf(e), e.Hash)
	assert.Nil(t, e.Metadata)

	next, err := audit.Link(audit.Head{Seq: e.Seq, Hash: e.Hash}, in)
	require.NoError(t, err)
	assert.Equal(t, uint64(2), next.Seq)
	assert.Equal(t, e.Hash, next.PrevHash)
}

func chainOf(t *testing.T, n int) []audit.Event {
	t.Helper()
	var head audit.Head
	out := make([]audit.Event, 0, n)
	for i := range n {
		e, err := audit.Link(head, audit.Event{Time: t0.Add(time.Duration(i) * time.Second), Workspace: "ws",
			Actor: "u", Action: audit.ActionRequest, Outcome: audit.OutcomeSuccess})
		require.NoError(t, err)
		head = audit.Head{Seq: e.Seq, Hash: e.Hash}
		out = append(out, e)
	}
	return out
}

func seqOf(evs []audit.Event, tail error) iter.Seq2[audit.Event, error] {
	return func(yield func(audit.Event, error) bool) {
		for _, e := range evs {
			if !yield(e, nil) {
				return
			}
		}
		if tail != nil {
			yield(audit.Event{}, tail)
		}
	}
}

func TestVerifySeq(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		edit   func([]audit.Event) []audit.Event
		seq    uint64
		reason string
	}{
		{"edited time", func(ev []audit.Event) []audit.Event { ev[2].Time = ev[2].Time.Add(-time.Hour); return ev }, 3, "hash"},
		{"edited metadata", func(ev []audit.Event) []audit.Event { ev[0].Metadata = map[string]string{"x": "y"}; return ev }, 1, "hash"},
		{"edited hash", func(ev []audit.Event) []audit.Event { ev[3].Hash = ev[2].Hash; return ev }, 4, "hash"},
		{"deleted last but one", func(ev []audit.Event) []audit.Event { return append(ev[:3:3], ev[4]) }, 4, "seq"},
		{"swapped", func(ev []audit.Event) []audit.Event { ev[0], ev[1] = ev[1], ev[0]; return ev }, 1, "seq"},
		{"duplicated", func(ev []audit.Event) []audit.Event { return append(ev[:2:2], ev[1:]...) }, 3, "seq"},
		{"foreign genesis", func(ev []audit.Event) []audit.Event { ev[0].PrevHash = ev[1].Hash; return ev }, 1, "prev_hash"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := audit.VerifySeq(ctx, seqOf(tc.edit(chainOf(t, 5)), nil), "ws")
			var bl *audit.BrokenLinkError
			require.ErrorAs(t, err, &bl)
			assert.ErrorIs(t, err, audit.ErrTampered)
			assert.Equal(t, tc.seq, bl.Seq)
			assert.Equal(t, tc.reason, bl.Reason)
		})
	}
	t.Run("intact", func(t *testing.T) {
		evs := chainOf(t, 5)
		head, err := audit.VerifySeq(ctx, seqOf(evs, nil), "ws")
		require.NoError(t, err)
		assert.Equal(t, audit.Head{Seq: 5, Hash: evs[4].Hash}, head)
	})
	t.Run("empty chain", func(t *testing.T) {
		head, err := audit.VerifySeq(ctx, seqOf(nil, nil), "ws")
		require.NoError(t, err)
		assert.Equal(t, audit.Head{}, head)
	})
	t.Run("reader error is not tampering", func(t *testing.T) {
		boom := errors.New("boom")
		_, err := audit.VerifySeq(ctx, seqOf(chainOf(t, 2), boom), "ws")
		require.ErrorIs(t, err, boom)
		assert.NotErrorIs(t, err, audit.ErrTampered)
	})
	t.Run("other workspace", func(t *testing.T) {
		_, err := audit.VerifySeq(ctx, seqOf(chainOf(t, 2), nil), "ws_other")
		assert.ErrorIs(t, err, audit.ErrTampered)
	})
}

func TestLink_Rejects(t *testing.T) {
	ok := audit.Event{Time: t0, Action: "a", Outcome: audit.OutcomeSuccess}
	cases := []struct {
		name string
		edit func(*audit.Event)
	}{
		{"zero time", func(e *audit.Event) { e.Time = time.Time{} }},
		{"no action", func(e *audit.Event) { e.Action = "" }},
		{"no outcome", func(e *audit.Event) { e.Outcome = "" }},
		{"unknown outcome", func(e *audit.Event) { e.Outcome = "ok" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := ok
			tc.edit(&e)
			_, err := audit.Link(audit.Head{}, e)
			assert.ErrorIs(t, err, audit.ErrInvalidEvent)
		})
	}
}

func TestGenesisHashIsSixtyFourZeros(t *testing.T) {
	assert.Equal(t, strings.Repeat("0", 64), audit.GenesisHash)
}

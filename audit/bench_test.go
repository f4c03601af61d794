package audit_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/memstore"
)

func benchEvent(ws string) audit.Event {
	return audit.Event{Time: t0, Workspace: ws, Actor: "u_1", Action: audit.ActionRequest,
		Target: audit.Target{Type: "contact", ID: "c_1"}, Outcome: audit.OutcomeSuccess,
		Method: "POST", Route: "POST /api/crm/contacts", Status: 201, RequestID: "req-1",
		Metadata: map[string]string{"role": "agent"}}
}

// BenchmarkAppend_OneWorkspace: every append contends for one chain lock.
func BenchmarkAppend_OneWorkspace(b *testing.B) {
	ctx := context.Background()
	st := memstore.NewAudit()
	e := benchEvent("ws_1")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.Append(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppend_OneWorkspaceParallel: GOMAXPROCS writers on one chain.
func BenchmarkAppend_OneWorkspaceParallel(b *testing.B) {
	ctx := context.Background()
	st := memstore.NewAudit()
	e := benchEvent("ws_1")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := st.Append(ctx, e); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAppend_10kWorkspaces spreads parallel appends over 10,000 chains.
func BenchmarkAppend_10kWorkspaces(b *testing.B) {
	ctx := context.Background()
	st := memstore.NewAudit()
	events := make([]audit.Event, 10_000)
	for i := range events {
		events[i] = benchEvent("ws_" + strconv.Itoa(i))
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := st.Append(ctx, events[i%len(events)]); err != nil {
				b.Fatal(err)
			}
			i += 7919
		}
	})
}

// BenchmarkTrailAppend_Sealed is the full path: stamp, redact, seal IP, user
// agent and an email under the subject key, chain.
func BenchmarkTrailAppend_Sealed(b *testing.B) {
	ctx := context.Background()
	tr, err := audit.New(audit.Config{Store: memstore.NewAudit(), Clock: audit.ClockFunc(func() time.Time { return t0 }),
		Keys: memstore.NewSubjectKeys()})
	if err != nil {
		b.Fatal(err)
	}
	e := benchEvent("ws_1")
	e.IP, e.UserAgent = "198.51.100.7", "Mozilla/5.0 (X11; Linux x86_64)"
	e.Metadata = map[string]string{"role": "agent", "email": "ann@example.com", "password": "x"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tr.Append(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify_100k verifies a 100,000-event chain per op.
func BenchmarkVerify_100k(b *testing.B) {
	ctx := context.Background()
	st := memstore.NewAudit()
	e := benchEvent("ws_1")
	for range 100_000 {
		if _, err := st.Append(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		head, err := audit.Verify(ctx, st, "ws_1")
		if err != nil || head.Seq != 100_000 {
			b.Fatal(head, err)
		}
	}
}

func BenchmarkHashOf(b *testing.B) {
	e := benchEvent("ws_1")
	e.Seq, e.PrevHash = 1, audit.GenesisHash
	b.ReportAllocs()
	for b.Loop() {
		_ = audit.HashOf(e)
	}
}

package privacy_test

import (
	"context"
	"io"
	"testing"

	"github.com/tenantgate/tenantgate/audit"
)

// BenchmarkExport exports a user with 1000 audit events among 2000 in
// their workspace: the cost per export, streamed to io.Discard.
func BenchmarkExport(b *testing.B) {
	f := newFixture(b)
	f.seed(b)
	for i := range 2000 {
		actor := string(zed)
		if i%2 == 1 {
			actor = string(ann)
		}
		_, _ = f.trail.Append(context.Background(), audit.Event{Workspace: "ws-acme", Actor: actor, Action: "contact.update",
			Outcome: audit.OutcomeSuccess, IP: canaryIP})
	}
	ctx := as(zed)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := f.svc.Export(ctx, zed, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPresent is the read-time mapping of one event of an anonymized
// user (open sealed fields, look the ids up).
func BenchmarkPresent(b *testing.B) {
	f := newFixture(b)
	f.seed(b)
	ctx := context.Background()
	if _, err := f.svc.Anonymize(asOperator(), "u-carl"); err != nil {
		b.Fatal(err)
	}
	e, err := f.trail.Append(ctx, audit.Event{Workspace: "ws-acme", Actor: "u-carl", Action: "contact.update",
		Outcome: audit.OutcomeSuccess, Target: audit.Target{Type: "user", ID: string(zed)}, IP: canaryIP})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.svc.Present(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}

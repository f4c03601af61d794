package audit_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/memstore"
)

// A Trail stamps, redacts and seals events; the store chains them; Verify
// proves the chain intact, even after a data subject's key is destroyed.
func Example() {
	ctx := context.Background()
	store, keys := memstore.NewAudit(), memstore.NewSubjectKeys()
	clock := audit.ClockFunc(func() time.Time { return time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC) })
	trail, err := audit.New(audit.Config{Store: store, Clock: clock, Keys: keys})
	if err != nil {
		panic(err)
	}

	e, _ := trail.Append(ctx, audit.Event{
		Workspace: "ws_1", Actor: "u_owner", Action: audit.ActionMemberRoleChange,
		Target: audit.Target{Type: "member", ID: "u_42"}, Outcome: audit.OutcomeSuccess,
		IP:       "198.51.100.7",
		Metadata: map[string]string{"role": "admin", "otp": "123456", "email": "ann@example.com"},
	})
	fmt.Println(e.Seq, e.Time.Format(time.RFC3339), e.Metadata["role"], e.Metadata["otp"], audit.IsSealed(e.Metadata["email"]))

	opened, _ := trail.Open(ctx, e)
	fmt.Println(opened.IP, opened.Metadata["email"])

	_ = keys.Destroy(ctx, "u_owner") // erasure: crypto-shredding
	opened, _ = trail.Open(ctx, e)
	fmt.Println(opened.IP)

	head, err := audit.Verify(ctx, store, "ws_1")
	fmt.Println(head.Seq, err)
	// Output:
	// 1 2025-05-01T12:00:00Z admin [REDACTED] true
	// 198.51.100.7 ann@example.com
	// [ERASED]
	// 1 <nil>
}

// The Recorder's middleware goes inside the gate, around the handler;
// sensitive routes are recorded before they run and fail closed.
func ExampleRecorder_Middleware() {
	store := memstore.NewAudit()
	trail, _ := audit.New(audit.Config{Store: store, Clock: audit.SystemClock, Keys: memstore.NewSubjectKeys()})
	rec, err := audit.NewRecorder(audit.RecorderConfig{
		Sink: trail,
		// The gate's verified Tenant, adapted (here: fixed).
		Attribute: func(r *http.Request) audit.Attribution {
			return audit.Attribution{Workspace: "ws_1", Actor: "u_1"}
		},
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /api/crm/contacts", rec.Middleware()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
	})))
	mux.Handle("POST /api/workspaces/{ws}/billing/subscribe", rec.Middleware(audit.Sensitive(), audit.WithAction(audit.ActionBillingSubscribe))(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))

	mux.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/api/crm/contacts", nil))
	mux.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/api/workspaces/ws_1/billing/subscribe", nil))

	page, _ := store.Query(context.Background(), audit.Query{Workspace: "ws_1"})
	for _, e := range page.Events {
		fmt.Println(e.Seq, e.Action, e.Outcome, e.Status, e.Route)
	}
	// Output:
	// 3 billing.subscribe success 200 POST /api/workspaces/{ws}/billing/subscribe
	// 2 billing.subscribe attempted 0 POST /api/workspaces/{ws}/billing/subscribe
	// 1 http.mutation success 201 POST /api/crm/contacts
}

func ExampleEscape() {
	fmt.Println(audit.Escape("Acme\r\nforged line\x1b[31m\u2028"))
	// Output: Acme\r\nforged line\x1b[31m\u2028
}

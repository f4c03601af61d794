package operator_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/operator"
	"github.com/tenantgate/tenantgate/tenancy"
)

func Example() {
	ctx := context.Background()
	clock := tenancy.ClockFunc(func() time.Time { return time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) })
	stores, codes, trail := memstore.NewTenancy(), memstore.NewInviteCodes(), memstore.NewAudit()
	code, _ := tenancy.NewInviteCode("welcome-beta", "launch", tenancy.UnlimitedUses, time.Time{}, clock.Now())
	_ = codes.AddInviteCode(ctx, code)
	lc, err := tenancy.NewLifecycle(tenancy.LifecycleConfig{
		Workspaces: stores, InviteCodes: codes, Audit: trail, Clock: clock,
		NewID: func() tenancy.WorkspaceID { return "ws-acme" },
	})
	if err != nil {
		panic(err)
	}
	console, err := operator.New(operator.Config{Lifecycle: lc, Audit: trail, Clock: clock})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	console.Mount(mux)

	owner := tenancy.Principal{User: "u-alice", EmailVerified: true}
	_, _ = lc.Create(ctx, owner, tenancy.CreateRequest{Name: "Acme", InviteCode: "welcome-beta"})

	// The host's authentication middleware puts the principal in the
	// context; here we do it by hand.
	send := func(p tenancy.Principal, method, path, body string) {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r = r.WithContext(tenancy.WithPrincipal(r.Context(), p))
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		fmt.Print(w.Code, " ", w.Body.String())
	}
	send(owner, "POST", "/admin/workspaces/ws-acme/approve", `{"reason":"self-approval"}`)
	staff := tenancy.Principal{User: "u-op", EmailVerified: true, Operator: true}
	send(staff, "POST", "/admin/workspaces/ws-acme/approve", `{"reason":"known customer"}`)
	// Output:
	// 403 {"type":"urn:tenantgate:problem:operator_only","title":"Operators only","status":403,"detail":"This action is reserved to platform operators.","code":"operator_only"}
	// 200 {"id":"ws-acme","name":"Acme","status":"active","plan":null,"trialEndsAt":"2025-01-16T03:04:05Z","ownerId":"u-alice","createdAt":"2025-01-02T03:04:05Z"}
}

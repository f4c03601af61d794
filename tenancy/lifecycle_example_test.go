package tenancy_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

func ExampleLifecycle() {
	ctx := context.Background()
	clock := tenancy.ClockFunc(func() time.Time { return time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) })
	codes := memstore.NewInviteCodes()
	code, _ := tenancy.NewInviteCode("welcome-beta", "launch", 100, time.Time{}, clock.Now())
	_ = codes.AddInviteCode(ctx, code)
	lc, err := tenancy.NewLifecycle(tenancy.LifecycleConfig{
		Workspaces: memstore.NewTenancy(), InviteCodes: codes, Audit: memstore.NewAudit(), Clock: clock,
	})
	if err != nil {
		panic(err)
	}
	alice := tenancy.Principal{User: "u-alice", EmailVerified: true}
	ws, _ := lc.Create(ctx, alice, tenancy.CreateRequest{Name: "Acme", InviteCode: "welcome-beta"})
	fmt.Println(ws.Status)

	_, err = lc.Create(ctx, alice, tenancy.CreateRequest{Name: "Second", InviteCode: "welcome-beta"})
	fmt.Println(errors.Is(err, problem.ErrWorkspaceLimitReached))

	staff := tenancy.Principal{User: "u-op", Operator: true}
	ws, _ = lc.Approve(ctx, staff, ws.ID, "known customer")
	fmt.Println(ws.Status, ws.TrialEndsAt.Format(time.DateOnly))

	_, err = lc.Reactivate(ctx, staff, ws.ID, "not suspended")
	fmt.Println(problem.From(err).Code)
	// Output:
	// pending_approval
	// true
	// active 2025-01-16
	// conflict
}

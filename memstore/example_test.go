package memstore_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/tenancy"
)

func ExampleTenancy() {
	s := memstore.NewTenancy()
	ctx := context.Background()
	_ = s.CreateWorkspace(ctx, tenancy.Workspace{ID: "acme", OwnerID: "alice", Status: tenancy.StatusPendingApproval},
		tenancy.Membership{User: "alice", Role: tenancy.RoleOwner})
	err := s.CreateWorkspace(ctx, tenancy.Workspace{ID: "acme2", OwnerID: "alice"}, tenancy.Membership{User: "alice", Role: tenancy.RoleOwner})
	fmt.Println(errors.Is(err, tenancy.ErrOwnerLimit))
	err = s.RemoveMember(ctx, "acme", "alice")
	fmt.Println(errors.Is(err, tenancy.ErrLastOwner))
	// Output:
	// true
	// true
}

func ExampleNew() {
	stores := memstore.New()
	ctx := context.Background()
	_, err := stores.Tenancy.Workspace(ctx, "acme")
	fmt.Println(errors.Is(err, tenancy.ErrNotFound), stores.Audit != nil, stores.RateLimits != nil)
	// Output:
	// true true true
}

package tenancy_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

// Attack: burn a single-use invite code that someone else was given, by
// presenting it from an account that cannot create a workspace (it already
// owns one). The use is given back: the code's rightful holder still gets
// in, once.
func TestAttack_RefusedCreateDoesNotBurnASingleUseCode(t *testing.T) {
	f := newFixture(t)
	f.create(t, alice)
	single, err := tenancy.NewInviteCode("single-use-code", "one", 1, time.Time{}, t0)
	require.NoError(t, err)
	require.NoError(t, f.codes.AddInviteCode(ctx, single))
	for range 5 {
		_, err := f.lc.Create(ctx, alice, tenancy.CreateRequest{Name: "Again", InviteCode: "single-use-code"})
		assertCode(t, err, problem.CodeWorkspaceLimitReached)
	}
	_, err = f.lc.Create(ctx, bob, tenancy.CreateRequest{Name: "Bob Co", InviteCode: "single-use-code"})
	require.NoError(t, err, "the code survived the refused attempts")
	carol := tenancy.Principal{User: "u-carol", EmailVerified: true}
	_, err = f.lc.Create(ctx, carol, tenancy.CreateRequest{Name: "Carol Co", InviteCode: "single-use-code"})
	assertCode(t, err, problem.CodeInvalidInviteCode)
}

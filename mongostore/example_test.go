package mongostore_test

import (
	"fmt"

	"github.com/tenantgate/tenantgate/mongostore"
)

// The indexes Open creates carry the guarantees: unique indexes for one
// workspace per owner, one membership per user and one event per chain
// position; TTL indexes only clean up.
func ExampleIndexes() {
	for _, ix := range mongostore.Indexes() {
		kind := ""
		if ix.Unique {
			kind = " unique"
		}
		if ix.TTL {
			kind = " ttl"
		}
		fmt.Printf("%s.%s%s\n", ix.Collection, ix.Name, kind)
	}
	// Output:
	// workspaces.ownerId_1 unique
	// workspaces.status_1_createdAt_1__id_1
	// workspaces.createdAt_1__id_1
	// memberships.workspace_1_user_1 unique
	// memberships.user_1_workspace_1
	// invite_codes.label_1__id_1
	// ratelimits.expiresAt_1 ttl
	// invites.tokenHash_1 unique
	// invites.workspace_1_createdAt_1__id_1
	// invites.purgeAt_1 ttl
	// invites.invitedBy_1
	// invites.acceptedBy_1
	// invites.email_1
	// roles.workspace_1_name_1 unique
	// tokens.expiresAt_1 ttl
	// tokens.user_1_purpose_1
	// audit.workspace_1_seq_1 unique
}

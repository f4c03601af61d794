package tenancy

import "context"

// AccessReader is an optional fast path for the gate. A store that holds
// both workspaces and memberships may implement it to answer the gate's two
// questions in one call (memstore: under one lock; a database: in one
// round trip). The gate uses it when the same value is configured as both
// its WorkspaceReader and its MembershipReader.
type AccessReader interface {
	// Access returns user's membership of ws and ws itself. It returns
	// ErrNotFound when either is absent — the gate gives one answer for
	// both — and reflects every write completed before the call.
	Access(ctx context.Context, ws WorkspaceID, user UserID) (Membership, Workspace, error)
}

package tenancy

import (
	"context"
	"time"
)

// Status is a workspace's approval state.
type Status string

// Workspace states. See the package documentation for the transitions.
const (
	StatusPendingApproval Status = "pending_approval"
	StatusActive          Status = "active"
	StatusRejected        Status = "rejected"
	StatusSuspended       Status = "suspended"
)

// Known reports whether s is one of the defined states.
func (s Status) Known() bool {
	switch s {
	case StatusPendingApproval, StatusActive, StatusRejected, StatusSuspended:
		return true
	}
	return false
}

// Workspace is a tenant.
type Workspace struct {
	ID     WorkspaceID
	Name   string
	Status Status
	// Plan is the paid plan ("" while on trial or unpaid).
	Plan    string
	OwnerID UserID
	// CreatedAt and ApprovedAt are UTC; ApprovedAt is zero until approval.
	CreatedAt  time.Time
	ApprovedAt time.Time
	// TrialEndsAt is the end of the trial; zero means no trial applies
	// (not yet approved, or on a paid plan).
	TrialEndsAt time.Time
	// Version increases with every change; stores use it for
	// compare-and-set.
	Version int64
}

// Trialing reports whether w has a trial end (and no paid plan).
func (w *Workspace) Trialing() bool { return !w.TrialEndsAt.IsZero() && w.Plan == "" }

// TrialExpired reports whether w's trial has ended at now. The trial ends
// at TrialEndsAt exactly: at that instant writes are refused.
func (w *Workspace) TrialExpired(now time.Time) bool {
	return w.Trialing() && !now.Before(w.TrialEndsAt)
}

// Membership says that User belongs to Workspace with Role.
type Membership struct {
	Workspace WorkspaceID
	User      UserID
	// Role is a role name: a built-in role ("owner", "admin", …) or a
	// custom role of the workspace.
	Role      string
	CreatedAt time.Time
}

// Principal is the authenticated caller, put in the request context by the
// host's authentication middleware with WithPrincipal.
type Principal struct {
	// User is the acting user: while impersonating, the impersonated user.
	User UserID
	// EmailVerified must be true for any write.
	EmailVerified bool
	// Operator marks platform staff. It grants no workspace access by
	// itself; it only opens operator-only routes.
	Operator bool
	// Impersonator is the operator acting as User, or "" when the caller
	// acts as itself. An impersonating principal is never an operator.
	Impersonator UserID
}

// Impersonating reports whether an operator is acting as p.User.
func (p Principal) Impersonating() bool { return p.Impersonator != "" }

// Tenant is what a gated handler reads from its context: the verified
// principal, workspace and role. It is a snapshot taken by the gate for
// this request.
type Tenant struct {
	Principal Principal
	Workspace Workspace
	Role      string
}

// TrialClock tells the trusted time for trial, token and window decisions.
// A client's Date header is never used.
type TrialClock interface {
	Now() time.Time
}

// ClockFunc adapts a function to TrialClock.
type ClockFunc func() time.Time

// Now returns f().
func (f ClockFunc) Now() time.Time { return f() }

type principalKey struct{}

// WithPrincipal returns a copy of ctx carrying p. Host authentication
// middleware calls it once the caller is authenticated.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, &p)
}

// PrincipalFromContext returns the principal set by WithPrincipal (or by
// the gate, which carries it inside the Tenant).
func PrincipalFromContext(ctx context.Context) (Principal, bool) {
	// The principal set by WithPrincipal is looked up first: inside a
	// gated handler it is still in the chain, under the gate's tenant, and
	// one walk of the chain is all the gate's hot path pays.
	if p, ok := ctx.Value(principalKey{}).(*Principal); ok && p != nil {
		return *p, true
	}
	if t, ok := ctx.Value(tenantKey{}).(*Tenant); ok && t != nil {
		return t.Principal, true
	}
	return Principal{}, false
}

type tenantKey struct{}

// IsTenantKey reports whether key is the context key under which
// FromContext looks for the *Tenant. It is for context implementations
// that carry the tenant without an extra allocation (their Value method
// answers such a key with a *Tenant); handlers use FromContext. The key
// itself stays unexported, so no package can shadow or replace it.
func IsTenantKey(key any) bool {
	_, ok := key.(tenantKey)
	return ok
}

// FromContext returns the Tenant the gate verified for this request.
// ok is false outside a gated handler.
func FromContext(ctx context.Context) (Tenant, bool) {
	t, ok := ctx.Value(tenantKey{}).(*Tenant)
	if !ok || t == nil {
		return Tenant{}, false
	}
	return *t, true
}

// WithTenant returns a copy of ctx carrying t.
func WithTenant(ctx context.Context, t Tenant) context.Context {
	return context.WithValue(ctx, tenantKey{}, &t)
}

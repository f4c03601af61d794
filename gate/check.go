package gate

import (
	"context"
	"errors"
	"net/http"

	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/rbac"
	"github.com/tenantgate/tenantgate/tenancy"
)

// Decision is the outcome of one gate check.
type Decision struct {
	// Allowed is true when the handler may run.
	Allowed bool
	// Reason is the catalogue code of a denial ("" when allowed).
	Reason problem.Code
	// Write is true when the request method is a write.
	Write bool
	// Workspace and User are what the request named and who asked, as far
	// as the chain got (empty before it knew them).
	Workspace tenancy.WorkspaceID
	User      tenancy.UserID
	// Role is the member's role (empty for non-members).
	Role string
	// Err is the internal cause of an "unavailable" or resolver denial. It
	// is for logs only and is never sent to the client.
	Err error
}

// Error returns the decision as a catalogue error (nil when allowed).
func (d Decision) Error() error {
	if d.Allowed {
		return nil
	}
	if d.Err != nil {
		var pe *problem.Error
		if errors.As(d.Err, &pe) && pe.Code == d.Reason {
			return pe
		}
		return problem.Wrap(d.Reason, d.Err)
	}
	return problem.New(d.Reason)
}

func deny(d Decision, code problem.Code, err error) Decision {
	d.Allowed, d.Reason, d.Err = false, code, err
	return d
}

// Check decides r against rt. When the decision allows the request, t is
// the verified tenant; otherwise t is only as complete as the chain got.
// Check does no I/O beyond the two store reads and never writes.
func (g *Gate) Check(r *http.Request, rt Route) (d Decision, t tenancy.Tenant) {
	d = g.check(r, rt, &t)
	return d, t
}

// check is Check writing the tenant into *t, so that the request path
// fills the handler's context in place instead of copying it.
func (g *Gate) check(r *http.Request, rt Route, t *tenancy.Tenant) (d Decision) {
	d.Write = !IsRead(r.Method)
	ctx := r.Context()
	p, ok := tenancy.PrincipalFromContext(ctx)
	if !ok || p.User == "" {
		return deny(d, problem.CodeUnauthenticated, nil)
	}
	d.User = p.User
	t.Principal = p
	if d.Write && !p.EmailVerified {
		return deny(d, problem.CodeEmailUnverified, nil)
	}
	ws, present, err := g.cfg.Resolve.ResolveWorkspace(r)
	if err != nil {
		pe := problem.From(err)
		if pe.Code == problem.CodeUnavailable {
			return deny(d, problem.CodeInvalidWorkspaceID, err)
		}
		return deny(d, pe.Code, nil)
	}
	if !present {
		return deny(d, problem.CodeInvalidWorkspaceID, nil)
	}
	d.Workspace = ws
	if g.cfg.StoreTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, g.cfg.StoreTimeout)
		defer cancel()
	}
	m, w, err := g.load(ctx, ws, p.User)
	if err != nil {
		if errors.Is(err, tenancy.ErrNotFound) {
			// Not a member — or a dangling membership of a deleted
			// workspace: one answer for both.
			return deny(d, problem.CodeWorkspaceForbidden, nil)
		}
		return deny(d, problem.CodeUnavailable, err)
	}
	// From here on the caller is a member and may learn the workspace's
	// state.
	d.Role = m.Role
	t.Workspace = w
	t.Role = m.Role
	if !w.Status.Known() {
		return deny(d, problem.CodeUnavailable, errors.New("gate: workspace has unknown status "+string(w.Status)))
	}
	switch g.access[statusIndex(w.Status)] {
	case AccessNone:
		return deny(d, statusCodes[w.Status], nil)
	case AccessRead:
		if d.Write {
			return deny(d, statusCodes[w.Status], nil)
		}
	}
	// The clock is read only when a trial can matter: one read at most.
	if d.Write && !rt.TrialExempt && w.Trialing() && w.TrialExpired(g.cfg.Clock.Now()) {
		return deny(d, problem.CodeTrialExpired, nil)
	}
	if !rt.EveryMember {
		allowed, err := g.allows(ctx, ws, m.Role, rt.Permission)
		if err != nil {
			return deny(d, problem.CodeUnavailable, err)
		}
		if !allowed {
			return deny(d, problem.CodePermissionDenied, nil)
		}
	}
	d.Allowed = true
	return d
}

// load loads the membership, then the workspace (only for members), or
// both in one call when the store offers tenancy.AccessReader.
func (g *Gate) load(ctx context.Context, ws tenancy.WorkspaceID, user tenancy.UserID) (tenancy.Membership, tenancy.Workspace, error) {
	if g.both != nil {
		return g.both.Access(ctx, ws, user)
	}
	m, err := g.cfg.Members.Membership(ctx, ws, user)
	if err != nil {
		return m, tenancy.Workspace{}, err
	}
	w, err := g.cfg.Workspaces.Workspace(ctx, ws)
	return m, w, err
}

func (g *Gate) allows(ctx context.Context, ws tenancy.WorkspaceID, role string, perm rbac.Permission) (bool, error) {
	if ok, defined := g.cfg.Policy.Check(role, perm); defined {
		return ok, nil
	}
	if g.cfg.CustomRoles == nil {
		return false, nil
	}
	set, ok, err := g.cfg.CustomRoles.RolePermissions(ctx, ws, role)
	if err != nil || !ok {
		return false, err
	}
	return set.Has(perm), nil
}

// trialHeader is the response header naming the trial end.
const trialHeader = "Trial-Ends-At"

// tenantContext carries the verified Tenant and the slice of the
// Trial-Ends-At header value in a single allocation.
type tenantContext struct {
	context.Context
	t     tenancy.Tenant
	trial [1]string
}

func (c *tenantContext) Value(key any) any {
	if tenancy.IsTenantKey(key) {
		return &c.t
	}
	return c.Context.Value(key)
}

// Require returns middleware admitting members whose role holds perm. A
// zero perm admits nobody (fail closed); use AnyMember for routes open to
// every member.
func (g *Gate) Require(perm rbac.Permission, opts ...Option) func(http.Handler) http.Handler {
	rt := Route{Permission: perm}
	for _, o := range opts {
		o(&rt)
	}
	return g.Middleware(rt)
}

// AnyMember returns middleware admitting every member of the workspace,
// whatever the role, subject to the other gates.
func (g *Gate) AnyMember(opts ...Option) func(http.Handler) http.Handler {
	rt := Route{EveryMember: true}
	for _, o := range opts {
		o(&rt)
	}
	return g.Middleware(rt)
}

// Middleware returns the middleware for rt.
func (g *Gate) Middleware(rt Route) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			g.serve(w, r, rt, next)
		})
	}
}

func (g *Gate) serve(w http.ResponseWriter, r *http.Request, rt Route, next http.Handler) {
	tc := &tenantContext{}
	d := g.check(r, rt, &tc.t)
	if g.cfg.Observer != nil {
		g.cfg.Observer(r, d)
	}
	if d.Role != "" && tc.t.Workspace.Trialing() {
		// A verified member of a trialing workspace: tell the client when
		// the trial ends, on denials too.
		tc.trial[0] = g.trial.format(tc.t.Workspace.TrialEndsAt)
		w.Header()[trialHeader] = tc.trial[:1:1]
	}
	if !d.Allowed {
		g.cfg.Deny(w, r, d.Error())
		return
	}
	tc.Context = r.Context()
	next.ServeHTTP(w, r.WithContext(tc))
}

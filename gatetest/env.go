package gatetest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tenantgate/tenantgate/gate"
	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/rbac"
	"github.com/tenantgate/tenantgate/team"
	"github.com/tenantgate/tenantgate/tenancy"
)

// T is the part of testing.TB the builders use; *testing.T and *testing.B
// satisfy it.
type T interface {
	Helper()
	Fatalf(format string, args ...any)
}

// DefaultTrial is the trial an approved workspace gets from the builders.
const DefaultTrial = 14 * 24 * time.Hour

// Config configures an Env. Every field is optional.
type Config struct {
	// Registry holds the host's permissions (a fresh rbac.NewRegistry
	// when nil). Register host permissions before calling NewEnv.
	Registry *rbac.Registry
	// Resolve finds the workspace of a request (by default the path value
	// "ws" and the X-Workspace-ID header, which must agree).
	Resolve tenancy.WorkspaceResolver
	// Start is the clock's start (DefaultStart when zero).
	Start time.Time
	// Trial is the trial of approved workspaces (DefaultTrial when zero;
	// negative means no trial).
	Trial time.Duration
	// Gate, when set, adjusts the gate configuration before the gate is
	// built (status access, observer, deny writer, …). Stores, policy,
	// clock and resolver are already filled in.
	Gate func(*gate.Config)
}

// Env is an in-memory tenantgate: stores, policy, gate and team service
// over one fake clock, plus a directory of the users the builders made.
type Env struct {
	Clock    *Clock
	Tenancy  *memstore.Tenancy
	Roles    *memstore.Roles
	Invites  *memstore.Invites
	Audit    *memstore.Audit
	Registry *rbac.Registry
	Policy   *rbac.Policy
	Gate     *gate.Gate
	Team     *team.Service
	// RoleLookup is the gate's view of Roles.
	RoleLookup *team.RoleLookup

	trial time.Duration
	seq   atomic.Int64
	mu    sync.RWMutex
	users map[tenancy.UserID]User
}

// NewEnv validates cfg and builds an Env.
func NewEnv(cfg Config) (*Env, error) {
	if cfg.Registry == nil {
		cfg.Registry = rbac.NewRegistry()
	}
	if cfg.Resolve == nil {
		cfg.Resolve = tenancy.Agree(tenancy.FromPathValue("ws"), tenancy.FromHeader("X-Workspace-ID"))
	}
	switch {
	case cfg.Trial == 0:
		cfg.Trial = DefaultTrial
	case cfg.Trial < 0:
		cfg.Trial = 0
	}
	policy, err := rbac.NewPolicy(cfg.Registry)
	if err != nil {
		return nil, fmt.Errorf("gatetest: %w", err)
	}
	e := &Env{
		Clock: NewClock(cfg.Start), Tenancy: memstore.NewTenancy(), Roles: memstore.NewRoles(),
		Invites: memstore.NewInvites(), Audit: memstore.NewAudit(), Registry: cfg.Registry, Policy: policy,
		trial: cfg.Trial, users: map[tenancy.UserID]User{},
	}
	if e.RoleLookup, err = team.NewRoleLookup(e.Roles, policy); err != nil {
		return nil, fmt.Errorf("gatetest: %w", err)
	}
	gc := gate.Config{
		Workspaces: e.Tenancy, Members: e.Tenancy, Policy: policy, Resolve: cfg.Resolve,
		Clock: e.Clock, CustomRoles: e.RoleLookup,
	}
	if cfg.Gate != nil {
		cfg.Gate(&gc)
	}
	if e.Gate, err = gate.New(gc); err != nil {
		return nil, fmt.Errorf("gatetest: %w", err)
	}
	e.Team, err = team.New(team.Config{
		Members: e.Tenancy, Workspaces: e.Tenancy, Invites: e.Invites, Roles: e.Roles,
		Policy: policy, Audit: e.Audit, Clock: e.Clock,
	})
	if err != nil {
		return nil, fmt.Errorf("gatetest: %w", err)
	}
	return e, nil
}

// New is NewEnv for tests: a configuration error fails t.
func New(t T, cfg Config) *Env {
	t.Helper()
	e, err := NewEnv(cfg)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return e
}

// User is a user the builders made.
type User struct {
	ID       tenancy.UserID
	Email    string
	Verified bool
	// Operator marks platform staff (see tenancy.Principal).
	Operator bool
}

// Principal returns the principal u authenticates as.
func (u User) Principal() tenancy.Principal {
	return tenancy.Principal{User: u.ID, EmailVerified: u.Verified, Operator: u.Operator}
}

// UserOption adjusts a user built by Env.User.
type UserOption func(*User)

// Unverified makes a user whose email is not verified.
func Unverified(u *User) { u.Verified = false }

// Operator makes a platform operator.
func Operator(u *User) { u.Operator = true }

// Email sets the user's email address.
func Email(addr string) UserOption { return func(u *User) { u.Email = addr } }

func (e *Env) next() int64 { return e.seq.Add(1) }

// User makes a user, verified unless Unverified is given, with a unique id
// and email, and records it in the Env's directory.
func (e *Env) User(t T, opts ...UserOption) User {
	t.Helper()
	n := e.next()
	u := User{ID: tenancy.UserID(fmt.Sprintf("u-%04d", n)), Email: fmt.Sprintf("user%04d@example.com", n), Verified: true}
	for _, o := range opts {
		o(&u)
	}
	if !u.ID.Valid() {
		t.Fatalf("gatetest: invalid user id %q", u.ID)
	}
	e.mu.Lock()
	e.users[u.ID] = u
	e.mu.Unlock()
	return u
}

// Lookup returns the user with id from the Env's directory.
func (e *Env) Lookup(id tenancy.UserID) (User, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u, ok := e.users[id]
	return u, ok
}

// WorkspaceOption adjusts a workspace built by Env.Workspace.
type WorkspaceOption func(*tenancy.Workspace)

// Status sets the workspace's approval state. A state other than active
// clears the approval time and trial.
func Status(s tenancy.Status) WorkspaceOption {
	return func(w *tenancy.Workspace) {
		w.Status = s
		if s == tenancy.StatusPendingApproval {
			w.ApprovedAt, w.TrialEndsAt = time.Time{}, time.Time{}
		}
	}
}

// Plan puts the workspace on a paid plan (no trial).
func Plan(plan string) WorkspaceOption {
	return func(w *tenancy.Workspace) { w.Plan, w.TrialEndsAt = plan, time.Time{} }
}

// TrialEndsAt sets the end of the workspace's trial.
func TrialEndsAt(at time.Time) WorkspaceOption {
	return func(w *tenancy.Workspace) { w.TrialEndsAt = at.UTC() }
}

// Workspace makes an approved, active workspace owned by owner, with the
// Env's trial from now, unless options say otherwise.
func (e *Env) Workspace(t T, owner User, opts ...WorkspaceOption) tenancy.Workspace {
	t.Helper()
	now := e.Clock.Now()
	w := tenancy.Workspace{
		ID: tenancy.WorkspaceID(fmt.Sprintf("ws-%04d", e.next())), Name: "Workspace", Status: tenancy.StatusActive,
		OwnerID: owner.ID, CreatedAt: now, ApprovedAt: now,
	}
	if e.trial > 0 {
		w.TrialEndsAt = now.Add(e.trial)
	}
	for _, o := range opts {
		o(&w)
	}
	m := tenancy.Membership{Workspace: w.ID, User: owner.ID, Role: tenancy.RoleOwner, CreatedAt: now}
	if err := e.Tenancy.CreateWorkspace(context.Background(), w, m); err != nil {
		t.Fatalf("gatetest: create workspace: %v", err)
	}
	got, err := e.Tenancy.Workspace(context.Background(), w.ID)
	if err != nil {
		t.Fatalf("gatetest: read workspace: %v", err)
	}
	return got
}

// AddMember gives u role in ws.
func (e *Env) AddMember(t T, ws tenancy.WorkspaceID, u User, role string) {
	t.Helper()
	m := tenancy.Membership{Workspace: ws, User: u.ID, Role: role, CreatedAt: e.Clock.Now()}
	if err := e.Tenancy.AddMember(context.Background(), m); err != nil {
		t.Fatalf("gatetest: add member: %v", err)
	}
}

// Member makes a verified user with role in ws.
func (e *Env) Member(t T, ws tenancy.WorkspaceID, role string, opts ...UserOption) User {
	t.Helper()
	u := e.User(t, opts...)
	e.AddMember(t, ws, u, role)
	return u
}

// DefineRole defines the custom role name in ws with the named
// permissions, directly in the store (no actor, no rules).
func (e *Env) DefineRole(t T, ws tenancy.WorkspaceID, name string, perms ...string) {
	t.Helper()
	if _, err := e.Policy.CompileCustom(name, perms); err != nil {
		t.Fatalf("gatetest: %v", err)
	}
	d := team.RoleDef{Workspace: ws, Name: name, Permissions: perms, CreatedAt: e.Clock.Now()}
	if err := e.Roles.CreateRole(context.Background(), d); err != nil {
		t.Fatalf("gatetest: define role: %v", err)
	}
}

// UserHeader is the request header Env.Authenticate reads: the id of a user
// the builders made.
const UserHeader = "Gatetest-User"

// Authenticate is a stand-in for the host's auth middleware in tests: it
// authenticates the request as the builders' user named by UserHeader
// (with tenancy.WithPrincipal) and removes the header. A request without
// the header, or naming an unknown user, goes on unauthenticated.
func (e *Env) Authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vs := r.Header[UserHeader]
		if len(vs) == 1 {
			if u, ok := e.Lookup(tenancy.UserID(strings.TrimSpace(vs[0]))); ok {
				r = r.WithContext(tenancy.WithPrincipal(r.Context(), u.Principal()))
			}
		}
		if len(vs) > 0 {
			r = r.Clone(r.Context())
			r.Header.Del(UserHeader)
		}
		next.ServeHTTP(w, r)
	})
}

// As returns a copy of r authenticated as u: its context carries u's
// principal and its UserHeader names u.
func As(r *http.Request, u User) *http.Request {
	r = r.Clone(tenancy.WithPrincipal(r.Context(), u.Principal()))
	r.Header.Set(UserHeader, string(u.ID))
	return r
}

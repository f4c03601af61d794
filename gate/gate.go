package gate

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/rbac"
	"github.com/tenantgate/tenantgate/tenancy"
)

// Access is what a workspace state allows.
type Access uint8

// Access levels.
const (
	// AccessNone denies reads and writes.
	AccessNone Access = iota
	// AccessRead allows reads only.
	AccessRead
	// AccessReadWrite allows reads and writes.
	AccessReadWrite
)

// defaultAccess is the default approval policy, indexed by statusIndex.
var defaultAccess = [4]Access{AccessReadWrite, AccessRead, AccessNone, AccessNone}

// DefaultStatusAccess returns the approval policy used for states a Config
// does not override: pending workspaces are readable (so the owner can see
// a waiting screen) but not writable; rejected and suspended ones are
// closed. Each call returns a new map: changing it changes no Gate.
func DefaultStatusAccess() map[tenancy.Status]Access {
	m := make(map[tenancy.Status]Access, len(defaultAccess))
	for _, s := range []tenancy.Status{tenancy.StatusActive, tenancy.StatusPendingApproval, tenancy.StatusRejected, tenancy.StatusSuspended} {
		m[s] = defaultAccess[statusIndex(s)]
	}
	return m
}

var statusCodes = map[tenancy.Status]problem.Code{
	tenancy.StatusPendingApproval: problem.CodeWorkspacePendingApproval,
	tenancy.StatusRejected:        problem.CodeWorkspaceRejected,
	tenancy.StatusSuspended:       problem.CodeWorkspaceSuspended,
	tenancy.StatusActive:          problem.CodeWorkspaceForbidden, // only if a host closes active workspaces
}

// RoleLookup resolves custom (per-workspace) roles that the Policy does not
// define; team.NewRoleLookup returns one.
type RoleLookup interface {
	// RolePermissions returns the permissions of ws's custom role. ok is
	// false, with a nil error, when ws has no such role: the gate then
	// denies with permission_denied. Any error is a backend failure and
	// the gate fails closed (503 unavailable). It runs on the request path
	// for members whose role the Policy does not define.
	RolePermissions(ctx context.Context, ws tenancy.WorkspaceID, role string) (perms rbac.Set, ok bool, err error)
}

type systemClock struct{}

// Now reads the wall clock.
func (systemClock) Now() time.Time { return time.Now() }

// SystemClock is the wall clock, the only reader of time.Now in the
// package. Its type is unexported, so no importer can swap it for another
// clock behind every user's back: inject a clock through the Config.
var SystemClock = systemClock{}

// Config configures a Gate. Fields marked required must be set; New
// reports every missing one.
type Config struct {
	// Workspaces and Members are read on every gated request (required).
	Workspaces tenancy.WorkspaceReader
	Members    tenancy.MembershipReader
	// Policy maps roles to permissions (required).
	Policy *rbac.Policy
	// Resolve finds the workspace a request addresses (required). Use
	// tenancy.Agree to accept several carriers.
	Resolve tenancy.WorkspaceResolver
	// Clock is the trusted time for trial decisions (required; SystemClock
	// in production).
	Clock tenancy.TrialClock

	// CustomRoles resolves roles the Policy does not know (optional).
	CustomRoles RoleLookup
	// StatusAccess overrides DefaultStatusAccess per state (optional).
	StatusAccess map[tenancy.Status]Access
	// Observer sees every decision, allowed or denied (optional). It runs
	// synchronously on the request path and must not block.
	Observer func(r *http.Request, d Decision)
	// Deny writes denials (optional; problem.Write by default).
	Deny problem.Writer
	// StoreTimeout bounds the store reads of one decision (optional; by
	// default only the request's own deadline applies).
	StoreTimeout time.Duration
}

// Gate is a validated, immutable chain configuration. It is safe for
// concurrent use.
type Gate struct {
	cfg    Config
	access [4]Access // indexed by statusIndex
	trial  trialCache
	both   tenancy.AccessReader // set when one store answers both reads
}

// New validates cfg and returns a Gate. Every configuration error is
// reported here, never at request time.
func New(cfg Config) (*Gate, error) {
	var errs []error
	if cfg.Workspaces == nil {
		errs = append(errs, errors.New("gate: Config.Workspaces is required"))
	}
	if cfg.Members == nil {
		errs = append(errs, errors.New("gate: Config.Members is required"))
	}
	if cfg.Policy == nil {
		errs = append(errs, errors.New("gate: Config.Policy is required"))
	}
	if cfg.Resolve == nil {
		errs = append(errs, errors.New("gate: Config.Resolve is required"))
	}
	if cfg.Clock == nil {
		errs = append(errs, errors.New("gate: Config.Clock is required (gate.SystemClock in production)"))
	}
	if cfg.StoreTimeout < 0 {
		errs = append(errs, errors.New("gate: Config.StoreTimeout must not be negative"))
	}
	for s, a := range cfg.StatusAccess {
		if !s.Known() {
			errs = append(errs, errors.New("gate: Config.StatusAccess names unknown status "+string(s)))
		}
		if a > AccessReadWrite {
			errs = append(errs, errors.New("gate: Config.StatusAccess has an invalid access level"))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if cfg.Deny == nil {
		cfg.Deny = problem.Write
	}
	g := &Gate{cfg: cfg, access: defaultAccess}
	for s, a := range cfg.StatusAccess {
		g.access[statusIndex(s)] = a
	}
	return g, nil
}

func statusIndex(s tenancy.Status) int {
	switch s {
	case tenancy.StatusActive:
		return 0
	case tenancy.StatusPendingApproval:
		return 1
	case tenancy.StatusRejected:
		return 2
	default: // suspended
		return 3
	}
}

// IsRead reports whether method is a read (GET, HEAD, OPTIONS). Every other
// method, unknown ones included, is a write.
func IsRead(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}

package team

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/disposable"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/rbac"
	"github.com/tenantgate/tenantgate/tenancy"
)

// Audit actions of custom roles (the other actions are audit's own).
const (
	ActionRoleDefine audit.Action = "role.define"
	ActionRoleDelete audit.Action = "role.delete"
)

// OwnerStore is what ownership transfer needs of the workspace store: read
// a workspace and compare-and-set its OwnerID. tenancy.WorkspaceStore
// satisfies it.
type OwnerStore interface {
	tenancy.WorkspaceReader
	// UpdateWorkspace is tenancy.WorkspaceStore's compare-and-set on
	// Version (ErrConflict, ErrNotFound, ErrOwnerLimit when the new OwnerID
	// already owns a workspace).
	UpdateWorkspace(ctx context.Context, ws tenancy.Workspace) (tenancy.Workspace, error)
}

// Config configures a Service. Fields marked required must be set; New
// reports every missing one.
type Config struct {
	// Members stores memberships (required). Its ChangeRole and
	// RemoveMember must enforce the last-owner guard atomically.
	Members tenancy.MembershipStore
	// Workspaces is read and updated by TransferOwnership (required).
	Workspaces OwnerStore
	// Invites stores team invites (required).
	Invites InviteStore
	// Policy defines the built-in roles and permissions (required).
	Policy *rbac.Policy
	// Audit records every change (required).
	Audit audit.Sink
	// Clock is the trusted time (required).
	Clock tenancy.TrialClock

	// Roles stores custom roles (optional; without it only built-in roles
	// exist).
	Roles RoleStore
	// InviteTTL is how long an invite is valid (DefaultInviteTTL when
	// zero; negative is an error).
	InviteTTL time.Duration
	// NormalizeEmail turns an address into its canonical form, or fails
	// with a 400 invalid_email problem (optional; NormalizeEmail by
	// default). Invite and AcceptInvite compare addresses in this form.
	NormalizeEmail func(string) (string, error)
	// Annotate, when set, completes each audit event from the request
	// context (request id, sealed client IP, …). It must not block; the
	// identities and the action are the service's to say.
	Annotate func(ctx context.Context, ev *audit.Event)
}

// Service applies team changes under the assignment rules. It is safe for
// concurrent use; it holds no state of its own.
type Service struct {
	cfg Config
	// the permissions the service checks, resolved once
	membersWrite, invitesWrite, transfer rbac.Permission
}

// New validates cfg and returns a Service.
func New(cfg Config) (*Service, error) {
	var errs []error
	if cfg.Members == nil {
		errs = append(errs, errors.New("team: Config.Members is required"))
	}
	if cfg.Workspaces == nil {
		errs = append(errs, errors.New("team: Config.Workspaces is required"))
	}
	if cfg.Invites == nil {
		errs = append(errs, errors.New("team: Config.Invites is required"))
	}
	if cfg.Policy == nil {
		errs = append(errs, errors.New("team: Config.Policy is required"))
	}
	if cfg.Audit == nil {
		errs = append(errs, errors.New("team: Config.Audit is required"))
	}
	if cfg.Clock == nil {
		errs = append(errs, errors.New("team: Config.Clock is required"))
	}
	if cfg.InviteTTL < 0 {
		errs = append(errs, errors.New("team: Config.InviteTTL must not be negative"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if cfg.InviteTTL == 0 {
		cfg.InviteTTL = DefaultInviteTTL
	}
	if cfg.NormalizeEmail == nil {
		cfg.NormalizeEmail = NormalizeEmail
	}
	s := &Service{cfg: cfg}
	reg := cfg.Policy.Registry()
	s.membersWrite, _ = reg.Lookup(rbac.MembersWrite)
	s.invitesWrite, _ = reg.Lookup(rbac.InvitesWrite)
	s.transfer, _ = reg.Lookup(rbac.WorkspaceTransfer)
	return s, nil
}

// NormalizeEmail is the default email normalization: the disposable
// package's strict parser (RFC 5322 dot-atom local part, lower-cased; the
// domain IDNA-mapped to punycode, trailing dot removed). Refusals are 400
// invalid_email. Disposable domains are not refused here: an invite names
// a person the inviter knows.
func NormalizeEmail(s string) (string, error) { return disposable.Normalize(s) }

// errorf builds a catalogue error with a user-safe detail and an internal
// cause.
func errorf(code problem.Code, cause error, detail string) error {
	return &problem.Error{Code: code, Detail: detail, Err: cause}
}

// storeError maps a store error to the catalogue; unknown errors become
// 503 unavailable (never echoed).
func storeError(err error) error {
	switch {
	case errors.Is(err, tenancy.ErrLastOwner):
		return problem.Wrap(problem.CodeLastOwner, err)
	case errors.Is(err, tenancy.ErrNotFound):
		return problem.Wrap(problem.CodeNotFound, err)
	case errors.Is(err, tenancy.ErrConflict):
		return problem.Wrap(problem.CodeConflict, err)
	case errors.Is(err, tenancy.ErrOwnerLimit):
		return problem.Wrap(problem.CodeWorkspaceLimitReached, err)
	}
	return problem.Wrap(problem.CodeUnavailable, err)
}

// actor is a verified member acting on its workspace.
type actor struct {
	p    tenancy.Principal
	m    tenancy.Membership
	perm rbac.Set
}

// loadActor reads p's membership of ws fresh from the store. A non-member
// gets the gate's answer: 403 workspace_forbidden.
func (s *Service) loadActor(ctx context.Context, p tenancy.Principal, ws tenancy.WorkspaceID) (actor, error) {
	if p.User == "" {
		return actor{}, problem.New(problem.CodeUnauthenticated)
	}
	m, err := s.cfg.Members.Membership(ctx, ws, p.User)
	if errors.Is(err, tenancy.ErrNotFound) {
		return actor{}, problem.New(problem.CodeWorkspaceForbidden)
	}
	if err != nil {
		return actor{}, storeError(err)
	}
	set, _, err := s.roleSet(ctx, ws, m.Role)
	if err != nil {
		return actor{}, err
	}
	return actor{p: p, m: m, perm: set}, nil
}

// roleSet returns the permissions of role in ws; ok is false for a role
// that is neither built in nor defined by ws (it holds nothing).
func (s *Service) roleSet(ctx context.Context, ws tenancy.WorkspaceID, role string) (rbac.Set, bool, error) {
	if r, ok := s.cfg.Policy.Role(role); ok {
		return r.Permissions, true, nil
	}
	if s.cfg.Roles == nil || !rbac.ValidRoleName(role) {
		return rbac.Set{}, false, nil
	}
	d, err := s.cfg.Roles.Role(ctx, ws, role)
	if errors.Is(err, tenancy.ErrNotFound) {
		return rbac.Set{}, false, nil
	}
	if err != nil {
		return rbac.Set{}, false, storeError(err)
	}
	return s.cfg.Policy.Compile(d.Permissions), true, nil
}

// grantable returns the permissions of role, which must exist in ws.
func (s *Service) grantable(ctx context.Context, ws tenancy.WorkspaceID, role string) (rbac.Set, error) {
	set, ok, err := s.roleSet(ctx, ws, role)
	if err != nil {
		return rbac.Set{}, err
	}
	if !ok {
		return rbac.Set{}, &problem.Error{
			Code:   problem.CodeValidationFailed,
			Fields: []problem.FieldError{{Field: "role", Message: "unknown role"}},
		}
	}
	return set, nil
}

func denied(cause error, detail string) error {
	return errorf(problem.CodePermissionDenied, cause, detail)
}

// checkGrant applies rbac's grant rule and refuses ownership grants while
// impersonating.
func (s *Service) checkGrant(a actor, role string, set rbac.Set) error {
	if err := s.cfg.Policy.CanGrant(a.perm, set); err != nil {
		return denied(err, "Your role cannot grant this role.")
	}
	if role == tenancy.RoleOwner {
		if err := tenancy.RefuseImpersonation(a.p); err != nil {
			return err
		}
	}
	return nil
}

// record appends one audit event. A failure of the trail is a 503: the
// caller learns that its change may not be recorded.
func (s *Service) record(ctx context.Context, a tenancy.Principal, ws tenancy.WorkspaceID, now time.Time, action audit.Action, outcome audit.Outcome, target audit.Target, md map[string]string) error {
	ev := audit.Event{
		ID: newEventID(), Time: now, Workspace: string(ws), Actor: string(a.User),
		Impersonator: string(a.Impersonator), Action: action, Target: target,
		Outcome: outcome, Metadata: md,
	}
	if s.cfg.Annotate != nil {
		s.cfg.Annotate(ctx, &ev)
		ev.Workspace, ev.Actor, ev.Impersonator, ev.Action, ev.Outcome = string(ws), string(a.User), string(a.Impersonator), action, outcome
	}
	if _, err := s.cfg.Audit.Append(ctx, ev); err != nil {
		return problem.Wrap(problem.CodeUnavailable, fmt.Errorf("team: audit append: %w", err))
	}
	return nil
}

// commit makes one change under the fail-closed audit rule of sensitive
// actions: an attempted event is recorded first, and if the trail cannot
// take it the change is not made (503 unavailable). Then change runs (it
// returns catalogue errors) and its outcome is recorded: success, denied
// (last_owner, permission_denied) or failed. A change that succeeded but
// whose success record cannot be written answers 503; the attempted
// record already names it.
func (s *Service) commit(ctx context.Context, p tenancy.Principal, ws tenancy.WorkspaceID, action audit.Action, target audit.Target, md map[string]string, change func() error) error {
	if err := s.record(ctx, p, ws, s.cfg.Clock.Now(), action, audit.OutcomeAttempted, target, md); err != nil {
		return err
	}
	if err := change(); err != nil {
		outcome := audit.OutcomeFailed
		code := problem.From(err).Code
		if code == problem.CodeLastOwner || code == problem.CodePermissionDenied {
			outcome = audit.OutcomeDenied
		}
		out := map[string]string{"reason": string(code)}
		for k, v := range md {
			out[k] = v
		}
		_ = s.record(ctx, p, ws, s.cfg.Clock.Now(), action, outcome, target, out) // the change did not happen either way
		return err
	}
	return s.record(ctx, p, ws, s.cfg.Clock.Now(), action, audit.OutcomeSuccess, target, md)
}

// refuse records a denied attempt (best effort: the refusal stands even if
// the trail is down) and returns err.
func (s *Service) refuse(ctx context.Context, p tenancy.Principal, ws tenancy.WorkspaceID, action audit.Action, target audit.Target, err error) error {
	md := map[string]string{"reason": string(problem.From(err).Code)}
	_ = s.record(ctx, p, ws, s.cfg.Clock.Now(), action, audit.OutcomeDenied, target, md)
	return err
}

func newEventID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "ev-" + hex.EncodeToString(b[:])
}

func userTarget(u tenancy.UserID) audit.Target { return audit.Target{Type: "user", ID: string(u)} }

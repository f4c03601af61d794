package tenancy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/problem"
)

// DefaultTrialDuration is the trial a workspace gets at approval when
// LifecycleConfig.TrialDuration is zero.
const DefaultTrialDuration = 14 * 24 * time.Hour

// Lifecycle limits.
const (
	// MaxWorkspaceNameLen is the longest workspace name, in bytes.
	MaxWorkspaceNameLen = 200
	// MaxReasonLen is the longest transition reason, in bytes.
	MaxReasonLen = 1000
	// DefaultHookTimeout bounds one TransitionHook call when
	// LifecycleConfig.HookTimeout is zero.
	DefaultHookTimeout = 10 * time.Second
	// DefaultMaxHooks bounds the hook calls running at once when
	// LifecycleConfig.MaxConcurrentHooks is zero.
	DefaultMaxHooks = 64
	// casRetries is how often a transition reloads and retries when the
	// Version moved but the status may still allow it.
	casRetries = 3
)

// Transition is one edge of the approval state machine.
type Transition string

// The transitions of the approval state machine. Each has exactly one
// legal source state (see From) and one target state (see To).
const (
	Approve    Transition = "approve"    // pending_approval → active
	Reject     Transition = "reject"     // pending_approval → rejected
	Suspend    Transition = "suspend"    // active → suspended
	Reactivate Transition = "reactivate" // suspended → active
	Reopen     Transition = "reopen"     // rejected → pending_approval
)

type edge struct {
	from, to Status
	action   audit.Action
}

var edges = map[Transition]edge{
	Approve:    {StatusPendingApproval, StatusActive, audit.ActionWorkspaceApprove},
	Reject:     {StatusPendingApproval, StatusRejected, audit.ActionWorkspaceReject},
	Suspend:    {StatusActive, StatusSuspended, audit.ActionWorkspaceSuspend},
	Reactivate: {StatusSuspended, StatusActive, audit.ActionWorkspaceReactivate},
	Reopen:     {StatusRejected, StatusPendingApproval, audit.ActionWorkspaceReopen},
}

// Transitions lists every transition, in a fixed order.
func Transitions() []Transition { return []Transition{Approve, Reject, Suspend, Reactivate, Reopen} }

// Known reports whether t is a transition of the state machine.
func (t Transition) Known() bool { _, ok := edges[t]; return ok }

// From is the only state t may leave ("" for an unknown transition).
func (t Transition) From() Status { return edges[t].from }

// To is the state t enters ("" for an unknown transition).
func (t Transition) To() Status { return edges[t].to }

// Action is the audit action recorded for t.
func (t Transition) Action() audit.Action { return edges[t].action }

// TransitionEvent describes a committed change for a TransitionHook.
type TransitionEvent struct {
	// Workspace is the workspace after the change.
	Workspace Workspace
	// From and To are the states before and after (equal for a plan
	// change).
	From, To Status
	// Action is the audited action.
	Action audit.Action
	// Actor and Impersonator name who made the change.
	Actor, Impersonator UserID
	// Reason is the operator's reason ("" for creation and plan changes).
	Reason string
}

// TransitionHook is told about every committed creation, transition and
// plan change, for instance to mail the owner. It runs after the change is
// stored, on its own goroutine, with a context bounded by HookTimeout that
// is not cancelled with the request; its error is only logged. It never
// delays, fails or undoes the change.
type TransitionHook func(ctx context.Context, ev TransitionEvent) error

// LifecycleConfig configures a Lifecycle. Fields marked required must be
// set; NewLifecycle reports every missing one.
type LifecycleConfig struct {
	// Workspaces stores workspaces (required).
	Workspaces WorkspaceStore
	// InviteCodes holds the closed-beta invite codes (required). A host
	// that is not in closed beta must still say so: see OpenBeta.
	InviteCodes InviteCodeStore
	// Audit receives the record of every change, stored atomically with it
	// (required).
	Audit audit.Sink
	// Clock is the trusted time (required).
	Clock TrialClock

	// OpenBeta, when true, creates workspaces without an invite code. It
	// is false by default: closed beta fails closed.
	OpenBeta bool
	// TrialDuration is the trial granted at approval (DefaultTrialDuration
	// when zero; negative is an error). No trial is granted to a workspace
	// on a paid plan.
	TrialDuration time.Duration
	// Plans lists the plans Subscribe accepts. With none, Subscribe
	// refuses every plan.
	Plans []string
	// OwnerRole is the role the creator receives (RoleOwner when empty).
	OwnerRole string
	// Hook is told about committed changes (optional; see TransitionHook).
	Hook TransitionHook
	// HookTimeout bounds one hook call (DefaultHookTimeout when zero).
	HookTimeout time.Duration
	// MaxConcurrentHooks bounds the hook calls running at once
	// (DefaultMaxHooks when zero); a change made while the bound is
	// reached skips its hook and logs so, rather than wait.
	MaxConcurrentHooks int
	// Logger receives hook failures (slog.Default() when nil).
	Logger *slog.Logger
	// Annotate, when set, completes each audit event from the request
	// context (request id, sealed client IP, …) before it is stored. It
	// must not block.
	Annotate func(ctx context.Context, ev *audit.Event)
	// NewID generates workspace ids (NewWorkspaceID when nil).
	NewID func() WorkspaceID
}

// Lifecycle creates workspaces and moves them through the approval state
// machine, recording each change in the audit trail atomically with it. It
// is safe for concurrent use.
type Lifecycle struct {
	cfg   LifecycleConfig
	plans map[string]bool
	hooks chan struct{}
	wg    sync.WaitGroup
}

var planPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// NewLifecycle validates cfg and returns a Lifecycle.
func NewLifecycle(cfg LifecycleConfig) (*Lifecycle, error) {
	var errs []error
	if cfg.Workspaces == nil {
		errs = append(errs, errors.New("tenancy: LifecycleConfig.Workspaces is required"))
	}
	if cfg.InviteCodes == nil && !cfg.OpenBeta {
		errs = append(errs, errors.New("tenancy: LifecycleConfig.InviteCodes is required unless OpenBeta is set"))
	}
	if cfg.Audit == nil {
		errs = append(errs, errors.New("tenancy: LifecycleConfig.Audit is required"))
	}
	if cfg.Clock == nil {
		errs = append(errs, errors.New("tenancy: LifecycleConfig.Clock is required"))
	}
	if cfg.TrialDuration < 0 {
		errs = append(errs, errors.New("tenancy: LifecycleConfig.TrialDuration must not be negative"))
	}
	if cfg.HookTimeout < 0 {
		errs = append(errs, errors.New("tenancy: LifecycleConfig.HookTimeout must not be negative"))
	}
	if cfg.MaxConcurrentHooks < 0 {
		errs = append(errs, errors.New("tenancy: LifecycleConfig.MaxConcurrentHooks must not be negative"))
	}
	plans := make(map[string]bool, len(cfg.Plans))
	for _, p := range cfg.Plans {
		if !planPattern.MatchString(p) {
			errs = append(errs, fmt.Errorf("tenancy: LifecycleConfig.Plans: invalid plan name %q", p))
		}
		plans[p] = true
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if cfg.TrialDuration == 0 {
		cfg.TrialDuration = DefaultTrialDuration
	}
	if cfg.OwnerRole == "" {
		cfg.OwnerRole = RoleOwner
	}
	if cfg.HookTimeout == 0 {
		cfg.HookTimeout = DefaultHookTimeout
	}
	if cfg.MaxConcurrentHooks == 0 {
		cfg.MaxConcurrentHooks = DefaultMaxHooks
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.NewID == nil {
		cfg.NewID = NewWorkspaceID
	}
	return &Lifecycle{cfg: cfg, plans: plans, hooks: make(chan struct{}, cfg.MaxConcurrentHooks)}, nil
}

// CreateRequest is what a user sends to create a workspace.
type CreateRequest struct {
	Name       string
	InviteCode string
}

func validationError(field, msg string) error {
	return &problem.Error{Code: problem.CodeValidationFailed, Fields: []problem.FieldError{{Field: field, Message: msg}}}
}

func validName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return validationError("name", "required")
	case len(name) > MaxWorkspaceNameLen:
		return validationError("name", fmt.Sprintf("at most %d bytes", MaxWorkspaceNameLen))
	case !utf8.ValidString(name):
		return validationError("name", "must be valid UTF-8")
	}
	return nil
}

// Create creates a workspace owned by p.User, in pending_approval, and
// records workspace.create. In order it refuses: no user (401
// unauthenticated), an impersonating principal (403 permission_denied,
// ErrImpersonation: ownership cannot be taken on someone's behalf), an
// unverified email (403 email_unverified), an invalid name (422
// validation_failed), a missing, unknown, expired or used-up invite code
// (403 invalid_invite_code, all alike) and a user who already owns a
// workspace (409 workspace_limit_reached; of two concurrent creates exactly
// one succeeds). The invite code's use is counted atomically before the
// workspace is stored and given back if the creation fails. The name is
// stored exactly as given (control characters included).
func (l *Lifecycle) Create(ctx context.Context, p Principal, req CreateRequest) (Workspace, error) {
	if p.User == "" {
		return Workspace{}, problem.ErrUnauthenticated
	}
	if err := RefuseImpersonation(p); err != nil {
		return Workspace{}, err
	}
	if !p.EmailVerified {
		return Workspace{}, problem.ErrEmailUnverified
	}
	if err := validName(req.Name); err != nil {
		return Workspace{}, err
	}
	now := l.cfg.Clock.Now().UTC()
	var (
		hash     InviteCodeHash
		redeemed bool
	)
	if !l.cfg.OpenBeta {
		if req.InviteCode == "" || len(req.InviteCode) > MaxInviteCodeLen {
			return Workspace{}, problem.ErrInvalidInviteCode
		}
		hash = HashInviteCode(req.InviteCode)
		if _, err := l.cfg.InviteCodes.RedeemInviteCode(ctx, hash, now); err != nil {
			if errors.Is(err, ErrInviteCodeUnusable) {
				return Workspace{}, problem.ErrInvalidInviteCode
			}
			return Workspace{}, problem.Wrap(problem.CodeUnavailable, err)
		}
		redeemed = true
	}
	ws := Workspace{
		ID: l.cfg.NewID(), Name: req.Name, Status: StatusPendingApproval,
		OwnerID: p.User, CreatedAt: now,
	}
	owner := Membership{Workspace: ws.ID, User: p.User, Role: l.cfg.OwnerRole, CreatedAt: now}
	ev := l.event(ctx, p, now, ws.ID, audit.ActionWorkspaceCreate, map[string]string{"to": string(StatusPendingApproval)})
	err := l.cfg.Workspaces.CreateWorkspaceAudited(ctx, ws, owner, ev, l.cfg.Audit)
	if err != nil {
		if redeemed {
			// Best effort, on a context that outlives a cancelled
			// request: a lost release costs a use, never grants one.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.cfg.HookTimeout)
			if rerr := l.cfg.InviteCodes.ReleaseInviteCode(rctx, hash); rerr != nil {
				l.cfg.Logger.Warn("tenancy: invite code use not released", "err", rerr)
			}
			cancel()
		}
		switch {
		case errors.Is(err, ErrOwnerLimit):
			return Workspace{}, problem.ErrWorkspaceLimitReached
		case errors.Is(err, ErrConflict):
			return Workspace{}, problem.Wrap(problem.CodeConflict, err)
		}
		return Workspace{}, problem.Wrap(problem.CodeUnavailable, err)
	}
	ws.Version = 1
	l.notify(ctx, TransitionEvent{Workspace: ws, To: ws.Status, Action: audit.ActionWorkspaceCreate, Actor: p.User})
	return ws, nil
}

// Transition applies t to workspace id on behalf of actor, with a required
// reason, and records it in the audit trail atomically with the change.
//
// actor must be an operator acting as itself (403 operator_only
// otherwise, impersonating operators included). reason must be non-empty
// after trimming and at most MaxReasonLen bytes (422 validation_failed).
// An unknown workspace is 404 not_found. A transition whose source state
// is not the workspace's current state is 409 conflict; the check and the
// change are one compare-and-set, so of concurrent transitions from the
// same state exactly one wins and exactly one record is written.
//
// Approve sets ApprovedAt and, unless the workspace has a paid plan,
// TrialEndsAt = ApprovedAt + TrialDuration.
func (l *Lifecycle) Transition(ctx context.Context, actor Principal, id WorkspaceID, t Transition, reason string) (Workspace, error) {
	if err := RequireOperator(actor); err != nil {
		return Workspace{}, err
	}
	e, ok := edges[t]
	if !ok {
		return Workspace{}, problem.ErrNotFound
	}
	if strings.TrimSpace(reason) == "" {
		return Workspace{}, validationError("reason", "required")
	}
	if len(reason) > MaxReasonLen || !utf8.ValidString(reason) {
		return Workspace{}, validationError("reason", fmt.Sprintf("at most %d bytes of UTF-8", MaxReasonLen))
	}
	for range casRetries {
		cur, err := l.cfg.Workspaces.Workspace(ctx, id)
		if err != nil {
			return Workspace{}, storeError(err)
		}
		if cur.Status != e.from {
			return Workspace{}, problem.WithDetail(problem.CodeConflict,
				fmt.Sprintf("The workspace is %s; %s applies only to %s workspaces.", cur.Status, t, e.from))
		}
		now := l.cfg.Clock.Now().UTC()
		next := cur
		next.Status = e.to
		if t == Approve {
			next.ApprovedAt = now
			next.TrialEndsAt = time.Time{}
			if next.Plan == "" {
				next.TrialEndsAt = now.Add(l.cfg.TrialDuration)
			}
		}
		ev := l.event(ctx, actor, now, id, e.action, map[string]string{
			"from": string(e.from), "to": string(e.to), "reason": reason,
		})
		saved, err := l.cfg.Workspaces.UpdateWorkspaceAudited(ctx, next, ev, l.cfg.Audit)
		if errors.Is(err, ErrConflict) {
			continue // the version moved: reload and judge again
		}
		if err != nil {
			return Workspace{}, storeError(err)
		}
		l.notify(ctx, TransitionEvent{
			Workspace: saved, From: e.from, To: e.to, Action: e.action,
			Actor: actor.User, Impersonator: actor.Impersonator, Reason: reason,
		})
		return saved, nil
	}
	return Workspace{}, problem.ErrConflict
}

// Approve is Transition(ctx, actor, id, Approve, reason).
func (l *Lifecycle) Approve(ctx context.Context, actor Principal, id WorkspaceID, reason string) (Workspace, error) {
	return l.Transition(ctx, actor, id, Approve, reason)
}

// Reject is Transition(ctx, actor, id, Reject, reason).
func (l *Lifecycle) Reject(ctx context.Context, actor Principal, id WorkspaceID, reason string) (Workspace, error) {
	return l.Transition(ctx, actor, id, Reject, reason)
}

// Suspend is Transition(ctx, actor, id, Suspend, reason).
func (l *Lifecycle) Suspend(ctx context.Context, actor Principal, id WorkspaceID, reason string) (Workspace, error) {
	return l.Transition(ctx, actor, id, Suspend, reason)
}

// Reactivate is Transition(ctx, actor, id, Reactivate, reason).
func (l *Lifecycle) Reactivate(ctx context.Context, actor Principal, id WorkspaceID, reason string) (Workspace, error) {
	return l.Transition(ctx, actor, id, Reactivate, reason)
}

// Reopen is Transition(ctx, actor, id, Reopen, reason).
func (l *Lifecycle) Reopen(ctx context.Context, actor Principal, id WorkspaceID, reason string) (Workspace, error) {
	return l.Transition(ctx, actor, id, Reopen, reason)
}

// Subscribe puts workspace id on plan (one of LifecycleConfig.Plans, 422
// validation_failed otherwise), which ends any trial, and records
// billing.subscribe atomically with the change. Authorization is the
// caller's (the gate's billing:write permission); Subscribe only refuses
// a missing user and an unknown workspace (404 not_found). Subscribing to
// the current plan changes nothing and records nothing.
func (l *Lifecycle) Subscribe(ctx context.Context, actor Principal, id WorkspaceID, plan string) (Workspace, error) {
	if actor.User == "" {
		return Workspace{}, problem.ErrUnauthenticated
	}
	if !l.plans[plan] {
		return Workspace{}, validationError("plan", "unknown plan")
	}
	for range casRetries {
		cur, err := l.cfg.Workspaces.Workspace(ctx, id)
		if err != nil {
			return Workspace{}, storeError(err)
		}
		if cur.Plan == plan && cur.TrialEndsAt.IsZero() {
			return cur, nil
		}
		now := l.cfg.Clock.Now().UTC()
		next := cur
		next.Plan = plan
		next.TrialEndsAt = time.Time{}
		ev := l.event(ctx, actor, now, id, audit.ActionBillingSubscribe, map[string]string{
			"plan": plan, "previousPlan": cur.Plan,
		})
		saved, err := l.cfg.Workspaces.UpdateWorkspaceAudited(ctx, next, ev, l.cfg.Audit)
		if errors.Is(err, ErrConflict) {
			continue
		}
		if err != nil {
			return Workspace{}, storeError(err)
		}
		l.notify(ctx, TransitionEvent{
			Workspace: saved, From: saved.Status, To: saved.Status, Action: audit.ActionBillingSubscribe,
			Actor: actor.User, Impersonator: actor.Impersonator,
		})
		return saved, nil
	}
	return Workspace{}, problem.ErrConflict
}

// Workspace returns workspace id (404 not_found when absent). It does no
// authorization: callers are operator routes or gated handlers.
func (l *Lifecycle) Workspace(ctx context.Context, id WorkspaceID) (Workspace, error) {
	w, err := l.cfg.Workspaces.Workspace(ctx, id)
	if err != nil {
		return Workspace{}, storeError(err)
	}
	return w, nil
}

// Page sizes of List.
const (
	DefaultListLimit = 50
	MaxListLimit     = 200
)

// ListOptions selects a page of workspaces.
type ListOptions struct {
	// Status, when set, must be a known state (422 otherwise).
	Status Status
	// Search matches an exact workspace or owner id, or part of a name
	// (case-insensitive); at most 200 bytes.
	Search string
	// Limit is the page size: 0 means DefaultListLimit; 1 to MaxListLimit
	// otherwise (422 outside).
	Limit int
	// Cursor is the previous page's NextCursor ("" for the first page).
	Cursor string
}

// ListPage is one page of workspaces, oldest first.
type ListPage struct {
	Items []Workspace
	// NextCursor continues the listing; "" on the last page.
	NextCursor string
}

// List returns a page of workspaces matching opts. Malformed cursors are
// 400 invalid_request.
func (l *Lifecycle) List(ctx context.Context, opts ListOptions) (ListPage, error) {
	if opts.Status != "" && !opts.Status.Known() {
		return ListPage{}, validationError("status", "unknown status")
	}
	if len(opts.Search) > MaxWorkspaceNameLen {
		return ListPage{}, validationError("q", fmt.Sprintf("at most %d bytes", MaxWorkspaceNameLen))
	}
	switch {
	case opts.Limit == 0:
		opts.Limit = DefaultListLimit
	case opts.Limit < 0 || opts.Limit > MaxListLimit:
		return ListPage{}, validationError("limit", fmt.Sprintf("between 1 and %d", MaxListLimit))
	}
	q := WorkspaceQuery{Status: opts.Status, Search: opts.Search, Limit: opts.Limit + 1}
	if opts.Cursor != "" {
		at, id, err := ParseWorkspaceCursor(opts.Cursor)
		if err != nil {
			return ListPage{}, problem.WithDetail(problem.CodeInvalidRequest, "The cursor is not valid.")
		}
		q.AfterCreatedAt, q.AfterID = at, id
	}
	items, err := l.cfg.Workspaces.ListWorkspaces(ctx, q)
	if err != nil {
		return ListPage{}, problem.Wrap(problem.CodeUnavailable, err)
	}
	page := ListPage{Items: items}
	if len(items) > opts.Limit {
		page.Items = items[:opts.Limit]
		last := page.Items[opts.Limit-1]
		page.NextCursor = EncodeWorkspaceCursor(last.CreatedAt, last.ID)
	}
	if page.Items == nil {
		page.Items = []Workspace{}
	}
	return page, nil
}

// Wait blocks until every hook started so far has returned, or ctx ends.
// Use it at shutdown (and in tests).
func (l *Lifecycle) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *Lifecycle) event(ctx context.Context, p Principal, now time.Time, ws WorkspaceID, action audit.Action, md map[string]string) audit.Event {
	ev := audit.Event{
		Time: now, Workspace: string(ws), Actor: string(p.User), Impersonator: string(p.Impersonator),
		Action: action, Target: audit.Target{Type: "workspace", ID: string(ws)},
		Outcome: audit.OutcomeSuccess, Metadata: md,
	}
	if l.cfg.Annotate != nil {
		l.cfg.Annotate(ctx, &ev)
		// The identities and the action are the lifecycle's to say.
		ev.Workspace, ev.Actor, ev.Impersonator, ev.Action = string(ws), string(p.User), string(p.Impersonator), action
	}
	return ev
}

// notify runs the hook after a committed change: on its own goroutine,
// bounded in time and in number, panics and errors only logged.
func (l *Lifecycle) notify(ctx context.Context, ev TransitionEvent) {
	if l.cfg.Hook == nil {
		return
	}
	select {
	case l.hooks <- struct{}{}:
	default:
		l.cfg.Logger.Warn("tenancy: transition hook skipped: too many running",
			"workspace", string(ev.Workspace.ID), "action", string(ev.Action))
		return
	}
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.cfg.HookTimeout)
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		defer func() { <-l.hooks }()
		defer cancel()
		defer func() {
			if r := recover(); r != nil {
				l.cfg.Logger.Error("tenancy: transition hook panicked",
					"workspace", string(ev.Workspace.ID), "action", string(ev.Action), "panic", fmt.Sprint(r))
			}
		}()
		if err := l.cfg.Hook(hctx, ev); err != nil {
			l.cfg.Logger.Warn("tenancy: transition hook failed",
				"workspace", string(ev.Workspace.ID), "action", string(ev.Action), "err", err)
		}
	}()
}

// storeError maps a store error to the catalogue.
func storeError(err error) error {
	switch {
	case errors.Is(err, ErrNotFound):
		return problem.ErrNotFound
	case errors.Is(err, ErrConflict):
		return problem.Wrap(problem.CodeConflict, err)
	}
	var pe *problem.Error
	if errors.As(err, &pe) && pe.Code.Known() {
		return pe
	}
	return problem.Wrap(problem.CodeUnavailable, err)
}

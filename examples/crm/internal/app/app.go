package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/clientip"
	"github.com/tenantgate/tenantgate/disposable"
	"github.com/tenantgate/tenantgate/gate"
	"github.com/tenantgate/tenantgate/mfa"
	"github.com/tenantgate/tenantgate/operator"
	"github.com/tenantgate/tenantgate/privacy"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/ratelimit"
	"github.com/tenantgate/tenantgate/rbac"
	"github.com/tenantgate/tenantgate/secret"
	"github.com/tenantgate/tenantgate/team"
	"github.com/tenantgate/tenantgate/tenancy"
	"github.com/tenantgate/tenantgate/verify"
)

// The CRM's own permissions, registered next to the library's.
const (
	PermContactsRead  = "contacts:read"
	PermContactsWrite = "contacts:write"
)

// DefaultTrial is the trial length granted at approval (14 days).
const DefaultTrial = 14 * 24 * time.Hour

// DefaultTenantQuota is the API quota of a workspace on trial.
var DefaultTenantQuota = ratelimit.PerMinute(600)

// Config configures the server. InviteCode, OperatorEmail and
// OperatorPassword are required; the rest have defaults.
type Config struct {
	// Stores are the stores the server runs on (each nil one in memory;
	// see Stores).
	Stores Stores
	// Keyring seals channel credentials and TOTP seeds (default: a key
	// generated at start, enough for in-memory stores; a persistent backend
	// needs a stable one).
	Keyring *secret.Keyring
	// PseudonymKey keys the pseudonyms of erased users (default: generated
	// at start; a persistent backend needs a stable one of 32 bytes or
	// more).
	PseudonymKey []byte
	// Registry is the permission registry (default NewRegistry()); tests
	// share it with gatetest.
	Registry *rbac.Registry
	// Dev enables GET /dev/outbox and GET,POST /dev/clock and makes the
	// test clock the server's one clock. Without Dev those routes are 404.
	Dev bool
	// InviteCode is the closed-beta code needed to create a workspace.
	InviteCode string
	// OperatorEmail and OperatorPassword create the platform operator
	// account at start (verified).
	OperatorEmail    string
	OperatorPassword string
	// TrustedProxies are the proxies whose forwarding headers are believed
	// for the client IP; none by default (the socket address only).
	TrustedProxies []netip.Prefix
	// Logger receives structured logs (default: discard).
	Logger *slog.Logger
	// QuietRequests turns off the per-request log line (benchmarks).
	QuietRequests bool
	// Mailer sends mail (default: a mailer that logs that a mail was sent;
	// main wires a verify/resend Mailer when RESEND_API_KEY is set).
	Mailer verify.Mailer
	// Clock overrides the clock (tests). With Dev and no Clock, the server
	// uses a TestClock.
	Clock tenancy.TrialClock
	// Password are the argon2id parameters of login passwords (default
	// DefaultPasswordParams).
	Password PasswordParams
	// RecoveryHash are the argon2id parameters of MFA recovery codes
	// (default mfa.DefaultArgon2()).
	RecoveryHash mfa.Argon2Params
	// Trial is the trial length (default DefaultTrial).
	Trial time.Duration
	// TenantQuota is the API quota of one workspace without a paid plan
	// (default DefaultTenantQuota); "pro" gets 5× and "business" 20× its N
	// (capped at ratelimit.MaxLimitN) in the same window.
	TenantQuota ratelimit.Limit
}

// App is the wired server.
type App struct {
	cfg       Config
	log       *slog.Logger
	quiet     bool
	clock     tenancy.TrialClock
	testClock *TestClock
	handler   http.Handler

	stores     Stores
	tenancy    TenancyStore
	gate       *gate.Gate
	reg        *rbac.Registry
	policy     *rbac.Policy
	perm       perms
	mailer     verify.Mailer
	queue      *verify.Queue
	outbox     *verify.Outbox
	verify     *verify.Service
	team       *team.Service
	mfa        *mfa.Service
	disp       *disposable.Checker
	lifecycle  *tenancy.Lifecycle
	console    *operator.Console
	privacy    *privacy.Handlers
	auditStore audit.Store
	trail      *audit.Trail
	recorder   *audit.Recorder
	keys       *secret.Keyring

	ips      *clientip.Resolver
	ipGroups clientip.Grouper

	loginEmail *ratelimit.Counter
	loginIP    *ratelimit.Counter
	limiter    *ratelimit.Limiter
	authLimits map[string]*ratelimit.Policy
	quota      *ratelimit.Policy
	dummyHash  string
}

// NewRegistry returns a permission registry holding the library's
// permissions and the CRM's own (contacts:read, contacts:write).
func NewRegistry() *rbac.Registry {
	reg := rbac.NewRegistry()
	reg.MustRegister(PermContactsRead)
	reg.MustRegister(PermContactsWrite)
	return reg
}

// perms are the registered permissions the routes require.
type perms struct {
	contactsRead, contactsWrite rbac.Permission
	workspaceRead               rbac.Permission
	membersRead, membersWrite   rbac.Permission
	invitesWrite                rbac.Permission
	channelsRead, channelsWrite rbac.Permission
	billingRead, billingWrite   rbac.Permission
	auditRead                   rbac.Permission
}

// New validates cfg and wires the server. Every configuration error is
// reported here.
func New(cfg Config) (*App, error) {
	var errs []error
	if cfg.InviteCode == "" {
		errs = append(errs, errors.New("app: Config.InviteCode is required"))
	}
	if cfg.OperatorEmail == "" || cfg.OperatorPassword == "" {
		errs = append(errs, errors.New("app: Config.OperatorEmail and Config.OperatorPassword are required"))
	}
	if cfg.Password == (PasswordParams{}) {
		cfg.Password = DefaultPasswordParams
	}
	if err := cfg.Password.validate(); err != nil {
		errs = append(errs, err)
	}
	if cfg.TenantQuota == (ratelimit.Limit{}) {
		cfg.TenantQuota = DefaultTenantQuota
	}
	if err := cfg.TenantQuota.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("app: Config.TenantQuota: %w", err))
	}
	if cfg.Trial < 0 {
		errs = append(errs, errors.New("app: Config.Trial must not be negative"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if cfg.Trial == 0 {
		cfg.Trial = DefaultTrial
	}
	a := &App{cfg: cfg, log: cfg.Logger, quiet: cfg.QuietRequests}
	if a.log == nil {
		a.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	switch {
	case cfg.Clock != nil:
		a.clock = cfg.Clock
	case cfg.Dev:
		a.testClock = NewTestClock()
		a.clock = a.testClock
	default:
		a.clock = systemClock
	}
	if tc, ok := a.clock.(*TestClock); ok && cfg.Dev {
		a.testClock = tc
	}

	a.reg = cfg.Registry
	if a.reg == nil {
		a.reg = NewRegistry()
	}
	var ok1, ok2 bool
	a.perm.contactsRead, ok1 = a.reg.Lookup(PermContactsRead)
	a.perm.contactsWrite, ok2 = a.reg.Lookup(PermContactsWrite)
	if !ok1 || !ok2 {
		return nil, errors.New("app: Config.Registry must hold the CRM's permissions (build it with NewRegistry)")
	}
	for name, p := range map[string]*rbac.Permission{
		rbac.WorkspaceRead: &a.perm.workspaceRead, rbac.MembersRead: &a.perm.membersRead,
		rbac.MembersWrite: &a.perm.membersWrite, rbac.InvitesWrite: &a.perm.invitesWrite,
		rbac.ChannelsRead: &a.perm.channelsRead, rbac.ChannelsWrite: &a.perm.channelsWrite,
		rbac.BillingRead: &a.perm.billingRead, rbac.BillingWrite: &a.perm.billingWrite,
		rbac.AuditRead: &a.perm.auditRead,
	} {
		*p, _ = a.reg.Lookup(name)
	}
	var err error
	if a.policy, err = rbac.NewPolicy(a.reg); err != nil {
		return nil, err
	}

	// One keyring seals channel credentials and TOTP seeds at rest. The
	// in-memory stores live as long as the process, so a key generated at
	// start is enough; a persistent backend needs Config.Keyring.
	keys := cfg.Keyring
	if keys == nil {
		if keys, err = secret.NewKeyring("k1", map[string][]byte{"k1": secret.GenerateKey()}); err != nil {
			return nil, err
		}
	}
	a.stores = cfg.Stores.withDefaults()
	a.tenancy = a.stores.Tenancy
	a.auditStore = a.stores.Audit
	if a.trail, err = audit.New(audit.Config{
		Store: a.auditStore, Clock: audit.ClockFunc(a.clock.Now), Keys: a.stores.SubjectKeys,
	}); err != nil {
		return nil, err
	}
	if a.recorder, err = audit.NewRecorder(audit.RecorderConfig{
		Sink: a.trail, Attribute: attribute, ClientIP: a.clientIP, RequestID: requestID, Denials: audit.DenialsAll,
		OnError: func(r *http.Request, e audit.Event, err error) {
			a.log.Error("audit record failed", "action", string(e.Action), "requestId", requestID(r))
		},
	}); err != nil {
		return nil, err
	}
	codes := a.stores.InviteCodes
	code, err := tenancy.NewInviteCode(cfg.InviteCode, "closed-beta", tenancy.UnlimitedUses, time.Time{}, a.clock.Now())
	if err != nil {
		return nil, fmt.Errorf("app: Config.InviteCode: %w", err)
	}
	if err := codes.AddInviteCode(context.Background(), code); err != nil {
		return nil, err
	}
	if a.lifecycle, err = tenancy.NewLifecycle(tenancy.LifecycleConfig{
		Workspaces: a.tenancy, InviteCodes: codes, Audit: a.trail, Clock: a.clock,
		TrialDuration: cfg.Trial, Plans: []string{"pro", "business"}, Logger: a.log, Annotate: annotate,
	}); err != nil {
		return nil, err
	}
	if a.console, err = operator.New(operator.Config{Lifecycle: a.lifecycle, Audit: a.trail, Clock: a.clock}); err != nil {
		return nil, err
	}
	roles := a.stores.Roles
	if a.team, err = team.New(team.Config{
		Members: a.tenancy, Workspaces: a.tenancy, Invites: a.stores.Invites, Roles: roles,
		Policy: a.policy, Audit: a.trail, Clock: a.clock, Annotate: annotate,
		NormalizeEmail: disposable.Normalize,
	}); err != nil {
		return nil, err
	}
	customRoles, err := team.NewRoleLookup(roles, a.policy)
	if err != nil {
		return nil, err
	}
	a.gate, err = gate.New(gate.Config{
		Workspaces:  a.tenancy,
		Members:     a.tenancy,
		Policy:      a.policy,
		CustomRoles: customRoles,
		Resolve:     tenancy.Agree(tenancy.FromPathValue("ws"), tenancy.FromHeader("X-Workspace-ID")),
		Clock:       a.clock,
		Observer:    a.observe,
	})
	if err != nil {
		return nil, err
	}

	a.disp = disposable.Default()
	a.keys = keys
	proxies := make([]string, 0, len(cfg.TrustedProxies))
	for _, p := range cfg.TrustedProxies {
		proxies = append(proxies, p.String())
	}
	if a.ips, err = clientip.New(clientip.Config{TrustedProxies: proxies}); err != nil {
		return nil, err
	}
	if a.ipGroups, err = clientip.NewGrouper(clientip.DefaultIPv6Bits); err != nil {
		return nil, err
	}
	if a.loginEmail, err = ratelimit.NewCounter(a.stores.RateLimits, "login-email", LoginPerEmail); err != nil {
		return nil, err
	}
	if a.loginIP, err = ratelimit.NewCounter(a.stores.RateLimits, "login-ip", LoginPerIP); err != nil {
		return nil, err
	}
	if err := a.limits(cfg.TenantQuota); err != nil {
		return nil, err
	}
	base := cfg.Mailer
	if base == nil {
		base = logMailer(a.log)
	}
	// Delivery runs in the background, so that how long register, resend
	// and forgot-password take never depends on whether a mail was sent
	// (a timing side channel for user enumeration).
	if a.queue, err = verify.NewQueue(verify.QueueConfig{
		Mailer: base, Size: 1024, Workers: 4, Timeout: 30 * time.Second, Logger: a.log,
	}); err != nil {
		return nil, err
	}
	a.mailer = a.queue
	if cfg.Dev {
		if a.outbox, err = verify.NewOutbox(10000); err != nil {
			return nil, err
		}
		a.mailer = tee(a.outbox, a.mailer)
	}
	if a.verify, err = verify.New(verify.Config{
		Store: a.stores.Tokens, Mailer: a.mailer, Users: verify.UserFinderFunc(a.findUser),
		// The routes' ratelimit policies already limit resends and resets
		// per client IP and per address (ratelimit.AuthRules).
		Clock: verify.ClockFunc(a.clock.Now), Allow: verify.NoLimit, Logger: a.log,
	}); err != nil {
		return nil, err
	}
	mfaAudit, err := mfa.FanOut(a.trail, a.userWorkspaces)
	if err != nil {
		return nil, err
	}
	if a.mfa, err = mfa.New(mfa.Config{
		Store: a.stores.MFA, Keyring: keys, Clock: mfa.ClockFunc(a.clock.Now), Audit: mfaAudit,
		Issuer: "tenantgate CRM", RecoveryHash: cfg.RecoveryHash, Logger: a.log,
	}); err != nil {
		return nil, err
	}
	a.dummyHash = cfg.Password.hash("tenantgate-dummy-password")

	email, err := disposable.Normalize(cfg.OperatorEmail)
	if err != nil {
		return nil, errors.New("app: Config.OperatorEmail is not a valid address")
	}
	if err := a.ensureOperator(email, cfg.OperatorPassword); err != nil {
		return nil, err
	}

	pk := cfg.PseudonymKey
	if pk == nil {
		pk = make([]byte, 32)
		_, _ = rand.Read(pk)
	}
	if a.privacy, err = a.privacyHandlers(pk); err != nil {
		return nil, err
	}
	a.handler = a.outer(a.authenticate(a.routes()))
	return a, nil
}

// ServeHTTP serves the CRM.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

// Now is the server's one clock.
func (a *App) Now() time.Time { return a.clock.Now() }

// Close waits (bounded by ctx) for background work — queued mail,
// lifecycle hooks — to finish.
func (a *App) Close(ctx context.Context) error {
	return errors.Join(a.queue.Close(ctx), a.lifecycle.Wait(ctx))
}

// Ping reports whether the stores answer (GET /healthz): one cheap read of
// the workspace store and one of the account store.
func (a *App) Ping(ctx context.Context) error {
	if _, err := a.tenancy.Workspace(ctx, "healthz-probe"); !errors.Is(err, tenancy.ErrNotFound) {
		return fmt.Errorf("workspaces: %w", err)
	}
	if _, err := a.stores.Accounts.UserByID(ctx, "healthz-probe"); !errors.Is(err, ErrNoUser) {
		return fmt.Errorf("accounts: %w", err)
	}
	return nil
}

func (a *App) routes() http.Handler {
	mux := http.NewServeMux()
	p := a.perm
	// Every gated route: the gate, then the workspace's quota (after
	// membership, so a non-member never sees a foreign quota), then the
	// handler.
	g := quotaGate{a.gate, a.quota}
	rec := a.recorder.Middleware
	newContactTarget := audit.WithTarget(func(*http.Request) audit.Target { return audit.Target{Type: "contact"} })
	contactTarget := audit.WithTarget(func(r *http.Request) audit.Target { return audit.Target{Type: "contact", ID: r.PathValue("id")} })
	handle := func(pattern string, h http.Handler) { mux.Handle(pattern, h) }
	fn := func(f func(http.ResponseWriter, *http.Request)) http.Handler { return http.HandlerFunc(f) }

	handle("GET /healthz", fn(a.healthz))

	handle("POST /api/auth/register", a.authLimits[ratelimit.RouteRegister].Handler(fn(a.register)))
	handle("POST /api/auth/verify", fn(a.verifyEmail))
	handle("POST /api/auth/resend-verification", a.authLimits[ratelimit.RouteResendVerification].Handler(fn(a.resendVerification)))
	handle("POST /api/auth/login", fn(a.login))
	handle("POST /api/auth/logout", fn(a.logout))
	handle("POST /api/auth/forgot-password", a.authLimits[ratelimit.RouteForgotPassword].Handler(fn(a.forgotPassword)))
	handle("POST /api/auth/reset-password", fn(a.resetPassword))

	handle("POST /api/workspaces", fn(a.createWorkspace))
	handle("GET /api/workspaces/{ws}", g.AnyMember()(fn(a.getWorkspace)))

	handle("GET /api/crm/contacts", g.Require(p.contactsRead)(fn(a.listContacts)))
	handle("POST /api/crm/contacts", g.Require(p.contactsWrite)(rec(audit.WithAction("contact.create"), newContactTarget)(fn(a.createContact))))
	handle("GET /api/crm/contacts/{id}", g.Require(p.contactsRead)(fn(a.getContact)))
	handle("PATCH /api/crm/contacts/{id}", g.Require(p.contactsWrite)(rec(audit.WithAction("contact.update"), contactTarget)(fn(a.updateContact))))
	handle("DELETE /api/crm/contacts/{id}", g.Require(p.contactsWrite)(rec(audit.WithAction("contact.delete"), contactTarget)(fn(a.deleteContact))))

	handle("GET /api/workspaces/{ws}/members", g.Require(p.membersRead)(fn(a.listMembers)))
	handle("POST /api/workspaces/{ws}/invites", g.Require(p.invitesWrite)(fn(a.createInvite)))
	handle("POST /api/invites/accept", fn(a.acceptInvite))
	handle("PATCH /api/workspaces/{ws}/members/{user}", g.Require(p.membersWrite)(fn(a.changeRole)))
	handle("DELETE /api/workspaces/{ws}/members/{user}", g.Require(p.membersWrite)(fn(a.removeMember)))

	handle("GET /api/workspaces/{ws}/settings/channels", g.Require(p.channelsRead)(fn(a.getChannels)))
	handle("PUT /api/workspaces/{ws}/settings/channels", g.Require(p.channelsWrite)(rec(audit.WithAction(audit.ActionSettingsChannelsUpdate), audit.Sensitive())(fn(a.putChannels))))

	handle("GET /api/workspaces/{ws}/billing", g.Require(p.billingRead, gate.TrialExempt)(fn(a.getBilling)))
	handle("POST /api/workspaces/{ws}/billing/subscribe", g.Require(p.billingWrite, gate.TrialExempt)(fn(a.subscribe)))

	handle("GET /api/workspaces/{ws}/audit", g.Require(p.auditRead)(fn(a.listAudit)))

	handle("POST /api/me/mfa/totp/enroll", fn(a.mfaEnroll))
	handle("POST /api/me/mfa/totp/confirm", fn(a.mfaConfirm))
	handle("POST /api/me/mfa/totp/disable", fn(a.mfaDisable))
	handle("POST /api/me/mfa/recovery-codes", fn(a.mfaRecoveryCodes))
	handle("GET /api/me/export", a.withReqInfo(a.privacy.Export()))
	handle("POST /api/me/erase", a.withReqInfo(a.privacy.Erase()))

	// The operator console (operator-only, checked first), with the
	// request's id and client IP available to the lifecycle's audit records.
	handle("POST /admin/impersonations", fn(a.startImpersonation))
	mux.Handle("/admin/workspaces", a.withReqInfo(a.console))
	mux.Handle("/admin/workspaces/", a.withReqInfo(a.console))

	if a.cfg.Dev {
		handle("GET /dev/outbox", fn(a.devOutbox))
		handle("GET /dev/clock", fn(a.devClock))
		handle("POST /dev/clock", fn(a.devClock))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		// r is the request the mux matched (authentication made a copy
		// of the outer one): hand its pattern to the request log.
		if rw, ok := w.(*respWriter); ok {
			rw.pattern = r.Pattern
		}
	})
}

var healthOK = map[string]string{"status": "ok"}

func (a *App) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.Ping(ctx); err != nil {
		a.log.Error("healthz: store unavailable", "err", err)
		problem.Write(w, r, problem.ErrUnavailable)
		return
	}
	writeJSON(w, http.StatusOK, healthOK)
}

// quotaGate puts the tenant quota between the gate and each handler.
type quotaGate struct {
	g     *gate.Gate
	quota *ratelimit.Policy
}

// Require is gate.Require followed by the quota.
func (q quotaGate) Require(perm rbac.Permission, opts ...gate.Option) func(http.Handler) http.Handler {
	mw := q.g.Require(perm, opts...)
	return func(h http.Handler) http.Handler { return mw(q.quota.Handler(h)) }
}

// AnyMember is gate.AnyMember followed by the quota.
func (q quotaGate) AnyMember(opts ...gate.Option) func(http.Handler) http.Handler {
	mw := q.g.AnyMember(opts...)
	return func(h http.Handler) http.Handler { return mw(q.quota.Handler(h)) }
}

// limits builds the rate-limit policies: the documented defaults of
// ratelimit.AuthRules on register, forgot-password and
// resend-verification (per client IP and per email), and the per-workspace
// quota by plan.
func (a *App) limits(trial ratelimit.Limit) error {
	var err error
	if a.limiter, err = ratelimit.New(ratelimit.Config{
		Store: a.stores.RateLimits, Clock: ratelimit.ClockFunc(a.clock.Now), Observer: a.observeLimit,
	}); err != nil {
		return err
	}
	ip, err := ratelimit.ByClientIP(a.ips, a.ipGroups)
	if err != nil {
		return err
	}
	a.authLimits = map[string]*ratelimit.Policy{}
	for _, route := range []string{ratelimit.RouteRegister, ratelimit.RouteForgotPassword, ratelimit.RouteResendVerification} {
		if a.authLimits[route], err = a.limiter.Policy(ratelimit.AuthRules(route, ip)...); err != nil {
			return err
		}
	}
	scaled := func(k int) ratelimit.Limit {
		return ratelimit.Limit{N: min(trial.N*k, ratelimit.MaxLimitN), Window: trial.Window}
	}
	plan := func(r *http.Request) (string, bool) {
		t, ok := tenancy.FromContext(r.Context())
		return t.Workspace.Plan, ok
	}
	byPlan, err := ratelimit.PlanLimits(plan, map[string]ratelimit.Limit{"pro": scaled(5), "business": scaled(20)}, trial)
	if err != nil {
		return err
	}
	tenant := func(r *http.Request) (string, bool) {
		t, ok := tenancy.FromContext(r.Context())
		return string(t.Workspace.ID), ok
	}
	a.quota, err = a.limiter.Policy(ratelimit.Rule{Name: "workspace", Limits: byPlan, Key: tenant})
	return err
}

// observeLimit is the limiter's Observer: every store failure is logged
// (the rule, the request id and the error; never the bucket key, which may
// be an address). Denials are the client's business and are not logged.
func (a *App) observeLimit(r *http.Request, e ratelimit.Event) {
	if e.Err == nil {
		return
	}
	a.log.ErrorContext(r.Context(), "rate limit store failure",
		slog.String("rule", e.Rule), slog.Bool("failedOpen", e.FailedOpen),
		slog.String("requestId", requestID(r)), slog.String("err", e.Err.Error()))
}

// ensureOperator creates the operator account, or, when the address is
// already registered (a persistent backend), makes it a verified operator
// with the configured password.
func (a *App) ensureOperator(email, password string) error {
	ctx := context.Background()
	u, err := a.stores.Accounts.UserByEmail(ctx, email)
	switch {
	case errors.Is(err, ErrNoUser):
		return a.stores.Accounts.CreateUser(ctx, User{
			ID: tenancy.NewUserID(), Email: email, PasswordHash: a.cfg.Password.hash(password),
			Verified: true, Operator: true, CreatedAt: a.clock.Now(),
		})
	case err != nil:
		return fmt.Errorf("app: operator account: %w", err)
	case !u.Operator:
		return errors.New("app: the operator email belongs to an ordinary account")
	}
	if !checkPassword(u.PasswordHash, password) {
		return a.stores.Accounts.SetPasswordHash(ctx, u.ID, u.Email, a.cfg.Password.hash(password))
	}
	return nil
}

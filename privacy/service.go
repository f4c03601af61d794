package privacy

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/ratelimit"
	"github.com/tenantgate/tenantgate/tenancy"
)

// Clock tells the time.
type Clock interface {
	Now() time.Time
}

// Identity is what the host knows of a user beyond the opaque id: the
// identifiers from which the library derived keys and records.
type Identity struct {
	// Emails are the user's normalized addresses (current and past): they
	// find invites addressed to the user and identifier rate-limit buckets.
	Emails []string
	// IPKeys are client-address bucket keys the host attributes to the
	// user (as the rule's KeyFunc produced them, e.g. clientip.Grouper.Key
	// of addresses in the host's session log). Optional.
	IPKeys []string
	// Workspaces are further workspaces whose audit chains may mention the
	// user (ones the user has left). The user's current workspaces and the
	// platform chain are always read.
	Workspaces []tenancy.WorkspaceID
}

// IdentityFunc returns the Identity of user; the host implements it over
// its own user store.
type IdentityFunc func(ctx context.Context, user tenancy.UserID) (Identity, error)

// KeyKind says what a rate-limit rule keys its buckets by.
type KeyKind int

// Key kinds.
const (
	// ByIdentifier: a normalized identifier (email), as Rule.Field does.
	ByIdentifier KeyKind = iota + 1
	// ByIP: a client-address key (Identity.IPKeys).
	ByIP
	// ByUser: the user id.
	ByUser
	// ByTenant: the workspace id.
	ByTenant
)

// LimiterRule names a rate-limit rule whose buckets can hold data about a
// user or a tenant. Name and Limit are the ratelimit.Rule's.
type LimiterRule struct {
	Name  string
	Limit ratelimit.Limit
	By    KeyKind
}

// LimiterKey is the store key the ratelimit middleware uses for key under
// rule (ratelimit.StoreKey).
func LimiterKey(rule, key string) string { return ratelimit.StoreKey(rule, key) }

// AuditRetention says what happens to a deleted workspace's audit chain.
type AuditRetention int

const (
	// KeepWorkspaceAudit (the default) keeps the chain intact and
	// verifiable: the workspace's audit outlives it, for the host's legal
	// retention period; its personal data stays sealed per user and is
	// shredded when each user is erased.
	KeepWorkspaceAudit AuditRetention = iota
	// DropWorkspaceAudit removes the chain after the deletion. It needs
	// an audit store that implements AuditDropper; tenantgate's own
	// backends do not (their audit has no delete path), so New refuses
	// this setting with them.
	DropWorkspaceAudit
)

// MinPseudonymKeyLen is the shortest accepted Config.PseudonymKey.
const MinPseudonymKeyLen = 32

// Config configures a Service. Every store is required: a store the
// service could not see would keep personal data it claims to erase.
type Config struct {
	Members    Memberships
	Workspaces Workspaces
	Invites    Invites
	Roles      Roles
	MFA        MFA
	Tokens     Tokens
	// Limiter and LimiterRules find and reset rate-limit buckets; list
	// every rule keyed by identifier, IP, user or tenant.
	Limiter      Limiter
	LimiterRules []LimiterRule
	// Audit reads chains; Opener (the audit.Trail) opens sealed fields for
	// the export; Sink (the same Trail) records every privacy request in
	// the platform chain; Keys holds the subject keys erasure destroys.
	Audit  AuditReader
	Opener Opener
	Sink   audit.Sink
	Keys   audit.SubjectKeys
	// Identities resolves a user's emails and other identifiers.
	Identities IdentityFunc
	// PseudonymKey keys the HMAC of Pseudonym (at least 32 random bytes;
	// keep it secret and stable, or pseudonyms change).
	PseudonymKey []byte
	// Clock is the trusted time.
	Clock Clock

	// WorkspaceAudit is the retention of a deleted workspace's chain.
	WorkspaceAudit AuditRetention
	// AfterErase, when set, runs after the library's stores were erased
	// and before the request's success is recorded: the host deletes its
	// own account data there (user record, sessions, password hash). An
	// error fails the request (503) after the library's data is gone;
	// erasure is idempotent, so the caller retries.
	AfterErase func(ctx context.Context, user tenancy.UserID) error
	// Annotate, when set, completes each audit event from the request
	// context (request id, client IP); it must not block.
	Annotate func(ctx context.Context, ev *audit.Event)
	// PageSize is how many audit events Export reads at once (default and
	// maximum audit.MaxLimit). It bounds the export's memory.
	PageSize int
}

// Service exports, erases and anonymizes a user's data across every store,
// and deletes workspaces. It is safe for concurrent use.
type Service struct {
	cfg Config
}

// New validates cfg and returns a Service, or an error naming every
// missing or invalid setting.
func New(cfg Config) (*Service, error) {
	var errs []error
	req := func(ok bool, name string) {
		if !ok {
			errs = append(errs, fmt.Errorf("privacy: Config.%s is required", name))
		}
	}
	req(cfg.Members != nil, "Members")
	req(cfg.Workspaces != nil, "Workspaces")
	req(cfg.Invites != nil, "Invites")
	req(cfg.Roles != nil, "Roles")
	req(cfg.MFA != nil, "MFA")
	req(cfg.Tokens != nil, "Tokens")
	req(cfg.Limiter != nil, "Limiter")
	req(cfg.Audit != nil, "Audit")
	req(cfg.Opener != nil, "Opener")
	req(cfg.Sink != nil, "Sink")
	req(cfg.Keys != nil, "Keys")
	req(cfg.Identities != nil, "Identities")
	req(cfg.Clock != nil, "Clock")
	if len(cfg.PseudonymKey) < MinPseudonymKeyLen {
		errs = append(errs, fmt.Errorf("privacy: Config.PseudonymKey must be at least %d bytes", MinPseudonymKeyLen))
	}
	for _, r := range cfg.LimiterRules {
		if r.Name == "" || r.By < ByIdentifier || r.By > ByTenant {
			errs = append(errs, fmt.Errorf("privacy: limiter rule %q needs a name and a key kind", r.Name))
		} else if err := r.Limit.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("privacy: limiter rule %q: %w", r.Name, err))
		}
	}
	switch cfg.WorkspaceAudit {
	case KeepWorkspaceAudit:
	case DropWorkspaceAudit:
		if _, ok := cfg.Audit.(AuditDropper); !ok {
			errs = append(errs, errors.New("privacy: DropWorkspaceAudit needs an audit store that implements AuditDropper"))
		}
	default:
		errs = append(errs, errors.New("privacy: unknown Config.WorkspaceAudit"))
	}
	if cfg.PageSize < 0 {
		errs = append(errs, errors.New("privacy: Config.PageSize must not be negative"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if cfg.PageSize == 0 || cfg.PageSize > audit.MaxLimit {
		cfg.PageSize = audit.MaxLimit
	}
	cfg.PseudonymKey = append([]byte(nil), cfg.PseudonymKey...)
	cfg.LimiterRules = append([]LimiterRule(nil), cfg.LimiterRules...)
	return &Service{cfg: cfg}, nil
}

// PseudonymPrefix opens every pseudonym.
const PseudonymPrefix = "anon-"

// Pseudonym returns user's stable pseudonym: "anon-" and the first 16
// bytes, in hex, of HMAC-SHA256 under Config.PseudonymKey. The same user
// always gets the same pseudonym; without the key it cannot be linked back.
func (s *Service) Pseudonym(user tenancy.UserID) string {
	m := hmac.New(sha256.New, s.cfg.PseudonymKey)
	m.Write([]byte("tenantgate.privacy.pseudonym\x00"))
	m.Write([]byte(user))
	return PseudonymPrefix + hex.EncodeToString(m.Sum(nil)[:16])
}

// unavailable wraps a store failure as 503 unavailable.
func unavailable(op string, err error) error {
	var p *problem.Error
	if errors.As(err, &p) && p.Code != problem.CodeUnavailable {
		return err
	}
	return problem.Wrap(problem.CodeUnavailable, fmt.Errorf("privacy: %s: %w", op, err))
}

// record appends a privacy event to the platform chain: who asked (the
// context's principal), for whom, and the outcome.
func (s *Service) record(ctx context.Context, a audit.Action, target audit.Target, o audit.Outcome, md map[string]string) error {
	ev := s.event(ctx, a, target, o, md)
	if _, err := s.cfg.Sink.Append(ctx, ev); err != nil {
		return unavailable("audit", err)
	}
	return nil
}

func (s *Service) event(ctx context.Context, a audit.Action, target audit.Target, o audit.Outcome, md map[string]string) audit.Event {
	ev := audit.Event{Action: a, Target: target, Outcome: o, Metadata: md}
	if s.cfg.Annotate != nil {
		s.cfg.Annotate(ctx, &ev)
	}
	// The identities are the service's to say, whatever Annotate set.
	ev.Workspace, ev.Actor, ev.Impersonator, ev.Subject = "", "", "", ""
	if p, ok := tenancy.PrincipalFromContext(ctx); ok {
		ev.Actor, ev.Impersonator = string(p.User), string(p.Impersonator)
	}
	ev.Action, ev.Target, ev.Outcome = a, target, o
	return ev
}

func userTarget(u tenancy.UserID) audit.Target { return audit.Target{Type: "user", ID: string(u)} }

// outcomeOf maps an error to the audit outcome of a request.
func outcomeOf(err error) audit.Outcome {
	switch {
	case err == nil:
		return audit.OutcomeSuccess
	case errors.Is(err, problem.ErrLastOwner), errors.Is(err, problem.ErrPermissionDenied), errors.Is(err, problem.ErrWorkspaceForbidden):
		return audit.OutcomeDenied
	}
	return audit.OutcomeFailed
}

package privacy

import (
	"context"
	"errors"
	"strconv"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/ratelimit"
	"github.com/tenantgate/tenantgate/tenancy"
)

// Result reports what an erasure removed.
type Result struct {
	Memberships int `json:"memberships"`
	Invites     int `json:"invites"`
	Tokens      int `json:"tokens"`
	// LimiterKeys counts the buckets that held hits when they were reset.
	LimiterKeys int  `json:"limiterKeys"`
	MFA         bool `json:"mfa"`
}

func (r Result) metadata() map[string]string {
	return map[string]string{
		"memberships":  strconv.Itoa(r.Memberships),
		"invites":      strconv.Itoa(r.Invites),
		"tokens":       strconv.Itoa(r.Tokens),
		"limiter_keys": strconv.Itoa(r.LimiterKeys),
	}
}

// anonMarker is the subject-key tombstone that marks user as anonymized
// rather than erased. ':' never occurs in a valid UserID, so it cannot
// name a real subject.
func anonMarker(user tenancy.UserID) string { return "anonymized:" + string(user) }

var errLastOwner = &problem.Error{
	Code:   problem.CodeLastOwner,
	Detail: "You are the last owner of a workspace: transfer ownership or delete the workspace first.",
	Err:    tenancy.ErrLastOwner,
}

// Erase removes everything the library holds about user: memberships,
// invites sent, accepted or addressed to the user's emails, the MFA record,
// verification tokens and rate-limit buckets derived from the user's
// identifiers; then it destroys the user's audit subject key, so the
// personal data sealed in audit events (IP, user agent, personal metadata)
// becomes unreadable while every chain still verifies byte for byte; then
// it runs Config.AfterErase. Reads through Present show the user's id as
// ErasedID from then on.
//
// It refuses with 409 last_owner, changing nothing, while user is the last
// owner of any workspace (ownership must be transferred or the workspace
// deleted first). A concurrent change can still make a removal fail with
// last_owner midway; what was removed stays removed, and Erase is
// idempotent, so the caller retries.
//
// The request is audited in the platform chain ("attempted" before any
// change, then its outcome), with the context's Principal as actor; if the
// attempt cannot be recorded nothing is erased (503 unavailable). The
// audit chains keep the user's opaque id (the chain hashes it); the host
// deletes the id-to-person mapping (its user record) in AfterErase.
func (s *Service) Erase(ctx context.Context, user tenancy.UserID) (Result, error) {
	return s.erase(ctx, user, audit.ActionPrivacyErase, false)
}

// Anonymize is Erase, except that reads through Present (and Export) show
// the user's id as its stable Pseudonym instead of ErasedID, so counts and
// sequences of the user's actions stay meaningful. The stored chains are
// unchanged either way: the pseudonym is applied when events are read,
// because a chain hashes the stored actor id and rewriting it would break
// Verify.
func (s *Service) Anonymize(ctx context.Context, user tenancy.UserID) (Result, error) {
	return s.erase(ctx, user, audit.ActionPrivacyAnonymize, true)
}

func (s *Service) erase(ctx context.Context, user tenancy.UserID, action audit.Action, anon bool) (res Result, err error) {
	if !user.Valid() {
		return Result{}, problem.WithDetail(problem.CodeInvalidRequest, "Invalid user id.")
	}
	target := userTarget(user)
	if err := s.record(ctx, action, target, audit.OutcomeAttempted, nil); err != nil {
		return Result{}, err
	}
	defer func() {
		if rerr := s.record(ctx, action, target, outcomeOf(err), res.metadata()); rerr != nil && err == nil {
			err = rerr
		}
	}()
	id, err := s.cfg.Identities(ctx, user)
	if err != nil {
		return res, unavailable("identities", err)
	}
	ms, err := s.cfg.Members.UserMemberships(ctx, user)
	if err != nil {
		return res, unavailable("memberships", err)
	}
	for _, m := range ms { // refuse before changing anything
		if m.Role != tenancy.RoleOwner {
			continue
		}
		n, err := s.owners(ctx, m.Workspace)
		if err != nil {
			return res, err
		}
		if n <= 1 {
			return res, errLastOwner
		}
	}
	for _, m := range ms {
		switch err := s.cfg.Members.RemoveMember(ctx, m.Workspace, user); {
		case err == nil:
			res.Memberships++
		case errors.Is(err, tenancy.ErrNotFound):
		case errors.Is(err, tenancy.ErrLastOwner):
			return res, errLastOwner
		default:
			return res, unavailable("remove member", err)
		}
	}
	if res.Invites, err = s.cfg.Invites.DeleteUserInvites(ctx, user, id.Emails); err != nil {
		return res, unavailable("invites", err)
	}
	if _, err := s.cfg.MFA.Get(ctx, string(user)); err == nil {
		res.MFA = true
	}
	if err := s.cfg.MFA.EraseUser(ctx, string(user)); err != nil {
		return res, unavailable("mfa", err)
	}
	if res.Tokens, err = s.cfg.Tokens.DeleteUserTokens(ctx, user); err != nil {
		return res, unavailable("tokens", err)
	}
	now := s.cfg.Clock.Now()
	for _, k := range s.userLimiterKeys(user, id) {
		key := LimiterKey(k.rule.Name, k.key)
		st, err := s.cfg.Limiter.Peek(ctx, key, now, k.rule.Limit)
		if err != nil {
			return res, unavailable("limiter", err)
		}
		// Reset even an empty bucket: a store may keep an idle key (and
		// the identifier in it) until it evicts it.
		if err := s.cfg.Limiter.Reset(ctx, key); err != nil {
			return res, unavailable("limiter", err)
		}
		if st.Count > 0 {
			res.LimiterKeys++
		}
	}
	if anon { // mark first: an anonymized user never shows as merely erased
		if err := s.cfg.Keys.Destroy(ctx, anonMarker(user)); err != nil {
			return res, unavailable("subject key", err)
		}
	}
	if err := s.cfg.Keys.Destroy(ctx, string(user)); err != nil {
		return res, unavailable("subject key", err)
	}
	if s.cfg.AfterErase != nil {
		if err := s.cfg.AfterErase(ctx, user); err != nil {
			return res, unavailable("after erase", err)
		}
	}
	return res, nil
}

// owners counts the owners of ws, paging through its members.
func (s *Service) owners(ctx context.Context, ws tenancy.WorkspaceID) (int, error) {
	n := 0
	var after tenancy.UserID
	for {
		page, err := s.cfg.Members.Members(ctx, ws, after, s.cfg.PageSize)
		if err != nil {
			return 0, unavailable("members", err)
		}
		for _, m := range page {
			if m.Role == tenancy.RoleOwner {
				n++
			}
		}
		if len(page) < s.cfg.PageSize || n > 1 {
			return n, nil
		}
		after = page[len(page)-1].User
	}
}

type limiterKey struct {
	rule LimiterRule
	key  string
}

// userLimiterKeys lists the buckets derived from user's identifiers.
func (s *Service) userLimiterKeys(user tenancy.UserID, id Identity) []limiterKey {
	var out []limiterKey
	for _, r := range s.cfg.LimiterRules {
		switch r.By {
		case ByIdentifier:
			for _, e := range id.Emails {
				out = append(out, limiterKey{r, ratelimit.NormalizeIdentifier(e)})
			}
		case ByIP:
			for _, k := range id.IPKeys {
				out = append(out, limiterKey{r, k})
			}
		case ByUser:
			out = append(out, limiterKey{r, string(user)})
		}
	}
	return out
}

// DeleteWorkspace deletes workspace ws and its tenant data in the
// library's stores: invites, custom roles, rate-limit buckets keyed by the
// tenant, every membership and the workspace itself. The last two go in one
// atomic step together with the workspace.delete record in the platform
// (operator) chain. The workspace's own audit chain is kept or dropped per
// Config.WorkspaceAudit.
//
// The context's Principal must be an owner of ws acting as themself, or an
// operator. A non-member gets 403 workspace_forbidden whether ws exists or
// not; a member who is not an owner, or an impersonated owner, gets 403
// permission_denied; nothing changes then. Every request is audited in the
// platform chain ("attempted", then the outcome).
func (s *Service) DeleteWorkspace(ctx context.Context, ws tenancy.WorkspaceID) (err error) {
	target := audit.Target{Type: "workspace", ID: string(ws)}
	if !ws.Valid() {
		return problem.ErrInvalidWorkspaceID
	}
	if err := s.record(ctx, audit.ActionWorkspaceDelete, target, audit.OutcomeAttempted, nil); err != nil {
		return err
	}
	defer func() {
		if err != nil { // success is recorded atomically with the deletion
			if rerr := s.record(ctx, audit.ActionWorkspaceDelete, target, outcomeOf(err), nil); rerr != nil {
				err = rerr
			}
		}
	}()
	if err := s.mayDelete(ctx, ws); err != nil {
		return err
	}
	if _, err := s.cfg.Invites.DeleteWorkspaceInvites(ctx, ws); err != nil {
		return unavailable("invites", err)
	}
	roles, err := s.cfg.Roles.Roles(ctx, ws)
	if err != nil {
		return unavailable("roles", err)
	}
	for _, r := range roles {
		if err := s.cfg.Roles.DeleteRole(ctx, ws, r.Name); err != nil && !errors.Is(err, tenancy.ErrNotFound) {
			return unavailable("roles", err)
		}
	}
	for _, r := range s.cfg.LimiterRules {
		if r.By == ByTenant {
			if err := s.cfg.Limiter.Reset(ctx, LimiterKey(r.Name, string(ws))); err != nil {
				return unavailable("limiter", err)
			}
		}
	}
	ev := s.event(ctx, audit.ActionWorkspaceDelete, target, audit.OutcomeSuccess, nil)
	for attempt := 0; ; attempt++ {
		w, err := s.cfg.Workspaces.Workspace(ctx, ws)
		if err != nil {
			return unavailable("workspace", err)
		}
		err = s.cfg.Workspaces.DeleteWorkspaceAudited(ctx, w, ev, s.cfg.Sink)
		if err == nil {
			break
		}
		if !errors.Is(err, tenancy.ErrConflict) || attempt == 2 {
			return unavailable("delete workspace", err)
		}
	}
	if s.cfg.WorkspaceAudit == DropWorkspaceAudit {
		if err := s.cfg.Audit.(AuditDropper).DropChain(ctx, string(ws)); err != nil {
			return unavailable("drop audit", err)
		}
	}
	return nil
}

// mayDelete authorizes the context's principal to delete ws.
func (s *Service) mayDelete(ctx context.Context, ws tenancy.WorkspaceID) error {
	p, ok := tenancy.PrincipalFromContext(ctx)
	if !ok || p.User == "" {
		return problem.ErrUnauthenticated
	}
	if p.Operator && !p.Impersonating() {
		if _, err := s.cfg.Workspaces.Workspace(ctx, ws); errors.Is(err, tenancy.ErrNotFound) {
			return problem.ErrNotFound
		} else if err != nil {
			return unavailable("workspace", err)
		}
		return nil
	}
	m, err := s.cfg.Members.Membership(ctx, ws, p.User)
	if errors.Is(err, tenancy.ErrNotFound) {
		return problem.ErrWorkspaceForbidden
	}
	if err != nil {
		return unavailable("membership", err)
	}
	if m.Role != tenancy.RoleOwner || p.Impersonating() {
		return problem.WithDetail(problem.CodePermissionDenied, "Only an owner can delete the workspace.")
	}
	return nil
}

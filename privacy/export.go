package privacy

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"time"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/mfa"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/team"
	"github.com/tenantgate/tenantgate/tenancy"
	"github.com/tenantgate/tenantgate/verify"
)

// ExportFormat names the version of the export document.
const ExportFormat = "tenantgate.privacy.export/1"

// The export document's records. Times are RFC 3339 UTC; absent times are
// omitted.
type (
	// ExportMembership is one membership of the user.
	ExportMembership struct {
		Workspace tenancy.WorkspaceID `json:"workspaceId"`
		Role      string              `json:"role"`
		CreatedAt *time.Time          `json:"createdAt,omitempty"`
	}
	// ExportWorkspace is a workspace the user owns.
	ExportWorkspace struct {
		ID          tenancy.WorkspaceID `json:"id"`
		Name        string              `json:"name"`
		Status      tenancy.Status      `json:"status"`
		Plan        string              `json:"plan,omitempty"`
		CreatedAt   *time.Time          `json:"createdAt,omitempty"`
		ApprovedAt  *time.Time          `json:"approvedAt,omitempty"`
		TrialEndsAt *time.Time          `json:"trialEndsAt,omitempty"`
	}
	// ExportInvite is an invite the user sent or received; never its
	// token or token hash.
	ExportInvite struct {
		ID         string              `json:"id"`
		Workspace  tenancy.WorkspaceID `json:"workspaceId"`
		Email      string              `json:"email"`
		Role       string              `json:"role"`
		InvitedBy  tenancy.UserID      `json:"invitedBy"`
		CreatedAt  *time.Time          `json:"createdAt,omitempty"`
		ExpiresAt  *time.Time          `json:"expiresAt,omitempty"`
		AcceptedAt *time.Time          `json:"acceptedAt,omitempty"`
		AcceptedBy tenancy.UserID      `json:"acceptedBy,omitempty"`
		RevokedAt  *time.Time          `json:"revokedAt,omitempty"`
	}
	// ExportMFA is the user's MFA enrollment state; never the seed or the
	// recovery codes.
	ExportMFA struct {
		Enabled           bool       `json:"enabled"`
		Pending           bool       `json:"pending"`
		RecoveryCodesLeft int        `json:"recoveryCodesLeft"`
		Failures          int        `json:"failures"`
		LockedUntil       *time.Time `json:"lockedUntil,omitempty"`
	}
	// ExportToken is the metadata of a verification token issued to the
	// user; never the token or its hash.
	ExportToken struct {
		Purpose   verify.Purpose `json:"purpose"`
		Email     string         `json:"email"`
		CreatedAt *time.Time     `json:"createdAt,omitempty"`
		ExpiresAt *time.Time     `json:"expiresAt,omitempty"`
		UsedAt    *time.Time     `json:"usedAt,omitempty"`
	}
	// ExportRateLimit is a rate-limit bucket derived from the user's
	// identifiers that currently holds hits.
	ExportRateLimit struct {
		Rule      string     `json:"rule"`
		Key       string     `json:"key"`
		Hits      int        `json:"hits"`
		OldestHit *time.Time `json:"oldestHit,omitempty"`
	}
)

func ts(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// Export writes to w a JSON document of everything the library holds about
// user:
//
//	{"format": ExportFormat, "user", "generatedAt",
//	 "memberships": [ExportMembership], "workspacesOwned": [ExportWorkspace],
//	 "invitesSent": [ExportInvite], "invitesReceived": [ExportInvite],
//	 "mfa": ExportMFA, "tokens": [ExportToken],
//	 "rateLimits": [ExportRateLimit],
//	 "auditEvents": [audit.Event, as Present shows it]}
//
// No secret is ever written: no TOTP seed, recovery code, token, token
// hash or subject key. Audit events are those of the user's workspaces,
// of Identity.Workspaces and of the platform chain in which the user is the
// actor, impersonator, subject or target, oldest first per chain. Their
// sealed personal fields are opened only when the event's data subject
// (audit.Event.DataSubject) is the user; another person's (the admin who
// acted on the user, an impersonating operator, an invitee) show as
// Withheld.
//
// The document is streamed: audit chains are read Config.PageSize events
// at a time and each event is written before the next page is read, so
// memory stays bounded whatever the number of events. Everything before
// "auditEvents" is read before the first byte is written, so a store
// failure there writes nothing; a failure later stops the document short
// (it is then not valid JSON, which a client detects).
//
// The request is audited in the platform chain ("attempted", then its
// outcome).
func (s *Service) Export(ctx context.Context, user tenancy.UserID, w io.Writer) (err error) {
	if !user.Valid() {
		return problem.WithDetail(problem.CodeInvalidRequest, "Invalid user id.")
	}
	target := userTarget(user)
	if err := s.record(ctx, audit.ActionPrivacyExport, target, audit.OutcomeAttempted, nil); err != nil {
		return err
	}
	defer func() {
		if rerr := s.record(ctx, audit.ActionPrivacyExport, target, outcomeOf(err), nil); rerr != nil && err == nil {
			err = rerr
		}
	}()
	head, chains, err := s.exportHead(ctx, user)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 16<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	bw.WriteString(`{"format":`)
	enc.Encode(ExportFormat)
	bw.WriteString(`,"user":`)
	enc.Encode(user)
	bw.WriteString(`,"generatedAt":`)
	enc.Encode(s.cfg.Clock.Now().UTC())
	for _, f := range head {
		bw.WriteString(`,"` + f.name + `":`)
		if err := enc.Encode(f.value); err != nil {
			return unavailable("export encode", err)
		}
	}
	bw.WriteString(`,"auditEvents":[`)
	first := true
	p := s.newPresenter()
	for _, ws := range chains {
		var after uint64
		for {
			page, err := s.cfg.Audit.Chain(ctx, ws, after, s.cfg.PageSize)
			if err != nil {
				return unavailable("audit", err)
			}
			if len(page) == 0 {
				break
			}
			for _, e := range page {
				if !involves(e, user) {
					continue
				}
				if e.DataSubject() != string(user) {
					e = withhold(e)
				}
				e, err := p.present(ctx, e)
				if err != nil {
					return err
				}
				if !first {
					bw.WriteByte(',')
				}
				first = false
				if err := enc.Encode(e); err != nil {
					return unavailable("export encode", err)
				}
			}
			last := page[len(page)-1].Seq
			if last <= after {
				return unavailable("audit", errors.New("chain does not advance"))
			}
			after = last
			if bw.Buffered() > 0 { // hand each page to the client before the next read
				if err := bw.Flush(); err != nil {
					return err
				}
			}
		}
	}
	bw.WriteString("]}\n")
	return bw.Flush()
}

// Withheld is how an export shows a sealed personal value that belongs to
// someone other than the exported user: the network data of the admin who
// acted on them or of an operator who impersonated them, an invitee's
// address. Only the user's own personal data is opened.
const Withheld = "[WITHHELD]"

// withhold returns e with every sealed value replaced by Withheld, for an
// event whose data subject is not the exported user.
func withhold(e audit.Event) audit.Event {
	if audit.IsSealed(e.IP) {
		e.IP = Withheld
	}
	if audit.IsSealed(e.UserAgent) {
		e.UserAgent = Withheld
	}
	if len(e.Metadata) > 0 {
		md := make(map[string]string, len(e.Metadata))
		for k, v := range e.Metadata {
			if audit.IsSealed(v) {
				v = Withheld
			}
			md[k] = v
		}
		e.Metadata = md
	}
	return e
}

func involves(e audit.Event, user tenancy.UserID) bool {
	u := string(user)
	return e.Actor == u || e.Impersonator == u || e.Subject == u || e.Target.ID == u
}

type field struct {
	name  string
	value any
}

// exportHead reads the small sections of the export and the list of audit
// chains to scan.
func (s *Service) exportHead(ctx context.Context, user tenancy.UserID) ([]field, []string, error) {
	id, err := s.cfg.Identities(ctx, user)
	if err != nil {
		return nil, nil, unavailable("identities", err)
	}
	ms, err := s.cfg.Members.UserMemberships(ctx, user)
	if err != nil {
		return nil, nil, unavailable("memberships", err)
	}
	memberships := make([]ExportMembership, 0, len(ms))
	owned := []ExportWorkspace{}
	chains := []string{""}
	for _, m := range ms {
		memberships = append(memberships, ExportMembership{Workspace: m.Workspace, Role: m.Role, CreatedAt: ts(m.CreatedAt)})
		chains = append(chains, string(m.Workspace))
		w, err := s.cfg.Workspaces.Workspace(ctx, m.Workspace)
		if errors.Is(err, tenancy.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, unavailable("workspace", err)
		}
		if w.OwnerID == user {
			owned = append(owned, ExportWorkspace{
				ID: w.ID, Name: w.Name, Status: w.Status, Plan: w.Plan, CreatedAt: ts(w.CreatedAt),
				ApprovedAt: ts(w.ApprovedAt), TrialEndsAt: ts(w.TrialEndsAt),
			})
		}
	}
	for _, ws := range id.Workspaces {
		chains = append(chains, string(ws))
	}
	slices.Sort(chains)
	chains = slices.Compact(chains)

	invs, err := s.cfg.Invites.UserInvites(ctx, user, id.Emails)
	if err != nil {
		return nil, nil, unavailable("invites", err)
	}
	sent, received := []ExportInvite{}, []ExportInvite{}
	for _, inv := range invs {
		x := exportInvite(inv)
		if inv.InvitedBy == user {
			sent = append(sent, x)
		} else {
			received = append(received, x)
		}
	}

	var mf ExportMFA
	st, err := s.cfg.MFA.Get(ctx, string(user))
	switch {
	case err == nil:
		mf = ExportMFA{Enabled: st.Enabled, Pending: st.PendingSeed != nil, RecoveryCodesLeft: len(st.Recovery), Failures: st.Failures}
		if st.LockedUntil.After(s.cfg.Clock.Now()) {
			mf.LockedUntil = ts(st.LockedUntil)
		}
	case errors.Is(err, mfa.ErrNotFound):
	default:
		return nil, nil, unavailable("mfa", err)
	}

	recs, err := s.cfg.Tokens.UserTokens(ctx, user)
	if err != nil {
		return nil, nil, unavailable("tokens", err)
	}
	tokens := make([]ExportToken, 0, len(recs))
	for _, r := range recs {
		tokens = append(tokens, ExportToken{Purpose: r.Purpose, Email: r.Email, CreatedAt: ts(r.CreatedAt), ExpiresAt: ts(r.ExpiresAt), UsedAt: ts(r.UsedAt)})
	}

	now := s.cfg.Clock.Now()
	limits := []ExportRateLimit{}
	for _, k := range s.userLimiterKeys(user, id) {
		st, err := s.cfg.Limiter.Peek(ctx, LimiterKey(k.rule.Name, k.key), now, k.rule.Limit)
		if err != nil {
			return nil, nil, unavailable("limiter", err)
		}
		if st.Count > 0 {
			limits = append(limits, ExportRateLimit{Rule: k.rule.Name, Key: k.key, Hits: st.Count, OldestHit: ts(st.Oldest)})
		}
	}
	return []field{
		{"memberships", memberships},
		{"workspacesOwned", owned},
		{"invitesSent", sent},
		{"invitesReceived", received},
		{"mfa", mf},
		{"tokens", tokens},
		{"rateLimits", limits},
	}, chains, nil
}

func exportInvite(inv team.Invite) ExportInvite {
	return ExportInvite{
		ID: inv.ID, Workspace: inv.Workspace, Email: inv.Email, Role: inv.Role, InvitedBy: inv.InvitedBy,
		CreatedAt: ts(inv.CreatedAt), ExpiresAt: ts(inv.ExpiresAt), AcceptedAt: ts(inv.AcceptedAt),
		AcceptedBy: inv.AcceptedBy, RevokedAt: ts(inv.RevokedAt),
	}
}

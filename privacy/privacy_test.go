package privacy_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/privacy"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/ratelimit"
	"github.com/tenantgate/tenantgate/tenancy"
)

type exportDoc struct {
	Format          string                     `json:"format"`
	User            string                     `json:"user"`
	GeneratedAt     time.Time                  `json:"generatedAt"`
	Memberships     []privacy.ExportMembership `json:"memberships"`
	WorkspacesOwned []privacy.ExportWorkspace  `json:"workspacesOwned"`
	InvitesSent     []privacy.ExportInvite     `json:"invitesSent"`
	InvitesReceived []privacy.ExportInvite     `json:"invitesReceived"`
	MFA             privacy.ExportMFA          `json:"mfa"`
	Tokens          []privacy.ExportToken      `json:"tokens"`
	RateLimits      []privacy.ExportRateLimit  `json:"rateLimits"`
	AuditEvents     []audit.Event              `json:"auditEvents"`
}

func export(t *testing.T, f *fixture, ctx context.Context, u tenancy.UserID) (string, exportDoc) {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, f.svc.Export(ctx, u, &buf))
	var doc exportDoc
	dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&doc), buf.String())
	return buf.String(), doc
}

func TestExport_EveryKindOfRecordAndNoSecret(t *testing.T) {
	f := newFixture(t)
	f.seed(t)
	raw, doc := export(t, f, as(zed), zed)

	assert.Equal(t, privacy.ExportFormat, doc.Format)
	assert.Equal(t, string(zed), doc.User)
	assert.ElementsMatch(t, []privacy.ExportMembership{
		{Workspace: "ws-acme", Role: "admin", CreatedAt: &t0}, {Workspace: "ws-zed", Role: "owner", CreatedAt: &t0},
	}, doc.Memberships)
	require.Len(t, doc.WorkspacesOwned, 1)
	assert.Equal(t, "Zed Co", doc.WorkspacesOwned[0].Name)
	require.Len(t, doc.InvitesSent, 1)
	assert.Equal(t, "inv-sent", doc.InvitesSent[0].ID)
	require.Len(t, doc.InvitesReceived, 1)
	assert.Equal(t, canaryEmail, doc.InvitesReceived[0].Email)
	assert.Equal(t, privacy.ExportMFA{Enabled: true, RecoveryCodesLeft: 1}, doc.MFA)
	require.Len(t, doc.Tokens, 1)
	assert.Equal(t, canaryEmail, doc.Tokens[0].Email)
	var rules []string
	for _, r := range doc.RateLimits {
		rules = append(rules, r.Rule+"="+r.Key)
		assert.Equal(t, 1, r.Hits)
	}
	assert.ElementsMatch(t, []string{"register-email=" + canaryEmail, "register-ip=" + canaryIP, "me-user=u-zed"}, rules,
		"the tenant's bucket is not the user's")

	// Events where zed acts or is the target, opened; not ann's own.
	var actions []string
	for _, e := range doc.AuditEvents {
		actions = append(actions, e.Workspace+"/"+string(e.Action)+"/"+string(e.Outcome))
		if e.Action == "contact.create" {
			assert.Equal(t, canaryIP, e.IP, "opened")
			assert.Equal(t, canaryName, e.Metadata["name"], "opened")
		}
	}
	assert.Equal(t, []string{
		"/privacy.export/attempted",
		"ws-acme/contact.create/success", "ws-acme/member.role_change/success",
		"ws-zed/invite.create/success",
	}, actions)

	// No secret in any spelling.
	key, err := f.keys.Get(context.Background(), string(zed))
	require.NoError(t, err)
	for name, secret := range map[string]string{
		"totp seed": canarySeed, "recovery hash": canaryHash, "verification token": f.verifyToken,
		"token hash hex": hex.EncodeToString(f.tokenHash[:]), "token hash b64": base64.StdEncoding.EncodeToString(f.tokenHash[:]),
		"token hash b64url": base64.RawURLEncoding.EncodeToString(f.tokenHash[:]),
		"invite hash hex":   hex.EncodeToString(f.inviteHash[:]), "invite hash b64": base64.StdEncoding.EncodeToString(f.inviteHash[:]),
		"subject key b64": base64.StdEncoding.EncodeToString(key), "subject key hex": hex.EncodeToString(key),
		"sealed value": "pd1.",
	} {
		assert.NotContains(t, raw, secret, name)
	}
	// The export itself was audited: attempted and success, actor zed.
	evs := f.platformEvents(t, audit.ActionPrivacyExport)
	require.Len(t, evs, 2)
	assert.Equal(t, audit.OutcomeSuccess, evs[1].Outcome)
	assert.Equal(t, string(zed), evs[1].Actor)
	assert.Equal(t, audit.Target{Type: "user", ID: string(zed)}, evs[1].Target)
}

func TestErase_NoPersonalDataFindableAndChainsVerify(t *testing.T) {
	f := newFixture(t)
	f.seed(t)
	for _, canary := range []string{canaryEmail, canaryIP, canaryName} {
		require.NotEmpty(t, f.findable(t, canary), "the search must find %q before erasure", canary)
	}
	res, err := f.svc.Erase(as(zed), zed)
	require.NoError(t, err)
	assert.Equal(t, privacy.Result{Memberships: 2, Invites: 2, Tokens: 1, LimiterKeys: 3, MFA: true}, res)
	assert.Equal(t, []tenancy.UserID{zed}, f.erased, "AfterErase ran once")

	for _, canary := range []string{canaryEmail, canaryIP, canaryName, canarySeed, canaryHash} {
		assert.Empty(t, f.findable(t, canary), "%q still findable", canary)
	}
	f.verifyAll(t)

	ctx := context.Background()
	ms, err := f.ten.UserMemberships(ctx, zed)
	require.NoError(t, err)
	assert.Empty(t, ms)
	_, err = f.ten.Membership(ctx, "ws-acme", "u-carl")
	assert.NoError(t, err, "other members stay")
	left, err := f.inv.Invites(ctx, "ws-acme")
	require.NoError(t, err)
	require.Len(t, left, 1)
	assert.Equal(t, "inv-acme", left[0].ID, "invites of others stay")
	st, err := f.rl.Peek(ctx, privacy.LimiterKey("api-tenant", "ws-acme"), t0, ratelimit.PerHour(5))
	require.NoError(t, err)
	assert.Equal(t, 1, st.Count, "the tenant's bucket stays")

	// A second export finds nothing but the audit trail's shredded events.
	raw, doc := export(t, f, asOperator(), zed)
	assert.Empty(t, doc.Memberships)
	assert.Empty(t, doc.InvitesReceived)
	assert.Empty(t, doc.Tokens)
	assert.Empty(t, doc.RateLimits)
	assert.Equal(t, privacy.ExportMFA{}, doc.MFA)
	assert.NotContains(t, raw, canaryIP)
	assert.NotContains(t, raw, canaryName)
	for _, e := range doc.AuditEvents {
		if e.Action == "contact.create" {
			assert.Equal(t, audit.Erased, e.IP)
			assert.Equal(t, audit.Erased, e.Metadata["name"])
			assert.Equal(t, privacy.ErasedID, e.Actor)
		}
	}
	// Audited: attempted then success, with counts.
	evs := f.platformEvents(t, audit.ActionPrivacyErase)
	require.Len(t, evs, 2)
	assert.Equal(t, audit.OutcomeAttempted, evs[0].Outcome)
	assert.Equal(t, audit.OutcomeSuccess, evs[1].Outcome)
	assert.Equal(t, "2", evs[1].Metadata["memberships"])
	assert.Empty(t, evs[1].IP, "no personal data is sealed for an erased subject")

	// Idempotent.
	res, err = f.svc.Erase(asOperator(), zed)
	require.NoError(t, err)
	assert.Equal(t, privacy.Result{}, res)
}

func TestErase_RefusedForLastOwnerChangesNothing(t *testing.T) {
	f := newFixture(t)
	f.seed(t)
	f.workspace(t, "ws-solo", "Solo", "u-sol", nil)
	ctx := context.Background()
	require.NoError(t, f.ten.AddMember(ctx, tenancy.Membership{Workspace: "ws-zed", User: "u-sol", Role: "agent"}))
	// zed is now sole owner of ws-zed: bob is demoted.
	require.NoError(t, f.ten.ChangeRole(ctx, "ws-zed", bob, tenancy.RoleOwner, "admin"))

	before := map[string]string{}
	for name, s := range f.stores() {
		if name != "audit" && name != "subjectkeys" {
			before[name] = dump(s)
		}
	}
	_, err := f.svc.Erase(as(zed), zed)
	requireCode(t, err, problem.CodeLastOwner)
	assert.ErrorIs(t, err, tenancy.ErrLastOwner)
	for name, s := range f.stores() {
		if b, ok := before[name]; ok {
			assert.Equal(t, b, dump(s), "store %s changed", name)
		}
	}
	_, err = f.keys.Get(ctx, string(zed))
	assert.NoError(t, err, "the subject key survives")
	assert.Empty(t, f.erased)
	assert.NotEmpty(t, f.findable(t, canaryName))
	evs := f.platformEvents(t, audit.ActionPrivacyErase)
	require.Len(t, evs, 2)
	assert.Equal(t, audit.OutcomeDenied, evs[1].Outcome)
	f.verifyAll(t)
}

func TestAnonymize_KeepsCountsUnderAStablePseudonym(t *testing.T) {
	f := newFixture(t)
	f.seed(t)
	for range 5 {
		f.event(t, audit.Event{Workspace: "ws-acme", Actor: string(zed), Action: "contact.update"})
		f.event(t, audit.Event{Workspace: "ws-acme", Actor: "u-carl", Action: "contact.update"})
	}
	present := func() map[string]int {
		counts := map[string]int{}
		evs, err := f.aud.Chain(context.Background(), "ws-acme", 0, 0)
		require.NoError(t, err)
		for _, e := range evs {
			p, err := f.svc.Present(context.Background(), e)
			require.NoError(t, err)
			counts[p.Actor]++
		}
		return counts
	}
	before := present()
	_, err := f.svc.Anonymize(asOperator(), zed)
	require.NoError(t, err)
	_, err = f.svc.Erase(asOperator(), "u-carl")
	require.NoError(t, err)
	after := present()

	pz := f.svc.Pseudonym(zed)
	assert.True(t, strings.HasPrefix(pz, privacy.PseudonymPrefix))
	assert.Equal(t, pz, f.svc.Pseudonym(zed), "stable")
	assert.NotEqual(t, pz, f.svc.Pseudonym("u-carl"))
	assert.Equal(t, before[string(zed)], after[pz], "zed's count kept under the pseudonym")
	assert.Zero(t, after[string(zed)], "the id itself is not shown")
	assert.Equal(t, before["u-carl"], after[privacy.ErasedID], "an erased user is shown as erased")
	assert.Equal(t, before[string(ann)], after[string(ann)], "others unchanged")
	assert.Empty(t, f.findable(t, canaryName))
	f.verifyAll(t)
	require.Len(t, f.platformEvents(t, audit.ActionPrivacyAnonymize), 2)
}

func TestDeleteWorkspace_RemovesTenantDataAndIsAudited(t *testing.T) {
	f := newFixture(t)
	f.seed(t)
	ctx := context.Background()
	err := f.svc.DeleteWorkspace(as(ann), "ws-acme")
	require.NoError(t, err)

	_, err = f.ten.Workspace(ctx, "ws-acme")
	assert.ErrorIs(t, err, tenancy.ErrNotFound)
	for _, u := range []tenancy.UserID{ann, zed, "u-carl"} {
		_, err = f.ten.Membership(ctx, "ws-acme", u)
		assert.ErrorIs(t, err, tenancy.ErrNotFound, u)
	}
	invs, err := f.inv.Invites(ctx, "ws-acme")
	require.NoError(t, err)
	assert.Empty(t, invs)
	roles, err := f.roles.Roles(ctx, "ws-acme")
	require.NoError(t, err)
	assert.Empty(t, roles)
	st, err := f.rl.Peek(ctx, privacy.LimiterKey("api-tenant", "ws-acme"), t0, ratelimit.PerHour(5))
	require.NoError(t, err)
	assert.Zero(t, st.Count)
	_, err = f.ten.Workspace(ctx, "ws-zed")
	assert.NoError(t, err, "other workspaces stay")

	evs := f.platformEvents(t, audit.ActionWorkspaceDelete)
	require.Len(t, evs, 2)
	assert.Equal(t, audit.OutcomeAttempted, evs[0].Outcome)
	assert.Equal(t, audit.OutcomeSuccess, evs[1].Outcome)
	assert.Equal(t, string(ann), evs[1].Actor)
	assert.Equal(t, audit.Target{Type: "workspace", ID: "ws-acme"}, evs[1].Target)
	// KeepWorkspaceAudit: the chain is kept whole.
	head, err := audit.Verify(ctx, f.aud, "ws-acme")
	require.NoError(t, err)
	assert.Equal(t, uint64(3), head.Seq)
	// The owner can create a workspace again.
	f.workspace(t, "ws-acme2", "Acme 2", ann, nil)
}

func TestDeleteWorkspace_Attacks(t *testing.T) {
	cases := []struct {
		name string
		ctx  context.Context
		ws   tenancy.WorkspaceID
		code problem.Code
	}{
		{"anonymous", context.Background(), "ws-acme", problem.CodeUnauthenticated},
		{"non-member of existing workspace", as("u-dora"), "ws-acme", problem.CodeWorkspaceForbidden},
		{"non-member of absent workspace", as("u-dora"), "ws-nope", problem.CodeWorkspaceForbidden},
		{"admin member", as(zed), "ws-acme", problem.CodePermissionDenied},
		{"agent member", as("u-carl"), "ws-acme", problem.CodePermissionDenied},
		{"impersonated owner", tenancy.WithPrincipal(context.Background(), tenancy.Principal{User: ann, Impersonator: "u-op"}), "ws-acme", problem.CodePermissionDenied},
		{"malformed id", as(ann), "WS-ACME", problem.CodeInvalidWorkspaceID},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.seed(t)
			before := map[string]string{}
			for name, s := range f.stores() {
				if name != "audit" && name != "subjectkeys" {
					before[name] = dump(s)
				}
			}
			requireCode(t, f.svc.DeleteWorkspace(tc.ctx, tc.ws), tc.code)
			for name, s := range f.stores() {
				if b, ok := before[name]; ok {
					assert.Equal(t, b, dump(s), "store %s changed", name)
				}
			}
			for _, e := range f.platformEvents(t, audit.ActionWorkspaceDelete) {
				assert.NotEqual(t, audit.OutcomeSuccess, e.Outcome)
			}
		})
	}
}

func TestDeleteWorkspace_ByOperator(t *testing.T) {
	f := newFixture(t)
	f.seed(t)
	require.NoError(t, f.svc.DeleteWorkspace(asOperator(), "ws-other"))
	requireCode(t, f.svc.DeleteWorkspace(asOperator(), "ws-other"), problem.CodeNotFound)
}

// dropper is an audit store that can drop chains.
type dropper struct {
	privacy.AuditReader
	dropped []string
}

func (d *dropper) DropChain(_ context.Context, ws string) error {
	d.dropped = append(d.dropped, ws)
	return nil
}

func TestDeleteWorkspace_DropAuditRetention(t *testing.T) {
	d := &dropper{}
	f := newFixture(t, func(c *privacy.Config) {
		d.AuditReader = c.Audit
		c.Audit, c.WorkspaceAudit = d, privacy.DropWorkspaceAudit
	})
	f.seed(t)
	require.NoError(t, f.svc.DeleteWorkspace(as(ann), "ws-acme"))
	assert.Equal(t, []string{"ws-acme"}, d.dropped)
}

// pagedReader fails when asked for more than max events at once.
type pagedReader struct {
	privacy.AuditReader
	max, biggest, calls int
}

func (p *pagedReader) Chain(ctx context.Context, ws string, after uint64, limit int) ([]audit.Event, error) {
	p.calls++
	if limit <= 0 || limit > p.max {
		return nil, assert.AnError
	}
	p.biggest = max(p.biggest, limit)
	return p.AuditReader.Chain(ctx, ws, after, limit)
}

func TestExport_StreamsInBoundedPages(t *testing.T) {
	pr := &pagedReader{max: 50}
	f := newFixture(t, func(c *privacy.Config) {
		pr.AuditReader = c.Audit
		c.Audit, c.PageSize = pr, 50
	})
	f.seed(t)
	const n = 5000
	for range n {
		f.event(t, audit.Event{Workspace: "ws-acme", Actor: string(zed), Action: "contact.update"})
	}
	_, doc := export(t, f, as(zed), zed)
	assert.Len(t, doc.AuditEvents, n+4)
	assert.Equal(t, 50, pr.biggest)
	assert.GreaterOrEqual(t, pr.calls, n/50)
}

func TestLimiterKey_MatchesTheMiddleware(t *testing.T) {
	f := newFixture(t)
	l, err := ratelimit.New(ratelimit.Config{Store: f.rl, Clock: f.clock})
	require.NoError(t, err)
	pol, err := l.Policy(ratelimit.AuthRules(ratelimit.RouteRegister, func(*http.Request) (string, bool) { return canaryIP, true })...)
	require.NoError(t, err)
	r := httptest.NewRequest(http.MethodPost, "/api/auth/register", strings.NewReader(`{"email":" Zed.Canary@Example.com "}`))
	r.Header.Set("Content-Type", "application/json")
	_, _, err = pol.Check(r)
	require.NoError(t, err)
	for _, k := range []string{privacy.LimiterKey("register-email", canaryEmail), privacy.LimiterKey("register-ip", canaryIP)} {
		st, err := f.rl.Peek(context.Background(), k, t0, ratelimit.PerHour(5))
		require.NoError(t, err)
		assert.Equal(t, 1, st.Count, "%q", k)
	}
}

func TestNew_ValidatesConfig(t *testing.T) {
	f := newFixture(t)
	cases := map[string]func(*privacy.Config){
		"no members": func(c *privacy.Config) { c.Members = nil },
		"no mfa":     func(c *privacy.Config) { c.MFA = nil },
		"no keys":    func(c *privacy.Config) { c.Keys = nil },
		"no clock":   func(c *privacy.Config) { c.Clock = nil },
		"short key":  func(c *privacy.Config) { c.PseudonymKey = []byte("short") },
		"bad rule":   func(c *privacy.Config) { c.LimiterRules = []privacy.LimiterRule{{Name: "x", By: privacy.ByIP}} },
		"no rule kind": func(c *privacy.Config) {
			c.LimiterRules = []privacy.LimiterRule{{Name: "x", Limit: ratelimit.PerHour(1)}}
		},
		"drop unsupported": func(c *privacy.Config) { c.WorkspaceAudit = privacy.DropWorkspaceAudit },
		"negative page":    func(c *privacy.Config) { c.PageSize = -1 },
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := f.cfg
			edit(&cfg)
			_, err := privacy.New(cfg)
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), "privacy: "), err.Error())
		})
	}
}

// failingSink refuses every append.
type failingSink struct{}

func (failingSink) Append(context.Context, audit.Event) (audit.Event, error) {
	return audit.Event{}, audit.ErrUnavailable
}

func TestErase_UnrecordableRequestErasesNothing(t *testing.T) {
	f := newFixture(t, func(c *privacy.Config) { c.Sink = failingSink{} })
	f.seed(t)
	_, err := f.svc.Erase(as(zed), zed)
	requireCode(t, err, problem.CodeUnavailable)
	assert.NotEmpty(t, f.findable(t, canaryEmail))
	ms, err := f.ten.UserMemberships(context.Background(), zed)
	require.NoError(t, err)
	assert.Len(t, ms, 2)
}

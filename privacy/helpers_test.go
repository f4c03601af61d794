package privacy_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/mfa"
	"github.com/tenantgate/tenantgate/privacy"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/ratelimit"
	"github.com/tenantgate/tenantgate/team"
	"github.com/tenantgate/tenantgate/tenancy"
	"github.com/tenantgate/tenantgate/verify"
)

// The data subject and the canaries planted in every store.
const (
	zed         = tenancy.UserID("u-zed")
	ann         = tenancy.UserID("u-ann")
	bob         = tenancy.UserID("u-bob")
	canaryEmail = "zed.canary@example.com"
	canaryIP    = "203.0.113.77"
	canaryName  = "Zed Canarysson"
	canarySeed  = "CANARY-TOTP-SEED-SEALED"
	canaryHash  = "CANARY-RECOVERY-HASH"
)

var t0 = time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

var limiterRules = []privacy.LimiterRule{
	{Name: "register-email", Limit: ratelimit.PerHour(3), By: privacy.ByIdentifier},
	{Name: "register-ip", Limit: ratelimit.PerHour(5), By: privacy.ByIP},
	{Name: "me-user", Limit: ratelimit.PerMinute(10), By: privacy.ByUser},
	{Name: "api-tenant", Limit: ratelimit.PerMinute(100), By: privacy.ByTenant},
}

// fixture is every memstore wired into a privacy.Service.
type fixture struct {
	clock  *fakeClock
	ten    *memstore.Tenancy
	inv    *memstore.Invites
	roles  *memstore.Roles
	mfa    *memstore.MFA
	tok    *memstore.Tokens
	rl     *memstore.RateLimits
	aud    *memstore.Audit
	keys   *memstore.SubjectKeys
	trail  *audit.Trail
	svc    *privacy.Service
	cfg    privacy.Config
	erased []tenancy.UserID
	// planted secrets
	verifyToken string
	tokenHash   verify.Hash
	inviteHash  team.TokenHash
}

func newFixture(t testing.TB, edit ...func(*privacy.Config)) *fixture {
	t.Helper()
	f := &fixture{
		clock: &fakeClock{now: t0}, ten: memstore.NewTenancy(), inv: memstore.NewInvites(), roles: memstore.NewRoles(),
		mfa: memstore.NewMFA(), tok: memstore.NewTokens(), aud: memstore.NewAudit(), keys: memstore.NewSubjectKeys(),
	}
	var err error
	f.rl, err = memstore.NewRateLimits(memstore.RateLimitOptions{})
	require.NoError(t, err)
	f.trail, err = audit.New(audit.Config{Store: f.aud, Clock: f.clock, Keys: f.keys})
	require.NoError(t, err)
	f.cfg = privacy.Config{
		Members: f.ten, Workspaces: f.ten, Invites: f.inv, Roles: f.roles, MFA: f.mfa, Tokens: f.tok,
		Limiter: f.rl, LimiterRules: limiterRules, Audit: f.aud, Opener: f.trail, Sink: f.trail, Keys: f.keys,
		Identities: func(_ context.Context, u tenancy.UserID) (privacy.Identity, error) {
			if u == zed {
				return privacy.Identity{Emails: []string{canaryEmail}, IPKeys: []string{canaryIP}}, nil
			}
			return privacy.Identity{Emails: []string{string(u) + "@example.com"}}, nil
		},
		PseudonymKey: []byte("0123456789abcdef0123456789abcdef"),
		Clock:        f.clock,
		AfterErase: func(_ context.Context, u tenancy.UserID) error {
			f.erased = append(f.erased, u)
			return nil
		},
		// The request's client address, as a host's Annotate would set it.
		Annotate: func(ctx context.Context, ev *audit.Event) {
			if ip, ok := ctx.Value(ipKey{}).(string); ok {
				ev.IP = ip
			}
		},
	}
	for _, e := range edit {
		e(&f.cfg)
	}
	f.svc, err = privacy.New(f.cfg)
	require.NoError(t, err)
	return f
}

type ipKey struct{}

// as returns a context whose principal is u; zed's requests come from the
// canary address.
func as(u tenancy.UserID) context.Context {
	ctx := context.Background()
	if u == zed {
		ctx = context.WithValue(ctx, ipKey{}, canaryIP)
	}
	return tenancy.WithPrincipal(ctx, tenancy.Principal{User: u, EmailVerified: true})
}

// asOperator returns a context whose principal is an operator.
func asOperator() context.Context {
	ctx := context.WithValue(context.Background(), ipKey{}, "198.51.100.1")
	return tenancy.WithPrincipal(ctx, tenancy.Principal{User: "u-op", Operator: true, EmailVerified: true})
}

func (f *fixture) workspace(t testing.TB, ws tenancy.WorkspaceID, name string, owner tenancy.UserID, members map[tenancy.UserID]string) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, f.ten.CreateWorkspace(ctx, tenancy.Workspace{ID: ws, Name: name, Status: tenancy.StatusActive, OwnerID: owner, CreatedAt: t0},
		tenancy.Membership{User: owner, Role: tenancy.RoleOwner, CreatedAt: t0}))
	for u, role := range members {
		require.NoError(t, f.ten.AddMember(ctx, tenancy.Membership{Workspace: ws, User: u, Role: role, CreatedAt: t0}))
	}
}

func (f *fixture) event(t testing.TB, e audit.Event) {
	t.Helper()
	if e.Outcome == "" {
		e.Outcome = audit.OutcomeSuccess
	}
	_, err := f.trail.Append(context.Background(), e)
	require.NoError(t, err)
}

// seed plants one record of every kind about zed, with canaries:
// ws-zed (owned by zed, co-owned by bob), ws-acme (ann's; zed is admin,
// carl an agent), ws-other (ann's, zed absent).
func (f *fixture) seed(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	f.workspace(t, "ws-zed", "Zed Co", zed, map[tenancy.UserID]string{bob: tenancy.RoleOwner})
	f.workspace(t, "ws-acme", "Acme", ann, map[tenancy.UserID]string{zed: "admin", "u-carl": "agent"})
	f.workspace(t, "ws-other", "Other", "u-dora", nil)
	require.NoError(t, f.roles.CreateRole(ctx, team.RoleDef{Workspace: "ws-acme", Name: "closer", Permissions: []string{"contacts:read"}, CreatedAt: t0}))

	_, h := team.NewToken()
	f.inviteHash = h
	require.NoError(t, f.inv.CreateInvite(ctx, team.Invite{ID: "inv-recv", Workspace: "ws-acme", Email: canaryEmail, Role: "agent",
		TokenHash: h, InvitedBy: ann, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}))
	_, h2 := team.NewToken()
	require.NoError(t, f.inv.CreateInvite(ctx, team.Invite{ID: "inv-sent", Workspace: "ws-zed", Email: "eve@example.com", Role: "viewer",
		TokenHash: h2, InvitedBy: zed, CreatedAt: t0.Add(time.Second), ExpiresAt: t0.Add(time.Hour)}))
	_, h3 := team.NewToken()
	require.NoError(t, f.inv.CreateInvite(ctx, team.Invite{ID: "inv-acme", Workspace: "ws-acme", Email: "fay@example.com", Role: "viewer",
		TokenHash: h3, InvitedBy: ann, CreatedAt: t0.Add(2 * time.Second), ExpiresAt: t0.Add(time.Hour)}))

	require.NoError(t, f.mfa.PutPending(ctx, string(zed), []byte(canarySeed)))
	require.NoError(t, f.mfa.Enable(ctx, string(zed), []byte(canarySeed), 7,
		[]mfa.RecoveryHash{{Index: "ABCD", Salt: []byte("salt"), Hash: []byte(canaryHash), Time: 1, MemoryKiB: 64, Threads: 1}}))

	tok, th, err := verify.NewToken(rand.Reader)
	require.NoError(t, err)
	f.verifyToken, f.tokenHash = tok, th
	require.NoError(t, f.tok.Insert(ctx, verify.Record{Hash: th, Purpose: verify.PurposeVerifyEmail, User: zed, Email: canaryEmail,
		CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)}))

	for _, k := range []string{privacy.LimiterKey("register-email", canaryEmail), privacy.LimiterKey("register-ip", canaryIP),
		privacy.LimiterKey("me-user", string(zed)), privacy.LimiterKey("api-tenant", "ws-acme")} {
		_, err := f.rl.Take(ctx, k, t0, ratelimit.PerHour(5))
		require.NoError(t, err)
	}

	f.event(t, audit.Event{Workspace: "ws-acme", Actor: string(zed), Action: "contact.create", Target: audit.Target{Type: "contact", ID: "c-1"},
		IP: canaryIP, UserAgent: "Canary/1.0", Metadata: map[string]string{"name": canaryName, "email": canaryEmail}})
	f.event(t, audit.Event{Workspace: "ws-acme", Actor: string(ann), Action: audit.ActionMemberRoleChange, Target: audit.Target{Type: "user", ID: string(zed)}})
	f.event(t, audit.Event{Workspace: "ws-acme", Actor: string(ann), Action: "contact.create", Target: audit.Target{Type: "contact", ID: "c-2"}})
	f.event(t, audit.Event{Workspace: "ws-zed", Actor: string(zed), Action: audit.ActionInviteCreate, Target: audit.Target{Type: "invite", ID: "inv-sent"}, IP: canaryIP})
	f.event(t, audit.Event{Workspace: "", Actor: "u-op", Impersonator: "", Action: audit.ActionWorkspaceApprove, Target: audit.Target{Type: "workspace", ID: "ws-zed"}})
}

// chains are every audit chain the fixture may write.
var chains = []string{"", "ws-zed", "ws-acme", "ws-other", "ws-solo"}

// verifyAll asserts every chain verifies.
func (f *fixture) verifyAll(t *testing.T) {
	t.Helper()
	for _, ws := range chains {
		_, err := audit.Verify(context.Background(), f.aud, ws)
		require.NoError(t, err, "chain %q", ws)
	}
}

// stores are the fixture's stores by name, for dumps.
func (f *fixture) stores() map[string]any {
	return map[string]any{
		"tenancy": f.ten, "invites": f.inv, "roles": f.roles, "mfa": f.mfa, "tokens": f.tok,
		"ratelimits": f.rl, "audit": f.aud, "subjectkeys": f.keys,
	}
}

// findable lists where needle can be found: in the raw data of every store
// (every string and byte slice reachable from it) and in every audit event
// opened with the trail (what a reader with the keys sees).
func (f *fixture) findable(t *testing.T, needle string) []string {
	t.Helper()
	var where []string
	for name, s := range f.stores() {
		if strings.Contains(dump(s), needle) {
			where = append(where, "store "+name)
		}
	}
	for _, ws := range chains {
		evs, err := f.aud.Chain(context.Background(), ws, 0, 0)
		require.NoError(t, err)
		for _, e := range evs {
			o, err := f.trail.Open(context.Background(), e)
			require.NoError(t, err)
			if strings.Contains(fmt.Sprintf("%+v", o), needle) {
				where = append(where, fmt.Sprintf("audit %q seq %d", ws, e.Seq))
			}
		}
	}
	return where
}

// dump returns every string and byte slice reachable from v, unexported
// fields included, newline separated; map entries are sorted so that equal
// contents dump equally.
func dump(v any) string {
	onPath := map[uintptr]bool{}
	var walk func(reflect.Value) string
	walk = func(v reflect.Value) string {
		switch v.Kind() {
		case reflect.String:
			return v.String() + "\n"
		case reflect.Pointer:
			if v.IsNil() || onPath[v.Pointer()] {
				return ""
			}
			onPath[v.Pointer()] = true
			defer delete(onPath, v.Pointer())
			return walk(v.Elem())
		case reflect.Interface:
			if v.IsNil() {
				return ""
			}
			return walk(v.Elem())
		case reflect.Struct:
			var b strings.Builder
			for i := 0; i < v.NumField(); i++ {
				b.WriteString(walk(v.Field(i)))
			}
			return b.String()
		case reflect.Slice, reflect.Array:
			if v.Type().Elem().Kind() == reflect.Uint8 {
				raw := make([]byte, v.Len())
				for i := range raw {
					raw[i] = byte(v.Index(i).Uint())
				}
				return string(raw) + "\n"
			}
			var b strings.Builder
			for i := 0; i < v.Len(); i++ {
				b.WriteString(walk(v.Index(i)))
			}
			return b.String()
		case reflect.Map:
			var entries []string
			it := v.MapRange()
			for it.Next() {
				entries = append(entries, walk(it.Key())+walk(it.Value()))
			}
			sort.Strings(entries)
			return strings.Join(entries, "")
		}
		return ""
	}
	return walk(reflect.ValueOf(v))
}

// platformEvents returns the platform chain's events of action.
func (f *fixture) platformEvents(t *testing.T, a audit.Action) []audit.Event {
	t.Helper()
	evs, err := f.aud.Chain(context.Background(), "", 0, 0)
	require.NoError(t, err)
	var out []audit.Event
	for _, e := range evs {
		if e.Action == a {
			out = append(out, e)
		}
	}
	return out
}

func requireCode(t *testing.T, err error, code problem.Code) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, code, problem.From(err).Code, "%v", err)
}

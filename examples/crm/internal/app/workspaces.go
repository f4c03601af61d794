package app

import (
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/rbac"
	"github.com/tenantgate/tenantgate/tenancy"
)

// workspaceJSON is the wire shape of a workspace.
type workspaceJSON struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Status      string     `json:"status"`
	Plan        *string    `json:"plan"`
	TrialEndsAt *time.Time `json:"trialEndsAt"`
}

func toWorkspaceJSON(w tenancy.Workspace) workspaceJSON {
	out := workspaceJSON{ID: string(w.ID), Name: w.Name, Status: string(w.Status)}
	if w.Plan != "" {
		p := w.Plan
		out.Plan = &p
	}
	if w.Trialing() {
		t := w.TrialEndsAt.UTC()
		out.TrialEndsAt = &t
	}
	return out
}

func validName(field, s string, max int, fe *fieldErrors) {
	switch {
	case !utf8.ValidString(s):
		fe.add(field, "must be valid UTF-8")
	case strings.TrimSpace(s) == "":
		fe.add(field, "is required")
	case utf8.RuneCountInString(s) > max:
		fe.add(field, "is too long")
	}
}

// createWorkspace: verified user, closed-beta invite code, one workspace
// per user (all enforced by the lifecycle); the workspace starts pending
// approval and its creation is audited with it.
func (a *App) createWorkspace(w http.ResponseWriter, r *http.Request) {
	p, err := principal(r)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	if !p.EmailVerified {
		problem.Write(w, r, problem.ErrEmailUnverified)
		return
	}
	var in struct {
		Name       string `json:"name"`
		InviteCode string `json:"inviteCode"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		problem.Write(w, r, err)
		return
	}
	ws, err := a.lifecycle.Create(a.reqContext(r), p, tenancy.CreateRequest{Name: in.Name, InviteCode: in.InviteCode})
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toWorkspaceJSON(ws))
}

func (a *App) getWorkspace(w http.ResponseWriter, r *http.Request) {
	t, _ := tenancy.FromContext(r.Context())
	writeJSON(w, http.StatusOK, toWorkspaceJSON(t.Workspace))
}

// ---- members and invites ----

type memberJSON struct {
	UserID string `json:"userId"`
	Email  string `json:"email"`
	Role   string `json:"role"`
}

func (a *App) listMembers(w http.ResponseWriter, r *http.Request) {
	t, _ := tenancy.FromContext(r.Context())
	limit, err := pageLimit(r)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	after := tenancy.UserID(r.URL.Query().Get("cursor"))
	ms, err := a.tenancy.Members(r.Context(), t.Workspace.ID, after, limit+1)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	next := ""
	if len(ms) > limit {
		ms = ms[:limit]
		next = string(ms[limit-1].User)
	}
	items := make([]memberJSON, 0, len(ms))
	for _, m := range ms {
		email := ""
		if u, err := a.acc.get(r.Context(), m.User); err == nil {
			email = u.Email
		}
		items = append(items, memberJSON{UserID: string(m.User), Email: email, Role: m.Role})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "nextCursor": next})
}

// roleSet returns the permissions of a built-in role.
func (a *App) roleSet(role string) (rbac.Set, bool) {
	ro, ok := a.policy.Role(role)
	return ro.Permissions, ok
}

// mayGrant applies rbac's assignment rules: an actor grants only roles
// whose permissions it holds, and only member managers grant roles that
// can themselves bring people in.
func (a *App) mayGrant(actorRole, role string) error {
	have, ok1 := a.roleSet(actorRole)
	want, ok2 := a.roleSet(role)
	if !ok1 || !ok2 {
		return problem.ErrPermissionDenied
	}
	if err := a.policy.CanGrant(have, want); err != nil {
		return problem.Wrap(problem.CodePermissionDenied, err)
	}
	return nil
}

func (a *App) createInvite(w http.ResponseWriter, r *http.Request) {
	t, _ := tenancy.FromContext(r.Context())
	var in struct {
		Email     string  `json:"email"`
		Role      string  `json:"role"`
		Workspace *string `json:"workspaceId"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		problem.Write(w, r, err)
		return
	}
	if in.Workspace != nil && *in.Workspace != string(t.Workspace.ID) {
		problem.Write(w, r, problem.ErrWorkspaceMismatch)
		return
	}
	email, err := normalizeEmail(in.Email)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	if _, ok := a.roleSet(in.Role); !ok {
		problem.Write(w, r, invalid("role", "is not a known role"))
		return
	}
	if err := a.mayGrant(t.Role, in.Role); err != nil {
		problem.Write(w, r, err)
		return
	}
	inv := invite{ID: "inv-" + strings.ToLower(tenancy.NewUserID().String()[2:]), Workspace: string(t.Workspace.ID),
		Email: email, Role: in.Role, ExpiresAt: a.clock.Now().Add(inviteTTL)}
	tok := a.tokens.issue(tokenRecord{kind: kindInvite, email: email, expiresAt: inv.ExpiresAt,
		data: map[string]string{"workspace": inv.Workspace, "role": inv.Role, "id": inv.ID, "by": string(t.Principal.User)}})
	if err := a.record(r, inv.Workspace, t.Principal, audit.ActionInviteCreate, audit.Target{Type: "invite", ID: inv.ID},
		map[string]string{"role": inv.Role}); err != nil {
		problem.Write(w, r, err)
		return
	}
	a.send(r.Context(), Mail{To: email, Kind: kindInvite, Subject: "You are invited to " + t.Workspace.Name,
		Body: "Your invite token: " + tok, Token: tok})
	writeJSON(w, http.StatusCreated, inv)
}

func (a *App) acceptInvite(w http.ResponseWriter, r *http.Request) {
	p, err := principal(r)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	if !p.EmailVerified {
		problem.Write(w, r, problem.ErrEmailUnverified)
		return
	}
	var in struct {
		Token string `json:"token"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		problem.Write(w, r, err)
		return
	}
	u, err := a.acc.get(r.Context(), p.User)
	if err != nil {
		problem.Write(w, r, problem.ErrUnauthenticated)
		return
	}
	// Peek-free redemption: a token for another address is consumed only
	// by its addressee; check the address first.
	rec, err := a.tokens.redeemIf(in.Token, kindInvite, a.clock.Now(), func(rec tokenRecord) bool { return rec.email == u.Email })
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	ws := tenancy.WorkspaceID(rec.data["workspace"])
	m := tenancy.Membership{Workspace: ws, User: u.ID, Role: rec.data["role"], CreatedAt: a.clock.Now()}
	if err := a.tenancy.AddMember(r.Context(), m); err != nil {
		if errors.Is(err, tenancy.ErrConflict) {
			err = problem.ErrConflict
		}
		problem.Write(w, r, err)
		return
	}
	_ = a.record(r, string(ws), p, audit.ActionInviteAccept, audit.Target{Type: "invite", ID: rec.data["id"]},
		map[string]string{"role": m.Role})
	writeJSON(w, http.StatusOK, map[string]string{"workspaceId": string(ws), "userId": string(u.ID), "email": u.Email, "role": m.Role})
}

// targetMember loads the member named by the {user} path value in t's
// workspace and checks that the actor may manage it: an actor changes
// only members whose role it could grant, and never promotes itself.
func (a *App) targetMember(r *http.Request, t tenancy.Tenant) (tenancy.Membership, error) {
	uid, err := tenancy.ParseUserID(r.PathValue("user"))
	if err != nil {
		return tenancy.Membership{}, problem.ErrNotFound
	}
	m, err := a.tenancy.Membership(r.Context(), t.Workspace.ID, uid)
	if errors.Is(err, tenancy.ErrNotFound) {
		return m, problem.ErrNotFound
	}
	if err != nil {
		return m, err
	}
	if uid != t.Principal.User {
		have, _ := a.roleSet(t.Role)
		target, ok := a.roleSet(m.Role)
		if !ok {
			return m, problem.ErrPermissionDenied
		}
		if err := a.policy.CanManage(have, target); err != nil {
			return m, problem.Wrap(problem.CodePermissionDenied, err)
		}
	}
	return m, nil
}

func storeErr(err error) error {
	switch {
	case errors.Is(err, tenancy.ErrLastOwner):
		return problem.ErrLastOwner
	case errors.Is(err, tenancy.ErrConflict):
		return problem.ErrConflict
	case errors.Is(err, tenancy.ErrNotFound):
		return problem.ErrNotFound
	}
	return err
}

func (a *App) changeRole(w http.ResponseWriter, r *http.Request) {
	t, _ := tenancy.FromContext(r.Context())
	var in struct {
		Role string `json:"role"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		problem.Write(w, r, err)
		return
	}
	if _, ok := a.roleSet(in.Role); !ok {
		problem.Write(w, r, invalid("role", "is not a known role"))
		return
	}
	m, err := a.targetMember(r, t)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	if m.User == t.Principal.User {
		cur, _ := a.roleSet(m.Role)
		next, _ := a.roleSet(in.Role)
		if err := rbac.CanChangeOwn(cur, next); err != nil {
			problem.Write(w, r, problem.Wrap(problem.CodePermissionDenied, err))
			return
		}
	} else if err := a.mayGrant(t.Role, in.Role); err != nil {
		problem.Write(w, r, err)
		return
	}
	if err := a.tenancy.ChangeRole(r.Context(), t.Workspace.ID, m.User, m.Role, in.Role); err != nil {
		problem.Write(w, r, storeErr(err))
		return
	}
	_ = a.record(r, string(t.Workspace.ID), t.Principal, audit.ActionMemberRoleChange, audit.Target{Type: "member", ID: string(m.User)},
		map[string]string{"from": m.Role, "to": in.Role})
	email := ""
	if u, err := a.acc.get(r.Context(), m.User); err == nil {
		email = u.Email
	}
	writeJSON(w, http.StatusOK, memberJSON{UserID: string(m.User), Email: email, Role: in.Role})
}

func (a *App) removeMember(w http.ResponseWriter, r *http.Request) {
	t, _ := tenancy.FromContext(r.Context())
	m, err := a.targetMember(r, t)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	if err := a.tenancy.RemoveMember(r.Context(), t.Workspace.ID, m.User); err != nil {
		problem.Write(w, r, storeErr(err))
		return
	}
	_ = a.record(r, string(t.Workspace.ID), t.Principal, audit.ActionMemberRemove, audit.Target{Type: "member", ID: string(m.User)}, nil)
	w.WriteHeader(http.StatusNoContent)
}

// ---- billing ----

// Plans that POST …/billing/subscribe accepts.
var plans = map[string]bool{"pro": true, "business": true}

// billingStatus is "trialing", "trial_expired", "paid" or "none" (no
// trial yet: pending approval).
func billingStatus(w tenancy.Workspace, now time.Time) string {
	switch {
	case w.Plan != "":
		return "paid"
	case w.TrialExpired(now):
		return "trial_expired"
	case w.Trialing():
		return "trialing"
	}
	return "none"
}

func (a *App) billingJSON(ws tenancy.Workspace) map[string]any {
	j := toWorkspaceJSON(ws)
	return map[string]any{"plan": j.Plan, "status": billingStatus(ws, a.clock.Now()), "trialEndsAt": j.TrialEndsAt}
}

func (a *App) getBilling(w http.ResponseWriter, r *http.Request) {
	t, _ := tenancy.FromContext(r.Context())
	writeJSON(w, http.StatusOK, a.billingJSON(t.Workspace))
}

func (a *App) subscribe(w http.ResponseWriter, r *http.Request) {
	t, _ := tenancy.FromContext(r.Context())
	var in struct {
		Plan string `json:"plan"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		problem.Write(w, r, err)
		return
	}
	if !plans[in.Plan] {
		problem.Write(w, r, invalid("plan", "must be pro or business"))
		return
	}
	updated, err := a.lifecycle.Subscribe(a.reqContext(r), t.Principal, t.Workspace.ID, in.Plan)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a.billingJSON(updated))
}

// ---- audit ----

type auditJSON struct {
	ID           string        `json:"id"`
	Time         time.Time     `json:"time"`
	WorkspaceID  string        `json:"workspaceId"`
	Actor        string        `json:"actor"`
	Impersonator *string       `json:"impersonator"`
	Action       string        `json:"action"`
	Target       audit.Target  `json:"target"`
	Outcome      audit.Outcome `json:"outcome"`
	IP           string        `json:"ip"`
	RequestID    string        `json:"requestId"`
	Seq          uint64        `json:"seq"`
	Hash         string        `json:"hash"`
}

func toAuditJSON(e audit.Event) auditJSON {
	j := auditJSON{ID: e.ID, Time: e.Time.UTC(), WorkspaceID: e.Workspace, Actor: e.Actor, Action: string(e.Action),
		Target: e.Target, Outcome: e.Outcome, IP: e.IP, RequestID: e.RequestID, Seq: e.Seq, Hash: e.Hash}
	if e.Impersonator != "" {
		s := e.Impersonator
		j.Impersonator = &s
	}
	return j
}

func (a *App) listAudit(w http.ResponseWriter, r *http.Request) {
	t, _ := tenancy.FromContext(r.Context())
	limit, err := pageLimit(r)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	page, err := a.auditStore.Query(r.Context(), audit.Query{
		Workspace: string(t.Workspace.ID), Limit: limit, Cursor: r.URL.Query().Get("cursor"),
	})
	if err != nil {
		if errors.Is(err, audit.ErrInvalidCursor) {
			err = invalid("cursor", "is not a valid cursor")
		}
		problem.Write(w, r, err)
		return
	}
	items := make([]auditJSON, 0, len(page.Events))
	for _, e := range page.Events {
		if opened, err := a.trail.Open(r.Context(), e); err == nil {
			e = opened
		} else {
			e.IP = audit.Erased
		}
		items = append(items, toAuditJSON(e))
	}
	next := page.NextCursor
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "nextCursor": next})
}

package app

import (
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/internal/jsonbody"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
	"github.com/tenantgate/tenantgate/verify"
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
		// Whole seconds, like the gate's Trial-Ends-At header.
		t := w.TrialEndsAt.UTC().Truncate(time.Second)
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

// workspaceIn is the body of POST /api/workspaces.
type workspaceIn struct {
	Name       string `json:"name"`
	InviteCode string `json:"inviteCode"`
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
	in, err := jsonbody.Decode[workspaceIn](w, r, jsonbody.DefaultLimit)
	if err != nil {
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
		// An erased account has no address; any other failure of the
		// account store fails the whole list closed (never a 200 with
		// addresses silently missing).
		email := ""
		u, err := a.stores.Accounts.UserByID(r.Context(), m.User)
		switch {
		case err == nil:
			email = u.Email
		case !errors.Is(err, ErrNoUser):
			problem.Write(w, r, problem.Wrap(problem.CodeUnavailable, err))
			return
		}
		items = append(items, memberJSON{UserID: string(m.User), Email: email, Role: m.Role})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "nextCursor": next})
}

// inviteJSON is the wire shape of a team invite (never its token).
type inviteJSON struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"workspaceId"`
	Email       string    `json:"email"`
	Role        string    `json:"role"`
	ExpiresAt   time.Time `json:"expiresAt"`
}

// inviteIn is the body of POST …/invites; a workspaceId, when given,
// must name the workspace of the route.
type inviteIn struct {
	Email     string  `json:"email"`
	Role      string  `json:"role"`
	Workspace *string `json:"workspaceId"`
}

// createInvite invites an address with a role under the team service's
// assignment rules, and mails the token (kind invite).
func (a *App) createInvite(w http.ResponseWriter, r *http.Request) {
	t, _ := tenancy.FromContext(r.Context())
	in, err := jsonbody.Decode[inviteIn](w, r, jsonbody.DefaultLimit)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	if in.Workspace != nil && *in.Workspace != string(t.Workspace.ID) {
		problem.Write(w, r, problem.ErrWorkspaceMismatch)
		return
	}
	iss, err := a.team.Invite(a.reqContext(r), t.Principal, t.Workspace.ID, in.Email, in.Role)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	inv := iss.Invite
	a.send(r.Context(), verify.Message{
		To: inv.Email, Kind: verify.KindInvite, Subject: "You are invited to a workspace",
		Text:  "You are invited to join a workspace as " + inv.Role + ". Use this code to accept:\n\n" + iss.Token + "\n",
		Token: iss.Token, Workspace: inv.Workspace, IdempotencyKey: "invite/" + inv.ID,
	})
	writeJSON(w, http.StatusCreated, inviteJSON{ID: inv.ID, WorkspaceID: string(inv.Workspace), Email: inv.Email, Role: inv.Role, ExpiresAt: inv.ExpiresAt.UTC()})
}

// tokenIn is the body of POST /api/invites/accept and
// POST /api/auth/verify.
type tokenIn struct {
	Token string `json:"token"`
}

// acceptInvite makes the caller a member; only a verified user whose
// address is the invite's may redeem it, once.
func (a *App) acceptInvite(w http.ResponseWriter, r *http.Request) {
	p, err := principal(r)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	in, err := jsonbody.Decode[tokenIn](w, r, jsonbody.DefaultLimit)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	u, err := a.stores.Accounts.UserByID(r.Context(), p.User)
	if err != nil {
		problem.Write(w, r, problem.ErrUnauthenticated)
		return
	}
	m, err := a.team.AcceptInvite(a.reqContext(r), p, u.Email, in.Token)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"workspaceId": string(m.Workspace), "userId": string(u.ID), "email": u.Email, "role": m.Role})
}

// pathUser parses the {user} path value; a malformed id is not a member.
func pathUser(r *http.Request) (tenancy.UserID, error) {
	uid, err := tenancy.ParseUserID(r.PathValue("user"))
	if err != nil {
		return "", problem.ErrNotFound
	}
	return uid, nil
}

// roleIn is the body of PATCH …/members/{user}.
type roleIn struct {
	Role string `json:"role"`
}

func (a *App) changeRole(w http.ResponseWriter, r *http.Request) {
	t, _ := tenancy.FromContext(r.Context())
	in, err := jsonbody.Decode[roleIn](w, r, jsonbody.DefaultLimit)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	uid, err := pathUser(r)
	if err == nil {
		err = a.team.ChangeRole(a.reqContext(r), t.Principal, t.Workspace.ID, uid, in.Role)
	}
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	email := ""
	if u, err := a.stores.Accounts.UserByID(r.Context(), uid); err == nil {
		email = u.Email
	}
	writeJSON(w, http.StatusOK, memberJSON{UserID: string(uid), Email: email, Role: in.Role})
}

func (a *App) removeMember(w http.ResponseWriter, r *http.Request) {
	t, _ := tenancy.FromContext(r.Context())
	uid, err := pathUser(r)
	if err == nil {
		err = a.team.RemoveMember(a.reqContext(r), t.Principal, t.Workspace.ID, uid)
	}
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ---- billing ----

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

// planIn is the body of POST …/billing/subscribe.
type planIn struct {
	Plan string `json:"plan"`
}

func (a *App) subscribe(w http.ResponseWriter, r *http.Request) {
	t, _ := tenancy.FromContext(r.Context())
	in, err := jsonbody.Decode[planIn](w, r, jsonbody.DefaultLimit)
	if err != nil {
		problem.Write(w, r, err)
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
			err = jsonbody.Invalid("cursor", "is not a valid cursor")
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

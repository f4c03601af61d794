package app

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

// me returns the caller and their account.
func (a *App) me(r *http.Request) (tenancy.Principal, user, error) {
	p, err := principal(r)
	if err != nil {
		return p, user{}, err
	}
	u, err := a.acc.get(r.Context(), p.User)
	if err != nil {
		return p, user{}, problem.ErrUnauthenticated
	}
	return p, u, nil
}

type codeIn struct {
	Code string `json:"code"`
}

// mfaEnroll starts a TOTP enrollment and shows the seed once.
func (a *App) mfaEnroll(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	p, u, err := a.me(r)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	e, err := a.mfa.Enroll(r.Context(), a.subject(r, p.User, p.Impersonator), u.Email)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, e.RevealResponse())
}

// mfaConfirm turns MFA on with a first code and shows the recovery codes
// once.
func (a *App) mfaConfirm(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	p, _, err := a.me(r)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	var in codeIn
	if err := decodeJSON(w, r, &in); err != nil {
		problem.Write(w, r, err)
		return
	}
	codes, err := a.mfa.Confirm(r.Context(), a.subject(r, p.User, p.Impersonator), in.Code)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]string{"recoveryCodes": codes.Reveal()})
}

// mfaDisable turns MFA off after a step-up with a current code.
func (a *App) mfaDisable(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	p, _, err := a.me(r)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	var in codeIn
	if err := decodeJSON(w, r, &in); err != nil {
		problem.Write(w, r, err)
		return
	}
	if err := a.mfa.Disable(r.Context(), a.subject(r, p.User, p.Impersonator), in.Code); err != nil {
		problem.Write(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// mfaRecoveryCodes replaces the recovery codes after a step-up.
func (a *App) mfaRecoveryCodes(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	p, _, err := a.me(r)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	var in codeIn
	if err := decodeJSON(w, r, &in); err != nil {
		problem.Write(w, r, err)
		return
	}
	codes, err := a.mfa.RegenerateRecoveryCodes(r.Context(), a.subject(r, p.User, p.Impersonator), in.Code)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]string{"recoveryCodes": codes.Reveal()})
}

// export streams the caller's own data as JSON.
func (a *App) export(w http.ResponseWriter, r *http.Request) {
	p, err := principal(r)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	u, err := a.acc.get(r.Context(), p.User)
	if err != nil {
		problem.Write(w, r, problem.ErrUnauthenticated)
		return
	}
	ms, err := a.tenancy.UserMemberships(r.Context(), p.User)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	type membershipJSON struct {
		WorkspaceID string `json:"workspaceId"`
		Role        string `json:"role"`
	}
	out := struct {
		User struct {
			ID            string `json:"id"`
			Email         string `json:"email"`
			EmailVerified bool   `json:"emailVerified"`
			CreatedAt     string `json:"createdAt"`
		} `json:"user"`
		Memberships []membershipJSON `json:"memberships"`
	}{Memberships: []membershipJSON{}}
	out.User.ID, out.User.Email, out.User.EmailVerified = string(u.ID), u.Email, u.Verified
	out.User.CreatedAt = u.CreatedAt.UTC().Format("2006-01-02T15:04:05Z07:00")
	for _, m := range ms {
		out.Memberships = append(out.Memberships, membershipJSON{WorkspaceID: string(m.Workspace), Role: m.Role})
	}
	noStore(w)
	w.Header()["Content-Type"] = []string{"application/json"}
	w.Header()["Content-Disposition"] = []string{`attachment; filename="export.json"`}
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(out)
}

// erase deletes the caller's account after a password step-up; 409
// last_owner while the caller is the last owner of a workspace.
func (a *App) erase(w http.ResponseWriter, r *http.Request) {
	p, err := principal(r)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	if err := tenancy.RefuseImpersonation(p); err != nil {
		problem.Write(w, r, err)
		return
	}
	var in struct {
		Password string  `json:"password"`
		Code     *string `json:"code"`
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
	if !checkPassword(u.PasswordHash, in.Password) {
		problem.Write(w, r, problem.ErrInvalidCredentials)
		return
	}
	code := ""
	if in.Code != nil {
		code = *in.Code
	}
	if _, err := a.mfa.Authenticate(r.Context(), a.subject(r, p.User, ""), code); err != nil {
		problem.Write(w, r, err)
		return
	}
	ms, err := a.tenancy.UserMemberships(r.Context(), p.User)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	for _, m := range ms { // refuse before changing anything
		if m.Role == tenancy.RoleOwner && a.lastOwner(r, m) {
			problem.Write(w, r, problem.ErrLastOwner)
			return
		}
	}
	for _, m := range ms {
		if err := a.tenancy.RemoveMember(r.Context(), m.Workspace, m.User); err != nil && !errors.Is(err, tenancy.ErrNotFound) {
			problem.Write(w, r, storeErr(err))
			return
		}
	}
	a.acc.remove(r.Context(), p.User)
	w.WriteHeader(http.StatusNoContent)
}

// lastOwner reports whether m is the only owner of its workspace.
func (a *App) lastOwner(r *http.Request, m tenancy.Membership) bool {
	owners := 0
	after := tenancy.UserID("")
	for {
		page, err := a.tenancy.Members(r.Context(), m.Workspace, after, 200)
		if err != nil {
			return true // fail closed
		}
		for _, o := range page {
			if o.Role == tenancy.RoleOwner {
				owners++
			}
		}
		if len(page) < 200 {
			return owners <= 1
		}
		after = page[len(page)-1].User
	}
}

package app

import (
	"net/http"
	"time"

	"github.com/tenantgate/tenantgate/internal/jsonbody"
	"github.com/tenantgate/tenantgate/operator"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

// impersonateIn is the body of POST /admin/impersonations.
type impersonateIn struct {
	UserID  string `json:"userId"`
	Reason  string `json:"reason"`
	Minutes int    `json:"minutes"`
}

// startImpersonation is POST /admin/impersonations {"userId","reason",
// "minutes"}: an operator acting as itself gets a session that acts as the
// user until the grant ends (at most the console's maximum). The start is
// recorded in the platform chain before the session exists; every record
// made with the session names both identities. The session cannot reach
// operator routes, change MFA, erase or export the user, or create
// workspaces. Logging out of it records the stop.
func (a *App) startImpersonation(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	p, err := principal(r)
	if err == nil {
		err = tenancy.RequireOperator(p)
	}
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	in, err := jsonbody.Decode[impersonateIn](w, r, jsonbody.DefaultLimit)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	uid, err := tenancy.ParseUserID(in.UserID)
	if err != nil {
		problem.Write(w, r, jsonbody.Invalid("userId", "is not a user id"))
		return
	}
	if _, err := a.stores.Accounts.UserByID(r.Context(), uid); err != nil {
		if err == ErrNoUser {
			err = problem.ErrNotFound
		}
		problem.Write(w, r, err)
		return
	}
	imp, err := a.console.StartImpersonation(a.reqContext(r), p, uid, in.Reason, time.Duration(in.Minutes)*time.Minute)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	tok, err := a.newSessionFor(r, Session{User: uid, Impersonator: p.User, ImpersonationID: imp.ID, ExpiresAt: imp.ExpiresAt})
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{
		"token": tok, "userId": uid, "impersonator": p.User, "impersonationId": imp.ID, "expiresAt": imp.ExpiresAt,
	})
}

// stopImpersonation records the end of the session's grant.
func (a *App) stopImpersonation(r *http.Request, s Session) error {
	return a.console.StopImpersonation(a.reqContext(r), operator.Impersonation{
		ID: s.ImpersonationID, Operator: s.Impersonator, User: s.User, ExpiresAt: s.ExpiresAt,
	})
}

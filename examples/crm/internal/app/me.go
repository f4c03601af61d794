package app

import (
	"context"
	"errors"
	"net/http"

	"github.com/tenantgate/tenantgate/internal/jsonbody"
	"github.com/tenantgate/tenantgate/mfa"
	"github.com/tenantgate/tenantgate/privacy"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/ratelimit"
	"github.com/tenantgate/tenantgate/tenancy"
)

// me returns the caller and their account.
func (a *App) me(r *http.Request) (tenancy.Principal, User, error) {
	p, err := principal(r)
	if err != nil {
		return p, User{}, err
	}
	u, err := a.stores.Accounts.UserByID(r.Context(), p.User)
	if err != nil {
		return p, User{}, problem.ErrUnauthenticated
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

// mfaCodeRequest is the shared head of the MFA routes that take {code}:
// no-store, the caller (401 first), then the body. ok is false once a
// problem has been written.
func (a *App) mfaCodeRequest(w http.ResponseWriter, r *http.Request) (sub mfa.Subject, code string, ok bool) {
	noStore(w)
	p, _, err := a.me(r)
	if err != nil {
		problem.Write(w, r, err)
		return mfa.Subject{}, "", false
	}
	in, err := jsonbody.Decode[codeIn](w, r, jsonbody.DefaultLimit)
	if err != nil {
		problem.Write(w, r, err)
		return mfa.Subject{}, "", false
	}
	return a.subject(r, p.User, p.Impersonator), in.Code, true
}

// mfaCodesRoute serves a {code} route whose answer is a new set of
// recovery codes: 200 with the codes shown once, or act's problem.
func (a *App) mfaCodesRoute(w http.ResponseWriter, r *http.Request, act func(context.Context, mfa.Subject, string) (mfa.RecoveryCodes, error)) {
	sub, code, ok := a.mfaCodeRequest(w, r)
	if !ok {
		return
	}
	codes, err := act(r.Context(), sub, code)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]string{"recoveryCodes": codes.Reveal()})
}

// mfaConfirm turns MFA on with a first code and shows the recovery codes
// once.
func (a *App) mfaConfirm(w http.ResponseWriter, r *http.Request) {
	a.mfaCodesRoute(w, r, a.mfa.Confirm)
}

// mfaDisable turns MFA off after a step-up with a current code.
func (a *App) mfaDisable(w http.ResponseWriter, r *http.Request) {
	sub, code, ok := a.mfaCodeRequest(w, r)
	if !ok {
		return
	}
	if err := a.mfa.Disable(r.Context(), sub, code); err != nil {
		problem.Write(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// mfaRecoveryCodes replaces the recovery codes after a step-up.
func (a *App) mfaRecoveryCodes(w http.ResponseWriter, r *http.Request) {
	a.mfaCodesRoute(w, r, a.mfa.RegenerateRecoveryCodes)
}

// privacyHandlers wires the data-subject routes to the privacy package:
// GET /api/me/export streams the caller's data as JSON; POST /api/me/erase
// {password, code?} erases it after a step-up (the password, and a second
// factor when MFA is on), 409 last_owner while the caller is the last owner
// of a workspace. The example's own account data (user record, sessions)
// goes in AfterErase.
func (a *App) privacyHandlers(pseudonymKey []byte) (*privacy.Handlers, error) {
	ipRule := func(name string, l ratelimit.Limit) privacy.LimiterRule {
		return privacy.LimiterRule{Name: name, Limit: l, By: privacy.ByIP}
	}
	idRule := func(name string, l ratelimit.Limit) privacy.LimiterRule {
		return privacy.LimiterRule{Name: name, Limit: l, By: privacy.ByIdentifier}
	}
	perIP, perEmail := ratelimit.PerHour(ratelimit.DefaultAuthPerIPPerHour), ratelimit.PerHour(ratelimit.DefaultAuthPerEmailPerHour)
	rules := []privacy.LimiterRule{
		idRule("login-email", LoginPerEmail), ipRule("login-ip", LoginPerIP),
		{Name: "workspace", Limit: a.cfg.TenantQuota, By: privacy.ByTenant},
	}
	for _, route := range []string{ratelimit.RouteRegister, ratelimit.RouteForgotPassword, ratelimit.RouteResendVerification} {
		rules = append(rules, ipRule(route+"-ip", perIP), idRule(route+"-email", perEmail))
	}
	svc, err := privacy.New(privacy.Config{
		Members: a.tenancy, Workspaces: a.tenancy, Invites: a.stores.Invites, Roles: a.stores.Roles,
		MFA: a.stores.MFA, Tokens: a.stores.Tokens, Limiter: a.stores.RateLimits, LimiterRules: rules,
		Audit: a.auditStore, Opener: a.trail, Sink: a.trail, Keys: a.stores.SubjectKeys,
		Identities: func(ctx context.Context, user tenancy.UserID) (privacy.Identity, error) {
			u, err := a.stores.Accounts.UserByID(ctx, user)
			if errors.Is(err, ErrNoUser) {
				return privacy.Identity{}, nil
			}
			if err != nil {
				return privacy.Identity{}, err
			}
			return privacy.Identity{Emails: []string{u.Email}}, nil
		},
		PseudonymKey: pseudonymKey, Clock: a.clock, Annotate: annotate,
		AfterErase: func(ctx context.Context, user tenancy.UserID) error {
			return a.stores.Accounts.DeleteUser(ctx, user)
		},
	})
	if err != nil {
		return nil, err
	}
	return svc.Handlers(privacy.StepUp{
		VerifyPassword: func(ctx context.Context, user tenancy.UserID, password string) error {
			u, err := a.stores.Accounts.UserByID(ctx, user)
			if err != nil || !checkPassword(u.PasswordHash, password) {
				return problem.ErrInvalidCredentials
			}
			return nil
		},
		SecondFactor: a.mfa,
	})
}

package privacy

import (
	"context"
	"errors"
	"net/http"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/internal/jsonbody"
	"github.com/tenantgate/tenantgate/mfa"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

// StepUp re-authenticates a user before a self-service erasure.
type StepUp struct {
	// VerifyPassword returns nil when password is user's current password
	// and an error otherwise (required; the host owns passwords). Any
	// error other than a *problem.Error answers 401 invalid_credentials.
	VerifyPassword func(ctx context.Context, user tenancy.UserID, password string) error
	// SecondFactor, when set, requires a current TOTP or recovery code
	// from users with MFA enabled (*mfa.Service).
	SecondFactor SecondFactor
}

// Handlers serves the data-subject routes. Every route expects the host's
// authentication to have put a tenancy.Principal in the request context.
type Handlers struct {
	s    *Service
	step StepUp
}

// Handlers returns the HTTP handlers of s, with step for erasure.
func (s *Service) Handlers(step StepUp) (*Handlers, error) {
	if step.VerifyPassword == nil {
		return nil, errors.New("privacy: StepUp.VerifyPassword is required")
	}
	return &Handlers{s: s, step: step}, nil
}

// MaxBodyBytes is the largest erase body the handlers read (a password
// and a code); a larger one is refused with 413 request_too_large.
const MaxBodyBytes = 4 << 10

// self returns the caller, who must act as themself.
func self(r *http.Request) (tenancy.UserID, error) {
	p, ok := tenancy.PrincipalFromContext(r.Context())
	if !ok || p.User == "" {
		return "", problem.ErrUnauthenticated
	}
	if p.Impersonating() {
		return "", problem.WithDetail(problem.CodePermissionDenied, "Impersonating sessions cannot export or erase a user's data.")
	}
	return p.User, nil
}

// operatorTarget checks the caller is an operator and returns the {user}
// path value.
func operatorTarget(r *http.Request) (tenancy.UserID, error) {
	p, ok := tenancy.PrincipalFromContext(r.Context())
	if !ok || p.User == "" {
		return "", problem.ErrUnauthenticated
	}
	if !p.Operator || p.Impersonating() {
		return "", problem.ErrOperatorOnly
	}
	u, err := tenancy.ParseUserID(r.PathValue("user"))
	if err != nil {
		return "", problem.WithDetail(problem.CodeInvalidRequest, "Invalid user id.")
	}
	return u, nil
}

// forSubject is the frame of every data-subject route: the answer is never
// cached, find names the user the route acts on (self for the caller,
// operatorTarget for an operator's {user} path value) or refuses with its
// problem, and serve answers for that user.
func forSubject(find func(*http.Request) (tenancy.UserID, error), serve func(http.ResponseWriter, *http.Request, tenancy.UserID)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		u, err := find(r)
		if err != nil {
			problem.Write(w, r, err)
			return
		}
		serve(w, r, u)
	})
}

// Export serves GET /api/me/export: the caller's export document (see
// Service.Export), as an attachment that is never cached.
func (h *Handlers) Export() http.Handler {
	return forSubject(self, h.export)
}

// OperatorExport serves an operator's export of the user named by the
// {user} path value (e.g. GET /admin/users/{user}/export). Non-operators
// get 403 operator_only.
func (h *Handlers) OperatorExport() http.Handler {
	return forSubject(operatorTarget, h.export)
}

func (h *Handlers) export(w http.ResponseWriter, r *http.Request, u tenancy.UserID) {
	lw := &lazyWriter{w: w}
	if err := h.s.Export(r.Context(), u, lw); err != nil && !lw.started {
		problem.Write(w, r, err)
	}
}

// lazyWriter sends the success headers with the first byte, so that an
// export failing before it writes anything still answers a problem.
type lazyWriter struct {
	w       http.ResponseWriter
	started bool
}

func (l *lazyWriter) Write(b []byte) (int, error) {
	if !l.started {
		l.started = true
		h := l.w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Disposition", `attachment; filename="export.json"`)
		l.w.WriteHeader(http.StatusOK)
	}
	return l.w.Write(b)
}

type eraseIn struct {
	Password string `json:"password"`
	Code     string `json:"code"`
}

// Erase serves POST /api/me/erase with {"password", "code"?}: after a
// step-up (the password, and a TOTP or recovery code when the user has
// MFA) it erases the caller (Service.Erase) and answers 204. A failed
// step-up answers 401 invalid_credentials, mfa_required or invalid_otp (or
// 423 mfa_locked), is audited as denied and erases nothing; a last owner
// gets 409 last_owner. The body is decoded strictly, before any step-up:
// 415 unsupported_media_type unless it is application/json, 413
// request_too_large over MaxBodyBytes, 400 invalid_request when empty or
// not JSON, 422 validation_failed naming the field for an unknown field, a
// wrong type or data after the object.
func (h *Handlers) Erase() http.Handler {
	return forSubject(self, func(w http.ResponseWriter, r *http.Request, u tenancy.UserID) {
		in, err := jsonbody.Decode[eraseIn](w, r, MaxBodyBytes)
		if err != nil {
			problem.Write(w, r, err)
			return
		}
		if err := h.stepUp(r, u, in); err != nil {
			if rerr := h.s.record(r.Context(), audit.ActionPrivacyErase, userTarget(u), audit.OutcomeDenied,
				map[string]string{"reason": "step_up"}); rerr != nil {
				err = rerr
			}
			problem.Write(w, r, err)
			return
		}
		answerAct(w, r, u, h.s.Erase)
	})
}

func (h *Handlers) stepUp(r *http.Request, u tenancy.UserID, in eraseIn) error {
	if in.Password == "" {
		return problem.ErrInvalidCredentials
	}
	if err := h.step.VerifyPassword(r.Context(), u, in.Password); err != nil {
		var pe *problem.Error
		if errors.As(err, &pe) {
			return err
		}
		return problem.ErrInvalidCredentials
	}
	if h.step.SecondFactor != nil {
		if _, err := h.step.SecondFactor.Authenticate(r.Context(), mfa.Subject{UserID: string(u)}, in.Code); err != nil {
			return err
		}
	}
	return nil
}

// OperatorErase serves an operator's erasure of the {user} path value
// (e.g. POST /admin/users/{user}/erase): 204, or 409 last_owner.
func (h *Handlers) OperatorErase() http.Handler {
	return h.operatorAct(h.s.Erase)
}

// OperatorAnonymize serves an operator's anonymization of the {user} path
// value (e.g. POST /admin/users/{user}/anonymize): 204, or 409 last_owner.
func (h *Handlers) OperatorAnonymize() http.Handler {
	return h.operatorAct(h.s.Anonymize)
}

func (h *Handlers) operatorAct(act func(context.Context, tenancy.UserID) (Result, error)) http.Handler {
	return forSubject(operatorTarget, func(w http.ResponseWriter, r *http.Request, u tenancy.UserID) {
		answerAct(w, r, u, act)
	})
}

// answerAct runs act on user u and answers 204, or act's problem.
func answerAct(w http.ResponseWriter, r *http.Request, u tenancy.UserID, act func(context.Context, tenancy.UserID) (Result, error)) {
	if _, err := act(r.Context(), u); err != nil {
		problem.Write(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// DeleteWorkspace serves the deletion of the {ws} path value by its owner
// or an operator (e.g. DELETE /api/workspaces/{ws}): 204 (see
// Service.DeleteWorkspace for the refusals).
func (h *Handlers) DeleteWorkspace() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := tenancy.ParseWorkspaceID(r.PathValue("ws"))
		if err != nil {
			problem.Write(w, r, problem.ErrInvalidWorkspaceID)
			return
		}
		if err := h.s.DeleteWorkspace(r.Context(), ws); err != nil {
			problem.Write(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

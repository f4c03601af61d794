package privacy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/tenantgate/tenantgate/audit"
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

// maxBody bounds a request body.
const maxBody = 4 << 10

// self returns the caller, who must act as themself.
func self(r *http.Request) (tenancy.Principal, error) {
	p, ok := tenancy.PrincipalFromContext(r.Context())
	if !ok || p.User == "" {
		return p, problem.ErrUnauthenticated
	}
	if p.Impersonating() {
		return p, problem.WithDetail(problem.CodePermissionDenied, "Impersonating sessions cannot export or erase a user's data.")
	}
	return p, nil
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

// Export serves GET /api/me/export: the caller's export document (see
// Service.Export), as an attachment that is never cached.
func (h *Handlers) Export() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		p, err := self(r)
		if err != nil {
			problem.Write(w, r, err)
			return
		}
		h.export(w, r, p.User)
	})
}

// OperatorExport serves an operator's export of the user named by the
// {user} path value (e.g. GET /admin/users/{user}/export). Non-operators
// get 403 operator_only.
func (h *Handlers) OperatorExport() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		u, err := operatorTarget(r)
		if err != nil {
			problem.Write(w, r, err)
			return
		}
		h.export(w, r, u)
	})
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
// gets 409 last_owner.
func (h *Handlers) Erase() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		p, err := self(r)
		if err != nil {
			problem.Write(w, r, err)
			return
		}
		var in eraseIn
		if err := decodeJSON(r, &in); err != nil {
			problem.Write(w, r, err)
			return
		}
		if err := h.stepUp(r, p, in); err != nil {
			if rerr := h.s.record(r.Context(), audit.ActionPrivacyErase, userTarget(p.User), audit.OutcomeDenied,
				map[string]string{"reason": "step_up"}); rerr != nil {
				err = rerr
			}
			problem.Write(w, r, err)
			return
		}
		if _, err := h.s.Erase(r.Context(), p.User); err != nil {
			problem.Write(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func (h *Handlers) stepUp(r *http.Request, p tenancy.Principal, in eraseIn) error {
	if in.Password == "" {
		return problem.ErrInvalidCredentials
	}
	if err := h.step.VerifyPassword(r.Context(), p.User, in.Password); err != nil {
		var pe *problem.Error
		if errors.As(err, &pe) {
			return err
		}
		return problem.ErrInvalidCredentials
	}
	if h.step.SecondFactor != nil {
		if _, err := h.step.SecondFactor.Authenticate(r.Context(), mfa.Subject{UserID: string(p.User)}, in.Code); err != nil {
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
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		u, err := operatorTarget(r)
		if err != nil {
			problem.Write(w, r, err)
			return
		}
		if _, err := act(r.Context(), u); err != nil {
			problem.Write(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
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

// decodeJSON reads one JSON object of at most maxBody bytes with no unknown
// member into v.
func decodeJSON(r *http.Request, v any) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return problem.New(problem.CodeUnsupportedMediaType)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return problem.WithDetail(problem.CodeInvalidRequest, "The request body could not be read.")
	}
	if len(body) > maxBody {
		return problem.New(problem.CodeRequestTooLarge)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return problem.WithDetail(problem.CodeInvalidRequest, "The request body is not the expected JSON object.")
	}
	// Token, not More: More misses a stray '}' or ']' after the object.
	if _, err := dec.Token(); err != io.EOF {
		return problem.WithDetail(problem.CodeInvalidRequest, "The request body holds data after the JSON object.")
	}
	return nil
}

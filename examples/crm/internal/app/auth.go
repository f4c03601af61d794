package app

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

type sessionKey struct{}

// bearer returns the bearer token of r, if any.
func bearer(r *http.Request) (string, bool) {
	v := r.Header["Authorization"]
	if len(v) != 1 {
		return "", false
	}
	tok, ok := strings.CutPrefix(v[0], "Bearer ")
	if !ok || tok == "" || len(tok) > 128 {
		return "", false
	}
	return tok, true
}

// authenticate is the host's authentication middleware: a valid bearer
// session puts a tenancy.Principal in the context. Requests without one
// go on unauthenticated; the gate and the handlers that need a user answer
// 401 unauthenticated.
func (a *App) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := bearer(r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		sess, ok := a.acc.session(r.Context(), tok, a.clock.Now())
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		u, err := a.acc.get(r.Context(), sess.User)
		if err != nil {
			next.ServeHTTP(w, r)
			return
		}
		p := tenancy.Principal{
			User: u.ID, EmailVerified: u.Verified,
			Operator: u.Operator && sess.Impersonator == "", Impersonator: sess.Impersonator,
		}
		next.ServeHTTP(w, r.WithContext(tenancy.WithPrincipal(r.Context(), p)))
	})
}

// principal returns the authenticated caller or 401.
func principal(r *http.Request) (tenancy.Principal, error) {
	p, ok := tenancy.PrincipalFromContext(r.Context())
	if !ok || p.User == "" {
		return tenancy.Principal{}, problem.ErrUnauthenticated
	}
	return p, nil
}

type credentials struct {
	Email        string  `json:"email"`
	Password     string  `json:"password"`
	OTP          *string `json:"otp"`
	RecoveryCode *string `json:"recoveryCode"`
}

func checkPasswordPolicy(pw string, fe *fieldErrors) {
	switch {
	case !utf8.ValidString(pw):
		fe.add("password", "must be valid UTF-8")
	case len(pw) < minPasswordLen:
		fe.add("password", "must be at least 10 characters")
	case len(pw) > maxPasswordLen:
		fe.add("password", "must be at most 256 bytes")
	}
}

// register answers 202 whether or not the address is registered, and does
// the same work (one password hash) in both cases.
func (a *App) register(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		problem.Write(w, r, err)
		return
	}
	email, err := a.checkEmail(in.Email)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	var fe fieldErrors
	checkPasswordPolicy(in.Password, &fe)
	if err := fe.err(); err != nil {
		problem.Write(w, r, err)
		return
	}
	now := a.clock.Now()
	u := user{ID: tenancy.NewUserID(), Email: email, PasswordHash: a.cfg.Password.hash(in.Password), CreatedAt: now}
	if a.acc.create(r.Context(), u) {
		a.sendVerification(r.Context(), u)
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "accepted"})
}

func (a *App) sendVerification(ctx context.Context, u user) {
	tok := a.tokens.issue(tokenRecord{kind: kindVerifyEmail, user: u.ID, email: u.Email, expiresAt: a.clock.Now().Add(verifyTTL)})
	a.send(ctx, Mail{To: u.Email, Kind: kindVerifyEmail, Subject: "Verify your email address",
		Body: "Your verification token: " + tok, Token: tok})
}

// send delivers mail and logs (without secrets) when it fails.
func (a *App) send(ctx context.Context, m Mail) {
	if err := a.mailer.Send(ctx, m); err != nil {
		a.log.Warn("mail not sent", "kind", m.Kind, "err", err)
	}
}

func (a *App) verifyEmail(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Token string `json:"token"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		problem.Write(w, r, err)
		return
	}
	rec, err := a.tokens.redeem(in.Token, kindVerifyEmail, a.clock.Now())
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	err = a.acc.update(r.Context(), rec.user, func(u *user) {
		if u.Email == rec.email {
			u.Verified = true
		}
	})
	if err != nil {
		problem.Write(w, r, problem.ErrInvalidToken)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "verified"})
}

func (a *App) resendVerification(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email string `json:"email"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		problem.Write(w, r, err)
		return
	}
	if email, err := normalizeEmail(in.Email); err == nil {
		if u, err := a.acc.byEmailAddr(r.Context(), email); err == nil && !u.Verified {
			a.sendVerification(r.Context(), u)
		}
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "accepted"})
}

// login checks the password (hashing a dummy one for unknown addresses, so
// both take the same time) and opens a session.
func (a *App) login(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	var in credentials
	if err := decodeJSON(w, r, &in); err != nil {
		problem.Write(w, r, err)
		return
	}
	email, _ := normalizeEmail(in.Email)
	u, err := a.acc.byEmailAddr(r.Context(), email)
	if err != nil {
		checkPassword(a.dummyHash, in.Password)
		problem.Write(w, r, problem.ErrInvalidCredentials)
		return
	}
	if !checkPassword(u.PasswordHash, in.Password) {
		problem.Write(w, r, problem.ErrInvalidCredentials)
		return
	}
	tok := a.acc.newSession(r.Context(), session{User: u.ID, ExpiresAt: a.clock.Now().Add(sessionTTL)})
	writeJSON(w, http.StatusOK, map[string]string{"token": tok, "userId": string(u.ID)})
}

func (a *App) logout(w http.ResponseWriter, r *http.Request) {
	if _, err := principal(r); err != nil {
		problem.Write(w, r, err)
		return
	}
	tok, _ := bearer(r)
	a.acc.endSession(r.Context(), tok)
	w.WriteHeader(http.StatusNoContent)
}

func (a *App) forgotPassword(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email string `json:"email"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		problem.Write(w, r, err)
		return
	}
	if email, err := normalizeEmail(in.Email); err == nil {
		if u, err := a.acc.byEmailAddr(r.Context(), email); err == nil {
			tok := a.tokens.issue(tokenRecord{kind: kindResetPassword, user: u.ID, email: u.Email, expiresAt: a.clock.Now().Add(resetTTL)})
			a.send(r.Context(), Mail{To: u.Email, Kind: kindResetPassword, Subject: "Reset your password",
				Body: "Your password reset token: " + tok, Token: tok})
		}
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "accepted"})
}

func (a *App) resetPassword(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	var in struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		problem.Write(w, r, err)
		return
	}
	var fe fieldErrors
	checkPasswordPolicy(in.Password, &fe)
	if err := fe.err(); err != nil {
		problem.Write(w, r, err)
		return
	}
	rec, err := a.tokens.redeem(in.Token, kindResetPassword, a.clock.Now())
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	hash := a.cfg.Password.hash(in.Password)
	if err := a.acc.update(r.Context(), rec.user, func(u *user) { u.PasswordHash = hash }); err != nil {
		if errors.Is(err, errNoUser) {
			err = problem.ErrInvalidToken
		}
		problem.Write(w, r, err)
		return
	}
	a.acc.endSessions(r.Context(), rec.user)
	writeJSON(w, http.StatusOK, map[string]string{"status": "password_reset"})
}

// checkEmail parses an address for registration: 400 invalid_email when
// malformed, 422 disposable_email for a throwaway domain.
func (a *App) checkEmail(s string) (string, error) {
	return normalizeEmail(s)
}

package app

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tenantgate/tenantgate/disposable"
	"github.com/tenantgate/tenantgate/internal/jsonbody"
	"github.com/tenantgate/tenantgate/mfa"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/ratelimit"
	"github.com/tenantgate/tenantgate/tenancy"
	"github.com/tenantgate/tenantgate/verify"
)

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
		sess, ok, err := a.session(r.Context(), tok, a.clock.Now())
		if err != nil {
			problem.Write(w, r, problem.Wrap(problem.CodeUnavailable, err))
			return
		}
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		u, err := a.stores.Accounts.UserByID(r.Context(), sess.User)
		if err != nil {
			if err != ErrNoUser {
				problem.Write(w, r, problem.Wrap(problem.CodeUnavailable, err))
				return
			}
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

// passwordPolicy returns 422 validation_failed naming the password field
// when pw is not valid UTF-8 or its length is out of bounds, nil otherwise.
func passwordPolicy(pw string) error {
	var fe fieldErrors
	switch {
	case !utf8.ValidString(pw):
		fe.add("password", "must be valid UTF-8")
	case len(pw) < minPasswordLen:
		fe.add("password", "must be at least 10 characters")
	case len(pw) > maxPasswordLen:
		fe.add("password", "must be at most 256 bytes")
	}
	return fe.err()
}

// tokenAccountErr maps an account update made with a redeemed token: the
// account gone (or no longer holding the token's address) is 400
// invalid_token, like a bad token.
func tokenAccountErr(err error) error {
	if errors.Is(err, ErrNoUser) {
		return problem.ErrInvalidToken
	}
	return err
}

// findUser is the verify.UserFinder over the example's accounts.
func (a *App) findUser(ctx context.Context, email string) (verify.User, bool, error) {
	u, err := a.stores.Accounts.UserByEmail(ctx, email)
	if errors.Is(err, ErrNoUser) {
		return verify.User{}, false, nil
	}
	if err != nil {
		return verify.User{}, false, err
	}
	return verify.User{ID: u.ID, Verified: u.Verified}, true, nil
}

// userWorkspaces lists the workspaces a user belongs to (MFA events are
// recorded in each of their chains).
func (a *App) userWorkspaces(ctx context.Context, userID string) ([]string, error) {
	ms, err := a.tenancy.UserMemberships(ctx, tenancy.UserID(userID))
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, string(m.Workspace))
	}
	return out, nil
}

// accepted is the one answer of register, resend and forgot. Resend and
// forgot give it for every address, even a malformed one (nothing is sent
// then); register refuses a malformed (400 invalid_email) or throwaway
// (422 disposable_email) address, since it cannot create an account for
// it — answers about the address, never about an account.
var accepted = map[string]string{"status": "accepted"}

// registerIn is the body of POST /api/auth/register.
type registerIn struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// register answers 202 whether or not the address is registered, and does
// the same work (one password hash) in both cases. Malformed addresses are
// 400 invalid_email and throwaway domains 422 disposable_email: answers
// about the address, never about the account.
func (a *App) register(w http.ResponseWriter, r *http.Request) {
	in, err := jsonbody.Decode[registerIn](w, r, jsonbody.DefaultLimit)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	addr, err := a.disp.Check(in.Email)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	if err := passwordPolicy(in.Password); err != nil {
		problem.Write(w, r, err)
		return
	}
	u := User{ID: tenancy.NewUserID(), Email: addr.String(), PasswordHash: a.cfg.Password.hash(in.Password), CreatedAt: a.clock.Now()}
	switch err := a.stores.Accounts.CreateUser(r.Context(), u); {
	case err == nil:
		if err := a.verify.Issue(r.Context(), verify.PurposeVerifyEmail, u.ID, u.Email); err != nil {
			a.log.WarnContext(r.Context(), "verification mail not sent", slog.String("user", string(u.ID)), slog.String("err", err.Error()))
		}
	case errors.Is(err, ErrEmailTaken):
		// The same answer as for a new address; the existing account is
		// left alone.
	default:
		problem.Write(w, r, problem.Wrap(problem.CodeUnavailable, err))
		return
	}
	writeJSON(w, http.StatusAccepted, accepted)
}

func (a *App) verifyEmail(w http.ResponseWriter, r *http.Request) {
	in, err := jsonbody.Decode[tokenIn](w, r, jsonbody.DefaultLimit)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	rec, err := a.verify.Redeem(r.Context(), verify.PurposeVerifyEmail, in.Token)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	// Only if the account still has the address the token was sent to.
	if err := a.stores.Accounts.MarkVerified(r.Context(), rec.User, rec.Email); err != nil {
		problem.Write(w, r, tokenAccountErr(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "verified"})
}

// emailIn is the body of POST /api/auth/resend-verification and
// POST /api/auth/forgot-password.
type emailIn struct {
	Email string `json:"email"`
}

// acceptEmail serves a route whose body is {email}: send does the work and
// the answer is 202 accepted for every address, even a malformed one
// (invalid_email from send is not an answer); other errors are problems.
func acceptEmail(w http.ResponseWriter, r *http.Request, send func(ctx context.Context, email string) error) {
	in, err := jsonbody.Decode[emailIn](w, r, jsonbody.DefaultLimit)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	if err := send(r.Context(), in.Email); err != nil && !errors.Is(err, problem.ErrInvalidEmail) {
		problem.Write(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, accepted)
}

func (a *App) resendVerification(w http.ResponseWriter, r *http.Request) {
	acceptEmail(w, r, a.verify.ResendVerification)
}

// subject is the MFA subject of a request by user u.
func (a *App) subject(r *http.Request, u tenancy.UserID, impersonator tenancy.UserID) mfa.Subject {
	return mfa.Subject{UserID: string(u), Impersonator: string(impersonator), IP: a.clientIP(r), RequestID: requestID(r)}
}

// login checks the password (hashing a dummy one for unknown addresses, so
// both take the same time), then the second factor when MFA is on (401
// mfa_required without a code), and opens a session.
func (a *App) login(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	in, err := jsonbody.Decode[credentials](w, r, jsonbody.DefaultLimit)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	email, _ := disposable.Normalize(in.Email)
	if err := a.countLogin(r, email); err != nil {
		problem.Write(w, r, err)
		return
	}
	u, err := a.stores.Accounts.UserByEmail(r.Context(), email)
	if err != nil {
		if !errors.Is(err, ErrNoUser) {
			problem.Write(w, r, problem.Wrap(problem.CodeUnavailable, err))
			return
		}
		checkPassword(a.dummyHash, in.Password)
		problem.Write(w, r, problem.ErrInvalidCredentials)
		return
	}
	if !checkPassword(u.PasswordHash, in.Password) {
		problem.Write(w, r, problem.ErrInvalidCredentials)
		return
	}
	code := ""
	switch {
	case in.OTP != nil && in.RecoveryCode != nil:
		problem.Write(w, r, jsonbody.Invalid("otp", "give either otp or recoveryCode"))
		return
	case in.OTP != nil:
		code = *in.OTP
	case in.RecoveryCode != nil:
		code = *in.RecoveryCode
	}
	if _, err := a.mfa.Authenticate(r.Context(), a.subject(r, u.ID, ""), code); err != nil {
		problem.Write(w, r, err)
		return
	}
	if err := a.loginEmail.Reset(r.Context(), email); err != nil {
		a.log.WarnContext(r.Context(), "login counter not reset", slog.String("err", err.Error()))
	}
	tok, err := a.newSession(r.Context(), u.ID)
	if err != nil {
		problem.Write(w, r, problem.Wrap(problem.CodeUnavailable, err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"token": tok, "userId": string(u.ID)})
}

// Login attempt limits: each attempt is counted before the password is
// checked (so concurrent guesses cannot all slip through); a successful
// login clears the account's count, never the IP's.
var (
	LoginPerEmail = ratelimit.Limit{N: 10, Window: 15 * time.Minute}
	LoginPerIP    = ratelimit.Limit{N: 100, Window: 15 * time.Minute}
)

// countLogin counts one login attempt for the address and the client IP;
// over either limit it is 429 rate_limited with Retry-After. Unknown and
// registered addresses are counted alike.
func (a *App) countLogin(r *http.Request, email string) error {
	now := a.clock.Now()
	for _, c := range []struct {
		name string
		ctr  *ratelimit.Counter
		key  string
	}{{"login-ip", a.loginIP, a.ipKey(r)}, {"login-email", a.loginEmail, email}} {
		d, err := c.ctr.Hit(r.Context(), c.key, now)
		if err != nil {
			a.log.ErrorContext(r.Context(), "rate limit store failure",
				slog.String("rule", c.name), slog.String("requestId", requestID(r)), slog.String("err", err.Error()))
			return problem.Wrap(problem.CodeUnavailable, err)
		}
		if !d.Allowed {
			secs := int64((d.RetryAfter + time.Second - 1) / time.Second)
			return &problem.Error{Code: problem.CodeRateLimited, RetryAfterSeconds: max(secs, 1)}
		}
	}
	return nil
}

func (a *App) logout(w http.ResponseWriter, r *http.Request) {
	if _, err := principal(r); err != nil {
		problem.Write(w, r, err)
		return
	}
	tok, _ := bearer(r)
	h, ok := sessionHash(tok)
	if !ok { // authenticate refused it already; never a store lookup
		problem.Write(w, r, problem.ErrUnauthenticated)
		return
	}
	if s, err := a.stores.Accounts.SessionByHash(r.Context(), h); err == nil && s.ImpersonationID != "" {
		if err := a.stopImpersonation(r, s); err != nil {
			problem.Write(w, r, err) // retry: the session stays until the stop is recorded
			return
		}
	}
	if err := a.stores.Accounts.DeleteSession(r.Context(), h); err != nil {
		problem.Write(w, r, problem.Wrap(problem.CodeUnavailable, err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *App) forgotPassword(w http.ResponseWriter, r *http.Request) {
	acceptEmail(w, r, a.verify.RequestPasswordReset)
}

// resetIn is the body of POST /api/auth/reset-password.
type resetIn struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// resetPassword sets a new password with a reset token and ends every
// session of the account.
func (a *App) resetPassword(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	in, err := jsonbody.Decode[resetIn](w, r, jsonbody.DefaultLimit)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	if err := passwordPolicy(in.Password); err != nil {
		problem.Write(w, r, err)
		return
	}
	rec, err := a.verify.Redeem(r.Context(), verify.PurposeResetPassword, in.Token)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	if err := a.stores.Accounts.SetPasswordHash(r.Context(), rec.User, rec.Email, a.cfg.Password.hash(in.Password)); err != nil {
		problem.Write(w, r, tokenAccountErr(err))
		return
	}
	if err := a.stores.Accounts.DeleteSessions(r.Context(), rec.User); err != nil {
		problem.Write(w, r, problem.Wrap(problem.CodeUnavailable, err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "password_reset"})
}

package tenancy

import (
	"errors"
	"net/http"

	"github.com/tenantgate/tenantgate/problem"
)

// ErrImpersonation is the cause (reachable with errors.Is) of the error
// RefuseImpersonation returns. The catalogue has no code of its own for it:
// the HTTP answer is 403 permission_denied with a detail saying the action
// is not allowed while impersonating, so clients need no new code and
// errors.Is(err, problem.ErrPermissionDenied) holds too.
var ErrImpersonation = errors.New("tenancy: not allowed while impersonating")

// RefuseImpersonation returns nil when p acts as itself, and a 403
// permission_denied error wrapping ErrImpersonation when an operator is
// impersonating p.User. Packages that change credentials or ownership (MFA
// enrollment and removal, recovery codes, password, email, ownership
// transfer, account erasure) call it first.
func RefuseImpersonation(p Principal) error {
	if !p.Impersonating() {
		return nil
	}
	return &problem.Error{
		Code:   problem.CodePermissionDenied,
		Detail: "This action is not allowed while impersonating a user.",
		Err:    ErrImpersonation,
	}
}

// RequireOperator returns nil when p is an operator acting as itself, and a
// 403 operator_only error otherwise: for anonymous callers, ordinary users
// (workspace owners included) and every impersonating principal, even one
// whose Operator flag is set.
func RequireOperator(p Principal) error {
	if p.User == "" || !p.Operator || p.Impersonating() {
		return problem.ErrOperatorOnly
	}
	return nil
}

// NoImpersonation is middleware that refuses requests whose principal is
// impersonated (403 permission_denied, see RefuseImpersonation), written
// with deny (problem.Write when nil). Requests without a principal pass:
// authentication is another gate's job.
func NoImpersonation(deny problem.Writer) func(http.Handler) http.Handler {
	if deny == nil {
		deny = problem.Write
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if p, ok := PrincipalFromContext(r.Context()); ok {
				if err := RefuseImpersonation(p); err != nil {
					deny(w, r, err)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

package tenancy_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

func TestRequireOperator(t *testing.T) {
	cases := []struct {
		name string
		p    tenancy.Principal
		ok   bool
	}{
		{"operator", operator, true},
		{"anonymous with operator flag", tenancy.Principal{Operator: true}, false},
		{"user", bob, false},
		{"owner", alice, false},
		{"impersonating operator with flag", impersonatingOp, false},
		{"impersonating operator", tenancy.Principal{User: "u-alice", Impersonator: "u-op"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tenancy.RequireOperator(tc.p)
			if tc.ok {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, problem.ErrOperatorOnly)
		})
	}
}

func TestRefuseImpersonation(t *testing.T) {
	assert.NoError(t, tenancy.RefuseImpersonation(alice))
	assert.NoError(t, tenancy.RefuseImpersonation(operator))
	err := tenancy.RefuseImpersonation(tenancy.Principal{User: "u-alice", Impersonator: "u-op"})
	assert.ErrorIs(t, err, tenancy.ErrImpersonation)
	assert.ErrorIs(t, err, problem.ErrPermissionDenied)
	assert.False(t, errors.Is(problem.ErrPermissionDenied, tenancy.ErrImpersonation),
		"an ordinary permission denial is not an impersonation refusal")
	assert.Equal(t, 403, problem.From(err).Status())
}

// TestNoImpersonation_RefusesMFAChangeAttack mounts the guard in front of a
// credential-changing handler and sends it as an impersonating operator.
func TestNoImpersonation_RefusesMFAChangeAttack(t *testing.T) {
	ran := false
	h := tenancy.NoImpersonation(nil)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		ran = true
		w.WriteHeader(http.StatusNoContent)
	}))
	send := func(p tenancy.Principal) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/api/me/mfa/totp/disable", nil)
		r = r.WithContext(tenancy.WithPrincipal(r.Context(), p))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	w := send(tenancy.Principal{User: "u-alice", EmailVerified: true, Impersonator: "u-op"})
	assert.Equal(t, 403, w.Code)
	assert.Contains(t, w.Body.String(), `"code":"permission_denied"`)
	assert.False(t, ran, "the handler never runs")

	w = send(alice)
	require.Equal(t, 204, w.Code)
	assert.True(t, ran)
}

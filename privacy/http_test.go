package privacy_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/mfa"
	"github.com/tenantgate/tenantgate/privacy"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

const goodPassword = "correct horse battery staple"

// fakeMFA: zed has MFA and accepts only 123456.
type fakeMFA struct{}

func (fakeMFA) Authenticate(_ context.Context, sub mfa.Subject, code string) (mfa.Result, error) {
	if sub.UserID != string(zed) {
		return mfa.Result{}, nil
	}
	switch code {
	case "":
		return mfa.Result{}, problem.ErrMFARequired
	case "123456":
		return mfa.Result{Factor: mfa.FactorTOTP}, nil
	}
	return mfa.Result{}, problem.ErrInvalidOTP
}

func handlers(t *testing.T, f *fixture) *privacy.Handlers {
	t.Helper()
	h, err := f.svc.Handlers(privacy.StepUp{
		VerifyPassword: func(_ context.Context, _ tenancy.UserID, pw string) error {
			if pw != goodPassword {
				return errors.New("mismatch")
			}
			return nil
		},
		SecondFactor: fakeMFA{},
	})
	require.NoError(t, err)
	return h
}

func mux(h *privacy.Handlers) *http.ServeMux {
	m := http.NewServeMux()
	m.Handle("GET /api/me/export", h.Export())
	m.Handle("POST /api/me/erase", h.Erase())
	m.Handle("GET /admin/users/{user}/export", h.OperatorExport())
	m.Handle("POST /admin/users/{user}/erase", h.OperatorErase())
	m.Handle("POST /admin/users/{user}/anonymize", h.OperatorAnonymize())
	m.Handle("DELETE /api/workspaces/{ws}", h.DeleteWorkspace())
	return m
}

func do(m http.Handler, ctx context.Context, method, path, ctype, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body)).WithContext(ctx)
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	w := httptest.NewRecorder()
	m.ServeHTTP(w, r)
	return w
}

func problemCode(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var b struct {
		Code string `json:"code"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &b), w.Body.String())
	return b.Code
}

func impersonated() context.Context {
	return tenancy.WithPrincipal(context.Background(), tenancy.Principal{User: zed, Impersonator: "u-op"})
}

func TestEraseHandler_StepUpAttacks(t *testing.T) {
	cases := []struct {
		name   string
		ctx    context.Context
		ctype  string
		body   string
		status int
		code   problem.Code
	}{
		{"anonymous", context.Background(), "application/json", `{"password":"` + goodPassword + `","code":"123456"}`, 401, problem.CodeUnauthenticated},
		{"impersonating operator", impersonated(), "application/json", `{"password":"` + goodPassword + `","code":"123456"}`, 403, problem.CodePermissionDenied},
		{"wrong password", as(zed), "application/json", `{"password":"guess","code":"123456"}`, 401, problem.CodeInvalidCredentials},
		{"no password", as(zed), "application/json", `{"code":"123456"}`, 401, problem.CodeInvalidCredentials},
		{"no totp with mfa on", as(zed), "application/json", `{"password":"` + goodPassword + `"}`, 401, problem.CodeMFARequired},
		{"wrong totp", as(zed), "application/json", `{"password":"` + goodPassword + `","code":"000000"}`, 401, problem.CodeInvalidOTP},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.seed(t)
			before := dump(f.ten) + dump(f.inv) + dump(f.mfa) + dump(f.tok) + dump(f.rl)
			w := do(mux(handlers(t, f)), tc.ctx, http.MethodPost, "/api/me/erase", tc.ctype, tc.body)
			assert.Equal(t, tc.status, w.Code, w.Body.String())
			assert.Equal(t, string(tc.code), problemCode(t, w))
			assert.Equal(t, before, dump(f.ten)+dump(f.inv)+dump(f.mfa)+dump(f.tok)+dump(f.rl), "nothing erased")
			assert.Empty(t, f.erased)
			assert.NotEmpty(t, f.findable(t, canaryName))
		})
	}
}

// TestEraseHandler_BodyAttacks: a body that is not exactly one
// {"password","code"} object is refused like everywhere else in the
// library (415, 413, 400, or 422 validation_failed naming the field), even
// when it carries the right password and code; nothing is erased.
func TestEraseHandler_BodyAttacks(t *testing.T) {
	good := `"password":"` + goodPassword + `","code":"123456"`
	cases := []struct {
		name   string
		ctype  []string
		body   string
		status int
		code   problem.Code
		field  string
	}{
		{"form body", []string{"application/x-www-form-urlencoded"}, `password=x`, 415, problem.CodeUnsupportedMediaType, ""},
		{"no content type", nil, `{` + good + `}`, 415, problem.CodeUnsupportedMediaType, ""},
		{"two content types", []string{"application/json", "text/plain"}, `{` + good + `}`, 415, problem.CodeUnsupportedMediaType, ""},
		{"latin-1 charset", []string{"application/json; charset=iso-8859-1"}, `{` + good + `}`, 415, problem.CodeUnsupportedMediaType, ""},
		{"huge body", []string{"application/json"}, `{` + good + `,"x":"` + strings.Repeat("a", privacy.MaxBodyBytes) + `"}`, 413, problem.CodeRequestTooLarge, ""},
		{"empty body", []string{"application/json"}, ``, 400, problem.CodeInvalidRequest, ""},
		{"not json", []string{"application/json"}, `password=` + goodPassword, 400, problem.CodeInvalidRequest, ""},
		{"unknown member", []string{"application/json"}, `{` + good + `,"user":"u-ann"}`, 422, problem.CodeValidationFailed, "user"},
		{"password not a string", []string{"application/json"}, `{"password":["` + goodPassword + `"],"code":"123456"}`, 422, problem.CodeValidationFailed, "password"},
		{"code not a string", []string{"application/json"}, `{"password":"` + goodPassword + `","code":123456}`, 422, problem.CodeValidationFailed, "code"},
		{"array body", []string{"application/json"}, `[{` + good + `}]`, 422, problem.CodeValidationFailed, ""},
		{"two values", []string{"application/json"}, `{` + good + `}{}`, 422, problem.CodeValidationFailed, ""},
		// json.Decoder.More does not see a stray closing brace or bracket.
		{"trailing brace", []string{"application/json"}, `{` + good + `}}`, 422, problem.CodeValidationFailed, ""},
		{"trailing bracket", []string{"application/json"}, `{` + good + `}]`, 422, problem.CodeValidationFailed, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.seed(t)
			before := dump(f.ten) + dump(f.inv) + dump(f.mfa) + dump(f.tok) + dump(f.rl)
			r := httptest.NewRequest(http.MethodPost, "/api/me/erase", strings.NewReader(tc.body)).WithContext(as(zed))
			if tc.ctype != nil {
				r.Header["Content-Type"] = tc.ctype
			}
			w := httptest.NewRecorder()
			mux(handlers(t, f)).ServeHTTP(w, r)
			assert.Equal(t, tc.status, w.Code, w.Body.String())
			var pb struct {
				Code   problem.Code         `json:"code"`
				Errors []problem.FieldError `json:"errors"`
			}
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &pb), w.Body.String())
			assert.Equal(t, tc.code, pb.Code)
			if tc.code == problem.CodeValidationFailed {
				require.Len(t, pb.Errors, 1, w.Body.String())
				assert.Equal(t, tc.field, pb.Errors[0].Field)
			} else {
				assert.Empty(t, pb.Errors)
			}
			assert.Equal(t, before, dump(f.ten)+dump(f.inv)+dump(f.mfa)+dump(f.tok)+dump(f.rl), "nothing erased")
			assert.Empty(t, f.erased)
			assert.NotEmpty(t, f.findable(t, canaryName))
		})
	}
}

func TestEraseHandler_StepUpFailureIsAudited(t *testing.T) {
	f := newFixture(t)
	f.seed(t)
	w := do(mux(handlers(t, f)), as(zed), http.MethodPost, "/api/me/erase", "application/json", `{"password":"guess"}`)
	require.Equal(t, http.StatusUnauthorized, w.Code)
	evs := f.platformEvents(t, audit.ActionPrivacyErase)
	require.Len(t, evs, 1)
	assert.Equal(t, audit.OutcomeDenied, evs[0].Outcome)
	assert.Equal(t, "step_up", evs[0].Metadata["reason"])
}

func TestEraseHandler_Success(t *testing.T) {
	f := newFixture(t)
	f.seed(t)
	w := do(mux(handlers(t, f)), as(zed), http.MethodPost, "/api/me/erase", "application/json; charset=utf-8",
		`{"password":"`+goodPassword+`","code":"123456"}`)
	require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
	assert.Equal(t, []tenancy.UserID{zed}, f.erased)
	assert.Empty(t, f.findable(t, canaryEmail))
	f.verifyAll(t)
}

func TestEraseHandler_LastOwner(t *testing.T) {
	f := newFixture(t)
	f.seed(t)
	require.NoError(t, f.ten.ChangeRole(context.Background(), "ws-zed", bob, tenancy.RoleOwner, "admin"))
	w := do(mux(handlers(t, f)), as(zed), http.MethodPost, "/api/me/erase", "application/json",
		`{"password":"`+goodPassword+`","code":"123456"}`)
	assert.Equal(t, http.StatusConflict, w.Code)
	assert.Equal(t, "last_owner", problemCode(t, w))
}

func TestExportHandler(t *testing.T) {
	f := newFixture(t)
	f.seed(t)
	m := mux(handlers(t, f))
	w := do(m, as(zed), http.MethodGet, "/api/me/export", "", "")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	assert.Contains(t, w.Header().Get("Content-Disposition"), "attachment")
	var doc map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &doc))
	assert.Equal(t, string(zed), doc["user"])

	w = do(m, impersonated(), http.MethodGet, "/api/me/export", "", "")
	assert.Equal(t, http.StatusForbidden, w.Code)
	assert.Equal(t, "permission_denied", problemCode(t, w))
	w = do(m, context.Background(), http.MethodGet, "/api/me/export", "", "")
	assert.Equal(t, http.StatusUnauthorized, w.Code)
}

func TestExportHandler_StoreFailureBeforeFirstByteIsAProblem(t *testing.T) {
	f := newFixture(t, func(c *privacy.Config) {
		c.Identities = func(context.Context, tenancy.UserID) (privacy.Identity, error) {
			return privacy.Identity{}, errors.New("user db down: secret detail")
		}
	})
	w := do(mux(handlers(t, f)), as(zed), http.MethodGet, "/api/me/export", "", "")
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.Equal(t, "unavailable", problemCode(t, w))
	assert.NotContains(t, w.Body.String(), "secret detail")
}

func TestOperatorRoutes(t *testing.T) {
	cases := []struct {
		name, method, path string
		ctx                context.Context
		status             int
		code               string
	}{
		{"user cannot export another", http.MethodGet, "/admin/users/u-zed/export", as(ann), 403, "operator_only"},
		{"user cannot erase another", http.MethodPost, "/admin/users/u-zed/erase", as(ann), 403, "operator_only"},
		{"impersonating operator", http.MethodPost, "/admin/users/u-zed/anonymize", tenancy.WithPrincipal(context.Background(),
			tenancy.Principal{User: ann, Impersonator: "u-op"}), 403, "operator_only"},
		{"anonymous", http.MethodPost, "/admin/users/u-zed/erase", context.Background(), 401, "unauthenticated"},
		{"bad user id", http.MethodPost, "/admin/users/U-ZED/erase", asOperator(), 400, "invalid_request"},
		{"operator export", http.MethodGet, "/admin/users/u-zed/export", asOperator(), 200, ""},
		{"operator anonymize", http.MethodPost, "/admin/users/u-zed/anonymize", asOperator(), 204, ""},
		{"operator erase", http.MethodPost, "/admin/users/u-zed/erase", asOperator(), 204, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.seed(t)
			w := do(mux(handlers(t, f)), tc.ctx, tc.method, tc.path, "", "")
			require.Equal(t, tc.status, w.Code, w.Body.String())
			if tc.code != "" {
				assert.Equal(t, tc.code, problemCode(t, w))
				assert.NotEmpty(t, f.findable(t, canaryEmail), "nothing erased")
			}
		})
	}
}

func TestDeleteWorkspaceHandler(t *testing.T) {
	f := newFixture(t)
	f.seed(t)
	m := mux(handlers(t, f))
	w := do(m, as("u-carl"), http.MethodDelete, "/api/workspaces/ws-acme", "", "")
	assert.Equal(t, http.StatusForbidden, w.Code)
	assert.Equal(t, "permission_denied", problemCode(t, w))
	w = do(m, as(ann), http.MethodDelete, "/api/workspaces/ws-acme", "", "")
	assert.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
	w = do(m, as(ann), http.MethodDelete, "/api/workspaces/ws-acme", "", "")
	assert.Equal(t, http.StatusForbidden, w.Code, "gone: now a non-member")
	assert.Equal(t, "workspace_forbidden", problemCode(t, w))
}

func TestHandlers_NeedPasswordCheck(t *testing.T) {
	f := newFixture(t)
	_, err := f.svc.Handlers(privacy.StepUp{})
	assert.ErrorContains(t, err, "privacy: ")
}

// FuzzEraseBody sends arbitrary bodies to the erase route: it never erases
// without the password and the TOTP, and always answers a catalogue status.
func FuzzEraseBody(f *testing.F) {
	f.Add(`{"password":"x","code":"1"}`)
	f.Add(`{"password":"` + goodPassword + `","code":"123456"}`)
	f.Add(`{"PASSWORD":"` + goodPassword + `","Code":"123456"}`)
	f.Add(`{"password":"` + goodPassword + `","code":"123456","password":"x"}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, body string) {
		fx := newFixture(t)
		fx.seed(t)
		w := do(mux(handlers(t, fx)), as(zed), http.MethodPost, "/api/me/erase", "application/json", body)
		var in struct{ Password, Code string }
		ok := json.Unmarshal([]byte(body), &in) == nil && in.Password == goodPassword && in.Code == "123456"
		if w.Code == http.StatusNoContent {
			require.True(t, ok, "erased without step-up: %q", body)
			return
		}
		require.Contains(t, []int{400, 401, 413, 422}, w.Code, body)
		require.Empty(t, fx.erased)
	})
}

package tenancy_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

type resolveCase struct {
	name    string
	req     func() *http.Request
	want    tenancy.WorkspaceID
	present bool
	err     error
}

func runResolve(t *testing.T, res tenancy.WorkspaceResolver, cases []resolveCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id, present, err := res.ResolveWorkspace(c.req())
			if c.err != nil {
				assert.ErrorIs(t, err, c.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.present, present)
			assert.Equal(t, c.want, id)
		})
	}
}

func reqWith(f func(r *http.Request)) func() *http.Request {
	return func() *http.Request {
		r := httptest.NewRequest("GET", "http://app.example.com/x", nil)
		f(r)
		return r
	}
}

func TestFromHeader(t *testing.T) {
	runResolve(t, tenancy.FromHeader("x-workspace-id"), []resolveCase{
		{"absent", reqWith(func(r *http.Request) {}), "", false, nil},
		{"present", reqWith(func(r *http.Request) { r.Header.Set("X-Workspace-ID", "acme") }), "acme", true, nil},
		{"repeated equal header is pollution", reqWith(func(r *http.Request) {
			r.Header.Add("X-Workspace-ID", "acme")
			r.Header.Add("X-Workspace-ID", "acme")
		}), "", true, problem.ErrWorkspaceMismatch},
		{"comma list", reqWith(func(r *http.Request) { r.Header.Set("X-Workspace-ID", "acme,evil") }), "", true, problem.ErrInvalidWorkspaceID},
		{"upper case", reqWith(func(r *http.Request) { r.Header.Set("X-Workspace-ID", "ACME") }), "", true, problem.ErrInvalidWorkspaceID},
		{"empty", reqWith(func(r *http.Request) { r.Header.Set("X-Workspace-ID", "") }), "", true, problem.ErrInvalidWorkspaceID},
	})
}

func TestFromQuery(t *testing.T) {
	q := func(raw string) func() *http.Request {
		return reqWith(func(r *http.Request) { r.URL.RawQuery = raw })
	}
	runResolve(t, tenancy.FromQuery("workspace"), []resolveCase{
		{"absent", q(""), "", false, nil},
		{"other params only", q("a=1"), "", false, nil},
		{"present", q("workspace=acme"), "acme", true, nil},
		{"parameter pollution", q("workspace=acme&workspace=evil"), "", true, problem.ErrWorkspaceMismatch},
		{"semicolon smuggling", q("workspace=acme;workspace=evil"), "", true, problem.ErrInvalidWorkspaceID},
		{"percent-encoded slash", q("workspace=acme%2F..%2Fevil"), "", true, problem.ErrInvalidWorkspaceID},
		{"bad escape", q("workspace=%zz"), "", true, problem.ErrInvalidWorkspaceID},
	})
}

func TestFromCookie(t *testing.T) {
	runResolve(t, tenancy.FromCookie("ws"), []resolveCase{
		{"absent", reqWith(func(r *http.Request) {}), "", false, nil},
		{"present", reqWith(func(r *http.Request) { r.Header.Set("Cookie", "ws=acme") }), "acme", true, nil},
		{"repeated", reqWith(func(r *http.Request) { r.Header.Set("Cookie", "ws=acme; ws=evil") }), "", true, problem.ErrWorkspaceMismatch},
	})
}

func TestFromSubdomain(t *testing.T) {
	res, err := tenancy.FromSubdomain("App.Example.com.")
	require.NoError(t, err)
	host := func(h string) func() *http.Request { return reqWith(func(r *http.Request) { r.Host = h }) }
	runResolve(t, res, []resolveCase{
		{"bare base", host("app.example.com"), "", false, nil},
		{"outside base", host("acme.evil.com"), "", false, nil},
		{"suffix trick", host("acmeapp.example.com"), "", false, nil},
		{"label", host("acme.app.example.com"), "acme", true, nil},
		{"label with port", host("acme.app.example.com:8443"), "acme", true, nil},
		{"base case-insensitive", host("acme.APP.example.com"), "acme", true, nil},
		{"label case variant", host("ACME.app.example.com"), "", true, problem.ErrInvalidWorkspaceID},
		{"nested label", host("evil.acme.app.example.com"), "", true, problem.ErrInvalidWorkspaceID},
	})
	for _, bad := range []string{"", ".", "a/b", "a b"} {
		_, err := tenancy.FromSubdomain(bad)
		assert.Error(t, err, bad)
	}
}

func TestAgreeRequiresEveryPresentCarrierToMatch(t *testing.T) {
	res := tenancy.Agree(tenancy.FromHeader("X-Workspace-ID"), tenancy.FromQuery("workspace"))
	runResolve(t, res, []resolveCase{
		{"none", reqWith(func(r *http.Request) {}), "", false, nil},
		{"header only", reqWith(func(r *http.Request) { r.Header.Set("X-Workspace-ID", "acme") }), "acme", true, nil},
		{"query only", reqWith(func(r *http.Request) { r.URL.RawQuery = "workspace=acme" }), "acme", true, nil},
		{"both agree", reqWith(func(r *http.Request) {
			r.Header.Set("X-Workspace-ID", "acme")
			r.URL.RawQuery = "workspace=acme"
		}), "acme", true, nil},
		{"disagree", reqWith(func(r *http.Request) {
			r.Header.Set("X-Workspace-ID", "acme")
			r.URL.RawQuery = "workspace=evil"
		}), "", true, problem.ErrWorkspaceMismatch},
		{"one invalid", reqWith(func(r *http.Request) {
			r.Header.Set("X-Workspace-ID", "acme")
			r.URL.RawQuery = "workspace=ACME"
		}), "", true, problem.ErrInvalidWorkspaceID},
	})
}

func TestPathValueThroughServeMux(t *testing.T) {
	mux := http.NewServeMux()
	var got tenancy.WorkspaceID
	var gotErr error
	mux.HandleFunc("/api/workspaces/{ws}/members", func(w http.ResponseWriter, r *http.Request) {
		got, _, gotErr = tenancy.FromPathValue("ws").ResolveWorkspace(r)
	})
	for name, c := range map[string]struct {
		path string
		want tenancy.WorkspaceID
		err  error
	}{
		"plain":                {"/api/workspaces/acme/members", "acme", nil},
		"escaped slash":        {"/api/workspaces/acme%2Fevil/members", "", problem.ErrInvalidWorkspaceID},
		"escaped dots":         {"/api/workspaces/%2E%2E/members", "", problem.ErrInvalidWorkspaceID},
		"upper case":           {"/api/workspaces/ACME/members", "", problem.ErrInvalidWorkspaceID},
		"escaped unicode":      {"/api/workspaces/%EF%BC%91/members", "", problem.ErrInvalidWorkspaceID},
		"escaped NUL":          {"/api/workspaces/acme%00/members", "", problem.ErrInvalidWorkspaceID},
		"escaped letter is ok": {"/api/workspaces/acm%65/members", "acme", nil},
	} {
		t.Run(name, func(t *testing.T) {
			got, gotErr = "", nil
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest("GET", c.path, nil))
			require.Equal(t, 200, rec.Code)
			if c.err != nil {
				assert.ErrorIs(t, gotErr, c.err)
				return
			}
			require.NoError(t, gotErr)
			assert.Equal(t, c.want, got)
		})
	}
}

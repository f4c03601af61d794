package tenancy_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

// FuzzParseUserID checks that a user id has one spelling, exactly as a
// workspace id: whatever is accepted is returned unchanged and is accepted
// by ParseWorkspaceID too.
func FuzzParseUserID(f *testing.F) {
	for _, s := range []string{"u-1", "usr_abc", "U-1", " u", "-u", "u/1", "u%2F1", "ｕ", "", "u\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := tenancy.ParseUserID(s)
		_, wsErr := tenancy.ParseWorkspaceID(s)
		if (err == nil) != (wsErr == nil) {
			t.Fatalf("user and workspace grammars differ on %q", s)
		}
		if err != nil {
			if !errors.Is(err, tenancy.ErrInvalidID) {
				t.Fatalf("error %v is not ErrInvalidID", err)
			}
			return
		}
		if string(id) != s || !id.Valid() {
			t.Fatalf("accepted non-canonical %q", s)
		}
	})
}

// FuzzResolveWorkspace feeds one raw query string and one Host to the
// query, header and sub-domain resolvers combined with Agree: whatever is
// resolved is a canonical id that the client sent in that exact spelling,
// and every failure is a catalogue error (never a panic).
func FuzzResolveWorkspace(f *testing.F) {
	for _, s := range [][2]string{
		{"ws=acme", "acme.app.example.com"},
		{"ws=acme&ws=acme", "app.example.com"},
		{"ws=ACME", "ACME.app.example.com:443"},
		{"ws=a%2Fb;ws=c", "a.b.app.example.com"},
		{"ws=%zz", "acme.APP.example.com."},
		{"", "[::1]:80"},
	} {
		f.Add(s[0], s[1])
	}
	sub, err := tenancy.FromSubdomain("app.example.com")
	if err != nil {
		f.Fatal(err)
	}
	res := tenancy.Agree(tenancy.FromQuery("ws"), sub)
	f.Fuzz(func(t *testing.T, rawQuery, host string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.URL.RawQuery = rawQuery
		r.Host = host
		id, present, err := res.ResolveWorkspace(r)
		if err != nil {
			if !errors.Is(err, problem.ErrInvalidWorkspaceID) && !errors.Is(err, problem.ErrWorkspaceMismatch) {
				t.Fatalf("non-catalogue error %v", err)
			}
			return
		}
		if !present {
			if id != "" {
				t.Fatalf("absent but id %q", id)
			}
			return
		}
		if !id.Valid() {
			t.Fatalf("resolved non-canonical id %q", id)
		}
		fromQuery := false
		if vals, err := url.ParseQuery(rawQuery); err == nil && len(vals["ws"]) == 1 {
			fromQuery = vals["ws"][0] == string(id)
		}
		fromHost := strings.HasPrefix(host, string(id)+".")
		if !fromQuery && !fromHost {
			t.Fatalf("resolved %q from query %q host %q", id, rawQuery, host)
		}
	})
}

package app_test

import (
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/tenantgate/tenantgate/examples/crm/internal/app"
)

// The server is an http.Handler built from a validated Config; tests and
// "go run ./examples/crm" use the same wiring.
func Example() {
	a, err := app.New(app.Config{
		Dev: true, InviteCode: "beta-code-123",
		OperatorEmail: "ops@example.com", OperatorPassword: "operator-pass-123",
		Password: app.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1}, // cheap, for the example only
	})
	if err != nil {
		panic(err)
	}
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/healthz", ""},
		{"POST", "/api/auth/register", `{"email":"ann@example.com","password":"correct horse battery"}`},
		{"POST", "/api/crm/contacts", `{"name":"Grace"}`}, // no session
		{"DELETE", "/healthz", ""},
	} {
		req := httptest.NewRequest(r.method, r.path, strings.NewReader(r.body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		a.ServeHTTP(w, req)
		fmt.Println(r.method, r.path, w.Code, strings.TrimSpace(firstLine(w.Body.String())))
	}
	// Output:
	// GET /healthz 200 {"status":"ok"}
	// POST /api/auth/register 202 {"status":"accepted"}
	// POST /api/crm/contacts 401 {"type":"urn:tenantgate:problem:unauthenticated","title":"Authentication required","status":401,"detail":"The request is not authenticated.","code":"unauthenticated"}
	// DELETE /healthz 405 {"type":"urn:tenantgate:problem:method_not_allowed","title":"Method not allowed","status":405,"detail":"The method is not allowed on this resource.","code":"method_not_allowed"}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// New reports every configuration error at once, never at request time.
func ExampleNew_invalid() {
	_, err := app.New(app.Config{})
	fmt.Println(err)
	// Output:
	// app: Config.InviteCode is required
	// app: Config.OperatorEmail and Config.OperatorPassword are required
}

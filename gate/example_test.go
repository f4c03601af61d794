package gate_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/tenantgate/tenantgate/gate"
	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/rbac"
	"github.com/tenantgate/tenantgate/tenancy"
)

func Example() {
	store := memstore.NewTenancy()
	_ = store.CreateWorkspace(context.Background(),
		tenancy.Workspace{ID: "acme", Name: "Acme", Status: tenancy.StatusActive, OwnerID: "alice"},
		tenancy.Membership{User: "alice", Role: rbac.RoleOwner})

	reg := rbac.NewRegistry()
	contactsWrite := reg.MustRegister("contacts:write")
	policy, _ := rbac.NewPolicy(reg)
	g, err := gate.New(gate.Config{
		Workspaces: store, Members: store, Policy: policy,
		Resolve: tenancy.FromHeader("X-Workspace-ID"), Clock: gate.SystemClock,
	})
	if err != nil {
		panic(err) // configuration errors surface here, never at request time
	}
	create := g.Require(contactsWrite)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, _ := tenancy.FromContext(r.Context())
		fmt.Fprintf(w, "created in %s by %s", t.Workspace.ID, t.Principal.User)
	}))

	for _, user := range []tenancy.UserID{"alice", "mallory"} {
		r := httptest.NewRequest("POST", "/contacts", nil)
		r.Header.Set("X-Workspace-ID", "acme")
		// The host's authentication middleware does this:
		r = r.WithContext(tenancy.WithPrincipal(r.Context(), tenancy.Principal{User: user, EmailVerified: true}))
		rec := httptest.NewRecorder()
		create.ServeHTTP(rec, r)
		fmt.Println(rec.Code, rec.Body.String())
	}
	// Output:
	// 200 created in acme by alice
	// 403 {"type":"urn:tenantgate:problem:workspace_forbidden","title":"Forbidden","status":403,"detail":"You do not have access to this workspace.","code":"workspace_forbidden"}
}

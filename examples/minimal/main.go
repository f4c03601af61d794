// Command minimal is the smallest useful wiring: one gated resource over
// in-memory stores. Try: go run ./examples/minimal, then
// curl -H 'Authorization: Bearer alice' -H 'X-Workspace-ID: acme' localhost:8081/contacts
package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/tenantgate/tenantgate/gate"
	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/rbac"
	"github.com/tenantgate/tenantgate/tenancy"
)

func newHandler(store *memstore.Tenancy) (http.Handler, error) {
	reg := rbac.NewRegistry()
	read, write := reg.MustRegister("contacts:read"), reg.MustRegister("contacts:write")
	policy, err := rbac.NewPolicy(reg)
	if err != nil {
		return nil, err
	}
	g, err := gate.New(gate.Config{Workspaces: store, Members: store, Policy: policy,
		Resolve: tenancy.FromHeader("X-Workspace-ID"), Clock: gate.SystemClock})
	if err != nil {
		return nil, err
	}
	contacts := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, _ := tenancy.FromContext(r.Context()) // verified by the gate
		fmt.Fprintf(w, "contacts of %s for %s (%s)\n", t.Workspace.ID, t.Principal.User, t.Role)
	})
	mux := http.NewServeMux()
	mux.Handle("GET /contacts", g.Require(read)(contacts))
	mux.Handle("POST /contacts", g.Require(write)(contacts))
	// Demo authentication (the bearer token is the user id): never in production.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			r = r.WithContext(tenancy.WithPrincipal(r.Context(), tenancy.Principal{User: tenancy.UserID(u), EmailVerified: true}))
		}
		mux.ServeHTTP(w, r)
	}), nil
}

func seed(store *memstore.Tenancy) error {
	ws := tenancy.Workspace{ID: "acme", Name: "Acme", Status: tenancy.StatusActive, OwnerID: "alice"}
	return store.CreateWorkspace(context.Background(), ws, tenancy.Membership{User: "alice", Role: rbac.RoleOwner})
}

func main() {
	store := memstore.NewTenancy()
	h, err := newHandler(store)
	if err == nil {
		err = seed(store)
	}
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Addr: "127.0.0.1:8081", Handler: h, ReadHeaderTimeout: 5 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

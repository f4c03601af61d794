package gatetest_test

import (
	"fmt"
	"net/http"

	"github.com/tenantgate/tenantgate/gatetest"
	"github.com/tenantgate/tenantgate/rbac"
)

// The host registers its permissions, builds its router over the Env's
// gate, and plays its truth table. In a test, call runner.Run(t, routes):
// each cell becomes a subtest. Besides the seven roles, every route gets
// an anonymous cell and the generated cross-tenant attacks.
func Example() {
	reg := rbac.NewRegistry()
	read := reg.MustRegister("contacts:read")
	write := reg.MustRegister("contacts:write")
	env, err := gatetest.NewEnv(gatetest.Config{Registry: reg})
	if err != nil {
		panic(err)
	}

	// The host's own router.
	mux := http.NewServeMux()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	created := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) })
	mux.Handle("GET /api/workspaces/{ws}/contacts", env.Gate.Require(read)(ok))
	mux.Handle("POST /api/workspaces/{ws}/contacts", env.Gate.Require(write)(created))

	runner := &gatetest.Runner{Env: env, Handler: mux}
	results := runner.Check([]gatetest.Route{
		{
			Method: "GET", Path: "/api/workspaces/{ws}/contacts",
			Want: map[string]int{"owner": 200, "admin": 200, "billing": 403, "manager": 200, "agent": 200, "auditor": 200, "viewer": 200},
		},
		{
			Method: "POST", Path: "/api/workspaces/{ws}/contacts", Body: `{"name":"Ada"}`,
			Want: map[string]int{"owner": 201, "admin": 201, "billing": 403, "manager": 201, "agent": 201, "auditor": 403, "viewer": 403},
		},
	})
	fmt.Println(len(results), "cells,", len(gatetest.Failures(results)), "failures")
	// Output:
	// 20 cells, 0 failures
}

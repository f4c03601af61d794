package gatetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/rbac"
	"github.com/tenantgate/tenantgate/tenancy"
)

// Route is one row of a truth table: a request and the status each role
// must get.
type Route struct {
	// Method and Path make the request. Path, Header values and Body may
	// hold placeholders: {ws} (the workspace), {user} (the acting user),
	// {target} (another member of the workspace, a viewer, made for each
	// cell) and any name Setup puts in Cell.Vars.
	Method string
	Path   string
	Header http.Header
	Body   string
	// Setup, when set, runs before each request of the route, after the
	// cell's workspace and users exist (create the objects the request
	// names, e.g. a contact, and record their ids in c.Vars).
	Setup func(t T, c *Cell)
	// Want maps every role of the table to the status it must get.
	Want map[string]int
	// WantAnonymous is the status of the request without a principal
	// (http.StatusUnauthorized when zero).
	WantAnonymous int
	// WantForeignObject, when non-zero, adds the foreign-object attack:
	// the owner of another workspace sends the request naming its own
	// workspace and the victim's objects (Setup's Vars); it must get this
	// status (typically 404).
	WantForeignObject int
	// NotWorkspaceScoped skips the cross-tenant and foreign-object attacks
	// (routes that name no workspace).
	NotWorkspaceScoped bool
}

// Name is the route's display name, "METHOD path".
func (r Route) Name() string { return r.Method + " " + r.Path }

// Cell is the situation of one request: a fresh workspace, its owner, the
// acting user and the placeholders.
type Cell struct {
	Env       *Env
	Workspace tenancy.Workspace
	Owner     User
	// Role and User are the acting role and user (User is the zero User
	// for the anonymous cell).
	Role string
	User User
	// Target is another member of the workspace, a viewer.
	Target User
	// Vars holds the placeholders ("ws", "user", "target", and Setup's).
	Vars map[string]string
}

// Result is the outcome of one cell.
type Result struct {
	Route Route
	// Case is the role, or "anonymous", "cross-tenant",
	// "cross-tenant-absent", "foreign-object".
	Case string
	Want int
	Got  int
	// Code is the problem code of an error response ("" otherwise).
	Code problem.Code
	// Problem describes what is wrong with the cell ("" when it passed).
	Problem string
}

// Runner plays truth tables against a host handler.
type Runner struct {
	// Env is the wiring the handler was built with (required).
	Env *Env
	// Handler is the host's own router (required).
	Handler http.Handler
	// Roles are the roles every route's Want must cover
	// (rbac.BuiltinRoleNames() when nil). Custom roles listed here must be
	// defined by CustomRoles.
	Roles []string
	// CustomRoles defines custom roles (name → permission names) in every
	// cell's workspace.
	CustomRoles map[string][]string
	// Authenticate makes r come from u (As when nil).
	Authenticate func(r *http.Request, u User) *http.Request
	// VaryingHeaders are response headers that differ between any two
	// requests and are ignored when the cross-tenant answers for an
	// existing and an absent workspace are compared (when nil: Date,
	// X-Request-Id, Request-Id and Traceparent).
	VaryingHeaders []string
}

func defaultVaryingHeaders() []string {
	return []string{"Date", "X-Request-Id", "Request-Id", "Traceparent"}
}

func (rn *Runner) validate() error {
	var errs []error
	if rn.Env == nil {
		errs = append(errs, errors.New("gatetest: Runner.Env is required"))
	}
	if rn.Handler == nil {
		errs = append(errs, errors.New("gatetest: Runner.Handler is required"))
	}
	for _, role := range rn.roles() {
		if _, defined := rn.CustomRoles[role]; !defined && !rbac.IsBuiltin(role) {
			errs = append(errs, fmt.Errorf("gatetest: Runner.Roles names %q, which is neither built in nor in CustomRoles", role))
		}
	}
	return errors.Join(errs...)
}

func (rn *Runner) roles() []string {
	if rn.Roles != nil {
		return rn.Roles
	}
	return rbac.BuiltinRoleNames()
}

// Run runs every cell of routes as a subtest of t: each role, the
// anonymous request, and the generated attacks. Failures name the route,
// the case, the expected and the received status and problem code.
func (rn *Runner) Run(t *testing.T, routes []Route) {
	t.Helper()
	if err := rn.validate(); err != nil {
		t.Fatal(err)
	}
	for _, rt := range routes {
		t.Run(rt.Name(), func(t *testing.T) {
			for _, c := range rn.cases(rt) {
				t.Run(c, func(t *testing.T) {
					res := rn.runCase(t, rt, c)
					if res.Problem != "" {
						t.Errorf("%s as %s: %s", rt.Name(), c, res.Problem)
					}
				})
			}
		})
	}
}

// Check runs every cell of routes like Run and returns the results instead
// of failing a test; builder failures abort with a panic. It suits
// examples and reports.
func (rn *Runner) Check(routes []Route) []Result {
	if err := rn.validate(); err != nil {
		panic(err)
	}
	var out []Result
	for _, rt := range routes {
		for _, c := range rn.cases(rt) {
			out = append(out, rn.runCase(panicT{}, rt, c))
		}
	}
	return out
}

// Failures returns the results that did not pass.
func Failures(results []Result) []Result {
	var out []Result
	for _, r := range results {
		if r.Problem != "" {
			out = append(out, r)
		}
	}
	return out
}

type panicT struct{}

func (panicT) Helper()                           {}
func (panicT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

const (
	caseAnonymous   = "anonymous"
	caseCross       = "cross-tenant"
	caseCrossAbsent = "cross-tenant-absent"
	caseForeign     = "foreign-object"
)

func (rn *Runner) cases(rt Route) []string {
	cs := append([]string(nil), rn.roles()...)
	cs = append(cs, caseAnonymous)
	if !rt.NotWorkspaceScoped {
		cs = append(cs, caseCross, caseCrossAbsent)
		if rt.WantForeignObject != 0 {
			cs = append(cs, caseForeign)
		}
	}
	return cs
}

// fixture builds a fresh workspace with its owner and a target member.
func (rn *Runner) fixture(t T) *Cell {
	t.Helper()
	e := rn.Env
	owner := e.User(t)
	ws := e.Workspace(t, owner)
	target := e.Member(t, ws.ID, rbac.RoleViewer)
	names := make([]string, 0, len(rn.CustomRoles))
	for n := range rn.CustomRoles {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		e.DefineRole(t, ws.ID, n, rn.CustomRoles[n]...)
	}
	return &Cell{Env: e, Workspace: ws, Owner: owner, Target: target, Vars: map[string]string{
		"ws": string(ws.ID), "target": string(target.ID),
	}}
}

func (rn *Runner) runCase(t T, rt Route, c string) Result {
	t.Helper()
	res := Result{Route: rt, Case: c}
	known := map[string]bool{}
	for _, role := range rn.roles() {
		known[role] = true
	}
	for role := range rt.Want {
		if !known[role] {
			res.Problem = fmt.Sprintf("Want names role %q, which the table does not cover", role)
			return res
		}
	}
	cell := rn.fixture(t)
	var actor *User
	switch c {
	case caseAnonymous:
		res.Want = rt.WantAnonymous
		if res.Want == 0 {
			res.Want = http.StatusUnauthorized
		}
	case caseCross, caseCrossAbsent, caseForeign:
		res.Want = http.StatusForbidden
		if c == caseForeign {
			res.Want = rt.WantForeignObject
		}
		attacker := rn.Env.User(t)
		own := rn.Env.Workspace(t, attacker)
		cell.Role, cell.User = rbac.RoleOwner, attacker
		actor = &attacker
		cell.Vars["attackerWS"] = string(own.ID)
	default:
		want, ok := rt.Want[c]
		if !ok {
			res.Problem = fmt.Sprintf("no expected status for role %q", c)
			return res
		}
		res.Want = want
		cell.Role = c
		if c == rbac.RoleOwner {
			cell.User = cell.Owner
		} else {
			cell.User = rn.Env.Member(t, cell.Workspace.ID, c)
		}
		actor = &cell.User
	}
	if actor != nil {
		cell.Vars["user"] = string(actor.ID)
	}
	if rt.Setup != nil {
		rt.Setup(t, cell)
	}
	switch c {
	case caseCrossAbsent:
		cell.Vars["ws"] = "ws-absent-" + strings.TrimPrefix(cell.Vars["ws"], "ws-")
	case caseForeign:
		cell.Vars["ws"] = cell.Vars["attackerWS"]
	}
	rec := rn.do(rt, cell, actor)
	res.Got = rec.Code
	body := rec.Body.Bytes()
	if res.Got >= 400 {
		code, msg := checkProblem(rec.Header().Get("Content-Type"), body, res.Got)
		res.Code = code
		if msg != "" {
			res.Problem = msg
		}
	}
	if res.Got != res.Want {
		res.Problem = fmt.Sprintf("status %d (code %q), want %d", res.Got, res.Code, res.Want)
		return res
	}
	switch c {
	case caseCross, caseCrossAbsent:
		if res.Code != problem.CodeWorkspaceForbidden {
			res.Problem = fmt.Sprintf("code %q, want %q", res.Code, problem.CodeWorkspaceForbidden)
			return res
		}
		if v := rec.Header().Values(trialHeader); len(v) > 0 {
			res.Problem = "a non-member was told the workspace's trial end (" + trialHeader + ")"
			return res
		}
		if c == caseCrossAbsent {
			// The answer for an existing (trialing) workspace must be the
			// same status, headers and bytes.
			cell.Vars["ws"] = string(cell.Workspace.ID)
			other := rn.do(rt, cell, actor)
			if other.Code != rec.Code || !bytes.Equal(other.Body.Bytes(), body) || !rn.sameHeaders(other.Header(), rec.Header()) {
				res.Problem = "the answer for an existing workspace differs from the answer for an absent one"
			}
		}
	case caseForeign:
		if res.Got < 400 {
			res.Problem = fmt.Sprintf("foreign object answered %d", res.Got)
		}
	}
	return res
}

// trialHeader is the gate's trial response header, for members only.
const trialHeader = "Trial-Ends-At"

// sameHeaders compares two header sets, ignoring the varying ones.
func (rn *Runner) sameHeaders(a, b http.Header) bool {
	vary := rn.VaryingHeaders
	if vary == nil {
		vary = defaultVaryingHeaders()
	}
	skip := map[string]bool{}
	for _, k := range vary {
		skip[http.CanonicalHeaderKey(k)] = true
	}
	for k := range b {
		if _, ok := a[k]; !ok && !skip[k] {
			return false
		}
	}
	for k, va := range a {
		if skip[k] {
			continue
		}
		vb, ok := b[k]
		if !ok {
			return false
		}
		if len(va) != len(vb) {
			return false
		}
		for i := range va {
			if va[i] != vb[i] {
				return false
			}
		}
	}
	return true
}

func (rn *Runner) do(rt Route, cell *Cell, actor *User) *httptest.ResponseRecorder {
	pairs := make([]string, 0, 2*len(cell.Vars))
	for k, v := range cell.Vars {
		pairs = append(pairs, "{"+k+"}", v)
	}
	rep := strings.NewReplacer(pairs...)
	var body io.Reader
	if rt.Body != "" {
		body = strings.NewReader(rep.Replace(rt.Body))
	}
	r := httptest.NewRequest(rt.Method, rep.Replace(rt.Path), body)
	for k, vs := range rt.Header {
		for _, v := range vs {
			r.Header.Add(k, rep.Replace(v))
		}
	}
	if rt.Body != "" && r.Header.Get("Content-Type") == "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if actor != nil {
		auth := rn.Authenticate
		if auth == nil {
			auth = As
		}
		r = auth(r, *actor)
	}
	rec := httptest.NewRecorder()
	rn.Handler.ServeHTTP(rec, r)
	return rec
}

// checkProblem checks that an error response is RFC 9457 problem+json
// whose status member equals the HTTP status, and returns its code.
func checkProblem(ctype string, body []byte, status int) (problem.Code, string) {
	if !strings.HasPrefix(ctype, "application/problem+json") {
		return "", fmt.Sprintf("error response has Content-Type %q, want application/problem+json", ctype)
	}
	var p struct {
		Code   problem.Code `json:"code"`
		Status int          `json:"status"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return "", "error body is not JSON"
	}
	if p.Status != status {
		return p.Code, fmt.Sprintf("problem status %d differs from HTTP status %d", p.Status, status)
	}
	if !p.Code.Known() {
		return p.Code, fmt.Sprintf("problem code %q is not in the catalogue", p.Code)
	}
	return p.Code, ""
}

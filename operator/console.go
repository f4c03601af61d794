package operator

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/internal/jsonbody"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

// DefaultPrefix is where hosts mount the console.
const DefaultPrefix = "/admin/workspaces"

// DefaultMaxImpersonation bounds an impersonation when
// Config.MaxImpersonation is zero.
const DefaultMaxImpersonation = time.Hour

// MaxBodyBytes is the largest request body the console reads.
const MaxBodyBytes = 8 << 10

// Config configures a Console. Fields marked required must be set; New
// reports every missing one.
type Config struct {
	// Lifecycle performs the transitions (required).
	Lifecycle *tenancy.Lifecycle
	// Audit records impersonation start and stop (required).
	Audit audit.Sink
	// Clock is the trusted time (required).
	Clock tenancy.TrialClock

	// Prefix is the path the console is mounted at (DefaultPrefix when
	// empty). It must start with '/' and not end with one.
	Prefix string
	// MaxImpersonation is the longest impersonation StartImpersonation
	// grants (DefaultMaxImpersonation when zero; negative is an error).
	MaxImpersonation time.Duration
	// Deny writes errors (problem.Write when nil).
	Deny problem.Writer
}

// Console serves the operator routes under Config.Prefix:
//
//	GET  {prefix}?status=&q=&limit=&cursor=   → {"items":[…],"nextCursor"}
//	GET  {prefix}/{ws}                         → workspace
//	POST {prefix}/{ws}/{transition} {"reason"} → workspace after the change
//
// where transition is approve, reject, suspend, reactivate or reopen. It is
// safe for concurrent use.
type Console struct {
	cfg Config
}

var _ http.Handler = (*Console)(nil)

// New validates cfg and returns a Console.
func New(cfg Config) (*Console, error) {
	var errs []error
	if cfg.Lifecycle == nil {
		errs = append(errs, errors.New("operator: Config.Lifecycle is required"))
	}
	if cfg.Audit == nil {
		errs = append(errs, errors.New("operator: Config.Audit is required"))
	}
	if cfg.Clock == nil {
		errs = append(errs, errors.New("operator: Config.Clock is required"))
	}
	if cfg.MaxImpersonation < 0 {
		errs = append(errs, errors.New("operator: Config.MaxImpersonation must not be negative"))
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if !strings.HasPrefix(cfg.Prefix, "/") || strings.HasSuffix(cfg.Prefix, "/") || strings.ContainsAny(cfg.Prefix, "{}? ") {
		errs = append(errs, errors.New("operator: Config.Prefix must start with '/', not end with '/' and hold no pattern characters"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if cfg.MaxImpersonation == 0 {
		cfg.MaxImpersonation = DefaultMaxImpersonation
	}
	if cfg.Deny == nil {
		cfg.Deny = problem.Write
	}
	return &Console{cfg: cfg}, nil
}

// Mount registers the console on mux at its prefix (the prefix itself and
// everything under it).
func (c *Console) Mount(mux *http.ServeMux) {
	mux.Handle(c.cfg.Prefix, c)
	mux.Handle(c.cfg.Prefix+"/", c)
}

// ServeHTTP implements http.Handler. The operator check comes first, before
// any routing or store access.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p, ok := tenancy.PrincipalFromContext(r.Context())
	if !ok || p.User == "" {
		c.cfg.Deny(w, r, problem.ErrUnauthenticated)
		return
	}
	if err := tenancy.RequireOperator(p); err != nil {
		c.cfg.Deny(w, r, err)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, c.cfg.Prefix)
	if !ok || (rest != "" && rest[0] != '/') {
		c.cfg.Deny(w, r, problem.ErrNotFound)
		return
	}
	rest = strings.TrimPrefix(rest, "/")
	var parts []string
	if rest != "" {
		parts = strings.Split(rest, "/")
	}
	switch len(parts) {
	case 0:
		if !c.allow(w, r, http.MethodGet) {
			return
		}
		c.list(w, r)
	case 1:
		if !c.allow(w, r, http.MethodGet) {
			return
		}
		id, err := tenancy.ParseWorkspaceID(parts[0])
		if err != nil {
			c.cfg.Deny(w, r, problem.ErrInvalidWorkspaceID)
			return
		}
		ws, err := c.cfg.Lifecycle.Workspace(r.Context(), id)
		if err != nil {
			c.cfg.Deny(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, View(ws))
	case 2:
		t := tenancy.Transition(parts[1])
		if !t.Known() {
			c.cfg.Deny(w, r, problem.ErrNotFound)
			return
		}
		if !c.allow(w, r, http.MethodPost) {
			return
		}
		id, err := tenancy.ParseWorkspaceID(parts[0])
		if err != nil {
			c.cfg.Deny(w, r, problem.ErrInvalidWorkspaceID)
			return
		}
		c.transition(w, r, p, id, t)
	default:
		c.cfg.Deny(w, r, problem.ErrNotFound)
	}
}

func (c *Console) allow(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method == method || (method == http.MethodGet && r.Method == http.MethodHead) {
		return true
	}
	w.Header()["Allow"] = []string{method}
	c.cfg.Deny(w, r, problem.ErrMethodNotAllowed)
	return false
}

func (c *Console) list(w http.ResponseWriter, r *http.Request) {
	opts, err := ParseListQuery(r.URL.RawQuery)
	if err != nil {
		c.cfg.Deny(w, r, err)
		return
	}
	page, err := c.cfg.Lifecycle.List(r.Context(), opts)
	if err != nil {
		c.cfg.Deny(w, r, err)
		return
	}
	out := ListView{Items: make([]WorkspaceView, len(page.Items)), NextCursor: page.NextCursor}
	for i, ws := range page.Items {
		out.Items[i] = View(ws)
	}
	writeJSON(w, http.StatusOK, out)
}

// ParseListQuery parses the list route's raw query: status, q, limit and
// cursor, each at most once; any other parameter, a repeated one, a ';'
// separator or a malformed escape is 400 invalid_request, a limit that is
// not a positive decimal number 422 validation_failed. A limit above
// tenancy.MaxListLimit (200) is capped to it, like every list of the
// reference server; absent, tenancy.DefaultListLimit (50) applies.
func ParseListQuery(raw string) (tenancy.ListOptions, error) {
	var opts tenancy.ListOptions
	if raw == "" {
		return opts, nil
	}
	if strings.Contains(raw, ";") || len(raw) > 2048 {
		return opts, problem.WithDetail(problem.CodeInvalidRequest, "The query string is malformed.")
	}
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return opts, problem.WithDetail(problem.CodeInvalidRequest, "The query string is malformed.")
	}
	for k, vs := range vals {
		if len(vs) != 1 {
			return opts, problem.WithDetail(problem.CodeInvalidRequest, "A query parameter is repeated.")
		}
		v := vs[0]
		switch k {
		case "status":
			opts.Status = tenancy.Status(v)
		case "q":
			opts.Search = v
		case "cursor":
			opts.Cursor = v
		case "limit":
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 || strconv.Itoa(n) != v {
				return opts, &problem.Error{Code: problem.CodeValidationFailed,
					Fields: []problem.FieldError{{Field: "limit", Message: "a positive decimal number"}}}
			}
			opts.Limit = min(n, tenancy.MaxListLimit)
		default:
			return opts, problem.WithDetail(problem.CodeInvalidRequest, "Unknown query parameter.")
		}
	}
	return opts, nil
}

// ReasonRequest is the body of a transition.
type ReasonRequest struct {
	Reason string `json:"reason"`
}

// DecodeReason reads a transition body from r: application/json, at most
// MaxBodyBytes, exactly one object with no unknown fields. Errors are the
// library's strict decoding (the reference server's): 415
// unsupported_media_type, 413 request_too_large, 400 invalid_request for
// an empty body or one that is not JSON, and 422 validation_failed, naming
// the field, for an unknown field, a wrong type or data after the object.
// On error the result is the zero ReasonRequest. An empty or missing
// reason is left to the lifecycle (422 validation_failed).
func DecodeReason(r io.Reader, contentType string) (ReasonRequest, error) {
	return jsonbody.DecodeReader[ReasonRequest](r, contentType, MaxBodyBytes)
}

func (c *Console) transition(w http.ResponseWriter, r *http.Request, p tenancy.Principal, id tenancy.WorkspaceID, t tenancy.Transition) {
	req, err := jsonbody.Decode[ReasonRequest](w, r, MaxBodyBytes)
	if err != nil {
		c.cfg.Deny(w, r, err)
		return
	}
	ws, err := c.cfg.Lifecycle.Transition(r.Context(), p, id, t, req.Reason)
	if err != nil {
		c.cfg.Deny(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, View(ws))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	buf, err := json.Marshal(v)
	if err != nil {
		problem.Write(w, nil, problem.Wrap(problem.CodeUnavailable, err))
		return
	}
	buf = append(buf, '\n')
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	h["Cache-Control"] = []string{"no-store"}
	h["Content-Length"] = []string{strconv.Itoa(len(buf))}
	w.WriteHeader(status)
	_, _ = w.Write(buf)
}

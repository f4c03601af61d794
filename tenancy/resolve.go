package tenancy

import (
	"errors"
	"net"
	"net/http"
	"net/textproto"
	"strings"

	"github.com/tenantgate/tenantgate/problem"
)

// WorkspaceResolver finds the workspace a request addresses in one carrier
// (a path value, a header, a sub-domain, …).
//
// ResolveWorkspace returns present == false when the carrier is absent from
// r. A carrier that is present but not a canonical WorkspaceID gives an
// error matching problem.ErrInvalidWorkspaceID; a carrier given more than
// once (two headers, two query parameters) gives problem.ErrWorkspaceMismatch.
// Resolvers never consult the request body.
type WorkspaceResolver interface {
	ResolveWorkspace(r *http.Request) (id WorkspaceID, present bool, err error)
}

var (
	errInvalidWS = problem.New(problem.CodeInvalidWorkspaceID)
	errMismatch  = problem.New(problem.CodeWorkspaceMismatch)
)

func parseCarrier(s string) (WorkspaceID, bool, error) {
	id, err := ParseWorkspaceID(s)
	if err != nil {
		return "", true, errInvalidWS
	}
	return id, true, nil
}

type pathValue string

// FromPathValue resolves the workspace from the http.ServeMux wildcard
// name (as in "/api/workspaces/{ws}/…"). An empty or missing value is
// absent.
func FromPathValue(name string) WorkspaceResolver { return pathValue(name) }

func (p pathValue) ResolveWorkspace(r *http.Request) (WorkspaceID, bool, error) {
	v := r.PathValue(string(p))
	if v == "" {
		return "", false, nil
	}
	return parseCarrier(v)
}

type header string

// FromHeader resolves the workspace from the named request header. The
// header given twice (even with equal values) is a mismatch.
func FromHeader(name string) WorkspaceResolver {
	return header(textproto.CanonicalMIMEHeaderKey(name))
}

func (h header) ResolveWorkspace(r *http.Request) (WorkspaceID, bool, error) {
	vs := r.Header[string(h)]
	switch len(vs) {
	case 0:
		return "", false, nil
	case 1:
		return parseCarrier(vs[0])
	default:
		return "", true, errMismatch
	}
}

type query string

// FromQuery resolves the workspace from the named URL query parameter. The
// parameter given twice is a mismatch; an unparsable query is invalid.
func FromQuery(name string) WorkspaceResolver { return query(name) }

func (q query) ResolveWorkspace(r *http.Request) (WorkspaceID, bool, error) {
	if r.URL == nil || r.URL.RawQuery == "" {
		return "", false, nil
	}
	vals, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return "", true, errInvalidWS
	}
	vs := vals[string(q)]
	switch len(vs) {
	case 0:
		return "", false, nil
	case 1:
		return parseCarrier(vs[0])
	default:
		return "", true, errMismatch
	}
}

type cookie string

// FromCookie resolves the workspace from the named cookie. The cookie given
// twice is a mismatch.
func FromCookie(name string) WorkspaceResolver { return cookie(name) }

func (c cookie) ResolveWorkspace(r *http.Request) (WorkspaceID, bool, error) {
	cs := r.CookiesNamed(string(c))
	switch len(cs) {
	case 0:
		return "", false, nil
	case 1:
		return parseCarrier(cs[0].Value)
	default:
		return "", true, errMismatch
	}
}

type subdomain struct{ suffix string }

// FromSubdomain resolves the workspace from the first label of the request
// host under base (for base "app.example.com", host
// "acme.app.example.com:443" names workspace "acme"). The base matches
// case-insensitively; the label must be a canonical id, so "ACME" and
// nested labels ("a.b.app.example.com") are invalid. A host equal to base,
// or outside it, is absent.
func FromSubdomain(base string) (WorkspaceResolver, error) {
	base = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(base)), ".")
	if base == "" || strings.HasPrefix(base, ".") || strings.ContainsAny(base, "/: ") {
		return nil, errors.New("tenancy: invalid subdomain base")
	}
	return subdomain{suffix: "." + base}, nil
}

func (s subdomain) ResolveWorkspace(r *http.Request) (WorkspaceID, bool, error) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(host, ".")
	if len(host) <= len(s.suffix) || !strings.EqualFold(host[len(host)-len(s.suffix):], s.suffix) {
		return "", false, nil
	}
	label := host[:len(host)-len(s.suffix)]
	if strings.Contains(label, ".") {
		return "", true, errInvalidWS
	}
	return parseCarrier(label)
}

type all []WorkspaceResolver

// Agree combines carriers: every carrier present on the request must name
// the same workspace, otherwise the request is a workspace_mismatch. An
// invalid carrier is an error even when another carrier is valid. With no
// carrier present the result is absent.
func Agree(resolvers ...WorkspaceResolver) WorkspaceResolver {
	return all(append([]WorkspaceResolver(nil), resolvers...))
}

func (a all) ResolveWorkspace(r *http.Request) (WorkspaceID, bool, error) {
	var (
		got   WorkspaceID
		found bool
	)
	for _, res := range a {
		id, ok, err := res.ResolveWorkspace(r)
		if err != nil {
			return "", true, err
		}
		if !ok {
			continue
		}
		if found && id != got {
			return "", true, errMismatch
		}
		got, found = id, true
	}
	return got, found, nil
}

package app

import (
	"context"
	"net/http"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/gate"
	"github.com/tenantgate/tenantgate/tenancy"
)

// clientIP is the caller's address by the trusted-proxy rule (clientip):
// with no trusted proxy configured, the socket address only.
func (a *App) clientIP(r *http.Request) string {
	ip, err := a.ips.ClientIP(r)
	if err != nil {
		return ""
	}
	return ip.String()
}

// ipKey is the client's rate-limit bucket: its address, IPv6 grouped by
// /64.
func (a *App) ipKey(r *http.Request) string {
	ip, err := a.ips.ClientIP(r)
	if err != nil {
		return "unknown"
	}
	return a.ipGroups.Key(ip)
}

type reqInfoKey struct{}

type reqInfo struct{ requestID, ip, userAgent string }

// reqContext carries the request's id and client address to library
// services (the lifecycle's Annotate hook) that see only a context.
func (a *App) reqContext(r *http.Request) context.Context {
	info := reqInfo{requestID: requestID(r), ip: a.clientIP(r)}
	if v := r.Header["User-Agent"]; len(v) == 1 {
		info.userAgent = v[0]
	}
	return context.WithValue(r.Context(), reqInfoKey{}, info)
}

// withReqInfo runs next with reqContext (routes whose library handlers
// record audit events from the context alone).
func (a *App) withReqInfo(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(a.reqContext(r)))
	})
}

// annotate completes library-made audit events from reqContext.
func annotate(ctx context.Context, ev *audit.Event) {
	if info, ok := ctx.Value(reqInfoKey{}).(reqInfo); ok {
		ev.RequestID, ev.IP, ev.UserAgent = info.requestID, info.ip, info.userAgent
	}
}

// attribute tells the audit Recorder who acts where, from the Tenant the
// gate verified.
func attribute(r *http.Request) audit.Attribution {
	t, _ := tenancy.FromContext(r.Context())
	return audit.Attribution{
		Workspace: string(t.Workspace.ID), Actor: string(t.Principal.User), Impersonator: string(t.Principal.Impersonator),
	}
}

// observe records members' denials of sensitive routes (the gate's
// observer hook). Non-members' denials are not written to the chain of a
// workspace they cannot see.
func (a *App) observe(r *http.Request, d gate.Decision) {
	if d.Allowed || d.Role == "" {
		return
	}
	_ = a.recorder.RecordDenial(r, audit.Attribution{Workspace: string(d.Workspace), Actor: string(d.User)},
		d.Reason.Status(), d.Reason)
}

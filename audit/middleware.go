package audit

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"

	"github.com/tenantgate/tenantgate/problem"
)

// Attribution says who acts where. The gate adapts its verified Tenant to
// it; the Recorder never reads identities from the request itself.
type Attribution struct {
	// Workspace is the chain the event goes to ("" for the platform chain).
	Workspace string
	// Actor is the user acting (opaque id); Impersonator the operator acting
	// as Actor, if any.
	Actor, Impersonator string
	// Route is the route pattern ("POST /api/crm/contacts"); empty means
	// the request's Pattern.
	Route string
	// Sensitive marks a sensitive route: its denials are recorded at the
	// default DenialsSensitive level.
	Sensitive bool
	// Action and Target, when set, override the route's.
	Action Action
	Target Target
}

// AttributeFunc returns the attribution of a request that reached the
// Recorder (its context holds what the gate verified).
type AttributeFunc func(r *http.Request) Attribution

// DenialLevel says which denied requests RecordDenial records. The zero
// value is DenialsSensitive.
type DenialLevel int

// Denial levels.
const (
	// DenialsSensitive records denials of routes marked sensitive.
	DenialsSensitive DenialLevel = iota
	// DenialsAll records every denial.
	DenialsAll
	// DenialsNone records none.
	DenialsNone
)

// RecorderConfig configures a Recorder.
type RecorderConfig struct {
	// Sink receives events; use a *Trail so that personal data is sealed.
	// Required.
	Sink Sink
	// Attribute returns who acts where. Required.
	Attribute AttributeFunc
	// ClientIP returns the client address by the same trusted-proxy rule as
	// the rate limiter. Nil means the connection's address (r.RemoteAddr),
	// which trusts no proxy.
	ClientIP func(r *http.Request) string
	// RequestID returns the request id. Nil means the X-Request-Id header
	// when it has the shape of an id (1–128 bytes of ASCII letters, digits
	// and "-._:"), and none otherwise: the header is the client's text, and
	// an audit chain can never be edited, so free text (an address, a
	// sentence) is not stored in clear through it. A RequestID function's
	// result is stored as data, cut to 128 bytes, escaped when rendered.
	RequestID func(r *http.Request) string
	// Denials selects which denials RecordDenial records.
	Denials DenialLevel
	// OnError is told when a record made after the handler ran could not be
	// written (the response has been sent by then). Nil logs it with
	// slog.Default at level Error.
	OnError func(r *http.Request, e Event, err error)
}

// Recorder records mutations and denials over HTTP.
//
// Its Middleware goes inside the gate (after it has verified the tenant),
// around the host handler: every request whose method is not GET, HEAD or
// OPTIONS is recorded with its status and an outcome (2xx/3xx success;
// 401, 402, 403, 423, 429 denied; other 4xx and 5xx failed). Nothing of the
// request's headers, query or body is recorded except the user agent
// (sealed), the request id and the route pattern, so credentials in them
// never reach an event. RecordDenial is for the gate's observer hook.
type Recorder struct {
	sink      Sink
	attribute AttributeFunc
	clientIP  func(*http.Request) string
	requestID func(*http.Request) string
	denials   DenialLevel
	onError   func(*http.Request, Event, error)
}

// NewRecorder returns a Recorder, or an error naming the missing setting.
func NewRecorder(cfg RecorderConfig) (*Recorder, error) {
	if cfg.Sink == nil {
		return nil, errors.New("audit: RecorderConfig.Sink is required")
	}
	if cfg.Attribute == nil {
		return nil, errors.New("audit: RecorderConfig.Attribute is required")
	}
	if cfg.Denials < DenialsSensitive || cfg.Denials > DenialsNone {
		return nil, errors.New("audit: RecorderConfig.Denials is not a known level")
	}
	rc := &Recorder{sink: cfg.Sink, attribute: cfg.Attribute, clientIP: cfg.ClientIP,
		requestID: cfg.RequestID, denials: cfg.Denials, onError: cfg.OnError}
	if rc.clientIP == nil {
		rc.clientIP = RemoteAddrIP
	}
	if rc.requestID == nil {
		rc.requestID = func(r *http.Request) string {
			if v := r.Header["X-Request-Id"]; len(v) > 0 && isRequestID(v[0]) {
				return v[0]
			}
			return ""
		}
	}
	if rc.onError == nil {
		rc.onError = func(r *http.Request, e Event, err error) {
			slog.Default().LogAttrs(r.Context(), slog.LevelError, "audit: record failed",
				slog.Any("event", e), slog.String("error", err.Error()))
		}
	}
	return rc, nil
}

// RemoteAddrIP returns the host part of r.RemoteAddr: the client address
// when no proxy is trusted.
func RemoteAddrIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// RouteOption configures one route's recording.
type RouteOption func(*route)

type route struct {
	sensitive bool
	action    Action
	target    func(*http.Request) Target
}

// Sensitive makes a route fail closed: an OutcomeAttempted event is written
// before the handler runs, and when it cannot be written the handler does
// not run and the client gets 503 unavailable. The outcome follows in a
// second event. Denials of the route count as sensitive.
func Sensitive() RouteOption { return func(rt *route) { rt.sensitive = true } }

// WithAction names the route's action (default ActionRequest).
func WithAction(a Action) RouteOption { return func(rt *route) { rt.action = a } }

// WithTarget derives the route's target from the request (for example from
// r.PathValue("id")); it must return ids, never names or emails.
func WithTarget(f func(r *http.Request) Target) RouteOption {
	return func(rt *route) { rt.target = f }
}

// isRead reports the read methods; every other method, unknown ones
// included, is a mutation.
func isRead(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// Middleware returns the recording middleware for a route.
func (rc *Recorder) Middleware(opts ...RouteOption) func(http.Handler) http.Handler {
	var rt route
	for _, o := range opts {
		o(&rt)
	}
	if rt.action == "" {
		rt.action = ActionRequest
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if isRead(r.Method) {
				next.ServeHTTP(w, r)
				return
			}
			a := rc.attribute(r)
			if rt.sensitive {
				a.Sensitive = true
			}
			base := rc.event(r, a, rt)
			attemptID := ""
			if a.Sensitive {
				ev := base
				ev.Outcome = OutcomeAttempted
				stored, err := Record(r.Context(), rc.sink, ev)
				if err != nil {
					problem.Write(w, r, err)
					return
				}
				attemptID = stored.ID
			}
			sw := &statusWriter{ResponseWriter: w}
			finish := func(status int) {
				ev := base
				ev.Status = status
				ev.Outcome = OutcomeFor(status)
				if attemptID != "" {
					ev.Metadata = map[string]string{"attempt": attemptID}
				}
				if _, err := rc.sink.Append(context.WithoutCancel(r.Context()), ev); err != nil {
					rc.onError(r, ev, err)
				}
			}
			defer func() {
				if p := recover(); p != nil {
					finish(http.StatusInternalServerError)
					panic(p)
				}
			}()
			next.ServeHTTP(sw, r)
			finish(sw.Status())
		})
	}
}

// OutcomeFor maps an HTTP status to an outcome: 401, 402, 403, 423 and 429
// are denied, other statuses from 400 up failed, the rest success.
func OutcomeFor(status int) Outcome {
	switch {
	case status == http.StatusUnauthorized, status == http.StatusPaymentRequired,
		status == http.StatusForbidden, status == http.StatusLocked,
		status == http.StatusTooManyRequests:
		return OutcomeDenied
	case status >= 400:
		return OutcomeFailed
	}
	return OutcomeSuccess
}

// event builds the request's event (without outcome and status).
func (rc *Recorder) event(r *http.Request, a Attribution, rt route) Event {
	e := Event{
		Workspace:    a.Workspace,
		Actor:        a.Actor,
		Impersonator: a.Impersonator,
		Action:       rt.action,
		Method:       r.Method,
		Route:        a.Route,
		IP:           rc.clientIP(r),
		RequestID:    rc.requestID(r),
	}
	// The network data belongs to whoever is at the keyboard.
	if a.Impersonator != "" {
		e.Subject = a.Impersonator
	}
	if v := r.Header["User-Agent"]; len(v) > 0 {
		e.UserAgent = v[0]
	}
	if e.Route == "" {
		e.Route = r.Pattern
	}
	if rt.target != nil {
		e.Target = rt.target(r)
	}
	if a.Action != "" {
		e.Action = a.Action
	}
	if a.Target != (Target{}) {
		e.Target = a.Target
	}
	return e
}

// RecordDenial records a request the gate denied, with its status and the
// problem code as reason, if the Recorder's DenialLevel selects it. It is
// meant for the gate's observer hook. It returns Record's error (the denial
// stands either way).
func (rc *Recorder) RecordDenial(r *http.Request, a Attribution, status int, reason problem.Code) error {
	switch {
	case rc.denials == DenialsNone:
		return nil
	case rc.denials == DenialsSensitive && !a.Sensitive:
		return nil
	}
	e := rc.event(r, a, route{action: ActionAccessDenied})
	e.Outcome = OutcomeDenied
	e.Status = status
	if reason != "" {
		e.Metadata = map[string]string{"reason": string(reason)}
	}
	_, err := Record(r.Context(), rc.sink, e)
	return err
}

// isRequestID reports whether s has the shape of a request id: 1–128
// bytes of ASCII letters, digits and "-._:" (UUIDs, ULIDs, trace ids).
func isRequestID(s string) bool {
	if s == "" || len(s) > maxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == ':') {
			return false
		}
	}
	return true
}

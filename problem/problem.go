package problem

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
)

// Code is a stable, machine-readable problem code. Codes never change once
// published; clients may switch on them.
type Code string

// The catalogue. Each code has exactly one HTTP status (see Code.Status).
const (
	CodeInvalidRequest     Code = "invalid_request"
	CodeInvalidWorkspaceID Code = "invalid_workspace_id"
	CodeInvalidEmail       Code = "invalid_email"
	CodeInvalidToken       Code = "invalid_token"
	CodeWorkspaceMismatch  Code = "workspace_mismatch"

	CodeUnauthenticated    Code = "unauthenticated"
	CodeInvalidCredentials Code = "invalid_credentials"
	CodeMFARequired        Code = "mfa_required"
	CodeInvalidOTP         Code = "invalid_otp"

	CodeTrialExpired Code = "trial_expired"

	CodeEmailUnverified          Code = "email_unverified"
	CodeWorkspaceForbidden       Code = "workspace_forbidden"
	CodeWorkspacePendingApproval Code = "workspace_pending_approval"
	CodeWorkspaceRejected        Code = "workspace_rejected"
	CodeWorkspaceSuspended       Code = "workspace_suspended"
	CodePermissionDenied         Code = "permission_denied"
	CodeInvalidInviteCode        Code = "invalid_invite_code"
	CodeOperatorOnly             Code = "operator_only"

	CodeNotFound         Code = "not_found"
	CodeMethodNotAllowed Code = "method_not_allowed"

	CodeWorkspaceLimitReached Code = "workspace_limit_reached"
	CodeLastOwner             Code = "last_owner"
	CodeConflict              Code = "conflict"

	CodeRequestTooLarge      Code = "request_too_large"
	CodeUnsupportedMediaType Code = "unsupported_media_type"

	CodeDisposableEmail  Code = "disposable_email"
	CodeValidationFailed Code = "validation_failed"

	CodeMFALocked Code = "mfa_locked"

	CodeRateLimited Code = "rate_limited"

	CodeUnavailable Code = "unavailable"
)

type entry struct {
	status int
	title  string
	detail string
}

var catalogue = map[Code]entry{
	CodeInvalidRequest:     {400, "Invalid request", "The request is malformed."},
	CodeInvalidWorkspaceID: {400, "Invalid workspace id", "The request does not name a valid workspace."},
	CodeInvalidEmail:       {400, "Invalid email address", "The email address is not valid."},
	CodeInvalidToken:       {400, "Invalid token", "The token is unknown, used or expired."},
	CodeWorkspaceMismatch:  {400, "Workspace mismatch", "The request names more than one workspace."},

	CodeUnauthenticated:    {401, "Authentication required", "The request is not authenticated."},
	CodeInvalidCredentials: {401, "Invalid credentials", "The credentials are not valid."},
	CodeMFARequired:        {401, "Second factor required", "A one-time code or recovery code is required."},
	CodeInvalidOTP:         {401, "Invalid one-time code", "The one-time code is not valid."},

	CodeTrialExpired: {402, "Trial expired", "The workspace trial has ended; choose a plan to make changes."},

	CodeEmailUnverified:          {403, "Email not verified", "Verify your email address first."},
	CodeWorkspaceForbidden:       {403, "Forbidden", "You do not have access to this workspace."},
	CodeWorkspacePendingApproval: {403, "Workspace pending approval", "The workspace is waiting for approval."},
	CodeWorkspaceRejected:        {403, "Workspace rejected", "The workspace was not approved."},
	CodeWorkspaceSuspended:       {403, "Workspace suspended", "The workspace is suspended."},
	CodePermissionDenied:         {403, "Permission denied", "Your role does not allow this action."},
	CodeInvalidInviteCode:        {403, "Invalid invite code", "The invite code is not valid."},
	CodeOperatorOnly:             {403, "Operators only", "This action is reserved to platform operators."},

	CodeNotFound:         {404, "Not found", "The resource does not exist."},
	CodeMethodNotAllowed: {405, "Method not allowed", "The method is not allowed on this resource."},

	CodeWorkspaceLimitReached: {409, "Workspace limit reached", "You already own a workspace."},
	CodeLastOwner:             {409, "Last owner", "A workspace must keep at least one owner."},
	CodeConflict:              {409, "Conflict", "The resource changed; the request conflicts with its current state."},

	CodeRequestTooLarge:      {413, "Request too large", "The request body is too large."},
	CodeUnsupportedMediaType: {415, "Unsupported media type", "The request body must be application/json."},

	CodeDisposableEmail:  {422, "Disposable email address", "Disposable email addresses are not accepted."},
	CodeValidationFailed: {422, "Validation failed", "The request body is not valid."},

	CodeMFALocked: {423, "Second factor locked", "Too many failed attempts; try again later."},

	CodeRateLimited: {429, "Too many requests", "Too many requests; try again later."},

	CodeUnavailable: {503, "Service unavailable", "The service is temporarily unavailable."},
}

// Codes returns every code of the catalogue, in no particular order.
func Codes() []Code {
	out := make([]Code, 0, len(catalogue))
	for c := range catalogue {
		out = append(out, c)
	}
	return out
}

// Known reports whether c is in the catalogue.
func (c Code) Known() bool { _, ok := catalogue[c]; return ok }

// Status is the HTTP status of c; unknown codes report 503.
func (c Code) Status() int {
	if e, ok := catalogue[c]; ok {
		return e.status
	}
	return http.StatusServiceUnavailable
}

// Title is the short, fixed human summary of c.
func (c Code) Title() string {
	if e, ok := catalogue[c]; ok {
		return e.title
	}
	return catalogue[CodeUnavailable].title
}

// TypeURI is the stable problem type URI of c (RFC 9457 "type").
func (c Code) TypeURI() string { return "urn:tenantgate:problem:" + string(c) }

// FieldError is one entry of a validation_failed problem's "errors" array.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a catalogue error. Its Detail is safe to show to users; it never
// carries internal error text. Err, when set, is the internal cause: it is
// available to Go callers through errors.Unwrap and is never rendered.
type Error struct {
	Code   Code
	Detail string
	// Fields lists per-field errors (validation_failed).
	Fields []FieldError
	// RetryAfterSeconds, when positive, is rendered as a Retry-After header in whole
	// seconds, rounded up.
	RetryAfterSeconds int64
	// Err is the internal cause; never rendered.
	Err error
}

// New returns an *Error for code with the catalogue's default detail.
func New(code Code) *Error { return &Error{Code: code} }

// WithDetail returns an *Error for code with a custom user-safe detail.
func WithDetail(code Code, detail string) *Error { return &Error{Code: code, Detail: detail} }

// Wrap returns an *Error for code whose internal cause is err. The cause is
// reachable through errors.Unwrap/errors.As and never rendered.
func Wrap(code Code, err error) *Error { return &Error{Code: code, Err: err} }

// Status is the HTTP status of the error's code.
func (e *Error) Status() int { return e.Code.Status() }

// Error implements error. It names the code and the user-safe detail only.
func (e *Error) Error() string {
	d := e.Detail
	if d == "" {
		d = catalogue[e.Code].detail
	}
	if d == "" {
		return "tenantgate: " + string(e.Code)
	}
	return "tenantgate: " + string(e.Code) + ": " + d
}

// Unwrap returns the internal cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same code, so that every
// error of a code matches that code's sentinel.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Sentinels, one per code, for errors.Is.
var (
	ErrInvalidRequest           = New(CodeInvalidRequest)
	ErrInvalidWorkspaceID       = New(CodeInvalidWorkspaceID)
	ErrInvalidEmail             = New(CodeInvalidEmail)
	ErrInvalidToken             = New(CodeInvalidToken)
	ErrWorkspaceMismatch        = New(CodeWorkspaceMismatch)
	ErrUnauthenticated          = New(CodeUnauthenticated)
	ErrInvalidCredentials       = New(CodeInvalidCredentials)
	ErrMFARequired              = New(CodeMFARequired)
	ErrInvalidOTP               = New(CodeInvalidOTP)
	ErrTrialExpired             = New(CodeTrialExpired)
	ErrEmailUnverified          = New(CodeEmailUnverified)
	ErrWorkspaceForbidden       = New(CodeWorkspaceForbidden)
	ErrWorkspacePendingApproval = New(CodeWorkspacePendingApproval)
	ErrWorkspaceRejected        = New(CodeWorkspaceRejected)
	ErrWorkspaceSuspended       = New(CodeWorkspaceSuspended)
	ErrPermissionDenied         = New(CodePermissionDenied)
	ErrInvalidInviteCode        = New(CodeInvalidInviteCode)
	ErrOperatorOnly             = New(CodeOperatorOnly)
	ErrNotFound                 = New(CodeNotFound)
	ErrMethodNotAllowed         = New(CodeMethodNotAllowed)
	ErrWorkspaceLimitReached    = New(CodeWorkspaceLimitReached)
	ErrLastOwner                = New(CodeLastOwner)
	ErrConflict                 = New(CodeConflict)
	ErrRequestTooLarge          = New(CodeRequestTooLarge)
	ErrUnsupportedMediaType     = New(CodeUnsupportedMediaType)
	ErrDisposableEmail          = New(CodeDisposableEmail)
	ErrValidationFailed         = New(CodeValidationFailed)
	ErrMFALocked                = New(CodeMFALocked)
	ErrRateLimited              = New(CodeRateLimited)
	ErrUnavailable              = New(CodeUnavailable)
)

// From returns the catalogue error that err is or wraps; any other error
// (including nil-free store and driver errors) becomes unavailable, wrapping
// err, so that unknown failures fail closed.
func From(err error) *Error {
	var pe *Error
	if errors.As(err, &pe) && pe.Code.Known() {
		return pe
	}
	return Wrap(CodeUnavailable, err)
}

// Body is the JSON document of a problem response (RFC 9457 members plus the
// "code" extension and, for validation_failed, "errors").
type Body struct {
	Type     string       `json:"type"`
	Title    string       `json:"title"`
	Status   int          `json:"status"`
	Detail   string       `json:"detail"`
	Code     Code         `json:"code"`
	Instance string       `json:"instance,omitempty"`
	Errors   []FieldError `json:"errors,omitempty"`
}

// BodyOf renders err as the problem document Write would send.
func BodyOf(err error) Body {
	pe := From(err)
	d := pe.Detail
	if d == "" {
		d = catalogue[pe.Code].detail
	}
	return Body{
		Type:   pe.Code.TypeURI(),
		Title:  pe.Code.Title(),
		Status: pe.Code.Status(),
		Detail: d,
		Code:   pe.Code,
		Errors: pe.Fields,
	}
}

// Writer writes an error as an HTTP response. Hosts may replace the default
// (Write) wherever the library accepts a Writer.
type Writer func(w http.ResponseWriter, r *http.Request, err error)

// Write sends err as application/problem+json. Errors outside the catalogue
// are sent as 503 unavailable without their text. The response is marked
// Cache-Control: no-store and nosniff; a positive RetryAfterSeconds becomes a
// Retry-After header.
func Write(w http.ResponseWriter, _ *http.Request, err error) {
	pe := From(err)
	b := BodyOf(pe)
	h := w.Header()
	h["Content-Type"] = []string{"application/problem+json"}
	h["Cache-Control"] = []string{"no-store"}
	h["X-Content-Type-Options"] = []string{"nosniff"}
	if pe.RetryAfterSeconds > 0 {
		h["Retry-After"] = []string{strconv.FormatInt(pe.RetryAfterSeconds, 10)}
	}
	buf, mErr := json.Marshal(b)
	if mErr != nil { // cannot happen for Body; keep the response well-formed anyway
		buf = []byte(`{"type":"urn:tenantgate:problem:unavailable","title":"Service unavailable","status":503,"detail":"The service is temporarily unavailable.","code":"unavailable"}`)
		b.Status = http.StatusServiceUnavailable
	}
	buf = append(buf, '\n')
	h["Content-Length"] = []string{strconv.Itoa(len(buf))}
	w.WriteHeader(b.Status)
	_, _ = w.Write(buf)
}

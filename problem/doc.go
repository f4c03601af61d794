// Package problem is tenantgate's error catalogue: every denial the library
// makes has a stable Code, an HTTP status, and an RFC 9457
// application/problem+json rendering.
//
// Go callers get typed errors: every *Error matches the sentinel of its code
// under errors.Is, whatever its detail text, so
//
//	if errors.Is(err, problem.ErrTrialExpired) { … }
//
// works on any error the library returns, wrapped or not.
//
// Write renders any error as problem+json. Errors that are not an *Error
// (a store failure, a driver error) are never echoed: they become the
// catalogue's 503 "unavailable", so a failure is reported closed and without
// internal text.
package problem

package app

import (
	"crypto/rand"
	"log/slog"
	"net/http"
	"strings"

	"github.com/tenantgate/tenantgate/problem"
)

// respWriter records the status for logs and turns the plain-text 404 and
// 405 answers of http.ServeMux into problem+json.
type respWriter struct {
	http.ResponseWriter
	r       *http.Request
	status  int
	swallow bool
	// pattern is the matched route, for the log.
	pattern string
}

// WriteHeader records the status; the mux's own text/plain 404 and 405
// become problem+json.
func (w *respWriter) WriteHeader(code int) {
	if w.status != 0 {
		return
	}
	if code == http.StatusNotFound || code == http.StatusMethodNotAllowed {
		h := w.Header()
		if ct := h["Content-Type"]; len(ct) == 1 && strings.HasPrefix(ct[0], "text/plain") {
			// The mux's own answer for an unknown route or method.
			w.swallow = true
			w.status = code
			err := problem.ErrNotFound
			if code == http.StatusMethodNotAllowed {
				err = problem.ErrMethodNotAllowed
			}
			problem.Write(w.ResponseWriter, w.r, err)
			return
		}
	}
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// Write writes the body (dropped when the answer was replaced).
func (w *respWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.swallow {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Flush lets streaming handlers (export) flush through the wrapper.
func (w *respWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok && !w.swallow {
		f.Flush()
	}
}

// Unwrap exposes the underlying writer to http.ResponseController.
func (w *respWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// requestID returns the request id set by the outer middleware.
func requestID(r *http.Request) string {
	if v := r.Header["X-Request-Id"]; len(v) == 1 {
		return v[0]
	}
	return ""
}

// validRequestID accepts a client-supplied id only when it is short and
// plain (letters, digits, '-', '_', '.'), so it cannot inject into logs or
// audit records.
func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// outer is the first middleware: it assigns the request id (kept from the
// client when plain, generated otherwise), answers problem+json for
// unknown routes and methods, recovers panics as 503, and logs one line per
// request (method, route pattern, status, duration, request id; never the
// query string, headers or body, which may carry tokens).
func (a *App) outer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := systemNow()
		id := ""
		if v := r.Header["X-Request-Id"]; len(v) == 1 && validRequestID(v[0]) {
			id = v[0]
		} else {
			id = rand.Text()
			r.Header["X-Request-Id"] = []string{id}
		}
		w.Header()["X-Request-Id"] = []string{id}
		rw := &respWriter{ResponseWriter: w, r: r}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				a.log.Error("panic", "requestId", id, "panic", slog.AnyValue(p).String())
				if rw.status == 0 {
					problem.Write(rw, r, problem.ErrUnavailable)
				}
			}
			if a.quiet {
				return
			}
			a.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("requestId", id),
				slog.String("method", r.Method),
				slog.String("route", rw.pattern),
				slog.Int("status", rw.status),
				slog.Duration("duration", systemNow().Sub(start)),
			)
		}()
		next.ServeHTTP(rw, r)
	})
}

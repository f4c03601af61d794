package app

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/tenantgate/tenantgate/internal/jsonbody"
	"github.com/tenantgate/tenantgate/problem"
)

// fieldErrors collects validation errors; err returns nil when none.
type fieldErrors []problem.FieldError

func (f *fieldErrors) add(field, msg string) {
	*f = append(*f, problem.FieldError{Field: field, Message: msg})
}

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return &problem.Error{Code: problem.CodeValidationFailed, Fields: f}
}

// writeJSON sends v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	buf, err := json.Marshal(v)
	if err != nil {
		problem.Write(w, nil, err)
		return
	}
	buf = append(buf, '\n')
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	h["X-Content-Type-Options"] = []string{"nosniff"}
	h["Content-Length"] = []string{strconv.Itoa(len(buf))}
	w.WriteHeader(status)
	_, _ = w.Write(buf)
}

// noStore marks a response as not cacheable (credentials, MFA material).
func noStore(w http.ResponseWriter) { w.Header()["Cache-Control"] = []string{"no-store"} }

// pageLimit parses ?limit= (default 50, max 200).
func pageLimit(r *http.Request) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, jsonbody.Invalid("limit", "must be an integer between 1 and 200")
	}
	return min(n, 200), nil
}

package app

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/tenantgate/tenantgate/problem"
)

// MaxBodyBytes is the largest accepted request body (1 MiB); a larger one
// is refused with 413 request_too_large.
const MaxBodyBytes = 1 << 20

// decodeJSON decodes r's body into v strictly: the Content-Type must be
// application/json (415 otherwise), the body at most MaxBodyBytes (413),
// exactly one JSON value with no unknown fields, no wrong types and no
// trailing data (422 validation_failed with field errors); malformed JSON
// is 400 invalid_request.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	ct := r.Header["Content-Type"]
	if len(ct) != 1 {
		return problem.ErrUnsupportedMediaType
	}
	mt, params, err := mime.ParseMediaType(ct[0])
	if err != nil || mt != "application/json" {
		return problem.ErrUnsupportedMediaType
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return problem.ErrUnsupportedMediaType
	}
	if r.ContentLength > MaxBodyBytes {
		return problem.ErrRequestTooLarge
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return problem.ErrRequestTooLarge
		}
		return invalid("", "unexpected data after the JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var (
		mbe *http.MaxBytesError
		ute *json.UnmarshalTypeError
		se  *json.SyntaxError
	)
	switch {
	case errors.As(err, &mbe):
		return problem.ErrRequestTooLarge
	case errors.As(err, &ute):
		field := ute.Field
		return invalid(field, "must be "+jsonKind(ute.Type.Kind().String()))
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF):
		return problem.WithDetail(problem.CodeInvalidRequest, "The request body is not valid JSON.")
	case errors.Is(err, io.EOF):
		return problem.WithDetail(problem.CodeInvalidRequest, "The request body is empty.")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if f, uerr := strconv.Unquote(name); uerr == nil {
			name = f
		}
		return invalid(name, "unknown field")
	}
	// A field's own decoder refused its value (for example a credential
	// that is neither a string, null nor {"clear":true}).
	return invalid("", "a field has an invalid value")
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "int", "int64", "uint64", "float64":
		return "a number"
	}
	return "of another type"
}

// invalid returns a validation_failed error naming one field.
func invalid(field, msg string) error {
	return &problem.Error{Code: problem.CodeValidationFailed, Fields: []problem.FieldError{{Field: field, Message: msg}}}
}

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
		return 0, invalid("limit", "must be an integer between 1 and 200")
	}
	return min(n, 200), nil
}

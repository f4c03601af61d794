package jsonbody

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/tenantgate/tenantgate/problem"
)

// DefaultLimit is the reference server's body limit (1 MiB). Routes whose
// bodies are small by nature may pass a smaller limit.
const DefaultLimit = 1 << 20

// Decode reads r's body as one JSON value of type T, at most limit bytes,
// with the refusals listed in the package doc. The Content-Type must be
// sent exactly once. A declared Content-Length over limit is refused
// before anything is read; the body is read through http.MaxBytesReader,
// so the server closes the connection after an oversized body. On error
// it returns the zero T. limit must be positive (a non-positive limit
// refuses every non-empty body).
func Decode[T any](w http.ResponseWriter, r *http.Request, limit int64) (T, error) {
	var zero T
	ct := r.Header["Content-Type"]
	if len(ct) != 1 {
		return zero, problem.ErrUnsupportedMediaType
	}
	if err := checkContentType(ct[0]); err != nil {
		return zero, err
	}
	if r.ContentLength > limit {
		return zero, problem.ErrRequestTooLarge
	}
	if r.Body == nil {
		return zero, emptyBody()
	}
	return read[T](http.MaxBytesReader(w, r.Body, max(limit, 0)), limit)
}

// DecodeReader is Decode for a body and its Content-Type value (for callers
// that hold no request, such as parsers under test).
func DecodeReader[T any](body io.Reader, contentType string, limit int64) (T, error) {
	var zero T
	if err := checkContentType(contentType); err != nil {
		return zero, err
	}
	return read[T](body, limit)
}

// DecodeBytes is the JSON part of Decode: body must hold exactly one JSON
// value of type T with no unknown field and no wrong type.
func DecodeBytes[T any](body []byte) (T, error) {
	var v, zero T
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return zero, decodeError(err)
	}
	// Token, not More: More misses a stray '}' or ']' after the value.
	if _, err := dec.Token(); err != io.EOF {
		return zero, Invalid("", "unexpected data after the JSON object")
	}
	return v, nil
}

func checkContentType(ct string) error {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return problem.ErrUnsupportedMediaType
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return problem.ErrUnsupportedMediaType
	}
	return nil
}

func read[T any](body io.Reader, limit int64) (T, error) {
	var zero T
	limit = max(limit, 0)
	buf, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			return zero, problem.ErrRequestTooLarge
		}
		return zero, problem.WithDetail(problem.CodeInvalidRequest, "The request body could not be read.")
	}
	if int64(len(buf)) > limit {
		return zero, problem.ErrRequestTooLarge
	}
	return DecodeBytes[T](buf)
}

func emptyBody() error {
	return problem.WithDetail(problem.CodeInvalidRequest, "The request body is empty.")
}

// decodeError maps an encoding/json error to the catalogue.
func decodeError(err error) error {
	var (
		ute *json.UnmarshalTypeError
		se  *json.SyntaxError
	)
	switch {
	case errors.As(err, &ute):
		return Invalid(ute.Field, "must be "+kind(ute.Type.Kind().String()))
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF):
		return problem.WithDetail(problem.CodeInvalidRequest, "The request body is not valid JSON.")
	case errors.Is(err, io.EOF):
		return emptyBody()
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if f, uerr := strconv.Unquote(name); uerr == nil {
			name = f
		}
		return Invalid(name, "unknown field")
	}
	// A field's own UnmarshalJSON refused its value.
	return Invalid("", "a field has an invalid value")
}

func kind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "a number"
	}
	return "of another type"
}

// Invalid returns a 422 validation_failed error naming one field ("" for
// the body as a whole).
func Invalid(field, msg string) error {
	return &problem.Error{Code: problem.CodeValidationFailed, Fields: []problem.FieldError{{Field: field, Message: msg}}}
}

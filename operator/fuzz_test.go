package operator_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tenantgate/tenantgate/operator"
	"github.com/tenantgate/tenantgate/problem"
)

// FuzzDecodeReason feeds arbitrary bodies to the transition body parser: it
// must never panic, and every error must be a catalogue error of the
// request class (never unavailable).
func FuzzDecodeReason(f *testing.F) {
	for _, s := range []string{`{"reason":"ok"}`, `{}`, `null`, `[]`, `{"reason":1}`, `{"reason":"a"} x`, "{\"reason\":\"\u2028\"}", ``, `{"reason":"a","x":1}`} {
		f.Add(s, "application/json")
	}
	f.Add(`{"reason":"a"}`, "application/json; charset=utf-8")
	f.Add(`{"reason":"a"}`, "text/plain")
	f.Fuzz(func(t *testing.T, body, ctype string) {
		req, err := operator.DecodeReason(strings.NewReader(body), ctype)
		if err != nil {
			var pe *problem.Error
			if !errors.As(err, &pe) {
				t.Fatalf("non-catalogue error %v", err)
			}
			switch pe.Code {
			case problem.CodeInvalidRequest, problem.CodeValidationFailed, problem.CodeUnsupportedMediaType, problem.CodeRequestTooLarge:
			default:
				t.Fatalf("unexpected code %s", pe.Code)
			}
			if req != (operator.ReasonRequest{}) {
				t.Fatalf("partial result on error: %+v", req)
			}
		}
	})
}

// FuzzParseListQuery feeds arbitrary raw queries to the list route's
// parser: no panic, only request-class errors.
func FuzzParseListQuery(f *testing.F) {
	for _, s := range []string{"", "status=active", "limit=10&cursor=abc", "q=%zz", "status=a;q=b", "limit=-1", "limit=01", "x=1", "status=a&status=b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		opts, err := operator.ParseListQuery(raw)
		if err != nil {
			c := problem.From(err).Code
			if c != problem.CodeInvalidRequest && c != problem.CodeValidationFailed {
				t.Fatalf("unexpected code %s", c)
			}
			return
		}
		if opts.Limit < 0 {
			t.Fatalf("negative limit %d accepted", opts.Limit)
		}
	})
}

package jsonbody_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/internal/jsonbody"
	"github.com/tenantgate/tenantgate/problem"
)

type eraseBody struct {
	Password string `json:"password"`
	Code     string `json:"code"`
}

// Attack: get a body past the decoder with a content type, encoding or
// shape that another parser (a proxy, a WAF, a logger) would read
// differently. Each is refused with its catalogue code and the zero value.
func TestAttack_DecoderDifferentials(t *testing.T) {
	cases := []struct {
		name, ct, body string
		want           problem.Code
	}{
		{"utf-16 charset", "application/json; charset=utf-16", `{"password":"x"}`, problem.CodeUnsupportedMediaType},
		{"json suffix type", "application/merge-patch+json", `{"password":"x"}`, problem.CodeUnsupportedMediaType},
		{"text/json", "text/json", `{"password":"x"}`, problem.CodeUnsupportedMediaType},
		{"two types in one header", "application/json, text/plain", `{"password":"x"}`, problem.CodeUnsupportedMediaType},
		{"form", "application/x-www-form-urlencoded", `password=x`, problem.CodeUnsupportedMediaType},
		{"byte order mark", "application/json", "\ufeff{\"password\":\"x\"}", problem.CodeInvalidRequest},
		{"two objects", "application/json", `{"password":"x"}{"password":"y"}`, problem.CodeValidationFailed},
		{"array of objects", "application/json", `[{"password":"x"}]`, problem.CodeValidationFailed},
		{"unknown field", "application/json", `{"password":"x","admin":true}`, problem.CodeValidationFailed},
		{"number for a string", "application/json", `{"password":123456}`, problem.CodeValidationFailed},
		{"NaN literal", "application/json", `{"password":NaN}`, problem.CodeInvalidRequest},
		{"single quotes", "application/json", `{'password':'x'}`, problem.CodeInvalidRequest},
		{"comment", "application/json", `{"password":"x" /* c */}`, problem.CodeInvalidRequest},
		{"deep nesting", "application/json", strings.Repeat("[", 20000) + strings.Repeat("]", 20000), problem.CodeRequestTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(tc.body))
			r.Header.Set("Content-Type", tc.ct)
			v, err := jsonbody.Decode[eraseBody](httptest.NewRecorder(), r, 4<<10)
			require.Error(t, err)
			assert.Equal(t, tc.want, problem.From(err).Code, "%v", err)
			assert.Zero(t, v)
		})
	}
	t.Run("nesting deeper than encoding/json allows, under the size limit", func(t *testing.T) {
		body := `{"password":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`
		v, err := jsonbody.DecodeReader[eraseBody](strings.NewReader(body), "application/json", 1<<20)
		require.Error(t, err)
		assert.Less(t, problem.From(err).Status(), 500, "a client error, not an outage: %v", err)
		assert.Zero(t, v)
	})
	t.Run("two Content-Type headers", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(`{"password":"x"}`))
		r.Header["Content-Type"] = []string{"application/json", "application/json"}
		_, err := jsonbody.Decode[eraseBody](httptest.NewRecorder(), r, 4<<10)
		assert.Equal(t, problem.CodeUnsupportedMediaType, problem.From(err).Code)
	})
}

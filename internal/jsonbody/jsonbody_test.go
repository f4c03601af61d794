package jsonbody_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/internal/jsonbody"
	"github.com/tenantgate/tenantgate/problem"
)

type stepUp struct {
	Password string   `json:"password"`
	Code     string   `json:"code"`
	Tags     []string `json:"tags"`
	Age      int      `json:"age"`
	Inner    struct {
		On bool `json:"on"`
	} `json:"inner"`
}

const limit = 64

// TestDecode_Attacks: every malformed body is refused with the catalogue
// status, code and field, and yields the zero value (never half a body).
func TestDecode_Attacks(t *testing.T) {
	cases := []struct {
		name    string
		ctype   []string
		body    string
		status  int
		code    problem.Code
		field   string
		message string
	}{
		{"form body", []string{"application/x-www-form-urlencoded"}, `password=x`, 415, problem.CodeUnsupportedMediaType, "", ""},
		{"no content type", nil, `{"password":"x"}`, 415, problem.CodeUnsupportedMediaType, "", ""},
		{"two content types", []string{"application/json", "text/plain"}, `{"password":"x"}`, 415, problem.CodeUnsupportedMediaType, "", ""},
		{"latin-1 charset", []string{"application/json; charset=iso-8859-1"}, `{"password":"x"}`, 415, problem.CodeUnsupportedMediaType, "", ""},
		{"json suffix type", []string{"application/problem+json"}, `{"password":"x"}`, 415, problem.CodeUnsupportedMediaType, "", ""},
		{"over the limit", []string{"application/json"}, `{"password":"` + strings.Repeat("a", limit) + `"}`, 413, problem.CodeRequestTooLarge, "", ""},
		{"empty body", []string{"application/json"}, ``, 400, problem.CodeInvalidRequest, "", ""},
		{"not json", []string{"application/json"}, `password=x`, 400, problem.CodeInvalidRequest, "", ""},
		{"truncated", []string{"application/json"}, `{"password":"x"`, 400, problem.CodeInvalidRequest, "", ""},
		{"unknown field", []string{"application/json"}, `{"password":"x","user":"u-ann"}`, 422, problem.CodeValidationFailed, "user", "unknown field"},
		{"wrong type string", []string{"application/json"}, `{"password":42}`, 422, problem.CodeValidationFailed, "password", "must be a string"},
		{"wrong type number", []string{"application/json"}, `{"age":"9"}`, 422, problem.CodeValidationFailed, "age", "must be a number"},
		{"wrong type array", []string{"application/json"}, `{"tags":"x"}`, 422, problem.CodeValidationFailed, "tags", "must be an array"},
		{"nested wrong type", []string{"application/json"}, `{"inner":{"on":"yes"}}`, 422, problem.CodeValidationFailed, "inner.on", "must be a boolean"},
		{"array body", []string{"application/json"}, `["x"]`, 422, problem.CodeValidationFailed, "", "must be an object"},
		{"two values", []string{"application/json"}, `{"password":"x"}{}`, 422, problem.CodeValidationFailed, "", "unexpected data after the JSON object"},
		{"trailing brace", []string{"application/json"}, `{"password":"x"}}`, 422, problem.CodeValidationFailed, "", "unexpected data after the JSON object"},
		{"trailing bracket", []string{"application/json"}, `{"password":"x"}]`, 422, problem.CodeValidationFailed, "", "unexpected data after the JSON object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
			if tc.ctype != nil {
				r.Header["Content-Type"] = tc.ctype
			}
			v, err := jsonbody.Decode[stepUp](httptest.NewRecorder(), r, limit)
			var pe *problem.Error
			require.True(t, errors.As(err, &pe), "%v", err)
			assert.Equal(t, tc.code, pe.Code)
			assert.Equal(t, tc.status, pe.Status())
			if tc.code == problem.CodeValidationFailed {
				require.Len(t, pe.Fields, 1)
				assert.Equal(t, tc.field, pe.Fields[0].Field)
				assert.Equal(t, tc.message, pe.Fields[0].Message)
			}
			assert.Zero(t, v, "no half-decoded value")
		})
	}
}

func TestDecode_Accepts(t *testing.T) {
	for name, c := range map[string]struct{ ctype, body string }{
		"plain":              {"application/json", `{"password":"x","code":"1"}`},
		"utf-8 charset":      {"application/json; charset=UTF-8", `{"password":"x","code":"1"}`},
		"trailing space":     {"application/json", "{\"password\":\"x\",\"code\":\"1\"}\r\n\t "},
		"exactly the limit":  {"Application/JSON", `{"password":"x","code":"1"}` + strings.Repeat(" ", limit-len(`{"password":"x","code":"1"}`))},
		"control characters": {"application/json", `{"password":"x","code":"1","tags":["\u2028\r\n\u001b"]}`},
	} {
		t.Run(name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(c.body))
			r.Header.Set("Content-Type", c.ctype)
			v, err := jsonbody.Decode[stepUp](httptest.NewRecorder(), r, limit)
			require.NoError(t, err)
			assert.Equal(t, "x", v.Password)
			assert.Equal(t, "1", v.Code)
		})
	}
}

// TestDecode_DeclaredLengthRefusedUnread: a Content-Length over the limit
// is refused before the body is read.
func TestDecode_DeclaredLengthRefusedUnread(t *testing.T) {
	body := &countingReader{r: strings.NewReader(`{}`)}
	r := httptest.NewRequest(http.MethodPost, "/", body)
	r.Header.Set("Content-Type", "application/json")
	r.ContentLength = limit + 1
	_, err := jsonbody.Decode[stepUp](httptest.NewRecorder(), r, limit)
	assert.ErrorIs(t, err, problem.ErrRequestTooLarge)
	assert.Zero(t, body.n)
}

// TestDecode_UndeclaredLengthStopsAtLimit: a chunked body (no declared
// length) is read at most one byte past the limit.
func TestDecode_UndeclaredLengthStopsAtLimit(t *testing.T) {
	body := &countingReader{r: strings.NewReader(strings.Repeat(" ", 10*limit))}
	r := httptest.NewRequest(http.MethodPost, "/", body)
	r.Header.Set("Content-Type", "application/json")
	r.ContentLength = -1
	_, err := jsonbody.Decode[stepUp](httptest.NewRecorder(), r, limit)
	assert.ErrorIs(t, err, problem.ErrRequestTooLarge)
	assert.LessOrEqual(t, body.n, 2*limit)
}

func TestDecodeReader_SameRules(t *testing.T) {
	_, err := jsonbody.DecodeReader[stepUp](strings.NewReader(`{"x":1}`), "application/json", limit)
	var pe *problem.Error
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, problem.CodeValidationFailed, pe.Code)
	assert.Equal(t, "x", pe.Fields[0].Field)
	_, err = jsonbody.DecodeReader[stepUp](strings.NewReader(`{}`), "text/json", limit)
	assert.ErrorIs(t, err, problem.ErrUnsupportedMediaType)
	_, err = jsonbody.DecodeReader[stepUp](io.MultiReader(strings.NewReader("{"), errReader{}), "application/json", limit)
	assert.ErrorIs(t, err, problem.ErrInvalidRequest)
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

// FuzzDecodeBytes: arbitrary bodies never panic, every error is a
// request-class catalogue error, and an error never comes with a value.
func FuzzDecodeBytes(f *testing.F) {
	for _, s := range []string{`{"password":"x"}`, `{}`, `null`, `[]`, `{"age":1e400}`, `{"password":"a"} x`, `{"password":"a"}}`, ``, `{"inner":{"on":1}}`, "{\"password\":\"\xff\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		v, err := jsonbody.DecodeBytes[stepUp](body)
		if err == nil {
			return
		}
		switch c := problem.From(err).Code; c {
		case problem.CodeInvalidRequest, problem.CodeValidationFailed:
		default:
			t.Fatalf("unexpected code %s for %q", c, body)
		}
		if v.Password != "" || v.Code != "" || v.Tags != nil || v.Age != 0 || v.Inner.On {
			t.Fatalf("value on error: %+v", v)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	body := `{"password":"correct horse battery staple","code":"123456"}`
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header["Content-Type"] = []string{"application/json"}
		if _, err := jsonbody.Decode[stepUp](nil, r, jsonbody.DefaultLimit); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode_OversizedBody(b *testing.B) {
	body := strings.Repeat(" ", 2*jsonbody.DefaultLimit)
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header["Content-Type"] = []string{"application/json"}
		r.ContentLength = -1
		if _, err := jsonbody.Decode[stepUp](nil, r, jsonbody.DefaultLimit); !errors.Is(err, problem.ErrRequestTooLarge) {
			b.Fatal(err)
		}
	}
}

package problem_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/problem"
)

func TestCatalogueStatuses(t *testing.T) {
	want := map[problem.Code]int{
		problem.CodeInvalidWorkspaceID: 400, problem.CodeWorkspaceMismatch: 400,
		problem.CodeUnauthenticated: 401, problem.CodeMFARequired: 401,
		problem.CodeTrialExpired: 402, problem.CodeWorkspaceForbidden: 403,
		problem.CodeWorkspaceSuspended: 403, problem.CodeNotFound: 404,
		problem.CodeMethodNotAllowed: 405, problem.CodeLastOwner: 409,
		problem.CodeRequestTooLarge: 413, problem.CodeUnsupportedMediaType: 415,
		problem.CodeValidationFailed: 422, problem.CodeMFALocked: 423,
		problem.CodeRateLimited: 429, problem.CodeUnavailable: 503,
	}
	for c, s := range want {
		assert.Equal(t, s, c.Status(), c)
	}
	assert.Len(t, problem.Codes(), 30)
	for _, c := range problem.Codes() {
		assert.NotEmpty(t, c.Title(), c)
		assert.True(t, c.Known())
	}
}

func TestErrorsIsMatchesCode(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", problem.WithDetail(problem.CodeTrialExpired, "custom"))
	assert.ErrorIs(t, err, problem.ErrTrialExpired)
	assert.NotErrorIs(t, err, problem.ErrWorkspaceForbidden)
}

func TestWriteNeverEchoesInternalErrors(t *testing.T) {
	rec := httptest.NewRecorder()
	problem.Write(rec, httptest.NewRequest("GET", "/", nil), errors.New("mongo: connection refused to 10.0.0.5 password=hunter2"))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	assert.NotContains(t, rec.Body.String(), "hunter2")
	assert.NotContains(t, rec.Body.String(), "mongo")
	var b problem.Body
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &b))
	assert.Equal(t, problem.CodeUnavailable, b.Code)
	assert.Equal(t, 503, b.Status)
}

func TestWriteRendersRFC9457(t *testing.T) {
	rec := httptest.NewRecorder()
	e := &problem.Error{Code: problem.CodeRateLimited, RetryAfterSeconds: 42}
	problem.Write(rec, httptest.NewRequest("GET", "/", nil), e)
	assert.Equal(t, 429, rec.Code)
	assert.Equal(t, "42", rec.Header().Get("Retry-After"))
	var m map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &m))
	assert.Equal(t, "urn:tenantgate:problem:rate_limited", m["type"])
	assert.Equal(t, float64(429), m["status"])
	assert.Equal(t, "rate_limited", m["code"])
	assert.NotEmpty(t, m["title"])
	assert.NotContains(t, m, "errors")

	rec = httptest.NewRecorder()
	problem.Write(rec, nil, &problem.Error{Code: problem.CodeValidationFailed, Fields: []problem.FieldError{{Field: "email", Message: "required"}}})
	assert.Equal(t, 422, rec.Code)
	assert.True(t, strings.Contains(rec.Body.String(), `"errors":[{"field":"email","message":"required"}]`))
}

func ExampleWrite() {
	rec := httptest.NewRecorder()
	problem.Write(rec, nil, problem.ErrTrialExpired)
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Print(rec.Body.String())
	// Output:
	// 402 application/problem+json
	// {"type":"urn:tenantgate:problem:trial_expired","title":"Trial expired","status":402,"detail":"The workspace trial has ended; choose a plan to make changes.","code":"trial_expired"}
}

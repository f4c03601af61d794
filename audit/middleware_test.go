package audit_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/problem"
)

func attribution(r *http.Request) audit.Attribution {
	return audit.Attribution{Workspace: "ws_1", Actor: "u_1"}
}

func newRecorder(t *testing.T, sink audit.Sink, level audit.DenialLevel) *audit.Recorder {
	t.Helper()
	rc, err := audit.NewRecorder(audit.RecorderConfig{Sink: sink, Attribute: attribution, Denials: level,
		OnError: func(*http.Request, audit.Event, error) {}})
	require.NoError(t, err)
	return rc
}

func TestNewRecorder_ValidatesConfig(t *testing.T) {
	st := memstore.NewAudit()
	cases := []struct {
		name string
		cfg  audit.RecorderConfig
	}{
		{"no sink", audit.RecorderConfig{Attribute: attribution}},
		{"no attribution", audit.RecorderConfig{Sink: st}},
		{"unknown denial level", audit.RecorderConfig{Sink: st, Attribute: attribution, Denials: 7}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := audit.NewRecorder(tc.cfg)
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), "audit: "))
		})
	}
}

func TestMiddleware_RecordsMutations(t *testing.T) {
	cases := []struct {
		name    string
		method  string
		handler http.HandlerFunc
		record  bool
		status  int
		outcome audit.Outcome
	}{
		{"GET is a read", "GET", func(w http.ResponseWriter, r *http.Request) {}, false, 0, ""},
		{"HEAD is a read", "HEAD", func(w http.ResponseWriter, r *http.Request) {}, false, 0, ""},
		{"OPTIONS is a read", "OPTIONS", func(w http.ResponseWriter, r *http.Request) {}, false, 0, ""},
		{"POST created", "POST", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(201) }, true, 201, audit.OutcomeSuccess},
		{"PUT implicit 200", "PUT", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) }, true, 200, audit.OutcomeSuccess},
		{"PATCH nothing written", "PATCH", func(w http.ResponseWriter, r *http.Request) {}, true, 200, audit.OutcomeSuccess},
		{"DELETE 204", "DELETE", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }, true, 204, audit.OutcomeSuccess},
		{"unknown method is a write", "PURGE", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }, true, 200, audit.OutcomeSuccess},
		{"lower-case get is a write", "get", func(w http.ResponseWriter, r *http.Request) {}, true, 200, audit.OutcomeSuccess},
		{"handler denial", "POST", func(w http.ResponseWriter, r *http.Request) { problem.Write(w, r, problem.ErrLastOwner) }, true, 409, audit.OutcomeFailed},
		{"handler forbidden", "POST", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(403) }, true, 403, audit.OutcomeDenied},
		{"validation failure", "POST", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(422) }, true, 422, audit.OutcomeFailed},
		{"server error", "POST", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }, true, 500, audit.OutcomeFailed},
		{"early hints then created", "POST", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(103); w.WriteHeader(201) }, true, 201, audit.OutcomeSuccess},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := memstore.NewAudit()
			trail, err := audit.New(audit.Config{Store: st, Clock: &fixedClock{t0}, Keys: memstore.NewSubjectKeys()})
			require.NoError(t, err)
			mux := http.NewServeMux()
			mux.Handle("/api/crm/contacts/{id}", newRecorder(t, trail, audit.DenialsSensitive).Middleware(
				audit.WithTarget(func(r *http.Request) audit.Target { return audit.Target{Type: "contact", ID: r.PathValue("id")} }),
			)(tc.handler))
			req := httptest.NewRequest(tc.method, "/api/crm/contacts/c_9?token=canary", nil)
			req.RemoteAddr = "192.0.2.1:5555"
			req.Header.Set("X-Request-Id", "req-1")
			mux.ServeHTTP(httptest.NewRecorder(), req)

			evs := readAll(t, st, "ws_1")
			if !tc.record {
				assert.Empty(t, evs)
				return
			}
			require.Len(t, evs, 1)
			e := evs[0]
			assert.Equal(t, tc.status, e.Status)
			assert.Equal(t, tc.outcome, e.Outcome)
			assert.Equal(t, tc.method, e.Method)
			assert.Equal(t, "/api/crm/contacts/{id}", e.Route)
			assert.Equal(t, audit.Target{Type: "contact", ID: "c_9"}, e.Target)
			assert.Equal(t, audit.ActionRequest, e.Action)
			assert.Equal(t, "u_1", e.Actor)
			assert.Equal(t, "req-1", e.RequestID)
			opened, err := trail.Open(context.Background(), e)
			require.NoError(t, err)
			assert.Equal(t, "192.0.2.1", opened.IP)
		})
	}
}

func TestAdvisory_ForwardedForIsNotTrustedByDefault(t *testing.T) {
	st, trail := newTrail(t)
	h := newRecorder(t, trail, audit.DenialsSensitive).Middleware()(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	req := httptest.NewRequest("POST", "/x", nil)
	req.RemoteAddr = "192.0.2.1:5555"
	req.Header.Set("X-Forwarded-For", "203.0.113.66")
	req.Header.Set("X-Real-IP", "203.0.113.66")
	h.ServeHTTP(httptest.NewRecorder(), req)
	opened, err := trail.Open(context.Background(), readAll(t, st, "ws_1")[0])
	require.NoError(t, err)
	assert.Equal(t, "192.0.2.1", opened.IP)
}

func TestMiddleware_PanicIsRecordedAsFailure(t *testing.T) {
	st, trail := newTrail(t)
	h := newRecorder(t, trail, audit.DenialsSensitive).Middleware()(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom")
	}))
	assert.PanicsWithValue(t, "boom", func() { h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/x", nil)) })
	evs := readAll(t, st, "ws_1")
	require.Len(t, evs, 1)
	assert.Equal(t, audit.OutcomeFailed, evs[0].Outcome)
	assert.Equal(t, 500, evs[0].Status)
}

func TestMiddleware_PreservesFlusherAndUnwrap(t *testing.T) {
	_, trail := newTrail(t)
	var flusher, rcFlush bool
	h := newRecorder(t, trail, audit.DenialsSensitive).Middleware()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := w.(http.Flusher)
		flusher = ok
		if ok {
			f.Flush()
		}
		rcFlush = http.NewResponseController(w).Flush() == nil
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/x", nil))
	assert.True(t, flusher)
	assert.True(t, rcFlush)
	assert.True(t, rec.Flushed)
}

func TestAdvisory_SensitiveActionFailsClosed(t *testing.T) {
	sink := &failingSink{}
	ran := 0
	h := newRecorder(t, sink, audit.DenialsSensitive).Middleware(audit.Sensitive(), audit.WithAction(audit.ActionWorkspaceApprove))(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ran++ }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/admin/workspaces/ws_1/approve", nil))
	assert.Equal(t, 0, ran, "the action must not run")
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	var body problem.Body
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	assert.Equal(t, problem.CodeUnavailable, body.Code)
	assert.NotContains(t, rec.Body.String(), "10.0.0.5", "no store error text")
	assert.Equal(t, 1, sink.calls)
}

func TestMiddleware_SensitiveWritesAttemptThenOutcome(t *testing.T) {
	st, trail := newTrail(t)
	h := newRecorder(t, trail, audit.DenialsSensitive).Middleware(audit.Sensitive(), audit.WithAction(audit.ActionWorkspaceApprove))(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			assert.Len(t, readAll(t, st, "ws_1"), 1, "attempt recorded before the action")
		}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/x", nil))
	evs := readAll(t, st, "ws_1")
	require.Len(t, evs, 2)
	assert.Equal(t, audit.OutcomeAttempted, evs[0].Outcome)
	assert.Equal(t, audit.OutcomeSuccess, evs[1].Outcome)
	assert.Equal(t, evs[0].ID, evs[1].Metadata["attempt"])
	assert.Equal(t, audit.ActionWorkspaceApprove, evs[1].Action)
}

func TestMiddleware_NonSensitiveRecordFailureIsReported(t *testing.T) {
	var reported error
	rc, err := audit.NewRecorder(audit.RecorderConfig{Sink: &failingSink{}, Attribute: attribution,
		OnError: func(_ *http.Request, _ audit.Event, err error) { reported = err }})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	rc.Middleware()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(201) })).
		ServeHTTP(rec, httptest.NewRequest("POST", "/x", nil))
	assert.Equal(t, 201, rec.Code)
	assert.Error(t, reported)
}

func TestRecordDenial_Levels(t *testing.T) {
	cases := []struct {
		name      string
		level     audit.DenialLevel
		sensitive bool
		recorded  bool
	}{
		{"default level, sensitive route", audit.DenialsSensitive, true, true},
		{"default level, ordinary route", audit.DenialsSensitive, false, false},
		{"all, ordinary route", audit.DenialsAll, false, true},
		{"none, sensitive route", audit.DenialsNone, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, trail := newTrail(t)
			rc := newRecorder(t, trail, tc.level)
			req := httptest.NewRequest("POST", "/admin/workspaces/ws_1/approve", nil)
			err := rc.RecordDenial(req, audit.Attribution{Workspace: "ws_1", Actor: "u_2", Sensitive: tc.sensitive},
				http.StatusForbidden, problem.CodeOperatorOnly)
			require.NoError(t, err)
			evs := readAll(t, st, "ws_1")
			if !tc.recorded {
				assert.Empty(t, evs)
				return
			}
			require.Len(t, evs, 1)
			assert.Equal(t, audit.OutcomeDenied, evs[0].Outcome)
			assert.Equal(t, audit.ActionAccessDenied, evs[0].Action)
			assert.Equal(t, 403, evs[0].Status)
			assert.Equal(t, "operator_only", evs[0].Metadata["reason"])
		})
	}
}

func TestRecord_FailsClosed(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		sink audit.Sink
	}{
		{"no sink", nil},
		{"failing sink", &failingSink{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := audit.Record(ctx, tc.sink, personalEvent())
			require.Error(t, err)
			assert.ErrorIs(t, err, problem.ErrUnavailable)
			assert.ErrorIs(t, err, audit.ErrUnavailable)
			rec := httptest.NewRecorder()
			problem.Write(rec, httptest.NewRequest("POST", "/", nil), err)
			assert.Equal(t, 503, rec.Code)
			assert.NotContains(t, rec.Body.String(), "10.0.0.5")
		})
	}
	t.Run("invalid event", func(t *testing.T) {
		_, err := audit.Record(ctx, memstore.NewAudit(), audit.Event{})
		assert.ErrorIs(t, err, problem.ErrUnavailable)
		assert.True(t, errors.Is(err, audit.ErrInvalidEvent))
	})
	t.Run("success", func(t *testing.T) {
		got, err := audit.Record(ctx, memstore.NewAudit(), audit.Event{Time: t0, Action: "a", Outcome: audit.OutcomeSuccess})
		require.NoError(t, err)
		assert.Equal(t, uint64(1), got.Seq)
	})
}

package audit_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/memstore"
)

// idShaped is the request id grammar the recorder documents: 1–128 bytes of
// ASCII letters, digits and "-._:".
func idShaped(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._:", c) >= 0) {
			return false
		}
	}
	return true
}

// FuzzRecorderRequestID sends any X-Request-Id through the recorder's
// middleware: the chain stores the header only when it is id-shaped, and
// stores nothing otherwise, so no client free text enters the immutable
// chain.
func FuzzRecorderRequestID(f *testing.F) {
	for _, s := range []string{"3f2504e0-4f89-11d3-9a0c-0305e82c3301", "01ARZ3NDEKTSV4RRFFQ69G5FAV",
		"victim@example.com", "req\r\nforged", "Bearer X", strings.Repeat("a", 129), "ａ", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		st := memstore.NewAudit()
		trail, err := audit.New(audit.Config{Store: st, Clock: &fixedClock{t0}, Keys: memstore.NewSubjectKeys()})
		require.NoError(t, err)
		h := newRecorder(t, trail, audit.DenialsSensitive).Middleware()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusCreated)
		}))
		req := httptest.NewRequest(http.MethodPost, "/api/crm/contacts", nil)
		req.Header["X-Request-Id"] = []string{id}
		h.ServeHTTP(httptest.NewRecorder(), req)
		evs := readAll(t, st, "ws_1")
		require.Len(t, evs, 1)
		want := ""
		if idShaped(id) {
			want = id
		}
		if evs[0].RequestID != want {
			t.Fatalf("header %q recorded as %q, want %q", id, evs[0].RequestID, want)
		}
	})
}

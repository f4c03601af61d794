package app

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tenantgate/tenantgate/internal/jsonbody"
	"github.com/tenantgate/tenantgate/problem"
)

// FuzzDecodeJSON: whatever the body and content type, reading a contact
// (the server's decoding under its 1 MiB limit, then the contact's own
// checks) answers nil or a catalogue error of the documented codes, a
// validation failure always naming its fields — never a panic, never
// another error.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"name":"x"}`, `{"name":1}`, `{"name":"x"} {}`, `{"name":"x","admin":true}`, ``, `[`, `null`,
		`{"name":"\u2028\r\n"}`, `{"workspaceId":"ws-a","name":"x"}`, `{"workspaceId":"ws-b","name":"x"}`, `{"name":"x"}` + strings.Repeat(" ", 100),
		`{"name":"x"}}`, `{"email":"not-an-address"}`} {
		f.Add(s, "application/json")
	}
	f.Add(`{"name":"x"}`, "text/plain")
	f.Add(`{"name":"x"}`, "application/json; charset=latin1")
	f.Fuzz(func(t *testing.T, body, ctype string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		in, err := jsonbody.Decode[contactIn](httptest.NewRecorder(), r, jsonbody.DefaultLimit)
		if err == nil {
			err = in.check("ws-a", true)
		}
		if err == nil {
			return
		}
		var pe *problem.Error
		if !errors.As(err, &pe) {
			t.Fatalf("non-catalogue error %v", err)
		}
		switch pe.Code {
		case problem.CodeValidationFailed:
			if len(pe.Fields) == 0 {
				t.Fatalf("validation_failed without field errors")
			}
		case problem.CodeUnsupportedMediaType, problem.CodeRequestTooLarge, problem.CodeInvalidRequest, problem.CodeWorkspaceMismatch:
		default:
			t.Fatalf("unexpected code %s", pe.Code)
		}
	})
}

// FuzzRequestID: a client request id is echoed only when plain; anything
// else is replaced, so no header or log injection passes through.
func FuzzRequestID(f *testing.F) {
	for _, s := range []string{"abc-123", "bad\r\nid", "", strings.Repeat("a", 65), "ok.id_1"} {
		f.Add(s)
	}
	a, err := New(Config{InviteCode: "beta-code-123", OperatorEmail: "ops@example.com", OperatorPassword: "x",
		Password: PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, id string) {
		r := httptest.NewRequest("GET", "/healthz", nil)
		r.Header["X-Request-Id"] = []string{id}
		w := httptest.NewRecorder()
		a.ServeHTTP(w, r)
		got := w.Header().Get("X-Request-Id")
		if !validRequestID(got) {
			t.Fatalf("echoed an unsafe request id %q", got)
		}
		if validRequestID(id) && got != id {
			t.Fatalf("a plain id %q was replaced by %q", id, got)
		}
		if w.Code != http.StatusOK {
			t.Fatalf("status %d", w.Code)
		}
	})
}

package jsonbody_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/tenantgate/tenantgate/internal/jsonbody"
	"github.com/tenantgate/tenantgate/problem"
)

func ExampleDecode() {
	type reasonIn struct {
		Reason string `json:"reason"`
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := jsonbody.Decode[reasonIn](w, r, jsonbody.DefaultLimit)
		if err != nil {
			problem.Write(w, r, err)
			return
		}
		fmt.Fprintf(w, "reason %q", in.Reason)
	})
	for _, body := range []string{`{"reason":"verified"}`, `{"reason":"x","status":"active"}`} {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			var pb struct {
				Code   string
				Errors []problem.FieldError
			}
			_ = json.Unmarshal(w.Body.Bytes(), &pb)
			fmt.Println(w.Code, pb.Code, pb.Errors)
			continue
		}
		fmt.Println(w.Code, w.Body.String())
	}
	// Output:
	// 200 reason "verified"
	// 422 validation_failed [{status unknown field}]
}

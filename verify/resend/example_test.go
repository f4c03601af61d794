package resend_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"

	"github.com/tenantgate/tenantgate/secret"
	"github.com/tenantgate/tenantgate/verify"
	"github.com/tenantgate/tenantgate/verify/resend"
)

func Example() {
	// A stand-in for the Resend API: it throttles the first attempt, accepts
	// the second and refuses everything after.
	var attempts atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := attempts.Add(1)
		fmt.Println(r.Method, r.URL.Path, r.Header.Get("Idempotency-Key"))
		switch n {
		case 1:
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"id":"49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"}`)
		default:
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer api.Close()

	m, err := resend.New(resend.Config{
		APIKey:  secret.New("re_example_0123456789"), // in production: from the environment
		From:    "Acme <noreply@acme.example>",
		BaseURL: api.URL, // in production: leave empty for resend.DefaultBaseURL
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(m) // the key is masked

	msg := verify.Message{
		To:             "ann@example.com",
		Subject:        "Verify your email address",
		Text:           "Your code: 123456",
		Kind:           verify.KindVerifyEmail,
		IdempotencyKey: "verify_email/0123456789abcdef",
	}
	// 429 is retried, after the wait its Retry-After asks.
	fmt.Println(m.Send(context.Background(), msg))

	// 401 is not retried; the error names the status, never the key.
	msg.IdempotencyKey = "verify_email/fedcba9876543210"
	err = m.Send(context.Background(), msg)
	var re *resend.Error
	fmt.Println(errors.As(err, &re), re.Status, re.Attempts)
	fmt.Println(err)

	// Output:
	// resend.Mailer{key:********6789}
	// POST /emails verify_email/0123456789abcdef
	// POST /emails verify_email/0123456789abcdef
	// <nil>
	// POST /emails verify_email/fedcba9876543210
	// true 401 1
	// resend: status 401 after 1 attempt(s)
}

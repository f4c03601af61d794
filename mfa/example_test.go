package mfa_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/mfa"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/secret"
)

func Example() {
	ring, _ := secret.NewKeyring("2025-06", map[string][]byte{"2025-06": secret.GenerateKey()})
	now := time.Date(2025, 6, 7, 8, 9, 0, 0, time.UTC)
	svc, err := mfa.New(mfa.Config{
		Store:   memstore.NewMFA(),
		Keyring: ring,
		Clock:   mfa.ClockFunc(func() time.Time { return now }),
		Audit: func(_ context.Context, e audit.Event) error {
			fmt.Println("audit:", e.Action, e.Outcome, e.Metadata["factor"])
			return nil
		},
		Issuer: "Acme CRM",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	alice := mfa.Subject{UserID: "user-1"}

	// Enroll: the seed leaves the service once, as a URL and a QR PNG.
	en, _ := svc.Enroll(context.Background(), alice, "alice@example.com")
	fmt.Println(en) // renders nothing of the seed
	key, _ := otp.NewKeyFromURL(en.RevealURL())

	// The authenticator app computes a code; confirming turns MFA on.
	code, _ := totp.GenerateCode(key.Secret(), now)
	rc, _ := svc.Confirm(context.Background(), alice, code)
	fmt.Println(len(rc.Reveal()), "recovery codes")

	// The same code is accepted at most once.
	_, err = svc.Verify(context.Background(), alice, code)
	fmt.Println(errors.Is(err, problem.ErrInvalidOTP))

	// A code of the next step passes.
	now = now.Add(30 * time.Second)
	code, _ = totp.GenerateCode(key.Secret(), now)
	res, err := svc.Verify(context.Background(), alice, code)
	fmt.Println(res.Factor, err)
	// Output:
	// mfa.Enrollment(********)
	// audit: mfa.enable attempted totp
	// audit: mfa.enable success totp
	// 10 recovery codes
	// audit: mfa.replay_refused denied totp
	// true
	// totp <nil>
}

package audit_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tenantgate/tenantgate/audit"
)

func TestIsSecretKey(t *testing.T) {
	cases := []struct {
		key  string
		want bool
	}{
		{"password", true}, {"newPassword", true}, {"PASSWD", true}, {"token", true},
		{"botToken", true}, {"access_token", true}, {"secret", true}, {"client_secret", true},
		{"otp", true}, {"totpCode", true}, {"code", true}, {"recoveryCode", true},
		{"recovery_codes", true}, {"key", true}, {"apiKey", true}, {"X-API-Key", true},
		{"Authorization", true}, {"cookie", true}, {"Set-Cookie", true}, {"sessionId", true},
		{"pin", true}, {"private_key", true}, {"seed", true},
		{"role", false}, {"plan", false}, {"reason", false}, {"status", false},
		{"keyboard", false}, {"zipcode", false}, {"monkey", false}, {"attempt", false},
	}
	for _, tc := range cases {
		t.Run(tc.key, func(t *testing.T) {
			assert.Equal(t, tc.want, audit.IsSecretKey(tc.key))
		})
	}
}

func TestIsPersonalKey(t *testing.T) {
	cases := []struct {
		key  string
		want bool
	}{
		{"email", true}, {"inviteeEmail", true}, {"display_name", true}, {"name", true},
		{"phone", true}, {"ip", true}, {"clientIP", true}, {"user_agent", true}, {"address", true},
		{"role", false}, {"plan", false}, {"zip", false}, {"recipient", false}, {"reason", false},
	}
	for _, tc := range cases {
		t.Run(tc.key, func(t *testing.T) {
			assert.Equal(t, tc.want, audit.IsPersonalKey(tc.key))
		})
	}
}

package audit_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/memstore"
)

// canaries are secrets that must never appear in any stored event.
var canaries = []string{
	"CANARY-PASSWORD-7f3a", "CANARY-TOKEN-91bc", "CANARY-OTP-482913", "CANARY-RECOVERY-k2m9",
	"CANARY-BEARER-d00d", "CANARY-COOKIE-c0c0", "CANARY-APIKEY-5e5e", "CANARY-BOTTOKEN-b07",
	"CANARY-SECRET-5ec", "CANARY-QUERY-TOKEN",
}

// TestAdvisory_CanarySecretsNeverStored drives the middleware and the Trail
// with credentials in every place a careless caller could put them, then
// searches every stored event's JSON (and its text rendering) for them.
func TestAdvisory_CanarySecretsNeverStored(t *testing.T) {
	ctx := context.Background()
	st := memstore.NewAudit()
	trail, err := audit.New(audit.Config{Store: st, Clock: &fixedClock{t0}, Keys: memstore.NewSubjectKeys()})
	require.NoError(t, err)

	// 1. HTTP mutations carrying credentials in headers, query and body.
	rc := newRecorder(t, trail, audit.DenialsAll)
	h := rc.Middleware()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }))
	sensitive := rc.Middleware(audit.Sensitive(), audit.WithAction(audit.ActionMFAEnable))(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }))
	for _, hh := range []http.Handler{h, sensitive} {
		body := `{"password":"CANARY-PASSWORD-7f3a","code":"CANARY-OTP-482913","recoveryCode":"CANARY-RECOVERY-k2m9"}`
		req := httptest.NewRequest("POST", "/api/auth/login?token=CANARY-QUERY-TOKEN", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer CANARY-BEARER-d00d")
		req.Header.Set("Cookie", "session=CANARY-COOKIE-c0c0")
		req.Header.Set("X-Api-Key", "CANARY-APIKEY-5e5e")
		hh.ServeHTTP(httptest.NewRecorder(), req)
	}
	require.NoError(t, rc.RecordDenial(httptest.NewRequest("POST", "/x?otp=CANARY-OTP-482913", nil),
		audit.Attribution{Workspace: "ws_1", Actor: "u_1"}, 401, "invalid_otp"))

	// 2. Library code passing metadata with secret-looking keys and values.
	for _, md := range []map[string]string{
		{"password": "CANARY-PASSWORD-7f3a", "newPassword": "CANARY-PASSWORD-7f3a"},
		{"token": "CANARY-TOKEN-91bc", "resetToken": "CANARY-TOKEN-91bc", "access_token": "CANARY-TOKEN-91bc"},
		{"otp": "CANARY-OTP-482913", "code": "CANARY-OTP-482913", "totp_code": "CANARY-OTP-482913"},
		{"recoveryCode": "CANARY-RECOVERY-k2m9", "recovery_codes": "CANARY-RECOVERY-k2m9"},
		{"Authorization": "Bearer CANARY-BEARER-d00d", "header": "Bearer CANARY-BEARER-d00d"},
		{"cookie": "CANARY-COOKIE-c0c0", "apiKey": "CANARY-APIKEY-5e5e"},
		{"telegram.botToken": "CANARY-BOTTOKEN-b07", "client_secret": "CANARY-SECRET-5ec"},
	} {
		_, err := trail.Append(ctx, audit.Event{Workspace: "ws_1", Actor: "u_1", Action: audit.ActionSettingsChannelsUpdate,
			Outcome: audit.OutcomeSuccess, Metadata: md})
		require.NoError(t, err)
	}
	// 3. The same through a raw store append (no Trail in between).
	_, err = st.Append(ctx, audit.Event{Time: t0, Workspace: "ws_1", Actor: "u_1", Action: audit.ActionMFADisable,
		Outcome: audit.OutcomeSuccess, Metadata: map[string]string{"otp": "CANARY-OTP-482913", "auth": "Basic CANARY-SECRET-5ec"}})
	require.NoError(t, err)

	evs := readAll(t, st, "ws_1")
	require.Len(t, evs, 12)
	for _, e := range evs {
		js, err := json.Marshal(e)
		require.NoError(t, err)
		opened, err := trail.Open(ctx, e)
		require.NoError(t, err)
		openedJS, err := json.Marshal(opened)
		require.NoError(t, err)
		for _, c := range canaries {
			assert.NotContains(t, string(js), c, "stored event %d", e.Seq)
			assert.NotContains(t, string(openedJS), c, "opened event %d", e.Seq)
			assert.NotContains(t, e.String(), c)
		}
	}
	_, err = audit.Verify(ctx, st, "ws_1")
	require.NoError(t, err)
}

package main

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/memstore"
)

func TestMinimalWiring(t *testing.T) {
	store := memstore.NewTenancy()
	require.NoError(t, seed(store))
	h, err := newHandler(store)
	require.NoError(t, err)
	for _, c := range []struct {
		name, user, ws string
		status         int
		body           string
	}{
		{"owner reads", "alice", "acme", 200, "contacts of acme for alice (owner)\n"},
		{"stranger is refused", "mallory", "acme", 403, ""},
		{"unknown workspace looks the same", "mallory", "nope", 403, ""},
		{"no workspace", "alice", "", 400, ""},
		{"anonymous", "", "acme", 401, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/contacts", nil)
			if c.user != "" {
				r.Header.Set("Authorization", "Bearer "+c.user)
			}
			if c.ws != "" {
				r.Header.Set("X-Workspace-ID", c.ws)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			assert.Equal(t, c.status, rec.Code)
			if c.body != "" {
				assert.Equal(t, c.body, rec.Body.String())
			} else {
				assert.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
			}
		})
	}
}

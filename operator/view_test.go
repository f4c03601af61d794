package operator_test

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/operator"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

// TestView_PublicWorkspaceShape pins the console's workspace JSON to the
// reference server's workspace shape {"id","name","status","plan",
// "trialEndsAt"} plus the two documented operator fields: plan null
// without a paid plan, trialEndsAt null when no trial applies, otherwise
// RFC 3339 UTC in whole seconds.
func TestView_PublicWorkspaceShape(t *testing.T) {
	created := time.Date(2025, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600))
	end := time.Date(2025, 1, 16, 3, 4, 5, 987654321, time.FixedZone("CET", 3600))
	base := tenancy.Workspace{ID: "ws-acme", Name: "Acme\r\n\x1b\u2028", OwnerID: "u-alice", CreatedAt: created}
	cases := []struct {
		name              string
		mut               func(*tenancy.Workspace)
		wantPlan, wantEnd any
	}{
		{"pending: no plan, no trial", func(w *tenancy.Workspace) { w.Status = tenancy.StatusPendingApproval }, nil, nil},
		{"trialing: trial end in UTC whole seconds", func(w *tenancy.Workspace) {
			w.Status, w.TrialEndsAt = tenancy.StatusActive, end
		}, nil, "2025-01-16T02:04:05Z"},
		{"paid: plan, no trial", func(w *tenancy.Workspace) { w.Status, w.Plan = tenancy.StatusActive, "business" }, "business", nil},
		{"paid with a stale trial end: still no trial", func(w *tenancy.Workspace) {
			w.Status, w.Plan, w.TrialEndsAt = tenancy.StatusActive, "pro", end
		}, "pro", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ws := base
			c.mut(&ws)
			buf, err := json.Marshal(operator.View(ws))
			require.NoError(t, err)
			var m map[string]any
			require.NoError(t, json.Unmarshal(buf, &m))
			assert.Equal(t, []string{"createdAt", "id", "name", "ownerId", "plan", "status", "trialEndsAt"}, slices.Sorted(maps.Keys(m)))
			assert.Equal(t, c.wantPlan, m["plan"])
			assert.Equal(t, c.wantEnd, m["trialEndsAt"])
			assert.Equal(t, "2025-01-02T02:04:05Z", m["createdAt"])
			assert.Equal(t, base.Name, m["name"], "names come back exactly")
			assert.NotContains(t, string(buf), "\r", "JSON-escaped")
		})
	}
}

// TestParseListQuery_LimitIsCapped: like every list of the reference
// server, a limit above 200 is capped, absent means the default (50), and
// a non-positive one is refused.
func TestParseListQuery_LimitIsCapped(t *testing.T) {
	for raw, want := range map[string]int{"limit=1000": tenancy.MaxListLimit, "limit=200": 200, "limit=7": 7, "": 0} {
		opts, err := operator.ParseListQuery(raw)
		require.NoError(t, err, raw)
		assert.Equal(t, want, opts.Limit, raw)
	}
	for _, raw := range []string{"limit=0", "limit=-1", "limit=01"} {
		_, err := operator.ParseListQuery(raw)
		assert.True(t, errors.Is(err, problem.ErrValidationFailed), raw)
	}
}

// TestDecodeReason_FieldErrors: unknown fields and wrong types name the
// field, like the reference server's strict decoding.
func TestDecodeReason_FieldErrors(t *testing.T) {
	for name, c := range map[string]struct{ body, field string }{
		"unknown field": {`{"reason":"x","status":"active"}`, "status"},
		"wrong type":    {`{"reason":42}`, "reason"},
		"trailing data": {`{"reason":"x"} {}`, ""},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := operator.DecodeReason(strings.NewReader(c.body), "application/json")
			var pe *problem.Error
			require.True(t, errors.As(err, &pe), "%v", err)
			assert.Equal(t, problem.CodeValidationFailed, pe.Code)
			require.Len(t, pe.Fields, 1)
			assert.Equal(t, c.field, pe.Fields[0].Field)
		})
	}
}

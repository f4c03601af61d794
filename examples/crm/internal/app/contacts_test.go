package app

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/problem"
)

func TestContactsPaginationAndCRUD(t *testing.T) {
	e := newEnv(t)
	owner, _ := e.user("owner@example.com", true)
	ws := e.workspace(owner, "Acme")
	e.transition(ws, "approve")
	h := map[string]string{"X-Workspace-ID": ws}
	var ids []string
	for _, name := range []string{"Ada", "Grace", "Barbara"} {
		ids = append(ids, e.expect(req{method: "POST", path: "/api/crm/contacts", token: owner, header: h, body: map[string]string{"name": name}}, 201, "").json(t)["id"].(string))
		e.clock.Advance(2 * time.Millisecond)
	}
	p1 := e.expect(req{method: "GET", path: "/api/crm/contacts?limit=2", token: owner, header: h}, 200, "").json(t)
	require.Len(t, p1["items"], 2)
	assert.Equal(t, ids[0], p1["items"].([]any)[0].(map[string]any)["id"], "creation order")
	p2 := e.expect(req{method: "GET", path: "/api/crm/contacts?limit=2&cursor=" + p1["nextCursor"].(string), token: owner, header: h}, 200, "").json(t)
	require.Len(t, p2["items"], 1)
	assert.Equal(t, ids[2], p2["items"].([]any)[0].(map[string]any)["id"])
	assert.Equal(t, "", p2["nextCursor"])
	e.expect(req{method: "GET", path: "/api/crm/contacts?limit=0", token: owner, header: h}, 422, problem.CodeValidationFailed)
	big := e.expect(req{method: "GET", path: "/api/crm/contacts?limit=1000", token: owner, header: h}, 200, "").json(t)
	assert.Len(t, big["items"], 3, "limit is capped, not refused")

	c := e.expect(req{method: "PATCH", path: "/api/crm/contacts/" + ids[1], token: owner, header: h, body: map[string]string{"email": "grace@example.com"}}, 200, "").json(t)
	assert.Equal(t, "Grace", c["name"])
	assert.Equal(t, "grace@example.com", c["email"])
	e.expect(req{method: "PATCH", path: "/api/crm/contacts/" + ids[1], token: owner, header: h, body: map[string]string{"email": "not an address"}}, 422, problem.CodeValidationFailed)
	e.expect(req{method: "DELETE", path: "/api/crm/contacts/" + ids[1], token: owner, header: h}, 204, "")
	e.expect(req{method: "GET", path: "/api/crm/contacts/" + ids[1], token: owner, header: h}, 404, problem.CodeNotFound)
	e.expect(req{method: "DELETE", path: "/api/crm/contacts/" + ids[1], token: owner, header: h}, 404, problem.CodeNotFound)
	assert.Equal(t, 2, e.contactCount(ws))
}

package app

import (
	"net/http"

	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

// adminList is GET /admin/workspaces?status=&q=&limit=&cursor= (operators).
func (a *App) adminList(w http.ResponseWriter, r *http.Request) {
	p, err := principal(r)
	if err == nil {
		err = tenancy.RequireOperator(p)
	}
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	q := r.URL.Query()
	limit, err := pageLimit(r)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	page, err := a.lifecycle.List(r.Context(), tenancy.ListOptions{
		Status: tenancy.Status(q.Get("status")), Search: q.Get("q"), Limit: limit, Cursor: q.Get("cursor"),
	})
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	items := make([]workspaceJSON, 0, len(page.Items))
	for _, ws := range page.Items {
		items = append(items, toWorkspaceJSON(ws))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "nextCursor": page.NextCursor})
}

// adminTransition is POST /admin/workspaces/{ws}/{approve,reject,suspend,
// reactivate} with {"reason"} (operators; audited by the lifecycle with the
// change, atomically).
func (a *App) adminTransition(w http.ResponseWriter, r *http.Request) {
	p, err := principal(r)
	if err == nil {
		err = tenancy.RequireOperator(p)
	}
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	t := tenancy.Transition(r.PathValue("action"))
	switch t {
	case tenancy.Approve, tenancy.Reject, tenancy.Suspend, tenancy.Reactivate, tenancy.Reopen:
	default:
		problem.Write(w, r, problem.ErrNotFound)
		return
	}
	id, err := tenancy.ParseWorkspaceID(r.PathValue("ws"))
	if err != nil {
		problem.Write(w, r, problem.ErrNotFound)
		return
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		problem.Write(w, r, err)
		return
	}
	ws, err := a.lifecycle.Transition(a.reqContext(r), p, id, t, in.Reason)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toWorkspaceJSON(ws))
}

package app

import (
	"errors"
	"net/http"

	"github.com/tenantgate/tenantgate/disposable"
	"github.com/tenantgate/tenantgate/internal/jsonbody"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

type contactIn struct {
	Name      *string `json:"name"`
	Email     *string `json:"email"`
	Workspace *string `json:"workspaceId"`
}

// check validates in; create requires a name. A workspaceId in the body
// must equal the resolved workspace (400 workspace_mismatch otherwise); it
// never chooses the workspace.
func (in contactIn) check(ws tenancy.WorkspaceID, create bool) error {
	if in.Workspace != nil && *in.Workspace != string(ws) {
		return problem.ErrWorkspaceMismatch
	}
	var fe fieldErrors
	if in.Name != nil || create {
		n := ""
		if in.Name != nil {
			n = *in.Name
		}
		validName("name", n, 200, &fe)
	}
	if in.Email != nil && *in.Email != "" {
		if _, err := disposable.Parse(*in.Email); err != nil {
			fe.add("email", "is not a valid email address")
		}
	}
	return fe.err()
}

func (a *App) createContact(w http.ResponseWriter, r *http.Request) {
	t, _ := tenancy.FromContext(r.Context())
	in, err := jsonbody.Decode[contactIn](w, r, jsonbody.DefaultLimit)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	if err := in.check(t.Workspace.ID, true); err != nil {
		problem.Write(w, r, err)
		return
	}
	c := Contact{ID: newContactID(a.clock.Now()), Name: *in.Name}
	if in.Email != nil {
		c.Email = *in.Email
	}
	if err := a.stores.Contacts.CreateContact(r.Context(), t.Workspace.ID, c); err != nil {
		problem.Write(w, r, problem.Wrap(problem.CodeUnavailable, err))
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func (a *App) listContacts(w http.ResponseWriter, r *http.Request) {
	t, _ := tenancy.FromContext(r.Context())
	limit, err := pageLimit(r)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	// The cursor is the last contact id of the previous page.
	after := r.URL.Query().Get("cursor")
	items, err := a.stores.Contacts.Contacts(r.Context(), t.Workspace.ID, after, limit+1)
	if err != nil {
		problem.Write(w, r, problem.Wrap(problem.CodeUnavailable, err))
		return
	}
	next := ""
	if len(items) > limit {
		items = items[:limit]
		next = items[limit-1].ID
	}
	writeJSON(w, http.StatusOK, contactPage{Items: items, NextCursor: next})
}

func (a *App) getContact(w http.ResponseWriter, r *http.Request) {
	t, _ := tenancy.FromContext(r.Context())
	c, err := a.stores.Contacts.Contact(r.Context(), t.Workspace.ID, r.PathValue("id"))
	if err != nil {
		problem.Write(w, r, contactErr(err))
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (a *App) updateContact(w http.ResponseWriter, r *http.Request) {
	t, _ := tenancy.FromContext(r.Context())
	in, err := jsonbody.Decode[contactIn](w, r, jsonbody.DefaultLimit)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	if err := in.check(t.Workspace.ID, false); err != nil {
		problem.Write(w, r, err)
		return
	}
	c, err := a.stores.Contacts.UpdateContact(r.Context(), t.Workspace.ID, r.PathValue("id"), ContactPatch{Name: in.Name, Email: in.Email})
	if err != nil {
		problem.Write(w, r, contactErr(err))
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (a *App) deleteContact(w http.ResponseWriter, r *http.Request) {
	t, _ := tenancy.FromContext(r.Context())
	if err := a.stores.Contacts.DeleteContact(r.Context(), t.Workspace.ID, r.PathValue("id")); err != nil {
		problem.Write(w, r, contactErr(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// contactPage is the list answer.
type contactPage struct {
	Items      []Contact `json:"items"`
	NextCursor string    `json:"nextCursor"`
}

// contactErr maps the store's not-found to 404 and fails closed otherwise.
func contactErr(err error) error {
	if errors.Is(err, ErrNoContact) {
		return problem.ErrNotFound
	}
	return problem.Wrap(problem.CodeUnavailable, err)
}

package app

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/tenantgate/tenantgate/disposable"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

// contact is the CRM's one resource, always scoped to a workspace.
type contact struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// contactStore keeps contacts per workspace in creation order. Every
// lookup is by (workspace, id): a contact id of another workspace is not
// found. Safe for concurrent use.
type contactStore struct {
	mu  sync.RWMutex
	all map[tenancy.WorkspaceID]*wsContacts
}

type wsContacts struct {
	order []string // ids in creation order; "" once deleted
	byID  map[string]int
	data  map[string]contact
}

func newContactStore() *contactStore {
	return &contactStore{all: map[tenancy.WorkspaceID]*wsContacts{}}
}

func newContactID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "c-" + strings.ToLower(base64.RawURLEncoding.EncodeToString(b[:]))
}

func (s *contactStore) create(ws tenancy.WorkspaceID, c contact) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.all[ws]
	if w == nil {
		w = &wsContacts{byID: map[string]int{}, data: map[string]contact{}}
		s.all[ws] = w
	}
	w.byID[c.ID] = len(w.order)
	w.order = append(w.order, c.ID)
	w.data[c.ID] = c
}

func (s *contactStore) get(ws tenancy.WorkspaceID, id string) (contact, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	w := s.all[ws]
	if w == nil {
		return contact{}, false
	}
	c, ok := w.data[id]
	return c, ok
}

func (s *contactStore) update(ws tenancy.WorkspaceID, id string, f func(*contact)) (contact, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.all[ws]
	if w == nil {
		return contact{}, false
	}
	c, ok := w.data[id]
	if !ok {
		return contact{}, false
	}
	f(&c)
	w.data[id] = c
	return c, true
}

func (s *contactStore) remove(ws tenancy.WorkspaceID, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.all[ws]
	if w == nil {
		return false
	}
	i, ok := w.byID[id]
	if !ok {
		return false
	}
	w.order[i] = ""
	delete(w.byID, id)
	delete(w.data, id)
	return true
}

// list returns up to limit contacts from position start and the next
// position (0 when there is no next page).
func (s *contactStore) list(ws tenancy.WorkspaceID, start, limit int) ([]contact, int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []contact{}
	w := s.all[ws]
	if w == nil {
		return out, 0
	}
	i := start
	for ; i < len(w.order) && len(out) < limit; i++ {
		if id := w.order[i]; id != "" {
			out = append(out, w.data[id])
		}
	}
	for ; i < len(w.order); i++ {
		if w.order[i] != "" {
			return out, i
		}
	}
	return out, 0
}

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
	var in contactIn
	if err := decodeJSON(w, r, &in); err != nil {
		problem.Write(w, r, err)
		return
	}
	if err := in.check(t.Workspace.ID, true); err != nil {
		problem.Write(w, r, err)
		return
	}
	c := contact{ID: newContactID(), Name: *in.Name}
	if in.Email != nil {
		c.Email = *in.Email
	}
	a.contacts.create(t.Workspace.ID, c)
	writeJSON(w, http.StatusCreated, c)
}

func (a *App) listContacts(w http.ResponseWriter, r *http.Request) {
	t, _ := tenancy.FromContext(r.Context())
	limit, err := pageLimit(r)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	start := 0
	if cur := r.URL.Query().Get("cursor"); cur != "" {
		if start, err = strconv.Atoi(cur); err != nil || start < 0 {
			problem.Write(w, r, invalid("cursor", "is not a valid cursor"))
			return
		}
	}
	items, next := a.contacts.list(t.Workspace.ID, start, limit)
	nc := ""
	if next > 0 {
		nc = strconv.Itoa(next)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "nextCursor": nc})
}

func (a *App) getContact(w http.ResponseWriter, r *http.Request) {
	t, _ := tenancy.FromContext(r.Context())
	c, ok := a.contacts.get(t.Workspace.ID, r.PathValue("id"))
	if !ok {
		problem.Write(w, r, problem.ErrNotFound)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (a *App) updateContact(w http.ResponseWriter, r *http.Request) {
	t, _ := tenancy.FromContext(r.Context())
	var in contactIn
	if err := decodeJSON(w, r, &in); err != nil {
		problem.Write(w, r, err)
		return
	}
	if err := in.check(t.Workspace.ID, false); err != nil {
		problem.Write(w, r, err)
		return
	}
	c, ok := a.contacts.update(t.Workspace.ID, r.PathValue("id"), func(c *contact) {
		if in.Name != nil {
			c.Name = *in.Name
		}
		if in.Email != nil {
			c.Email = *in.Email
		}
	})
	if !ok {
		problem.Write(w, r, problem.ErrNotFound)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (a *App) deleteContact(w http.ResponseWriter, r *http.Request) {
	t, _ := tenancy.FromContext(r.Context())
	if !a.contacts.remove(t.Workspace.ID, r.PathValue("id")) {
		problem.Write(w, r, problem.ErrNotFound)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

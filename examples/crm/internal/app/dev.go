package app

import (
	"net/http"
	"time"

	"github.com/tenantgate/tenantgate/disposable"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/verify"
)

// devOutbox is GET /dev/outbox?to= (-dev only): the mail sent, oldest
// first, tokens included.
func (a *App) devOutbox(w http.ResponseWriter, r *http.Request) {
	to := r.URL.Query().Get("to")
	if e, err := disposable.Normalize(to); err == nil {
		to = e
	}
	items := a.outbox.To(to)
	if items == nil {
		items = []verify.OutboxEntry{}
	}
	noStore(w)
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// devClock is GET and POST /dev/clock (-dev only). POST takes
// {"advance":"336h"} (a Go duration added to the clock's offset) or
// {"set":"<RFC 3339>"}; both answer {"now"}.
func (a *App) devClock(w http.ResponseWriter, r *http.Request) {
	if a.testClock == nil {
		problem.Write(w, r, problem.ErrNotFound)
		return
	}
	if r.Method == http.MethodPost {
		var in struct {
			Advance *string `json:"advance"`
			Set     *string `json:"set"`
		}
		if err := decodeJSON(w, r, &in); err != nil {
			problem.Write(w, r, err)
			return
		}
		switch {
		case in.Advance != nil && in.Set != nil:
			problem.Write(w, r, invalid("", "give either advance or set"))
			return
		case in.Advance != nil:
			d, err := time.ParseDuration(*in.Advance)
			if err != nil {
				problem.Write(w, r, invalid("advance", "must be a duration such as 336h"))
				return
			}
			a.testClock.Advance(d)
		case in.Set != nil:
			t, err := time.Parse(time.RFC3339, *in.Set)
			if err != nil {
				problem.Write(w, r, invalid("set", "must be an RFC 3339 time"))
				return
			}
			a.testClock.Set(t)
		default:
			problem.Write(w, r, invalid("", "give advance or set"))
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"now": a.clock.Now().UTC().Format(time.RFC3339)})
}

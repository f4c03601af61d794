package app

import (
	"net/http"
	"strconv"
	"time"

	"github.com/tenantgate/tenantgate/disposable"
	"github.com/tenantgate/tenantgate/internal/jsonbody"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/verify"
)

// outboxPage is the answer of GET /dev/outbox.
type outboxPage struct {
	Items      []verify.OutboxEntry `json:"items"`
	NextCursor string               `json:"nextCursor"`
}

// devOutbox is GET /dev/outbox?to=&limit=&cursor= (-dev only): the mail
// sent (to one address, or all without ?to=), oldest first, tokens
// included, paged like every list: ?limit= (default 50, max 200) and the
// opaque ?cursor= of the previous page's nextCursor ("" on the last page).
// The cursor is a position: the outbox keeps the newest 10000 mails, so
// paging while older ones are dropped may skip entries (dev only).
func (a *App) devOutbox(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	q := r.URL.Query()
	limit, err := pageLimit(r)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	from := 0
	if c := q.Get("cursor"); c != "" {
		if from, err = strconv.Atoi(c); err != nil || from < 0 || strconv.Itoa(from) != c {
			problem.Write(w, r, jsonbody.Invalid("cursor", "is not a valid cursor"))
			return
		}
	}
	to := q.Get("to")
	if e, err := disposable.Normalize(to); err == nil {
		to = e
	}
	all := a.outbox.To(to)
	page := outboxPage{Items: []verify.OutboxEntry{}}
	if from < len(all) {
		end := min(from+limit, len(all))
		page.Items = all[from:end]
		if end < len(all) {
			page.NextCursor = strconv.Itoa(end)
		}
	}
	writeJSON(w, http.StatusOK, page)
}

// clockIn is the body of POST /dev/clock: exactly one of its fields.
type clockIn struct {
	Advance *string `json:"advance"`
	Set     *string `json:"set"`
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
		in, err := jsonbody.Decode[clockIn](w, r, jsonbody.DefaultLimit)
		if err != nil {
			problem.Write(w, r, err)
			return
		}
		switch {
		case in.Advance != nil && in.Set != nil:
			problem.Write(w, r, jsonbody.Invalid("", "give either advance or set"))
			return
		case in.Advance != nil:
			d, err := time.ParseDuration(*in.Advance)
			if err != nil {
				problem.Write(w, r, jsonbody.Invalid("advance", "must be a duration such as 336h"))
				return
			}
			a.testClock.Advance(d)
		case in.Set != nil:
			t, err := time.Parse(time.RFC3339, *in.Set)
			if err != nil {
				problem.Write(w, r, jsonbody.Invalid("set", "must be an RFC 3339 time"))
				return
			}
			a.testClock.Set(t)
		default:
			problem.Write(w, r, jsonbody.Invalid("", "give advance or set"))
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"now": a.clock.Now().UTC().Format(time.RFC3339)})
}

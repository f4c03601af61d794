package privacy

import (
	"context"
	"errors"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/tenancy"
)

// ErasedID is how Present shows the id of an erased (not anonymized) user.
const ErasedID = "erased"

// presenter maps ids of erased users for display, caching each answer for
// the length of one export (bounded).
type presenter struct {
	s     *Service
	cache map[string]string
}

const presenterCacheMax = 4096

func (s *Service) newPresenter() *presenter { return &presenter{s: s, cache: map[string]string{}} }

// Present returns e for display: its sealed personal fields opened (or
// audit.Erased when their subject was erased), and every user id in it
// (actor, impersonator, subject, target) that belongs to an erased user
// replaced by ErasedID, or by the user's Pseudonym when the user was
// anonymized. The result no longer verifies; Verify reads stored events.
// It fails (503 unavailable) only when the key store fails.
func (s *Service) Present(ctx context.Context, e audit.Event) (audit.Event, error) {
	return s.newPresenter().present(ctx, e)
}

func (p *presenter) present(ctx context.Context, e audit.Event) (audit.Event, error) {
	e, err := p.s.cfg.Opener.Open(ctx, e)
	if err != nil {
		return audit.Event{}, unavailable("open audit event", err)
	}
	for _, f := range []*string{&e.Actor, &e.Impersonator, &e.Subject, &e.Target.ID} {
		if *f == "" {
			continue
		}
		if *f, err = p.id(ctx, *f); err != nil {
			return audit.Event{}, err
		}
	}
	return e, nil
}

// id returns how id is shown.
func (p *presenter) id(ctx context.Context, id string) (string, error) {
	if v, ok := p.cache[id]; ok {
		return v, nil
	}
	v := id
	if tenancy.UserID(id).Valid() {
		erased, err := p.erased(ctx, id)
		if err != nil {
			return "", err
		}
		if erased {
			v = ErasedID
			anon, err := p.erased(ctx, anonMarker(tenancy.UserID(id)))
			if err != nil {
				return "", err
			}
			if anon {
				v = p.s.Pseudonym(tenancy.UserID(id))
			}
		}
	}
	if len(p.cache) >= presenterCacheMax {
		clear(p.cache)
	}
	p.cache[id] = v
	return v, nil
}

// erased reports whether subject's key carries the erasure tombstone.
func (p *presenter) erased(ctx context.Context, subject string) (bool, error) {
	_, err := p.s.cfg.Keys.Get(ctx, subject)
	switch {
	case errors.Is(err, audit.ErrSubjectErased):
		return true, nil
	case err == nil, errors.Is(err, audit.ErrKeyNotFound):
		return false, nil
	}
	return false, unavailable("subject key", err)
}

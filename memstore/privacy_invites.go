package memstore

import (
	"context"
	"slices"
	"sort"

	"github.com/tenantgate/tenantgate/team"
	"github.com/tenantgate/tenantgate/tenancy"
)

// userInvite reports whether inv was sent or accepted by user or addressed
// to one of emails.
func userInvite(inv *team.Invite, user tenancy.UserID, emails []string) bool {
	return (user != "" && (inv.InvitedBy == user || inv.AcceptedBy == user)) || slices.Contains(emails, inv.Email)
}

// UserInvites returns the invites user sent or accepted or that were
// addressed to one of emails (see privacy.Invites). It scans every invite.
func (s *Invites) UserInvites(ctx context.Context, user tenancy.UserID, emails []string) ([]team.Invite, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	out := []team.Invite{}
	for _, p := range s.byID {
		if userInvite(p, user, emails) {
			out = append(out, *p)
		}
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// DeleteUserInvites deletes the invites UserInvites would return and
// reports how many (see privacy.Invites). It is atomic under the store lock.
func (s *Invites) DeleteUserInvites(ctx context.Context, user tenancy.UserID, emails []string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deleteLocked(func(p *team.Invite) bool { return userInvite(p, user, emails) }), nil
}

// DeleteWorkspaceInvites deletes every invite of ws and reports how many
// (see privacy.Invites).
func (s *Invites) DeleteWorkspaceInvites(ctx context.Context, ws tenancy.WorkspaceID) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deleteLocked(func(p *team.Invite) bool { return p.Workspace == ws }), nil
}

func (s *Invites) deleteLocked(match func(*team.Invite) bool) int {
	n := 0
	for id, p := range s.byID {
		if !match(p) {
			continue
		}
		delete(s.byID, id)
		delete(s.byHash, p.TokenHash)
		kept := slices.DeleteFunc(s.bySpace[p.Workspace], func(q *team.Invite) bool { return q == p })
		if len(kept) == 0 {
			delete(s.bySpace, p.Workspace)
		} else {
			s.bySpace[p.Workspace] = kept
		}
		n++
	}
	return n
}

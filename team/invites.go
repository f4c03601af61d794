package team

import (
	"context"
	"errors"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

// Issued is a new invite and its token. The token is shown once (sent to
// the invitee); only its hash is stored.
type Issued struct {
	Invite Invite
	Token  string
}

func inviteTarget(id string) audit.Target { return audit.Target{Type: "invite", ID: id} }

// Invite invites email to ws with role on behalf of p. p needs
// invites:write and the right to grant role (rbac.Policy.CanGrant; owner
// is never granted while impersonating). The email is normalized
// (Config.NormalizeEmail); the audit record names the invite, never the
// address. Errors: 400 invalid_email, 403 workspace_forbidden, 403
// permission_denied, 422 validation_failed (unknown role).
func (s *Service) Invite(ctx context.Context, p tenancy.Principal, ws tenancy.WorkspaceID, email, role string) (Issued, error) {
	addr, err := s.cfg.NormalizeEmail(email)
	if err != nil {
		return Issued{}, err
	}
	a, err := s.loadActor(ctx, p, ws)
	if err != nil {
		return Issued{}, err
	}
	set, err := s.grantable(ctx, ws, role)
	if err != nil {
		return Issued{}, err
	}
	if !a.perm.Has(s.invitesWrite) {
		return Issued{}, s.refuse(ctx, p, ws, audit.ActionInviteCreate, audit.Target{Type: "invite"}, denied(nil, "Your role cannot invite."))
	}
	if err := s.checkGrant(a, role, set); err != nil {
		return Issued{}, s.refuse(ctx, p, ws, audit.ActionInviteCreate, audit.Target{Type: "invite"}, err)
	}
	now := s.cfg.Clock.Now().UTC()
	token, h := NewToken()
	inv := Invite{
		ID: newInviteID(), Workspace: ws, Email: addr, Role: role, TokenHash: h,
		InvitedBy: p.User, CreatedAt: now, ExpiresAt: now.Add(s.cfg.InviteTTL),
	}
	err = s.commit(ctx, p, ws, audit.ActionInviteCreate, inviteTarget(inv.ID), map[string]string{"role": role}, func() error {
		if err := s.cfg.Invites.CreateInvite(ctx, inv); err != nil {
			return storeError(err)
		}
		return nil
	})
	if err != nil {
		return Issued{}, err
	}
	return Issued{Invite: inv, Token: token}, nil
}

// RevokeInvite revokes the pending invite id of ws on behalf of p, who
// needs invites:write and the right to grant the invite's role. Errors:
// 404 not_found (no such invite in ws), 409 conflict (already accepted or
// revoked), 403 permission_denied, 403 workspace_forbidden.
func (s *Service) RevokeInvite(ctx context.Context, p tenancy.Principal, ws tenancy.WorkspaceID, id string) error {
	a, err := s.loadActor(ctx, p, ws)
	if err != nil {
		return err
	}
	tgt := inviteTarget(id)
	if !a.perm.Has(s.invitesWrite) {
		return s.refuse(ctx, p, ws, audit.ActionInviteRevoke, tgt, denied(nil, "Your role cannot revoke invites."))
	}
	invs, err := s.cfg.Invites.Invites(ctx, ws)
	if err != nil {
		return storeError(err)
	}
	var inv *Invite
	for i := range invs {
		if invs[i].ID == id {
			inv = &invs[i]
		}
	}
	if inv == nil {
		return problem.New(problem.CodeNotFound)
	}
	set, _, err := s.roleSet(ctx, ws, inv.Role)
	if err != nil {
		return err
	}
	if err := s.cfg.Policy.CanGrant(a.perm, set); err != nil {
		return s.refuse(ctx, p, ws, audit.ActionInviteRevoke, tgt, denied(err, "Your role cannot manage this invite."))
	}
	return s.commit(ctx, p, ws, audit.ActionInviteRevoke, tgt, map[string]string{"role": inv.Role}, func() error {
		if _, err := s.cfg.Invites.RevokeInvite(ctx, ws, id, s.cfg.Clock.Now().UTC()); err != nil {
			return storeError(err)
		}
		return nil
	})
}

// Invites lists ws's invites (every state) for p, who needs invites:write.
func (s *Service) Invites(ctx context.Context, p tenancy.Principal, ws tenancy.WorkspaceID) ([]Invite, error) {
	a, err := s.loadActor(ctx, p, ws)
	if err != nil {
		return nil, err
	}
	if !a.perm.Has(s.invitesWrite) {
		return nil, denied(nil, "Your role cannot see invites.")
	}
	invs, err := s.cfg.Invites.Invites(ctx, ws)
	if err != nil {
		return nil, storeError(err)
	}
	return invs, nil
}

// AcceptInvite redeems token for p, whose account's address is email (as
// the host's user directory knows it). p must have a verified email (403
// email_unverified, checked before the token is looked at) and act as
// itself (403 permission_denied while impersonating). An unknown,
// malformed, used, revoked or expired token, and a token issued to
// another address, all answer 400 invalid_token and change nothing: a
// wrong address never burns the invitee's token. So does an invite whose
// inviter no longer holds invites:write and the right to grant its role
// (removed, left or demoted since): an invite never outlives its
// inviter's rights. A user who is already a
// member gets 409 conflict. The token is consumed with one conditional
// update, so of concurrent redemptions exactly one succeeds.
func (s *Service) AcceptInvite(ctx context.Context, p tenancy.Principal, email, token string) (tenancy.Membership, error) {
	if p.User == "" {
		return tenancy.Membership{}, problem.New(problem.CodeUnauthenticated)
	}
	if !p.EmailVerified {
		return tenancy.Membership{}, problem.New(problem.CodeEmailUnverified)
	}
	if err := tenancy.RefuseImpersonation(p); err != nil {
		return tenancy.Membership{}, err
	}
	invalid := problem.New(problem.CodeInvalidToken)
	h, err := ParseToken(token)
	if err != nil {
		return tenancy.Membership{}, invalid
	}
	addr, err := s.cfg.NormalizeEmail(email)
	if err != nil {
		return tenancy.Membership{}, invalid
	}
	inv, err := s.cfg.Invites.InviteByToken(ctx, h)
	if errors.Is(err, tenancy.ErrNotFound) {
		return tenancy.Membership{}, invalid
	}
	if err != nil {
		return tenancy.Membership{}, storeError(err)
	}
	now := s.cfg.Clock.Now().UTC()
	if !inv.Pending(now) {
		return tenancy.Membership{}, invalid
	}
	if inv.Email != addr {
		// A takeover attempt: recorded in the inviting workspace's trail,
		// answered like an unknown token.
		_ = s.record(ctx, p, inv.Workspace, now, audit.ActionInviteAccept, audit.OutcomeDenied, inviteTarget(inv.ID),
			map[string]string{"reason": "email_mismatch"})
		return tenancy.Membership{}, invalid
	}
	if err := s.inviterStillGrants(ctx, inv); err != nil {
		if !errors.Is(err, problem.ErrPermissionDenied) {
			return tenancy.Membership{}, err
		}
		// An invite never outlives its inviter's rights (a removed or
		// demoted admin's invite to an address it controls would let it
		// back in): recorded, answered like an unknown token.
		_ = s.record(ctx, p, inv.Workspace, now, audit.ActionInviteAccept, audit.OutcomeDenied, inviteTarget(inv.ID),
			map[string]string{"reason": "inviter_rights_revoked"})
		return tenancy.Membership{}, invalid
	}
	if _, err := s.cfg.Members.Membership(ctx, inv.Workspace, p.User); err == nil {
		return tenancy.Membership{}, errorf(problem.CodeConflict, nil, "You are already a member of this workspace.")
	} else if !errors.Is(err, tenancy.ErrNotFound) {
		return tenancy.Membership{}, storeError(err)
	}
	m := tenancy.Membership{Workspace: inv.Workspace, User: p.User, Role: inv.Role, CreatedAt: now}
	md := map[string]string{"role": inv.Role, "invitedBy": string(inv.InvitedBy)}
	err = s.commit(ctx, p, inv.Workspace, audit.ActionInviteAccept, inviteTarget(inv.ID), md, func() error {
		if _, err := s.cfg.Invites.ConsumeInvite(ctx, h, p.User, now); err != nil {
			if errors.Is(err, tenancy.ErrNotFound) {
				return invalid // used meanwhile: the loser of a race
			}
			return storeError(err)
		}
		if err := s.cfg.Members.AddMember(ctx, m); err != nil {
			return storeError(err)
		}
		return nil
	})
	if err != nil {
		return tenancy.Membership{}, err
	}
	return m, nil
}

// inviterStillGrants checks, at redemption, that the invite's inviter is
// still a member of its workspace holding invites:write and the right to
// grant the invite's role: an invite carries no more than its inviter
// holds now. It fails with permission_denied when the rights are gone, and
// with a catalogue error (503 unavailable) when a store fails.
func (s *Service) inviterStillGrants(ctx context.Context, inv Invite) error {
	gone := problem.New(problem.CodePermissionDenied)
	m, err := s.cfg.Members.Membership(ctx, inv.Workspace, inv.InvitedBy)
	if errors.Is(err, tenancy.ErrNotFound) {
		return gone
	}
	if err != nil {
		return storeError(err)
	}
	have, _, err := s.roleSet(ctx, inv.Workspace, m.Role)
	if err != nil {
		return err
	}
	want, ok, err := s.roleSet(ctx, inv.Workspace, inv.Role)
	if err != nil {
		return err
	}
	if !ok || !have.Has(s.invitesWrite) || s.cfg.Policy.CanGrant(have, want) != nil {
		return gone
	}
	return nil
}

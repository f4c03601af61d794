package app

import (
	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/mfa"
	"github.com/tenantgate/tenantgate/privacy"
	"github.com/tenantgate/tenantgate/ratelimit"
	"github.com/tenantgate/tenantgate/team"
	"github.com/tenantgate/tenantgate/tenancy"
	"github.com/tenantgate/tenantgate/verify"
)

// TenancyStore is what the server needs of the workspace and membership
// store: both interfaces, over one backend (so that a workspace and its
// owner's membership are created together).
type TenancyStore interface {
	tenancy.WorkspaceStore
	tenancy.MembershipStore
	privacy.Workspaces
}

// RoleStore, InviteStore, MFAStore and TokenStore are the library's
// stores plus what data-subject erasure needs of them; memstore and
// mongostore implement both.
type (
	RoleStore interface {
		team.RoleStore
		privacy.Roles
	}
	InviteStore interface {
		team.InviteStore
		privacy.Invites
	}
	MFAStore interface {
		mfa.Store
		privacy.MFA
	}
	TokenStore interface {
		verify.Store
		privacy.Tokens
	}
)

// Stores are the library's stores the server runs on. Each nil field is
// filled with its in-memory implementation (memstore), so a zero Stores is
// the default in-memory server, and tests or a MongoDB deployment replace
// what they hold.
type Stores struct {
	Tenancy     TenancyStore
	Roles       RoleStore
	Invites     InviteStore
	InviteCodes tenancy.InviteCodeStore
	Audit       audit.Store
	SubjectKeys audit.SubjectKeys
	RateLimits  ratelimit.Store
	MFA         MFAStore
	Tokens      TokenStore

	// The example's own data.
	Accounts AccountStore
	Contacts ContactStore
	Channels ChannelStore
}

// withDefaults fills every nil store with memstore's.
func (s Stores) withDefaults() Stores {
	m := memstore.New()
	if s.Tenancy == nil {
		s.Tenancy = m.Tenancy
	}
	if s.Roles == nil {
		s.Roles = m.Roles
	}
	if s.Invites == nil {
		s.Invites = m.Invites
	}
	if s.InviteCodes == nil {
		s.InviteCodes = m.InviteCodes
	}
	if s.Audit == nil {
		s.Audit = m.Audit
	}
	if s.SubjectKeys == nil {
		s.SubjectKeys = m.SubjectKeys
	}
	if s.RateLimits == nil {
		s.RateLimits = m.RateLimits
	}
	if s.MFA == nil {
		s.MFA = m.MFA
	}
	if s.Tokens == nil {
		s.Tokens = m.Tokens
	}
	if s.Accounts == nil {
		s.Accounts = NewMemAccounts()
	}
	if s.Contacts == nil {
		s.Contacts = NewMemContacts()
	}
	if s.Channels == nil {
		s.Channels = NewMemChannels()
	}
	return s
}

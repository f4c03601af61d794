package memstore

// Stores is every in-memory store the library defines, ready to wire.
type Stores struct {
	// Tenancy holds workspaces and memberships (tenancy.WorkspaceStore and
	// tenancy.MembershipStore).
	Tenancy *Tenancy
	// Roles holds custom roles per workspace.
	Roles *Roles
	// Invites holds team invites.
	Invites *Invites
	// InviteCodes holds closed-beta invite codes.
	InviteCodes *InviteCodes
	// Audit holds the audit chains; SubjectKeys the per-subject keys that
	// seal personal data in them.
	Audit       *Audit
	SubjectKeys *SubjectKeys
	// RateLimits holds sliding-window logs.
	RateLimits *RateLimits
	// MFA holds TOTP enrollments, replay state and recovery codes.
	MFA *MFA
	// Tokens holds email-verification and password-reset tokens.
	Tokens *Tokens
}

// New returns an empty set of every store, with default options.
func New() *Stores {
	rl, err := NewRateLimits(RateLimitOptions{})
	if err != nil {
		panic("memstore: default rate-limit options rejected: " + err.Error()) // unreachable: defaults are valid
	}
	return &Stores{
		Tenancy: NewTenancy(), Roles: NewRoles(), Invites: NewInvites(), InviteCodes: NewInviteCodes(),
		Audit: NewAudit(), SubjectKeys: NewSubjectKeys(), RateLimits: rl, MFA: NewMFA(), Tokens: NewTokens(),
	}
}

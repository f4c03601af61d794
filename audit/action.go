package audit

// Action is a dotted event name, such as "workspace.approve". Every action
// the library records is listed here; hosts may define their own.
type Action string

// Actions recorded by the library.
const (
	ActionWorkspaceCreate     Action = "workspace.create"
	ActionWorkspaceApprove    Action = "workspace.approve"
	ActionWorkspaceReject     Action = "workspace.reject"
	ActionWorkspaceSuspend    Action = "workspace.suspend"
	ActionWorkspaceReactivate Action = "workspace.reactivate"
	ActionWorkspaceReopen     Action = "workspace.reopen"
	ActionWorkspaceDelete     Action = "workspace.delete"

	ActionMemberAdd         Action = "member.add"
	ActionMemberRoleChange  Action = "member.role_change"
	ActionMemberRemove      Action = "member.remove"
	ActionOwnershipTransfer Action = "member.ownership_transfer"

	ActionInviteCreate Action = "invite.create"
	ActionInviteAccept Action = "invite.accept"
	ActionInviteRevoke Action = "invite.revoke"

	ActionMFAEnable        Action = "mfa.enable"
	ActionMFADisable       Action = "mfa.disable"
	ActionMFARecoveryRegen Action = "mfa.recovery_codes_regenerate"
	ActionMFARecoveryUse   Action = "mfa.recovery_code_use"
	ActionMFAReplay        Action = "mfa.replay_refused"
	ActionMFALockout       Action = "mfa.lockout"

	ActionImpersonationStart Action = "impersonation.start"
	ActionImpersonationStop  Action = "impersonation.stop"

	ActionSettingsChannelsUpdate Action = "settings.channels_update"
	ActionBillingSubscribe       Action = "billing.subscribe"

	ActionPrivacyExport    Action = "privacy.export"
	ActionPrivacyErase     Action = "privacy.erase"
	ActionPrivacyAnonymize Action = "privacy.anonymize"

	ActionAccessDenied Action = "access.denied"
	ActionRequest      Action = "http.mutation"
)

package privacy_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/privacy"
)

// Attack: a member exports their data to learn someone else's personal
// data. Events that involve zed but whose network data belongs to another
// person (the admin who removed zed, the operator who impersonated zed, an
// invitee zed named) are in zed's export, but their sealed fields must stay
// closed: only zed's own personal data is opened.
func TestAttack_ExportOpensOnlyTheSubjectsOwnPersonalData(t *testing.T) {
	const (
		annIP   = "198.51.100.91"
		annUA   = "AnnBrowser/9.9"
		opIP    = "192.0.2.201"
		opUA    = "OperatorConsole/1.0"
		eveMail = "eve.canary@example.org"
	)
	f := newFixture(t)
	f.seed(t)
	// ann (admin of ws-acme) removes zed: the request's network data is ann's.
	f.event(t, audit.Event{Workspace: "ws-acme", Actor: string(ann), Action: audit.ActionMemberRemove,
		Target: audit.Target{Type: "user", ID: string(zed)}, IP: annIP, UserAgent: annUA})
	// An operator impersonates zed: the network data is the operator's.
	f.event(t, audit.Event{Workspace: "ws-zed", Actor: string(zed), Impersonator: "u-op", Subject: "u-op",
		Action: "contact.create", IP: opIP, UserAgent: opUA})
	// zed invites eve: eve's address is eve's data, sealed under her id.
	f.event(t, audit.Event{Workspace: "ws-zed", Actor: string(zed), Subject: "u-eve", Action: audit.ActionInviteCreate,
		Metadata: map[string]string{"email": eveMail}})

	raw, doc := export(t, f, as(zed), zed)
	for name, canary := range map[string]string{"admin ip": annIP, "admin ua": annUA, "operator ip": opIP,
		"operator ua": opUA, "invitee email": eveMail} {
		assert.NotContains(t, raw, canary, name)
	}
	assert.NotContains(t, raw, "pd1.", "no sealed value either")

	var removal, imp, invite bool
	for _, e := range doc.AuditEvents {
		switch {
		case e.Action == audit.ActionMemberRemove:
			removal = true
			assert.Equal(t, privacy.Withheld, e.IP)
			assert.Equal(t, privacy.Withheld, e.UserAgent)
		case e.Impersonator == "u-op":
			imp = true
			assert.Equal(t, privacy.Withheld, e.IP)
		case e.Subject == "u-eve":
			invite = true
			assert.Equal(t, privacy.Withheld, e.Metadata["email"])
		case e.Action == "contact.create" && e.Actor == string(zed):
			assert.Equal(t, canaryIP, e.IP, "zed's own data is still opened")
		}
	}
	assert.True(t, removal && imp && invite, "the events themselves are exported")

	// An operator's export of zed follows the same rule.
	var opDoc string
	opDoc, _ = export(t, f, asOperator(), zed)
	assert.NotContains(t, opDoc, annIP)
	assert.Contains(t, opDoc, canaryIP)
}

// Attack: a sealed value of one subject moved into an event of another
// (by someone with write access to the store) never opens under the
// other's key.
func TestAttack_SealedValueMovedToAnotherEventDoesNotOpen(t *testing.T) {
	f := newFixture(t)
	f.seed(t)
	evs, err := f.aud.Chain(t.Context(), "ws-acme", 0, 0)
	require.NoError(t, err)
	var src, dst audit.Event
	for _, e := range evs {
		if e.Actor == string(zed) && audit.IsSealed(e.IP) {
			src = e
		}
	}
	require.NotEmpty(t, src.ID)
	dst = src
	dst.ID = "moved-event"
	opened, err := f.trail.Open(t.Context(), dst)
	require.NoError(t, err)
	assert.Equal(t, audit.Erased, opened.IP, "bound to its event id")
	dst = src
	dst.Actor = string(ann)
	opened, err = f.trail.Open(t.Context(), dst)
	require.NoError(t, err)
	assert.Equal(t, audit.Erased, opened.IP, "bound to its subject")
	dst = src
	dst.UserAgent = src.IP
	opened, err = f.trail.Open(t.Context(), dst)
	require.NoError(t, err)
	assert.Equal(t, audit.Erased, opened.UserAgent, "bound to its field")
}

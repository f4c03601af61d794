package privacy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/memstore"
	"github.com/tenantgate/tenantgate/privacy"
	"github.com/tenantgate/tenantgate/tenancy"
)

func Example() {
	ctx := context.Background()
	clock := &fakeClock{now: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)}
	ten, auditStore, keys := memstore.NewTenancy(), memstore.NewAudit(), memstore.NewSubjectKeys()
	limits, _ := memstore.NewRateLimits(memstore.RateLimitOptions{})
	trail, _ := audit.New(audit.Config{Store: auditStore, Clock: clock, Keys: keys})

	svc, err := privacy.New(privacy.Config{
		Members: ten, Workspaces: ten, Invites: memstore.NewInvites(), Roles: memstore.NewRoles(),
		MFA: memstore.NewMFA(), Tokens: memstore.NewTokens(), Limiter: limits,
		Audit: auditStore, Opener: trail, Sink: trail, Keys: keys,
		Identities: func(context.Context, tenancy.UserID) (privacy.Identity, error) {
			return privacy.Identity{Emails: []string{"ann@example.com"}}, nil
		},
		PseudonymKey: []byte("an example key of 32 bytes or more!"),
		Clock:        clock,
	})
	if err != nil {
		panic(err)
	}

	// Ann is a member of Acme and acted there, from her address.
	_ = ten.CreateWorkspace(ctx, tenancy.Workspace{ID: "ws-acme", OwnerID: "u-bob", Status: tenancy.StatusActive},
		tenancy.Membership{User: "u-bob", Role: tenancy.RoleOwner})
	_ = ten.AddMember(ctx, tenancy.Membership{Workspace: "ws-acme", User: "u-ann", Role: "agent"})
	_, _ = trail.Append(ctx, audit.Event{Workspace: "ws-acme", Actor: "u-ann", Action: "contact.create",
		Outcome: audit.OutcomeSuccess, IP: "192.0.2.1"})

	var buf bytes.Buffer
	_ = svc.Export(ctx, "u-ann", &buf)
	var doc struct {
		Memberships []privacy.ExportMembership `json:"memberships"`
		AuditEvents []audit.Event              `json:"auditEvents"`
	}
	_ = json.Unmarshal(buf.Bytes(), &doc)
	fmt.Println("memberships:", len(doc.Memberships), "event ip:", doc.AuditEvents[len(doc.AuditEvents)-1].IP)

	// Anonymize: the data goes, the chain stays and verifies, and her id
	// reads as a stable pseudonym.
	res, _ := svc.Anonymize(ctx, "u-ann")
	fmt.Println("memberships removed:", res.Memberships)
	_, err = audit.Verify(ctx, auditStore, "ws-acme")
	fmt.Println("chain verifies:", err == nil)
	evs, _ := auditStore.Chain(ctx, "ws-acme", 0, 0)
	shown, _ := svc.Present(ctx, evs[0])
	fmt.Println(shown.Actor == svc.Pseudonym("u-ann"), shown.IP)
	// Output:
	// memberships: 1 event ip: 192.0.2.1
	// memberships removed: 1
	// chain verifies: true
	// true [ERASED]
}

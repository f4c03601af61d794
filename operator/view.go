package operator

import (
	"time"

	"github.com/tenantgate/tenantgate/tenancy"
)

// WorkspaceView is the JSON form of a workspace in the console: the
// public workspace shape {"id","name","status","plan","trialEndsAt"}, with
// the same values a member reads from the host's workspace route, plus two
// fields only operators see: "ownerId" (the owner's user id) and
// "createdAt" (RFC 3339, UTC).
//
//   - plan is null without a paid plan;
//   - trialEndsAt is null when no trial applies (pending approval, or a
//     paid plan), otherwise the trial end in RFC 3339, UTC, whole seconds —
//     the value of the gate's Trial-Ends-At header.
type WorkspaceView struct {
	ID          tenancy.WorkspaceID `json:"id"`
	Name        string              `json:"name"`
	Status      tenancy.Status      `json:"status"`
	Plan        *string             `json:"plan"`
	TrialEndsAt *time.Time          `json:"trialEndsAt"`
	OwnerID     tenancy.UserID      `json:"ownerId"`
	CreatedAt   time.Time           `json:"createdAt"`
}

// View returns w's JSON form. Times are UTC.
func View(w tenancy.Workspace) WorkspaceView {
	v := WorkspaceView{
		ID: w.ID, Name: w.Name, Status: w.Status,
		OwnerID: w.OwnerID, CreatedAt: w.CreatedAt.UTC(),
	}
	if w.Plan != "" {
		p := w.Plan
		v.Plan = &p
	}
	if w.Trialing() {
		t := w.TrialEndsAt.UTC().Truncate(time.Second)
		v.TrialEndsAt = &t
	}
	return v
}

// ListView is the JSON form of a page of workspaces. NextCursor is "" on
// the last page.
type ListView struct {
	Items      []WorkspaceView `json:"items"`
	NextCursor string          `json:"nextCursor"`
}

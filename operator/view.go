package operator

import (
	"time"

	"github.com/tenantgate/tenantgate/tenancy"
)

// WorkspaceView is the JSON form of a workspace in the console: the
// public shape {"id","name","status","plan","trialEndsAt"} (trialEndsAt is
// null when no trial applies) plus the owner and creation time operators
// review.
type WorkspaceView struct {
	ID          tenancy.WorkspaceID `json:"id"`
	Name        string              `json:"name"`
	Status      tenancy.Status      `json:"status"`
	Plan        string              `json:"plan"`
	TrialEndsAt *time.Time          `json:"trialEndsAt"`
	OwnerID     tenancy.UserID      `json:"ownerId"`
	CreatedAt   time.Time           `json:"createdAt"`
}

// View returns w's JSON form. Times are UTC.
func View(w tenancy.Workspace) WorkspaceView {
	v := WorkspaceView{
		ID: w.ID, Name: w.Name, Status: w.Status, Plan: w.Plan,
		OwnerID: w.OwnerID, CreatedAt: w.CreatedAt.UTC(),
	}
	if !w.TrialEndsAt.IsZero() {
		t := w.TrialEndsAt.UTC()
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

package operator

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/tenancy"
)

// ErrImpersonationEnded is returned by Impersonation.Principal once the
// impersonation has expired, or for a target that is not the impersonated
// user. The host then ends the session (and calls StopImpersonation).
var ErrImpersonationEnded = errors.New("operator: impersonation ended")

// Impersonation is a grant for an operator to act as a user until
// ExpiresAt. The host keeps it in the operator's session; it holds no
// secret.
type Impersonation struct {
	ID        string         `json:"id"`
	Operator  tenancy.UserID `json:"operator"`
	User      tenancy.UserID `json:"user"`
	Reason    string         `json:"reason"`
	StartedAt time.Time      `json:"startedAt"`
	ExpiresAt time.Time      `json:"expiresAt"`
}

// Principal returns the principal the host puts in the request context
// while the impersonation lasts: target (the impersonated user as the host
// authenticates it, for EmailVerified) with Operator false and Impersonator
// set to the operator. It fails with ErrImpersonationEnded at or after
// ExpiresAt, or when target is not the impersonated user.
func (imp Impersonation) Principal(target tenancy.Principal, now time.Time) (tenancy.Principal, error) {
	if target.User == "" || target.User != imp.User || imp.Operator == "" || !now.Before(imp.ExpiresAt) {
		return tenancy.Principal{}, ErrImpersonationEnded
	}
	return tenancy.Principal{
		User: imp.User, EmailVerified: target.EmailVerified,
		Operator: false, Impersonator: imp.Operator,
	}, nil
}

func fieldError(field, msg string) error {
	return &problem.Error{Code: problem.CodeValidationFailed, Fields: []problem.FieldError{{Field: field, Message: msg}}}
}

// StartImpersonation lets op act as user for d with a stated reason, and
// records impersonation.start in the platform audit chain before granting
// it: if the record cannot be stored, no impersonation is granted.
//
// op must be an operator acting as itself (403 operator_only otherwise:
// impersonation does not nest). user must be a valid id other than op's
// own, reason non-empty (at most tenancy.MaxReasonLen bytes), and d
// positive and at most Config.MaxImpersonation (422 validation_failed
// otherwise).
func (c *Console) StartImpersonation(ctx context.Context, op tenancy.Principal, user tenancy.UserID, reason string, d time.Duration) (Impersonation, error) {
	if err := tenancy.RequireOperator(op); err != nil {
		return Impersonation{}, err
	}
	switch {
	case !user.Valid():
		return Impersonation{}, fieldError("userId", "a valid user id")
	case user == op.User:
		return Impersonation{}, fieldError("userId", "cannot impersonate yourself")
	case strings.TrimSpace(reason) == "":
		return Impersonation{}, fieldError("reason", "required")
	case len(reason) > tenancy.MaxReasonLen || !utf8.ValidString(reason):
		return Impersonation{}, fieldError("reason", fmt.Sprintf("at most %d bytes of UTF-8", tenancy.MaxReasonLen))
	case d <= 0 || d > c.cfg.MaxImpersonation:
		return Impersonation{}, fieldError("duration", fmt.Sprintf("between 1ns and %s", c.cfg.MaxImpersonation))
	}
	now := c.cfg.Clock.Now().UTC()
	imp := Impersonation{
		ID: audit.NewID(), Operator: op.User, User: user, Reason: reason,
		StartedAt: now, ExpiresAt: now.Add(d),
	}
	ev := audit.Event{
		Time: now, Actor: string(op.User), Action: audit.ActionImpersonationStart,
		Target: audit.Target{Type: "user", ID: string(user)}, Outcome: audit.OutcomeSuccess,
		Metadata: map[string]string{
			"impersonationId": imp.ID, "reason": reason,
			"expiresAt": imp.ExpiresAt.Format(time.RFC3339),
		},
	}
	if _, err := c.cfg.Audit.Append(ctx, ev); err != nil {
		return Impersonation{}, problem.Wrap(problem.CodeUnavailable, err)
	}
	return imp, nil
}

// StopImpersonation records impersonation.stop for imp in the platform
// audit chain, noting whether it had already expired. The host calls it
// when the operator ends the impersonation or when it finds the grant
// expired, and forgets the grant either way. A failed append is returned
// (503 unavailable) so the host can retry; the grant stops working at
// ExpiresAt regardless.
func (c *Console) StopImpersonation(ctx context.Context, imp Impersonation) error {
	if imp.ID == "" || imp.Operator == "" || imp.User == "" {
		return fieldError("impersonation", "not a started impersonation")
	}
	now := c.cfg.Clock.Now().UTC()
	expired := "false"
	if !now.Before(imp.ExpiresAt) {
		expired = "true"
	}
	ev := audit.Event{
		Time: now, Actor: string(imp.Operator), Action: audit.ActionImpersonationStop,
		Target: audit.Target{Type: "user", ID: string(imp.User)}, Outcome: audit.OutcomeSuccess,
		Metadata: map[string]string{"impersonationId": imp.ID, "expired": expired},
	}
	if _, err := c.cfg.Audit.Append(ctx, ev); err != nil {
		return problem.Wrap(problem.CodeUnavailable, err)
	}
	return nil
}

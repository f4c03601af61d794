package mfa

import (
	"context"
	"errors"
	"fmt"

	"github.com/tenantgate/tenantgate/audit"
)

// FanOut returns an AuditFunc that appends each event to sink once per
// workspace the user belongs to (workspaces lists them), with Workspace set;
// a user with no workspace gets one event on the platform chain (empty
// Workspace). The first failure stops the fan-out and is returned; for an
// attempted event that refuses the change, and the Service then writes a
// failed result (best effort) so that chains the fan-out already reached
// hold no open attempt.
func FanOut(sink audit.Sink, workspaces func(ctx context.Context, userID string) ([]string, error)) (AuditFunc, error) {
	if sink == nil || workspaces == nil {
		return nil, errors.New("mfa: FanOut needs a sink and a workspace lister")
	}
	return func(ctx context.Context, e audit.Event) error {
		ws, err := workspaces(ctx, e.Target.ID)
		if err != nil {
			return fmt.Errorf("mfa: list workspaces: %w", err)
		}
		if len(ws) == 0 {
			ws = []string{""}
		}
		for _, w := range ws {
			ev := e
			ev.Workspace = w
			if len(e.Metadata) > 0 {
				ev.Metadata = make(map[string]string, len(e.Metadata))
				for k, v := range e.Metadata {
					ev.Metadata[k] = v
				}
			}
			if _, err := sink.Append(ctx, ev); err != nil {
				return fmt.Errorf("mfa: append audit event: %w", err)
			}
		}
		return nil
	}, nil
}

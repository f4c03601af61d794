package memstore

import (
	"context"
	"fmt"
)

// EraseUser deletes userID's MFA record whatever its state (see
// privacy.MFA); a user without a record is not an error.
func (s *MFA) EraseUser(ctx context.Context, userID string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: mfa: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, userID)
	return nil
}

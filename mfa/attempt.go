package mfa

import (
	"context"
	"crypto/rand"
	"fmt"
	"strconv"

	"github.com/tenantgate/tenantgate/audit"
	"github.com/tenantgate/tenantgate/problem"
)

// Metadata keys of MFA audit events. None of them looks like a credential
// to audit.IsSecretKey, so a Trail stores their values as given; no value
// is ever a code, a seed or a recovery code.
const (
	// MetaAttempt links an OutcomeAttempted event to its result event: both
	// carry the same random attempt id.
	MetaAttempt = "attempt"
	// MetaFactor is the kind of factor presented: FactorTOTP or
	// FactorRecovery.
	MetaFactor = "factor"
	// MetaCodesLeft is the number of unused recovery codes after a
	// successful enable, regeneration or recovery-code use.
	MetaCodesLeft = "codesLeft"
)

// attempt is one audited change of a user's second factor (enable,
// disable, regenerate, recovery-code use). Its OutcomeAttempted event is
// written before the first store call, and when it cannot be written the
// change is refused with 503 unavailable and the store is not touched (fail
// closed). Its result event (success, denied or failed, with the same
// attempt id) is written after, best effort: the change is already
// committed, so a failure to record the result is logged and does not undo
// or hide it.
type attempt struct {
	id     string
	action audit.Action
	factor Factor
}

func (at attempt) metadata(left int) map[string]string {
	md := map[string]string{MetaAttempt: at.id}
	if at.factor != FactorNone {
		md[MetaFactor] = string(at.factor)
	}
	if left >= 0 {
		md[MetaCodesLeft] = strconv.Itoa(left)
	}
	return md
}

// start writes the attempted event of action a. A non-nil error is 503
// unavailable: the caller must return it without touching the store (start
// then writes a failed result, best effort, for chains a partial fan-out
// reached).
func (s *Service) start(ctx context.Context, sub Subject, a audit.Action, f Factor) (attempt, error) {
	at := attempt{id: rand.Text(), action: a, factor: f}
	if err := s.emit(ctx, sub, a, audit.OutcomeAttempted, at.metadata(-1)); err != nil {
		s.cfg.Logger.ErrorContext(ctx, "mfa: audit failed, change refused", "user", sub.UserID, "action", string(a), "err", err)
		// A fan-out may have stored the attempted event in some chains:
		// close it there (best effort) so that no attempt is left open.
		s.tryRecord(context.WithoutCancel(ctx), sub, a, audit.OutcomeFailed, at.metadata(-1))
		return attempt{}, problem.Wrap(problem.CodeUnavailable, fmt.Errorf("mfa: record %s attempt: %w", a, err))
	}
	return at, nil
}

// finish writes the result of at: success when err is nil (with left
// recovery codes when left >= 0), otherwise the outcome of err's status
// (audit.OutcomeFor: 401, 403 and 423 are denied, the rest failed). It is
// best effort and runs even if ctx was cancelled after the change.
func (s *Service) finish(ctx context.Context, sub Subject, at attempt, err error, left int) {
	o := audit.OutcomeSuccess
	if err != nil {
		o = audit.OutcomeFor(problem.BodyOf(err).Status)
		left = -1
	}
	s.tryRecord(context.WithoutCancel(ctx), sub, at.action, o, at.metadata(left))
}

// tryRecord writes an event that records something already decided (a
// refusal, or the result of an attempt); a failure is logged, and the
// decision stands.
func (s *Service) tryRecord(ctx context.Context, sub Subject, a audit.Action, o audit.Outcome, md map[string]string) {
	if err := s.emit(ctx, sub, a, o, md); err != nil {
		s.cfg.Logger.ErrorContext(ctx, "mfa: audit failed", "user", sub.UserID, "action", string(a), "outcome", string(o), "err", err)
	}
}

// emit sends one audit event about sub.UserID. Metadata holds only the
// keys above: never a code or a seed.
func (s *Service) emit(ctx context.Context, sub Subject, a audit.Action, o audit.Outcome, md map[string]string) error {
	return s.cfg.Audit(ctx, audit.Event{
		ID:           rand.Text(),
		Time:         s.clock.Now().UTC(),
		Actor:        sub.UserID,
		Impersonator: sub.Impersonator,
		Action:       a,
		Target:       audit.Target{Type: "user", ID: sub.UserID},
		Outcome:      o,
		IP:           sub.IP,
		RequestID:    sub.RequestID,
		Metadata:     md,
	})
}

// factorMeta is the metadata of a one-off event (replay, lockout, denial).
func factorMeta(f Factor) map[string]string {
	if f == FactorNone {
		return nil
	}
	return map[string]string{MetaFactor: string(f)}
}

package audit

import (
	"context"
	"errors"
	"fmt"

	"github.com/tenantgate/tenantgate/problem"
)

// Record appends e to sink before a sensitive action is performed: the
// fail-closed path. When the event cannot be written (sink missing or
// failing, event invalid) it returns an error that is both
// errors.Is(err, problem.ErrUnavailable) and, for store failures,
// errors.Is(err, ErrUnavailable); the caller must then not perform the
// action, and problem.Write renders the error as 503 unavailable without its
// text:
//
//	if _, err := audit.Record(ctx, trail, ev); err != nil {
//		problem.Write(w, r, err) // 503, nothing done
//		return
//	}
//	approve(...)
func Record(ctx context.Context, sink Sink, e Event) (Event, error) {
	if sink == nil {
		return Event{}, problem.Wrap(problem.CodeUnavailable, fmt.Errorf("%w: no sink", ErrUnavailable))
	}
	stored, err := sink.Append(ctx, e)
	if err != nil {
		if !errors.Is(err, ErrUnavailable) && !errors.Is(err, ErrInvalidEvent) {
			err = fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		return Event{}, problem.Wrap(problem.CodeUnavailable, fmt.Errorf("audit: record %s: %w", Escape(string(e.Action)), err))
	}
	return stored, nil
}

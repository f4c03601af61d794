package verify

import (
	"context"
	"errors"
	"log/slog"

	"github.com/tenantgate/tenantgate/tenancy"
)

var _ Mailer = (*Fallback)(nil)

// WorkspaceMailer returns the mailer built from a workspace's own
// credentials (for example its Resend key and sender), or nil when the
// workspace has none configured. An error means the credentials could not
// be loaded; Fallback logs it and uses the platform mailer.
type WorkspaceMailer func(ctx context.Context, ws tenancy.WorkspaceID) (Mailer, error)

// FallbackConfig configures a Fallback.
type FallbackConfig struct {
	// Platform is the platform's default mailer (required).
	Platform Mailer
	// Workspace looks up a workspace's own mailer; optional (nil: every
	// message goes through Platform).
	Workspace WorkspaceMailer
	// Logger receives one warning per failed attempt (required; pass
	// slog.New(slog.DiscardHandler) to drop them). Records carry the mailer
	// ("workspace" or "platform"), the workspace id, the message's kind and
	// idempotency key and the error text; never a recipient, body, token or
	// credential.
	Logger *slog.Logger
}

// Fallback sends a message through the workspace's own mailer when the
// message names a workspace that has one, and through the platform mailer
// when it does not or when the workspace's mailer fails. Both attempts
// carry the same idempotency key. It is safe for concurrent use if its
// mailers are.
type Fallback struct {
	platform  Mailer
	workspace WorkspaceMailer
	log       *slog.Logger
}

// NewFallback validates cfg and returns a Fallback.
func NewFallback(cfg FallbackConfig) (*Fallback, error) {
	if cfg.Platform == nil {
		return nil, errors.New("verify: fallback: a platform mailer is required")
	}
	if cfg.Logger == nil {
		return nil, errors.New("verify: fallback: a logger is required")
	}
	return &Fallback{platform: cfg.Platform, workspace: cfg.Workspace, log: cfg.Logger}, nil
}

// Send tries the workspace's mailer, then the platform's. It returns nil at
// the first success, or the platform mailer's error joined with the
// workspace mailer's.
func (f *Fallback) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	var wsErr error
	if m.Workspace != "" && f.workspace != nil {
		wm, err := f.workspace(ctx, m.Workspace)
		switch {
		case err != nil:
			wsErr = err
			f.warn(ctx, "verify: workspace mail credentials unavailable", "workspace", m, err)
		case wm != nil:
			if err := wm.Send(ctx, m); err == nil {
				return nil
			} else {
				wsErr = err
				f.warn(ctx, "verify: workspace mailer failed; trying the platform mailer", "workspace", m, err)
			}
		}
	}
	if ctx.Err() != nil {
		return errors.Join(ctx.Err(), wsErr)
	}
	err := f.platform.Send(ctx, m)
	if err == nil {
		return nil
	}
	f.warn(ctx, "verify: platform mailer failed", "platform", m, err)
	return errors.Join(err, wsErr)
}

func (f *Fallback) warn(ctx context.Context, msg, mailer string, m Message, err error) {
	f.log.WarnContext(ctx, msg,
		slog.String("mailer", mailer),
		slog.Any("message", m),
		slog.String("err", err.Error()),
	)
}

package app

import (
	"context"
	"log/slog"

	"github.com/tenantgate/tenantgate/verify"
)

// logMailer is the default mailer without RESEND_API_KEY: it records only
// that a mail of a kind was sent — never the recipient, the body or the
// token.
func logMailer(log *slog.Logger) verify.Mailer {
	return verify.MailerFunc(func(ctx context.Context, m verify.Message) error {
		if err := m.Validate(); err != nil {
			return err
		}
		log.InfoContext(ctx, "mail sent", slog.String("kind", string(m.Kind)))
		return nil
	})
}

// tee keeps every message in the dev outbox, then sends it on.
func tee(outbox *verify.Outbox, next verify.Mailer) verify.Mailer {
	return verify.MailerFunc(func(ctx context.Context, m verify.Message) error {
		if err := outbox.Send(ctx, m); err != nil {
			return err
		}
		return next.Send(ctx, m)
	})
}

// send delivers mail and logs (without secrets) when it fails; the caller's
// answer never depends on delivery.
func (a *App) send(ctx context.Context, m verify.Message) {
	if err := a.mailer.Send(ctx, m); err != nil {
		a.log.WarnContext(ctx, "mail not sent", slog.String("kind", string(m.Kind)), slog.String("err", err.Error()))
	}
}

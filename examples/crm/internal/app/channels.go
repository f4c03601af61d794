package app

import (
	"context"
	"errors"
	"net/http"

	"github.com/tenantgate/tenantgate/internal/jsonbody"
	"github.com/tenantgate/tenantgate/problem"
	"github.com/tenantgate/tenantgate/secret"
	"github.com/tenantgate/tenantgate/tenancy"
)

// channels are a workspace's messaging credentials. Credentials are
// secret.Values: every rendering (JSON, fmt, slog) is masked.
type channels struct {
	TelegramBotToken      secret.Value
	WhatsAppAccessToken   secret.Value
	WhatsAppPhoneNumberID string
	ResendAPIKey          secret.Value
	ResendFrom            string
}

func ad(ws tenancy.WorkspaceID, field string) []byte {
	return []byte("crm/channels\x00" + string(ws) + "\x00" + field)
}

// openChannels opens sc's credentials (bound to their workspace and
// field, so a sealed value moved to another workspace does not open).
func (a *App) openChannels(ws tenancy.WorkspaceID, sc SealedChannels) (channels, error) {
	c := channels{WhatsAppPhoneNumberID: sc.PhoneNumberID, ResendFrom: sc.From}
	for _, f := range []struct {
		name string
		ct   []byte
		dst  *secret.Value
	}{{"telegram", sc.Telegram, &c.TelegramBotToken}, {"whatsapp", sc.WhatsApp, &c.WhatsAppAccessToken}, {"resend", sc.Resend, &c.ResendAPIKey}} {
		if f.ct == nil {
			continue
		}
		v, err := a.keys.OpenValue(f.ct, ad(ws, f.name))
		if err != nil {
			return channels{}, problem.Wrap(problem.CodeUnavailable, err)
		}
		*f.dst = v
	}
	return c, nil
}

// sealChannels seals c for storage; version is the stored version read.
func (a *App) sealChannels(ws tenancy.WorkspaceID, c channels, version int64) SealedChannels {
	sc := SealedChannels{PhoneNumberID: c.WhatsAppPhoneNumberID, From: c.ResendFrom, Version: version}
	if !c.TelegramBotToken.IsZero() {
		sc.Telegram = a.keys.SealValue(c.TelegramBotToken, ad(ws, "telegram"))
	}
	if !c.WhatsAppAccessToken.IsZero() {
		sc.WhatsApp = a.keys.SealValue(c.WhatsAppAccessToken, ad(ws, "whatsapp"))
	}
	if !c.ResendAPIKey.IsZero() {
		sc.Resend = a.keys.SealValue(c.ResendAPIKey, ad(ws, "resend"))
	}
	return sc
}

// getChannels reads and opens ws's channels.
func (a *App) getChannelsOf(ctx context.Context, ws tenancy.WorkspaceID) (channels, error) {
	sc, err := a.stores.Channels.Channels(ctx, ws)
	if err != nil {
		return channels{}, problem.Wrap(problem.CodeUnavailable, err)
	}
	return a.openChannels(ws, sc)
}

// updateChannels applies f to ws's channels with compare-and-set, retrying
// a few times when a concurrent write won.
func (a *App) updateChannels(ctx context.Context, ws tenancy.WorkspaceID, f func(*channels) error) (channels, error) {
	for range 5 {
		sc, err := a.stores.Channels.Channels(ctx, ws)
		if err != nil {
			return channels{}, problem.Wrap(problem.CodeUnavailable, err)
		}
		c, err := a.openChannels(ws, sc)
		if err != nil {
			return channels{}, err
		}
		if err := f(&c); err != nil {
			return channels{}, err
		}
		_, err = a.stores.Channels.PutChannels(ctx, ws, a.sealChannels(ws, c, sc.Version))
		if errors.Is(err, ErrChannelsChanged) {
			continue
		}
		if err != nil {
			return channels{}, problem.Wrap(problem.CodeUnavailable, err)
		}
		return c, nil
	}
	return channels{}, problem.ErrConflict
}

// channelsJSON is the wire shape; credentials render masked.
type channelsJSON struct {
	Telegram struct {
		BotToken secret.Value `json:"botToken"`
	} `json:"telegram"`
	WhatsApp struct {
		AccessToken   secret.Value `json:"accessToken"`
		PhoneNumberID string       `json:"phoneNumberId"`
	} `json:"whatsapp"`
	Resend struct {
		APIKey secret.Value `json:"apiKey"`
		From   string       `json:"from"`
	} `json:"resend"`
}

func toChannelsJSON(c channels) channelsJSON {
	var j channelsJSON
	j.Telegram.BotToken = c.TelegramBotToken
	j.WhatsApp.AccessToken = c.WhatsAppAccessToken
	j.WhatsApp.PhoneNumberID = c.WhatsAppPhoneNumberID
	j.Resend.APIKey = c.ResendAPIKey
	j.Resend.From = c.ResendFrom
	return j
}

func (a *App) getChannels(w http.ResponseWriter, r *http.Request) {
	t, _ := tenancy.FromContext(r.Context())
	noStore(w)
	c, err := a.getChannelsOf(r.Context(), t.Workspace.ID)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toChannelsJSON(c))
}

// channelsIn is the body of PUT …/settings/channels: an absent channel
// is left as it is.
type channelsIn struct {
	Telegram *struct {
		BotToken secret.Update `json:"botToken"`
	} `json:"telegram"`
	WhatsApp *struct {
		AccessToken   secret.Update `json:"accessToken"`
		PhoneNumberID *string       `json:"phoneNumberId"`
	} `json:"whatsapp"`
	Resend *struct {
		APIKey secret.Update `json:"apiKey"`
		From   *string       `json:"from"`
	} `json:"resend"`
}

// putChannels updates the credentials with secret.Update semantics: a
// credential sent back exactly as GET masked it, null, "" or absent keeps
// the stored value; {"clear":true} removes it; another masked text is 422;
// any other string replaces it.
func (a *App) putChannels(w http.ResponseWriter, r *http.Request) {
	t, _ := tenancy.FromContext(r.Context())
	noStore(w)
	in, err := jsonbody.Decode[channelsIn](w, r, jsonbody.DefaultLimit)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	apply := func(field string, dst *secret.Value, u secret.Update) error {
		v, err := u.Apply(*dst)
		if errors.Is(err, secret.ErrStaleMask) {
			return jsonbody.Invalid(field, "is a masked value that does not match the stored credential")
		}
		*dst = v
		return err
	}
	c, err := a.updateChannels(r.Context(), t.Workspace.ID, func(c *channels) error {
		if in.Telegram != nil {
			if err := apply("telegram.botToken", &c.TelegramBotToken, in.Telegram.BotToken); err != nil {
				return err
			}
		}
		if in.WhatsApp != nil {
			if err := apply("whatsapp.accessToken", &c.WhatsAppAccessToken, in.WhatsApp.AccessToken); err != nil {
				return err
			}
			if in.WhatsApp.PhoneNumberID != nil {
				c.WhatsAppPhoneNumberID = *in.WhatsApp.PhoneNumberID
			}
		}
		if in.Resend != nil {
			if err := apply("resend.apiKey", &c.ResendAPIKey, in.Resend.APIKey); err != nil {
				return err
			}
			if in.Resend.From != nil {
				c.ResendFrom = *in.Resend.From
			}
		}
		return nil
	})
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toChannelsJSON(c))
}
